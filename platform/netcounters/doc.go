// Package netcounters reads the kernel's host-wide network counters: the
// per-interface traffic of /proc/net/dev (gonetstat -e) and the
// per-protocol MIB counters of /proc/net/snmp and /proc/net/snmp6
// (gonetstat -s), into the collect model.
//
// # Pure parsers, a thin reader
//
// ParseDev, ParseSNMP and ParseSNMP6 take bytes, carry no build tag and
// are fuzzed on any machine (so a bundle's /proc/net copies can be read
// back anywhere); read_linux.go only fetches the files. Every file under
// /proc/net is a view of the reading thread's network namespace: to read
// another namespace, read <proc>/thread-self/net/... on a thread inside it
// (platform uses netns.Do for that).
//
// # The formats
//
// /proc/net/snmp (net/ipv4/proc.c, snmp_seq_show) is a series of line
// pairs, a line of names then a line of values with the same "Group:"
// prefix:
//
//	Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens ...
//	Tcp: 1 200 120000 -1 355 ...
//
// Groups are Ip, Icmp, IcmpMsg (only the ICMP types seen, absent when
// none), Tcp, Udp, UdpLite; /proc/net/netstat (TcpExt, IpExt, ...) has the
// same layout and the same parser reads it. Values are signed (Tcp MaxConn
// is -1). ParseSNMP accepts the groups in any order and refuses a values
// line whose count or prefix differs from its names line, a group given
// twice, or a name repeated, with an error naming the line.
//
// /proc/net/snmp6 (net/ipv6/proc.c) is one "Name value" line per counter,
// the group folded into the name: Ip6InReceives, Icmp6InEchos,
// Icmp6InType128, Udp6NoPorts, UdpLite6InErrors. ParseSNMP6 splits the
// name after its first digit: group "Ip6", counter "InReceives". The file
// is absent when IPv6 is disabled.
//
// /proc/net/dev (net/core/net-procfs.c, dev_seq_show) has two header lines
// and one line per interface, "name: " then 8 receive and 8 transmit
// columns. ParseDev finds the columns by the names on the second header
// line (bytes packets errs drop ... multicast | bytes packets errs drop
// ...), so a column added later does not shift the others.
//
// # What is kept
//
// A counter the file does not have is absent from the model, never 0: an
// older kernel lacks some (Ip OutTransmits, Udp MemErrors), and the
// renderer leaves their rows out. Lines are bounded by MaxLineLen and
// files by MaxLines; a malformed line is an error naming it, never a
// skipped row.
package netcounters
