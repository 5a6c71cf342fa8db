// layout_windows_amd64_test.go checks layout.go's offsets against the Go
// types x/sys/windows declares for the same structures, at compile time:
// each line fails to build (GOOS=windows go vet) unless the two agree.
// Only amd64 (and arm64, the same layout): Go aligns uint64 to 4 bytes on
// 386, C to 8.

package iphlpapi

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// Each index is a - b as a uintptr constant: negative does not compile,
// positive is out of range; only 0 builds.
var (
	_ = [1]int{}[unsafe.Sizeof(windows.MibIfRow2{})-ifRowSize]
	_ = [1]int{}[ifRowSize-unsafe.Sizeof(windows.MibIfRow2{})]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIfTable2{}.Table)-ifRowsAt]
	_ = [1]int{}[ifRowsAt-unsafe.Offsetof(windows.MibIfTable2{}.Table)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIfRow2{}.InterfaceIndex)-ifIndex]
	_ = [1]int{}[ifIndex-unsafe.Offsetof(windows.MibIfRow2{}.InterfaceIndex)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIfRow2{}.Alias)-ifAlias]
	_ = [1]int{}[ifAlias-unsafe.Offsetof(windows.MibIfRow2{}.Alias)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIfRow2{}.Description)-ifDescription]
	_ = [1]int{}[ifDescription-unsafe.Offsetof(windows.MibIfRow2{}.Description)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIfRow2{}.PhysicalAddressLength)-ifPhysLen]
	_ = [1]int{}[ifPhysLen-unsafe.Offsetof(windows.MibIfRow2{}.PhysicalAddressLength)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIfRow2{}.PhysicalAddress)-ifPhys]
	_ = [1]int{}[ifPhys-unsafe.Offsetof(windows.MibIfRow2{}.PhysicalAddress)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIfRow2{}.Type)-ifType]
	_ = [1]int{}[ifType-unsafe.Offsetof(windows.MibIfRow2{}.Type)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIfRow2{}.InterfaceAndOperStatusFlags)-ifFlags]
	_ = [1]int{}[ifFlags-unsafe.Offsetof(windows.MibIfRow2{}.InterfaceAndOperStatusFlags)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIfRow2{}.AdminStatus)-ifAdminStatus]
	_ = [1]int{}[ifAdminStatus-unsafe.Offsetof(windows.MibIfRow2{}.AdminStatus)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIfRow2{}.InOctets)-ifInOctets]
	_ = [1]int{}[ifInOctets-unsafe.Offsetof(windows.MibIfRow2{}.InOctets)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIfRow2{}.InNUcastPkts)-ifInNUcastPkts]
	_ = [1]int{}[ifInNUcastPkts-unsafe.Offsetof(windows.MibIfRow2{}.InNUcastPkts)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIfRow2{}.InErrors)-ifInErrors]
	_ = [1]int{}[ifInErrors-unsafe.Offsetof(windows.MibIfRow2{}.InErrors)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIfRow2{}.OutOctets)-ifOutOctets]
	_ = [1]int{}[ifOutOctets-unsafe.Offsetof(windows.MibIfRow2{}.OutOctets)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIfRow2{}.OutErrors)-ifOutErrors]
	_ = [1]int{}[ifOutErrors-unsafe.Offsetof(windows.MibIfRow2{}.OutErrors)]

	_ = [1]int{}[unsafe.Sizeof(windows.MibIpForwardRow2{})-fwdRowSize]
	_ = [1]int{}[fwdRowSize-unsafe.Sizeof(windows.MibIpForwardRow2{})]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIpForwardTable2{}.Table)-fwdRowsAt]
	_ = [1]int{}[fwdRowsAt-unsafe.Offsetof(windows.MibIpForwardTable2{}.Table)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIpForwardRow2{}.InterfaceIndex)-fwdIfIndex]
	_ = [1]int{}[fwdIfIndex-unsafe.Offsetof(windows.MibIpForwardRow2{}.InterfaceIndex)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIpForwardRow2{}.DestinationPrefix)-fwdDest]
	_ = [1]int{}[fwdDest-unsafe.Offsetof(windows.MibIpForwardRow2{}.DestinationPrefix)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIpForwardRow2{}.DestinationPrefix)+unsafe.Offsetof(windows.IpAddressPrefix{}.PrefixLength)-fwdDestLen]
	_ = [1]int{}[fwdDestLen-unsafe.Offsetof(windows.MibIpForwardRow2{}.DestinationPrefix)-unsafe.Offsetof(windows.IpAddressPrefix{}.PrefixLength)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIpForwardRow2{}.NextHop)-fwdNextHop]
	_ = [1]int{}[fwdNextHop-unsafe.Offsetof(windows.MibIpForwardRow2{}.NextHop)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIpForwardRow2{}.Metric)-fwdMetric]
	_ = [1]int{}[fwdMetric-unsafe.Offsetof(windows.MibIpForwardRow2{}.Metric)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIpForwardRow2{}.Protocol)-fwdProtocol]
	_ = [1]int{}[fwdProtocol-unsafe.Offsetof(windows.MibIpForwardRow2{}.Protocol)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIpForwardRow2{}.Loopback)-fwdLoopback]
	_ = [1]int{}[fwdLoopback-unsafe.Offsetof(windows.MibIpForwardRow2{}.Loopback)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIpForwardRow2{}.Origin)-fwdOrigin]
	_ = [1]int{}[fwdOrigin-unsafe.Offsetof(windows.MibIpForwardRow2{}.Origin)]
	_ = [1]int{}[unsafe.Sizeof(windows.RawSockaddrInet{})-sockaddrInetSize]
	_ = [1]int{}[sockaddrInetSize-unsafe.Sizeof(windows.RawSockaddrInet{})]

	_ = [1]int{}[unsafe.Sizeof(windows.MibUnicastIpAddressRow{})-addrRowSize]
	_ = [1]int{}[addrRowSize-unsafe.Sizeof(windows.MibUnicastIpAddressRow{})]
	_ = [1]int{}[unsafe.Offsetof(windows.MibUnicastIpAddressTable{}.Table)-addrRowsAt]
	_ = [1]int{}[addrRowsAt-unsafe.Offsetof(windows.MibUnicastIpAddressTable{}.Table)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibUnicastIpAddressRow{}.InterfaceIndex)-addrIfIndex]
	_ = [1]int{}[addrIfIndex-unsafe.Offsetof(windows.MibUnicastIpAddressRow{}.InterfaceIndex)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibUnicastIpAddressRow{}.OnLinkPrefixLength)-addrPrefixLen]
	_ = [1]int{}[addrPrefixLen-unsafe.Offsetof(windows.MibUnicastIpAddressRow{}.OnLinkPrefixLength)]

	// MIB_IPINTERFACE_ROW: the offsets agree up to DisableDefaultRoutes,
	// but not the size: x/sys/windows (v0.50.0) declares TransmitOffload
	// and ReceiveOffload as uint32 where the header's
	// NL_INTERFACE_OFFLOAD_ROD is one byte of bit fields, so its row is
	// 176 bytes, the C row 168 (testdata/layout.c prints
	// DisableDefaultRoutes at 166).
	_ = [1]int{}[unsafe.Offsetof(windows.MibIpInterfaceTable{}.Table)-ipIfRowsAt]
	_ = [1]int{}[ipIfRowsAt-unsafe.Offsetof(windows.MibIpInterfaceTable{}.Table)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIpInterfaceRow{}.Family)-ipIfFamily]
	_ = [1]int{}[ipIfFamily-unsafe.Offsetof(windows.MibIpInterfaceRow{}.Family)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIpInterfaceRow{}.InterfaceIndex)-ipIfIndex]
	_ = [1]int{}[ipIfIndex-unsafe.Offsetof(windows.MibIpInterfaceRow{}.InterfaceIndex)]
	_ = [1]int{}[unsafe.Offsetof(windows.MibIpInterfaceRow{}.Metric)-ipIfMetric]
	_ = [1]int{}[ipIfMetric-unsafe.Offsetof(windows.MibIpInterfaceRow{}.Metric)]
	_ = [1]int{}[unsafe.Sizeof(windows.MibIpInterfaceRow{})-ipIfRowSize-8]
	_ = [1]int{}[ipIfRowSize+8-unsafe.Sizeof(windows.MibIpInterfaceRow{})]
)
