// scenario_deviation_test.go holds the small deviations from Linux that
// probing the stack found (issue 17 item 10), each as Linux behaves:
// PAWS, duplicate out-of-order data, SYN+FIN, malformed options, a
// retransmitted SYN during the handshake, source routes and urgent data.

package stack

import (
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/tcp"
)

// recvAll reads what the connection holds now, without blocking.
func (sc *scenario) recvAll(fd FD) string {
	sc.t.Helper()
	sc.s.SetReadDeadline(fd, sc.clk.Now())
	buf := make([]byte, 4096)
	n, _ := sc.s.Recv(fd, buf)
	return string(buf[:n])
}

// TestScenarioPAWS: RFC 7323 §5.3 R1, as Linux's tcp_validate_incoming
// (tcp_paws_discard): a segment whose TSval is older than TS.Recent is a
// duplicate from an earlier wrap of the sequence space; it is answered
// with an ACK and dropped, its data unread. A RST is exempt, as are
// reordered pure ACKs (tcp_disordered_ack), and a TS.Recent idle for 24
// days no longer counts (RFC 7323 §5.5).
func TestScenarioPAWS(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{})
	sc.inject(80, seg{Flags: A | P, Seq: peerISS + 1, Ack: iss + 1, Wnd: 1024, Opts: ts(200, 0), Data: []byte("new")})
	sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 4})
	sc.inject(80, seg{Flags: A | P, Seq: peerISS + 4, Ack: iss + 1, Wnd: 1024, Opts: ts(150, 0), Data: []byte("old")})
	sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 4}) // not peerISS+7: dropped
	if got := sc.recvAll(fd); got != "new" {
		t.Errorf("read %q: want only the data whose timestamp is not old", got)
	}
	if got := sc.s.Counters.TCPPAWSEstab.Load(); got != 1 {
		t.Errorf("PAWSEstab %d, want 1", got)
	}
	// A reordered pure ACK with a slightly older timestamp is no
	// duplicate: it draws no ACK.
	sc.inject(80, seg{Flags: A, Seq: peerISS + 4, Ack: iss + 1, Wnd: 1024, Opts: ts(199, 0)})
	sc.quiet(10 * ms)
	// TS.Recent idle for over 24 days is invalid: old timestamps pass.
	sc.clk.Advance(25 * 24 * time.Hour)
	sc.inject(80, seg{Flags: A | P, Seq: peerISS + 4, Ack: iss + 1, Wnd: 1024, Opts: ts(150, 0), Data: []byte("late")})
	sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 8})
	if got := sc.recvAll(fd); got != "late" {
		t.Errorf("read %q after 25 idle days, want %q", got, "late")
	}
	// A RST is not held to PAWS (Linux: "Reset is accepted even if it
	// did not pass PAWS").
	sc.inject(80, seg{Flags: R, Seq: peerISS + 8, Opts: ts(1, 0)})
	if got := sc.state(80, sc.port); got != collect.StateUnknown && got != collect.StateClose {
		t.Errorf("after an exact RST with an old timestamp: %v, want closed", got)
	}
}

// memUsed is the buffer memory the stack's socket on port 80 with the
// peer's port holds.
func (sc *scenario) memUsed() int64 {
	for _, r := range sc.s.Snapshot() {
		if r.Local.Port() == 80 && r.Remote.Port() == sc.port {
			return r.Stack.MemUsed
		}
	}
	sc.t.Fatal("no connection")
	return 0
}

// TestScenarioDuplicateOutOfOrder: out-of-order data the queue already
// holds is neither stored nor charged again, and an overlapping segment
// adds only its new bytes (Linux's tcp_data_queue_ofo); every byte is
// still read once, in order.
func TestScenarioDuplicateOutOfOrder(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{})
	base := sc.memUsed()
	data := make([]byte, 300)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	at := func(lo, hi int) seg {
		return seg{Flags: A, Seq: peerISS + 1 + uint32(lo), Ack: iss + 1, Wnd: 1024, Data: data[lo:hi]}
	}
	sc.inject(80, at(100, 200))
	sc.inject(80, at(100, 200)) // an exact duplicate
	sc.inject(80, at(100, 200))
	if got := sc.memUsed() - base; got != 100 {
		t.Errorf("one out-of-order segment and two duplicates of it charge %d bytes, want 100", got)
	}
	sc.inject(80, at(150, 250)) // half new
	sc.inject(80, at(50, 300))  // covers both, with new bytes each side
	if got := sc.memUsed() - base; got != 250 {
		t.Errorf("out-of-order data over [50, 300) charges %d bytes, want 250", got)
	}
	sc.inject(80, at(0, 50)) // fills the hole
	if got := sc.recvAll(fd); got != string(data) {
		t.Errorf("read %q, want %q", got, data)
	}
	if got := sc.memUsed() - base; got != 0 {
		t.Errorf("%d bytes still charged after reading everything", got)
	}
}

