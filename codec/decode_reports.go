// decode_reports.go reads a gonetstat.reports/v1 document
// (docs/reports-json.md) back into the model's routing table, interface
// counters, protocol counters, and a bundle's neighbours and rules: the inverse of reports.go, held to it by
// the round-trip guard (decode_reports_test.go). --from BUNDLE reads a
// bundle's reports/<ns>.json with it.

package codec

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/gonetstat/gonetstat/collect"
)

// The wire types mirror the document; fields the schema never omits are
// pointers, so that a missing one is an error rather than a silent zero.
// Arrays of objects are read item by item, so that an error names the
// item (`ipv4 route 3`).
type wireReports struct {
	wireHead
	Routes     *wireRoutes                 `json:"routes"`
	Interfaces *[]json.RawMessage          `json:"interfaces"`
	Protocols  *map[string]json.RawMessage `json:"protocols"`
	Neighbours *[]json.RawMessage          `json:"neighbours"`
	Rules      *wireRules                  `json:"rules"`
}

type wireRules struct {
	IPv4 *[]json.RawMessage `json:"ipv4"`
	IPv6 *[]json.RawMessage `json:"ipv6"`
}

type wireNeighbour struct {
	Address        *string `json:"address"`
	InterfaceIndex *uint64 `json:"interface_index"`
	InterfaceName  *string `json:"interface_name"`
	MAC            *string `json:"mac"`
	State          *string `json:"state"`
	Router         *bool   `json:"router"`
}

type wireRule struct {
	Priority        *uint64 `json:"priority"`
	Source          *string `json:"source"`
	Destination     *string `json:"destination"`
	InputInterface  *string `json:"input_interface"`
	OutputInterface *string `json:"output_interface"`
	FwMark          *uint64 `json:"fwmark"`
	FwMask          *uint64 `json:"fwmask"`
	TOS             *uint64 `json:"tos"`
	Invert          *bool   `json:"invert"`
	Action          *string `json:"action"`
	Table           *uint64 `json:"table"`
	Goto            *uint64 `json:"goto"`
	Protocol        *string `json:"protocol"`
}

type wireRoutes struct {
	Interfaces *[]json.RawMessage `json:"interfaces"`
	IPv4       *[]json.RawMessage `json:"ipv4"`
	IPv6       *[]json.RawMessage `json:"ipv6"`
}

type wireRouteIfc struct {
	Index     *uint64     `json:"index"`
	Name      *string     `json:"name"`
	MAC       *string     `json:"mac"`
	Up        *bool       `json:"up"`
	Addresses *[]wireAddr `json:"addresses"`
}

type wireAddr struct {
	Address   *string `json:"address"`
	Peer      *string `json:"peer"`
	Secondary *bool   `json:"secondary"`
}

type wireRoute struct {
	Destination     *string `json:"destination"`
	Gateway         *string `json:"gateway"`
	InterfaceIndex  *uint64 `json:"interface_index"`
	InterfaceName   *string `json:"interface_name"`
	PreferredSource *string `json:"preferred_source"`
	Metric          *uint64 `json:"metric"`
	Type            *string `json:"type"`
	Table           *uint64 `json:"table"`
	Protocol        *string `json:"protocol"`
	NextHopID       *uint64 `json:"nexthop_id"`
}

type wireCounters struct {
	Name        *string `json:"name"`
	Loopback    *bool   `json:"loopback"`
	RxBytes     *uint64 `json:"rx_bytes"`
	RxPackets   *uint64 `json:"rx_packets"`
	RxErrors    *uint64 `json:"rx_errors"`
	RxDrops     *uint64 `json:"rx_drops"`
	RxMulticast *uint64 `json:"rx_multicast"`
	TxBytes     *uint64 `json:"tx_bytes"`
	TxPackets   *uint64 `json:"tx_packets"`
	TxErrors    *uint64 `json:"tx_errors"`
	TxDrops     *uint64 `json:"tx_drops"`
}

