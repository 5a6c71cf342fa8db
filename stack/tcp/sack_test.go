// sack_test.go tests the receiver's SACK block list (RFC 2018 §4) and the
// sender's scoreboard bookkeeping on their own, across the sequence wrap.

package tcp

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/stack/header"
)

func TestRcvSACK(t *testing.T) {
	const base = Seq(0xffffff00) // the blocks cross the wrap
	type op struct {
		add         bool
		left, right uint32 // relative to base; advance uses left as RCV.NXT
	}
	for _, tc := range []struct {
		name string
		ops  []op
		want [][2]uint32 // relative to base, first block first
	}{
		{"one", []op{{true, 100, 200}}, [][2]uint32{{100, 200}}},
		{"most recent first", []op{{true, 100, 200}, {true, 300, 400}, {true, 500, 600}}, [][2]uint32{{500, 600}, {300, 400}, {100, 200}}},
		{"adjacent merge and move first", []op{{true, 100, 200}, {true, 300, 400}, {true, 200, 300}}, [][2]uint32{{100, 400}}},
		{"overlap extends", []op{{true, 100, 200}, {true, 300, 400}, {true, 150, 250}}, [][2]uint32{{100, 250}, {300, 400}}},
		{"duplicate moves first", []op{{true, 100, 200}, {true, 300, 400}, {true, 100, 200}}, [][2]uint32{{100, 200}, {300, 400}}},
		{"oldest falls off", []op{{true, 100, 200}, {true, 300, 400}, {true, 500, 600}, {true, 700, 800}, {true, 900, 1000}},
			[][2]uint32{{900, 1000}, {700, 800}, {500, 600}, {300, 400}}},
		{"advance drops covered", []op{{true, 100, 200}, {true, 300, 400}, {false, 250, 0}}, [][2]uint32{{300, 400}}},
		{"advance trims", []op{{true, 100, 200}, {false, 150, 0}}, [][2]uint32{{150, 200}}},
		{"advance past all", []op{{true, 100, 200}, {true, 300, 400}, {false, 400, 0}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r rcvSACK
			for _, o := range tc.ops {
				if o.add {
					r.add(base.Add(o.left), base.Add(o.right))
				} else {
					r.advance(base.Add(o.left))
				}
			}
			var got [][2]uint32
			for _, b := range r.b[:r.n] {
				got = append(got, [2]uint32{Seq(b.Left).Sub(base), Seq(b.Right).Sub(base)})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("blocks (-want +got):\n%s", diff)
			}
		})
	}
}

// TestScoreboard: pushes, SACK and loss marks, partial and whole
// acknowledgments keep the byte counters equal to the marks, and the
// array is reused once half of it is acknowledged.
func TestScoreboard(t *testing.T) {
	var b scoreboard
	start := Seq(0xfffff000)
	for i := 0; i < 8; i++ {
		b.push(start.Add(uint32(i*100)), start.Add(uint32(i*100+100)), int64(i), uint32(i))
	}
	if got := b.find(start.Add(250)); got != 2 {
		t.Errorf("find(250) = %d, want 2", got)
	}
	if got := b.find(start.Add(800)); got != 8 {
		t.Errorf("find(800) = %d, want 8 (none)", got)
	}
	l := b.live()
	b.markSacked(&l[3])
	b.markSacked(&l[5])
	b.markLost(&l[1])
	b.markLost(&l[5]) // SACKed: not lost
	b.markLost(&l[1]) // already
	check := func(step string, sacked, segs int, lost uint32, high uint32) {
		t.Helper()
		got := []any{b.sackedBytes, b.sackedSegs, b.lostBytes}
		want := []any{uint32(sacked), segs, lost}
		if sacked > 0 {
			got, want = append(got, b.highSacked.Sub(start)), append(want, high)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: sacked bytes, segments, lost bytes, high (-want +got):\n%s", step, diff)
		}
	}
	check("marked", 200, 2, 100, 600)
	b.trimHead(start.Add(50))
	check("partial ACK", 200, 2, 100, 600)
	b.drop()
	b.drop() // the lost one
	check("two dropped", 200, 2, 0, 600)
	b.forgetSACKs()
	check("RTO", 0, 0, 0, 0)
	for len(b.live()) > 0 {
		b.drop()
	}
	if b.head != 0 || len(b.segs) != 0 {
		t.Errorf("empty scoreboard head %d len %d, want the array rewound", b.head, len(b.segs))
	}
	// Compaction: with half acknowledged, a full array moves down
	// instead of growing.
	b.segs = make([]txSeg, 0, 4)
	for i := 0; i < 4; i++ {
		b.push(start.Add(uint32(i)), start.Add(uint32(i+1)), 0, 0)
	}
	b.drop()
	b.drop()
	b.push(start.Add(4), start.Add(5), 0, 0)
	if cap(b.segs) != 4 || b.head != 0 || len(b.live()) != 3 || b.live()[0].start != start.Add(2) {
		t.Errorf("after compaction cap %d head %d live %d", cap(b.segs), b.head, len(b.live()))
	}
}

// TestSACKBlocksFit: three blocks beside timestamps, four without, fewer
// beside data, none when SACK is off.
func TestSACKBlocksFit(t *testing.T) {
	e := &Endpoint{mss: 1448, tsOK: true, sackOK: true}
	for i := 0; i < 4; i++ {
		e.rcvSack.add(Seq(1000+200*i), Seq(1100+200*i))
	}
	got := []int{e.sackBlocksFor(0), e.sackBlocksFor(1448), e.sackBlocksFor(1448 - 20), e.segRoomLocked()}
	if diff := cmp.Diff([]int{3, 0, 2, 1448 - 28}, got); diff != "" {
		t.Errorf("timestamps: blocks on an ACK, a full segment, one 20 short; room (-want +got):\n%s", diff)
	}
	e.tsOK, e.mss = false, 1460
	if got := e.sackBlocksFor(0); got != header.MaxSACKBlocks {
		t.Errorf("without timestamps %d blocks, want %d", got, header.MaxSACKBlocks)
	}
	e.sackOK = false
	if got := e.sackBlocksFor(0); got != 0 {
		t.Errorf("SACK off: %d blocks", got)
	}
}
