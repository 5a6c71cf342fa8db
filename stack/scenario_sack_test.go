// scenario_sack_test.go holds the SACK scenarios: negotiation (RFC 2018
// §2), the receiver's blocks (§4), and the sender's recovery from them
// (RFC 6675, RFC 8985 RACK-TLP), with reneging after a timeout (RFC 2018
// §8), segment by segment on the manual clock.

package stack

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/tcp"
)

// sackSynOpts is synOpts with SACK-permitted.
var sackSynOpts = func() header.TCPOptions { o := synOpts; o.SACKPermitted = true; return o }()

const sackMSS = 1448 // 1460 less the timestamp option

// sackEstablished gives an accepted connection on port 80 whose peer
// offered SACK, and the stack's ISS.
func sackEstablished(t *testing.T, opt tcp.Options, peer header.TCPOptions) (*scenario, FD, uint32) {
	t.Helper()
	sc := newScenario(t, opt)
	lfd := sc.listen(80, 4)
	sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: peer})
	sa := sc.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 1})
	ack := seg{Flags: A, Seq: peerISS + 1, Ack: sa.Seq + 1, Wnd: 65535}
	if peer.HasTS {
		ack.Opts = ts(101, sa.Opts.TSVal)
	}
	sc.inject(80, ack)
	sc.wantState(80, sc.port, collect.StateEstablished)
	return sc, sc.accepted(lfd), sa.Seq
}

// blocks returns the SACK blocks of a segment, relative to base.
func blocks(s seg, base uint32) [][2]uint32 {
	var out [][2]uint32
	for _, b := range s.Opts.SACK[:s.Opts.NumSACK] {
		out = append(out, [2]uint32{b.Left - base, b.Right - base})
	}
	return out
}

// RFC 2018 §2: SACK-permitted is offered on a SYN and answered on the
// SYN,ACK only when the peer offered it; with NoSACK it is neither.
func TestScenarioSACKNegotiation(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opt       tcp.Options
		peerOffer bool
		want      bool
	}{
		{"both offer", tcp.Options{}, true, true},
		{"peer does not", tcp.Options{}, false, false},
		{"NoSACK", tcp.Options{NoSACK: true}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := newScenario(t, tc.opt)
			sc.listen(80, 4)
			o := synOpts
			o.SACKPermitted = tc.peerOffer
			sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: o})
			sa := sc.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 1})
			if sa.Opts.SACKPermitted != tc.want {
				t.Errorf("SYN,ACK SACK-permitted %v, want %v", sa.Opts.SACKPermitted, tc.want)
			}
			sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: sa.Seq + 1, Wnd: 1024, Opts: ts(101, sa.Opts.TSVal)})
			// Out-of-order data: the ACK carries a block only when SACK
			// was agreed.
			sc.inject(80, seg{Flags: A, Seq: peerISS + 101, Ack: sa.Seq + 1, Wnd: 1024, Opts: ts(102, sa.Opts.TSVal), Data: make([]byte, 100)})
			a := sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 1})
			want := [][2]uint32(nil)
			if tc.want {
				want = [][2]uint32{{100, 200}}
			}
			if diff := cmp.Diff(want, blocks(a, peerISS+1)); diff != "" {
				t.Errorf("blocks (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("active open", func(t *testing.T) {
		for _, noSACK := range []bool{false, true} {
			sc := newScenario(t, tcp.Options{NoSACK: noSACK})
			_, done := sc.connectAsync(80)
			syn := sc.expect(10*ms, seg{Flags: S})
			if syn.Opts.SACKPermitted == noSACK {
				t.Errorf("NoSACK=%v: SYN SACK-permitted %v", noSACK, syn.Opts.SACKPermitted)
			}
			// The peer's SYN,ACK without SACK-permitted: no blocks later.
			sc.port = syn.SrcPort
			sc.inject(syn.SrcPort, seg{Flags: S | A, Seq: peerISS, Ack: syn.Seq + 1, Wnd: 65535, Opts: synOpts, SrcPort: 80})
			sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 1})
			if err := waitErr(t, sc, done); err != nil {
				t.Fatal(err)
			}
			sc.inject(syn.SrcPort, seg{Flags: A, Seq: peerISS + 101, Ack: syn.Seq + 1, Wnd: 1024, Data: make([]byte, 100), SrcPort: 80})
			if a := sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 1}); a.Opts.NumSACK != 0 {
				t.Errorf("blocks %v on a connection whose peer did not permit SACK", blocks(a, peerISS+1))
			}
		}
	})
}

