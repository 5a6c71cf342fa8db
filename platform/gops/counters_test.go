// counters_test.go tests the conversion of gopsutil's interface counters.

package gops

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	gnet "github.com/shirou/gopsutil/v4/net"

	"github.com/gonetstat/gonetstat/collect"
)

func TestFromIOCounters(t *testing.T) {
	// The values gopsutil reads from FreeBSD's `netstat -ibdnW` link
	// lines (net/net_freebsd.go:50-83): Ipkts Ierrs Idrop Ibytes Opkts
	// Oerrs Obytes Drop.
	in := []gnet.IOCountersStat{
		{Name: "em0", PacketsRecv: 1, Errin: 2, Dropin: 3, BytesRecv: 4, PacketsSent: 5, Errout: 6, BytesSent: 7, Dropout: 8},
		{Name: "lo0", PacketsRecv: 9, BytesRecv: 10, PacketsSent: 9, BytesSent: 10},
	}
	got := FromIOCounters(in, func(name string) bool { return name == "lo0" }, true)
	want := []collect.InterfaceCounters{
		{Name: "em0", RxPackets: 1, RxErrors: 2, RxDrops: 3, RxBytes: 4, TxPackets: 5, TxErrors: 6, TxBytes: 7, TxDrops: 8, NoRxMulticast: true},
		{Name: "lo0", Loopback: true, RxPackets: 9, RxBytes: 10, TxPackets: 9, TxBytes: 10, NoRxMulticast: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FreeBSD (-want +got):\n%s", diff)
	}
	// macOS's netstat has no input drops.
	for _, c := range FromIOCounters(in[:1], nil, false) {
		if !c.NoRxDrops || c.Loopback {
			t.Errorf("macOS: %+v, want its input drops absent", c)
		}
	}
}
