// scenario_budget_test.go holds the scenarios of a peer that tries to
// starve the stack's shared memory budget (issue 17 item 2): zero-window
// probes that are never answered, orphans, out-of-order data, TIME_WAIT.
// Each checks the rule Linux applies, on the manual clock.

package stack

import (
	"errors"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/link"
	"github.com/gonetstat/gonetstat/stack/tcp"
	"github.com/gonetstat/gonetstat/stack/udp"
)

// jump is next for long scripts: instead of 1 ms steps it moves the
// clock straight to each timer that falls due, which is as exact (the
// stack only acts on a timer or an injected segment) and lets a script
// cover an hour of probes at once.
func (sc *scenario) jump(within time.Duration) (seg, time.Duration, bool) {
	end := sc.clk.Now().Add(within)
	for {
		if s, at, ok := sc.pop(); ok {
			return s, at, true
		}
		d, ok := sc.clk.Next()
		if left := end.Sub(sc.clk.Now()); !ok || d > left {
			sc.clk.Advance(max(left, 0))
			return seg{}, 0, false
		}
		sc.clk.Advance(d)
	}
}

// times records the instants of the segments the stack sends within d,
// each of which must be what match accepts (what describes it), calling
// each after every one; it stops early when the stack falls silent for
// the rest of d.
func (sc *scenario) times(d time.Duration, what string, match func(seg) bool, each func()) []time.Duration {
	sc.t.Helper()
	var at []time.Duration
	end := sc.clk.Now().Add(d)
	for sc.clk.Now().Before(end) {
		s, when, ok := sc.jump(end.Sub(sc.clk.Now()))
		if !ok {
			break
		}
		if !match(s) {
			sc.t.Fatalf("at %v: expected %s, got %v", when, what, s)
		}
		at = append(at, when)
		each()
	}
	return at
}

// probeTimes records the instants of the zero-window probes (ACKs at
// SND.UNA-1) the stack sends within d, answering each with a zero window
// while answer says so.
func (sc *scenario) probeTimes(d time.Duration, iss uint32, answer bool) []time.Duration {
	sc.t.Helper()
	isProbe := func(s seg) bool { return s.Flags == A && s.Seq == iss && len(s.Data) == 0 }
	return sc.times(d, "a zero-window probe (ACK at SND.UNA-1)", isProbe, func() {
		if answer {
			sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: iss + 1, Wnd: 0})
		}
	})
}

// Linux tcp_probe_timer: RFC 1122 §4.2.2.17 keeps a connection open as
// long as the receiver answers the zero-window probes; tcp_retries2 (15)
// probes that go unanswered end it with ETIMEDOUT and give its memory
// back. Before this rule a peer that opened a download with a zero
// window and left held the send buffer for good.
func TestScenarioZeroWindowProbesGiveUp(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{})
	idle := sc.s.Budget.Used()
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: iss + 1, Wnd: 0})
	if _, err := sc.s.Send(fd, make([]byte, 100_000)); err != nil {
		t.Fatal(err)
	}
	// Answered, the probes go on past the retry limit, backing off to
	// TCP_RTO_MAX (120 s).
	answered := sc.probeTimes(30*time.Minute, iss, true)
	if len(answered) < 20 {
		t.Fatalf("%d answered probes in 30 minutes, want the connection kept open", len(answered))
	}
	if gap := answered[len(answered)-1] - answered[len(answered)-2]; gap != tcp.DefaultMaxRTO {
		t.Errorf("probe interval after backoff %v, want %v", gap, tcp.DefaultMaxRTO)
	}
	sc.wantState(80, sc.port, collect.StateEstablished)
	// The peer leaves: 15 more probes, TCP_RTO_MAX apart, then the abort
	// one interval after the last.
	last := answered[len(answered)-1]
	unanswered := sc.probeTimes(15*tcp.DefaultMaxRTO+sec, iss, false)
	if len(unanswered) != 15 || unanswered[0] != last+tcp.DefaultMaxRTO {
		t.Fatalf("unanswered probes at %v (the last answered at %v), want 15 from %v", unanswered, last, last+tcp.DefaultMaxRTO)
	}
	abort := unanswered[14] + tcp.DefaultMaxRTO
	sc.clk.Advance(abort - sec - sc.clk.Now().Sub(sc.start))
	sc.wantState(80, sc.port, collect.StateEstablished)
	sc.clk.Advance(2 * sec)
	if st := sc.state(80, sc.port); st != collect.StateClose {
		t.Fatalf("the connection is %v %v after its 15th unanswered probe, want CLOSE", st, tcp.DefaultMaxRTO+sec)
	}
	sc.s.SetReadDeadline(fd, sc.clk.Now()) // Recv must not block if the connection lived on
	if _, err := sc.s.Recv(fd, make([]byte, 1)); !errors.Is(err, syscall.ETIMEDOUT) {
		t.Errorf("after unanswered probes: %v, want ETIMEDOUT", err)
	}
	if used := sc.s.Budget.Used(); used > idle {
		t.Errorf("budget holds %d bytes after the abort, %d before the download: the send buffer was not given back", used, idle)
	}
	if c := sc.s.Counters.TCPAbortOnTimeout.Load(); c != 1 {
		t.Errorf("TCPAbortOnTimeout %d, want 1", c)
	}
	t.Logf("answered probes until %v; 15 unanswered from %v; aborted at %v", last, unanswered[0], abort)
}

