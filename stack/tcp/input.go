// input.go processes arriving segments: RFC 9293 §3.10.7, with RFC 5961's
// defences against blind resets, SYNs and data.

package tcp

import (
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gonetstat/gonetstat/stack/header"
)

// maxOOO bounds the out-of-order segments kept per connection.
const maxOOO = 256

// input handles one segment for this endpoint. Work that needs another
// endpoint's lock (a listener learning its child is established or gone)
// runs after this one's lock is released, to keep the lock order.
func (e *Endpoint) input(seg *segment) {
	e.mu.Lock()
	var after func()
	switch e.state {
	case stateListen:
		e.inputListenLocked(seg)
	case stateSynSent:
		e.inputSynSentLocked(seg)
	case stateClosed:
		e.mu.Unlock()
		e.p.resetClosed(seg)
		return
	default:
		after = e.inputSynchronizedLocked(seg)
	}
	e.mu.Unlock()
	if after != nil {
		after()
	}
	e.p.pruneIfWanted()
}

// inputListenLocked is §3.10.7.2: a SYN makes a child in SYN_RECEIVED.
// When the accept queue is full the SYN is dropped and the peer retries,
// as Linux does (sk_acceptq_is_full); when the SYN queue (the children
// still in SYN_RECEIVED, bounded by the backlog as Linux's
// inet_csk_reqsk_queue_is_full) is full, or the memory budget cannot hold
// another control block, the SYN is answered with a SYN cookie
// (syncookie.go), which costs nothing until the handshake completes.
func (e *Endpoint) inputListenLocked(seg *segment) {
	c := &e.p.stack.Counters
	switch {
	case seg.has(header.TCPRst):
		return
	case seg.has(header.TCPAck):
		if !seg.has(header.TCPSyn) && e.cookieAckLocked(seg) {
			return
		}
		e.p.resetClosed(seg)
		return
	case !seg.has(header.TCPSyn):
		return
	case seg.has(header.TCPFin):
		// SYN+FIN has no honest use (scanners send it to slip past
		// filters); Linux's tcp_rcv_state_process drops it in LISTEN.
		return
	}
	if len(e.acceptQ) >= e.backlog {
		c.TCPListenDrops.Add(1)
		return
	}
	// A SYN that reopens a TIME_WAIT gets no cookie: its ISS must clear
	// the old incarnation's. Nor is it held to the SYN queue's bound,
	// which the time-wait block it ended (timewait.go) already paid for:
	// Linux's tcp_conn_request checks inet_csk_reqsk_queue_is_full, and
	// wants a cookie, only when !isn. Dropped instead, its retransmission
	// would find no TIME_WAIT and get a cookie after all.
	cookie := !e.p.opt.NoSYNCookies && !seg.hasISNFloor
	queueFull := e.synRcvd >= e.backlog && !seg.hasISNFloor
	if queueFull && cookie {
		e.sendCookieLocked(seg)
		return
	}
	if queueFull || !e.p.stack.Budget.Take(SocketMemory) {
		if cookie {
			e.sendCookieLocked(seg)
			return
		}
		c.TCPListenDrops.Add(1)
		return
	}
	ch := e.newChildLocked(seg)
	if ch == nil {
		return
	}
	e.synRcvd++
	ch.mu.Lock()
	defer ch.mu.Unlock()
	ch.initOptionsLocked(e.p.stack.NICFor(seg.dst.Addr()))
	ch.irs = seg.seq
	ch.rcvNxt = seg.seq.Add(1)
	// The ISS first: congestion control starts RFC 6582's "recover" at it.
	ch.iss = e.p.isn.ISN(ch.local, ch.remote, e.p.stack.Clock.Now())
	if seg.hasISNFloor && ch.iss.LessThan(seg.isnFloor) {
		ch.iss = seg.isnFloor
	}
	ch.sndUna, ch.sndNxt = ch.iss, ch.iss.Add(1)
	ch.negotiateLocked(seg)
	ch.sndMax = ch.sndNxt
	ch.sndWnd = uint32(seg.wnd) // SYN windows are never scaled
	ch.sndWl1, ch.sndWl2 = seg.seq, seg.ack
	ch.state = stateSynRecv
	ch.lastRecv = e.p.stack.Clock.Now()
	ch.sendSynLocked(true)
}

