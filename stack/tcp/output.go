// output.go sends segments and runs the connection's timers:
// retransmission (RFC 6298), delayed ACK, zero-window probing, keepalive,
// TIME_WAIT and the orphan FIN_WAIT_2 bound.

package tcp

import (
	"net/netip"
	"syscall"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/header"
)

// mssFor is the MSS we announce on a NIC: the MTU less the IPv4 and TCP
// headers (RFC 6691 §2: the MSS counts neither headers nor options).
func mssFor(nic *core.NIC) uint32 {
	if nic == nil {
		return 65535 - 40
	}
	return uint32(nic.MTU() - header.IPv4MinLen - header.TCPMinLen)
}

// initOptionsLocked prepares what our SYN offers.
func (e *Endpoint) initOptionsLocked(nic *core.NIC) {
	e.mss = mssFor(nic)
	e.rcvWScale = 0
	if !e.p.opt.NoWindowScale {
		e.rcvWScale = rcvWScaleFor(e.rcvBufLimit)
	}
}

// rcvWScaleFor is the window scale we offer for a receive buffer: RFC 7323
// §2.2's smallest shift that lets the window cover it.
func rcvWScaleFor(rcvBuf int) uint8 {
	s := uint8(0)
	for rcvBuf>>s > 65535 && s < 14 {
		s++
	}
	return s
}

// ourMSSOption is the MSS we announce in SYNs.
func (e *Endpoint) ourMSSOption() uint16 { return e.p.mssOptionTo(e.remote.Addr()) }

// mssOptionTo is the MSS we announce to remote: that of the NIC its route
// leaves by.
func (p *Protocol) mssOptionTo(remote netip.Addr) uint16 {
	if nic, _, ok := p.stack.FindRoute(remote); ok {
		return uint16(mssFor(nic))
	}
	return uint16(65535 - 40)
}

// tsNow is our timestamp clock: milliseconds (RFC 7323 §5.4 allows 1 ms
// to 1 s per tick).
func (e *Endpoint) tsNow() uint32 { return uint32(e.p.stack.Clock.Now().UnixMilli()) }

// rcvWindowLocked is the free space of the receive buffer.
func (e *Endpoint) rcvWindowLocked() uint32 {
	free := e.rcvBufLimit - e.rcvBuf.Len() - e.oooBytes
	return uint32(max(free, 0))
}

// advertisedLocked is the window field to send, scaled (RFC 7323 §2.3)
// and never shrinking the right edge we already offered (RFC 9293
// §3.8.6.2.2 discourages shrinking).
func (e *Endpoint) advertisedLocked() uint16 {
	w := e.rcvWindowLocked()
	e.lastAdvWnd = w
	w >>= e.rcvWScale
	return uint16(min(w, 65535))
}

// sendLocked sends one segment of the connection with the options every
// segment carries (timestamps when negotiated).
func (e *Endpoint) sendLocked(seq Seq, flags uint8, data []byte) {
	var o header.TCPOptions
	if e.tsOK {
		o.HasTS, o.TSVal, o.TSEcr = true, e.tsNow(), e.tsRecent
	}
	if flags&header.TCPAck != 0 {
		// RFC 2018 §4: while the out-of-order queue holds data, every
		// ACK reports it, most recent block first.
		if k := e.sackBlocksFor(len(data)); k > 0 {
			copy(o.SACK[:k], e.rcvSack.b[:k])
			o.NumSACK = k
		}
	}
	ack := Seq(0)
	if flags&header.TCPAck != 0 {
		ack = e.rcvNxt
	}
	e.p.sendRaw(e.local, e.remote, seq, ack, flags, e.advertisedLocked(), o, data)
	if len(data) > 0 {
		e.lastSend = e.p.stack.Clock.Now()
	}
	if flags&header.TCPAck != 0 {
		e.pendingAck = 0
		e.delack.stop()
	}
}

