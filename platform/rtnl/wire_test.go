// wire_test.go tests the decoder on replies captured from a real kernel
// (testdata/machine.bin, see capture_linux_test.go), on hand-made messages
// and by fuzzing.

package rtnl

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/nlmsg"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// describe prints a table one line per interface and route, every field.
func describe(t collect.RouteTable) string {
	var b strings.Builder
	for _, ifc := range t.Interfaces {
		fmt.Fprintf(&b, "if %d %s mac=%v up=%v", ifc.Index, ifc.Name, ifc.MAC, ifc.Up)
		for _, a := range ifc.Addrs {
			fmt.Fprintf(&b, " %v", a.Prefix)
			if a.Peer.IsValid() {
				fmt.Fprintf(&b, "peer=%v", a.Peer)
			}
			if a.Secondary {
				b.WriteString("(secondary)")
			}
		}
		b.WriteByte('\n')
	}
	for _, r := range append(t.IPv4[:len(t.IPv4):len(t.IPv4)], t.IPv6...) {
		fmt.Fprintf(&b, "route %v %v table=%d via=%v dev=%d/%s src=%v metric=%d proto=%v nhid=%d\n",
			r.Type, r.Dst, r.Table, r.Gateway, r.IfIndex, r.IfName, r.Src, r.Metric, r.Protocol, r.NextHopID)
	}
	return b.String()
}