// DecodeReports reads one gonetstat.reports/v1 document (as ReportsJSON
// or ReportsNDJSON writes it, or any equivalent JSON). It is as strict as
// DecodeSockets: another schema is ErrSchema; a missing never-omitted
// field, a value out of its range or of the wrong family is a
// *DecodeError naming the item and the field; nothing is dropped.
//
// Routes come in the writer's order (collect.SortRoutes). A report the
// document does not hold is nil (Routes, Protocols) or
// HasInterfaces false. Protocols holds the groups the document has;
// Sections is 0 (every section), since the writer put in only the groups
// that were selected. A group v1 does not define (a later writer's
// addition) is ignored, as unknown fields are.
func DecodeReports(data []byte) (Reports, error) {
	var r Reports
	var w wireReports
	if err := decodeEnvelope(data, ReportsSchema, &w, &w.wireHead); err != nil {
		return r, err
	}
	t, err := w.parseTime()
	if err != nil {
		return r, &DecodeError{Schema: ReportsSchema, Where: "envelope", Field: "time", Err: err}
	}
	r.Host, r.Time, r.Warnings = *w.Host, t, w.warnings()
	if w.Routes != nil {
		if r.Routes, err = decodeRoutes(w.Routes); err != nil {
			return Reports{}, err
		}
	}
	if w.Interfaces != nil {
		r.HasInterfaces = true
		r.Interfaces = make([]collect.InterfaceCounters, len(*w.Interfaces))
		for i, raw := range *w.Interfaces {
			if err := decodeCounters(raw, &r.Interfaces[i]); err != nil {
				return Reports{}, at(err, ReportsSchema, fmt.Sprintf("interface counters %d", i))
			}
		}
	}
	if w.Protocols != nil {
		c := collect.ProtoCounters{Groups: map[string]map[string]int64{}}
		for _, g := range StatsGroups {
			raw, ok := (*w.Protocols)[g.Group]
			if !ok {
				continue
			}
			var counters map[string]int64
			if err := json.Unmarshal(raw, &counters); err != nil {
				return Reports{}, at(shapeErr(err), ReportsSchema, "protocols group "+strconv.Quote(g.Group))
			}
			if counters == nil {
				// null is no group; the writer leaves out a group the
				// kernel does not keep rather than writing null.
				return Reports{}, &DecodeError{Schema: ReportsSchema, Where: "protocols group " + strconv.Quote(g.Group), Err: fmt.Errorf("null where the schema has an object")}
			}
			c.Groups[g.Group] = counters
		}
		r.Protocols = &c
	}
	if err := decodeNeighbours(&w, &r); err != nil {
		return Reports{}, err
	}
	return r, nil
}

// decodeNeighbours reads a bundle's neighbours and rules, which the
// writer puts in together or not at all.
func decodeNeighbours(w *wireReports, r *Reports) error {
	switch {
	case w.Neighbours == nil && w.Rules == nil:
		return nil
	case w.Neighbours == nil:
		return &DecodeError{Schema: ReportsSchema, Where: "envelope", Field: "neighbours", Err: fmt.Errorf("missing beside rules (the writer puts in both or neither)")}
	case w.Rules == nil:
		return &DecodeError{Schema: ReportsSchema, Where: "envelope", Field: "rules", Err: fmt.Errorf("missing beside neighbours (the writer puts in both or neither)")}
	case w.Rules.IPv4 == nil:
		return &DecodeError{Schema: ReportsSchema, Where: "rules", Field: "ipv4", Err: errMissing}
	case w.Rules.IPv6 == nil:
		return &DecodeError{Schema: ReportsSchema, Where: "rules", Field: "ipv6", Err: errMissing}
	}
	r.HasNeighbours = true
	r.Neighbours = make([]collect.Neighbour, len(*w.Neighbours))
	for i, raw := range *w.Neighbours {
		if err := decodeNeighbour(raw, &r.Neighbours[i]); err != nil {
			return at(err, ReportsSchema, fmt.Sprintf("neighbour %d", i))
		}
	}
	// The model keeps one list, IPv4's rules first, as the writer
	// splits it.
	r.Rules = make([]collect.Rule, 0, len(*w.Rules.IPv4)+len(*w.Rules.IPv6))
	for _, fam := range [...]struct {
		name string
		raw  []json.RawMessage
		v6   bool
	}{{"ipv4", *w.Rules.IPv4, false}, {"ipv6", *w.Rules.IPv6, true}} {
		for i, raw := range fam.raw {
			rule := collect.Rule{IPv6: fam.v6}
			if err := decodeRule(raw, &rule); err != nil {
				return at(err, ReportsSchema, fmt.Sprintf("%s rule %d", fam.name, i))
			}
			r.Rules = append(r.Rules, rule)
		}
	}
	return nil
}

