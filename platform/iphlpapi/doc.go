// Package iphlpapi reads Windows' socket tables, routing table and network
// counters from iphlpapi.dll, without cgo.
//
// # Bytes in, model out
//
// The decoders (sockets.go, stats.go, routes.go) take the bytes Windows
// fills in, laid out as the documented structures (MIB_TCPTABLE_OWNER_PID,
// MIB_TCP6TABLE_OWNER_PID, MIB_UDPTABLE_OWNER_PID, MIB_UDP6TABLE_OWNER_PID,
// MIB_IPSTATS, MIB_TCPSTATS, MIB_UDPSTATS, MIB_ICMP_EX,
// MIB_IPFORWARD_TABLE2, MIB_IPINTERFACE_TABLE, MIB_IF_TABLE2,
// MIB_UNICASTIPADDRESS_TABLE), and read them at explicit offsets
// (layout.go): they carry no build tag, and are tested and fuzzed on any
// OS. A buffer shorter than the row count it states is an error wrapping
// ErrTruncated, never a shorter table. Only sys_windows.go and
// mibtable_windows.go call Windows, behind the source interface
// (source.go), which the tests fake.
//
// # What Windows gives
//
// GetExtendedTcpTable(TCP_TABLE_OWNER_PID_ALL) and
// GetExtendedUdpTable(UDP_TABLE_OWNER_PID), each for AF_INET and
// AF_INET6, list every socket with its owning PID; the buffer-size loop
// retries a table that grew, up to a 256 MiB cap. A table that fails is
// named in a *collect.PartialError beside the others' rows. Ports are in
// network order in the low 16 bits of a DWORD; an IPv6 row's scope ID
// becomes the address's zone, the interface index in decimal, as
// netstat prints it ("fe80::1%21"). MIB_TCP_STATE 1 to 12 map to
// collect's states (DELETE_TCB as CLOSED); any other value is
// collect.StateUnknown, with a notice naming it.
//
// # Owners
//
// When collect.Query.Owners asks, each row's PID becomes a
// *collect.Process shared by the rows of that PID and named once per
// snapshot: QueryFullProcessImageName after
// OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION), Windows' own names for
// PID 0 ("System Idle Process", which Windows gives TIME_WAIT rows) and 4
// ("System"), and no name for a process Windows will not open. The
// services each process hosts come from one EnumServicesStatusEx listing
// per snapshot; when the service control manager cannot be read the rows
// carry no services and a notice says why.
//
// # Reports
//
// -s: GetIpStatisticsEx, GetIcmpStatisticsEx, GetTcpStatisticsEx and
// GetUdpStatisticsEx for both families, under the counter names Linux's
// /proc/net/snmp uses (TCP's two families summed into one group, as -s
// prints one TCP section). -r: GetIfTable2, GetIpInterfaceTable,
// GetUnicastIpAddressTable and GetIpForwardTable2, with each route's
// metric plus its interface's, as route print shows it. -e: the counters
// of GetIfTable2's interfaces that have an IP side (NDIS filter
// interfaces repeat their adapter's counters and are left out).
package iphlpapi
