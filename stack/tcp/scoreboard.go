// scoreboard.go is the SACK sender's record of what is in flight: one
// entry per transmitted segment from SND.UNA to SND.NXT, with what the
// peer's SACK blocks said of it (RFC 6675 §3's scoreboard), whether it is
// presumed lost, and when it was last sent (RACK's per-segment state,
// RFC 8985 §5.2). The entries live in one slice reused for the whole
// connection, so a steady transfer allocates nothing per segment.

package tcp

// txSeg is one transmitted segment, [start, end) in sequence space (a FIN
// counts as one octet).
type txSeg struct {
	start, end Seq
	xmit       int64 // clock nanoseconds of the latest (re)transmission
	xmitTS     uint32
	sacked     bool // reported by a SACK block (RFC 6675 §2 "SACKed")
	lost       bool // presumed lost and not retransmitted since
	retrans    bool // sent more than once (RFC 8985 §5.2 Segment.retransmitted)
}

func (s *txSeg) len() uint32 { return s.end.Sub(s.start) }

// scoreboard holds the segments in flight, in sequence order and
// contiguous: segs[head] starts at SND.UNA and the last ends at SND.NXT.
type scoreboard struct {
	segs        []txSeg
	head        int
	sackedBytes uint32 // octets of segments marked SACKed
	sackedSegs  int
	lostBytes   uint32 // octets presumed lost and not yet retransmitted
	highSacked  Seq    // the highest SACKed octet + 1, when sackedBytes > 0
}

// live returns the segments in flight; valid until the next push or ack.
func (b *scoreboard) live() []txSeg { return b.segs[b.head:] }

// push records a segment just sent for the first time. The array is
// compacted in place when half of it is acknowledged, as byteQueue is.
func (b *scoreboard) push(start, end Seq, now int64, ts uint32) {
	if len(b.segs) == cap(b.segs) && b.head > 0 && b.head >= len(b.segs)-b.head {
		n := copy(b.segs, b.segs[b.head:])
		b.segs, b.head = b.segs[:n], 0
	}
	b.segs = append(b.segs, txSeg{start: start, end: end, xmit: now, xmitTS: ts})
}

// find returns the index (in live) of the segment holding seq, or
// len(live) when none does.
func (b *scoreboard) find(seq Seq) int {
	l := b.live()
	lo, hi := 0, len(l)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if l[m].end.LessEq(seq) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// markSacked marks one segment SACKed; it reports whether that is news.
func (b *scoreboard) markSacked(s *txSeg) bool {
	if s.sacked {
		return false
	}
	s.sacked = true
	b.sackedBytes += s.len()
	b.sackedSegs++
	if s.lost {
		s.lost = false
		b.lostBytes -= s.len()
	}
	if b.sackedBytes == s.len() || b.highSacked.LessThan(s.end) {
		b.highSacked = s.end
	}
	return true
}

// markLost presumes one segment lost (it leaves the pipe, RFC 6675 §4).
func (b *scoreboard) markLost(s *txSeg) bool {
	if s.lost || s.sacked {
		return false
	}
	s.lost = true
	b.lostBytes += s.len()
	return true
}

// drop forgets the segment at the head (acknowledged).
func (b *scoreboard) drop() {
	s := &b.segs[b.head]
	if s.sacked {
		b.sackedBytes -= s.len()
		b.sackedSegs--
	}
	if s.lost {
		b.lostBytes -= s.len()
	}
	b.head++
	if b.head == len(b.segs) {
		b.segs, b.head = b.segs[:0], 0
	}
}

// trimHead moves the first segment's start up to una (a partial
// acknowledgment of it).
func (b *scoreboard) trimHead(una Seq) {
	s := &b.segs[b.head]
	cut := una.Sub(s.start)
	if s.sacked {
		b.sackedBytes -= cut
	}
	if s.lost {
		b.lostBytes -= cut
	}
	s.start = una
}

// forgetSACKs discards every SACK mark: after a retransmission timeout
// the receiver may have reneged (RFC 2018 §8: the sender "MUST ignore
// prior SACK information in determining which data to retransmit";
// RFC 6675 §5.1).
func (b *scoreboard) forgetSACKs() {
	for i := range b.live() {
		b.segs[b.head+i].sacked = false
	}
	b.sackedBytes, b.sackedSegs = 0, 0
}

// reset empties the scoreboard and gives its memory back.
func (b *scoreboard) reset() { *b = scoreboard{} }
