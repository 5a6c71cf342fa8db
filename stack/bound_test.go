// bound_test.go checks that a TCP socket bound to a port and neither
// listening nor connected is shown as the kernel shows one: bound-inactive
// (netstat -q's BOUND), hidden from -a, never in /proc/net/tcp.

package stack

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/link"
)

func TestBoundTCPIsBoundInactive(t *testing.T) {
	a, _, _ := realWorld(t, link.Faults{}, 1)
	bound, err := a.Socket(collect.ProtoTCP)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(bound)
	if err := a.Bind(bound, netip.AddrPortFrom(addrA.Addr(), 4711)); err != nil {
		t.Fatal(err)
	}
	unbound, err := a.Socket(collect.ProtoTCP)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(unbound)

	states := map[uint16]collect.State{}
	for _, r := range a.Snapshot() {
		states[r.Local.Port()] = r.State
	}
	if got := states[4711]; got != collect.StateBoundInactive {
		t.Errorf("bound, unconnected socket: state %v, want %v", got, collect.StateBoundInactive)
	}
	if got, ok := states[0]; !ok || got != collect.StateClose {
		t.Errorf("unbound socket: state %v (listed %v), want %v", got, ok, collect.StateClose)
	}

	rows := a.Snapshot()
	if n := len(collect.Filter{All: true}.Apply(rows)); n != len(rows)-1 {
		t.Errorf("-a kept %d of %d rows, want all but the bound one", n, len(rows))
	}
	if n := len(collect.Filter{All: true, Bound: true}.Apply(a.Snapshot())); n != len(rows) {
		t.Errorf("-aq kept %d of %d rows, want all", n, len(rows))
	}

	var buf bytes.Buffer
	if err := a.WriteProcNet(&buf, collect.TCP4); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), ":1267 ") { // 4711 = 0x1267
		t.Errorf("/proc/net/tcp lists the bound-inactive socket:\n%s", buf.String())
	}
}
