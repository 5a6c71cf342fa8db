// pair_test.go tests the in-memory wire and its faults on a manual clock,
// and the sniffer's capture read back by an independent pcap reader.

package link

import (
	"bytes"
	"encoding/binary"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/header"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// recorder keeps what it receives and when.
type recorder struct {
	mu     sync.Mutex
	clk    clock.Clock
	frames [][]byte
	at     []time.Duration
}

func (r *recorder) DeliverFrame(f []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.frames = append(r.frames, append([]byte(nil), f...))
	r.at = append(r.at, r.clk.Now().Sub(epoch))
}

// numbered is a 64-byte frame carrying n.
func numbered(n int) []byte {
	f := make([]byte, 64)
	binary.BigEndian.PutUint32(f[header.EthernetLen:], uint32(n))
	return f
}

func numbers(frames [][]byte) []int {
	var out []int
	for _, f := range frames {
		out = append(out, int(binary.BigEndian.Uint32(f[header.EthernetLen:])))
	}
	return out
}

func run(t *testing.T, f Faults, seed uint64, n int, spacing time.Duration) (*recorder, Stats) {
	t.Helper()
	clk := clock.NewManual(epoch)
	a, b := Pair(PairConfig{AtoB: f, Seed: seed, Clock: clk})
	rec := &recorder{clk: clk}
	b.Attach(rec)
	for i := 0; i < n; i++ {
		if err := a.WritePacket(numbered(i)); err != nil {
			t.Fatal(err)
		}
		clk.Advance(spacing)
	}
	clk.Advance(time.Minute)
	return rec, a.Stats()
}

func TestPerfectWireInOrderWithDelay(t *testing.T) {
	rec, st := run(t, Faults{Delay: 10 * time.Millisecond}, 1, 5, time.Millisecond)
	if diff := cmp.Diff([]int{0, 1, 2, 3, 4}, numbers(rec.frames)); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{10, 11, 12, 13, 14}, durationsMs(rec.at)); diff != "" {
		t.Errorf("arrival ms (-want +got):\n%s", diff)
	}
	if st.Sent != 5 || st.Delivered != 5 {
		t.Errorf("stats %+v", st)
	}
}

func durationsMs(ds []time.Duration) []time.Duration {
	var out []time.Duration
	for _, d := range ds {
		out = append(out, d/time.Millisecond)
	}
	return out
}

func TestFaultsAreSeededAndNearTheirRates(t *testing.T) {
	f := Faults{Loss: 0.05, Duplicate: 0.02, Reorder: 0.10, Corrupt: 0.01, Delay: time.Millisecond, Jitter: 100 * time.Microsecond}
	const n = 20000
	rec1, st := run(t, f, 42, n, 100*time.Microsecond)
	rec2, _ := run(t, f, 42, n, 100*time.Microsecond)
	if !slices.EqualFunc(rec1.frames, rec2.frames, bytes.Equal) {
		t.Fatal("the same seed gave different deliveries")
	}
	rec3, _ := run(t, f, 43, n, 100*time.Microsecond)
	if slices.EqualFunc(rec1.frames, rec3.frames, bytes.Equal) {
		t.Fatal("a different seed gave the same deliveries")
	}
	near := func(name string, got uint64, p float64) {
		want := p * n
		if sd := math.Sqrt(want * (1 - p)); math.Abs(float64(got)-want) > 5*sd {
			t.Errorf("%s: %d of %d, want about %.0f", name, got, n, want)
		}
	}
	near("lost", st.Lost, f.Loss)
	near("duplicated", st.Duplicated, f.Duplicate*(1-f.Loss))
	near("reordered", st.Reordered, f.Reorder*(1-f.Loss))
	if st.Delivered != uint64(len(rec1.frames)) || st.Delivered != st.Sent-st.Lost+st.Duplicated {
		t.Errorf("stats do not add up: %+v, %d delivered", st, len(rec1.frames))
	}
	// Reordering is visible; corruption flipped exactly one bit.
	inversions, corrupted := 0, 0
	nums := numbers(rec1.frames)
	for i := 1; i < len(nums); i++ {
		if nums[i] < nums[i-1] {
			inversions++
		}
	}
	for _, fr := range rec1.frames {
		var ones int
		for i, c := range fr {
			if i >= header.EthernetLen && i < header.EthernetLen+4 {
				continue // the number itself
			}
			for ; c != 0; c &= c - 1 {
				ones++
			}
		}
		if ones > 1 {
			t.Fatalf("a frame has %d flipped bits", ones)
		}
		corrupted += ones
	}
	if inversions == 0 || corrupted == 0 {
		t.Errorf("inversions %d, corrupted frames %d: faults not visible", inversions, corrupted)
	}
}

func TestRateLimit(t *testing.T) {
	// 1 Mbit/s: a 64-byte frame takes 512 µs on the wire; ten sent at once
	// arrive 512 µs apart, and a short queue drops the tail.
	rec, st := run(t, Faults{RateBps: 1_000_000, QueueLimit: 8}, 1, 1, 0)
	if len(rec.at) != 1 || rec.at[0] != 512*time.Microsecond {
		t.Fatalf("one frame arrived at %v, want 512µs", rec.at)
	}
	clk := clock.NewManual(epoch)
	a, b := Pair(PairConfig{AtoB: Faults{RateBps: 1_000_000, QueueLimit: 8}, Clock: clk})
	rec = &recorder{clk: clk}
	b.Attach(rec)
	for i := 0; i < 10; i++ {
		a.WritePacket(numbered(i))
	}
	clk.Advance(time.Second)
	st = a.Stats()
	if st.QueueDrops != 2 || len(rec.at) != 8 {
		t.Fatalf("stats %+v, %d delivered; want 8 delivered, 2 tail drops", st, len(rec.at))
	}
	for i, at := range rec.at {
		if want := time.Duration(i+1) * 512 * time.Microsecond; at != want {
			t.Errorf("frame %d at %v, want %v", i, at, want)
		}
	}
}

