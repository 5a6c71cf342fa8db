// recovery.go is loss recovery when both ends do SACK (RFC 2018): each
// ACK's blocks update the scoreboard; losses are detected by RACK (RFC
// 8985 §6: a segment is lost once one sent after it has been delivered
// and a reordering window has passed, which also catches lost
// retransmissions) and by RFC 6675's IsLost while no reordering has been
// seen; holes are repaired in RFC 6675's NextSeg order, paced by
// proportional rate reduction (RFC 6937); a tail loss is probed by TLP
// (RFC 8985 §7) before the RTO would fire. Without SACK the connection
// keeps NewReno (newreno.go).

package tcp

import (
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/header"
)

// recState is where loss recovery is.
type recState uint8

const (
	recOpen recState = iota // no loss being repaired
	recFast                 // fast recovery (RFC 6675 §5)
	recRTO                  // after a retransmission timeout (RFC 6675 §5.1)
)

// rtxKind says what the endpoint's retransmission timer is armed for:
// one timer serves the RTO, RACK's reordering timer and TLP's probe, as
// in Linux, since at most one of them is due first.
type rtxKind uint8

const (
	rtxRTO rtxKind = iota
	rtxReorder
	rtxProbe
)

// wcDelAck is TLP's worst-case delayed-ACK time, WCDelAckT (RFC 8985 §7.2).
const wcDelAck = 200 * time.Millisecond

// reoPersist is how many recoveries without a D-SACK keep an enlarged
// reordering window (RFC 8985 §6.2 step 4: 16).
const reoPersist = 16

// recovery is a SACK connection's loss-recovery state.
type recovery struct {
	state recState
	point Seq // RecoveryPoint: SND.MAX when recovery began (RFC 6675 §5 step 4.1)

	// RFC 6675 NextSeg (4): the one rescue retransmission per recovery.
	rescueRxt Seq
	rescued   bool

	// RFC 6937 proportional rate reduction.
	prrDelivered, prrOut, recoverFS uint32
	forceRxt                        bool // the fast retransmit goes out whatever the window (RFC 6675 §5 step 4.3)

	// RACK (RFC 8985 §5.2): the most recently sent segment delivered.
	rackXmit       int64
	rackEnd        Seq
	rackRTT        time.Duration
	rackValid      bool
	fack           Seq // highest end of a delivered segment
	fackValid      bool
	minRTT         time.Duration
	reorderingSeen bool
	reoMult        int
	reoPersist     int
	dsackRound     Seq
	dsackRoundSet  bool
	reoAt          int64 // when the reordering timer is due; 0: not needed

	// TLP (RFC 8985 §7.1).
	tlpOut     bool
	tlpEnd     Seq
	tlpRetrans bool

	kind rtxKind // what the retransmission timer is armed for
}

// sentAfter is RACK_sent_after (RFC 8985 §6.2): t1/seq1 was sent after
// t2/seq2.
func sentAfter(t1 int64, seq1 Seq, t2 int64, seq2 Seq) bool {
	return t1 > t2 || t1 == t2 && seq2.LessThan(seq1)
}

// pipeLocked is RFC 6675's pipe: octets in flight that are neither
// SACKed nor presumed lost; a presumed-lost segment that was
// retransmitted counts again (its lost mark is cleared when it is resent).
func (e *Endpoint) pipeLocked() uint32 {
	return e.flightLocked() - min(e.flightLocked(), e.sb.sackedBytes+e.sb.lostBytes)
}

