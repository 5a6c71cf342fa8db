// clock_test.go tests the manual clock's ordering and cancellation.

package clock

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/internal/testenv"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestManualOrder(t *testing.T) {
	m := NewManual(epoch)
	var got []string
	at := func(name string) func() {
		return func() { got = append(got, name+"@"+m.Now().Sub(epoch).String()) }
	}
	m.AfterFunc(3*time.Second, at("c"))
	m.AfterFunc(time.Second, at("a"))
	m.AfterFunc(time.Second, at("b")) // same time: scheduling order
	stop := m.AfterFunc(2*time.Second, at("never"))
	m.AfterFunc(0, func() {
		got = append(got, "now@"+m.Now().Sub(epoch).String())
		m.AfterFunc(500*time.Millisecond, at("chained")) // scheduled inside the window: runs in it
	})
	if !stop.Stop() || stop.Stop() {
		t.Error("Stop should report true once, then false")
	}
	m.Advance(2500 * time.Millisecond)
	want := []string{"now@0s", "chained@500ms", "a@1s", "b@1s"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if m.Now() != epoch.Add(2500*time.Millisecond) {
		t.Errorf("Now = %v", m.Now())
	}
	if d, ok := m.Next(); !ok || d != 500*time.Millisecond {
		t.Errorf("Next = %v %v, want 500ms", d, ok)
	}
	m.Advance(time.Hour)
	if len(got) != 5 || m.Pending() != 0 {
		t.Errorf("got %v, pending %d", got, m.Pending())
	}
	if _, ok := m.Next(); ok {
		t.Error("Next reports a timer when none is pending")
	}
}

func TestRealClock(t *testing.T) {
	done := make(chan struct{})
	Real{}.AfterFunc(time.Millisecond, func() { close(done) })
	select {
	case <-done:
	case <-time.After(testenv.Patience):
		t.Fatal("real AfterFunc never ran")
	}
}

func TestManualReset(t *testing.T) {
	m := NewManual(epoch)
	var got []time.Duration
	tm := m.AfterFunc(time.Second, func() { got = append(got, m.Now().Sub(epoch)) })
	if !tm.Reset(3 * time.Second) { // pending: moved, not doubled
		t.Error("Reset of a pending timer should report true")
	}
	m.Advance(2 * time.Second)
	if len(got) != 0 {
		t.Fatalf("ran at %v, before its reset time", got)
	}
	m.Advance(time.Second)
	if tm.Reset(time.Second) { // has run: scheduled again
		t.Error("Reset of a timer that ran should report false")
	}
	m.Advance(time.Second)
	tm.Reset(time.Second)
	tm.Stop()
	m.Advance(time.Hour)
	if want := []time.Duration{3 * time.Second, 4 * time.Second}; !cmp.Equal(want, got) {
		t.Errorf("ran at %v, want %v", got, want)
	}
	if allocs := testing.AllocsPerRun(100, func() { tm.Reset(time.Second); tm.Stop() }); allocs != 0 {
		t.Errorf("Reset+Stop allocate %v times, want 0", allocs)
	}
}