// stalled opens n connections to a listener on port 80 from peer ports
// 41000 on, each of which closes its window at once while the
// application writes into it until the stack will take no more: what a
// peer that downloads and never reads costs. It returns the accepted
// descriptors.
func (sc *scenario) stalled(lfd FD, n int) []FD {
	sc.t.Helper()
	defer func(p uint16) { sc.port = p }(sc.port)
	var fds []FD
	chunk := make([]byte, 1000)
	for i := range n {
		sc.port = uint16(41000 + i)
		iss := sc.handshake(80)
		fd := sc.accepted(lfd)
		sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: iss + 1, Wnd: 0})
		sc.s.SetWriteDeadline(fd, sc.clk.Now()) // a full buffer fails at once instead of blocking
		for {
			if n, err := sc.s.Send(fd, chunk); err != nil || n < len(chunk) {
				break
			}
		}
		fds = append(fds, fd)
	}
	return fds
}

// serveOne plays a legitimate client on peer port 50000: it connects to
// port 80, sends a request, and expects the application's answer of
// answer bytes, which the test's "server" writes after reading the
// request. It fails the test if the stack cannot accept or answer.
func (sc *scenario) serveOne(lfd FD, answer int) {
	sc.t.Helper()
	defer func(p uint16) { sc.port = p }(sc.port)
	sc.port = 50000
	sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: synOpts})
	sa, _, ok := sc.jump(10 * ms)
	if !ok || sa.Flags != S|A {
		sc.t.Fatalf("a legitimate SYN was answered with %v (%v), want SYN,ACK; budget %d of %d, %d listen drops",
			sa, ok, sc.s.Budget.Used(), sc.s.Budget.Limit(), sc.s.Counters.TCPListenDrops.Load())
	}
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: sa.Seq + 1, Wnd: 65535, Opts: ts(101, sa.Opts.TSVal)})
	fd := sc.accepted(lfd)
	defer sc.s.Close(fd)
	req := []byte("GET / HTTP/1.0\r\n\r\n")
	sc.inject(80, seg{Flags: A | P, Seq: peerISS + 1, Ack: sa.Seq + 1, Wnd: 65535, Opts: ts(102, sa.Opts.TSVal), Data: req})
	sc.s.SetReadDeadline(fd, sc.clk.Now())
	if n, err := sc.s.Recv(fd, make([]byte, 100)); n != len(req) || err != nil {
		sc.t.Fatalf("the server read %d bytes of a %d-byte request: %v; %d receive drops", n, len(req), err, sc.s.Counters.TCPRcvQDrops.Load())
	}
	sc.s.SetWriteDeadline(fd, sc.clk.Now())
	if n, err := sc.s.Send(fd, make([]byte, answer)); n != answer || err != nil {
		sc.t.Fatalf("the server queued %d of its %d-byte answer: %v", n, answer, err)
	}
	got := 0
	for got < answer {
		s, _, ok := sc.jump(time.Second)
		if !ok {
			sc.t.Fatalf("the answer stopped after %d of %d bytes", got, answer)
		}
		got += len(s.Data)
	}
}

