// stats.go writes the host-wide counter reports: interface statistics
// (-e) and per-protocol statistics (-s), in Windows netstat's layout with
// Linux's counters, leaving out the rows Linux cannot fill truthfully.

package render

import (
	"bufio"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"

	"github.com/gonetstat/gonetstat/codec"
	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/safetext"
)

// mibRow is one "Name = value" row: Windows' name, the kernel's counter.
type mibRow struct{ label, counter string }

// ipRows are MIB-II's IP counters (RFC 4293) under Windows' names; Ip and
// Ip6 share the counter names except for forwarding. Windows' "Routing
// Discards" has no Linux counter and is left out.
func ipRows(forw string) []mibRow {
	return []mibRow{
		{"Packets Received", "InReceives"},
		{"Received Header Errors", "InHdrErrors"},
		{"Received Address Errors", "InAddrErrors"},
		{"Datagrams Forwarded", forw},
		{"Unknown Protocols Received", "InUnknownProtos"},
		{"Received Packets Discarded", "InDiscards"},
		{"Received Packets Delivered", "InDelivers"},
		{"Output Requests", "OutRequests"},
		{"Discarded Output Packets", "OutDiscards"},
		{"Output Packet No Route", "OutNoRoutes"},
		{"Reassembly Required", "ReasmReqds"},
		{"Reassembly Successful", "ReasmOKs"},
		{"Reassembly Failures", "ReasmFails"},
		{"Datagrams Successfully Fragmented", "FragOKs"},
		{"Datagrams Failing Fragmentation", "FragFails"},
		{"Fragments Created", "FragCreates"},
	}
}

var tcpRows = []mibRow{
	{"Active Opens", "ActiveOpens"},
	{"Passive Opens", "PassiveOpens"},
	{"Failed Connection Attempts", "AttemptFails"},
	{"Reset Connections", "EstabResets"},
	{"Current Connections", "CurrEstab"},
	{"Segments Received", "InSegs"},
	{"Segments Sent", "OutSegs"},
	{"Segments Retransmitted", "RetransSegs"},
}

var udpRows = []mibRow{
	{"Datagrams Received", "InDatagrams"},
	{"No Ports", "NoPorts"},
	{"Receive Errors", "InErrors"},
	{"Datagrams Sent", "OutDatagrams"},
}

// icmpRow is one "Received Sent" row: Windows' name and the kernel's two
// counters.
type icmpRow struct{ label, in, out string }

var icmp4Rows = []icmpRow{
	{"Messages", "InMsgs", "OutMsgs"},
	{"Errors", "InErrors", "OutErrors"},
	{"Destination Unreachable", "InDestUnreachs", "OutDestUnreachs"},
	{"Time Exceeded", "InTimeExcds", "OutTimeExcds"},
	{"Parameter Problems", "InParmProbs", "OutParmProbs"},
	{"Source Quenches", "InSrcQuenchs", "OutSrcQuenchs"},
	{"Redirects", "InRedirects", "OutRedirects"},
	{"Echo Replies", "InEchoReps", "OutEchoReps"},
	{"Echos", "InEchos", "OutEchos"},
	{"Timestamps", "InTimestamps", "OutTimestamps"},
	{"Timestamp Replies", "InTimestampReps", "OutTimestampReps"},
	{"Address Masks", "InAddrMasks", "OutAddrMasks"},
	{"Address Mask Replies", "InAddrMaskReps", "OutAddrMaskReps"},
}

