// scenario_rfc_test.go holds TCP scenarios, each citing the rule it
// checks; times are exact because the clock only moves when the script
// moves it.

package stack

import (
	"errors"
	"net/netip"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/tcp"
)

const (
	A   = header.TCPAck
	S   = header.TCPSyn
	F   = header.TCPFin
	R   = header.TCPRst
	P   = header.TCPPsh
	ms  = time.Millisecond
	sec = time.Second
)

// RFC 9293 §3.5 figure 7, passive side; RFC 6691/7323 options on the SYN,ACK.
func TestScenarioPassiveOpen(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	sc.listen(80, 4)
	sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: synOpts})
	sa := sc.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 1})
	if !sa.Opts.HasMSS || sa.Opts.MSS != 1460 || !sa.Opts.HasWS || !sa.Opts.HasTS || sa.Opts.TSEcr != 100 {
		t.Errorf("SYN,ACK options %+v: want MSS 1460, window scale, and the timestamp echoed", sa.Opts)
	}
	sc.wantState(80, sc.port, collect.StateSynRecv)
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: sa.Seq + 1, Wnd: 1024})
	sc.wantState(80, sc.port, collect.StateEstablished)
	if sc.s.Counters.TCPPassiveOpens.Load() != 1 {
		t.Error("PassiveOpens not counted")
	}
	sc.quiet(5 * sec) // no retransmission once acknowledged
}

// connectAsync starts Connect to the peer and returns the descriptor and
// a channel with its result.
func (sc *scenario) connectAsync(port uint16) (FD, chan error) {
	fd, err := sc.s.Socket(collect.ProtoTCP)
	if err != nil {
		sc.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sc.s.Connect(fd, netip.AddrPortFrom(peerAddr, port)) }()
	// Wait (in real time, bounded) until the goroutine has started the
	// handshake, so the script's clock steps find the SYN queued.
	for i := 0; i < 500000; i++ {
		for _, r := range sc.s.Snapshot() {
			if r.Stack.FD == fd.Int() && r.State == collect.StateSynSent {
				return fd, done
			}
		}
		runtime.Gosched()
	}
	sc.t.Fatal("Connect never sent its SYN")
	return fd, done
}

func waitErr(t *testing.T, sc *scenario, done chan error) error {
	for i := 0; i < 1000000; i++ {
		select {
		case err := <-done:
			return err
		default:
		}
		sc.clk.Advance(0)
		runtime.Gosched()
	}
	t.Fatal("Connect never returned")
	return nil
}

// RFC 9293 §3.5 figure 7, active side, and §3.10.7.3's RST in SYN-SENT.
func TestScenarioActiveOpenAndRefusal(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	_, done := sc.connectAsync(80)
	syn := sc.expect(10*ms, seg{Flags: S})
	sc.port = syn.SrcPort // the peer answers to the stack's ephemeral port
	sc.inject(syn.SrcPort, seg{Flags: S | A, Seq: peerISS, Ack: syn.Seq + 1, Wnd: 65535, Opts: synOpts, SrcPort: 80})
	sc.expect(10*ms, seg{Flags: A, Seq: syn.Seq + 1, Ack: peerISS + 1})
	if err := waitErr(t, sc, done); err != nil {
		t.Fatalf("connect: %v", err)
	}
	// A second connect answered with RST,ACK is refused.
	_, done = sc.connectAsync(81)
	syn = sc.expect(10*ms, seg{Flags: S})
	sc.inject(syn.SrcPort, seg{Flags: R | A, Seq: 0, Ack: syn.Seq + 1, SrcPort: 81})
	if err := waitErr(t, sc, done); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("connect after RST: %v, want ECONNREFUSED", err)
	}
	// An ACK for something we never sent gets a RST <SEQ=SEG.ACK>.
	_, done = sc.connectAsync(82)
	syn = sc.expect(10*ms, seg{Flags: S})
	sc.inject(syn.SrcPort, seg{Flags: S | A, Seq: peerISS, Ack: syn.Seq + 999, SrcPort: 82})
	sc.expect(10*ms, seg{Flags: R, Seq: syn.Seq + 999, HasSeq: true})
	// RFC 6298 §5.5: the SYN is retransmitted with backoff: 1 s, then 2 s.
	_, at1, _ := sc.next(2 * sec)
	_, at2, _ := sc.next(3 * sec)
	if at2-at1 != 2*sec {
		t.Errorf("SYN retransmissions %v apart, want 2s after the 1s initial RTO", at2-at1)
	}
	_ = done
}