// The budget's headroom (core.Budget; Linux's tcp_rmem[0]/tcp_wmem[0]
// guarantee under pressure): downloads that stall behind zero windows
// fill their send buffers only up to the pressure mark, and a new
// connection is still accepted and answered. Before the headroom they
// took the whole budget, and the next SYN was dropped.
func TestScenarioHeadroomForListener(t *testing.T) {
	sc := newScenarioWith(t, Options{Options: core.Options{MemoryBudget: 2 << 20}})
	lfd := sc.listen(80, 64)
	fds := sc.stalled(lfd, 12) // 12 x 256 KiB send buffers: 3 MiB wanted
	b := sc.s.Budget
	used := b.Used()
	sc.serveOne(lfd, 4000)
	if !b.UnderPressure() {
		t.Fatalf("12 stalled downloads leave the budget at %d of %d without pressure", b.Used(), b.Limit())
	}
	if max := b.PressureMark() + int64(len(fds))*4096; used > max {
		t.Errorf("stalled downloads hold %d bytes, over the pressure mark %d and their minimums (%d)", used, b.PressureMark(), max)
	}
	t.Logf("budget %d of %d (pressure mark %d) after %d stalled downloads; a new connection was answered", used, b.Limit(), b.PressureMark(), len(fds))
}

// retransmissions records the instants of the segments the stack sends
// within d, each of which must match want's flags and sequence number.
func (sc *scenario) retransmissions(d time.Duration, want seg) []time.Duration {
	sc.t.Helper()
	same := func(s seg) bool { return s.Flags == want.Flags && s.Seq == want.Seq }
	return sc.times(d, want.String()+" again", same, func() {})
}

// Linux tcp_orphan_retries: a connection its application has closed
// retransmits its FIN 8 times, not tcp_retries2 (15) times, before it
// gives up: ~102 s with a 200 ms RTO, where it held on for ~15.5 min.
func TestScenarioOrphanFinWait1GivesUp(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{})
	idle := sc.s.Budget.Used() - tcp.SocketMemory // the listener's
	sc.s.Close(fd)
	sc.expect(10*ms, seg{Flags: F | A, Seq: iss + 1})
	sent := sc.clk.Now().Sub(sc.start)
	again := sc.retransmissions(30*time.Minute, seg{Flags: F | A, Seq: iss + 1})
	if len(again) != 8 {
		t.Errorf("the orphan's FIN was retransmitted %d times, want 8 (tcp_orphan_retries)", len(again))
	}
	if st := sc.state(80, sc.port); st != collect.StateUnknown {
		t.Fatalf("the orphan is %v after its retries, want gone", st)
	}
	// It went when its 9th timeout fell due: 200 ms x (2^9 - 1).
	if gone := again[len(again)-1] + 51200*ms; gone-sent != 102200*ms {
		t.Errorf("the orphan gave up %v after its FIN, want 102.2s", gone-sent)
	}
	if used := sc.s.Budget.Used(); used != idle {
		t.Errorf("budget holds %d bytes once the orphan is gone, want the listener's %d", used, idle)
	}
}