// sackAckLocked processes the ACK of a synchronized SACK connection: the
// cumulative part, the blocks, loss detection, the recovery state and the
// timer. trySendLocked then sends what the window allows.
func (e *Endpoint) sackAckLocked(seg *segment) {
	now := e.p.stack.Clock.Now().UnixNano()
	r := &e.rec
	flight := e.flightLocked()
	sackedBefore := e.sb.sackedBytes
	var acked uint32
	if e.sndUna.LessThan(seg.ack) {
		acked = seg.ack.Sub(e.sndUna)
		for len(e.sb.live()) > 0 {
			s := &e.sb.segs[e.sb.head]
			if seg.ack.LessThan(s.end) {
				if s.start.LessThan(seg.ack) {
					e.sb.trimHead(seg.ack)
				}
				break
			}
			if !s.sacked {
				e.rackDeliveredLocked(s, seg, now)
			}
			e.sb.drop()
		}
		e.consumeAckLocked(seg, acked)
	}
	dsack := false
	if seg.opts.NumSACK > 0 {
		dsack = e.applySACKLocked(seg, now)
	}
	if dsack {
		e.p.stack.Counters.TCPDSACKRecv.Add(1)
		// RFC 8985 §6.2 step 4: a D-SACK (RFC 2883) says a retransmission
		// was spurious: widen the reordering window, at most once per
		// round trip, and keep it for 16 recoveries.
		r.reorderingSeen = true
		if !r.dsackRoundSet || r.dsackRound.LessEq(e.sndUna) {
			r.dsackRound, r.dsackRoundSet = e.sndMax, true
			r.reoMult = min(r.reoMult+1, 64)
			r.reoPersist = reoPersist
		}
	}
	// TLP episode (RFC 8985 §7.4): the probe's ACK arrived. A probe that
	// was a retransmission and repaired a loss on its own (no D-SACK for
	// it, no recovery started) still needs the congestion response.
	if r.tlpOut && r.tlpEnd.LessEq(seg.ack) {
		r.tlpOut = false
		if r.tlpRetrans && !dsack && r.state == recOpen {
			e.cc.Reduce(flight)
			e.cc.Cwnd = e.cc.Ssthresh
		}
	}
	newlyLost := false
	if e.sb.sackedBytes > 0 || r.state != recOpen || r.reoAt != 0 {
		newlyLost = e.detectLossLocked(now)
	}
	// RFC 6675 §5: recovery ends with the cumulative ACK of
	// RecoveryPoint; the window is then ssthresh (RFC 6937 §3).
	if r.state != recOpen && r.point.LessEq(e.sndUna) {
		if r.state == recFast {
			e.cc.Cwnd = max(e.cc.Ssthresh, e.cc.MSS)
		}
		r.state = recOpen
	}
	// RFC 6937 §3: DeliveredData = (change in SND.UNA) + (change in
	// SACKed); SACKed octets that the cumulative ACK now covers count once.
	delivered := uint32(max(int64(acked)+int64(e.sb.sackedBytes)-int64(sackedBefore), 0))
	switch {
	case newlyLost && r.state == recOpen:
		e.enterRecoveryLocked(flight, delivered)
	case r.state == recFast:
		e.prrLocked(delivered)
	case acked > 0:
		e.cc.Grow(acked) // slow start after an RTO, or the open state
	}
	if e.flightLocked() == 0 {
		e.stopRetransLocked()
	} else {
		e.sackArmLocked(acked > 0, false)
	}
	if acked > 0 {
		e.wakeLocked() // room in the send buffer
	}
}

// consumeAckLocked takes newly acknowledged bytes off the send buffer and
// moves SND.UNA (RFC 9293 §3.10.7.4), with the RTT sample and the
// backoff reset of RFC 6298 §5.7.
func (e *Endpoint) consumeAckLocked(seg *segment, acked uint32) {
	dataAcked := acked
	if e.finSent && e.finSeq.LessThan(seg.ack) {
		dataAcked-- // the FIN's sequence number
	}
	dataAcked = min(dataAcked, uint32(e.sndBuf.Len()))
	e.sndBuf.Consume(int(dataAcked))
	e.memUsed -= int64(dataAcked)
	e.p.stack.Budget.Release(int64(dataAcked))
	e.bytesAcked += uint64(dataAcked)
	e.sndUna = seg.ack
	if e.sndNxt.LessThan(e.sndUna) {
		// After a timeout's rewind the peer may acknowledge what it had
		// received all along: skip ahead.
		e.sndNxt = e.sndUna
	}
	e.rttSampleLocked(seg, false)
	e.rto.ResetBackoff() // RFC 6298 §5.7
	e.retransCur = 0
}