func decodeNeighbour(raw json.RawMessage, n *collect.Neighbour) error {
	var w wireNeighbour
	if err := json.Unmarshal(raw, &w); err != nil {
		return shapeErr(err)
	}
	if w.Address == nil {
		return missing("address")
	}
	a, err := netip.ParseAddr(*w.Address)
	if err != nil {
		return fieldErr("address", "%v", err)
	}
	n.Addr = a
	index, err := bounded("interface_index", w.InterfaceIndex, math.MaxUint32)
	if err != nil {
		return err
	}
	n.IfIndex = uint32(index)
	if w.InterfaceName != nil {
		n.IfName = *w.InterfaceName
	}
	if w.MAC != nil {
		if n.MAC, err = parseMAC(*w.MAC); err != nil {
			return fieldErr("mac", "%v", err)
		}
	}
	if w.State == nil {
		return missing("state")
	}
	if n.State, err = parseNeighState(*w.State); err != nil {
		return fieldErr("state", "%v", err)
	}
	if w.Router != nil {
		if !*w.Router {
			return fieldErr("router", "false (the writer omits it for a neighbour that is not a router)")
		}
		n.Router = true
	}
	return nil
}

// parseNeighState reads collect.NeighState's String: "none", or the
// names of its NUD_* bits joined by '|', the bits it has no name for as
// "unknown-neigh-state-0xN".
func parseNeighState(s string) (collect.NeighState, error) {
	if s == "none" {
		return 0, nil
	}
	var st collect.NeighState
	for name := range strings.SplitSeq(s, "|") {
		if hex, ok := strings.CutPrefix(name, "unknown-neigh-state-0x"); ok {
			v, err := strconv.ParseUint(hex, 16, 16)
			if err != nil || v&0xff != 0 || v == 0 || strconv.FormatUint(v, 16) != hex {
				return 0, fmt.Errorf("%q is not a neighbour state", s)
			}
			st |= collect.NeighState(v)
			continue
		}
		bit, ok := neighBits()[name]
		if !ok {
			return 0, fmt.Errorf("%q is not a neighbour state (%q is not a NUD_* name)", s, name)
		}
		st |= bit
	}
	return st, nil
}

// neighBits maps each NUD_* name to its bit.
var neighBits = sync.OnceValue(func() map[string]collect.NeighState {
	m := map[string]collect.NeighState{}
	for i := range 8 {
		bit := collect.NeighState(1) << i
		m[bit.String()] = bit
	}
	return m
})

