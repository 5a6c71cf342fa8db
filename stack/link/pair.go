// pair.go is an in-memory Ethernet wire between two endpoints, with faults
// injected from a seeded random source: this machine's kernel has no
// netem, so loss, duplication, reordering, delay, corruption and rate
// limits live in our own link.

package link

import (
	"container/heap"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/header"
)

// Faults describe one direction of the wire. Probabilities are in [0, 1].
type Faults struct {
	Loss      float64       // drop a frame
	Duplicate float64       // deliver a frame twice
	Reorder   float64       // hold a frame back by ReorderDelay so later ones pass it
	Corrupt   float64       // flip one random bit of a frame
	Delay     time.Duration // one-way latency
	Jitter    time.Duration // extra random latency in [0, Jitter); never reorders by itself
	// ReorderDelay is how long a reordered frame is held back; Delay+1ms
	// (at least 1ms) when 0.
	ReorderDelay time.Duration
	RateBps      int64 // bits per second on the wire; 0 is unlimited
	QueueLimit   int   // frames waiting on a rate-limited wire before tail drop; 1000 when 0
}

// Stats counts what a direction of the wire did.
type Stats struct {
	Sent, Delivered, Lost, Duplicated, Reordered, Corrupted, QueueDrops uint64
}

// PairConfig configures a wire.
type PairConfig struct {
	MTU   int // 1500 when 0
	MACA  header.MAC
	MACB  header.MAC
	AtoB  Faults
	BtoA  Faults
	Seed  uint64      // the same seed gives the same faults, frame for frame
	Clock clock.Clock // clock.Real when nil
}

// ErrClosed is returned when writing to a closed endpoint.
var ErrClosed = errors.New("link: endpoint closed")

// PairEndpoint is one end of an in-memory wire.
type PairEndpoint struct {
	mtu  int
	mac  header.MAC
	out  *wire // frames this end sends
	mu   sync.Mutex
	disp Dispatcher
	done bool
}

var _ Endpoint = (*PairEndpoint)(nil)

