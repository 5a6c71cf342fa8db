// Package clock gives the mini-stack its sense of time: the real clock in
// production, and a manual clock that tests advance by hand, so that every
// timer (link delay, retransmission, TIME_WAIT, keepalive) fires at an
// exact, reproducible instant and no test sleeps.
package clock

import (
	"container/heap"
	"sync"
	"time"
)

// Clock tells the time and runs functions later.
type Clock interface {
	Now() time.Time
	// AfterFunc runs f once d has passed. The real clock runs it on its
	// own goroutine; the manual clock runs it inside Advance.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc.
type Timer interface {
	// Stop cancels the timer; it reports whether it was still pending.
	Stop() bool
	// Reset schedules the function again, d from now, whether or not it
	// has run; it reports whether it was still pending. Re-arming one
	// timer costs no allocation, where a new AfterFunc costs several — the
	// protocols re-arm theirs on every segment. As with time.Timer, a run
	// that had already started is not undone: callbacks check that they
	// are current.
	Reset(d time.Duration) bool
}

// Real is the system clock.
type Real struct{}

func (Real) Now() time.Time { return time.Now() }
func (Real) AfterFunc(d time.Duration, f func()) Timer {
	return time.AfterFunc(d, f)
}

// Manual is a clock that moves only when Advance is called. It is safe
// for concurrent use; callbacks run on the goroutine calling Advance, in
// order of their due time (and of scheduling, for equal times), with the
// clock reading exactly their due time.
type Manual struct {
	mu      sync.Mutex
	now     time.Time
	seq     uint64
	pending timerHeap
}

// NewManual returns a manual clock reading start.
func NewManual(start time.Time) *Manual { return &Manual{now: start} }

func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// AfterFunc schedules f at Now()+d; d <= 0 runs it at the next Advance,
// even Advance(0).
func (m *Manual) AfterFunc(d time.Duration, f func()) Timer {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	t := &manualTimer{clock: m, when: m.now.Add(max(d, 0)), seq: m.seq, f: f, index: -1}
	heap.Push(&m.pending, t)
	return t
}

// Advance moves the clock forward by d, running every callback that falls
// due on the way, including those that the callbacks themselves schedule
// within the window.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	target := m.now.Add(d)
	for len(m.pending) > 0 && !m.pending[0].when.After(target) {
		t := heap.Pop(&m.pending).(*manualTimer)
		if t.when.After(m.now) {
			m.now = t.when
		}
		m.mu.Unlock()
		t.f()
		m.mu.Lock()
	}
	m.now = target
	m.mu.Unlock()
}

// Next returns how long until the earliest pending callback, and false
// when none is pending: tests step to the next event with it.
func (m *Manual) Next() (time.Duration, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.pending) == 0 {
		return 0, false
	}
	return m.pending[0].when.Sub(m.now), true
}

// Pending returns the number of scheduled callbacks.
func (m *Manual) Pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.pending)
}

type manualTimer struct {
	clock *Manual
	when  time.Time
	seq   uint64
	f     func()
	index int // in the heap; -1 when not pending
}

func (t *manualTimer) Reset(d time.Duration) bool {
	m := t.clock
	m.mu.Lock()
	defer m.mu.Unlock()
	pending := t.index >= 0
	if pending {
		heap.Remove(&m.pending, t.index)
	}
	m.seq++
	t.when, t.seq = m.now.Add(max(d, 0)), m.seq
	heap.Push(&m.pending, t)
	return pending
}

func (t *manualTimer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.clock.pending, t.index)
	return true
}

type timerHeap []*manualTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*manualTimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}
