// routes.go holds the routing table model of `gonetstat -r`: interfaces with
// their addresses, and the IPv4 and IPv6 routes.

package collect

import (
	"cmp"
	"net"
	"net/netip"
	"slices"
	"strconv"
)

// RouteTable is one network namespace's interfaces and routes, as the
// kernel reported them. Like Socket it holds plain values only.
type RouteTable struct {
	Interfaces []Interface // in index order
	IPv4       []Route     // in the kernel's dump order
	IPv6       []Route
}

// Interface is a network interface.
type Interface struct {
	Index uint32
	Name  string
	// MAC is the link-layer address; nil when the interface has none
	// (a tunnel without one, or a kernel that did not say).
	MAC   net.HardwareAddr
	Up    bool // administratively up (IFF_UP)
	Addrs []InterfaceAddr
}

// InterfaceAddr is one address assigned to an interface.
type InterfaceAddr struct {
	// Prefix is the local address with the length of its subnet, as in
	// `ip addr` (198.18.5.1/24).
	Prefix netip.Prefix
	// Peer is the other end of a point-to-point link; invalid otherwise.
	Peer netip.Addr
	// Secondary marks an IPv4 address that is not the first of its
	// subnet on the interface (IFA_F_SECONDARY).
	Secondary bool
}

// Route is one route of a routing table.
type Route struct {
	Dst netip.Prefix
	// Gateway is the next hop; invalid when the destination is on-link
	// (or the route has no next hop at all, as Unreachable has none).
	Gateway netip.Addr
	IfIndex uint32 // 0 when the route has no output interface
	IfName  string // "" when IfIndex is 0 or names no listed interface
	// Src is the preferred source address the kernel keeps with the
	// route (RTA_PREFSRC); invalid when it keeps none. RouteTable.LocalAddr
	// chooses an address for routes that have none.
	Src      netip.Addr
	Metric   uint32 // the kernel's priority: lower wins
	Type     RouteType
	Table    uint32 // RouteTableMain, RouteTableLocal or another table's number
	Protocol RouteProtocol
	// NextHopID is the nexthop object the route uses (`ip nexthop`), 0
	// for none. The kernel sends the object's gateway and interface with
	// the route while net.ipv4.nexthop_compat_mode is 1 (the default);
	// with 0 they stay empty here.
	NextHopID uint32
}

// Routing table numbers (RT_TABLE_* in linux/rtnetlink.h).
const (
	RouteTableDefault uint32 = 253
	RouteTableMain    uint32 = 254
	RouteTableLocal   uint32 = 255
)

// RouteType is the kind of a route, numbered as Linux's RTN_* values.
type RouteType uint8

const (
	RouteUnspec      RouteType = 0
	RouteUnicast     RouteType = 1  // a gateway or on-link route
	RouteLocal       RouteType = 2  // an address of this host
	RouteBroadcast   RouteType = 3  // a subnet or link broadcast address
	RouteAnycast     RouteType = 4  // an anycast address of this host
	RouteMulticast   RouteType = 5  // a multicast destination
	RouteBlackhole   RouteType = 6  // packets are dropped silently
	RouteUnreachable RouteType = 7  // packets are dropped, sender told "host unreachable"
	RouteProhibit    RouteType = 8  // packets are dropped, sender told "administratively prohibited"
	RouteThrow       RouteType = 9  // the lookup continues in the next table
	RouteNAT         RouteType = 10 // an obsolete stateless NAT route
	RouteXResolve    RouteType = 11 // resolved by an external resolver
)

var routeTypeNames = [...]string{
	RouteUnspec: "unspec", RouteUnicast: "unicast", RouteLocal: "local",
	RouteBroadcast: "broadcast", RouteAnycast: "anycast", RouteMulticast: "multicast",
	RouteBlackhole: "blackhole", RouteUnreachable: "unreachable", RouteProhibit: "prohibit",
	RouteThrow: "throw", RouteNAT: "nat", RouteXResolve: "xresolve",
}

// String returns the name `ip route` prints ("unicast", "local", …).
func (t RouteType) String() string {
	if int(t) < len(routeTypeNames) {
		return routeTypeNames[t]
	}
	return "unknown-route-type-" + strconv.Itoa(int(t))
}