var icmp6Rows = []icmpRow{
	{"Messages", "InMsgs", "OutMsgs"},
	{"Errors", "InErrors", "OutErrors"},
	{"Destination Unreachable", "InDestUnreachs", "OutDestUnreachs"},
	{"Packet Too Big", "InPktTooBigs", "OutPktTooBigs"},
	{"Time Exceeded", "InTimeExcds", "OutTimeExcds"},
	{"Parameter Problems", "InParmProblems", "OutParmProblems"},
	{"Echos", "InEchos", "OutEchos"},
	{"Echo Replies", "InEchoReplies", "OutEchoReplies"},
	{"MLD Queries", "InGroupMembQueries", "OutGroupMembQueries"},
	{"MLD Reports", "InGroupMembResponses", "OutGroupMembResponses"},
	{"MLD Dones", "InGroupMembReductions", "OutGroupMembReductions"},
	{"MLDv2 Reports", "InMLDv2Reports", "OutMLDv2Reports"},
	{"Router Solicitations", "InRouterSolicits", "OutRouterSolicits"},
	{"Router Advertisements", "InRouterAdvertisements", "OutRouterAdvertisements"},
	{"Neighbor Solicitations", "InNeighborSolicits", "OutNeighborSolicits"},
	{"Neighbor Advertisements", "InNeighborAdvertisements", "OutNeighborAdvertisements"},
	{"Redirects", "InRedirects", "OutRedirects"},
}

// statsSection is one section of -s: which it is (its Group is the
// kernel's counter group it shows), its title and its rows.
type statsSection struct {
	which       codec.StatsSection
	title, note string
	rows        []mibRow
	icmp        []icmpRow
}

// statsSectionList is every section in the order printed (that of
// codec.StatsGroups, whose group each shows).
var statsSectionList = []statsSection{
	{which: codec.StatsIPv4, title: "IPv4 Statistics", rows: ipRows("ForwDatagrams")},
	{which: codec.StatsIPv6, title: "IPv6 Statistics", rows: ipRows("OutForwDatagrams")},
	{which: codec.StatsICMPv4, title: "ICMPv4 Statistics", icmp: icmp4Rows},
	{which: codec.StatsICMPv6, title: "ICMPv6 Statistics", icmp: icmp6Rows},
	{which: codec.StatsTCP, title: "TCP Statistics for IPv4 and IPv6", rows: tcpRows,
		note: "(one set of counters for IPv4 and IPv6: Linux keeps them together, Windows' two are added)"},
	{which: codec.StatsUDPv4, title: "UDP Statistics for IPv4", rows: udpRows},
	{which: codec.StatsUDPv6, title: "UDP Statistics for IPv6", rows: udpRows},
}

// ProtocolStats writes the -s report: the selected sections (0: all) in
// Windows netstat's order and layout. A counter the kernel does not keep
// is a row left out, never a 0; a group it does not keep at all (IPv6
// disabled) is a section saying so.
func ProtocolStats(w io.Writer, c collect.ProtoCounters, sections codec.StatsSection) error {
	if sections == 0 {
		sections = codec.AllStats
	}
	bw := bufio.NewWriter(w)
	for _, s := range statsSectionList {
		if sections&s.which == 0 {
			continue
		}
		fmt.Fprintf(bw, "\n%s\n", s.title)
		if s.note != "" {
			fmt.Fprintf(bw, "%s\n", s.note)
		}
		bw.WriteString("\n")
		group := s.which.Group()
		if !c.Has(group) {
			if strings.HasSuffix(group, "6") {
				bw.WriteString("  (none: this system keeps no IPv6 counters; IPv6 is disabled)\n")
			} else {
				fmt.Fprintf(bw, "  (none: this system keeps no %s counters)\n", group)
			}
			continue
		}
		for _, r := range s.rows {
			if v, ok := c.Get(group, r.counter); ok {
				fmt.Fprintf(bw, "  %-35s= %d\n", r.label, v)
			}
		}
		if s.icmp != nil {
			fmt.Fprintf(bw, "  %-25s %-12s%s\n", "", "Received", "Sent")
			for _, r := range s.icmp {
				in, inOK := c.Get(group, r.in)
				out, outOK := c.Get(group, r.out)
				if !inOK && !outOK {
					continue
				}
				fmt.Fprintf(bw, "  %-25s %-12s%s\n", r.label, count(in, inOK), count(out, outOK))
			}
		}
	}
	return bw.Flush()
}