// sendFinLocked sends our FIN once every queued byte has been sent: it
// takes the next sequence number (RFC 9293 §3.10.4, CLOSE).
func (e *Endpoint) sendFinLocked() {
	e.finSeq = e.sndNxt
	e.finSent = true
	e.sndNxt = e.sndNxt.Add(1)
	e.sndMax = MaxSeq(e.sndMax, e.sndNxt)
	e.sendLocked(e.finSeq, header.TCPFin|header.TCPAck, nil)
}

// sendSynLocked sends our SYN (active open) or SYN,ACK (passive) and
// arms its retransmission timer.
func (e *Endpoint) sendSynLocked(synAck bool) {
	e.sendSynSegmentLocked(synAck)
	e.armRetransLocked()
}

// sendSynSegmentLocked sends our SYN or SYN,ACK, with MSS, window scale,
// SACK-permitted (RFC 2018 §2), and timestamps (RFC 7323 §3.2).
func (e *Endpoint) sendSynSegmentLocked(synAck bool) {
	o := header.TCPOptions{HasMSS: true, MSS: e.ourMSSOption()}
	if !e.p.opt.NoWindowScale && (!synAck || e.sndWScale != 0xff) {
		o.HasWS, o.WindowScale = true, e.rcvWScale
	}
	if !e.p.opt.NoTimestamps && (!synAck || e.tsOK) {
		o.HasTS, o.TSVal, o.TSEcr = true, e.tsNow(), e.tsRecent
	}
	// RFC 2018 §2: offered on a SYN, and on a SYN,ACK only in answer to
	// the peer's offer.
	o.SACKPermitted = !e.p.opt.NoSACK && (!synAck || e.sackOK)
	flags, ack := header.TCPSyn, Seq(0)
	if synAck {
		flags |= header.TCPAck
		ack = e.rcvNxt
	}
	// The window field of a SYN is never scaled (RFC 7323 §2.2).
	e.p.sendRaw(e.local, e.remote, e.iss, ack, flags, uint16(min(e.rcvWindowLocked(), 65535)), o, nil)
}

// sendAckLocked acknowledges what we have received. Its sequence number
// is the highest we have sent (SND.MAX), not a SND.NXT that a timeout has
// rewound: the peer's window already starts past the rewound value and it
// would drop the ACK as unacceptable (RFC 9293 §3.10.7.4), answering with
// its own ACK — two rewound peers would deadlock that way.
func (e *Endpoint) sendAckLocked() { e.sendLocked(e.sndMax, header.TCPAck, nil) }

// sendRstLocked resets the connection from our side.
func (e *Endpoint) sendRstLocked() {
	switch e.state {
	case stateClosed, stateListen:
		return
	}
	e.p.stack.Counters.TCPOutRsts.Add(1)
	e.p.sendRaw(e.local, e.remote, e.sndNxt, e.rcvNxt, header.TCPRst|header.TCPAck, 0, header.TCPOptions{}, nil)
}

// scheduleAckLocked acknowledges received data: at once for every second
// full segment (RFC 9293 §3.8.6.3 / RFC 5681 §4.2: "an ACK SHOULD be
// generated for at least every second full-sized segment"), otherwise
// after the delayed-ACK timeout (at most 500 ms; 40 ms as Linux).
func (e *Endpoint) scheduleAckLocked(now bool) {
	e.pendingAck++
	if now || e.pendingAck >= 2 {
		e.sendAckLocked()
		return
	}
	if !e.delack.armed {
		e.delack.arm(e, e.p.opt.DelayedAck, (*Endpoint).onDelayedAck)
	}
}

func (e *Endpoint) onDelayedAck() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.delack.fired(e.p.stack.Clock.Now()) && e.pendingAck > 0 && e.state != stateClosed {
		e.sendAckLocked()
	}
}