// RFC 9293 §3.5 figure 8: simultaneous open.
func TestScenarioSimultaneousOpen(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	_, done := sc.connectAsync(80)
	syn := sc.expect(10*ms, seg{Flags: S})
	sc.port = 80
	// The peer's SYN crosses ours.
	sc.inject(syn.SrcPort, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: synOpts, SrcPort: 80})
	sc.expect(10*ms, seg{Flags: S | A, Seq: syn.Seq, Ack: peerISS + 1, HasSeq: true})
	sc.wantState(syn.SrcPort, 80, collect.StateSynRecv)
	// The peer's SYN,ACK (repeating its SYN) completes it.
	sc.inject(syn.SrcPort, seg{Flags: S | A, Seq: peerISS, Ack: syn.Seq + 1, Wnd: 65535, Opts: synOpts, SrcPort: 80})
	if err := waitErr(t, sc, done); err != nil {
		t.Fatalf("simultaneous open: %v", err)
	}
	sc.wantState(syn.SrcPort, 80, collect.StateEstablished)
}

// established gives an accepted connection on port 80 and the stack's ISS.
func established(t *testing.T, opt tcp.Options) (*scenario, FD, uint32) {
	sc := newScenario(t, opt)
	lfd := sc.listen(80, 4)
	iss := sc.handshake(80)
	return sc, sc.accepted(lfd), iss
}

// RFC 9293 §3.6 figure 12: active close through FIN-WAIT-1, FIN-WAIT-2
// and TIME-WAIT, which lasts 2*MSL.
func TestScenarioActiveClose(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{})
	sc.s.Close(fd)
	sc.expect(10*ms, seg{Flags: F | A, Seq: iss + 1, Ack: peerISS + 1})
	sc.wantState(80, sc.port, collect.StateFinWait1)
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: iss + 2, Wnd: 1024})
	sc.wantState(80, sc.port, collect.StateFinWait2)
	sc.inject(80, seg{Flags: F | A, Seq: peerISS + 1, Ack: iss + 2, Wnd: 1024})
	sc.expect(10*ms, seg{Flags: A, Seq: iss + 2, Ack: peerISS + 2})
	sc.wantState(80, sc.port, collect.StateTimeWait)
	// A retransmitted FIN in TIME-WAIT is acknowledged again (§3.10.7.4).
	sc.clk.Advance(30 * sec)
	sc.inject(80, seg{Flags: F | A, Seq: peerISS + 1, Ack: iss + 2, Wnd: 1024})
	sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 2})
	sc.clk.Advance(59 * sec)
	sc.wantState(80, sc.port, collect.StateTimeWait) // the 2*MSL restarted
	sc.clk.Advance(2 * sec)
	if got := sc.state(80, sc.port); got != collect.StateUnknown {
		t.Errorf("after 2*MSL the connection is %v, want gone", got)
	}
}

// RFC 9293 §3.6.1 and RFC 6191 §2: a SYN whose timestamp is newer than
// the TIME-WAIT connection's TS.Recent reopens it, with an ISS above every
// sequence number the old incarnation used; an old duplicate SYN does not.
func TestScenarioTimeWaitReopen(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{})
	sc.s.Close(fd)
	sc.expect(10*ms, seg{Flags: F | A, Seq: iss + 1})
	sc.inject(80, seg{Flags: F | A, Seq: peerISS + 1, Ack: iss + 2, Wnd: 1024, Opts: ts(102, 0)})
	sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 2})
	sc.wantState(80, sc.port, collect.StateTimeWait)
	// An old duplicate SYN (TSval below TS.Recent) is answered with an ACK
	// of the old connection, which stays in TIME-WAIT.
	sc.inject(80, seg{Flags: S, Seq: peerISS + 9000, Wnd: 65535, Opts: header.TCPOptions{HasMSS: true, MSS: 1460, HasTS: true, TSVal: 50}})
	sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 2})
	sc.wantState(80, sc.port, collect.StateTimeWait)
	// A new SYN reopens it.
	sc.clk.Advance(sec)
	sc.inject(80, seg{Flags: S, Seq: peerISS + 9000, Wnd: 65535, Opts: header.TCPOptions{HasMSS: true, MSS: 1460, HasTS: true, TSVal: 2000}})
	sa := sc.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 9001, HasAck: true})
	if floor := iss + 2 + 65537; int32(sa.Seq-floor) < 0 {
		t.Errorf("reopened with ISS %d, want at least %d (old SND.NXT + 65537)", sa.Seq, floor)
	}
	sc.wantState(80, sc.port, collect.StateSynRecv)
	sc.inject(80, seg{Flags: A, Seq: peerISS + 9001, Ack: sa.Seq + 1, Wnd: 1024, Opts: ts(2001, sa.Opts.TSVal)})
	sc.wantState(80, sc.port, collect.StateEstablished)
}