// Pair returns the two ends of a new wire.
func Pair(cfg PairConfig) (*PairEndpoint, *PairEndpoint) {
	if cfg.MTU == 0 {
		cfg.MTU = 1500
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	a := &PairEndpoint{mtu: cfg.MTU, mac: cfg.MACA}
	b := &PairEndpoint{mtu: cfg.MTU, mac: cfg.MACB}
	a.out = newWire(cfg.AtoB, cfg.Clock, rand.New(rand.NewPCG(cfg.Seed, 1)), b)
	b.out = newWire(cfg.BtoA, cfg.Clock, rand.New(rand.NewPCG(cfg.Seed, 2)), a)
	return a, b
}

func (e *PairEndpoint) MTU() int        { return e.mtu }
func (e *PairEndpoint) MAC() header.MAC { return e.mac }

func (e *PairEndpoint) Attach(d Dispatcher) {
	e.mu.Lock()
	e.disp = d
	e.mu.Unlock()
}

// WritePacket puts a copy of frame on the wire.
func (e *PairEndpoint) WritePacket(frame []byte) error {
	e.mu.Lock()
	done := e.done
	e.mu.Unlock()
	if done {
		return ErrClosed
	}
	if len(frame) > e.mtu+header.EthernetLen {
		return fmt.Errorf("link: frame of %d bytes exceeds MTU %d", len(frame), e.mtu)
	}
	e.out.send(frame)
	return nil
}

// Close stops this end from sending and receiving.
func (e *PairEndpoint) Close() error {
	e.mu.Lock()
	e.done = true
	e.disp = nil
	e.mu.Unlock()
	return nil
}

// Stats returns the counters of the direction this end sends on.
func (e *PairEndpoint) Stats() Stats {
	e.out.mu.Lock()
	defer e.out.mu.Unlock()
	return e.out.stats
}

func (e *PairEndpoint) deliver(frame []byte) {
	e.mu.Lock()
	d := e.disp
	e.mu.Unlock()
	if d != nil {
		d.DeliverFrame(frame)
	}
}

// wire is one direction: frames in flight, ordered by arrival time.
type wire struct {
	f     Faults
	clk   clock.Clock
	to    *PairEndpoint
	mu    sync.Mutex
	rng   *rand.Rand
	seq   uint64
	queue flightHeap
	// txFree is when the rate-limited wire finishes sending what it has.
	txFree time.Time
	// lastAt is the latest arrival scheduled for an in-order frame: jitter
	// may delay a frame but not let it pass an earlier one.
	lastAt time.Time
	stats  Stats
	// deliverMu serializes deliveries so frames due together arrive in
	// order even when the real clock runs callbacks concurrently.
	deliverMu sync.Mutex
}

type flight struct {
	at    time.Time
	seq   uint64
	frame []byte
}

func newWire(f Faults, clk clock.Clock, rng *rand.Rand, to *PairEndpoint) *wire {
	if f.QueueLimit == 0 {
		f.QueueLimit = 1000
	}
	if f.ReorderDelay == 0 {
		f.ReorderDelay = max(f.Delay+time.Millisecond, time.Millisecond)
	}
	return &wire{f: f, clk: clk, rng: rng, to: to}
}

func (w *wire) send(frame []byte) {
	w.mu.Lock()
	w.stats.Sent++
	if w.f.Loss > 0 && w.rng.Float64() < w.f.Loss {
		w.stats.Lost++
		w.mu.Unlock()
		return
	}
	now := w.clk.Now()
	depart := now
	if w.f.RateBps > 0 {
		if len(w.queue) >= w.f.QueueLimit {
			w.stats.QueueDrops++
			w.mu.Unlock()
			return
		}
		if w.txFree.After(depart) {
			depart = w.txFree
		}
		depart = depart.Add(time.Duration(int64(len(frame)) * 8 * int64(time.Second) / w.f.RateBps))
		w.txFree = depart
	}
	at := depart.Add(w.f.Delay)
	if w.f.Jitter > 0 {
		at = at.Add(time.Duration(w.rng.Int64N(int64(w.f.Jitter))))
	}
	if w.f.Reorder > 0 && w.rng.Float64() < w.f.Reorder {
		at = at.Add(w.f.ReorderDelay)
		w.stats.Reordered++
	} else {
		if at.Before(w.lastAt) {
			at = w.lastAt
		}
		w.lastAt = at
	}
	copies := 1
	if w.f.Duplicate > 0 && w.rng.Float64() < w.f.Duplicate {
		copies = 2
		w.stats.Duplicated++
	}
	var pending []time.Time
	for i := 0; i < copies; i++ {
		c := append([]byte(nil), frame...)
		if w.f.Corrupt > 0 && len(c) > 0 && w.rng.Float64() < w.f.Corrupt {
			bit := w.rng.IntN(len(c) * 8)
			c[bit/8] ^= 1 << (bit % 8)
			w.stats.Corrupted++
		}
		w.seq++
		heap.Push(&w.queue, flight{at: at, seq: w.seq, frame: c})
		pending = append(pending, at)
	}
	w.mu.Unlock()
	for _, at := range pending {
		w.clk.AfterFunc(at.Sub(now), w.deliverDue)
	}
}

// deliverDue hands over, in order, every frame whose time has come.
func (w *wire) deliverDue() {
	w.deliverMu.Lock()
	defer w.deliverMu.Unlock()
	for {
		w.mu.Lock()
		if len(w.queue) == 0 || w.queue[0].at.After(w.clk.Now()) {
			w.mu.Unlock()
			return
		}
		f := heap.Pop(&w.queue).(flight)
		w.stats.Delivered++
		w.mu.Unlock()
		w.to.deliver(f.frame)
	}
}

type flightHeap []flight

func (h flightHeap) Len() int { return len(h) }
func (h flightHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h flightHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *flightHeap) Push(x any)   { *h = append(*h, x.(flight)) }
func (h *flightHeap) Pop() any {
	old := *h
	f := old[len(old)-1]
	*h = old[:len(old)-1]
	return f
}
