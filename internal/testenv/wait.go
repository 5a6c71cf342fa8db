// wait.go is how tests wait for an event without betting on the clock:
// WaitFor polls a condition, NoHang bounds a call that must return, and
// SyncBuffer.Await wakes on every write. Each fails only when the event
// has not come after Patience, a bound no slow machine reaches.

package testenv

import (
	"testing"
	"time"
)

// Patience is how long a test waits for an event before it gives up.
// It is far beyond what the slowest step of any test needs on a loaded
// two-core machine under -race: reaching it means the event is not
// coming (a hang, a lost packet), never that the machine was busy. Tests
// assert on events and values, never on how long something took.
const Patience = 2 * time.Minute

// WaitFor polls cond until it holds and fails t, naming what it waited
// for, if it still does not after Patience. For state that only polling
// can see (a kernel counter, a route the kernel adds on its own time, a
// table that must settle); where a channel, a callback or a blocking call
// reports the event, wait on that instead. The poll starts at 1 ms and
// backs off to 100 ms, so a condition that runs a command is not run in a
// tight loop.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	if !Poll(cond) {
		t.Fatalf("gave up after %v waiting for %s", Patience, what)
	}
}

// Poll is WaitFor for callers that report the failure themselves (with
// the last value they saw): it returns whether cond came to hold within
// Patience.
func Poll(cond func() bool) bool {
	deadline := time.Now().Add(Patience)
	for wait := time.Millisecond; !cond(); wait = min(2*wait, 100*time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(wait)
	}
	return true
}

// NoHang runs f and fails t if it has not returned within Patience: for a
// call whose only promise is that it returns (it must not wait for a
// peer that never answers). A hung f is left behind; the test fails
// naming what.
func NoHang(t testing.TB, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	timer := time.NewTimer(Patience)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		t.Fatalf("%s did not return within %v", what, Patience)
	}
}