// RFC 2018 §4: the first block holds the segment that triggered the ACK,
// the others repeat the most recent blocks; three fit beside timestamps,
// four without; blocks merge as holes fill and go once RCV.NXT passes them.
func TestScenarioSACKReceiverBlocks(t *testing.T) {
	type step struct {
		piece      int // 100-byte piece i covers [100*i, 100*(i+1)) of the stream
		wantAck    uint32
		wantBlocks [][2]uint32
	}
	run := func(t *testing.T, peer header.TCPOptions, steps []step) {
		sc, _, iss := sackEstablished(t, tcp.Options{}, peer)
		base := uint32(peerISS + 1)
		for _, st := range steps {
			s := seg{Flags: A, Seq: base + uint32(100*st.piece), Ack: iss + 1, Wnd: 65535, Data: make([]byte, 100)}
			if peer.HasTS {
				s.Opts = ts(200, 0)
			}
			sc.inject(80, s)
			a := sc.expect(50*ms, seg{Flags: A})
			if a.Ack-base != st.wantAck {
				t.Fatalf("after piece %d: ACK %d, want %d", st.piece, a.Ack-base, st.wantAck)
			}
			if diff := cmp.Diff(st.wantBlocks, blocks(a, base)); diff != "" {
				t.Fatalf("after piece %d: blocks (-want +got):\n%s", st.piece, diff)
			}
		}
	}
	t.Run("timestamps", func(t *testing.T) {
		run(t, sackSynOpts, []step{
			{0, 100, nil},
			{2, 100, [][2]uint32{{200, 300}}},
			{4, 100, [][2]uint32{{400, 500}, {200, 300}}},
			{6, 100, [][2]uint32{{600, 700}, {400, 500}, {200, 300}}},
			{8, 100, [][2]uint32{{800, 900}, {600, 700}, {400, 500}}}, // three fit
			{3, 100, [][2]uint32{{200, 500}, {800, 900}, {600, 700}}}, // merged, first
			{3, 100, [][2]uint32{{200, 500}, {800, 900}, {600, 700}}}, // a duplicate: its block first
			{1, 500, [][2]uint32{{800, 900}, {600, 700}}},             // the hole at RCV.NXT fills
			{5, 700, [][2]uint32{{800, 900}}},
			{7, 900, nil},
		})
	})
	t.Run("no timestamps", func(t *testing.T) {
		o := sackSynOpts
		o.HasTS = false
		run(t, o, []step{
			{0, 100, nil},
			{2, 100, [][2]uint32{{200, 300}}},
			{4, 100, [][2]uint32{{400, 500}, {200, 300}}},
			{6, 100, [][2]uint32{{600, 700}, {400, 500}, {200, 300}}},
			{8, 100, [][2]uint32{{800, 900}, {600, 700}, {400, 500}, {200, 300}}}, // four fit
			{10, 100, [][2]uint32{{1000, 1100}, {800, 900}, {600, 700}, {400, 500}}},
		})
	})
}

// sendSegments makes the stack send n full segments and returns their
// TSvals.
func sendSegments(t *testing.T, sc *scenario, fd FD, iss uint32, n int) []uint32 {
	t.Helper()
	sc.s.Send(fd, make([]byte, n*sackMSS))
	var tsv []uint32
	for i := 0; i < n; i++ {
		flags := A
		if i == n-1 {
			flags |= P
		}
		s := sc.expect(10*ms, seg{Flags: flags, Seq: iss + 1 + uint32(i*sackMSS), Len: sackMSS})
		tsv = append(tsv, s.Opts.TSVal)
	}
	return tsv
}

