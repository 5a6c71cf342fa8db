// routes.go decodes the tables of -r and -e (MIB_IPFORWARD_TABLE2,
// MIB_IPINTERFACE_TABLE, MIB_IF_TABLE2, MIB_UNICASTIPADDRESS_TABLE) and
// builds collect.RouteTable and the interface counters from them.

package iphlpapi

import (
	"cmp"
	"fmt"
	"math"
	"net"
	"net/netip"
	"slices"

	"github.com/gonetstat/gonetstat/collect"
)

// route is one MIB_IPFORWARD_ROW2.
type route struct {
	ifIndex  uint32
	dst      netip.Prefix
	nextHop  netip.Addr // invalid or unspecified: on-link
	metric   uint32
	protocol uint32 // NL_ROUTE_PROTOCOL
	origin   uint32 // NL_ROUTE_ORIGIN
}

// ipInterface is one MIB_IPINTERFACE_ROW: an interface's IPv4 or IPv6
// side, with the metric Windows adds to its routes'.
type ipInterface struct {
	family  uint16
	ifIndex uint32
	metric  uint32
}

// netInterface is one MIB_IF_ROW2.
type netInterface struct {
	index       uint32
	alias       string // "Ethernet 2": the name netsh and PowerShell use
	description string // "Intel(R) Ethernet Connection": what route print lists
	mac         []byte // nil when PhysicalAddressLength is 0
	ifType      uint32 // IFTYPE (ipifcons.h)
	filter      bool   // InterfaceAndOperStatusFlags.FilterInterface
	adminUp     bool

	inOctets, inUcast, inNUcast, inDiscards, inErrors      uint64
	outOctets, outUcast, outNUcast, outDiscards, outErrors uint64
}

// address is one MIB_UNICASTIPADDRESS_ROW.
type address struct {
	ifIndex uint32
	prefix  netip.Prefix // the address with its on-link prefix length
}

const (
	ifTypeSoftwareLoopback = 24 // IF_TYPE_SOFTWARE_LOOPBACK
	ifFlagFilter           = 1 << 1
	ifAdminStatusUp        = 1 // NET_IF_ADMIN_STATUS_UP
)

// sockaddrInet reads a SOCKADDR_INET: an address of family AF_INET or
// AF_INET6 (with its scope ID as zone), or the invalid address for
// AF_UNSPEC. Another family is an error.
func sockaddrInet(b []byte, off int) (netip.Addr, error) {
	switch fam := u16(b, off); fam {
	case afUnspec:
		return netip.Addr{}, nil
	case afInet:
		return addr4(b, off+4), nil
	case afInet6:
		return addr6(b, off+8, u32(b, off+24)), nil
	default:
		return netip.Addr{}, fmt.Errorf("SOCKADDR_INET of unknown family %d", fam)
	}
}

// prefix makes a prefix of an address and a length, refusing a length
// longer than the address.
func prefix(a netip.Addr, bits uint8, what string) (netip.Prefix, error) {
	p := netip.PrefixFrom(a.WithZone(""), int(bits))
	if !p.IsValid() {
		return netip.Prefix{}, fmt.Errorf("%s: %v/%d is not a prefix", what, a, bits)
	}
	return p, nil
}

// decodeForwardTable decodes a MIB_IPFORWARD_TABLE2.
func decodeForwardTable(b []byte) ([]route, error) {
	n, rows, err := table(b, "MIB_IPFORWARD_TABLE2", fwdRowsAt, fwdRowSize)
	if err != nil {
		return nil, err
	}
	out := make([]route, n)
	for i := range out {
		r := rows[i*fwdRowSize : (i+1)*fwdRowSize]
		dst, err := sockaddrInet(r, fwdDest)
		if err == nil && !dst.IsValid() {
			err = fmt.Errorf("destination of family AF_UNSPEC")
		}
		if err != nil {
			return nil, fmt.Errorf("MIB_IPFORWARD_TABLE2 row %d: %w", i, err)
		}
		p, err := prefix(dst, r[fwdDestLen], fmt.Sprintf("MIB_IPFORWARD_TABLE2 row %d", i))
		if err != nil {
			return nil, err
		}
		hop, err := sockaddrInet(r, fwdNextHop)
		if err != nil {
			return nil, fmt.Errorf("MIB_IPFORWARD_TABLE2 row %d next hop: %w", i, err)
		}
		out[i] = route{
			ifIndex:  u32(r, fwdIfIndex),
			dst:      p,
			nextHop:  hop,
			metric:   u32(r, fwdMetric),
			protocol: u32(r, fwdProtocol),
			origin:   u32(r, fwdOrigin),
		}
	}
	return out, nil
}