// maybeWindowUpdateLocked tells the peer about a window that reading has
// reopened, once it has grown by at least one MSS or half the buffer
// (receiver-side silly window avoidance, RFC 9293 §3.8.6.2.2).
func (e *Endpoint) maybeWindowUpdateLocked() {
	switch e.state {
	case stateEstablished, stateFinWait1, stateFinWait2:
	default:
		return
	}
	w := e.rcvWindowLocked()
	if w-min(w, e.lastAdvWnd) >= min(e.mss, uint32(e.rcvBufLimit/2)) {
		e.sendAckLocked()
	}
}

// flightLocked is the data (and SYN/FIN) sent and not yet acknowledged.
func (e *Endpoint) flightLocked() uint32 { return e.sndNxt.Sub(e.sndUna) }

// unsentLocked returns where in the send buffer the first unsent byte is,
// and how many bytes are left to send from there.
func (e *Endpoint) unsentLocked() (off, avail int) {
	off = int(e.flightLocked())
	if e.finSent {
		off-- // the FIN's sequence number is not a byte of sndBuf
	}
	return off, e.sndBuf.Len() - off
}

// sendDataLocked sends n bytes from offset off of the send buffer at
// SND.NXT, with PSH on the last byte queued, and advances SND.NXT and
// SND.MAX; it returns the segment's sequence number. Both send loops
// (NewReno's and SACK recovery's) use it.
func (e *Endpoint) sendDataLocked(off, n int) Seq {
	flags := header.TCPAck
	if off+n == e.sndBuf.Len() {
		flags |= header.TCPPsh
	}
	seq := e.sndNxt
	e.sendLocked(seq, flags, e.sndBuf.Bytes()[off:off+n])
	e.sndNxt = e.sndNxt.Add(uint32(n))
	e.sndMax = MaxSeq(e.sndMax, e.sndNxt)
	return seq
}

// trySendLocked sends what the windows allow: new data up to
// min(cwnd, the peer's window) (RFC 5681 §2), in segments of at most MSS,
// holding back a small segment while data is in flight (Nagle, RFC 9293
// §3.7.4), then our FIN once the data is all sent.
func (e *Endpoint) trySendLocked() {
	switch e.state {
	case stateEstablished, stateCloseWait, stateFinWait1, stateClosing, stateLastAck:
	default:
		return
	}
	if e.sackOK {
		e.trySACKSendLocked()
		return
	}
	for {
		off, avail := e.unsentLocked()
		if avail <= 0 {
			if e.finQueued && !e.finSent {
				e.sendFinLocked()
				e.armRetransLocked()
			}
			return
		}
		wnd := min(e.cc.Cwnd, e.sndWnd)
		flight := e.flightLocked()
		if flight >= wnd {
			if e.sndWnd == 0 && flight == 0 {
				e.armPersistLocked()
			}
			return
		}
		n := min(avail, int(e.mss), int(wnd-flight))
		last := off+n == e.sndBuf.Len()
		if n < int(e.mss) && flight > 0 && !(last && e.finQueued) {
			return // Nagle: wait for the ACK of what is in flight
		}
		resent := e.sndNxt.LessThan(e.sndMax)
		if resent {
			// Resent after a timeout's rewind: a retransmission, and no
			// RTT sample from it (Karn, RFC 6298 §3).
			e.p.stack.Counters.TCPRetransSegs.Add(1)
			e.totRetrans++
		}
		seq := e.sendDataLocked(off, n)
		if !resent && !e.rttTiming {
			e.rttTiming, e.rttSeq, e.rttStart = true, seq, e.p.stack.Clock.Now()
		}
		if !e.retrans.armed {
			e.armRetransLocked()
		}
	}
}

