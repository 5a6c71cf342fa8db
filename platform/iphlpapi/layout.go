// layout.go holds the byte layouts of the iphlpapi structures gonetstat
// decodes (offsets and sizes on 64-bit Windows, as the Windows SDK headers
// lay them out) and the little readers every decoder shares.

package iphlpapi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"unicode/utf16"
)

// ErrTruncated is wrapped by every decoding error that comes from a
// buffer too short for what it says it holds (a row count larger than its
// rows, a structure cut short).
var ErrTruncated = errors.New("buffer shorter than the structure it holds")

// Table headers. Every table is
//
//	struct { ULONG NumEntries; ROW Table[ANY_SIZE]; }
//
// so its rows start at the row's alignment: 4 for the rows made of DWORDs
// and bytes (tcpmib.h, udpmib.h), 8 for those holding a NET_LUID or a
// ULONG64 (netioapi.h). The offsets below were read from the SDK headers
// (mingw-w64's, compiled for x86_64 and printed with offsetof; see
// testdata/layout.c) and match x/sys/windows' Go types
// (layout_windows_amd64_test.go checks that at compile time, and records
// where x/sys/windows is wrong: its MIB_IPINTERFACE_ROW is 176 bytes).
const (
	// MIB_TCPTABLE_OWNER_PID, MIB_TCPROW_OWNER_PID (tcpmib.h): six DWORDs,
	// dwState, dwLocalAddr, dwLocalPort, dwRemoteAddr, dwRemotePort,
	// dwOwningPid.
	tcp4RowsAt  = 4
	tcp4RowSize = 24

	// MIB_TCP6TABLE_OWNER_PID, MIB_TCP6ROW_OWNER_PID: ucLocalAddr[16] 0,
	// dwLocalScopeId 16, dwLocalPort 20, ucRemoteAddr[16] 24,
	// dwRemoteScopeId 40, dwRemotePort 44, dwState 48, dwOwningPid 52.
	tcp6RowsAt  = 4
	tcp6RowSize = 56

	// MIB_UDPTABLE_OWNER_PID, MIB_UDPROW_OWNER_PID (udpmib.h): dwLocalAddr,
	// dwLocalPort, dwOwningPid.
	udp4RowsAt  = 4
	udp4RowSize = 12

	// MIB_UDP6TABLE_OWNER_PID, MIB_UDP6ROW_OWNER_PID: ucLocalAddr[16] 0,
	// dwLocalScopeId 16, dwLocalPort 20, dwOwningPid 24.
	udp6RowsAt  = 4
	udp6RowSize = 28

	// The fixed-size statistics structures (ipmib.h, tcpmib.h, udpmib.h):
	// DWORDs only, so the same on every Windows architecture.
	ipStatsSize  = 92   // MIB_IPSTATS: 23 DWORDs
	tcpStatsSize = 60   // MIB_TCPSTATS: 15 DWORDs
	udpStatsSize = 20   // MIB_UDPSTATS: 5 DWORDs
	icmpExSize   = 2064 // MIB_ICMP_EX: two MIBICMPSTATS_EX of 2+256 DWORDs

	// SOCKADDR_INET (ws2ipdef.h) is a union of SOCKADDR_IN (16 bytes) and
	// SOCKADDR_IN6 (28): si_family 0, port 2 (network order); IPv4 address
	// at 4; IPv6 sin6_flowinfo 4, sin6_addr 8, sin6_scope_id 24.
	sockaddrInetSize = 28

	// MIB_IPFORWARD_TABLE2, MIB_IPFORWARD_ROW2 (netioapi.h).
	fwdRowsAt       = 8
	fwdRowSize      = 104
	fwdIfIndex      = 8  // InterfaceIndex (after the NET_LUID)
	fwdDest         = 12 // DestinationPrefix.Prefix (SOCKADDR_INET)
	fwdDestLen      = 40 // DestinationPrefix.PrefixLength (UINT8)
	fwdNextHop      = 44 // NextHop (SOCKADDR_INET)
	fwdMetric       = 84
	fwdProtocol     = 88 // NL_ROUTE_PROTOCOL
	fwdLoopback     = 92 // BOOLEAN
	fwdOrigin       = 100
	ipIfRowsAt      = 8
	ipIfRowSize     = 168 // MIB_IPINTERFACE_ROW
	ipIfFamily      = 0   // ADDRESS_FAMILY (USHORT)
	ipIfIndex       = 16
	ipIfMetric      = 148
	ifRowsAt        = 8
	ifRowSize       = 1352 // MIB_IF_ROW2
	ifIndex         = 8
	ifAlias         = 28  // WCHAR[IF_MAX_STRING_SIZE + 1]
	ifDescription   = 542 // WCHAR[IF_MAX_STRING_SIZE + 1]
	ifStringChars   = 257
	ifPhysLen       = 1056 // PhysicalAddressLength (ULONG)
	ifPhys          = 1060 // PhysicalAddress[IF_MAX_PHYS_ADDRESS_LENGTH]
	ifPhysMax       = 32
	ifType          = 1128 // IFTYPE
	ifFlags         = 1152 // InterfaceAndOperStatusFlags (bit field in one byte)
	ifOperStatus    = 1156
	ifAdminStatus   = 1160
	ifInOctets      = 1208 // then InUcastPkts, InNUcastPkts, InDiscards, InErrors, ... (ULONG64 each)
	ifInUcastPkts   = 1216
	ifInNUcastPkts  = 1224
	ifInDiscards    = 1232
	ifInErrors      = 1240
	ifOutOctets     = 1280
	ifOutUcastPkts  = 1288
	ifOutNUcastPkts = 1296
	ifOutDiscards   = 1304
	ifOutErrors     = 1312
	addrRowsAt      = 8
	addrRowSize     = 80 // MIB_UNICASTIPADDRESS_ROW
	addrIfIndex     = 40
	addrPrefixLen   = 60 // OnLinkPrefixLength (UINT8)
)