// count is a counter's text: "-" when it is not kept.
func count(v int64, ok bool) string {
	if !ok {
		return "-"
	}
	return strconv.FormatInt(v, 10)
}

// InterfaceStats writes the -e report: Windows' "Interface Statistics"
// Received/Sent block, totalled over every interface but loopback, with
// the rows Linux counts (it does not split unicast from broadcast, nor
// count multicast sent, nor unknown protocols); then one line per
// interface, loopback included, as "ip -s link" shows them.
func InterfaceStats(w io.Writer, ifs []collect.InterfaceCounters) error {
	// Totals in big integers: 64-bit counters of several interfaces can
	// add up past 2^64, and a wrapped total would be a lie.
	total := func(f func(collect.InterfaceCounters) uint64) string {
		var sum, v big.Int
		for _, i := range ifs {
			if !i.Loopback {
				sum.Add(&sum, v.SetUint64(f(i)))
			}
		}
		return sum.String()
	}
	// A total over interfaces of which one does not count it would be a
	// lie: "-", as for what the system never counts.
	unless := func(absent func(collect.InterfaceCounters) bool, s string) string {
		for _, i := range ifs {
			if !i.Loopback && absent(i) {
				return "-"
			}
		}
		return s
	}
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	totals := [][3]string{
		{"Bytes", total(func(i collect.InterfaceCounters) uint64 { return i.RxBytes }), total(func(i collect.InterfaceCounters) uint64 { return i.TxBytes })},
		{"Packets", total(func(i collect.InterfaceCounters) uint64 { return i.RxPackets }), total(func(i collect.InterfaceCounters) uint64 { return i.TxPackets })},
		{"Multicast packets", unless(func(i collect.InterfaceCounters) bool { return i.NoRxMulticast },
			total(func(i collect.InterfaceCounters) uint64 { return i.RxMulticast })), "-"},
		{"Discards", unless(func(i collect.InterfaceCounters) bool { return i.NoRxDrops },
			total(func(i collect.InterfaceCounters) uint64 { return i.RxDrops })), total(func(i collect.InterfaceCounters) uint64 { return i.TxDrops })},
		{"Errors", total(func(i collect.InterfaceCounters) uint64 { return i.RxErrors }), total(func(i collect.InterfaceCounters) uint64 { return i.TxErrors })},
	}
	colw := 16
	for _, r := range totals {
		colw = max(colw, len(r[1])+1, len(r[2])+1)
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("Interface Statistics\n(totals over every interface but loopback; each interface below)\n\n")
	fmt.Fprintf(bw, "%-19s%*s%*s\n\n", "", colw, "Received", colw, "Sent")
	for _, r := range totals {
		fmt.Fprintf(bw, "%-19s%*s%*s\n", r[0], colw, r[1], colw, r[2])
	}

	head := []string{"Interface", "RX bytes", "RX packets", "RX errors", "RX drops", "TX bytes", "TX packets", "TX errors", "TX drops"}
	rows := make([][]string, 0, len(ifs))
	for _, i := range ifs {
		rxDrops := u(i.RxDrops)
		if i.NoRxDrops {
			rxDrops = "-"
		}
		rows = append(rows, []string{safetext.Text(i.Name), u(i.RxBytes), u(i.RxPackets), u(i.RxErrors), rxDrops,
			u(i.TxBytes), u(i.TxPackets), u(i.TxErrors), u(i.TxDrops)})
	}
	widths := make([]int, len(head))
	for c, h := range head {
		widths[c] = len(h)
		for _, r := range rows {
			widths[c] = max(widths[c], len(r[c]))
		}
	}
	bw.WriteString("\n")
	for _, r := range append([][]string{head}, rows...) {
		fmt.Fprintf(bw, "%-*s", widths[0], r[0])
		for c := 1; c < len(r); c++ {
			fmt.Fprintf(bw, "  %*s", widths[c], r[c])
		}
		bw.WriteString("\n")
	}
	return bw.Flush()
}