// minSndMSS is the smallest MSS the stack sends with, whatever the peer
// announces, before the options come off: Linux's tcp_min_snd_mss (48),
// which __tcp_mtu_to_mss applies after clamping to the peer's MSS and
// before tcp_mtu_to_mss subtracts the options. A smaller MSS would cut the
// data into a segment per byte (CVE-2019-11479), and one of 12 or less
// would leave nothing, or wrap around, once the timestamp option is taken
// off.
const minSndMSS = 48

// newChildLocked makes the connection a listener's segment opens, its
// control block already taken from the budget; nil (and the memory given
// back) when the 4-tuple is taken.
func (e *Endpoint) newChildLocked(seg *segment) *Endpoint {
	ch := e.p.newEndpoint()
	ch.memUsed = SocketMemory
	ch.parent = e
	ch.local, ch.remote, ch.bound = seg.dst, seg.src, true
	// The child shares the listener's port; counting it keeps the port
	// reserved while the child lives, even after the listener closes.
	e.p.sharePort(seg.dst.Port())
	if !e.p.register(ch) {
		e.p.releasePort(seg.dst.Port(), false)
		e.p.stack.Budget.Release(SocketMemory)
		return nil
	}
	e.p.remember(ch)
	e.p.stack.Counters.TCPPassiveOpens.Add(1)
	return ch
}

// negotiateLocked reads the options of the peer's SYN (RFC 6691, RFC 7323).
func (e *Endpoint) negotiateLocked(seg *segment) {
	o := seg.opts
	peerMSS := uint32(536) // RFC 9293 §3.7.1: the default without the option
	if o.HasMSS && o.MSS > 0 {
		peerMSS = uint32(o.MSS)
	}
	e.mss = max(min(e.mss, peerMSS), minSndMSS)
	if o.HasWS && !e.p.opt.NoWindowScale {
		e.sndWScale = min(o.WindowScale, 14) // RFC 7323 §2.3: larger is 14
	} else {
		// No scaling unless both sides offer it (RFC 7323 §2.2); 0xff
		// marks "not offered" for our SYN,ACK.
		e.sndWScale, e.rcvWScale = 0xff, 0
	}
	if o.HasTS && !e.p.opt.NoTimestamps {
		e.tsOK = true
		e.setTSRecentLocked(o.TSVal)
		e.mss -= 12 // the timestamp option rides in every segment; e.mss >= minSndMSS
	}
	// RFC 2018 §2: SACK may be used only when both SYNs carried
	// SACK-permitted.
	e.sackOK = o.SACKPermitted && !e.p.opt.NoSACK
	e.cc = NewNewReno(e.mss, e.iss)
}

func (e *Endpoint) sndShift() uint8 {
	if e.sndWScale == 0xff {
		return 0
	}
	return e.sndWScale
}

// inputSynSentLocked is §3.10.7.3.
func (e *Endpoint) inputSynSentLocked(seg *segment) {
	if seg.has(header.TCPAck) && (seg.ack.LessEq(e.iss) || e.sndMax.LessThan(seg.ack)) {
		if !seg.has(header.TCPRst) {
			e.p.stack.Counters.TCPOutRsts.Add(1)
			e.p.sendRaw(e.local, e.remote, seg.ack, 0, header.TCPRst, 0, header.TCPOptions{}, nil)
		}
		return
	}
	if seg.has(header.TCPRst) {
		if seg.has(header.TCPAck) {
			e.abortLocked(syscall.ECONNREFUSED, true)
		}
		return
	}
	if !seg.has(header.TCPSyn) {
		return
	}
	e.irs = seg.seq
	e.rcvNxt = seg.seq.Add(1)
	e.negotiateLocked(seg)
	e.lastRecv = e.p.stack.Clock.Now()
	if seg.has(header.TCPAck) {
		e.synAckedLocked(seg)
		e.state = stateEstablished
		e.sendAckLocked()
		e.wakeLocked()
		return
	}
	// Simultaneous open (§3.5, figure 8): both SYNs crossed.
	e.state = stateSynRecv
	e.sendSynLocked(true)
}

// synAckedLocked records that the peer acknowledged our SYN: the send
// window starts (§3.10.7.3/4), the handshake gives an RTT sample, and the
// SYN's retransmission timer stops.
func (e *Endpoint) synAckedLocked(seg *segment) {
	e.sndUna = seg.ack
	e.sndWnd = uint32(seg.wnd) << e.sndShift()
	e.maxSndWnd = e.sndWnd
	e.sndWl1, e.sndWl2 = seg.seq, seg.ack
	e.lastSend = e.p.stack.Clock.Now() // Linux tcp_init_transfer starts lsndtime here
	e.rttSampleLocked(seg, true)
	e.stopRetransLocked()
	e.rto.ResetBackoff()
}