// retransmitLocked resends the first unacknowledged segment.
func (e *Endpoint) retransmitLocked() {
	e.p.stack.Counters.TCPRetransSegs.Add(1)
	e.totRetrans++
	switch e.state {
	case stateSynSent:
		e.sendSynLocked(false)
		return
	case stateSynRecv:
		e.sendSynLocked(true)
		return
	}
	// Karn's algorithm (RFC 6298 §3): no RTT sample from a retransmission.
	e.rttTiming = false
	dataUnacked := e.sndBuf.Len()
	sentData := int(e.flightLocked())
	if e.finSent {
		sentData--
	}
	n := min(dataUnacked, sentData, int(e.mss))
	if n > 0 {
		flags := header.TCPAck
		if n == dataUnacked {
			flags |= header.TCPPsh // as the original: PSH on the last data queued
		}
		e.sendLocked(e.sndUna, flags, e.sndBuf.Bytes()[:n])
	} else if e.finSent {
		e.sendLocked(e.finSeq, header.TCPFin|header.TCPAck, nil)
	}
	e.armRetransLocked()
}

func (e *Endpoint) setTimerLocked(kind collect.Timer, d time.Duration) {
	e.timerKind, e.timerAt = kind, e.p.stack.Clock.Now().Add(d)
}

// armRetransLocked (re)starts the retransmission timer with the current
// RTO (RFC 6298 §5.1, §5.3).
func (e *Endpoint) armRetransLocked() {
	e.rec.kind = rtxRTO
	d := e.rto.Current()
	e.setTimerLocked(collect.TimerRetrans, d)
	e.retrans.arm(e, d, (*Endpoint).onRetransTimeout)
}

func (e *Endpoint) stopRetransLocked() {
	e.retrans.stop()
	if e.timerKind == collect.TimerRetrans {
		e.timerKind = collect.TimerNone
	}
}

// onRetransTimeout is RFC 6298 §5.4-5.6: retransmit the earliest
// unacknowledged segment, back the timer off, and give up after the
// configured number of tries.
func (e *Endpoint) onRetransTimeout() {
	e.mu.Lock()
	var parent *Endpoint
	defer func() {
		e.mu.Unlock()
		if parent != nil {
			parent.childGone()
		}
	}()
	if !e.retrans.fired(e.p.stack.Clock.Now()) {
		return
	}
	limit := e.p.opt.Retries
	switch e.state {
	case stateSynSent, stateSynRecv:
		limit = e.p.opt.SynRetries
	case stateClosed, stateListen, stateFinWait2:
		return
	}
	if e.flightLocked() == 0 && e.state != stateSynSent && e.state != stateSynRecv {
		return
	}
	if e.sackOK && e.state != stateSynSent && e.state != stateSynRecv {
		// The timer may be RACK's or TLP's (recovery.go), which count
		// no retransmission timeout.
		switch e.rec.kind {
		case rtxReorder:
			e.onReorderTimeoutLocked()
			return
		case rtxProbe:
			e.onProbeTimeoutLocked()
			return
		}
	}
	if e.userClosed && e.state != stateSynSent && e.state != stateSynRecv {
		// Linux tcp_write_timeout for an orphan (SOCK_DEAD): its own,
		// smaller retry limit, and the resource check that may kill it
		// first.
		alive := e.rto.Current() < DefaultMaxRTO
		limit = e.orphanRetriesLocked(alive)
		if e.outOfResourcesLocked(alive || int(e.rto.Backoffs()) < limit) {
			return
		}
	}
	if int(e.rto.Backoffs()) >= limit {
		if e.state == stateSynRecv {
			parent = e.parent
		}
		e.writeErrLocked()
		return
	}
	if e.cc != nil && !(e.sackOK && e.state != stateSynSent && e.state != stateSynRecv) {
		e.cc.OnTimeout(e.flightLocked(), e.sndMax, e.rto.Backoffs() > 0)
	}
	if e.state != stateSynSent && e.state != stateSynRecv {
		e.p.stack.Counters.TCPTimeouts.Add(1)
	}
	if e.sackOK && e.state != stateSynSent && e.state != stateSynRecv {
		e.onSACKTimeoutLocked()
		return
	}
	e.rto.Backoff()
	e.retransCur++
	if e.state == stateSynSent || e.state == stateSynRecv {
		e.retransmitLocked()
		return
	}
	// RFC 6298 §5.4 retransmits the earliest segment; after a timeout the
	// whole window is presumed lost (RFC 5681 §3.1 restarts slow start),
	// so SND.NXT goes back to SND.UNA and the send loop resends as the
	// congestion window reopens. A FIN beyond the rewind is resent too.
	e.rttTiming = false
	e.tsRewind = e.tsNow()
	e.sndNxt = e.sndUna
	if e.finSent && !e.finSeq.LessThan(e.sndUna) {
		e.finSent = false
	}
	e.trySendLocked()
	e.armRetransLocked()
}

