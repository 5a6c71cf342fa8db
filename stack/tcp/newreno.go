// newreno.go is congestion control: slow start, congestion avoidance and
// fast retransmit/fast recovery (RFC 5681), with NewReno's handling of
// partial acknowledgments (RFC 6582).

package tcp

// infiniteSsthresh is ssthresh before the first loss: "arbitrarily high"
// (RFC 5681 §3.1).
const infiniteSsthresh = 1<<31 - 1

// dupAckThreshold is when duplicate ACKs mean a loss (RFC 5681 §3.2).
const dupAckThreshold = 3

// NewReno holds one connection's congestion state, in bytes.
type NewReno struct {
	MSS      uint32
	Cwnd     uint32
	Ssthresh uint32

	dupAcks    int
	inRecovery bool
	recover    Seq // RFC 6582 §3.2: the highest sequence sent when recovery began
}

// NewNewReno starts with the initial window of RFC 6928 (IW10):
// min(10*MSS, max(2*MSS, 14600)).
func NewNewReno(mss uint32, sndNxt Seq) *NewReno {
	return &NewReno{
		MSS:      mss,
		Cwnd:     min(10*mss, max(2*mss, 14600)),
		Ssthresh: infiniteSsthresh,
		// RFC 6582 §3.2 step 1: recover starts at the initial send sequence.
		recover: sndNxt,
	}
}

// InRecovery reports fast recovery.
func (c *NewReno) InRecovery() bool { return c.inRecovery }

// DupAcks returns the duplicate ACKs counted since the last new ACK.
func (c *NewReno) DupAcks() int { return c.dupAcks }

// OnAck handles an ACK that acknowledges new data: acked bytes, up to
// ack. flight is the data outstanding before this ACK. It reports whether
// the first unacknowledged segment must be retransmitted now (a partial
// ACK during recovery, RFC 6582 §3.2 step 5).
func (c *NewReno) OnAck(ack Seq, acked, flight uint32) (retransmit bool) {
	c.dupAcks = 0
	if c.inRecovery {
		// RFC 6582 §3.2: "recover" is covered when ack-1 >= recover.
		if c.recover.LessThan(ack) {
			// Full acknowledgment (step 3): deflate the window to
			// min(ssthresh, max(FlightSize, SMSS) + SMSS), leave recovery.
			left := flight - min(flight, acked)
			c.Cwnd = min(c.Ssthresh, max(left, c.MSS)+c.MSS)
			c.inRecovery = false
			return false
		}
		// Partial acknowledgment (step 5): retransmit the next hole,
		// deflate by the amount acked, add back one SMSS if at least one
		// SMSS was acked, stay in recovery.
		c.Cwnd -= min(c.Cwnd, acked)
		if acked >= c.MSS {
			c.Cwnd += c.MSS
		}
		c.Cwnd = max(c.Cwnd, c.MSS)
		return true
	}
	c.Grow(acked)
	return false
}

// Grow opens the window for acked newly acknowledged bytes outside
// recovery: slow start below ssthresh, congestion avoidance above.
func (c *NewReno) Grow(acked uint32) {
	if c.Cwnd < c.Ssthresh {
		// Slow start (RFC 5681 §3.1, eq. 2): cwnd += min(N, SMSS).
		c.Cwnd += min(acked, c.MSS)
	} else {
		// Congestion avoidance (eq. 3): cwnd += SMSS*SMSS/cwnd, at
		// least one byte.
		c.Cwnd += max(c.MSS*c.MSS/max(c.Cwnd, 1), 1)
	}
}

// Reduce is the multiplicative decrease on a loss that SACK recovery
// repairs (RFC 5681 §3.2 eq. 4, which RFC 6675 §5 step 4.2 and RFC 6937
// use): ssthresh = max(FlightSize/2, 2*SMSS). The window itself is then
// steered by the caller (RFC 6937's proportional rate reduction).
func (c *NewReno) Reduce(flight uint32) {
	c.Ssthresh = max(flight/2, 2*c.MSS)
	c.dupAcks = 0
}

// OnDupAck handles a duplicate ACK (RFC 5681 §2's definition: no data,
// no window change, ack == snd.una with data outstanding). sndNxt is
// SND.NXT. It reports whether to fast-retransmit now.
func (c *NewReno) OnDupAck(ack, sndNxt Seq, flight uint32) (retransmit bool) {
	c.dupAcks++
	if c.inRecovery {
		// RFC 5681 §3.2 step 4: inflate by one SMSS per further dup ACK.
		c.Cwnd += c.MSS
		return false
	}
	if c.dupAcks != dupAckThreshold {
		return false
	}
	// RFC 6582 §3.2 step 2: enter recovery only if this ACK covers more
	// than recover, so a loss in an already-recovered window does not
	// halve the window twice.
	if !c.recover.LessThan(ack) {
		return false
	}
	// RFC 5681 §3.2 steps 2-3 (eq. 4): halve, retransmit, inflate by the
	// three segments that left the network.
	c.Ssthresh = max(flight/2, 2*c.MSS)
	c.Cwnd = c.Ssthresh + dupAckThreshold*c.MSS
	c.inRecovery = true
	c.recover = lastSent(sndNxt)
	return true
}

// OnTimeout handles a retransmission timeout (RFC 5681 §3.1, eq. 4, and
// the loss window of one SMSS). sndNxt is SND.NXT;
// repeated says the same segment timed out before (the RTO is backed off).
func (c *NewReno) OnTimeout(flight uint32, sndNxt Seq, repeated bool) {
	// RFC 5681 §3.1: on the first timeout ssthresh = max(FlightSize/2,
	// 2*SMSS); when the same segment is retransmitted again, ssthresh is
	// held, not halved once more.
	if !repeated {
		c.Ssthresh = max(flight/2, 2*c.MSS)
	}
	c.Cwnd = c.MSS
	c.dupAcks = 0
	c.inRecovery = false
	// RFC 6582 §3.2 after a timeout: recover = highest sequence sent, so
	// duplicate ACKs from the retransmitted window do not trigger a
	// spurious fast retransmit.
	c.recover = lastSent(sndNxt)
}

// lastSent is "the highest sequence number transmitted" of RFC 6582:
// the byte before SND.NXT.
func lastSent(sndNxt Seq) Seq { return sndNxt - 1 }