// inputSynchronizedLocked is §3.10.7.4 for SYN_RECEIVED and every later
// state.
func (e *Endpoint) inputSynchronizedLocked(seg *segment) (after func()) {
	c := &e.p.stack.Counters
	if e.state == stateSynRecv && seg.seq == e.irs && seg.flags&(header.TCPSyn|header.TCPAck|header.TCPRst) == header.TCPSyn {
		// The peer resent its SYN: our SYN,ACK was lost. Linux's
		// tcp_check_req answers with the SYN,ACK again (inet_rtx_syn_ack),
		// at most once per 500 ms (tcp_oow_rate_limited); the SYN,ACK's
		// own retransmission timer keeps its schedule.
		if !e.oowRateLimitedLocked(seg, &c.TCPACKSkippedSynRecv) {
			c.TCPRetransSegs.Add(1)
			e.totRetrans++
			e.sendSynSegmentLocked(true)
		}
		return nil
	}
	if e.state == stateSynRecv && seg.has(header.TCPSyn) && seg.seq == e.irs {
		// Simultaneous open (§3.5, figure 8): the peer's SYN,ACK repeats
		// the SYN we already counted. "If a segment's contents straddle
		// the boundary of old and new, only the new parts are processed"
		// (§3.10.7.4): trim the SYN and keep the ACK.
		seg.flags &^= header.TCPSyn
		seg.seq = seg.seq.Add(1)
	}
	// RFC 7323 §5.3 R1 (PAWS), before the sequence number: a segment
	// whose timestamp is older than TS.Recent is an old duplicate, perhaps
	// from an earlier wrap of the sequence space; it is answered with an
	// ACK, at most one per 500 ms unless it carries data (Linux's
	// tcp_validate_incoming), and dropped. Linux accepts a RST that fails
	// PAWS all the same: its sequence number alone must match.
	if e.pawsRejectLocked(seg) && !seg.has(header.TCPRst) {
		c.TCPPAWSEstab.Add(1)
		if !e.oowRateLimitedLocked(seg, &c.TCPACKSkippedPAWS) {
			e.sendAckLocked()
		}
		return nil
	}
	segLen := seg.length()
	rcvWnd := e.rcvWindowLocked()
	// First: the sequence number.
	if !Acceptable(seg.seq, segLen, e.rcvNxt, max(rcvWnd, e.lastAdvWnd)) {
		// RFC 9293 §3.10.7.4: an unacceptable segment is answered with an
		// ACK, unless it is a RST; at most one such ACK per 500 ms, as
		// Linux's tcp_validate_incoming (tcp_oow_rate_limited), so that two
		// stacks cannot be driven into an ACK loop. (TIME_WAIT is a
		// time-wait block's, timewait.go.)
		if !seg.has(header.TCPRst) && !e.oowRateLimitedLocked(seg, &c.TCPACKSkippedSeq) {
			e.sendAckLocked()
		}
		return nil
	}
	e.lastRecv = e.p.stack.Clock.Now()
	e.keepProbes = 0
	// Second: RST (RFC 5961 §3.2): only an exact match resets; one merely
	// in the window gets a challenge ACK, which a real peer answers with
	// an exact RST and a blind attacker cannot.
	if seg.has(header.TCPRst) {
		if seg.seq != e.rcvNxt {
			e.challengeAckLocked()
			return nil
		}
		switch e.state {
		case stateSynRecv:
			parent := e.parent
			e.abortLocked(syscall.ECONNREFUSED, true)
			if parent != nil && !e.accepted {
				return parent.childGone
			}
			return nil
		case stateEstablished, stateCloseWait:
			c.TCPEstabResets.Add(1)
			e.abortLocked(syscall.ECONNRESET, false)
		case stateFinWait1, stateFinWait2:
			e.abortLocked(syscall.ECONNRESET, false)
		default:
			e.releaseLocked()
		}
		return nil
	}
	// Fourth: a SYN in a synchronized state (RFC 5961 §4): challenge ACK.
	if seg.has(header.TCPSyn) {
		e.challengeAckLocked()
		return nil
	}
	// Fifth: the ACK field.
	if !seg.has(header.TCPAck) {
		return nil
	}
	// RFC 7323 §4.3: take SEG.TSval as TS.Recent only if it is not older
	// than what we have and the segment is not beyond Last.ACK.sent. A
	// reordered or duplicated old segment must not pull TS.Recent back:
	// our ACKs would echo a stale TSecr and the peer's RTT samples (and
	// so its RTO) would balloon.
	// A TS.Recent idle for 24 days is replaced whatever its value (RFC 7323
	// §5.5; Linux's tcp_replace_ts_recent through tcp_paws_check).
	if e.tsOK && seg.opts.HasTS && seg.seq.LessEq(e.rcvNxt) && (int32(seg.opts.TSVal-e.tsRecent) >= 0 || e.tsRecentStaleLocked()) {
		e.setTSRecentLocked(seg.opts.TSVal)
	}
	if e.state == stateSynRecv {
		if !(e.sndUna.LessThan(seg.ack) && seg.ack.LessEq(e.sndMax)) {
			c.TCPOutRsts.Add(1)
			e.p.sendRaw(e.local, e.remote, seg.ack, 0, header.TCPRst, 0, header.TCPOptions{}, nil)
			return nil
		}
		e.synAckedLocked(seg)
		if e.finQueued {
			e.state = stateFinWait1
		} else {
			e.state = stateEstablished
		}
		if e.parent != nil {
			after = e.parent.childEstablished(e)
		}
		e.wakeLocked()
	} else if !e.processAckLocked(seg) {
		return after
	}
	// Sixth/seventh: the segment text.
	if len(seg.data) > 0 {
		switch e.state {
		case stateEstablished, stateFinWait1, stateFinWait2:
			e.receiveDataLocked(seg)
		}
	}
	// Eighth: FIN, once everything before it has arrived.
	if seg.has(header.TCPFin) && seg.seq.Add(uint32(len(seg.data))) == e.rcvNxt {
		e.receiveFinLocked()
	}
	e.trySendLocked()
	return after
}

