// orphan.go bounds orphans — connections whose application has closed
// them, which the stack finishes alone — as Linux does: fewer retries
// (tcp_orphan_retries), a cap on how many there may be (tcp_max_orphans),
// and a reset instead of a graceful close when orphans or memory run
// short (tcp_check_oom, tcp_out_of_resources).

package tcp

// orphanLocked is called by Close when the connection lives on after its
// application let go of it. As Linux tcp_close does, it counts the new
// orphan and resets the connection at once when there are too many or
// memory is short, rather than let it hold its buffers for minutes.
func (e *Endpoint) orphanLocked() {
	e.orphaned = true
	e.p.orphans.Add(1)
	if e.checkOOMLocked(0) {
		e.sendRstLocked()
		e.p.stack.Counters.TCPAbortOnMemory.Add(1)
		e.abortLocked(nil, false)
	}
}

// checkOOMLocked is Linux tcp_check_oom: more orphans than allowed (their
// count doubled per shift, a penalty for a suspicious connection), or
// this connection holding more than its minimum of send buffer while the
// budget is under memory pressure (tcp_out_of_memory, where Linux asks
// whether tcp_mem[2] was passed; ours is never passed, the pressure mark
// is the budget's limit for buffers that a peer can make grow).
func (e *Endpoint) checkOOMLocked(shift uint) bool {
	if e.p.orphans.Load()<<shift > int64(e.p.opt.MaxOrphans) {
		return true
	}
	return e.sndBuf.Len() > minBuf && e.p.stack.Budget.UnderPressure()
}

// orphanRetriesLocked is Linux tcp_orphan_retries(): the retry limit of
// an orphan. alive says its backed-off timeout is still below
// TCP_RTO_MAX; a soft ICMP error on a connection that is no longer alive
// leaves no retry at all.
func (e *Endpoint) orphanRetriesLocked(alive bool) int {
	r := e.p.opt.OrphanRetries
	if e.softErr != nil && !alive {
		r = 0
	}
	if r == 0 && alive {
		r = 8 // "8 corresponds to >100 seconds with minimal RTO of 200msec"
	}
	return r
}

// outOfResourcesLocked is Linux tcp_out_of_resources, run by an orphan's
// retransmission and probe timers: an orphan whose peer has not opened
// its window or been sent anything for 2*TCP_RTO_MAX, or that had a soft
// ICMP error, counts double against tcp_max_orphans; when orphans or
// memory are short it is ended, with a reset if it sent recently or its
// peer's window is closed (the peer is still there to hear it). It
// reports whether it ended the connection.
func (e *Endpoint) outOfResourcesLocked(doReset bool) bool {
	now := e.p.stack.Clock.Now()
	idle := now.Sub(e.lastSend)
	shift := uint(0)
	if idle > 2*DefaultMaxRTO || !doReset {
		shift++
	}
	if e.softErr != nil {
		shift++
	}
	if !e.checkOOMLocked(shift) {
		return false
	}
	if idle <= 2*e.p.opt.MSL || (e.sndWnd == 0 && e.flightLocked() == 0) {
		doReset = true
	}
	if doReset {
		e.sendRstLocked()
	}
	e.p.stack.Counters.TCPAbortOnMemory.Add(1)
	e.abortLocked(nil, false)
	return true
}
