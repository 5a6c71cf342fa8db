// timewait_test.go measures what a connection in TIME_WAIT really costs,
// so that TimeWaitMemory charges the budget honestly.

package tcp

import (
	"net/netip"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/core"
)

// TestTimeWaitMemory enters connections into the time-wait table and
// measures the heap they hold (the table and the expiry queue): at most
// TimeWaitMemory each on average, at sizes where the table or the queue
// has just grown; and they all go after 2*MSL, their memory given back.
func TestTimeWaitMemory(t *testing.T) {
	for _, n := range []int{1000, 33_000, 131_072} {
		clk := clock.NewManual(time.Unix(1_700_000_000, 0))
		s := core.New(core.Options{Clock: clk, MemoryBudget: 1 << 30})
		var ids atomic.Uint64
		p := New(s, &ids, Options{})
		local := netip.MustParseAddrPort("198.18.0.2:80")
		before := heapInUse()
		for i := range n {
			e := p.newEndpoint()
			e.local = local
			e.remote = netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18, byte(1 + i/60000), 1}), uint16(1024+i%60000))
			if !p.addTimeWait(e) {
				t.Fatalf("time-wait block %d refused", i)
			}
		}
		held := heapInUse() - before
		per := float64(held) / float64(n)
		t.Logf("%d connections in TIME_WAIT hold %d heap bytes: %.0f each (charged %d)", n, held, per, TimeWaitMemory)
		if per > TimeWaitMemory {
			t.Errorf("%d time-wait blocks cost %.0f heap bytes each, more than the %d they are charged", n, per, TimeWaitMemory)
		}
		if used := s.Budget.Used(); used != int64(n)*TimeWaitMemory {
			t.Errorf("budget holds %d bytes, want %d", used, int64(n)*TimeWaitMemory)
		}
		clk.Advance(2 * 30 * time.Second)
		if got := p.TimeWaits(); got != 0 || s.Budget.Used() != 0 {
			t.Errorf("after 2*MSL %d blocks and %d budget bytes remain", got, s.Budget.Used())
		}
	}
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
