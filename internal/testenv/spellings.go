// spellings.go lists the ways an address is written in what gonetstat
// collects, for tests that check a redacted bundle holds none of them.

package testenv

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// AddrSpellings returns the ways a is written in text and in /proc/net,
// upper- and lower-case hex as the files use them: the dotted quad or
// IPv6 text; the kernel's %08X words in this machine's byte order
// (0100007F for 127.0.0.1 on little-endian hosts), as tcp, udp, raw and
// route write them; for IPv4 the same inside tcp6's v4-mapped form; for
// IPv6 the expanded form and the 32 digits of %pi6 (ipv6_route,
// if_inet6). Compare case-insensitively.
func AddrSpellings(a netip.Addr) []string {
	a = a.WithZone("")
	out := []string{a.String()}
	words := func(raw []byte) string {
		var b strings.Builder
		for w := 0; w < len(raw); w += 4 {
			fmt.Fprintf(&b, "%08X", binary.NativeEndian.Uint32(raw[w:]))
		}
		return b.String()
	}
	if a.Is4() {
		v4 := a.As4()
		out = append(out, words(v4[:]))
		mapped := netip.AddrFrom16(a.As16()).As16()
		out = append(out, words(mapped[:]), "::ffff:"+a.String())
		return out
	}
	raw := a.As16()
	out = append(out, words(raw[:]), hex.EncodeToString(raw[:]), a.StringExpanded())
	return out
}

// MACSpellings returns the ways hw is written: colons, dashes, bare hex.
func MACSpellings(hw net.HardwareAddr) []string {
	s := hw.String()
	return []string{s, strings.ReplaceAll(s, ":", "-"), strings.ReplaceAll(s, ":", "")}
}