// pawsIdle is how long TS.Recent stays valid without being updated (RFC
// 7323 §5.5; Linux's TCP_PAWS_24DAYS): the peer's timestamp clock may
// have wrapped since.
const pawsIdle = 24 * 24 * time.Hour

func (e *Endpoint) setTSRecentLocked(v uint32) {
	e.tsRecent, e.tsRecentAt = v, e.p.stack.Clock.Now()
}

func (e *Endpoint) tsRecentStaleLocked() bool {
	return e.p.stack.Clock.Now().Sub(e.tsRecentAt) >= pawsIdle
}

// pawsRejectLocked is Linux's tcp_paws_discard: the segment's TSval is
// older than TS.Recent by more than one tick (TCP_PAWS_WINDOW), TS.Recent
// is still valid, and the segment is not a reordered pure ACK.
func (e *Endpoint) pawsRejectLocked(seg *segment) bool {
	if !e.tsOK || !seg.opts.HasTS || e.tsRecent == 0 {
		return false
	}
	if int32(e.tsRecent-seg.opts.TSVal) <= 1 || e.tsRecentStaleLocked() {
		return false
	}
	return !e.disorderedAckLocked(seg)
}

// disorderedAckLocked is Linux's tcp_disordered_ack: a pure duplicate ACK
// at RCV.NXT that would not update the window, whose timestamp is older
// by at most an RTO's worth of milliseconds, is a reordered ACK, not an
// old duplicate, and passes PAWS.
func (e *Endpoint) disorderedAckLocked(seg *segment) bool {
	if !seg.has(header.TCPAck) || seg.length() != 0 || seg.seq != e.rcvNxt || seg.ack != e.sndUna {
		return false
	}
	newWnd := uint32(seg.wnd) << e.sndShift()
	if e.sndWl1.LessThan(seg.seq) || seg.seq == e.sndWl1 && newWnd > e.sndWnd {
		return false // tcp_may_update_window
	}
	return int64(int32(e.tsRecent-seg.opts.TSVal)) <= e.rto.Current().Milliseconds()
}

// invalidRateLimit is the least time between two ACKs a connection sends
// in answer to segments it does not accept (challenge ACKs included): Linux's
// net.ipv4.tcp_invalid_ratelimit, 500 ms.
const invalidRateLimit = 500 * time.Millisecond