// Linux tcp_probe_timer for an orphan (SOCK_DEAD): its zero-window probes
// stop after tcp_orphan_retries (8) go unanswered, and even while the
// peer answers them it is ended once the backed-off interval reaches
// TCP_RTO_MAX: nobody will read what it holds to send.
func TestScenarioOrphanZeroWindow(t *testing.T) {
	for _, answer := range []bool{false, true} {
		t.Run(map[bool]string{false: "unanswered", true: "answered"}[answer], func(t *testing.T) {
			sc, fd, iss := established(t, tcp.Options{})
			idle := sc.s.Budget.Used() - tcp.SocketMemory // the listener's
			sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: iss + 1, Wnd: 0})
			if _, err := sc.s.Send(fd, make([]byte, 3000)); err != nil {
				t.Fatal(err)
			}
			start := sc.clk.Now().Sub(sc.start)
			sc.s.Close(fd) // FIN_WAIT_1 with the data and the FIN unsent
			sc.wantState(80, sc.port, collect.StateFinWait1)
			probes := sc.probeTimes(time.Hour, iss, answer)
			// Unanswered: 8 probes, the abort at the 9th timeout, 200 ms x
			// (2^9 - 1) after the close. Answered: 10 probes, until the
			// interval, 200 ms x 2^10, passes TCP_RTO_MAX; the abort at
			// the next timeout, 120 s after the 10th probe.
			want, gone := 8, 102200*ms
			if answer {
				want, gone = 10, 204600*ms+tcp.DefaultMaxRTO
			}
			if len(probes) != want {
				t.Errorf("%d probes, want %d", len(probes), want)
			}
			if st := sc.state(80, sc.port); st != collect.StateUnknown {
				t.Fatalf("the orphan is %v after its probes, want gone", st)
			}
			if got := probes[len(probes)-1] + min(200*ms<<len(probes), tcp.DefaultMaxRTO) - start; got != gone {
				t.Errorf("the orphan was ended %v after its close, want %v", got, gone)
			}
			if used := sc.s.Budget.Used(); used != idle {
				t.Errorf("budget holds %d bytes once the orphan is gone, want the listener's %d", used, idle)
			}
		})
	}
}

// Linux tcp_close and tcp_check_oom: an application's close that would
// make one orphan more than tcp_max_orphans resets the connection
// instead, and says so in TCPAbortOnMemory.
func TestScenarioMaxOrphans(t *testing.T) {
	sc := newScenario(t, tcp.Options{MaxOrphans: 2})
	lfd := sc.listen(80, 8)
	for i := range 3 {
		sc.port = uint16(41000 + i)
		iss := sc.handshake(80)
		sc.s.Close(sc.accepted(lfd))
		// The FIN goes before the check, as in tcp_close; the third
		// orphan is one too many and is reset after it.
		sc.expect(10*ms, seg{Flags: F | A, Seq: iss + 1})
		if i == 2 {
			sc.expect(10*ms, seg{Flags: R | A, Seq: iss + 2})
		}
	}
	sc.quiet(100 * ms)
	if got := sc.s.Counters.TCPAbortOnMemory.Load(); got != 1 {
		t.Errorf("TCPAbortOnMemory %d, want 1", got)
	}
	if st := sc.state(80, 41002); st != collect.StateUnknown {
		t.Errorf("the third orphan is %v, want reset and gone", st)
	}
}

// Linux tcp_check_oom's other half (tcp_out_of_memory): under memory
// pressure, closing a connection that holds more than its minimum of
// send buffer resets it and gives the memory back at once, where an
// orphan would have held it for minutes. Those that hold no more than
// the minimum finish their close as orphans.
func TestScenarioOrphanUnderPressureIsReset(t *testing.T) {
	sc := newScenarioWith(t, Options{Options: core.Options{MemoryBudget: 2 << 20}})
	lfd := sc.listen(80, 64)
	fds := sc.stalled(lfd, 12)
	b := sc.s.Budget
	if !b.UnderPressure() {
		t.Fatalf("12 stalled downloads leave the budget at %d of %d without pressure", b.Used(), b.Limit())
	}
	before := b.Used()
	var resets []uint16
	for _, fd := range fds {
		sc.s.Close(fd)
		for {
			s, _, ok := sc.jump(ms)
			if !ok {
				break
			}
			if s.Flags&R != 0 {
				resets = append(resets, s.SrcPort)
			}
		}
	}
	if len(resets) == 0 || resets[0] != 80 || sc.s.Counters.TCPAbortOnMemory.Load() != uint64(len(resets)) {
		t.Fatalf("resets %v, TCPAbortOnMemory %d: want the first close reset, and each reset counted", resets, sc.s.Counters.TCPAbortOnMemory.Load())
	}
	if sc.state(80, 41000) != collect.StateUnknown {
		t.Error("the first stalled download, closed under pressure, is still there")
	}
	if b.UnderPressure() || b.Used() > b.LowMark() {
		t.Errorf("after the closes the budget holds %d bytes (low mark %d), under pressure: %v", b.Used(), b.LowMark(), b.UnderPressure())
	}
	t.Logf("%d stalled downloads held %d bytes; closing them reset %d and left %d bytes", len(fds), before, len(resets), b.Used())
}

