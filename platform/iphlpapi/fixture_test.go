// fixture_test.go builds the byte fixtures of the tests: a reader of the
// hand-written hex files in testdata/, and an encoder that lays Go values
// out as the documented structures. The encoder writes its offsets as
// numbers of its own, read from the SDK headers (testdata/layout.c), not
// the decoder's constants, so that a wrong constant fails a test.

package iphlpapi

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

// readHex reads testdata/name: hex bytes separated by white space, "#"
// comments to the end of a line, and "XX*N" for N copies of byte XX.
func readHex(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	var out []byte
	for n, line := range strings.Split(string(data), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for _, tok := range strings.Fields(line) {
			count := 1
			if b, c, ok := strings.Cut(tok, "*"); ok {
				if count, err = strconv.Atoi(c); err != nil {
					tb.Fatalf("%s:%d: %q: %v", name, n+1, tok, err)
				}
				tok = b
			}
			b, err := hex.DecodeString(tok)
			if err != nil || len(b) != 1 {
				tb.Fatalf("%s:%d: %q is not one hex byte", name, n+1, tok)
			}
			out = append(out, bytes.Repeat(b, count)...)
		}
	}
	return out
}

func put16(b []byte, off int, v uint16) { binary.LittleEndian.PutUint16(b[off:], v) }
func put32(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
func put64(b []byte, off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }

// putPort stores a port the way Windows does: network order in the low
// 16 bits of a DWORD. The upper bytes are not defined; garbage goes there
// to check that the decoder ignores it.
func putPort(b []byte, off int, p uint16) {
	binary.BigEndian.PutUint16(b[off:], p)
	b[off+2], b[off+3] = 0xa5, 0x5a
}

// putAddr6 stores an IPv6 address and returns its zone as a scope ID.
func putAddr6(tb testing.TB, b []byte, off int, a netip.Addr) uint32 {
	tb.Helper()
	a16 := a.As16()
	copy(b[off:], a16[:])
	if a.Zone() == "" {
		return 0
	}
	n, err := strconv.ParseUint(a.Zone(), 10, 32)
	if err != nil {
		tb.Fatalf("zone of %v is not an index", a)
	}
	return uint32(n)
}

// tableOf is { ULONG NumEntries; <pad to rowsAt>; rows }.
func tableOf(rowsAt int, rows ...[]byte) []byte {
	b := make([]byte, rowsAt)
	put32(b, 0, uint32(len(rows)))
	for _, r := range rows {
		b = append(b, r...)
	}
	return b
}

// tcp4Row is a MIB_TCPROW_OWNER_PID.
func tcp4Row(state uint32, local, remote string, pid uint32) []byte {
	b := make([]byte, 24)
	l, r := netip.MustParseAddrPort(local), netip.MustParseAddrPort(remote)
	put32(b, 0, state)
	a := l.Addr().As4()
	copy(b[4:], a[:])
	putPort(b, 8, l.Port())
	a = r.Addr().As4()
	copy(b[12:], a[:])
	putPort(b, 16, r.Port())
	put32(b, 20, pid)
	return b
}

// tcp6Row is a MIB_TCP6ROW_OWNER_PID.
func tcp6Row(tb testing.TB, state uint32, local, remote string, pid uint32) []byte {
	b := make([]byte, 56)
	l, r := netip.MustParseAddrPort(local), netip.MustParseAddrPort(remote)
	put32(b, 16, putAddr6(tb, b, 0, l.Addr()))
	putPort(b, 20, l.Port())
	put32(b, 40, putAddr6(tb, b, 24, r.Addr()))
	putPort(b, 44, r.Port())
	put32(b, 48, state)
	put32(b, 52, pid)
	return b
}

// udp4Row is a MIB_UDPROW_OWNER_PID.
func udp4Row(local string, pid uint32) []byte {
	b := make([]byte, 12)
	l := netip.MustParseAddrPort(local)
	a := l.Addr().As4()
	copy(b, a[:])
	putPort(b, 4, l.Port())
	put32(b, 8, pid)
	return b
}

// udp6Row is a MIB_UDP6ROW_OWNER_PID.
func udp6Row(tb testing.TB, local string, pid uint32) []byte {
	b := make([]byte, 28)
	l := netip.MustParseAddrPort(local)
	put32(b, 16, putAddr6(tb, b, 0, l.Addr()))
	putPort(b, 20, l.Port())
	put32(b, 24, pid)
	return b
}

// putSockaddrInet stores a SOCKADDR_INET (28 bytes at off); an invalid
// address is AF_UNSPEC.
func putSockaddrInet(tb testing.TB, b []byte, off int, a netip.Addr) {
	switch {
	case !a.IsValid():
		put16(b, off, 0)
	case a.Is4():
		put16(b, off, 2)
		a4 := a.As4()
		copy(b[off+4:], a4[:])
	default:
		put16(b, off, 23)
		put32(b, off+24, putAddr6(tb, b, off+8, a))
	}
}

// fwdRow is a MIB_IPFORWARD_ROW2.
func fwdRow(tb testing.TB, ifIndex uint32, dst, nextHop string, metric, protocol uint32) []byte {
	b := make([]byte, 104)
	put64(b, 0, 0x0006000000000000|uint64(ifIndex)) // a NET_LUID, unused
	put32(b, 8, ifIndex)
	p := netip.MustParsePrefix(dst)
	putSockaddrInet(tb, b, 12, p.Addr())
	b[40] = byte(p.Bits())
	var hop netip.Addr
	if nextHop != "" {
		hop = netip.MustParseAddr(nextHop)
	} else if p.Addr().Is4() {
		hop = netip.IPv4Unspecified() // on-link: Windows gives 0.0.0.0
	} else {
		hop = netip.IPv6Unspecified()
	}
	putSockaddrInet(tb, b, 44, hop)
	b[72] = 0                               // SitePrefixLength
	put32(b, 76, 0xffffffff)                // ValidLifetime: infinite
	put32(b, 80, 0xffffffff)                // PreferredLifetime
	put32(b, 84, metric)                    // Metric
	put32(b, 88, protocol)                  // Protocol
	b[92], b[93], b[94], b[95] = 0, 0, 1, 1 // Loopback, AutoconfigureAddress, Publish, Immortal
	put32(b, 96, 1234)                      // Age
	put32(b, 100, 0)                        // Origin: NlroManual
	return b
}

// ipIfRow is a MIB_IPINTERFACE_ROW.
func ipIfRow(family uint16, ifIndex, metric uint32) []byte {
	b := make([]byte, 168)
	put16(b, 0, family)
	put64(b, 8, 0x0006000000000000|uint64(ifIndex))
	put32(b, 16, ifIndex)
	b[44] = 1 // UseAutomaticMetric
	put32(b, 148, metric)
	put32(b, 152, 1500) // NlMtu
	b[156] = 1          // Connected
	return b
}

// ifCounters are the counters of an ifRow.
type ifCounters struct {
	inOctets, inUcast, inNUcast, inDiscards, inErrors      uint64
	outOctets, outUcast, outNUcast, outDiscards, outErrors uint64
}

// ifRow is a MIB_IF_ROW2.
func ifRow(index uint32, alias, descr string, mac []byte, ifType uint32, flags byte, adminUp bool, c ifCounters) []byte {
	b := make([]byte, 1352)
	put64(b, 0, 0x0006000000000000|uint64(index))
	put32(b, 8, index)
	putW := func(off int, s string) {
		for i, u := range utf16.Encode([]rune(s)) {
			put16(b, off+2*i, u)
		}
	}
	putW(28, alias)
	putW(542, descr)
	put32(b, 1056, uint32(len(mac)))
	copy(b[1060:], mac)
	copy(b[1092:], mac) // PermanentPhysicalAddress
	put32(b, 1124, 1500)
	put32(b, 1128, ifType)
	b[1152] = flags
	put32(b, 1156, 1) // OperStatus: IfOperStatusUp
	if adminUp {
		put32(b, 1160, 1)
	} else {
		put32(b, 1160, 2)
	}
	put64(b, 1192, 1e9) // TransmitLinkSpeed
	put64(b, 1200, 1e9) // ReceiveLinkSpeed
	for off, v := range map[int]uint64{
		1208: c.inOctets, 1216: c.inUcast, 1224: c.inNUcast, 1232: c.inDiscards, 1240: c.inErrors,
		1280: c.outOctets, 1288: c.outUcast, 1296: c.outNUcast, 1304: c.outDiscards, 1312: c.outErrors,
	} {
		put64(b, off, v)
	}
	put64(b, 1248, 77) // InUnknownProtos: not shown, must not leak into another field
	return b
}

// addrRow is a MIB_UNICASTIPADDRESS_ROW: addr (with its zone, the
// scope ID) and its on-link prefix length.
func addrRow(tb testing.TB, ifIndex uint32, addr string, bits int) []byte {
	b := make([]byte, 80)
	putSockaddrInet(tb, b, 0, netip.MustParseAddr(addr))
	put64(b, 32, 0x0006000000000000|uint64(ifIndex))
	put32(b, 40, ifIndex)
	put32(b, 44, 1) // PrefixOrigin: IpPrefixOriginManual
	put32(b, 48, 1) // SuffixOrigin
	b[60] = byte(bits)
	put32(b, 64, 4) // DadState: IpDadStatePreferred
	return b
}