// challengeAckLocked is RFC 5961's challenge ACK (§3.2, §4.2, §5.2),
// rate-limited per connection as Linux's tcp_send_challenge_ack does.
// RFC 5961 §7 suggests one stack-wide budget instead, but an off-path
// attacker who counts the challenge ACKs of its own connection then sees
// the ones a spoofed segment drew from someone else's (CVE-2016-5696), so
// there is none here, as in Linux since 6.0 (tcp_challenge_ack_limit
// defaults to INT_MAX).
func (e *Endpoint) challengeAckLocked() {
	if e.rateLimitedLocked(&e.p.stack.Counters.TCPACKSkippedChallenge) {
		return
	}
	e.p.stack.Counters.TCPChallengeACKs.Add(1)
	e.sendAckLocked()
}

// oowRateLimitedLocked is Linux's tcp_oow_rate_limited: whether the ACK
// for an out-of-window segment must be held back. A segment with data and
// no SYN is always answered: it is not part of an ACK loop.
func (e *Endpoint) oowRateLimitedLocked(seg *segment, skipped *atomic.Uint64) bool {
	if len(seg.data) > 0 && !seg.has(header.TCPSyn) {
		return false
	}
	return e.rateLimitedLocked(skipped)
}

// rateLimitedLocked is Linux's __tcp_oow_rate_limited: true (and counted
// in skipped) within invalidRateLimit of the last ACK it let through.
func (e *Endpoint) rateLimitedLocked(skipped *atomic.Uint64) bool {
	now := e.p.stack.Clock.Now()
	if !e.lastOOWAck.IsZero() {
		if d := now.Sub(e.lastOOWAck); d >= 0 && d < invalidRateLimit {
			skipped.Add(1)
			return true
		}
	}
	e.lastOOWAck = now
	return false
}

// optionBytes is what the options of every segment take (timestamps).
func (e *Endpoint) optionBytes() uint32 {
	if e.tsOK {
		return 12
	}
	return 0
}

// processAckLocked handles the ACK of a synchronized connection; false
// means the segment is to be dropped.
func (e *Endpoint) processAckLocked(seg *segment) bool {
	// RFC 5961 §5.2: an ACK outside [SND.UNA - MAX.SND.WND, SND.NXT] is
	// answered with an ACK and dropped; above what we ever sent (SND.MAX,
	// which a timeout's rewind leaves above SND.NXT) acknowledges data
	// never sent.
	if e.sndMax.LessThan(seg.ack) {
		e.challengeAckLocked()
		return false
	}
	if seg.ack.LessThan(e.sndUna - Seq(e.maxSndWnd)) {
		e.challengeAckLocked()
		return false
	}
	// Linux tcp_ack: any ACK that is not old answers the zero-window
	// probes (onPersist counts only unanswered ones).
	if !seg.ack.LessThan(e.sndUna) {
		e.probesOut = 0
	}
	newWnd := uint32(seg.wnd) << e.sndShift()
	switch {
	case e.sackOK && e.cc != nil:
		e.sackAckLocked(seg)
	case e.sndUna.LessThan(seg.ack):
		e.newAckLocked(seg)
	case seg.ack == e.sndUna && len(seg.data) == 0 && !seg.has(header.TCPFin) && newWnd == e.sndWnd && e.flightLocked() > 0:
		// A duplicate ACK (RFC 5681 §2).
		if e.cc.OnDupAck(seg.ack, e.sndNxt, e.flightLocked()) {
			e.retransmitLocked()
		}
	}
	// Window update (RFC 9293 §3.10.7.4: only from a newer segment).
	if e.sndWl1.LessThan(seg.seq) || (e.sndWl1 == seg.seq && e.sndWl2.LessEq(seg.ack)) {
		e.sndWnd = newWnd
		e.maxSndWnd = max(e.maxSndWnd, newWnd)
		e.sndWl1, e.sndWl2 = seg.seq, seg.ack
		if e.sndWnd > 0 && e.persist.armed {
			e.persist.stop()
			e.persistBackoff = 0
		}
	}
	switch e.state {
	case stateFinWait1:
		if e.finSent && e.finSeq.LessThan(seg.ack) {
			e.state = stateFinWait2
			if e.userClosed {
				e.armCloseTimerLocked()
			}
			e.wakeLocked()
		}
	case stateClosing:
		if e.finSent && e.finSeq.LessThan(seg.ack) {
			e.enterTimeWaitLocked()
		}
	case stateLastAck:
		if e.finSent && e.finSeq.LessThan(seg.ack) {
			e.releaseLocked()
			return false
		}
	}
	return true
}