// armPersistLocked starts zero-window probing (RFC 9293 §3.8.6.1): the
// peer's window is closed and nothing is in flight, so only a probe will
// learn when it reopens. Probes back off like the RTO (to TCP_RTO_MAX)
// and never give up while the peer answers them (RFC 1122 §4.2.2.17);
// onPersist ends the connection when they go unanswered.
func (e *Endpoint) armPersistLocked() {
	if e.persist.armed {
		return
	}
	d := min(e.rto.Current()<<min(e.persistBackoff, 10), DefaultMaxRTO)
	e.setTimerLocked(collect.TimerProbe, d)
	e.persist.arm(e, d, (*Endpoint).onPersist)
}

func (e *Endpoint) onPersist() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.persist.fired(e.p.stack.Clock.Now()) {
		return
	}
	if e.sndWnd != 0 || e.state == stateClosed {
		e.persistBackoff, e.probesOut = 0, 0
		return
	}
	// Linux tcp_probe_timer: every ACK from the peer resets the count of
	// probes out (processAckLocked), so only probes that go unanswered
	// count, and tcp_retries2 of them in a row end the connection like
	// unanswered retransmissions do. Without this a peer that opened a
	// download with a zero window and left held its send buffer for good.
	limit := e.p.opt.Retries
	if e.userClosed {
		// An orphan (SOCK_DEAD) has tcp_orphan_retries, and once its
		// backed-off interval reaches TCP_RTO_MAX it is ended even
		// while the peer answers: nobody will read what it would send.
		alive := e.rto.Current()<<min(e.persistBackoff, 20) < DefaultMaxRTO
		limit = e.orphanRetriesLocked(alive)
		if !alive && int(e.persistBackoff) >= limit {
			e.writeErrLocked()
			return
		}
		if e.outOfResourcesLocked(true) {
			return
		}
	}
	if e.probesOut >= limit {
		e.writeErrLocked()
		return
	}
	// Linux's probe: a bare ACK with an old sequence number, which the
	// peer must answer with its current window.
	e.sendLocked(e.sndUna-1, header.TCPAck, nil)
	e.probesOut++
	// tcp_send_probe0 stops backing off at tcp_retries2 doublings; the
	// interval is capped at TCP_RTO_MAX long before.
	if e.persistBackoff < uint(e.p.opt.Retries) {
		e.persistBackoff++
	}
	e.armPersistLocked()
}

// writeErrLocked ends a connection whose peer stopped answering (Linux
// tcp_write_err): the error is ETIMEDOUT, or the soft ICMP error seen
// meanwhile, which explains the silence better (RFC 1122 §4.2.3.9).
func (e *Endpoint) writeErrLocked() {
	err := error(syscall.ETIMEDOUT)
	if e.softErr != nil {
		err = e.softErr
	}
	e.p.stack.Counters.TCPAbortOnTimeout.Add(1)
	e.abortLocked(err, true)
}

// armKeepaliveLocked schedules the next keepalive check (RFC 9293 §3.8.4:
// off by default, at least two hours idle).
func (e *Endpoint) armKeepaliveLocked(d time.Duration) {
	if e.timerKind == collect.TimerNone {
		e.setTimerLocked(collect.TimerKeepalive, d)
	}
	e.keep.arm(e, d, (*Endpoint).onKeepalive)
}