// TestScenarioSynFinDropped: a SYN with FIN set opens nothing and draws
// nothing: Linux's tcp_rcv_state_process drops it in LISTEN (it has no
// honest use; scanners send it to slip past filters that look for a bare
// SYN).
func TestScenarioSynFinDropped(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	sc.listen(80, 4)
	sc.inject(80, seg{Flags: S | F, Seq: peerISS, Wnd: 65535, Opts: synOpts})
	sc.quiet(10 * ms)
	if got := sc.state(80, sc.port); got != collect.StateUnknown {
		t.Errorf("a SYN+FIN opened a %v connection", got)
	}
	sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: synOpts})
	sc.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 1})
}

// TestScenarioMalformedOptions: a malformed TCP option does not drop the
// segment. As Linux's tcp_parse_options, a known option with the wrong
// length is ignored and the options after it are read; an option whose
// length is under 2 or runs past the field ends the parse, keeping what
// came before.
func TestScenarioMalformedOptions(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	lfd := sc.listen(80, 4)
	// A SYN whose MSS option is 3 bytes long: the MSS is ignored (536 by
	// default), the window scale and timestamps after it are taken.
	sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, RawOpts: []byte{2, 3, 0x05, 3, 3, 7, 1, 1, 8, 10, 0, 0, 0, 100, 0, 0, 0, 0}})
	sa := sc.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 1})
	if !sa.Opts.HasWS || !sa.Opts.HasTS || sa.Opts.TSEcr != 100 {
		t.Fatalf("SYN,ACK options %+v: the window scale and timestamp after a bad MSS option were not taken", sa.Opts)
	}
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: sa.Seq + 1, Wnd: 1024, Opts: ts(101, sa.Opts.TSVal)})
	fd := sc.accepted(lfd)
	for i, raw := range [][]byte{
		{8, 6, 0, 0, 0, 0},          // a timestamp of the wrong length
		{99, 40},                    // an unknown option running past the field
		{1, 1, 99, 1},               // a "silly" length of 1
		{5, 7, 0, 0, 0, 0, 0, 0, 0}, // SACK blocks of the wrong length
		{8, 10, 0, 0, 0, 102, 0, 0}, // a timestamp cut short by the field's end
	} {
		sc.inject(80, seg{Flags: A | P, Seq: peerISS + 1 + uint32(i), Ack: sa.Seq + 1, Wnd: 1024, RawOpts: raw, Data: []byte("x")})
		if got := sc.recvAll(fd); got != "x" {
			t.Errorf("options % x: read %q, want the segment's data", raw, got)
		}
		sc.inbox = nil
	}
}

// TestScenarioRetransmittedSYN: a SYN retransmitted while the connection
// is in SYN-RECEIVED (our SYN,ACK was lost) is answered with the SYN,ACK
// again, as Linux's tcp_check_req does (inet_rtx_syn_ack), at most once
// per 500 ms (tcp_oow_rate_limited). The SYN,ACK's own retransmission
// timer keeps its schedule.
func TestScenarioRetransmittedSYN(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	sc.listen(80, 4)
	syn := seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: synOpts}
	sc.inject(80, syn)
	sa := sc.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 1})
	sc.clk.Advance(300 * ms)
	sc.inject(80, syn)
	sc.expect(0, seg{Flags: S | A, Seq: sa.Seq, Ack: peerISS + 1, HasSeq: true})
	sc.clk.Advance(100 * ms)
	sc.inject(80, syn) // within 500 ms of the last: held back
	sc.quiet(0)
	// The SYN,ACK's retransmission timer (1 s, RFC 6298 §2.1) still fires
	// at 1 s.
	_, at, ok := sc.next(sec)
	if !ok || at != sec {
		t.Errorf("the SYN,ACK was retransmitted at %v (sent %v), want 1s", at, ok)
	}
	if got := sc.s.Counters.TCPACKSkippedSynRecv.Load(); got != 1 {
		t.Errorf("TCPACKSkippedSynRecv %d, want 1", got)
	}
	sc.wantState(80, sc.port, collect.StateSynRecv)
}

// TestScenarioUrgentInline: urgent data stays in the stream, in order, as
// with SO_OOBINLINE. Linux, without that option, takes the last urgent
// byte out of the stream for recv(MSG_OOB); the stack has no MSG_OOB, and
// RFC 6093 §6 asks that urgent data be delivered inline by applications
// that must use it and that new ones not use it at all: taking a byte out
// would lose it for every reader here (net/http among them).
func TestScenarioUrgentInline(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{})
	sc.inject(80, seg{Flags: A | P, Seq: peerISS + 1, Ack: iss + 1, Wnd: 1024, Data: []byte("ab")})
	sc.inject(80, seg{Flags: A | P | header.TCPUrg, Seq: peerISS + 3, Ack: iss + 1, Wnd: 1024, Urgent: 3, Data: []byte("cd!")})
	if got := sc.recvAll(fd); got != "abcd!" {
		t.Errorf("read %q, want every byte in order, the urgent one included", got)
	}
}