func TestDecodeMachine(t *testing.T) {
	data, err := os.ReadFile("testdata/machine.bin")
	if err != nil {
		t.Fatal(err)
	}
	tab, err := DecodeTable(data)
	if err != nil {
		t.Fatal(err)
	}
	got := describe(tab)
	if *update {
		if err := os.WriteFile("testdata/machine.golden", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/machine.golden")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("decoded table (-want +got):\n%s", diff)
	}
	// What `ip route show table all` printed on the capturing machine,
	// checked field by field so the golden file is not its own judge.
	eth0 := tab.Interface(4)
	if eth0 == nil || eth0.Name != "eth0" || eth0.MAC.String() != "02:fc:00:00:00:01" || !eth0.Up {
		t.Fatalf("interface 4 = %+v", eth0)
	}
	if lo := tab.Interface(1); lo == nil || lo.MAC != nil || len(lo.Addrs) != 2 {
		t.Errorf("lo = %+v: want no MAC (all zeros) and two addresses", lo)
	}
	wantRoutes := []collect.Route{
		{Dst: pfx("0.0.0.0/0"), Gateway: ip("192.0.2.1"), IfIndex: 4, IfName: "eth0", Type: collect.RouteUnicast, Table: collect.RouteTableMain, Protocol: collect.RouteProtoBoot},
		{Dst: pfx("192.0.2.0/24"), IfIndex: 4, IfName: "eth0", Src: ip("192.0.2.2"), Type: collect.RouteUnicast, Table: collect.RouteTableMain, Protocol: collect.RouteProtoKernel},
		{Dst: pfx("127.255.255.255/32"), IfIndex: 1, IfName: "lo", Src: ip("127.0.0.1"), Type: collect.RouteBroadcast, Table: collect.RouteTableLocal, Protocol: collect.RouteProtoKernel},
		{Dst: pfx("::/0"), Gateway: ip("fd00::1"), IfIndex: 4, IfName: "eth0", Metric: 1024, Type: collect.RouteUnicast, Table: collect.RouteTableMain, Protocol: collect.RouteProtoBoot},
		{Dst: pfx("ff00::/8"), IfIndex: 4, IfName: "eth0", Metric: 256, Type: collect.RouteMulticast, Table: collect.RouteTableLocal, Protocol: collect.RouteProtoKernel},
	}
	all := append(tab.IPv4[:len(tab.IPv4):len(tab.IPv4)], tab.IPv6...)
	for _, w := range wantRoutes {
		found := false
		for _, r := range all {
			found = found || r == w
		}
		if !found {
			t.Errorf("no route %+v in\n%s", w, got)
		}
	}
	if len(tab.IPv4) != 7 || len(tab.IPv6) != 7 {
		t.Errorf("%d IPv4 and %d IPv6 routes, want 7 and 7 (ip route show table all)", len(tab.IPv4), len(tab.IPv6))
	}
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ip(s string) netip.Addr    { return netip.MustParseAddr(s) }

// msg builds one netlink message: header, fixed part, attributes.
func msg(typ uint16, flags uint16, fixed []byte, attrs ...[]byte) []byte {
	b := make([]byte, nlmsg.HdrLen, 64)
	native.PutUint16(b[4:], typ)
	native.PutUint16(b[6:], flags)
	b = append(b, fixed...)
	for _, a := range attrs {
		b = append(b, a...)
	}
	native.PutUint32(b[0:], uint32(len(b)))
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func attr(typ uint16, payload ...byte) []byte {
	b := make([]byte, rtaHdrLen, rtaHdrLen+len(payload)+3)
	native.PutUint16(b[0:], uint16(rtaHdrLen+len(payload)))
	native.PutUint16(b[2:], typ)
	b = append(b, payload...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func u32(v uint32) []byte { return native.AppendUint32(nil, v) }

func rtmsg(fam, dstLen, table, proto, typ byte) []byte {
	return []byte{fam, dstLen, 0, 0, table, proto, 0, typ, 0, 0, 0, 0}
}

func link(index uint32, name string) []byte {
	fixed := make([]byte, ifinfomsgLen)
	native.PutUint32(fixed[4:], index)
	native.PutUint32(fixed[8:], iffUp)
	return msg(RTMNewLink, 0, fixed, attr(iflaIfname, append([]byte(name), 0)...), attr(iflaAddress, 2, 0, 0, 0, 0, 9))
}

// handMade is a dump with what this machine's table lacks: a multipath
// route, an unreachable route, a point-to-point secondary address, an IPv6
// route through an IPv4 gateway in another table, a cache entry.
func handMade() []byte {
	done := msg(nlmsg.Done, 0, u32(0))
	gw := netip.MustParseAddr("198.18.5.2").AsSlice()
	// A multipath route: two next hops, on interfaces 7 and 8.
	hop := func(index uint32, gw []byte) []byte {
		a := attr(rtaGateway, gw...)
		h := make([]byte, rtnexthopLen)
		native.PutUint16(h[0:], uint16(rtnexthopLen+len(a)))
		native.PutUint32(h[4:], index)
		return append(h, a...)
	}
	var mp []byte
	mp = append(mp, hop(7, gw)...)
	mp = append(mp, hop(8, netip.MustParseAddr("198.18.5.3").AsSlice())...)
	buf := bytes.Join([][]byte{
		link(7, "veth0"),
		link(8, "veth1"),
		msg(RTMNewAddr, 0, []byte{afInet, 24, 0, 0, 7, 0, 0, 0}, attr(ifaLocal, 198, 18, 5, 1), attr(ifaAddress, 198, 18, 5, 1)),
		msg(RTMNewAddr, 0, []byte{afInet, 32, 0, 0, 8, 0, 0, 0}, attr(ifaLocal, 198, 18, 9, 1), attr(ifaAddress, 198, 18, 9, 2), attr(ifaFlags, u32(ifaFSecondary)...)),
		msg(RTMNewRoute, 0, rtmsg(afInet, 24, 254, 4, 1), attr(rtaDst, 198, 18, 6, 0), attr(rtaPriority, u32(7)...), attr(rtaMultipath, mp...)),
		msg(RTMNewRoute, 0, rtmsg(afInet, 24, 254, 4, byte(collect.RouteUnreachable)), attr(rtaDst, 198, 18, 7, 0)),
		// An IPv6 route through an IPv4 gateway (RTA_VIA), in table 100.
		msg(RTMNewRoute, 0, rtmsg(afInet6, 64, 252, 3, 1), attr(rtaDst, ip("fd00:6::").AsSlice()...), attr(rtaTable, u32(100)...),
			attr(rtaVia, append([]byte{afInet, 0}, gw...)...), attr(rtaOif, u32(7)...)),
		// A route cache entry: not a table's route.
		msg(RTMNewRoute, 0, append(rtmsg(afInet6, 128, 254, 2, 1)[:8], 0, 2, 0, 0)),
		done,
	}, nil)
	return buf
}

func TestDecodeHandMade(t *testing.T) {
	var m Messages
	gotDone, intr, err := Decode(handMade(), 0, &m)
	if err != nil || !gotDone || intr {
		t.Fatalf("Decode: done %v, interrupted %v, %v", gotDone, intr, err)
	}
	if m.Cloned != 1 {
		t.Errorf("Cloned = %d, want 1", m.Cloned)
	}
	got := describe(m.Table())
	want := `if 7 veth0 mac=02:00:00:00:00:09 up=true 198.18.5.1/24
if 8 veth1 mac=02:00:00:00:00:09 up=true 198.18.9.1/32peer=198.18.9.2(secondary)
route unicast 198.18.6.0/24 table=254 via=198.18.5.2 dev=7/veth0 src=invalid IP metric=7 proto=static nhid=0
route unicast 198.18.6.0/24 table=254 via=198.18.5.3 dev=8/veth1 src=invalid IP metric=7 proto=static nhid=0
route unreachable 198.18.7.0/24 table=254 via=invalid IP dev=0/ src=invalid IP metric=0 proto=static nhid=0
route unicast fd00:6::/64 table=100 via=198.18.5.2 dev=7/veth0 src=invalid IP metric=0 proto=boot nhid=0
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDecodeMalformed(t *testing.T) {
	good := link(3, "eth0")
	for _, tc := range []struct {
		name string
		buf  []byte
		want string // in the error
	}{
		{"short header", []byte{1, 2, 3}, "3 trailing bytes"},
		{"length past the end", append(native.AppendUint32(nil, 400), make([]byte, 16)...), "message 1 claims 400 bytes of 20"},
		{"length below the header", append(native.AppendUint32(nil, 3), make([]byte, 16)...), "claims 3 bytes"},
		{"short ifinfomsg", msg(RTMNewLink, 0, make([]byte, 4)), "ifinfomsg of 4 bytes"},
		{"link without a name", msg(RTMNewLink, 0, append(make([]byte, 4), 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), "has no name"},
		{"attribute past the end", msg(RTMNewLink, 0, append(make([]byte, 4), 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), []byte{200, 0, 3, 0}), "claims 200 bytes of 4"},
		{"IPv4 address of 16 bytes", msg(RTMNewAddr, 0, []byte{afInet, 24, 0, 0, 3, 0, 0, 0}, attr(ifaLocal, make([]byte, 16)...)), "IFA_LOCAL of 16 bytes for address family 2"},
		{"prefix longer than the address", msg(RTMNewAddr, 0, []byte{afInet, 33, 0, 0, 3, 0, 0, 0}, attr(ifaLocal, 1, 2, 3, 4)), "prefix length 33"},
		{"address without one", msg(RTMNewAddr, 0, []byte{afInet, 24, 0, 0, 3, 0, 0, 0}), "without IFA_LOCAL"},
		{"route of family 7", msg(RTMNewRoute, 0, rtmsg(7, 0, 254, 2, 1)), "address family 7"},
		{"route prefix too long", msg(RTMNewRoute, 0, rtmsg(afInet6, 129, 254, 2, 1)), "prefix length 129"},
		{"short RTA_OIF", msg(RTMNewRoute, 0, rtmsg(afInet, 0, 254, 2, 1), attr(rtaOif, 1, 2)), "RTA_OIF of 2 bytes"},
		{"short RTA_VIA", msg(RTMNewRoute, 0, rtmsg(afInet, 0, 254, 2, 1), attr(rtaVia, 1)), "RTA_VIA of 1 bytes"},
		{"broken next hop", msg(RTMNewRoute, 0, rtmsg(afInet, 0, 254, 2, 1), attr(rtaMultipath, 99, 0, 0, 0, 0, 0, 0, 0)), "next hop claims 99 bytes of 8"},
		{"unknown message", msg(99, 0, nil), "unexpected message type 99"},
		{"overrun", msg(nlmsg.Overrun, 0, nil), "NLMSG_OVERRUN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A good message beside the bad one is still decoded: after
			// it, or before it when the framing breaks (nothing after
			// a broken frame can be read).
			buf := append(tc.buf[:len(tc.buf):len(tc.buf)], good...)
			if strings.Contains(tc.name, "length") || strings.Contains(tc.name, "header") {
				buf = append(good[:len(good):len(good)], tc.buf...)
			}
			var m Messages
			_, _, err := Decode(buf, 0, &m)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			if len(m.Links) == 0 || m.Links[len(m.Links)-1].Name != "eth0" {
				t.Errorf("the good message was lost: %+v", m.Links)
			}
		})
	}
}

func TestDecodeKernelErrorAndFlags(t *testing.T) {
	var m Messages
	buf := append(msg(RTMNewLink, nlmsg.FDumpIntr, nil), msg(nlmsg.Error, 0, native.AppendUint32(nil, 0xffffffff))...) // -EPERM
	done, intr, err := Decode(buf, 0, &m)
	var ke *KernelError
	if !done || !intr || !errors.As(err, &ke) || ke.Errno != syscall.EPERM {
		t.Errorf("done %v interrupted %v err %v: want done, interrupted, EPERM", done, intr, err)
	}
	// A reply to another request is refused.
	m = Messages{}
	l := link(3, "eth0")
	native.PutUint32(l[8:], 41)
	if _, _, err := Decode(l, 42, &m); err == nil || len(m.Links) != 0 {
		t.Errorf("sequence 41 accepted for 42: %v %+v", err, m.Links)
	}
}

func TestRequest(t *testing.T) {
	r := Request(RTMGetRoute, afInet6, 9)
	if len(r) != nlmsg.HdrLen+rtmsgLen || native.Uint32(r) != uint32(len(r)) || native.Uint16(r[4:]) != RTMGetRoute ||
		native.Uint16(r[6:]) != nlmsg.FRequest|nlmsg.FDump || native.Uint32(r[8:]) != 9 || r[nlmsg.HdrLen] != afInet6 {
		t.Errorf("Request = %x", r)
	}
	if n := len(Request(RTMGetLink, 0, 1)); n != nlmsg.HdrLen+ifinfomsgLen {
		t.Errorf("link request of %d bytes", n)
	}
	if n := len(Request(RTMGetAddr, 0, 1)); n != nlmsg.HdrLen+ifaddrmsgLen {
		t.Errorf("address request of %d bytes", n)
	}
}

// FuzzDecodeTable checks that no input panics, that every route decoded
// is well formed, and that decoding is deterministic.
func FuzzDecodeTable(f *testing.F) {
	data, err := os.ReadFile("testdata/machine.bin")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(handMade())
	f.Add(handMadeNeighbours())
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Messages
		Decode(data, 0, &m)
		for _, n := range m.Neighbours {
			if !n.Addr.IsValid() {
				t.Fatalf("neighbour without an address: %+v", n)
			}
		}
		for _, r := range m.Rules {
			for _, p := range []netip.Prefix{r.Src, r.Dst} {
				if p.IsValid() && p.Addr().Is6() != r.IPv6 {
					t.Fatalf("rule of the other family: %+v", r)
				}
			}
		}
		tab, err := DecodeTable(data)
		for _, r := range tab.IPv4 {
			if !r.Dst.IsValid() || !r.Dst.Addr().Is4() {
				t.Fatalf("IPv4 route with destination %v", r.Dst)
			}
		}
		for _, r := range tab.IPv6 {
			if !r.Dst.IsValid() || !r.Dst.Addr().Is6() {
				t.Fatalf("IPv6 route with destination %v", r.Dst)
			}
		}
		for i, ifc := range tab.Interfaces {
			if ifc.Name == "" || ifc.Index == 0 || (i > 0 && tab.Interfaces[i-1].Index >= ifc.Index) {
				t.Fatalf("interfaces out of order or unnamed: %+v", tab.Interfaces)
			}
			for _, a := range ifc.Addrs {
				if !a.Prefix.IsValid() {
					t.Fatalf("interface %d: address %v", ifc.Index, a.Prefix)
				}
			}
		}
		again, err2 := DecodeTable(data)
		if describe(tab) != describe(again) || fmt.Sprint(err) != fmt.Sprint(err2) {
			t.Fatalf("two decodes differ")
		}
	})
}
