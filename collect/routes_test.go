// routes_test.go tests the routing table model: names of kinds and the
// choice of a route's local address.

package collect

import (
	"net/netip"
	"testing"
)

func TestRouteTypeAndProtocolNames(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{RouteUnicast.String(), "unicast"},
		{RouteLocal.String(), "local"},
		{RouteUnreachable.String(), "unreachable"},
		{RouteXResolve.String(), "xresolve"},
		{RouteType(12).String(), "unknown-route-type-12"},
		{RouteProtoKernel.String(), "kernel"},
		{RouteProtoBoot.String(), "boot"},
		{RouteProtocol(186).String(), "bgp"},
		{RouteProtocol(77).String(), "77"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	for typ, want := range map[RouteType]bool{RouteUnspec: false, RouteUnicast: true, RouteMulticast: true, RouteBlackhole: false, RouteThrow: false} {
		if typ.Forwards() != want {
			t.Errorf("%v.Forwards() = %v", typ, !want)
		}
	}
}

func TestLocalAddr(t *testing.T) {
	p, a := netip.MustParsePrefix, netip.MustParseAddr
	tab := RouteTable{Interfaces: []Interface{
		{Index: 2, Name: "eth0", Addrs: []InterfaceAddr{
			{Prefix: p("fe80::1/64")},
			{Prefix: p("198.18.5.1/24")},
			{Prefix: p("198.18.5.7/24"), Secondary: true},
			{Prefix: p("198.18.9.1/24")},
			{Prefix: p("fd00:5::1/64")},
		}},
		{Index: 3, Name: "wg0", Addrs: []InterfaceAddr{{Prefix: p("fe80::3/64")}}},
	}}
	for _, tc := range []struct {
		name string
		r    Route
		want string
	}{
		{"preferred source wins", Route{Dst: p("198.18.6.0/24"), Gateway: a("198.18.9.2"), IfIndex: 2, Src: a("198.18.5.7")}, "198.18.5.7"},
		{"the gateway's subnet", Route{Dst: p("198.18.6.0/24"), Gateway: a("198.18.9.2"), IfIndex: 2}, "198.18.9.1"},
		{"the destination's subnet", Route{Dst: p("198.18.9.128/25"), IfIndex: 2}, "198.18.9.1"},
		{"else the first primary", Route{Dst: p("0.0.0.0/0"), Gateway: a("198.18.200.1"), IfIndex: 2}, "198.18.5.1"},
		{"IPv6: global before link-local, whatever the gateway", Route{Dst: p("::/0"), Gateway: a("fe80::99"), IfIndex: 2}, "fd00:5::1"},
		{"IPv6: link-local for a link-local destination", Route{Dst: p("fe80::/64"), IfIndex: 2}, "fe80::1"},
		{"IPv6: the gateway's subnet is link-local", Route{Dst: p("fd00:9::/64"), Gateway: a("fd00:1::1"), IfIndex: 2}, "fd00:5::1"},
		{"only a link-local address", Route{Dst: p("fd00:7::/64"), IfIndex: 3}, "fe80::3"},
		{"no address of the family", Route{Dst: p("198.18.8.0/24"), IfIndex: 3}, "invalid IP"},
		{"no interface", Route{Dst: p("198.18.8.0/24")}, "invalid IP"},
		{"an interface not listed", Route{Dst: p("198.18.8.0/24"), IfIndex: 9}, "invalid IP"},
	} {
		if got := tab.LocalAddr(tc.r).String(); got != tc.want {
			t.Errorf("%s: LocalAddr = %s, want %s", tc.name, got, tc.want)
		}
	}
}
