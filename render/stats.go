// stats.go writes the host-wide counter reports: interface statistics
// (-e), in Windows netstat's layout with Linux's counters, leaving out the
// rows Linux cannot fill truthfully.

package render

import (
	"bufio"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"unicode"

	"github.com/gonetstat/gonetstat/collect"
)

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
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	totals := [][3]string{
		{"Bytes", total(func(i collect.InterfaceCounters) uint64 { return i.RxBytes }), total(func(i collect.InterfaceCounters) uint64 { return i.TxBytes })},
		{"Packets", total(func(i collect.InterfaceCounters) uint64 { return i.RxPackets }), total(func(i collect.InterfaceCounters) uint64 { return i.TxPackets })},
		{"Multicast packets", total(func(i collect.InterfaceCounters) uint64 { return i.RxMulticast }), "-"},
		{"Discards", total(func(i collect.InterfaceCounters) uint64 { return i.RxDrops }), total(func(i collect.InterfaceCounters) uint64 { return i.TxDrops })},
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
		rows = append(rows, []string{printable(i.Name), u(i.RxBytes), u(i.RxPackets), u(i.RxErrors), u(i.RxDrops),
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

// printable shows an interface name with its control characters escaped:
// Linux allows them in names, and a name must not drive the terminal.
func printable(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}
