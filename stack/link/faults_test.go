// faults_test.go tests the fault-injecting wrapper on a manual clock, over
// a fault-free Pair standing in for a TAP device.

package link

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/stack/clock"
)

// faultyRig: stack side is the wrapper around a; the far side is b.
type faultyRig struct {
	clk       *clock.Manual
	w         *FaultyEndpoint
	far       *PairEndpoint
	atStack   *recorder // what the stack receives through the wrapper
	atFarSide *recorder // what the far side receives from the stack
}

func newFaultyRig(out, in Faults, seed uint64) *faultyRig {
	clk := clock.NewManual(epoch)
	a, b := Pair(PairConfig{Clock: clk})
	r := &faultyRig{clk: clk, far: b, atStack: &recorder{clk: clk}, atFarSide: &recorder{clk: clk}}
	r.w = WithFaultsEach(a, out, in, seed, clk)
	r.w.Attach(r.atStack)
	b.Attach(r.atFarSide)
	return r
}

func (r *faultyRig) both(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := r.w.WritePacket(numbered(i)); err != nil {
			t.Fatal(err)
		}
		if err := r.far.WritePacket(numbered(i)); err != nil {
			t.Fatal(err)
		}
		r.clk.Advance(100 * time.Microsecond)
	}
	r.clk.Advance(time.Minute)
}

func TestFaultyEndpointPassesThroughWithoutFaults(t *testing.T) {
	r := newFaultyRig(Faults{}, Faults{}, 1)
	r.both(t, 5)
	want := []int{0, 1, 2, 3, 4}
	if diff := cmp.Diff(want, numbers(r.atFarSide.frames)); diff != "" {
		t.Errorf("far side got (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, numbers(r.atStack.frames)); diff != "" {
		t.Errorf("stack got (-want +got):\n%s", diff)
	}
	if out, in := r.w.Stats(); out != (Stats{}) || in != (Stats{}) {
		t.Errorf("a fault-free wrapper counted %+v %+v", out, in)
	}
}

func TestFaultyEndpointFaultsEachDirection(t *testing.T) {
	out := Faults{Loss: 0.05, Reorder: 0.05, Duplicate: 0.01}
	in := Faults{Loss: 0.10, Delay: 2 * time.Millisecond}
	const n = 4000
	r := newFaultyRig(out, in, 7)
	r.both(t, n)
	so, si := r.w.Stats()
	if so.Sent != n || si.Sent != n {
		t.Fatalf("sent out %d in %d, want %d each", so.Sent, si.Sent, n)
	}
	if got := uint64(len(r.atFarSide.frames)); got != so.Delivered || got != n-so.Lost+so.Duplicated {
		t.Errorf("far side got %d frames; stats %+v", got, so)
	}
	if got := uint64(len(r.atStack.frames)); got != si.Delivered || got != n-si.Lost {
		t.Errorf("stack got %d frames; stats %+v", got, si)
	}
	// 5% and 10% of 4000 are 200 and 400; 5 standard deviations either side.
	if so.Lost < 130 || so.Lost > 270 || si.Lost < 300 || si.Lost > 500 {
		t.Errorf("losses out %d (want ~200), in %d (want ~400)", so.Lost, si.Lost)
	}
	if so.Reordered == 0 || si.Reordered != 0 || si.Duplicated != 0 {
		t.Errorf("reorder/duplicate went to the wrong direction: out %+v in %+v", so, si)
	}
	if slices.IsSorted(numbers(r.atFarSide.frames)) {
		t.Error("outgoing frames arrived in order despite 5% reordering")
	}
	if !slices.IsSorted(numbers(r.atStack.frames)) {
		t.Error("incoming frames were reordered though only delayed")
	}
	// The incoming delay is applied: the first frame arrives 2 ms late.
	if r.atStack.at[0] != 2*time.Millisecond {
		t.Errorf("first incoming frame at %v, want 2ms", r.atStack.at[0])
	}

	again := newFaultyRig(out, in, 7)
	again.both(t, n)
	if !slices.EqualFunc(r.atFarSide.frames, again.atFarSide.frames, bytes.Equal) {
		t.Error("the same seed gave different faults")
	}
}

func TestFaultyEndpointClose(t *testing.T) {
	r := newFaultyRig(Faults{Delay: time.Millisecond}, Faults{Delay: time.Millisecond}, 1)
	if err := r.w.WritePacket(numbered(1)); err != nil {
		t.Fatal(err)
	}
	if err := r.far.WritePacket(numbered(2)); err != nil {
		t.Fatal(err)
	}
	if err := r.w.Close(); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(time.Second)
	if len(r.atFarSide.frames) != 0 || len(r.atStack.frames) != 0 {
		t.Errorf("frames held back crossed a closed link: far %d, stack %d", len(r.atFarSide.frames), len(r.atStack.frames))
	}
	if err := r.w.WritePacket(numbered(3)); !errors.Is(err, ErrClosed) {
		t.Errorf("write after Close: %v, want ErrClosed", err)
	}
}