// drain lets the stack send what it will now and discards it.
func (sc *scenario) drain() {
	for {
		if _, _, ok := sc.jump(0); !ok {
			return
		}
	}
}

// holdBehindHole opens a connection from peer port pport and sends it
// n bytes of out-of-order data behind a one-byte hole, in full-sized
// segments; it returns the stack's ISS.
func (sc *scenario) holdBehindHole(lfd FD, pport uint16, n int) uint32 {
	sc.t.Helper()
	defer func(p uint16) { sc.port = p }(sc.port)
	sc.port = pport
	iss := sc.handshake(80)
	sc.accepted(lfd)
	for off := 0; off < n; off += 1448 {
		sc.inject(80, seg{Flags: A, Seq: peerISS + 2 + uint32(off), Ack: iss + 1, Wnd: 1024, Data: make([]byte, min(1448, n-off))})
		sc.drain()
	}
	return iss
}

// fillHole sends the missing byte of a holdBehindHole connection and
// returns how much the stack then acknowledges beyond it: what it kept.
func (sc *scenario) fillHole(pport uint16, iss uint32) uint32 {
	sc.t.Helper()
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: iss + 1, Wnd: 1024, Data: []byte{'x'}, SrcPort: pport})
	ack, _, ok := sc.jump(100 * ms)
	if !ok || ack.Flags != A {
		sc.t.Fatalf("filling the hole of :%d was answered with %v (%v), want an ACK", pport, ack, ok)
	}
	if ack.Opts.NumSACK != 0 && ack.Ack == peerISS+2 {
		sc.t.Errorf(":%d acknowledges only the hole yet still reports SACK blocks %v", pport, ack.Opts.SACK[:ack.Opts.NumSACK])
	}
	return ack.Ack - (peerISS + 2)
}