func decodeRule(raw json.RawMessage, r *collect.Rule) error {
	var w wireRule
	if err := json.Unmarshal(raw, &w); err != nil {
		return shapeErr(err)
	}
	prio, err := bounded("priority", w.Priority, math.MaxUint32)
	if err != nil {
		return err
	}
	r.Priority = uint32(prio)
	for _, p := range [...]struct {
		name string
		v    *string
		dst  *netip.Prefix
	}{{"source", w.Source, &r.Src}, {"destination", w.Destination, &r.Dst}} {
		if p.v == nil {
			continue
		}
		if *p.dst, err = netip.ParsePrefix(*p.v); err != nil {
			return fieldErr(p.name, "%v", err)
		}
		if p.dst.Addr().Is6() != r.IPv6 {
			return fieldErr(p.name, "%s is not of the list's family", *p.dst)
		}
	}
	for _, f := range [...]struct {
		name string
		v    *string
		dst  *string
	}{{"input_interface", w.InputInterface, &r.IIfName}, {"output_interface", w.OutputInterface, &r.OIfName}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	switch {
	case (w.FwMark == nil) != (w.FwMask == nil):
		return fieldErr("fwmark", "fwmark and fwmask come together (the writer writes both or neither)")
	case w.FwMark != nil:
		if err := decodeU32s("", []u32Field{{"fwmark", w.FwMark, &r.FwMark}, {"fwmask", w.FwMask, &r.FwMask}}); err != nil {
			return err
		}
	}
	if w.TOS != nil {
		tos, err := bounded("tos", w.TOS, math.MaxUint8)
		if err != nil {
			return err
		}
		r.TOS = uint8(tos)
	}
	if w.Invert != nil {
		if !*w.Invert {
			return fieldErr("invert", "false (the writer omits it for a rule that is not inverted)")
		}
		r.Invert = true
	}
	if w.Action == nil {
		return missing("action")
	}
	if r.Action, err = parseRuleAction(*w.Action); err != nil {
		return fieldErr("action", "%v", err)
	}
	// table goes with to_table and goto with goto, each required there
	// and refused elsewhere.
	for _, f := range [...]struct {
		name   string
		v      *uint64
		dst    *uint32
		action collect.RuleAction
	}{{"table", w.Table, &r.Table, collect.RuleToTable}, {"goto", w.Goto, &r.Goto, collect.RuleGoto}} {
		switch {
		case r.Action != f.action && f.v != nil:
			return fieldErr(f.name, "set when action is %s, not %s", r.Action, f.action)
		case r.Action == f.action:
			v, err := bounded(f.name, f.v, math.MaxUint32)
			if err != nil {
				return err
			}
			*f.dst = uint32(v)
		}
	}
	if w.Protocol == nil {
		return missing("protocol")
	}
	if r.Protocol, err = parseRouteProtocol(*w.Protocol); err != nil {
		return fieldErr("protocol", "%v", err)
	}
	return nil
}

// parseRuleAction reads collect.RuleAction's String: a name, or
// "unknown-rule-action-N".
func parseRuleAction(s string) (collect.RuleAction, error) {
	if a, ok := routeNames().actions[s]; ok {
		return a, nil
	}
	if n, ok := strings.CutPrefix(s, "unknown-rule-action-"); ok {
		if v, err := strconv.ParseUint(n, 10, 8); err == nil && strconv.FormatUint(v, 10) == n {
			return collect.RuleAction(v), nil
		}
	}
	return 0, fmt.Errorf("%q is not a rule action", s)
}

func decodeRoutes(w *wireRoutes) (*collect.RouteTable, error) {
	routesErr := func(field string) error {
		return &DecodeError{Schema: ReportsSchema, Where: "routes", Field: field, Err: errMissing}
	}
	switch {
	case w.Interfaces == nil:
		return nil, routesErr("interfaces")
	case w.IPv4 == nil:
		return nil, routesErr("ipv4")
	case w.IPv6 == nil:
		return nil, routesErr("ipv6")
	}
	t := &collect.RouteTable{Interfaces: make([]collect.Interface, len(*w.Interfaces))}
	for i, raw := range *w.Interfaces {
		if err := decodeRouteInterface(raw, &t.Interfaces[i]); err != nil {
			return nil, at(err, ReportsSchema, fmt.Sprintf("route interface %d", i))
		}
	}
	for _, fam := range [...]struct {
		name string
		raw  []json.RawMessage
		dst  *[]collect.Route
		is4  bool
	}{{"ipv4", *w.IPv4, &t.IPv4, true}, {"ipv6", *w.IPv6, &t.IPv6, false}} {
		*fam.dst = make([]collect.Route, len(fam.raw))
		for i, raw := range fam.raw {
			if err := decodeRoute(raw, &(*fam.dst)[i], fam.is4); err != nil {
				return nil, at(err, ReportsSchema, fmt.Sprintf("%s route %d", fam.name, i))
			}
		}
		// In the writer's order, whatever order a hand-made document
		// lists them in: the writer sorts, so reading its output back
		// keeps its order.
		collect.SortRoutes(*fam.dst)
	}
	return t, nil
}

func decodeRouteInterface(raw json.RawMessage, ifc *collect.Interface) error {
	var w wireRouteIfc
	if err := json.Unmarshal(raw, &w); err != nil {
		return shapeErr(err)
	}
	index, err := bounded("index", w.Index, math.MaxUint32)
	if err != nil {
		return err
	}
	ifc.Index = uint32(index)
	if w.Name == nil {
		return missing("name")
	}
	ifc.Name = *w.Name
	if w.MAC != nil {
		if ifc.MAC, err = parseMAC(*w.MAC); err != nil {
			return fieldErr("mac", "%v", err)
		}
	}
	if w.Up == nil {
		return missing("up")
	}
	ifc.Up = *w.Up
	if w.Addresses == nil {
		return missing("addresses")
	}
	ifc.Addrs = make([]collect.InterfaceAddr, len(*w.Addresses))
	for i, a := range *w.Addresses {
		field := func(name string) string { return fmt.Sprintf("addresses[%d].%s", i, name) }
		if a.Address == nil {
			return missing(field("address"))
		}
		p, err := netip.ParsePrefix(*a.Address)
		if err != nil {
			return fieldErr(field("address"), "%v", err)
		}
		ifc.Addrs[i].Prefix = p
		if a.Peer != nil {
			peer, err := netip.ParseAddr(*a.Peer)
			if err != nil {
				return fieldErr(field("peer"), "%v", err)
			}
			if peer.Is4() != p.Addr().Is4() {
				return fieldErr(field("peer"), "%s is not of the family of %s", peer, p)
			}
			ifc.Addrs[i].Peer = peer
		}
		if a.Secondary != nil {
			if !*a.Secondary {
				return fieldErr(field("secondary"), "false (the writer omits it for a primary address)")
			}
			ifc.Addrs[i].Secondary = true
		}
	}
	return nil
}

// parseMAC reads a link-layer address as the writer prints it
// (net.HardwareAddr.String: lower-case hex bytes joined by ':'), of any
// length: net.ParseMAC takes only 6, 8 and 20 bytes, and the kernel gives
// a tunnel's 4-byte address (an IPv4 address) as its "MAC".
func parseMAC(s string) (net.HardwareAddr, error) {
	if s == "" {
		return nil, fmt.Errorf("empty (the writer omits it when the interface has none)")
	}
	if (len(s)+1)%3 != 0 {
		return nil, fmt.Errorf("%q is not hex bytes joined by ':'", s)
	}
	mac := make(net.HardwareAddr, (len(s)+1)/3)
	for i := range mac {
		hi, lo := unhex(s[3*i]), unhex(s[3*i+1])
		if hi < 0 || lo < 0 || (3*i+2 < len(s) && s[3*i+2] != ':') {
			return nil, fmt.Errorf("%q is not lower-case hex bytes joined by ':'", s)
		}
		mac[i] = byte(hi<<4 | lo)
	}
	return mac, nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}

func decodeRoute(raw json.RawMessage, r *collect.Route, is4 bool) error {
	var w wireRoute
	if err := json.Unmarshal(raw, &w); err != nil {
		return shapeErr(err)
	}
	if w.Destination == nil {
		return missing("destination")
	}
	dst, err := netip.ParsePrefix(*w.Destination)
	switch {
	case err != nil:
		return fieldErr("destination", "%v", err)
	case dst.Addr().Is4() != is4:
		return fieldErr("destination", "%s is not of the list's family", dst)
	case dst != dst.Masked():
		return fieldErr("destination", "%s has bits set past its length (the writer masks it)", dst)
	}
	r.Dst = dst
	// The gateway may be of the other family: an IPv4 route through an
	// IPv6 next hop (RFC 5549, `ip route add … via inet6 …`).
	for _, a := range [...]struct {
		name string
		v    *string
		dst  *netip.Addr
	}{{"gateway", w.Gateway, &r.Gateway}, {"preferred_source", w.PreferredSource, &r.Src}} {
		if a.v == nil {
			continue
		}
		if *a.dst, err = netip.ParseAddr(*a.v); err != nil {
			return fieldErr(a.name, "%v", err)
		}
	}
	if w.InterfaceName != nil {
		r.IfName = *w.InterfaceName
	}
	if err := decodeU32s("", []u32Field{
		{"interface_index", w.InterfaceIndex, &r.IfIndex},
		{"metric", w.Metric, &r.Metric},
		{"table", w.Table, &r.Table},
	}); err != nil {
		return err
	}
	if w.NextHopID != nil {
		id, err := bounded("nexthop_id", w.NextHopID, math.MaxUint32)
		if err != nil {
			return err
		}
		r.NextHopID = uint32(id)
	}
	if w.Type == nil {
		return missing("type")
	}
	if r.Type, err = parseRouteType(*w.Type); err != nil {
		return fieldErr("type", "%v", err)
	}
	if w.Protocol == nil {
		return missing("protocol")
	}
	if r.Protocol, err = parseRouteProtocol(*w.Protocol); err != nil {
		return fieldErr("protocol", "%v", err)
	}
	return nil
}

// parseRouteType reads collect.RouteType's String: a name, or
// "unknown-route-type-N" for a number it has none for. The second form is
// read for any N: a document written before a type was named still reads.
func parseRouteType(s string) (collect.RouteType, error) {
	if n, ok := strings.CutPrefix(s, "unknown-route-type-"); ok {
		if v, err := strconv.ParseUint(n, 10, 8); err == nil && strconv.FormatUint(v, 10) == n {
			return collect.RouteType(v), nil
		}
	}
	if t, ok := routeNames().types[s]; ok {
		return t, nil
	}
	return 0, fmt.Errorf("%q is not a route type", s)
}

// parseRouteProtocol reads collect.RouteProtocol's String: a name, or the
// number (0 to 255) of one it has no name for, read for any protocol so
// that a document written before a protocol was named still reads.
func parseRouteProtocol(s string) (collect.RouteProtocol, error) {
	if v, err := strconv.ParseUint(s, 10, 8); err == nil && strconv.FormatUint(v, 10) == s {
		return collect.RouteProtocol(v), nil
	}
	if p, ok := routeNames().protocols[s]; ok {
		return p, nil
	}
	return 0, fmt.Errorf("%q is neither a route protocol's name nor a number from 0 to 255", s)
}

// routeNames maps the names collect gives route types, route protocols
// and rule actions back to their numbers, built once: a full BGP table
// has a million routes.
var routeNames = sync.OnceValue(func() (n struct {
	types     map[string]collect.RouteType
	protocols map[string]collect.RouteProtocol
	actions   map[string]collect.RuleAction
}) {
	n.types = map[string]collect.RouteType{}
	n.protocols = map[string]collect.RouteProtocol{}
	n.actions = map[string]collect.RuleAction{}
	for v := range math.MaxUint8 + 1 {
		n.types[collect.RouteType(v).String()] = collect.RouteType(v)
		n.protocols[collect.RouteProtocol(v).String()] = collect.RouteProtocol(v)
		n.actions[collect.RuleAction(v).String()] = collect.RuleAction(v)
	}
	return n
})

func decodeCounters(raw json.RawMessage, c *collect.InterfaceCounters) error {
	var w wireCounters
	if err := json.Unmarshal(raw, &w); err != nil {
		return shapeErr(err)
	}
	if w.Name == nil {
		return missing("name")
	}
	if w.Loopback == nil {
		return missing("loopback")
	}
	c.Name, c.Loopback = *w.Name, *w.Loopback
	for _, f := range [...]struct {
		name string
		v    *uint64
		dst  *uint64
	}{
		{"rx_bytes", w.RxBytes, &c.RxBytes}, {"rx_packets", w.RxPackets, &c.RxPackets},
		{"rx_errors", w.RxErrors, &c.RxErrors}, {"tx_bytes", w.TxBytes, &c.TxBytes},
		{"tx_packets", w.TxPackets, &c.TxPackets}, {"tx_errors", w.TxErrors, &c.TxErrors},
		{"tx_drops", w.TxDrops, &c.TxDrops},
	} {
		if f.v == nil {
			return missing(f.name)
		}
		*f.dst = *f.v
	}
	// rx_drops and rx_multicast are left out where the system does not
	// count them (macOS, FreeBSD): absent is absent, not 0.
	for _, f := range [...]struct {
		v      *uint64
		dst    *uint64
		absent *bool
	}{{w.RxDrops, &c.RxDrops, &c.NoRxDrops}, {w.RxMulticast, &c.RxMulticast, &c.NoRxMulticast}} {
		if f.v == nil {
			*f.absent = true
		} else {
			*f.dst = *f.v
		}
	}
	return nil
}
