// pair.go is an in-memory Ethernet wire between two endpoints, with faults
// injected from a seeded random source: this machine's kernel has no
// netem, so loss, duplication, reordering, delay, corruption and rate
// limits live in our own link.

package link

import (
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

// InFlight returns how many frames this end sent that the other end has
// not finished receiving: frames on the wire, and one being handed over
// (whose processing may still send frames of its own). Zero on both ends
// means the wire is quiet until a timer or a caller sends again.
func (e *PairEndpoint) InFlight() int {
	e.out.mu.Lock()
	defer e.out.mu.Unlock()
	return len(e.out.queue) + e.out.delivering
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
// Frames are copied into pooled buffers, kept in a typed heap and
// delivered by one re-armed timer, so that a frame on the wire costs no
// allocation in steady state.
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
	// delivering counts frames popped from the queue whose delivery has
	// not returned yet.
	delivering int
	// timer delivers the frames due at the head of the queue; armedAt is
	// when it is set to fire (meaningful while armed).
	timer   clock.Timer
	armed   bool
	armedAt time.Time
	bufs    sync.Pool // *[]byte of MTU + Ethernet header capacity
	// deliverMu serializes deliveries so frames due together arrive in
	// order even when the real clock runs callbacks concurrently.
	deliverMu sync.Mutex
}

type flight struct {
	at    time.Time
	seq   uint64
	frame *[]byte
}

func newWire(f Faults, clk clock.Clock, rng *rand.Rand, to *PairEndpoint) *wire {
	if f.QueueLimit == 0 {
		f.QueueLimit = 1000
	}
	if f.ReorderDelay == 0 {
		f.ReorderDelay = max(f.Delay+time.Millisecond, time.Millisecond)
	}
	w := &wire{f: f, clk: clk, rng: rng, to: to}
	size := to.mtu + header.EthernetLen
	w.bufs.New = func() any { b := make([]byte, size); return &b }
	return w
}

func (w *wire) send(frame []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stats.Sent++
	if w.f.Loss > 0 && w.rng.Float64() < w.f.Loss {
		w.stats.Lost++
		return
	}
	now := w.clk.Now()
	depart := now
	if w.f.RateBps > 0 {
		if len(w.queue) >= w.f.QueueLimit {
			w.stats.QueueDrops++
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
	for i := 0; i < copies; i++ {
		bp := w.bufs.Get().(*[]byte)
		c := (*bp)[:copy((*bp)[:cap(*bp)], frame)]
		*bp = c
		if w.f.Corrupt > 0 && len(c) > 0 && w.rng.Float64() < w.f.Corrupt {
			bit := w.rng.IntN(len(c) * 8)
			c[bit/8] ^= 1 << (bit % 8)
			w.stats.Corrupted++
		}
		w.seq++
		w.queue.push(flight{at: at, seq: w.seq, frame: bp})
	}
	w.armLocked(now)
}

// armLocked sets the timer for the frame at the head of the queue, unless
// it is already set to fire by then.
func (w *wire) armLocked(now time.Time) {
	if len(w.queue) == 0 {
		return
	}
	at := w.queue[0].at
	if w.armed && !at.Before(w.armedAt) {
		return
	}
	w.armed, w.armedAt = true, at
	if w.timer == nil {
		w.timer = w.clk.AfterFunc(at.Sub(now), w.deliverDue)
		return
	}
	w.timer.Reset(at.Sub(now))
}

// deliverDue hands over, in order, every frame whose time has come, then
// sets the timer for the next.
func (w *wire) deliverDue() {
	w.deliverMu.Lock()
	defer w.deliverMu.Unlock()
	w.mu.Lock()
	w.armed = false
	for {
		now := w.clk.Now()
		if len(w.queue) == 0 || w.queue[0].at.After(now) {
			w.armLocked(now)
			w.mu.Unlock()
			return
		}
		f := w.queue.pop()
		w.stats.Delivered++
		w.delivering++
		w.mu.Unlock()
		w.to.deliver(*f.frame)
		w.bufs.Put(f.frame)
		w.mu.Lock()
		w.delivering--
	}
}

// flightHeap is a min-heap by (at, seq), typed so that pushing a frame
// boxes nothing.
type flightHeap []flight

func (h flightHeap) less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}

func (h *flightHeap) push(f flight) {
	*h = append(*h, f)
	q := *h
	for i := len(q) - 1; i > 0; {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			break
		}
		q[i], q[parent] = q[parent], q[i]
		i = parent
	}
}

func (h *flightHeap) pop() flight {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q[last] = flight{}
	q = q[:last]
	for i := 0; ; {
		small, l, r := i, 2*i+1, 2*i+2
		if l < len(q) && q.less(l, small) {
			small = l
		}
		if r < len(q) && q.less(r, small) {
			small = r
		}
		if small == i {
			break
		}
		q[i], q[small] = q[small], q[i]
		i = small
	}
	*h = q
	return top
}