// Linux tcp_prune_ofo_queue (RFC 2018 §8 permits reneging): out-of-order
// data is given back when another connection's in-order data finds the
// budget under pressure; the largest holder first, from its highest
// sequence down, until the budget leaves pressure. Before, data behind
// holes that are never filled held the budget at its pressure mark for
// good, and every other connection's data beyond its minimum was
// dropped, retransmission after retransmission.
func TestScenarioOutOfOrderPrunedUnderPressure(t *testing.T) {
	sc := newScenarioWith(t, Options{Options: core.Options{MemoryBudget: 2 << 20}})
	lfd := sc.listen(80, 64)
	b := sc.s.Budget
	// 910 KB behind holes: below the pressure mark (1,398,100).
	holds := map[uint16]int{42001: 360_000, 42002: 300_000, 42003: 250_000}
	iss := map[uint16]uint32{}
	for _, p := range []uint16{42001, 42002, 42003} {
		iss[p] = sc.holdBehindHole(lfd, p, holds[p])
	}
	if b.UnderPressure() {
		t.Fatalf("%d bytes behind holes already put the budget under pressure", b.Used())
	}
	// Another connection receives in order, its application not reading,
	// until a segment is refused memory.
	sc.port = 42004
	dISS := sc.handshake(80)
	sc.accepted(lfd)
	seq := uint32(peerISS + 1)
	var refused uint32
	for sent := 0; sent < 1<<20; sent += 1448 {
		drops := sc.s.Counters.TCPRcvQDrops.Load()
		sc.inject(80, seg{Flags: A, Seq: seq, Ack: dISS + 1, Wnd: 1024, Data: make([]byte, 1448)})
		sc.drain()
		if sc.s.Counters.TCPRcvQDrops.Load() > drops {
			refused = seq
			break
		}
		seq += 1448
	}
	if refused == 0 {
		t.Fatalf("1 MiB of in-order data was never refused memory: budget %d, %d bytes sent, state %v", b.Used(), seq-peerISS-1, sc.state(80, 42004))
	}
	if b.UnderPressure() || b.Used() >= b.LowMark() {
		t.Errorf("after the refusal the budget holds %d bytes (low mark %d), under pressure: %v; the out-of-order data was kept", b.Used(), b.LowMark(), b.UnderPressure())
	}
	// The refused segment, resent, is taken now.
	sc.inject(80, seg{Flags: A, Seq: refused, Ack: dISS + 1, Wnd: 1024, Data: make([]byte, 1448)})
	if ack := sc.expect(100*ms, seg{Flags: A}); ack.Ack != refused+1448 {
		t.Errorf("the resent segment was acknowledged to %d, want %d", ack.Ack, refused+1448)
	}
	// Only the largest holder was pruned, from the top; the others kept
	// all they held.
	kept := map[uint16]uint32{}
	for _, p := range []uint16{42001, 42002, 42003} {
		kept[p] = sc.fillHole(p, iss[p])
	}
	if kept[42001] >= uint32(holds[42001]) || kept[42002] != uint32(holds[42002]) || kept[42003] != uint32(holds[42003]) {
		t.Errorf("bytes kept behind the holes %v of %v: want only the 360,000 pruned", kept, holds)
	}
	if got := sc.s.Counters.TCPOFOPruned.Load(); got != 1 {
		t.Errorf("OfoPruned %d, want 1", got)
	}
	t.Logf("holders %v kept %v; budget %d of %d (low mark %d) after the prune", holds, kept, b.Used(), b.Limit(), b.LowMark())
}

// toTimeWait opens a connection from peer port pport and has the stack
// close it first; the peer's FIN then puts it in TIME_WAIT. It returns
// the stack's ISS.
func (sc *scenario) toTimeWait(lfd FD, pport uint16) uint32 {
	sc.t.Helper()
	defer func(p uint16) { sc.port = p }(sc.port)
	sc.port = pport
	// handshake without its check of the table, which would make a
	// script of a thousand connections quadratic.
	sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: synOpts})
	sa := sc.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 1})
	iss := sa.Seq
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: iss + 1, Wnd: 1024, Opts: ts(101, sa.Opts.TSVal)})
	sc.s.Close(sc.accepted(lfd))
	sc.expect(10*ms, seg{Flags: F | A, Seq: iss + 1})
	sc.inject(80, seg{Flags: F | A, Seq: peerISS + 1, Ack: iss + 2, Wnd: 1024, Opts: ts(102, 0)})
	sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 2})
	return iss
}

// Linux tcp_time_wait / inet_timewait_sock: a connection in TIME_WAIT
// keeps a time-wait block of tcp.TimeWaitMemory bytes, not its 2 KiB
// control block, and stays in the socket table with its timer. Before,
// each TIME_WAIT held a full control block: 32,764 of them filled the
// 64 MiB budget; here a 1 MiB budget refused the 512th connection.
func TestScenarioTimeWaitIsCheap(t *testing.T) {
	sc := newScenarioWith(t, Options{Options: core.Options{MemoryBudget: 1 << 20}})
	lfd := sc.listen(80, 8)
	const n = 1000
	for i := range n {
		sc.toTimeWait(lfd, uint16(43000+i))
	}
	rows := 0
	for _, r := range sc.s.Snapshot() {
		if r.State == collect.StateTimeWait {
			rows++
			if r.TCP.Timer != collect.TimerTimeWait || r.TCP.TimerExpires.Duration() != 60*sec || r.Stack.FD != -1 {
				t.Errorf("TIME_WAIT row %v: timer %v in %v, fd %d; want the time-wait timer in 60s, no descriptor", r.Remote, r.TCP.Timer, r.TCP.TimerExpires.Duration(), r.Stack.FD)
			}
		}
	}
	if rows != n {
		t.Errorf("%d TIME_WAIT rows in the table, want %d", rows, n)
	}
	if used, want := sc.s.Budget.Used(), int64(tcp.SocketMemory+n*tcp.TimeWaitMemory); used != want {
		t.Errorf("%d connections in TIME_WAIT hold %d bytes, want %d (the listener's and %d each)", n, used, want, tcp.TimeWaitMemory)
	}
	sc.clk.Advance(60 * sec)
	if used := sc.s.Budget.Used(); used != tcp.SocketMemory || sc.s.TCP.TimeWaits() != 0 {
		t.Errorf("after 2*MSL %d connections are in TIME_WAIT and %d bytes held", sc.s.TCP.TimeWaits(), used)
	}
}