func TestMTUAndClose(t *testing.T) {
	a, b := Pair(PairConfig{MTU: 100, Clock: clock.NewManual(epoch)})
	if err := a.WritePacket(make([]byte, 115)); err == nil {
		t.Error("a frame over the MTU was accepted")
	}
	if err := a.WritePacket(make([]byte, 114)); err != nil {
		t.Error(err)
	}
	b.Close()
	a.Close()
	if err := a.WritePacket(make([]byte, 60)); err != ErrClosed {
		t.Errorf("write after close: %v", err)
	}
}

func TestRealClockKeepsOrder(t *testing.T) {
	a, b := Pair(PairConfig{})
	got := make(chan int, 100)
	b.Attach(dispatchFunc(func(f []byte) { got <- int(binary.BigEndian.Uint32(f[header.EthernetLen:])) }))
	for i := 0; i < 100; i++ {
		a.WritePacket(numbered(i))
	}
	for i := 0; i < 100; i++ {
		select {
		case n := <-got:
			if n != i {
				t.Fatalf("frame %d arrived as number %d", n, i)
			}
		case <-time.After(testenv.Patience):
			t.Fatalf("frame %d never arrived", i)
		}
	}
}

type dispatchFunc func([]byte)

func (f dispatchFunc) DeliverFrame(b []byte) { f(b) }

func TestSnifferWritesPcap(t *testing.T) {
	clk := clock.NewManual(epoch)
	a, b := Pair(PairConfig{MACA: header.MAC{2, 0, 0, 0, 0, 1}, MACB: header.MAC{2, 0, 0, 0, 0, 2}, AtoB: Faults{Delay: time.Millisecond}, Clock: clk})
	path := filepath.Join(t.TempDir(), "run.pcap")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSniffer(a, file, clk)
	if err != nil {
		t.Fatal(err)
	}
	s.Attach(dispatchFunc(func([]byte) {}))
	b.Attach(dispatchFunc(func(f []byte) {
		reply := append([]byte(nil), f...)
		header.EncodeARP(reply[header.EthernetLen:], header.ARPReply, b.MAC(), ipOf(2), a.MAC(), ipOf(1))
		header.EncodeEthernet(reply, a.MAC(), b.MAC(), header.EtherTypeARP)
		b.WritePacket(reply)
	}))
	req := make([]byte, header.EthernetLen+header.ARPLen)
	header.EncodeEthernet(req, header.Broadcast, a.MAC(), header.EtherTypeARP)
	header.EncodeARP(req[header.EthernetLen:], header.ARPRequest, a.MAC(), ipOf(1), header.MAC{}, ipOf(2))
	if err := s.WritePacket(req); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	file.Close()

	f, _ := os.Open(path)
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Errorf("link type %v", r.LinkType())
	}
	var ops []uint16
	var times []time.Duration
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		arp, ok := pkt.Layer(layers.LayerTypeARP).(*layers.ARP)
		if !ok {
			t.Fatalf("captured frame is not ARP: %v", pkt)
		}
		ops = append(ops, arp.Operation)
		times = append(times, ci.Timestamp.Sub(epoch))
	}
	if diff := cmp.Diff([]uint16{layers.ARPRequest, layers.ARPReply}, ops); diff != "" {
		t.Errorf("captured (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{0, time.Millisecond}, times); diff != "" {
		t.Errorf("timestamps (-want +got):\n%s", diff)
	}
}

func ipOf(n byte) netip.Addr { return netip.AddrFrom4([4]byte{198, 18, 0, n}) }

// TestInFlight: a frame counts as in flight from WritePacket until the
// receiving end has finished with it, delivery included, so a frame sent
// back during delivery is never missed by a caller waiting for a quiet
// wire.
func TestInFlight(t *testing.T) {
	clk := clock.NewManual(epoch)
	a, b := Pair(PairConfig{Clock: clk, AtoB: Faults{Delay: time.Millisecond}, BtoA: Faults{Delay: time.Millisecond}})
	var during []int
	b.Attach(dispatchFunc(func([]byte) {
		during = append(during, a.InFlight())
		b.WritePacket(numbered(2)) // the answer leaves before the delivery ends
	}))
	a.Attach(dispatchFunc(func([]byte) {}))
	if err := a.WritePacket(numbered(1)); err != nil {
		t.Fatal(err)
	}
	if a.InFlight() != 1 || b.InFlight() != 0 {
		t.Fatalf("after one write: in flight %d and %d, want 1 and 0", a.InFlight(), b.InFlight())
	}
	clk.Advance(time.Millisecond)
	if !slices.Equal(during, []int{1}) || a.InFlight() != 0 || b.InFlight() != 1 {
		t.Errorf("during delivery %v (want [1]); after it %d and %d, want 0 and 1", during, a.InFlight(), b.InFlight())
	}
	clk.Advance(time.Millisecond)
	if a.InFlight() != 0 || b.InFlight() != 0 {
		t.Errorf("after the answer: in flight %d and %d, want 0 and 0", a.InFlight(), b.InFlight())
	}
}