// RFC 9293 §3.6: passive close through CLOSE-WAIT and LAST-ACK.
func TestScenarioPassiveClose(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{})
	sc.inject(80, seg{Flags: F | A, Seq: peerISS + 1, Ack: iss + 1, Wnd: 1024})
	sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 2})
	sc.wantState(80, sc.port, collect.StateCloseWait)
	if n, err := sc.s.Recv(fd, make([]byte, 10)); n != 0 || !errors.Is(err, tcp.ErrEOF) {
		t.Errorf("read after the peer's FIN: %d, %v; want end of stream", n, err)
	}
	sc.s.Close(fd)
	sc.expect(10*ms, seg{Flags: F | A, Seq: iss + 1, Ack: peerISS + 2})
	sc.wantState(80, sc.port, collect.StateLastAck)
	sc.inject(80, seg{Flags: A, Seq: peerISS + 2, Ack: iss + 2, Wnd: 1024})
	if got := sc.state(80, sc.port); got != collect.StateUnknown {
		t.Errorf("after the last ACK the connection is %v, want gone", got)
	}
}

// RFC 9293 §3.6 figure 13: simultaneous close through CLOSING.
func TestScenarioSimultaneousClose(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{})
	sc.s.Close(fd)
	sc.expect(10*ms, seg{Flags: F | A, Seq: iss + 1})
	sc.inject(80, seg{Flags: F | A, Seq: peerISS + 1, Ack: iss + 1, Wnd: 1024}) // crosses our FIN
	sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 2})
	sc.wantState(80, sc.port, collect.StateClosing)
	sc.inject(80, seg{Flags: A, Seq: peerISS + 2, Ack: iss + 2, Wnd: 1024})
	sc.wantState(80, sc.port, collect.StateTimeWait)
}

// A FIN that also acknowledges ours takes FIN-WAIT-1 straight to TIME-WAIT.
func TestScenarioFinWait1ToTimeWait(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{})
	sc.s.Close(fd)
	sc.expect(10*ms, seg{Flags: F | A, Seq: iss + 1})
	sc.inject(80, seg{Flags: F | A, Seq: peerISS + 1, Ack: iss + 2, Wnd: 1024})
	sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 2})
	sc.wantState(80, sc.port, collect.StateTimeWait)
}

// RFC 9293 §3.10.7.4 and RFC 5961 §3.2: an exact RST resets the
// connection in every synchronized state.
func TestScenarioResetInEveryState(t *testing.T) {
	type drive func(sc *scenario, fd FD, iss uint32) (rcvNxt uint32)
	for name, to := range map[collect.State]drive{
		collect.StateEstablished: func(sc *scenario, fd FD, iss uint32) uint32 { return peerISS + 1 },
		collect.StateFinWait1: func(sc *scenario, fd FD, iss uint32) uint32 {
			sc.s.Close(fd)
			sc.expect(10*ms, seg{Flags: F | A})
			return peerISS + 1
		},
		collect.StateFinWait2: func(sc *scenario, fd FD, iss uint32) uint32 {
			sc.s.Close(fd)
			sc.expect(10*ms, seg{Flags: F | A})
			sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: iss + 2, Wnd: 1024})
			return peerISS + 1
		},
		collect.StateCloseWait: func(sc *scenario, fd FD, iss uint32) uint32 {
			sc.inject(80, seg{Flags: F | A, Seq: peerISS + 1, Ack: iss + 1, Wnd: 1024})
			sc.expect(10*ms, seg{Flags: A})
			return peerISS + 2
		},
		collect.StateLastAck: func(sc *scenario, fd FD, iss uint32) uint32 {
			sc.inject(80, seg{Flags: F | A, Seq: peerISS + 1, Ack: iss + 1, Wnd: 1024})
			sc.expect(10*ms, seg{Flags: A})
			sc.s.Close(fd)
			sc.expect(10*ms, seg{Flags: F | A})
			return peerISS + 2
		},
		collect.StateTimeWait: func(sc *scenario, fd FD, iss uint32) uint32 {
			sc.s.Close(fd)
			sc.expect(10*ms, seg{Flags: F | A})
			sc.inject(80, seg{Flags: F | A, Seq: peerISS + 1, Ack: iss + 2, Wnd: 1024})
			sc.expect(10*ms, seg{Flags: A})
			return peerISS + 2
		},
	} {
		t.Run(name.String(), func(t *testing.T) {
			sc, fd, iss := established(t, tcp.Options{})
			rcvNxt := to(sc, fd, iss)
			sc.wantState(80, sc.port, name)
			sc.inject(80, seg{Flags: R, Seq: rcvNxt})
			if got := sc.state(80, sc.port); got != collect.StateUnknown && got != collect.StateClose {
				t.Errorf("after RST in %v: %v, want closed", name, got)
			}
			sc.quiet(3 * sec) // nothing is sent in reply to a RST
		})
	}
	// In SYN-RECEIVED the half-open child goes and the listener stays.
	sc := newScenario(t, tcp.Options{})
	sc.listen(80, 1)
	sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: synOpts})
	sc.expect(10*ms, seg{Flags: S | A})
	sc.inject(80, seg{Flags: R, Seq: peerISS + 1})
	sc.wantState(80, 0, collect.StateListen)
	if got := sc.state(80, sc.port); got != collect.StateUnknown {
		t.Errorf("the reset child is %v, want gone", got)
	}
	sc.port++ // the backlog of 1 has room again
	sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: synOpts})
	sc.expect(10*ms, seg{Flags: S | A})
}

