// reports.go writes the gonetstat.reports/v1 document
// (docs/reports-json.md): the routing table (-r), interface counters (-e)
// and protocol counters (-s) as JSON, with sockets.go's appenders; a
// bundle's reports add the neighbour cache and the policy rules.

package codec

import (
	"bufio"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/gonetstat/gonetstat/collect"
)

// ReportsSchema names the reports document's version. Adding a field
// keeps it; renaming or retyping one needs v2 (docs/reports-json.md).
const ReportsSchema = "gonetstat.reports/v1"

// StatsSection is one section of -s; a set of them selects the counter
// groups a document holds (-s -p PROTO), and the -s text's sections.
type StatsSection uint16

// The sections of -s, in the order printed (Windows netstat's order).
const (
	StatsIPv4 StatsSection = 1 << iota
	StatsIPv6
	StatsICMPv4
	StatsICMPv6
	// StatsTCP is one section for IPv4 and IPv6: Linux keeps one TCP MIB
	// for both ("Tcp:" in /proc/net/snmp), so there is no truthful split.
	StatsTCP
	StatsUDPv4
	StatsUDPv6

	AllStats = StatsIPv4 | StatsIPv6 | StatsICMPv4 | StatsICMPv6 | StatsTCP | StatsUDPv4 | StatsUDPv6
)

// StatsGroups pairs each section with the kernel's counter group it shows
// (the group of /proc/net/snmp{,6}), in the order -s prints them; the
// document's "protocols" holds its groups in this order.
var StatsGroups = [...]struct {
	Section StatsSection
	Group   string
}{
	{StatsIPv4, "Ip"}, {StatsIPv6, "Ip6"}, {StatsICMPv4, "Icmp"}, {StatsICMPv6, "Icmp6"},
	{StatsTCP, "Tcp"}, {StatsUDPv4, "Udp"}, {StatsUDPv6, "Udp6"},
}

// Group returns the kernel's counter group of one section ("Tcp"), "" for
// a value that is not one section.
func (s StatsSection) Group() string {
	for _, g := range StatsGroups {
		if g.Section == s {
			return g.Group
		}
	}
	return ""
}

// Reports is one snapshot of the reports asked for. A nil report is left
// out of the document: it was not asked for, or could not be read at all
// (Warnings says why).
type Reports struct {
	Host       string
	Time       time.Time
	Routes     *collect.RouteTable
	Interfaces []collect.InterfaceCounters
	// HasInterfaces says the interfaces report is there, so that a host
	// with no interface at all still gets "interfaces":[].
	HasInterfaces bool
	Protocols     *collect.ProtoCounters
	Sections      StatsSection // the -s sections selected; 0: all
	// Neighbours (ARP and NDP) and Rules (policy routing) are read for a
	// bundle (docs/bundle.md); HasNeighbours says they are there, so that
	// a namespace with none still gets "neighbours":[] and "rules".
	Neighbours    []collect.Neighbour
	Rules         []collect.Rule
	HasNeighbours bool
	Warnings      []string // what was incomplete or failed; omitted when empty
}

// ReportsJSON writes r as one document, each route, interface and counter
// group on a line of its own, ending with a newline.
func ReportsJSON(w io.Writer, r Reports) error { return writeReports(w, r, "\n  ") }

// ReportsNDJSON writes r on exactly one newline-terminated line: one
// snapshot per line in interval mode.
func ReportsNDJSON(w io.Writer, r Reports) error { return writeReports(w, r, "") }