func (e *Endpoint) onKeepalive() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.keep.fired(e.p.stack.Clock.Now()) {
		return
	}
	if !e.keepalive || (e.state != stateEstablished && e.state != stateCloseWait) {
		return
	}
	idle := e.p.stack.Clock.Now().Sub(e.lastRecv)
	if e.keepProbes == 0 && idle < e.p.opt.KeepaliveIdle {
		e.armKeepaliveLocked(e.p.opt.KeepaliveIdle - idle)
		return
	}
	if e.keepProbes >= e.p.opt.KeepaliveProbes {
		e.writeErrLocked()
		return
	}
	// The probe: SEG.SEQ = SND.NXT-1 with no data, which the peer ACKs.
	e.sendLocked(e.sndNxt-1, header.TCPAck, nil)
	e.keepProbes++
	e.armKeepaliveLocked(e.p.opt.KeepaliveIntvl)
}

// armCloseTimerLocked bounds an orphaned FIN_WAIT_2 (tcp_fin_timeout).
func (e *Endpoint) armCloseTimerLocked() {
	if e.closeT.armed {
		return
	}
	e.closeT.arm(e, finTimeout, (*Endpoint).onCloseTimer)
}

// onCloseTimer ends an orphaned FIN_WAIT_2.
func (e *Endpoint) onCloseTimer() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closeT.fired(e.p.stack.Clock.Now()) && e.state == stateFinWait2 && e.userClosed {
		e.abortLocked(nil, false)
	}
}

func (e *Endpoint) stopTimersLocked() {
	for _, t := range [...]*epTimer{&e.retrans, &e.delack, &e.persist, &e.keep, &e.closeT} {
		t.stop()
	}
	e.timerKind = collect.TimerNone
}

// abortLocked ends the connection at once with err (nil: a quiet end),
// counting a failed attempt when the handshake never finished.
func (e *Endpoint) abortLocked(err error, count bool) {
	c := &e.p.stack.Counters
	switch e.state {
	case stateSynSent, stateSynRecv:
		if count || err != nil {
			c.TCPAttemptFails.Add(1)
		}
	}
	if e.err == nil {
		e.err = err
	}
	e.releaseLocked()
}

// releaseLocked moves to CLOSED and gives back the tuple, the port and the
// buffers. The control block itself is freed when the application closes
// its descriptor too.
func (e *Endpoint) releaseLocked() {
	if e.orphaned {
		e.orphaned = false
		e.p.orphans.Add(-1)
	}
	e.stopTimersLocked()
	e.state = stateClosed
	e.p.unregister(e, tuple{e.local, e.remote})
	if e.bound {
		e.p.releasePort(e.local.Port(), false)
		e.bound = false
	}
	// Received data stays readable after a graceful end (the peer's FIN,
	// then ours acknowledged) until the application closes the socket;
	// only an abort (reset, timeout) or the close itself discards it.
	buffered := int64(e.sndBuf.Len() + e.oooBytes)
	e.sndBuf.Reset()
	e.sb.reset()
	e.p.oooTotal.Add(-int64(e.oooBytes))
	e.ooo, e.oooBytes = nil, 0
	e.rcvSack.reset()
	if e.userClosed || e.err != nil {
		buffered += int64(e.rcvBuf.Len())
		e.rcvBuf.Reset()
	}
	e.memUsed -= buffered
	e.p.stack.Budget.Release(buffered)
	// Free the control block when no descriptor can refer to it any more:
	// the application closed it, or it is a connection that was never
	// accepted.
	if e.userClosed || (e.parent != nil && !e.accepted) {
		e.p.stack.Budget.Release(e.memUsed)
		e.memUsed = 0
		e.p.forget(e)
	}
	e.wakeLocked()
}