// RFC 5961 §3.2, §4.2, §5.2: blind RST, SYN and data injection.
func TestScenarioRFC5961(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{})
	sc.inject(80, seg{Flags: R, Seq: peerISS + 1 + 500}) // in the window, not exact
	sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 1})
	// Challenge ACKs are limited per connection to one per 500 ms (Linux's
	// tcp_invalid_ratelimit): each next probe waits that long.
	sc.clk.Advance(500 * ms)
	sc.inject(80, seg{Flags: S, Seq: peerISS + 1 + 77, Wnd: 100}) // a SYN on an open connection
	sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 1})
	// Data acknowledging what was never sent is dropped, with an ACK.
	sc.clk.Advance(500 * ms)
	sc.inject(80, seg{Flags: A | P, Seq: peerISS + 1, Ack: iss + 1 + 1_000_000, Wnd: 1024, Data: []byte("evil")})
	sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 1})
	sc.wantState(80, sc.port, collect.StateEstablished)
	if sc.s.Counters.TCPChallengeACKs.Load() != 3 {
		t.Errorf("challenge ACKs %d, want 3", sc.s.Counters.TCPChallengeACKs.Load())
	}
	sc.inject(80, seg{Flags: A | P, Seq: peerISS + 1, Ack: iss + 1, Wnd: 1024, Data: []byte("good")})
	buf := make([]byte, 10)
	if n, err := sc.s.Recv(fd, buf); err != nil || string(buf[:n]) != "good" {
		t.Errorf("read %q %v: want only the honest data", buf[:n], err)
	}
}

// RFC 6298 §5.4-5.6: retransmission at the RTO, doubling each time.
func TestScenarioRTOBackoff(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{})
	sc.s.Send(fd, []byte("hello"))
	_, t0, _ := sc.next(10 * ms)
	var gaps []time.Duration
	prev := t0
	for i := 0; i < 4; i++ {
		sc.expect(10*sec, seg{Flags: A | P, Seq: iss + 1, Data: []byte("hello")})
		now := sc.clk.Now().Sub(sc.start)
		gaps = append(gaps, now-prev)
		prev = now
	}
	want := []time.Duration{200 * ms, 400 * ms, 800 * ms, 1600 * ms}
	for i := range want {
		if gaps[i] != want[i] {
			t.Fatalf("retransmission gaps %v, want %v", gaps, want)
		}
	}
	// The ACK stops the timer and resets the backoff.
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: iss + 6, Wnd: 1024})
	sc.quiet(5 * sec)
	if got := sc.s.Counters.TCPRetransSegs.Load(); got != 4 {
		t.Errorf("RetransSegs %d, want 4", got)
	}
}