// Linux tcp_max_tw_buckets: past the cap a connection closes without
// TIME_WAIT, and TCPTimeWaitOverflow says so; its port goes back at once.
func TestScenarioTimeWaitCap(t *testing.T) {
	sc := newScenario(t, tcp.Options{MaxTimeWait: 2})
	lfd := sc.listen(80, 8)
	for i := range 3 {
		sc.toTimeWait(lfd, uint16(43000+i))
	}
	for i, want := range []collect.State{collect.StateTimeWait, collect.StateTimeWait, collect.StateUnknown} {
		if got := sc.state(80, uint16(43000+i)); got != want {
			t.Errorf("connection %d is %v, want %v", i, got, want)
		}
	}
	if got := sc.s.Counters.TCPTimeWaitOverflow.Load(); got != 1 {
		t.Errorf("TCPTimeWaitOverflow %d, want 1", got)
	}
}

// Linux tcp_timewait_state_process: a RST exactly at RCV.NXT ends
// TIME_WAIT (tcp_rfc1337=0), any other is ignored; segments outside the
// window that occupy no sequence space are answered with an ACK at most
// once per 500 ms (tcp_invalid_ratelimit), so a flood at a TIME_WAIT
// draws no flood, while a retransmitted FIN is always answered (RFC 9293
// §3.10.7.4; tcp_oow_rate_limited lets through what occupies sequence
// space without a SYN); and a segment older than TS.Recent fails PAWS
// (RFC 7323 §5) instead of being taken at RCV.NXT.
func TestScenarioTimeWaitSegments(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	lfd := sc.listen(80, 8)
	iss := sc.toTimeWait(lfd, 43000)
	sc.port = 43000
	c := &sc.s.Counters
	sc.inject(80, seg{Flags: R, Seq: peerISS + 100})
	sc.quiet(10 * ms)
	sc.wantState(80, 43000, collect.StateTimeWait)
	for range 10 {
		sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: iss + 2, Wnd: 1024})
	}
	sc.expect(10*ms, seg{Flags: A, Seq: iss + 2, Ack: peerISS + 2})
	sc.quiet(400 * ms)
	if got := c.TCPACKSkippedTimeWait.Load(); got != 9 {
		t.Errorf("TCPACKSkippedTimeWait %d, want 9", got)
	}
	for range 3 {
		sc.inject(80, seg{Flags: F | A, Seq: peerISS + 1, Ack: iss + 2, Wnd: 1024})
		sc.expect(10*ms, seg{Flags: A, Seq: iss + 2, Ack: peerISS + 2})
	}
	sc.clk.Advance(100 * ms)
	// A bare ACK at RCV.NXT with a timestamp older than TS.Recent (102):
	// answered, once the 500 ms have passed, not taken.
	sc.inject(80, seg{Flags: A, Seq: peerISS + 2, Ack: iss + 2, Wnd: 1024, Opts: ts(50, 0)})
	sc.expect(10*ms, seg{Flags: A, Seq: iss + 2, Ack: peerISS + 2})
	if got := c.TCPPAWSEstab.Load(); got != 1 {
		t.Errorf("PAWSEstab %d, want 1", got)
	}
	sc.inject(80, seg{Flags: R, Seq: peerISS + 2})
	if st := sc.state(80, 43000); st != collect.StateUnknown {
		t.Errorf("after an exact RST the connection is %v, want gone", st)
	}
	if used := sc.s.Budget.Used(); used != tcp.SocketMemory {
		t.Errorf("budget holds %d bytes, want the listener's %d", used, tcp.SocketMemory)
	}
}