// sackAck is the peer's ACK of the stack's segments up to segment ack
// (1-based: segments 1..ack are acknowledged), SACKing the given ranges
// of segments (first, last inclusive), first range first.
func sackAck(iss uint32, tsEcr uint32, ack int, ranges ...[2]int) seg {
	s := seg{Flags: A, Seq: peerISS + 1, Ack: iss + 1 + uint32(ack*sackMSS), Wnd: 65535, Opts: ts(300, tsEcr)}
	for i, r := range ranges {
		s.Opts.SACK[i] = header.SACKBlock{Left: iss + 1 + uint32((r[0]-1)*sackMSS), Right: iss + 1 + uint32(r[1]*sackMSS)}
	}
	s.Opts.NumSACK = len(ranges)
	return s
}

// expectRetrans requires the stack to resend exactly segments (1-based,
// of which last is the last data queued, sent with PSH), in order, within
// d each, and then nothing for quiet.
func expectRetrans(t *testing.T, sc *scenario, iss uint32, last int, d, quiet time.Duration, segments ...int) {
	t.Helper()
	for _, n := range segments {
		flags := A
		if n == last {
			flags |= P
		}
		sc.expect(d, seg{Flags: flags, Seq: iss + 1 + uint32((n-1)*sackMSS), Len: sackMSS})
	}
	sc.quiet(quiet)
}

// RFC 6675 §5 with RFC 2018 §3: the sender retransmits exactly the holes
// the SACK blocks reveal (IsLost: DupThresh segments SACKed above), never
// the SACKed data, and the recovery ends with the cumulative ACK.
func TestScenarioSACKRetransmitsHoles(t *testing.T) {
	sc, fd, iss := sackEstablished(t, tcp.Options{}, sackSynOpts)
	tsv := sendSegments(t, sc, fd, iss, 10)
	// Segments 2 and 5 are lost, and the round trip is 10 ms: before any
	// ACK, the tail-loss probe resends segment 10 at 2*SRTT (RFC 8985 §7).
	sc.expect(5*ms, seg{Flags: A | P, Seq: iss + 1 + 9*sackMSS, Len: sackMSS})
	sc.clk.Advance(10*ms - sc.clk.Now().Sub(sc.start))
	// The first ACK SACKs 3-4: two segments above the hole, not yet a
	// loss for RFC 6675 IsLost, nor for RACK within its reordering window
	// (a quarter of the minimum RTT, RFC 8985 §6.2).
	sc.inject(80, sackAck(iss, tsv[0], 1, [2]int{3, 4}))
	sc.quiet(time.Millisecond)
	// The next SACKs 6-10 too: 2 and 5 are lost, and only they are resent.
	sc.inject(80, sackAck(iss, tsv[0], 1, [2]int{6, 10}, [2]int{3, 4}))
	expectRetrans(t, sc, iss, 10, 5*ms, 100*ms, 2, 5)
	if n := sc.s.Counters.TCPSACKRecovery.Load(); n != 1 {
		t.Errorf("SACK recoveries %d, want 1", n)
	}
	// Everything arrives: recovery ends, nothing more is sent.
	sc.inject(80, sackAck(iss, tsv[9], 10))
	sc.quiet(2 * sec)
	if n := sc.s.Counters.TCPRetransSegs.Load(); n != 3 {
		t.Errorf("RetransSegs %d, want 3 (the probe, 2 and 5)", n)
	}
}

// RFC 6675 NextSeg (4): with nothing else to send in recovery, the
// highest unSACKed segment (a lost tail no SACK can reveal) is resent,
// once per recovery.
func TestScenarioSACKRescueRetransmission(t *testing.T) {
	sc, fd, iss := sackEstablished(t, tcp.Options{}, sackSynOpts)
	tsv := sendSegments(t, sc, fd, iss, 10)
	// Segment 2 and the tail 9-10 are lost: 3-8 are SACKed.
	sc.inject(80, sackAck(iss, tsv[0], 1, [2]int{3, 8}))
	expectRetrans(t, sc, iss, 10, 5*ms, 50*ms, 2, 10)
	// The repair of 2 arrives; 9 and 10 are still missing. RescueRxt is
	// the recovery point, above this ACK: no second rescue.
	sc.inject(80, sackAck(iss, tsv[7], 8))
	sc.quiet(50 * ms)
	if n := sc.s.Counters.TCPRetransSegs.Load(); n != 2 {
		t.Errorf("RetransSegs %d, want 2", n)
	}
}