// RFC 5681 §3.2: three duplicate ACKs retransmit at once, before the RTO.
func TestScenarioFastRetransmit(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{})
	const mss = 1448 // 1460 less the timestamp option
	sc.s.Send(fd, make([]byte, 6*mss))
	for i := 0; i < 6; i++ {
		flags := A
		if i == 5 {
			flags |= P // the last data queued
		}
		sc.expect(10*ms, seg{Flags: flags, Seq: iss + 1 + uint32(i*mss), Len: mss})
	}
	// Segment 2 is lost; 3, 4, 5 each bring a duplicate ACK.
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: iss + 1 + mss, Wnd: 1024})
	for i := 0; i < 3; i++ {
		sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: iss + 1 + mss, Wnd: 1024})
	}
	s := sc.expect(time.Millisecond, seg{Flags: A, Seq: iss + 1 + mss})
	if len(s.Data) != mss {
		t.Errorf("retransmitted %d bytes, want one MSS", len(s.Data))
	}
}

// RFC 9293 §3.8.6.1: a zero window stops data and starts probing; probes
// back off and never give up; a reopened window resumes the data.
func TestScenarioZeroWindowPersist(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{})
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: iss + 1, Wnd: 0})
	sc.s.Send(fd, []byte("waiting"))
	var probes []time.Duration
	for i := 0; i < 3; i++ {
		sc.expect(5*sec, seg{Flags: A, Seq: iss, HasSeq: true})
		probes = append(probes, sc.clk.Now().Sub(sc.start))
	}
	// The first probe waits one RTO (200 ms); each next one twice as long.
	if probes[1]-probes[0] != 400*ms || probes[2]-probes[1] != 800*ms {
		t.Errorf("probe times %v: want gaps of 400ms then 800ms", probes)
	}
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: iss + 1, Wnd: 1024})
	sc.expect(10*ms, seg{Flags: A | P, Seq: iss + 1, Data: []byte("waiting")})
}

// RFC 9293 §3.8.4: keepalive probes after the idle time, then abort.
func TestScenarioKeepalive(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{KeepaliveIdle: 10 * sec, KeepaliveIntvl: sec, KeepaliveProbes: 3})
	sc.s.SetKeepAlive(fd, true)
	sc.quiet(9 * sec)
	sc.expect(2*sec, seg{Flags: A, Seq: iss, HasSeq: true}) // SND.NXT-1, no data
	// The peer answers: the connection lives, and the idle time restarts.
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: iss + 1, Wnd: 1024})
	sc.quiet(9 * sec)
	for i := 0; i < 3; i++ {
		sc.expect(2*sec, seg{Flags: A, Seq: iss, HasSeq: true})
	}
	sc.clk.Advance(2 * sec)
	if _, err := sc.s.Recv(fd, make([]byte, 1)); !errors.Is(err, syscall.ETIMEDOUT) {
		t.Errorf("after unanswered probes: %v, want ETIMEDOUT", err)
	}
}

// RFC 9293 §3.10.1: a bounded backlog; a SYN flood costs at most the
// backlog's worth of control blocks. With SYN cookies off
// (tcp_syncookies=0) a full SYN queue drops SYNs; with them on (the
// default) they are answered statelessly (scenario_syncookie_test.go).
func TestScenarioBacklogAndSynFlood(t *testing.T) {
	for _, noCookies := range []bool{true, false} {
		sc := newScenario(t, tcp.Options{NoSYNCookies: noCookies})
		sc.listen(80, 2)
		for port := uint16(1); port <= 3; port++ {
			sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, SrcPort: port})
		}
		sc.expect(10*ms, seg{Flags: S | A})
		sc.expect(10*ms, seg{Flags: S | A})
		if noCookies {
			sc.quiet(500 * ms)
		} else {
			sc.expect(10*ms, seg{Flags: S | A}) // a cookie
		}
		c := &sc.s.Counters
		if drops, cookies := c.TCPListenDrops.Load(), c.TCPSyncookiesSent.Load(); noCookies && (drops != 1 || cookies != 0) || !noCookies && (drops != 0 || cookies != 1) {
			t.Errorf("cookies off %v: listen drops %d, cookies %d", noCookies, drops, cookies)
		}

		flood := newScenario(t, tcp.Options{NoSYNCookies: noCookies})
		flood.listen(80, 128)
		before := flood.s.Budget.Used()
		for i := 0; i < 10000; i++ {
			flood.inject(80, seg{Flags: S, Seq: uint32(i), Wnd: 65535, SrcPort: uint16(1024 + i)})
		}
		if used := flood.s.Budget.Used() - before; used > 128*tcp.SocketMemory {
			t.Errorf("10,000 SYNs hold %d bytes, over the backlog's %d", used, 128*tcp.SocketMemory)
		}
		fc := &flood.s.Counters
		if drops, cookies := fc.TCPListenDrops.Load(), fc.TCPSyncookiesSent.Load(); noCookies && drops != 10000-128 || !noCookies && (drops != 0 || cookies != 10000-128) {
			t.Errorf("cookies off %v: listen drops %d, cookies %d; want %d of one", noCookies, drops, cookies, 10000-128)
		}
		// Half-open children give up after their SYN,ACK retries, and the
		// memory comes back.
		flood.clk.Advance(10 * time.Minute)
		if used := flood.s.Budget.Used() - before; used != 0 {
			t.Errorf("after the retries ran out, %d bytes still held", used)
		}
	}
}