// Address families as Windows numbers them (ws2def.h): AF_INET6 is 23
// there, not Linux's 10.
const (
	afUnspec = 0
	afInet   = 2
	afInet6  = 23
)

// u16, u32 and u64 read little-endian values: every Windows architecture
// (x86, x64, ARM64) is little-endian. Callers check lengths first.
func u16(b []byte, off int) uint16 { return binary.LittleEndian.Uint16(b[off:]) }
func u32(b []byte, off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }
func u64(b []byte, off int) uint64 { return binary.LittleEndian.Uint64(b[off:]) }

// port reads a port stored as the docs of MIB_TCPROW_OWNER_PID say: in
// network byte order in the low 16 bits of a DWORD, that is in the
// DWORD's first two bytes in memory. The upper bytes are not defined and
// are ignored.
func port(b []byte, off int) uint16 { return binary.BigEndian.Uint16(b[off:]) }

// addr4 reads an IPv4 address stored in network order (an in_addr or a
// DWORD holding one).
func addr4(b []byte, off int) netip.Addr { return netip.AddrFrom4([4]byte(b[off : off+4])) }

// addr6 reads an IPv6 address and gives it the zone of a non-zero scope
// ID: the interface index, in decimal, as Windows netstat prints it
// ("fe80::1%21"). The headers call scope IDs network-ordered, but Windows
// and Wine store the index in host order (the SOCKADDR_IN6 convention),
// which is what netstat prints.
func addr6(b []byte, off int, scope uint32) netip.Addr {
	a := netip.AddrFrom16([16]byte(b[off : off+16]))
	if scope != 0 {
		a = a.WithZone(zoneName(scope))
	}
	return a
}

// zoneNames holds the zone text of the usual interface indexes, so that a
// table of link-local rows does not format the same number on each.
var zoneNames = func() (z [64]string) {
	for i := range z {
		z[i] = fmt.Sprint(i)
	}
	return z
}()

func zoneName(scope uint32) string {
	if scope < uint32(len(zoneNames)) {
		return zoneNames[scope]
	}
	return fmt.Sprint(scope)
}

// table checks a table's header and returns its rows: n rows of size
// bytes starting at rowsAt. A buffer too short for the row count it
// states is an error wrapping ErrTruncated, never a shorter table; bytes
// after the last row are allowed (the API's buffers are usually larger).
func table(b []byte, what string, rowsAt, size int) (n int, rows []byte, err error) {
	if len(b) < 4 {
		return 0, nil, fmt.Errorf("%s: %d bytes, too short for the row count: %w", what, len(b), ErrTruncated)
	}
	count := uint64(u32(b, 0))
	if count == 0 {
		return 0, nil, nil
	}
	if avail := uint64(max(len(b)-rowsAt, 0)); count*uint64(size) > avail {
		return 0, nil, fmt.Errorf("%s: says %d rows of %d bytes, the buffer holds %d bytes of rows: %w",
			what, count, size, avail, ErrTruncated)
	}
	return int(count), b[rowsAt : rowsAt+int(count)*size], nil
}

// fixed checks that a fixed-size structure is whole.
func fixed(b []byte, what string, size int) error {
	if len(b) < size {
		return fmt.Errorf("%s: %d bytes, the structure has %d: %w", what, len(b), size, ErrTruncated)
	}
	return nil
}

// wstring decodes a NUL-terminated UTF-16LE string of at most chars
// characters at off (a WCHAR array of the headers). Bad surrogates become
// U+FFFD; the text is sanitized where it is printed, not here.
func wstring(b []byte, off, chars int) string {
	u := make([]uint16, 0, chars)
	for i := range chars {
		c := u16(b, off+2*i)
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}