// applySACKLocked marks the segments the ACK's blocks cover (RFC 2018
// §3, RFC 6675 §5 "update the scoreboard"); it reports a D-SACK.
func (e *Endpoint) applySACKLocked(seg *segment, now int64) (dsack bool) {
	o := &seg.opts
	n := min(o.NumSACK, len(o.SACK))
	var blocks [header.MaxSACKBlocks]header.SACKBlock
	k := 0
	for i := 0; i < n; i++ {
		left, right := Seq(o.SACK[i].Left), Seq(o.SACK[i].Right)
		if !left.LessThan(right) {
			continue // malformed: ignored, as Linux does
		}
		// RFC 2883 §4: a first block below the cumulative ACK, or inside
		// the second block, reports a duplicate segment.
		if i == 0 && (right.LessEq(seg.ack) || n > 1 && Seq(o.SACK[1].Left).LessEq(left) && right.LessEq(Seq(o.SACK[1].Right))) {
			dsack = true
			continue
		}
		// Only what is in flight can be SACKed: a block beyond SND.NXT
		// or below SND.UNA is clipped (a broken or hostile peer).
		if left.LessThan(e.sndUna) {
			left = e.sndUna
		}
		if e.sndNxt.LessThan(right) {
			right = e.sndNxt
		}
		if !left.LessThan(right) {
			continue
		}
		// Kept in ascending order, so that RACK's reordering detection
		// sees the segments in sequence (RFC 8985 §6.2 step 3).
		j := k
		for j > 0 && left.LessThan(Seq(blocks[j-1].Left)) {
			blocks[j] = blocks[j-1]
			j--
		}
		blocks[j] = header.SACKBlock{Left: uint32(left), Right: uint32(right)}
		k++
	}
	for _, b := range blocks[:k] {
		left, right := Seq(b.Left), Seq(b.Right)
		l := e.sb.live()
		for j := e.sb.find(left); j < len(l) && l[j].start.LessThan(right); j++ {
			s := &l[j]
			// A segment is SACKed only when the block covers all of it.
			if left.LessEq(s.start) && s.end.LessEq(right) && !s.sacked {
				e.sb.markSacked(s)
				e.rackDeliveredLocked(s, seg, now)
			}
		}
	}
	return dsack
}

// rackDeliveredLocked is RACK_update and RACK_detect_reordering (RFC 8985
// §6.2 steps 2-3) for one segment this ACK delivered.
func (e *Endpoint) rackDeliveredLocked(s *txSeg, seg *segment, now int64) {
	r := &e.rec
	rtt := time.Duration(now - s.xmit)
	if s.retrans {
		// Step 2: the ACK of a retransmitted segment is ambiguous unless
		// its timestamp echo is from the retransmission, and one faster
		// than the minimum RTT answers the original.
		if !e.tsOK || !seg.opts.HasTS || int32(seg.opts.TSEcr-s.xmitTS) < 0 {
			return
		}
		if r.minRTT > 0 && rtt < r.minRTT {
			return
		}
	}
	if r.minRTT == 0 || rtt < r.minRTT {
		r.minRTT = max(rtt, time.Microsecond)
	}
	if !r.rackValid || sentAfter(s.xmit, s.end, r.rackXmit, r.rackEnd) {
		r.rackXmit, r.rackEnd, r.rackRTT, r.rackValid = s.xmit, s.end, rtt, true
	}
	// Step 3: an original transmission delivered below one delivered
	// before it was reordered on the way.
	switch {
	case !r.fackValid || r.fack.LessThan(s.end):
		r.fack, r.fackValid = s.end, true
	case s.end.LessThan(r.fack) && !s.retrans:
		r.reorderingSeen = true
	}
}

// reoWndLocked is RACK's reordering window (RFC 8985 §6.2 step 4): none
// until reordering is seen once recovery is under way or DupThresh
// segments are SACKed (so RACK starts out as strict as three duplicate
// ACKs), else a quarter of the minimum RTT times the D-SACK multiplier,
// at most SRTT.
func (e *Endpoint) reoWndLocked() time.Duration {
	r := &e.rec
	if !r.reorderingSeen && (r.state != recOpen || e.sb.sackedSegs >= dupAckThreshold) {
		return 0
	}
	return min(r.minRTT/4*time.Duration(max(r.reoMult, 1)), e.rto.SRTT())
}