// RFC 1122 §4.2.3.9: port unreachable in answer to a SYN refuses the
// connection.
func TestScenarioICMPRefusesConnect(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	_, done := sc.connectAsync(80)
	syn := sc.expect(10*ms, seg{Flags: S})
	sc.injectICMP(header.ICMPDestUnreach, header.ICMPCodePortUnreach, 0, syn.IP)
	if err := waitErr(t, sc, done); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("connect after ICMP port unreachable: %v, want ECONNREFUSED", err)
	}
}

// RFC 1191 §6.3: fragmentation needed lowers the MSS and the segment is
// resent small enough.
func TestScenarioFragNeededLowersMSS(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{})
	sc.s.Send(fd, make([]byte, 3000))
	first := sc.expect(10*ms, seg{Flags: A, Seq: iss + 1, Len: 1448})
	sc.expect(10*ms, seg{Flags: A, Len: 1448})
	sc.quiet(10 * ms) // Nagle holds the 104-byte tail while data is in flight (RFC 9293 §3.7.4)
	sc.injectICMP(header.ICMPDestUnreach, header.ICMPCodeFragNeeded, 1000, first.IP)
	// MTU 1000 less 40 bytes of headers and 12 of timestamps.
	sc.expect(10*ms, seg{Flags: A, Seq: iss + 1, Len: 948})
}

// Challenge ACKs are rate-limited per connection, one per 500 ms, as
// Linux's tcp_send_challenge_ack (tcp_invalid_ratelimit); RFC 5961 §7's
// stack-wide budget is a side channel (scenario_sidechannel_test.go).
func TestScenarioChallengeACKLimit(t *testing.T) {
	sc, _, _ := established(t, tcp.Options{})
	for i := 0; i < 1500; i++ {
		sc.inject(80, seg{Flags: R, Seq: peerISS + 1 + 100 + uint32(i)})
	}
	c := &sc.s.Counters
	if c.TCPChallengeACKs.Load() != 1 || c.TCPACKSkippedChallenge.Load() != 1499 {
		t.Errorf("challenge ACKs %d, skipped %d; want 1 and 1499 within 500 ms", c.TCPChallengeACKs.Load(), c.TCPACKSkippedChallenge.Load())
	}
	sc.expect(0, seg{Flags: A, Ack: peerISS + 1})
	sc.wantState(80, sc.port, collect.StateEstablished)
	sc.clk.Advance(499 * ms)
	sc.inject(80, seg{Flags: R, Seq: peerISS + 1 + 5000})
	sc.quiet(0)
	sc.clk.Advance(ms)
	sc.inject(80, seg{Flags: R, Seq: peerISS + 1 + 5000})
	sc.expect(0, seg{Flags: A, Ack: peerISS + 1})
	if c.TCPChallengeACKs.Load() != 2 {
		t.Error("no challenge ACK 500 ms after the last")
	}
}

// An unacceptable segment is answered with an ACK (RFC 9293 §3.10.7.4),
// at most one per 500 ms unless it carries data (Linux's
// tcp_oow_rate_limited), so two stacks cannot loop on ACKs.
func TestScenarioOutOfWindowACKLimit(t *testing.T) {
	sc, _, iss := established(t, tcp.Options{})
	old := seg{Flags: A, Seq: peerISS + 1 + 1<<24, Ack: iss + 1, Wnd: 1024} // far beyond the window
	sc.inject(80, old)
	sc.expect(0, seg{Flags: A, Ack: peerISS + 1})
	sc.inject(80, old)
	sc.quiet(0)
	if got := sc.s.Counters.TCPACKSkippedSeq.Load(); got != 1 {
		t.Errorf("TCPACKSkippedSeq %d, want 1", got)
	}
	old.Data = []byte("stale")
	sc.inject(80, old)
	sc.expect(0, seg{Flags: A, Ack: peerISS + 1})
	old.Data = nil
	sc.clk.Advance(500 * ms)
	sc.inject(80, old)
	sc.expect(0, seg{Flags: A, Ack: peerISS + 1})
}
