// faults.go wraps any Endpoint (a TAP device, most usefully) with the
// Pair's fault model — loss, duplication, reordering, corruption, delay —
// in both directions, since this machine's kernel has no netem.

package link

import (
	"math/rand/v2"
	"sync/atomic"

	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/header"
)

// FaultyEndpoint is an Endpoint whose frames pass through a faulty wire on
// the way out (before the wrapped driver sends them) and on the way in
// (before the stack sees them).
type FaultyEndpoint struct {
	inner    Endpoint
	out, in  *wire // nil: that direction passes frames straight through
	toInner  *PairEndpoint
	toStack  *PairEndpoint
	upstream atomic.Pointer[dispatcherBox]

	writeErrors atomic.Uint64
}

var _ Endpoint = (*FaultyEndpoint)(nil)

// WithFaults applies f to both directions of ep. The same seed gives the
// same fault decisions frame for frame; clk (clock.Real when nil) times
// delays and held-back frames.
func WithFaults(ep Endpoint, f Faults, seed uint64, clk clock.Clock) *FaultyEndpoint {
	return WithFaultsEach(ep, f, f, seed, clk)
}

// WithFaultsEach applies out to the frames the stack sends and in to the
// frames it receives.
func WithFaultsEach(ep Endpoint, out, in Faults, seed uint64, clk clock.Clock) *FaultyEndpoint {
	if clk == nil {
		clk = clock.Real{}
	}
	e := &FaultyEndpoint{inner: ep}
	// The Pair's wire delivers to a PairEndpoint; two private ones adapt it:
	// one hands outgoing frames to the driver, the other incoming ones to
	// the stack. The wire's mtu check is the driver's, done by the driver.
	e.toInner = &PairEndpoint{mtu: ep.MTU(), mac: ep.MAC(), disp: frameFunc(e.sendInner)}
	e.toStack = &PairEndpoint{mtu: ep.MTU(), mac: ep.MAC(), disp: frameFunc(e.deliverUp)}
	if out != (Faults{}) {
		e.out = newWire(out, clk, rand.New(rand.NewPCG(seed, 3)), e.toInner)
	}
	if in != (Faults{}) {
		e.in = newWire(in, clk, rand.New(rand.NewPCG(seed, 4)), e.toStack)
	}
	return e
}

type frameFunc func([]byte)

func (f frameFunc) DeliverFrame(b []byte) { f(b) }

func (e *FaultyEndpoint) MTU() int        { return e.inner.MTU() }
func (e *FaultyEndpoint) MAC() header.MAC { return e.inner.MAC() }

// Attach sets where received frames go, after the incoming faults.
func (e *FaultyEndpoint) Attach(d Dispatcher) {
	e.upstream.Store(&dispatcherBox{d})
	e.inner.Attach(frameFunc(e.receive))
}

// WritePacket puts frame on the outgoing faulty wire. A frame the wire
// drops is not an error, as on a real lossy link; errors of the driver
// for frames sent later (after a delay) are counted in Stats.
func (e *FaultyEndpoint) WritePacket(frame []byte) error {
	if e.out == nil {
		return e.inner.WritePacket(frame)
	}
	if pairClosed(e.toInner) {
		return ErrClosed
	}
	e.out.send(frame)
	return nil
}

// Close stops both directions and closes the wrapped driver; frames still
// held back are dropped.
func (e *FaultyEndpoint) Close() error {
	e.toInner.Close()
	e.toStack.Close()
	return e.inner.Close()
}

// Stats returns the counters of the outgoing and incoming directions.
func (e *FaultyEndpoint) Stats() (out, in Stats) {
	if e.out != nil {
		e.out.mu.Lock()
		out = e.out.stats
		e.out.mu.Unlock()
	}
	if e.in != nil {
		e.in.mu.Lock()
		in = e.in.stats
		e.in.mu.Unlock()
	}
	return out, in
}

// WriteErrors counts frames the wrapped driver refused after the wire
// delayed them.
func (e *FaultyEndpoint) WriteErrors() uint64 { return e.writeErrors.Load() }

func (e *FaultyEndpoint) receive(frame []byte) {
	if e.in == nil {
		e.deliverUp(frame)
		return
	}
	e.in.send(frame) // copies: the driver reuses its buffer
}

func (e *FaultyEndpoint) sendInner(frame []byte) {
	if err := e.inner.WritePacket(frame); err != nil {
		e.writeErrors.Add(1)
	}
}

func (e *FaultyEndpoint) deliverUp(frame []byte) {
	if pairClosed(e.toStack) {
		return
	}
	if b := e.upstream.Load(); b != nil {
		b.d.DeliverFrame(frame)
	}
}

// pairClosed reports whether Close was called on one of the adapters.
func pairClosed(p *PairEndpoint) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}
