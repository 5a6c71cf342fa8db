// timer.go holds an endpoint's re-armable timer: made once per endpoint
// and re-armed in place, because TCP re-arms its retransmission and
// delayed-ACK timers on nearly every segment and a new timer each time
// was a fifth of the stack's allocations.

package tcp

import (
	"time"

	"github.com/gonetstat/gonetstat/stack/clock"
)

// epTimer is one of an endpoint's timers. It is guarded by the endpoint's
// lock. A callback that had already started when the timer was stopped or
// re-armed still runs (as with time.AfterFunc), so every callback first
// asks fired whether it is the current arming.
type epTimer struct {
	t     clock.Timer
	armed bool
	at    time.Time // when the current arming is due
}

// arm (re)schedules f(e), d from now. f is a method expression such as
// (*Endpoint).onRetransTimeout, not a method value: a method value would
// allocate a closure on every arming, and f is only bound (once) when the
// timer is first made.
func (t *epTimer) arm(e *Endpoint, d time.Duration, f func(*Endpoint)) {
	clk := e.p.stack.Clock
	t.armed, t.at = true, clk.Now().Add(d)
	if t.t == nil {
		t.t = clk.AfterFunc(d, func() { f(e) })
		return
	}
	t.t.Reset(d)
}

func (t *epTimer) stop() {
	if t.armed {
		t.armed = false
		t.t.Stop()
	}
}

// fired reports, in a callback, whether this run is the current arming
// having come due, and disarms it if so. A stale run (stopped, or
// re-armed to a later time, after it had started) returns false.
func (t *epTimer) fired(now time.Time) bool {
	if !t.armed || now.Before(t.at) {
		return false
	}
	t.armed = false
	return true
}
