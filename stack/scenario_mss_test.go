// scenario_mss_test.go holds the scenarios of a peer announcing a tiny
// MSS: the stack must neither cut its data into bytes nor, with the
// timestamp option to subtract, wrap its segment size around.

package stack

import (
	"fmt"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/tcp"
)

// The peer's MSS is raised to Linux's floor, tcp_min_snd_mss = 48, before
// the 12 bytes of the timestamp option come off (__tcp_mtu_to_mss, then
// tcp_mtu_to_mss): an MSS of 1 gives segments of 36 data bytes with
// timestamps and 48 without, not 1 byte (2,000 frames for 2 KB), and an
// MSS of 12 or less with timestamps does not wrap the stack's unsigned
// segment size to zero or to 4 GB (nothing was ever sent). Both the
// passive (the peer's SYN) and the active side (its SYN,ACK) are checked.
func TestScenarioPeerMSSFloor(t *testing.T) {
	for _, tt := range []struct {
		mss  uint16
		ts   bool
		want int
	}{
		{1, true, 36}, {1, false, 48}, {10, true, 36}, {12, true, 36}, {13, true, 36},
		{47, false, 48}, {60, true, 48}, {536, true, 524},
	} {
		opts := header.TCPOptions{HasMSS: true, MSS: tt.mss, HasTS: tt.ts, TSVal: 100}
		t.Run(fmt.Sprintf("passive/mss=%d/ts=%v", tt.mss, tt.ts), func(t *testing.T) {
			sc := newScenario(t, tcp.Options{})
			lfd := sc.listen(80, 4)
			sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: opts})
			sa := sc.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 1})
			sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: sa.Seq + 1, Wnd: 65535, Opts: peerTS(tt.ts, 101, sa.Opts.TSVal)})
			fd := sc.accepted(lfd)
			if _, err := sc.s.Send(fd, make([]byte, 2000)); err != nil {
				t.Fatal(err)
			}
			sc.expect(10*ms, seg{Flags: A, Seq: sa.Seq + 1, Len: tt.want})
			sc.expect(10*ms, seg{Flags: A, Seq: sa.Seq + 1 + uint32(tt.want), Len: tt.want})
		})
		t.Run(fmt.Sprintf("active/mss=%d/ts=%v", tt.mss, tt.ts), func(t *testing.T) {
			sc := newScenario(t, tcp.Options{})
			fd, done := sc.connectAsync(80)
			syn := sc.expect(10*ms, seg{Flags: S})
			sc.inject(syn.SrcPort, seg{SrcPort: 80, Flags: S | A, Seq: peerISS, Ack: syn.Seq + 1, Wnd: 65535, Opts: withMSS(peerTS(tt.ts, 100, syn.Opts.TSVal), tt.mss)})
			sc.expect(10*ms, seg{Flags: A, Seq: syn.Seq + 1, Ack: peerISS + 1})
			if err := waitErr(t, sc, done); err != nil {
				t.Fatal(err)
			}
			sc.wantState(syn.SrcPort, 80, collect.StateEstablished)
			if _, err := sc.s.Send(fd, make([]byte, 2000)); err != nil {
				t.Fatal(err)
			}
			sc.expect(10*ms, seg{Flags: A, Seq: syn.Seq + 1, Len: tt.want})
			sc.expect(10*ms, seg{Flags: A, Seq: syn.Seq + 1 + uint32(tt.want), Len: tt.want})
		})
	}
}

// peerTS is the peer's timestamp option, or none.
func peerTS(on bool, val, ecr uint32) header.TCPOptions {
	if !on {
		return header.TCPOptions{}
	}
	return header.TCPOptions{HasTS: true, TSVal: val, TSEcr: ecr}
}

// withMSS adds the MSS option to o.
func withMSS(o header.TCPOptions, mss uint16) header.TCPOptions {
	o.HasMSS, o.MSS = true, mss
	return o
}