// newAckLocked handles an ACK that acknowledges new data.
func (e *Endpoint) newAckLocked(seg *segment) {
	acked := seg.ack.Sub(e.sndUna)
	flight := e.flightLocked()
	e.consumeAckLocked(seg, acked)
	if e.cc.OnAck(seg.ack, acked, flight) {
		e.retransmitLocked() // NewReno partial ACK
	}
	// RFC 6298 §5.2/5.3: stop the timer when all is acknowledged,
	// restart it otherwise.
	if e.flightLocked() == 0 {
		e.stopRetransLocked()
	} else {
		e.armRetransLocked()
	}
	e.wakeLocked() // room in the send buffer
}

// rttSampleLocked takes an RTT sample: from the timestamp echo when
// timestamps are on (RFC 7323 §4.1), else from the one timed segment, if
// it was not retransmitted (Karn).
func (e *Endpoint) rttSampleLocked(seg *segment, handshake bool) {
	now := e.p.stack.Clock.Now()
	// After a timeout rewind we resend data the peer may already hold; it
	// drops those duplicates before updating TS.Recent (RFC 7323 appendix
	// D, R2 before R3), so its ACKs can echo a timestamp from long before.
	// Only echoes of what we sent since the rewind measure a round trip.
	if e.tsOK && seg.opts.HasTS && seg.opts.TSEcr != 0 && int32(seg.opts.TSEcr-e.tsRewind) >= 0 {
		if d := int64(e.tsNow() - seg.opts.TSEcr); d >= 0 && d < 60_000 {
			e.rto.Sample(time.Duration(d) * time.Millisecond)
			return
		}
	}
	if handshake {
		if e.rto.Backoffs() == 0 {
			e.rto.Sample(now.Sub(e.created))
		}
		return
	}
	if e.rttTiming && e.rttSeq.LessThan(seg.ack) {
		e.rttTiming = false
		e.rto.Sample(now.Sub(e.rttStart))
	}
}

// receiveDataLocked queues in-order data, keeps out-of-order data within
// the window for later (bounded), and acknowledges (RFC 9293 §3.10.7.4,
// seventh).
func (e *Endpoint) receiveDataLocked(seg *segment) {
	data, seq := seg.data, seg.seq
	// Trim what we already have.
	if seq.LessThan(e.rcvNxt) {
		skip := e.rcvNxt.Sub(seq)
		if skip >= uint32(len(data)) {
			e.sendAckLocked()
			return
		}
		data, seq = data[skip:], e.rcvNxt
	}
	wnd := e.rcvWindowLocked()
	if uint32(len(data)) > wnd {
		data = data[:wnd] // beyond the window: dropped, the peer resends
	}
	if len(data) == 0 {
		e.sendAckLocked()
		return
	}
	if seq != e.rcvNxt {
		e.queueOOOLocked(seq, data)
		// An out-of-order segment is acknowledged at once: the duplicate
		// ACK drives the sender's fast retransmit (RFC 5681 §4.2).
		e.sendAckLocked()
		return
	}
	if !e.chargeRecvLocked(len(data), true) {
		// The stack's memory is under pressure: drop the data (the peer
		// resends it), say so in the counters, and have the out-of-order
		// queues pruned once this lock is released (prune.go).
		e.p.stack.Counters.TCPRcvQDrops.Add(1)
		e.p.wantPrune()
		e.sendAckLocked()
		return
	}
	e.rcvBuf.Append(data)
	e.rcvNxt = e.rcvNxt.Add(uint32(len(data)))
	e.bytesRcvd += uint64(len(data))
	// RFC 5681 §4.2: a segment that fills all or part of a gap is
	// acknowledged at once, so the sender learns of the repair.
	gap := len(e.ooo) > 0
	e.drainOOOLocked()
	e.rcvSack.advance(e.rcvNxt)
	e.wakeLocked()
	e.scheduleAckLocked(gap || seg.has(header.TCPPsh) && len(data) < int(e.mss))
}

// span is a range [lo, hi) of sequence numbers.
type span struct{ lo, hi Seq }