// RFC 2018 §8 and RFC 6675 §5.1: after a retransmission timeout the
// scoreboard is discarded — the receiver may have reneged — so data that
// was SACKed is resent as the window reopens.
func TestScenarioSACKRenegingAfterRTO(t *testing.T) {
	sc, fd, iss := sackEstablished(t, tcp.Options{}, sackSynOpts)
	tsv := sendSegments(t, sc, fd, iss, 4)
	// 3 and 4 SACKed at once (an RTT of 0 on the manual clock, so RACK's
	// window is 0 too): 2 is resent.
	sc.inject(80, sackAck(iss, tsv[0], 1, [2]int{3, 4}))
	sc.expect(time.Millisecond, seg{Flags: A, Seq: iss + 1 + sackMSS, Len: sackMSS})
	// The retransmission is lost too; nothing sent later can reveal it, so
	// the RTO fires and 2 goes again, alone (cwnd is one segment).
	s := sc.expect(2*sec, seg{Flags: A, Seq: iss + 1 + sackMSS, Len: sackMSS})
	sc.quiet(10 * ms)
	if n := sc.s.Counters.TCPTimeouts.Load(); n != 1 {
		t.Fatalf("timeouts %d, want 1", n)
	}
	// The peer acknowledges 2 but reports no blocks: it dropped 3 and 4.
	// They were SACKed before the timeout, and are resent now.
	sc.inject(80, sackAck(iss, s.Opts.TSVal, 2))
	sc.expect(10*ms, seg{Flags: A, Seq: iss + 1 + 2*sackMSS, Len: sackMSS})
	sc.expect(10*ms, seg{Flags: A | P, Seq: iss + 1 + 3*sackMSS, Len: sackMSS})
}

// RFC 8985 §7: a lost tail is probed after 2*SRTT, not after the RTO; the
// probe's SACK lets RACK find the hole before it (§6.2).
func TestScenarioSACKTailLossProbe(t *testing.T) {
	sc, fd, iss := sackEstablished(t, tcp.Options{}, sackSynOpts)
	// An RTT sample of 20 ms (the handshake's was 0).
	sc.s.Send(fd, []byte("x"))
	x := sc.expect(10*ms, seg{Flags: A | P, Len: 1})
	sc.clk.Advance(20 * ms)
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: iss + 2, Wnd: 65535, Opts: ts(300, x.Opts.TSVal)})
	iss++ // the stream now starts one byte later
	sendSegments(t, sc, fd, iss, 3)
	// Segments 2 and 3 are lost and no ACK comes: the probe resends the
	// last segment at the PTO.
	start := sc.clk.Now()
	srtt := sc.tcpInfo(80).RTT.Duration()
	probe := sc.expect(100*ms, seg{Flags: A | P, Seq: iss + 1 + 2*sackMSS, Len: sackMSS})
	if d := sc.clk.Now().Sub(start); d < 2*srtt || d > 2*srtt+time.Millisecond {
		t.Errorf("probe after %v, want 2*SRTT = %v, not the RTO", d, 2*srtt)
	}
	if n := sc.s.Counters.TCPLossProbes.Load(); n != 1 {
		t.Errorf("loss probes %d, want 1", n)
	}
	// The probe arrives and is SACKed a round trip later, echoing its
	// timestamp: segment 2, sent before it, is lost (RACK.rtt plus the
	// reordering window have passed since it was sent).
	sc.clk.Advance(20 * ms)
	sc.inject(80, sackAck(iss, probe.Opts.TSVal, 1, [2]int{3, 3}))
	sc.expect(time.Millisecond, seg{Flags: A, Seq: iss + 1 + sackMSS, Len: sackMSS})
	if n := sc.s.Counters.TCPTimeouts.Load(); n != 0 {
		t.Errorf("timeouts %d, want none", n)
	}
}

// tcpInfo returns the TCP internals of the stack's socket on lport.
func (sc *scenario) tcpInfo(lport uint16) collect.TCPInfo {
	sc.t.Helper()
	for _, r := range sc.s.Snapshot() {
		if r.Local.Port() == lport && r.Remote.Port() == sc.port && r.TCP != nil {
			return *r.TCP
		}
	}
	sc.t.Fatalf("no connection on port %d", lport)
	return collect.TCPInfo{}
}