func writeReports(w io.Writer, r Reports, indent string) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	b := make([]byte, 0, 4096)
	b = appendHead(b, ReportsSchema, r.Host, r.Time)
	if t := r.Routes; t != nil {
		b = append(b, `,"routes":{"interfaces":`...)
		b = appendItems(b, indent, len(t.Interfaces), func(b []byte, i int) []byte {
			return appendRouteInterface(b, &t.Interfaces[i])
		})
		for _, fam := range [...]struct {
			key    string
			routes []collect.Route
		}{{`,"ipv4":`, t.IPv4}, {`,"ipv6":`, t.IPv6}} {
			rs := slices.Clone(fam.routes)
			collect.SortRoutes(rs)
			b = append(b, fam.key...)
			b = appendItems(b, indent, len(rs), func(b []byte, i int) []byte {
				return appendRouteJSON(b, &rs[i])
			})
		}
		b = append(b, '}')
	}
	if r.HasInterfaces || r.Interfaces != nil {
		b = append(b, `,"interfaces":`...)
		b = appendItems(b, indent, len(r.Interfaces), func(b []byte, i int) []byte {
			return appendCounters(b, &r.Interfaces[i])
		})
	}
	if c := r.Protocols; c != nil {
		b = append(b, `,"protocols":{`...)
		b = appendGroups(b, indent, *c, r.Sections)
		b = append(b, '}')
	}
	if r.HasNeighbours {
		b = append(b, `,"neighbours":`...)
		b = appendItems(b, indent, len(r.Neighbours), func(b []byte, i int) []byte {
			return appendNeighbour(b, &r.Neighbours[i])
		})
		var v4, v6 []collect.Rule
		for _, rule := range r.Rules {
			if rule.IPv6 {
				v6 = append(v6, rule)
			} else {
				v4 = append(v4, rule)
			}
		}
		b = append(b, `,"rules":{"ipv4":`...)
		b = appendItems(b, indent, len(v4), func(b []byte, i int) []byte { return appendRule(b, &v4[i]) })
		b = append(b, `,"ipv6":`...)
		b = appendItems(b, indent, len(v6), func(b []byte, i int) []byte { return appendRule(b, &v6[i]) })
		b = append(b, '}')
	}
	b = appendWarnings(b, r.Warnings)
	b = append(b, "}\n"...)
	bw.Write(b)
	return bw.Flush()
}

// appendItems appends a JSON array of n items, each after indent (one a
// line in --json), the closing bracket on a line of its own when there
// are items and an indent.
func appendItems(b []byte, indent string, n int, item func([]byte, int) []byte) []byte {
	b = append(b, '[')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, indent...)
		b = item(b, i)
	}
	if n > 0 && indent != "" {
		b = append(b, '\n')
	}
	return append(b, ']')
}

