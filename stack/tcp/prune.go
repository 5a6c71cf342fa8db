// prune.go gives out-of-order data back to the memory budget under
// pressure: Linux's tcp_prune_ofo_queue, applied across the stack.

package tcp

import "slices"

// wantPrune asks for the out-of-order queues to be pruned: a receive was
// refused memory while out-of-order data is held somewhere. The prune
// runs after the asking endpoint's lock is released (pruneIfWanted), as
// it takes the other endpoints' locks one at a time.
func (p *Protocol) wantPrune() {
	if p.stack.Budget.UnderPressure() && p.oooTotal.Load() > 0 {
		p.pruneAsked.Store(true)
	}
}

// pruneIfWanted runs a prune that wantPrune asked for; the caller holds
// no endpoint lock.
func (p *Protocol) pruneIfWanted() {
	if p.pruneAsked.Load() && p.pruneAsked.CompareAndSwap(true, false) {
		p.pruneOFO()
	}
}

// pruneOFO drops out-of-order data ("reneges", which RFC 2018 §8
// permits: the sender keeps what it sent until it is cumulatively
// acknowledged) until the budget leaves memory pressure. Linux's
// tcp_prune_ofo_queue prunes the queue of the socket that needs memory,
// from its highest sequence down, for as long as TCP is under pressure;
// with one budget shared by every socket, a connection that holds data
// behind a hole must give it up for another's in-order data, or peers
// that never fill their holes keep the budget for good. So the prune
// walks every connection, the largest holders first, each from its
// highest sequence down.
func (p *Protocol) pruneOFO() {
	p.pruneMu.Lock()
	defer p.pruneMu.Unlock()
	type holder struct {
		e *Endpoint
		n int
	}
	var hs []holder
	for _, e := range p.Endpoints() {
		e.mu.Lock()
		if e.oooBytes > 0 {
			hs = append(hs, holder{e, e.oooBytes})
		}
		e.mu.Unlock()
	}
	slices.SortFunc(hs, func(a, b holder) int { return b.n - a.n })
	for _, h := range hs {
		if !p.stack.Budget.UnderPressure() {
			return
		}
		h.e.mu.Lock()
		h.e.pruneOFOLocked()
		h.e.mu.Unlock()
	}
}

// pruneOFOLocked drops this connection's out-of-order segments, highest
// first, while the budget is under pressure. As Linux does after a
// prune, the SACK blocks are reset (tcp_sack_reset): they must not
// report data we no longer hold.
func (e *Endpoint) pruneOFOLocked() {
	pruned := false
	for len(e.ooo) > 0 && e.p.stack.Budget.UnderPressure() {
		top := 0
		for i, o := range e.ooo {
			if e.ooo[top].seq.LessThan(o.seq) {
				top = i
			}
		}
		n := len(e.ooo[top].data)
		e.ooo[top] = e.ooo[len(e.ooo)-1]
		e.ooo[len(e.ooo)-1] = oooSegment{}
		e.ooo = e.ooo[:len(e.ooo)-1]
		e.oooBytes -= n
		e.p.oooTotal.Add(-int64(n))
		e.memUsed -= int64(n)
		e.p.stack.Budget.Release(int64(n))
		pruned = true
	}
	if pruned {
		e.rcvSack.reset()
		e.p.stack.Counters.TCPOFOPruned.Add(1)
	}
}