// detectLossLocked marks lost segments and sets when RACK's reordering
// timer is due; it reports whether anything was newly marked.
func (e *Endpoint) detectLossLocked(now int64) (newlyLost bool) {
	r := &e.rec
	r.reoAt = 0
	l := e.sb.live()
	if r.rackValid {
		// RFC 8985 §6.2 step 5: a segment sent before the most recently
		// delivered one is lost once RACK.rtt + RACK.reo_wnd has passed
		// since it was sent. Original transmissions are in sending order,
		// so the walk stops at the first sent after RACK.segment; a later
		// retransmission may sit below it and is skipped.
		reo := int64(e.reoWndLocked())
		wait := int64(-1)
		for i := range l {
			s := &l[i]
			if s.sacked || s.lost {
				continue
			}
			if sentAfter(s.xmit, s.end, r.rackXmit, r.rackEnd) {
				if s.retrans {
					continue
				}
				break
			}
			left := s.xmit + int64(r.rackRTT) + reo - now
			if left <= 0 {
				newlyLost = e.sb.markLost(s) || newlyLost
			} else if wait < 0 || left < wait {
				wait = left
			}
		}
		if wait >= 0 {
			r.reoAt = now + wait // RFC 8985 §6.3: the reordering timer
		}
	}
	// RFC 6675 §4 IsLost: DupThresh SACKed segments, or more than
	// (DupThresh-1)*SMSS SACKed octets, above a segment mean it is lost.
	// Used only while no reordering has been seen (RACK's window then
	// judges alone, RFC 8985 §6.2), and never for a segment already
	// retransmitted (RFC 6675 NextSeg 1.a: above HighRxt): RACK notices
	// when a retransmission is lost.
	if !r.reorderingSeen && e.sb.sackedSegs > 0 {
		segs, bytes := 0, uint32(0)
		for i := len(l) - 1; i >= 0; i-- {
			s := &l[i]
			if s.sacked {
				segs++
				bytes += s.len()
				continue
			}
			if (segs >= dupAckThreshold || bytes > (dupAckThreshold-1)*e.mss) && !s.retrans {
				newlyLost = e.sb.markLost(s) || newlyLost
			}
		}
	}
	return newlyLost
}

// enterRecoveryLocked starts fast recovery on a detected loss (RFC 6675
// §5 step 4, RFC 6937 §3 initialization).
func (e *Endpoint) enterRecoveryLocked(flight, delivered uint32) {
	r := &e.rec
	r.state = recFast
	r.point = e.sndMax
	r.rescued = false
	r.tlpOut = false
	r.recoverFS = max(flight, 1)
	r.prrDelivered, r.prrOut = 0, 0
	r.forceRxt = true
	if r.reoPersist > 0 {
		if r.reoPersist--; r.reoPersist == 0 {
			r.reoMult = 1
		}
	}
	e.cc.Reduce(flight)
	e.p.stack.Counters.TCPSACKRecovery.Add(1)
	e.prrLocked(delivered)
}

// prrLocked sets the window for one ACK in fast recovery (RFC 6937 §3):
// while pipe is above ssthresh, send in proportion to what was delivered
// (ssthresh/RecoverFS of it); below, slow-start back up to ssthresh
// (PRR-SSRB), at most one segment beyond what was delivered.
func (e *Endpoint) prrLocked(delivered uint32) {
	r := &e.rec
	r.prrDelivered += delivered
	pipe := e.pipeLocked()
	ssthresh := e.cc.Ssthresh
	var sndcnt int64
	if pipe > ssthresh {
		sndcnt = int64((uint64(r.prrDelivered)*uint64(ssthresh)+uint64(r.recoverFS)-1)/uint64(r.recoverFS)) - int64(r.prrOut)
	} else {
		limit := max(int64(r.prrDelivered)-int64(r.prrOut), int64(delivered)) + int64(e.mss)
		sndcnt = min(int64(ssthresh)-int64(pipe), limit)
	}
	e.cc.Cwnd = pipe + uint32(max(sndcnt, 0))
}

// sackArmLocked arms the retransmission timer for what is due first:
// RACK's reordering timer, else a tail-loss probe, else the RTO. acked
// says new data was acknowledged, which restarts the RTO (RFC 6298 §5.3)
// and the probe timer; sent says new data went out, which restarts only
// the probe timer (RFC 8985 §7.2; the RTO keeps running, RFC 6298 §5.1).
func (e *Endpoint) sackArmLocked(acked, sent bool) {
	r := &e.rec
	now := e.p.stack.Clock.Now()
	switch {
	case r.reoAt != 0:
		r.kind = rtxReorder
		d := max(time.Duration(r.reoAt-now.UnixNano()), 0)
		e.setTimerLocked(collect.TimerRetrans, d)
		e.retrans.arm(e, d, (*Endpoint).onRetransTimeout)
	case e.tlpEligibleLocked():
		if !acked && !sent && e.retrans.armed && r.kind == rtxProbe {
			return
		}
		// RFC 8985 §7.2: PTO = 2*SRTT, plus the worst-case delayed ACK
		// when one segment is in flight, never beyond the RTO.
		pto := 2 * e.rto.SRTT()
		if e.flightLocked() <= e.mss {
			pto += wcDelAck
		}
		pto = min(pto, e.rto.Current())
		r.kind = rtxProbe
		e.setTimerLocked(collect.TimerRetrans, pto)
		e.retrans.arm(e, pto, (*Endpoint).onRetransTimeout)
	case acked || !e.retrans.armed || r.kind != rtxRTO:
		e.armRetransLocked()
	}
}