// Datagrams are buffer growth too: a flood at sockets nobody reads stops
// at the budget's pressure mark, and the headroom still holds a new
// socket's control block. Before, the datagrams took the whole budget
// and the next socket() failed with ENOBUFS.
func TestUDPFloodLeavesHeadroom(t *testing.T) {
	clk := clock.NewManual(epoch)
	ea, eb := link.Pair(link.PairConfig{Clock: clk, MACA: macA, MACB: macB})
	a := New(Options{Options: core.Options{Clock: clk, MemoryBudget: 600 << 10}})
	b := New(Options{Options: core.Options{Clock: clk}})
	a.AddNIC(ea, addrA)
	b.AddNIC(eb, addrB)
	for port := uint16(5001); port <= 5003; port++ { // 3 x 208 KiB of buffer wanted
		fd := must[FD](t)(a.Socket(collect.ProtoUDP))
		a.Bind(fd, netip.AddrPortFrom(netip.IPv4Unspecified(), port))
	}
	src := must[FD](t)(b.Socket(collect.ProtoUDP))
	for i := range 700 {
		b.SendTo(src, make([]byte, 1000), netip.AddrPortFrom(addrA.Addr(), uint16(5001+i%3)))
		clk.Advance(ms)
	}
	if used, mark := a.Budget.Used(), a.Budget.PressureMark(); used > mark+3*udp.SocketMemory {
		t.Errorf("the flood holds %d bytes of the budget, past its pressure mark %d", used, mark)
	}
	if _, err := a.Socket(collect.ProtoTCP); err != nil {
		t.Errorf("a new socket after the flood: %v", err)
	}
	t.Logf("budget %d of %d (pressure mark %d) after the flood; %d datagrams dropped", a.Budget.Used(), a.Budget.Limit(), a.Budget.PressureMark(), a.Counters.UDPRcvbufErrors.Load())
}

// A SYN that reopens a TIME_WAIT while the listener's SYN queue is full
// gets a SYN,ACK of a real half-open connection, its ISS above the old
// incarnation's SND.NXT, and no cookie, whose ISS could not clear it:
// Linux's tcp_conn_request checks the SYN queue, and wants a cookie,
// only for a SYN that reopens nothing (!isn). Dropped instead, the SYN
// would have ended the TIME_WAIT for nothing and its retransmission got
// a cookie.
func TestScenarioTimeWaitReopenWithSYNQueueFull(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	lfd := sc.listen(80, 1)
	iss := sc.toTimeWait(lfd, 43000)
	if n := sc.floodSYNs(80, 3, 44000); n != 3 {
		t.Fatalf("%d of 3 SYNs answered", n)
	}
	if got := sc.s.Counters.TCPSyncookiesSent.Load(); got != 2 {
		t.Fatalf("SyncookiesSent %d, want 2: the SYN queue of 1 is not full", got)
	}
	sc.port = 43000
	sc.inject(80, seg{Flags: S, Seq: peerISS + 9000, Wnd: 65535, Opts: header.TCPOptions{HasMSS: true, MSS: 1460, HasTS: true, TSVal: 2000}})
	sa := sc.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 9001})
	if floor := iss + 2 + 65537; int32(sa.Seq-floor) < 0 {
		t.Errorf("reopened with ISS %d, want at least %d (old SND.NXT + 65537)", sa.Seq, floor)
	}
	if got := sc.s.Counters.TCPSyncookiesSent.Load(); got != 2 {
		t.Errorf("SyncookiesSent %d after the reopening SYN, want still 2", got)
	}
	sc.wantState(80, 43000, collect.StateSynRecv)
}
