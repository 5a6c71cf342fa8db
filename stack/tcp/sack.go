// sack.go is the receiver's half of selective acknowledgment (RFC 2018):
// the SACK blocks that describe the out-of-order queue, kept most recent
// first, and how many of them fit on a segment.

package tcp

import "github.com/gonetstat/gonetstat/stack/header"

// rcvSACK is the list of blocks the receiver reports, most recently
// changed first (RFC 2018 §4: "the first SACK block MUST specify the
// contiguous block of data containing the segment which triggered this
// ACK"; the others repeat the most recently reported blocks). It holds at
// most MaxSACKBlocks; older blocks fall off the end, which RFC 2018 §4
// allows: the sender keeps what it was told before.
type rcvSACK struct {
	b [header.MaxSACKBlocks]header.SACKBlock
	n int
}

// add records that [left, right) is now held out of order: the block
// that contains it (merged with every block it touches or overlaps)
// moves to the front.
func (r *rcvSACK) add(left, right Seq) {
	k := 0
	for i := 0; i < r.n; i++ {
		b := r.b[i]
		if Seq(b.Left).LessEq(right) && left.LessEq(Seq(b.Right)) {
			// Touching or overlapping: one contiguous block now.
			if Seq(b.Left).LessThan(left) {
				left = Seq(b.Left)
			}
			if right.LessThan(Seq(b.Right)) {
				right = Seq(b.Right)
			}
			continue
		}
		r.b[k] = b
		k++
	}
	// Shift the survivors down one place (the last falls off when full)
	// and put the new block first.
	if k == len(r.b) {
		k--
	}
	copy(r.b[1:k+1], r.b[:k])
	r.b[0] = header.SACKBlock{Left: uint32(left), Right: uint32(right)}
	r.n = k + 1
}

// advance drops what the cumulative acknowledgment now covers: a block
// must never report data at or below RCV.NXT (RFC 2018 §4, "SACK option
// ... specifies data the receiver has queued" beyond the ACK).
func (r *rcvSACK) advance(rcvNxt Seq) {
	k := 0
	for i := 0; i < r.n; i++ {
		b := r.b[i]
		if Seq(b.Right).LessEq(rcvNxt) {
			continue
		}
		if Seq(b.Left).LessThan(rcvNxt) {
			b.Left = uint32(rcvNxt)
		}
		r.b[k] = b
		k++
	}
	r.n = k
}

func (r *rcvSACK) reset() { r.n = 0 }

// sackBlocksFor is how many of the receiver's blocks a segment carrying
// dataLen bytes can hold: all of them on an ACK, as many as fit beside
// the data otherwise, never more than the 40 bytes of options allow with
// timestamps (3; RFC 2018 §3).
func (e *Endpoint) sackBlocksFor(dataLen int) int {
	if !e.sackOK || e.rcvSack.n == 0 {
		return 0
	}
	room := int(e.mss) - dataLen - 4 // NOP, NOP, kind, length
	k := min(e.rcvSack.n, max(room, 0)/8)
	if e.tsOK {
		k = min(k, 3)
	}
	return k
}

// segRoomLocked is the data one segment can carry now: the MSS less the
// SACK option while the receiver has blocks to report, so that data
// segments still carry them (a data-carrying ACK is never a duplicate
// ACK, RFC 5681 §2, so without blocks it would tell the sender nothing
// about holes). Linux shrinks its segments the same way.
func (e *Endpoint) segRoomLocked() int {
	if !e.sackOK || e.rcvSack.n == 0 {
		return int(e.mss)
	}
	k := e.rcvSack.n
	if e.tsOK {
		k = min(k, 3)
	}
	return max(int(e.mss)-4-8*k, 8)
}