func appendRouteInterface(b []byte, ifc *collect.Interface) []byte {
	b = append(b, `{"index":`...)
	b = strconv.AppendUint(b, uint64(ifc.Index), 10)
	b = append(b, `,"name":`...)
	b = appendString(b, ifc.Name)
	if len(ifc.MAC) > 0 {
		b = append(b, `,"mac":`...)
		b = appendString(b, ifc.MAC.String())
	}
	b = appendBool(b, "up", ifc.Up)
	b = append(b, `,"addresses":[`...)
	for i, a := range ifc.Addrs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"address":"`...)
		b = a.Prefix.AppendTo(b)
		b = append(b, '"')
		if a.Peer.IsValid() {
			b = append(b, `,"peer":`...)
			b = appendAddrJSON(b, a.Peer)
		}
		if a.Secondary {
			b = appendBool(b, "secondary", true)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

func appendRouteJSON(b []byte, r *collect.Route) []byte {
	b = append(b, `{"destination":"`...)
	b = r.Dst.Masked().AppendTo(b)
	b = append(b, '"')
	if r.Gateway.IsValid() {
		b = append(b, `,"gateway":`...)
		b = appendAddrJSON(b, r.Gateway)
	}
	b = appendUint(b, "interface_index", uint64(r.IfIndex))
	if r.IfName != "" {
		b = append(b, `,"interface_name":`...)
		b = appendString(b, r.IfName)
	}
	if r.Src.IsValid() {
		b = append(b, `,"preferred_source":`...)
		b = appendAddrJSON(b, r.Src)
	}
	b = appendUint(b, "metric", uint64(r.Metric))
	b = append(b, `,"type":`...)
	b = appendString(b, r.Type.String())
	b = appendUint(b, "table", uint64(r.Table))
	b = append(b, `,"protocol":`...)
	b = appendString(b, r.Protocol.String())
	if r.NextHopID != 0 {
		b = appendUint(b, "nexthop_id", uint64(r.NextHopID))
	}
	return append(b, '}')
}

func appendNeighbour(b []byte, n *collect.Neighbour) []byte {
	b = append(b, `{"address":`...)
	b = appendAddrJSON(b, n.Addr)
	b = appendUint(b, "interface_index", uint64(n.IfIndex))
	if n.IfName != "" {
		b = append(b, `,"interface_name":`...)
		b = appendString(b, n.IfName)
	}
	if len(n.MAC) > 0 {
		b = append(b, `,"mac":`...)
		b = appendString(b, n.MAC.String())
	}
	b = append(b, `,"state":`...)
	b = appendString(b, n.State.String())
	if n.Router {
		b = appendBool(b, "router", true)
	}
	return append(b, '}')
}

func appendRule(b []byte, r *collect.Rule) []byte {
	b = append(b, `{"priority":`...)
	b = strconv.AppendUint(b, uint64(r.Priority), 10)
	for _, p := range [...]struct {
		key string
		p   netip.Prefix
	}{{`,"source":"`, r.Src}, {`,"destination":"`, r.Dst}} {
		if p.p.IsValid() {
			b = append(b, p.key...)
			b = p.p.AppendTo(b)
			b = append(b, '"')
		}
	}
	if r.IIfName != "" {
		b = append(b, `,"input_interface":`...)
		b = appendString(b, r.IIfName)
	}
	if r.OIfName != "" {
		b = append(b, `,"output_interface":`...)
		b = appendString(b, r.OIfName)
	}
	if r.FwMask != 0 || r.FwMark != 0 {
		b = appendUint(b, "fwmark", uint64(r.FwMark))
		b = appendUint(b, "fwmask", uint64(r.FwMask))
	}
	if r.TOS != 0 {
		b = appendUint(b, "tos", uint64(r.TOS))
	}
	if r.Invert {
		b = appendBool(b, "invert", true)
	}
	b = append(b, `,"action":`...)
	b = appendString(b, r.Action.String())
	if r.Action == collect.RuleToTable {
		b = appendUint(b, "table", uint64(r.Table))
	}
	if r.Action == collect.RuleGoto {
		b = appendUint(b, "goto", uint64(r.Goto))
	}
	b = append(b, `,"protocol":`...)
	b = appendString(b, r.Protocol.String())
	return append(b, '}')
}

func appendCounters(b []byte, c *collect.InterfaceCounters) []byte {
	b = append(b, `{"name":`...)
	b = appendString(b, c.Name)
	b = appendBool(b, "loopback", c.Loopback)
	b = appendUint(b, "rx_bytes", c.RxBytes)
	b = appendUint(b, "rx_packets", c.RxPackets)
	b = appendUint(b, "rx_errors", c.RxErrors)
	if !c.NoRxDrops {
		b = appendUint(b, "rx_drops", c.RxDrops)
	}
	if !c.NoRxMulticast {
		b = appendUint(b, "rx_multicast", c.RxMulticast)
	}
	b = appendUint(b, "tx_bytes", c.TxBytes)
	b = appendUint(b, "tx_packets", c.TxPackets)
	b = appendUint(b, "tx_errors", c.TxErrors)
	b = appendUint(b, "tx_drops", c.TxDrops)
	return append(b, '}')
}

// appendGroups appends the counter groups of the selected sections, in
// the order -s prints them, each group's counters sorted by name
// (ProtoCounters does not keep the kernel's order). A group the kernel
// does not keep is left out.
func appendGroups(b []byte, indent string, c collect.ProtoCounters, sections StatsSection) []byte {
	if sections == 0 {
		sections = AllStats
	}
	n := 0
	for _, s := range StatsGroups {
		g, ok := c.Groups[s.Group]
		if sections&s.Section == 0 || !ok {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, indent...)
		b = appendString(b, s.Group)
		b = append(b, `:{`...)
		names := make([]string, 0, len(g))
		for name := range g {
			names = append(names, name)
		}
		slices.Sort(names)
		for i, name := range names {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, name)
			b = append(b, ':')
			b = strconv.AppendInt(b, g[name], 10)
		}
		b = append(b, '}')
	}
	if n > 0 && indent != "" {
		b = append(b, '\n')
	}
	return b
}

// appendBool appends ,"key":true or false.
func appendBool(b []byte, key string, v bool) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return strconv.AppendBool(b, v)
}