// decodeIPInterfaceTable decodes a MIB_IPINTERFACE_TABLE.
func decodeIPInterfaceTable(b []byte) ([]ipInterface, error) {
	n, rows, err := table(b, "MIB_IPINTERFACE_TABLE", ipIfRowsAt, ipIfRowSize)
	if err != nil {
		return nil, err
	}
	out := make([]ipInterface, n)
	for i := range out {
		r := rows[i*ipIfRowSize : (i+1)*ipIfRowSize]
		out[i] = ipInterface{family: u16(r, ipIfFamily), ifIndex: u32(r, ipIfIndex), metric: u32(r, ipIfMetric)}
		if out[i].family != afInet && out[i].family != afInet6 {
			return nil, fmt.Errorf("MIB_IPINTERFACE_TABLE row %d: unknown family %d", i, out[i].family)
		}
	}
	return out, nil
}

// decodeIfTable decodes a MIB_IF_TABLE2.
func decodeIfTable(b []byte) ([]netInterface, error) {
	n, rows, err := table(b, "MIB_IF_TABLE2", ifRowsAt, ifRowSize)
	if err != nil {
		return nil, err
	}
	out := make([]netInterface, n)
	for i := range out {
		r := rows[i*ifRowSize : (i+1)*ifRowSize]
		physLen := u32(r, ifPhysLen)
		if physLen > ifPhysMax {
			return nil, fmt.Errorf("MIB_IF_TABLE2 row %d: PhysicalAddressLength %d, the field holds %d", i, physLen, ifPhysMax)
		}
		ifc := netInterface{
			index:       u32(r, ifIndex),
			alias:       wstring(r, ifAlias, ifStringChars),
			description: wstring(r, ifDescription, ifStringChars),
			ifType:      u32(r, ifType),
			filter:      r[ifFlags]&ifFlagFilter != 0,
			adminUp:     u32(r, ifAdminStatus) == ifAdminStatusUp,
			inOctets:    u64(r, ifInOctets), inUcast: u64(r, ifInUcastPkts), inNUcast: u64(r, ifInNUcastPkts),
			inDiscards: u64(r, ifInDiscards), inErrors: u64(r, ifInErrors),
			outOctets: u64(r, ifOutOctets), outUcast: u64(r, ifOutUcastPkts), outNUcast: u64(r, ifOutNUcastPkts),
			outDiscards: u64(r, ifOutDiscards), outErrors: u64(r, ifOutErrors),
		}
		if physLen > 0 {
			ifc.mac = slices.Clone(r[ifPhys : ifPhys+physLen])
		}
		out[i] = ifc
	}
	return out, nil
}

// decodeAddressTable decodes a MIB_UNICASTIPADDRESS_TABLE.
func decodeAddressTable(b []byte) ([]address, error) {
	n, rows, err := table(b, "MIB_UNICASTIPADDRESS_TABLE", addrRowsAt, addrRowSize)
	if err != nil {
		return nil, err
	}
	out := make([]address, n)
	for i := range out {
		r := rows[i*addrRowSize : (i+1)*addrRowSize]
		a, err := sockaddrInet(r, 0)
		if err == nil && !a.IsValid() {
			err = fmt.Errorf("address of family AF_UNSPEC")
		}
		if err != nil {
			return nil, fmt.Errorf("MIB_UNICASTIPADDRESS_TABLE row %d: %w", i, err)
		}
		p, err := prefix(a, r[addrPrefixLen], fmt.Sprintf("MIB_UNICASTIPADDRESS_TABLE row %d", i))
		if err != nil {
			return nil, err
		}
		out[i] = address{ifIndex: u32(r, addrIfIndex), prefix: p}
	}
	return out, nil
}

// ipInterfaces returns the indexes of the interfaces with an IP side:
// what route print lists and -e counts. MIB_IF_TABLE2 also holds NDIS
// filter and pseudo-interfaces (a "WFP Native MAC Layer LightWeight
// Filter" per adapter) whose counters repeat their adapter's; they carry
// no IP and are left out, so that totals count each packet once.
func ipInterfaces(ipifs []ipInterface) map[uint32]bool {
	m := make(map[uint32]bool, len(ipifs))
	for _, i := range ipifs {
		m[i.ifIndex] = true
	}
	return m
}

