// counters.go converts gopsutil's interface counters (-e), which it parses
// from `netstat -ibdnW` on macOS and FreeBSD, to the model.

package gops

import (
	gnet "github.com/shirou/gopsutil/v4/net"

	"github.com/gonetstat/gonetstat/collect"
)

// FromIOCounters converts gopsutil's per-interface counters (pernic).
// loopback says whether an interface is the loopback one (macOS and
// FreeBSD: lo0; the caller asks the system's flags). netstat -ibdnW gives
// no multicast count on either system, and macOS's no input drops (its
// Drop column is output drops; rxDrops false): gopsutil leaves those 0
// (net/net_darwin.go:79-88), the model marks them absent.
func FromIOCounters(stats []gnet.IOCountersStat, loopback func(name string) bool, rxDrops bool) []collect.InterfaceCounters {
	out := make([]collect.InterfaceCounters, 0, len(stats))
	for _, s := range stats {
		c := collect.InterfaceCounters{
			Name:      s.Name,
			RxBytes:   s.BytesRecv,
			RxPackets: s.PacketsRecv,
			RxErrors:  s.Errin,
			RxDrops:   s.Dropin,
			TxBytes:   s.BytesSent,
			TxPackets: s.PacketsSent,
			TxErrors:  s.Errout,
			TxDrops:   s.Dropout,

			NoRxDrops:     !rxDrops,
			NoRxMulticast: true,
		}
		if loopback != nil {
			c.Loopback = loopback(s.Name)
		}
		out = append(out, c)
	}
	return out
}