// Forwards reports whether packets matching the route leave through an
// interface (unicast, local, broadcast, anycast, multicast), as opposed to
// being dropped or sent to another table.
func (t RouteType) Forwards() bool { return t >= RouteUnicast && t <= RouteMulticast }

// RouteProtocol says who installed a route, numbered as Linux's RTPROT_*
// values (/etc/iproute2/rt_protos).
type RouteProtocol uint8

const (
	RouteProtoUnspec   RouteProtocol = 0
	RouteProtoRedirect RouteProtocol = 1  // an ICMP redirect
	RouteProtoKernel   RouteProtocol = 2  // the kernel, for an address
	RouteProtoBoot     RouteProtocol = 3  // an administrator, ip route without proto
	RouteProtoStatic   RouteProtocol = 4  // an administrator, meant to stay
	RouteProtoRA       RouteProtocol = 9  // an IPv6 router advertisement
	RouteProtoDHCP     RouteProtocol = 16 // a DHCP client
)

var routeProtocolNames = map[RouteProtocol]string{
	0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static", 8: "gated", 9: "ra",
	10: "mrt", 11: "zebra", 12: "bird", 13: "dnrouted", 14: "xorp", 15: "ntk", 16: "dhcp",
	17: "mrouted", 18: "keepalived", 42: "babel", 99: "openr", 186: "bgp", 187: "isis",
	188: "ospf", 189: "rip", 192: "eigrp",
}

// String returns the name `ip route` prints ("kernel", "static", …), or
// the number for one it has no name for, as ip does.
func (p RouteProtocol) String() string {
	if s, ok := routeProtocolNames[p]; ok {
		return s
	}
	return strconv.Itoa(int(p))
}

// Interface returns the interface with the given index, or nil.
func (t *RouteTable) Interface(index uint32) *Interface {
	for i := range t.Interfaces {
		if t.Interfaces[i].Index == index {
			return &t.Interfaces[i]
		}
	}
	return nil
}

// LocalAddr is the address of this host that a route sends from: its
// preferred source when the kernel keeps one, else the first primary
// address of its interface, of the route's family, whose subnet holds the
// gateway (or the destination, for an on-link route or one through a
// link-local gateway), else the first primary address of that family on
// the interface (IPv6: a global one before a link-local one). Invalid when
// the interface has none. Windows prints this address in route print's
// Interface column.
func (t *RouteTable) LocalAddr(r Route) netip.Addr {
	if r.Src.IsValid() {
		return r.Src
	}
	ifc := t.Interface(r.IfIndex)
	if ifc == nil {
		return netip.Addr{}
	}
	is4 := r.Dst.Addr().Is4()
	target := r.Gateway
	if !target.IsValid() || target.IsLinkLocalUnicast() {
		// A link-local gateway says nothing of the source: an IPv6
		// router is usually reached at fe80::, the route's packets go
		// out from a global address.
		target = r.Dst.Addr()
	}
	var first, firstLinkLocal netip.Addr
	for _, a := range ifc.Addrs {
		ad := a.Prefix.Addr()
		if ad.Is4() != is4 || a.Secondary {
			continue
		}
		if a.Prefix.Contains(target) {
			return ad
		}
		switch {
		case ad.IsLinkLocalUnicast():
			if !firstLinkLocal.IsValid() {
				firstLinkLocal = ad
			}
		case !first.IsValid():
			first = ad
		}
	}
	if first.IsValid() {
		return first
	}
	return firstLinkLocal
}

// SortRoutes sorts routes by destination, prefix length, interface index
// and metric, as Windows' route print sorts them, keeping the kernel's
// order among equals (the same route in two tables). The -r text and the
// reports' JSON share it.
func SortRoutes(rs []Route) {
	slices.SortStableFunc(rs, func(a, b Route) int {
		return cmp.Or(
			a.Dst.Addr().Compare(b.Dst.Addr()),
			cmp.Compare(a.Dst.Bits(), b.Dst.Bits()),
			cmp.Compare(a.IfIndex, b.IfIndex),
			cmp.Compare(a.Metric, b.Metric),
		)
	})
}