// tlpEligibleLocked is RFC 8985 §7.2's condition to schedule a probe:
// SACK on, an RTT measured, not in recovery, nothing SACKed and no probe
// already out.
func (e *Endpoint) tlpEligibleLocked() bool {
	r := &e.rec
	return e.rto.SRTT() > 0 && r.state == recOpen && e.sb.sackedBytes == 0 && !r.tlpOut
}

// onProbeTimeout sends the tail-loss probe (RFC 8985 §7.3): new data if
// the windows allow it, else the highest segment sent again; then the
// RTO is armed.
func (e *Endpoint) onProbeTimeoutLocked() {
	r := &e.rec
	l := e.sb.live()
	if len(l) == 0 {
		return
	}
	e.p.stack.Counters.TCPLossProbes.Add(1)
	before := e.sndNxt
	e.sendNewLocked(true)
	r.tlpRetrans = false
	if e.sndNxt == before {
		e.retransmitSegLocked(&l[len(l)-1])
		r.tlpRetrans = true
	}
	r.tlpOut, r.tlpEnd = true, e.sndMax
	e.armRetransLocked()
}

// onReorderTimeoutLocked is RACK's reordering timer (RFC 8985 §6.3):
// look for losses again now that the window has passed, repair them.
func (e *Endpoint) onReorderTimeoutLocked() {
	now := e.p.stack.Clock.Now().UnixNano()
	if e.detectLossLocked(now) && e.rec.state == recOpen {
		e.enterRecoveryLocked(e.flightLocked(), 0)
	}
	e.trySendLocked()
	if e.flightLocked() > 0 {
		e.sackArmLocked(false, false)
	}
}

// onSACKTimeoutLocked is the RTO of a SACK connection (RFC 6298 §5.4-5.6
// with RFC 6675 §5.1): the scoreboard is discarded, everything in flight
// is presumed lost and resent from SND.UNA as the window reopens from one
// segment; recovery does not restart before what was sent is
// acknowledged.
func (e *Endpoint) onSACKTimeoutLocked() {
	r := &e.rec
	e.cc.OnTimeout(e.flightLocked(), e.sndMax, e.rto.Backoffs() > 0)
	e.rto.Backoff()
	e.retransCur++
	e.rttTiming = false
	e.tsRewind = e.tsNow()
	e.sb.forgetSACKs()
	l := e.sb.live()
	for i := range l {
		e.sb.markLost(&l[i])
	}
	r.state, r.point = recRTO, e.sndMax
	r.tlpOut, r.reoAt, r.forceRxt = false, 0, true
	e.trySendLocked()
	e.armRetransLocked()
}

// retransmitSegLocked sends one scoreboard segment again, in pieces of at
// most the MSS (smaller than when it was first sent, if the path MTU
// dropped since).
func (e *Endpoint) retransmitSegLocked(s *txSeg) {
	c := &e.p.stack.Counters
	if e.finSent && s.start == e.finSeq {
		c.TCPRetransSegs.Add(1)
		e.sendLocked(e.finSeq, header.TCPFin|header.TCPAck, nil)
	} else {
		off, n := int(s.start.Sub(e.sndUna)), int(s.len())
		if e.finSent && s.end == e.finSeq.Add(1) {
			n-- // data and the FIN in one segment: the FIN follows
		}
		buf := e.sndBuf.Bytes()
		if off < 0 || off+n > len(buf) {
			n = 0 // cannot happen: the scoreboard covers the send buffer
		}
		for done := 0; done < n; {
			k := min(n-done, int(e.mss))
			flags := header.TCPAck
			if off+done+k == len(buf) {
				flags |= header.TCPPsh
			}
			c.TCPRetransSegs.Add(1)
			e.sendLocked(s.start.Add(uint32(done)), flags, buf[off+done:off+done+k])
			done += k
		}
	}
	e.totRetrans++
	if s.lost {
		s.lost = false
		e.sb.lostBytes -= s.len()
	}
	s.retrans = true
	s.xmit, s.xmitTS = e.p.stack.Clock.Now().UnixNano(), e.tsNow()
	e.rec.prrOut += s.len()
	if e.rttTiming && e.rttSeq.InRange(s.start, s.end) {
		e.rttTiming = false // Karn (RFC 6298 §3)
	}
}