// queueOOOLocked keeps out-of-order data for later, bounded. Only the
// bytes the queue does not hold already are stored and charged, as
// Linux's tcp_data_queue_ofo drops a segment the queue covers and trims
// overlaps: a peer that resends out-of-order data must not make the stack
// hold, and charge to its budget, the same bytes twice.
func (e *Endpoint) queueOOOLocked(seq Seq, data []byte) {
	end := seq.Add(uint32(len(data)))
	fresh := []span{{seq, end}}
	for _, o := range e.ooo {
		fresh = cutSpan(fresh, o.seq, o.seq.Add(uint32(len(o.data))))
		if len(fresh) == 0 {
			// All held already: its block goes first in our SACK option
			// (RFC 2018 §4), as Linux's tcp_sack_new_ofo_skb does.
			e.rcvSack.add(seq, end)
			return
		}
	}
	n := 0
	for _, f := range fresh {
		n += int(f.hi.Sub(f.lo))
	}
	if len(e.ooo)+len(fresh) > maxOOO {
		return
	}
	// Out-of-order data is charged only below the pressure mark
	// (memory.go); refused, it asks for the queues to be pruned
	// (prune.go). Each stored piece is charged exactly its length, which
	// is what pruneOFOLocked and drainOOOLocked give back.
	if !e.chargeRecvLocked(n, false) {
		e.p.stack.Counters.TCPRcvQDrops.Add(1)
		e.p.wantPrune()
		return
	}
	for _, f := range fresh {
		e.ooo = append(e.ooo, oooSegment{f.lo, append([]byte(nil), data[f.lo.Sub(seq):f.hi.Sub(seq)]...)})
	}
	e.oooBytes += n
	e.p.oooTotal.Add(int64(n))
	e.rcvSack.add(seq, end)
}

// cutSpan removes [lo, hi) from each span.
func cutSpan(spans []span, lo, hi Seq) []span {
	var out []span
	for _, s := range spans {
		if !lo.LessThan(s.hi) || !s.lo.LessThan(hi) {
			out = append(out, s) // no overlap
			continue
		}
		if s.lo.LessThan(lo) {
			out = append(out, span{s.lo, lo})
		}
		if hi.LessThan(s.hi) {
			out = append(out, span{hi, s.hi})
		}
	}
	return out
}

// drainOOOLocked moves out-of-order data that now fits onto the receive
// buffer.
func (e *Endpoint) drainOOOLocked() {
	for progress := true; progress; {
		progress = false
		for i, o := range e.ooo {
			if !o.seq.LessEq(e.rcvNxt) {
				continue
			}
			end := o.seq.Add(uint32(len(o.data)))
			fresh := 0
			if e.rcvNxt.LessThan(end) {
				tail := o.data[e.rcvNxt.Sub(o.seq):]
				e.rcvBuf.Append(tail)
				e.rcvNxt = end
				e.bytesRcvd += uint64(len(tail))
				fresh = len(tail)
			}
			// The segment's bytes move to the receive buffer; those we
			// already had go back to the budget.
			dup := len(o.data) - fresh
			e.oooBytes -= len(o.data)
			e.p.oooTotal.Add(-int64(len(o.data)))
			e.memUsed -= int64(dup)
			e.p.stack.Budget.Release(int64(dup))
			e.ooo = append(e.ooo[:i], e.ooo[i+1:]...)
			progress = true
			break
		}
	}
}

// receiveFinLocked is the eighth step: the peer has finished sending.
func (e *Endpoint) receiveFinLocked() {
	e.rcvNxt = e.rcvNxt.Add(1)
	e.finRcvd = true
	e.sendAckLocked()
	switch e.state {
	case stateSynRecv, stateEstablished:
		e.state = stateCloseWait
	case stateFinWait1:
		if e.finSent && e.finSeq.LessThan(e.sndUna) {
			e.enterTimeWaitLocked()
		} else {
			e.state = stateClosing
		}
	case stateFinWait2:
		e.enterTimeWaitLocked()
	}
	e.wakeLocked()
}

// childEstablished moves a handshaken child onto the accept queue; it
// returns the work to do after the child's lock is released.
func (e *Endpoint) childEstablished(ch *Endpoint) func() {
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.synRcvd--
		if e.state != stateListen {
			ch.mu.Lock()
			ch.sendRstLocked()
			ch.abortLocked(nil, false)
			ch.mu.Unlock()
			return
		}
		e.acceptQ = append(e.acceptQ, ch)
		e.wakeLocked()
	}
}

// childGone is called when a child dies before it was established.
func (e *Endpoint) childGone() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.synRcvd > 0 {
		e.synRcvd--
	}
}
