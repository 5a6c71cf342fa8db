// seqnum.go is sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4).

package tcp

// Seq is a TCP sequence number. Comparisons are modulo 2^32: a is "less
// than" b when b is less than 2^31 ahead of it, so they stay right across
// the wrap (RFC 9293 §3.4, "all arithmetic dealing with sequence numbers
// must be performed modulo 2**32").
type Seq uint32

// Add returns s advanced by n bytes.
func (s Seq) Add(n uint32) Seq { return s + Seq(n) }

// Sub returns how many bytes s is ahead of t (t must not be ahead of s).
func (s Seq) Sub(t Seq) uint32 { return uint32(s - t) }

// LessThan reports s < t modulo 2^32.
func (s Seq) LessThan(t Seq) bool { return int32(s-t) < 0 }

// LessEq reports s <= t modulo 2^32.
func (s Seq) LessEq(t Seq) bool { return int32(s-t) <= 0 }

// InRange reports start <= s < end modulo 2^32.
func (s Seq) InRange(start, end Seq) bool { return start.LessEq(s) && s.LessThan(end) }

// InWindow reports whether s falls in the window of size bytes starting
// at start: RFC 9293 §3.10.7.4's "RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND".
func (s Seq) InWindow(start Seq, size uint32) bool { return s.InRange(start, start.Add(size)) }

// Acceptable is RFC 9293 §3.10.7.4's segment acceptability test for a
// segment of length segLen at seq, against the receive window
// [rcvNxt, rcvNxt+rcvWnd).
func Acceptable(seq Seq, segLen uint32, rcvNxt Seq, rcvWnd uint32) bool {
	switch {
	case segLen == 0 && rcvWnd == 0:
		return seq == rcvNxt
	case segLen == 0:
		return seq.InWindow(rcvNxt, rcvWnd)
	case rcvWnd == 0:
		return false
	}
	end := seq.Add(segLen - 1)
	return seq.InWindow(rcvNxt, rcvWnd) || end.InWindow(rcvNxt, rcvWnd)
}

// MaxSeq returns the later of two sequence numbers.
func MaxSeq(a, b Seq) Seq {
	if a.LessThan(b) {
		return b
	}
	return a
}