// trySACKSendLocked is trySendLocked with SACK: RFC 6675's NextSeg
// order, one segment at a time while cwnd - pipe allows: (1) the lowest
// segment presumed lost, (2) new data, and in fast recovery (3) the
// lowest unSACKed segment below the highest SACKed one not yet resent,
// (4) once per recovery, the rescue retransmission of the highest
// unSACKed segment.
func (e *Endpoint) trySACKSendLocked() {
	r := &e.rec
	sent, sentNew := false, false
	for {
		room := int64(e.cc.Cwnd) - int64(e.pipeLocked())
		if e.sb.lostBytes > 0 {
			s := e.firstLostLocked()
			if s != nil && (r.forceRxt || room >= int64(s.len())) {
				r.forceRxt = false
				e.retransmitSegLocked(s)
				sent = true
				continue
			}
		}
		if e.sendNewLocked(false) {
			sent, sentNew = true, true
			continue
		}
		if r.state == recFast && e.sb.sackedBytes > 0 && room >= int64(e.mss) {
			if s := e.ruleThreeLocked(); s != nil {
				e.retransmitSegLocked(s)
				sent = true
				continue
			}
			// RFC 6675 NextSeg (4): "If HighACK is greater than RescueRxt
			// (or RescueRxt is undefined)", resend the segment holding
			// the highest unSACKed octet; RescueRxt = RecoveryPoint. It
			// is meant for a lost tail, which no SACK can reveal: a
			// segment below the highest SACKed octet, or one already
			// resent, is left to RACK.
			if !r.rescued || r.rescueRxt.LessThan(e.sndUna) {
				if s := e.highestUnsackedLocked(); s != nil && !s.retrans && !s.start.LessThan(e.sb.highSacked) {
					r.rescued, r.rescueRxt = true, r.point
					e.retransmitSegLocked(s)
					sent = true
					continue
				}
			}
		}
		break
	}
	if sent {
		e.sackArmLocked(false, sentNew)
	}
}

// sendNewLocked sends one segment of new data (or the FIN) if the windows
// allow it; probe (TLP) ignores the congestion window. It reports whether
// it sent.
func (e *Endpoint) sendNewLocked(probe bool) bool {
	off, avail := e.unsentLocked()
	flight := e.flightLocked()
	if avail <= 0 {
		if e.finQueued && !e.finSent {
			e.sendFinLocked()
			e.sb.push(e.finSeq, e.sndNxt, e.p.stack.Clock.Now().UnixNano(), e.tsNow())
			return true
		}
		return false
	}
	if flight >= e.sndWnd {
		if e.sndWnd == 0 && flight == 0 {
			e.armPersistLocked()
		}
		return false
	}
	room := int64(e.sndWnd - flight)
	segRoom := e.segRoomLocked()
	if !probe {
		room = min(room, int64(e.cc.Cwnd)-int64(e.pipeLocked()))
	}
	if room <= 0 {
		return false
	}
	n := min(avail, segRoom, int(room))
	last := off+n == e.sndBuf.Len()
	if n < segRoom && flight > 0 && !(last && e.finQueued) && !probe {
		return false // Nagle (RFC 9293 §3.7.4): wait for the ACK of what is in flight
	}
	seq := e.sendDataLocked(off, n)
	e.sb.push(seq, e.sndNxt, e.p.stack.Clock.Now().UnixNano(), e.tsNow())
	if e.rec.state == recFast {
		e.rec.prrOut += uint32(n)
	}
	if !e.rttTiming {
		e.rttTiming, e.rttSeq, e.rttStart = true, seq, e.p.stack.Clock.Now()
	}
	return true
}

func (e *Endpoint) firstLostLocked() *txSeg {
	l := e.sb.live()
	for i := range l {
		if l[i].lost {
			return &l[i]
		}
	}
	return nil
}

// ruleThreeLocked is NextSeg (3)'s candidate: the lowest unSACKed segment
// below the highest SACKed octet that has not been retransmitted.
func (e *Endpoint) ruleThreeLocked() *txSeg {
	l := e.sb.live()
	for i := range l {
		s := &l[i]
		if !s.start.LessThan(e.sb.highSacked) {
			return nil
		}
		if !s.sacked && !s.lost && !s.retrans {
			return s
		}
	}
	return nil
}

func (e *Endpoint) highestUnsackedLocked() *txSeg {
	l := e.sb.live()
	for i := len(l) - 1; i >= 0; i-- {
		if !l[i].sacked {
			return &l[i]
		}
	}
	return nil
}
