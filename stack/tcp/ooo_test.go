// ooo_test.go checks that out-of-order data is charged once and given
// back exactly: the de-duplicated queue (queueOOOLocked) and the prune
// under memory pressure (prune.go) share one account.

package tcp

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/core"
)

// TestOOOChargedOncePrunedExactly queues overlapping out-of-order
// segments, then puts the budget under pressure: only new bytes are
// charged, the per-endpoint, protocol-wide and budget accounts agree, and
// the prune gives back exactly what was charged.
func TestOOOChargedOncePrunedExactly(t *testing.T) {
	s := core.New(core.Options{Clock: clock.NewManual(time.Unix(1_700_000_000, 0)), MemoryBudget: 12_000})
	var ids atomic.Uint64
	p := New(s, &ids, Options{})
	e := p.newEndpoint()
	p.remember(e)
	e.rcvNxt = 1000
	data := make([]byte, 300)
	check := func(when string, want int) {
		t.Helper()
		if e.oooBytes != want || p.oooTotal.Load() != int64(want) || e.memUsed != int64(want) {
			t.Errorf("%s: oooBytes %d, oooTotal %d, memUsed %d; want %d each", when, e.oooBytes, p.oooTotal.Load(), e.memUsed, want)
		}
	}
	e.mu.Lock()
	e.queueOOOLocked(1100, data[:100])
	e.queueOOOLocked(1100, data[:100]) // a duplicate: nothing new
	e.queueOOOLocked(1150, data[:100]) // half new
	e.queueOOOLocked(1050, data[:250]) // new bytes on each side
	e.mu.Unlock()
	check("queued [1050, 1300)", 250)
	if used := s.Budget.Used(); used != 250 {
		t.Errorf("budget holds %d bytes, want 250", used)
	}
	// Other memory takes the budget past its pressure mark; the next
	// out-of-order segment is refused and asks for a prune.
	filler := s.Budget.PressureMark() - 200
	if !s.Budget.Take(filler) {
		t.Fatal("filler refused")
	}
	e.mu.Lock()
	e.queueOOOLocked(2000, data[:100])
	e.mu.Unlock()
	check("refused [2000, 2100)", 250)
	if !s.Budget.UnderPressure() || s.Counters.TCPRcvQDrops.Load() != 1 {
		t.Fatalf("the refusal left pressure %v, receive drops %d", s.Budget.UnderPressure(), s.Counters.TCPRcvQDrops.Load())
	}
	p.pruneIfWanted()
	check("pruned", 0)
	if used := s.Budget.Used(); used != filler {
		t.Errorf("after the prune the budget holds %d bytes, want the filler's %d", used, filler)
	}
	if len(e.ooo) != 0 || s.Counters.TCPOFOPruned.Load() != 1 {
		t.Errorf("%d segments left, OfoPruned %d; want 0 and 1", len(e.ooo), s.Counters.TCPOFOPruned.Load())
	}
}
