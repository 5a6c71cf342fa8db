// neigh_test.go tests the neighbour and rule decoders on hand-made
// messages (neigh_linux_test.go: the dump loop and the live read).

package rtnl

import (
	"bytes"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/nlmsg"
)

func ndmsg(fam byte, index uint32, state uint16, flags byte) []byte {
	b := make([]byte, ndmsgLen)
	b[0] = fam
	native.PutUint32(b[4:], index)
	native.PutUint16(b[8:], state)
	b[10] = flags
	return b
}

func ruleHdr(fam, dstLen, srcLen, table, action byte, flags uint32) []byte {
	b := []byte{fam, dstLen, srcLen, 0, table, 0, 0, action}
	return native.AppendUint32(b, flags)
}

func handMadeNeighbours() []byte {
	return bytes.Join([][]byte{
		link(7, "veth0"),
		msg(RTMNewNeigh, 0, ndmsg(afInet, 7, uint16(collect.NeighPermanent), 0),
			attr(ndaDst, 198, 18, 5, 2), attr(ndaLladdr, 2, 0, 0, 0, 0, 0x42)),
		msg(RTMNewNeigh, 0, ndmsg(afInet6, 7, uint16(collect.NeighStale), ntfRouter),
			attr(ndaDst, ip("fe80::42").AsSlice()...), attr(ndaLladdr, 2, 0, 0, 0, 0, 0x43)),
		msg(RTMNewNeigh, 0, ndmsg(afInet, 9, uint16(collect.NeighIncomplete), 0), attr(ndaDst, 198, 18, 5, 3)),
		msg(RTMNewRule, 0, ruleHdr(afInet, 0, 0, 255, byte(collect.RuleToTable), 0)),
		msg(RTMNewRule, 0, ruleHdr(afInet, 24, 15, 0, byte(collect.RuleToTable), fibInvert),
			attr(fraSrc, 198, 18, 0, 0), attr(fraDst, 198, 19, 7, 0), attr(fraPriority, u32(100)...),
			attr(fraTable, u32(1000)...), attr(fraIifname, append([]byte("veth0"), 0)...),
			attr(fraFwmark, u32(0x10)...), attr(fraFwmask, u32(0xff)...), attr(fraProtocol, 4)),
		msg(RTMNewRule, 0, ruleHdr(afInet6, 0, 0, 0, byte(collect.RuleGoto), 0), attr(fraGoto, u32(32766)...),
			attr(fraPriority, u32(5)...), attr(fraOifname, append([]byte("vrf0"), 0)...)),
		msg(nlmsg.Done, 0, u32(0)),
	}, nil)
}

func TestDecodeNeighboursAndRules(t *testing.T) {
	var m Messages
	if _, _, err := Decode(handMadeNeighbours(), 0, &m); err != nil {
		t.Fatal(err)
	}
	tab := m.Table()
	want := []collect.Neighbour{
		{Addr: ip("198.18.5.2"), IfIndex: 7, IfName: "veth0", MAC: net.HardwareAddr{2, 0, 0, 0, 0, 0x42}, State: collect.NeighPermanent},
		{Addr: ip("fe80::42"), IfIndex: 7, IfName: "veth0", MAC: net.HardwareAddr{2, 0, 0, 0, 0, 0x43}, State: collect.NeighStale, Router: true},
		{Addr: ip("198.18.5.3"), IfIndex: 9, State: collect.NeighIncomplete}, // interface 9 not listed: no name
	}
	addrs := cmp.Options{cmp.Comparer(func(a, b netip.Addr) bool { return a == b }), cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })}
	if diff := cmp.Diff(want, m.NamedNeighbours(&tab), addrs); diff != "" {
		t.Errorf("neighbours (-want +got):\n%s", diff)
	}
	wantRules := []collect.Rule{
		{Table: 255, Action: collect.RuleToTable},
		{Src: pfx("198.18.0.0/15"), Dst: pfx("198.19.7.0/24"), Priority: 100, Table: 1000, IIfName: "veth0",
			FwMark: 0x10, FwMask: 0xff, Invert: true, Action: collect.RuleToTable, Protocol: collect.RouteProtoStatic},
		{IPv6: true, Priority: 5, Action: collect.RuleGoto, Goto: 32766, OIfName: "vrf0"},
	}
	if diff := cmp.Diff(wantRules, m.Rules, addrs); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
}

func TestDecodeNeighboursMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		buf  []byte
		want string
	}{
		{"short ndmsg", msg(RTMNewNeigh, 0, make([]byte, 4)), "ndmsg of 4 bytes"},
		{"bridge fdb", msg(RTMNewNeigh, 0, ndmsg(7, 1, 2, 0)), "neighbour of address family 7"},
		{"no destination", msg(RTMNewNeigh, 0, ndmsg(afInet, 1, 2, 0)), "without NDA_DST"},
		{"v6 destination in v4", msg(RTMNewNeigh, 0, ndmsg(afInet, 1, 2, 0), attr(ndaDst, make([]byte, 16)...)), "NDA_DST of 16 bytes"},
		{"short rule", msg(RTMNewRule, 0, make([]byte, 8)), "fib_rule_hdr of 8 bytes"},
		{"rule prefix too long", msg(RTMNewRule, 0, ruleHdr(afInet, 33, 0, 0, 1, 0), attr(fraDst, 1, 2, 3, 4)), "destination prefix length 33"},
		{"rule length without address", msg(RTMNewRule, 0, ruleHdr(afInet, 0, 8, 0, 1, 0)), "source prefix length 8 without an address"},
		{"long iif name", msg(RTMNewRule, 0, ruleHdr(afInet, 0, 0, 0, 1, 0), attr(fraIifname, bytes.Repeat([]byte{'a'}, 20)...)), "FRA_IIFNAME of 20 bytes"},
		{"short protocol", msg(RTMNewRule, 0, ruleHdr(afInet, 0, 0, 0, 1, 0), attr(fraProtocol, 1, 2)), "FRA_PROTOCOL of 2 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m Messages
			_, _, err := Decode(tc.buf, 0, &m)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
			if len(m.Neighbours)+len(m.Rules) != 0 {
				t.Errorf("a bad message was kept: %+v %+v", m.Neighbours, m.Rules)
			}
		})
	}
}