// buildRouteTable makes the -r model: the interfaces with an IP side,
// in index order, named by their description as route print names them,
// with their addresses; every route of the forward table in the main
// table, its metric the route's plus its interface's (Windows' route
// print adds them: the effective metric).
func buildRouteTable(ifs []netInterface, ipifs []ipInterface, addrs []address, fwd []route) collect.RouteTable {
	withIP := ipInterfaces(ipifs)
	var t collect.RouteTable
	names := make(map[uint32]string, len(ifs))
	for _, ifc := range ifs {
		if !withIP[ifc.index] || ifc.filter {
			continue
		}
		names[ifc.index] = ifc.description
		t.Interfaces = append(t.Interfaces, collect.Interface{
			Index: ifc.index,
			Name:  ifc.description,
			MAC:   net.HardwareAddr(ifc.mac),
			Up:    ifc.adminUp,
		})
	}
	slices.SortStableFunc(t.Interfaces, func(a, b collect.Interface) int { return cmp.Compare(a.Index, b.Index) })
	for _, a := range addrs {
		if ifc := t.Interface(a.ifIndex); ifc != nil {
			ifc.Addrs = append(ifc.Addrs, collect.InterfaceAddr{Prefix: a.prefix})
		}
	}
	type key struct {
		v6    bool
		index uint32
	}
	ifMetric := make(map[key]uint32, len(ipifs))
	for _, i := range ipifs {
		ifMetric[key{i.family == afInet6, i.ifIndex}] = i.metric
	}
	for _, r := range fwd {
		v6 := r.dst.Addr().Is6()
		cr := collect.Route{
			Dst:      r.dst,
			IfIndex:  r.ifIndex,
			IfName:   names[r.ifIndex],
			Metric:   addMetric(r.metric, ifMetric[key{v6, r.ifIndex}]),
			Type:     collect.RouteUnicast,
			Table:    collect.RouteTableMain,
			Protocol: routeProtocol(r.protocol, r.origin),
		}
		if r.nextHop.IsValid() && !r.nextHop.IsUnspecified() {
			cr.Gateway = r.nextHop
		}
		if v6 {
			t.IPv6 = append(t.IPv6, cr)
		} else {
			t.IPv4 = append(t.IPv4, cr)
		}
	}
	return t
}

// addMetric adds a route's and its interface's metric, staying at the
// largest metric rather than wrapping around to a small, preferred one.
func addMetric(route, ifc uint32) uint32 {
	return uint32(min(uint64(route)+uint64(ifc), math.MaxUint32))
}

// routeProtocol maps NL_ROUTE_PROTOCOL (nldef.h; MIB_IPPROTO_*) and
// NL_ROUTE_ORIGIN to the Linux RTPROT_* numbers collect uses; a protocol
// with no Linux counterpart is unspec.
func routeProtocol(proto, origin uint32) collect.RouteProtocol {
	const nlroRouterAdvertisement = 3
	if origin == nlroRouterAdvertisement {
		return collect.RouteProtoRA
	}
	switch proto {
	case 2: // MIB_IPPROTO_LOCAL: the stack's own, for an address
		return collect.RouteProtoKernel
	case 3, 10002, 10006, 10007: // MIB_IPPROTO_NETMGMT, NT_AUTOSTATIC, NT_STATIC, NT_STATIC_NON_DOD
		return collect.RouteProtoStatic
	case 4: // MIB_IPPROTO_ICMP: a redirect
		return collect.RouteProtoRedirect
	case 8: // MIB_IPPROTO_RIP
		return 189
	case 9: // MIB_IPPROTO_IS_IS
		return 187
	case 13: // MIB_IPPROTO_OSPF
		return 188
	case 14: // MIB_IPPROTO_BGP
		return 186
	case 16: // MIB_IPPROTO_EIGRP
		return 192
	case 19: // MIB_IPPROTO_DHCP
		return collect.RouteProtoDHCP
	}
	return collect.RouteProtoUnspec
}

// buildInterfaceCounters makes the -e model: one entry per interface with
// an IP side, in the table's order, named by its alias ("Ethernet").
// MIB_IF_ROW2 counts unicast and non-unicast packets apart: the packets
// are their sum, and the non-unicast count (multicast and broadcast; no
// field counts multicast packets alone) is what RxMulticast holds.
func buildInterfaceCounters(ifs []netInterface, ipifs []ipInterface) []collect.InterfaceCounters {
	withIP := ipInterfaces(ipifs)
	var out []collect.InterfaceCounters
	for _, i := range ifs {
		if !withIP[i.index] || i.filter {
			continue
		}
		out = append(out, collect.InterfaceCounters{
			Name:        i.alias,
			Loopback:    i.ifType == ifTypeSoftwareLoopback,
			RxBytes:     i.inOctets,
			RxPackets:   i.inUcast + i.inNUcast,
			RxErrors:    i.inErrors,
			RxDrops:     i.inDiscards,
			RxMulticast: i.inNUcast,
			TxBytes:     i.outOctets,
			TxPackets:   i.outUcast + i.outNUcast,
			TxErrors:    i.outErrors,
			TxDrops:     i.outDiscards,
		})
	}
	return out
}
