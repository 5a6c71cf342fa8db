// scenario_syncookie_test.go holds SYN-flood scenarios: once a listener's
// SYN queue is full, SYNs are answered with SYN cookies (RFC 4987 §3.6) as
// Linux does with net.ipv4.tcp_syncookies=1, so that legitimate clients
// connect during and after a flood of spoofed SYNs that never complete.

package stack

import (
	"testing"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/tcp"
)

// floodSYNs sends n spoofed SYNs to port, from peer ports first, first+1,
// ..., none of which will ever be completed, and returns how many SYN,ACKs
// the stack sent back.
func (sc *scenario) floodSYNs(port uint16, n int, first uint16) int {
	for i := 0; i < n; i++ {
		sc.inject(port, seg{Flags: S, Seq: uint32(i) * 7919, Wnd: 65535, Opts: synOpts, SrcPort: first + uint16(i)})
	}
	answered := 0
	for {
		s, _, ok := sc.next(0)
		if !ok {
			return answered
		}
		if s.Flags == S|A {
			answered++
		}
	}
}

// legitSYN is a Linux client's SYN: MSS, SACK-permitted, timestamps,
// window scale.
var legitSYN = header.TCPOptions{HasMSS: true, MSS: 1460, SACKPermitted: true, HasTS: true, TSVal: 100, HasWS: true, WindowScale: 7}

// cookieConnect completes a handshake from peer port pport whose SYN,ACK
// must be a SYN cookie: the stack keeps no state for it until the ACK.
func (sc *scenario) cookieConnect(pport uint16) seg {
	sc.t.Helper()
	sc.port = pport
	sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: legitSYN})
	sa := sc.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 1})
	if got := sc.state(80, pport); got != collect.StateUnknown {
		sc.t.Fatalf("the SYN,ACK of a full SYN queue left a %v socket: it must be a cookie", got)
	}
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: sa.Seq + 1, Wnd: 1024, Opts: ts(101, sa.Opts.TSVal)})
	sc.wantState(80, pport, collect.StateEstablished)
	return sa
}

// TestScenarioSYNCookiesUnderFlood: 10,000 spoofed SYNs fill a listener's
// SYN queue of 16; every SYN is still answered, the flood holds no more
// than the queue's control blocks, and a legitimate client connects with
// its MSS, window scale, SACK and timestamps, which the cookie carried
// (MSS in the sequence number, the rest in the timestamp, as Linux's
// cookie_v4_init_sequence and cookie_init_timestamp encode them).
func TestScenarioSYNCookiesUnderFlood(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	lfd := sc.listen(80, 16)
	before := sc.s.Budget.Used()
	if got := sc.floodSYNs(80, 10000, 1024); got != 10000 {
		t.Errorf("%d of 10,000 spoofed SYNs answered, want all (16 by the SYN queue, the rest by cookies)", got)
	}
	if used := sc.s.Budget.Used() - before; used > 16*tcp.SocketMemory {
		t.Errorf("the flood holds %d bytes, over the SYN queue's %d", used, 16*tcp.SocketMemory)
	}
	c := &sc.s.Counters
	if c.TCPSyncookiesSent.Load() != 10000-16 || c.TCPListenDrops.Load() != 0 {
		t.Errorf("cookies sent %d (want %d), listen drops %d (want 0)", c.TCPSyncookiesSent.Load(), 10000-16, c.TCPListenDrops.Load())
	}

	sa := sc.cookieConnect(50000)
	if o := sa.Opts; !o.HasMSS || o.MSS != 1460 || !o.HasWS || !o.HasTS || o.TSEcr != 100 || !o.SACKPermitted {
		t.Errorf("cookie SYN,ACK options %+v: want MSS 1460, window scale, SACK-permitted and the timestamp echoed", o)
	}
	if c.TCPSyncookiesRecv.Load() != 1 {
		t.Errorf("cookies received %d, want 1", c.TCPSyncookiesRecv.Load())
	}
	fd := sc.accepted(lfd)
	iss := sa.Seq
	sc.inject(80, seg{Flags: A | P, Seq: peerISS + 1, Ack: iss + 1, Wnd: 1024, Opts: ts(102, sa.Opts.TSVal), Data: []byte("hello")})
	buf := make([]byte, 16)
	if n, err := sc.s.Recv(fd, buf); err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	// Window scale: the peer's window of 1024 is 1024<<7 bytes, so two
	// full segments (1460 less 12 bytes of timestamps) leave at once.
	sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 1 + 5}) // "hello" is acknowledged at once (PSH)
	sc.s.Send(fd, make([]byte, 2*1448))
	sc.expect(10*ms, seg{Flags: A, Seq: iss + 1, Len: 1448})
	sc.expect(10*ms, seg{Flags: A | P, Seq: iss + 1 + 1448, Len: 1448})
	// SACK: out-of-order data is reported in a SACK block.
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1 + 5 + 100, Ack: iss + 1, Wnd: 1024, Opts: ts(103, sa.Opts.TSVal), Data: []byte("later")})
	ack := sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 1 + 5})
	if ack.Opts.NumSACK != 1 || ack.Opts.SACK[0].Left != peerISS+1+105 {
		t.Errorf("ACK for out-of-order data: %+v, want one SACK block at %d", ack.Opts, peerISS+1+105)
	}
}

// TestScenarioSYNCookiesAfterFlood: the flood's half-open connections
// hold the SYN queue while they resend their SYN,ACKs (127 s), during
// which clients still connect, by cookie; once they are gone the SYN
// queue answers again.
func TestScenarioSYNCookiesAfterFlood(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	sc.listen(80, 16)
	sc.floodSYNs(80, 300, 1024)
	sc.clk.Advance(10 * sec)
	sc.inbox = nil // the half-open connections' retransmitted SYN,ACKs
	sc.cookieConnect(50000)
	sc.clk.Advance(3 * 60 * sec)
	sc.inbox = nil
	sc.port = 50001
	sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: legitSYN})
	sc.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 1})
	sc.wantState(80, 50001, collect.StateSynRecv) // from the SYN queue, not a cookie
}

// TestScenarioSYNCookieForgedAndStale: an ACK whose cookie is wrong, or
// older than two minutes (MAX_SYNCOOKIE_AGE), is answered with a reset
// and opens nothing; without a recent overflow ACKs are not checked as
// cookies at all (tcp_synq_no_recent_overflow).
func TestScenarioSYNCookieForgedAndStale(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	sc.listen(80, 1)
	c := &sc.s.Counters
	sc.port = 50000
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: 12345, Wnd: 1024})
	sc.expect(10*ms, seg{Flags: R, Seq: 12345, HasSeq: true})
	if c.TCPSyncookiesFailed.Load() != 0 {
		t.Errorf("an ACK was checked as a cookie with no SYN queue overflow")
	}
	sc.floodSYNs(80, 2, 1024) // one child, one cookie
	sc.port = 50000
	sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: legitSYN})
	sa := sc.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 1})
	for _, bad := range []uint32{sa.Seq + 2, sa.Seq + 1<<24, sa.Seq ^ 0x5a5a5a} {
		sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: bad, Wnd: 1024, Opts: ts(101, sa.Opts.TSVal)})
		sc.expect(10*ms, seg{Flags: R, Seq: bad, HasSeq: true})
	}
	// The right cookie, from another port: the hash covers the ports.
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: sa.Seq + 1, Wnd: 1024, Opts: ts(101, sa.Opts.TSVal), SrcPort: 50001})
	sc.expect(10*ms, seg{Flags: R})
	if c.TCPSyncookiesFailed.Load() != 4 || c.TCPSyncookiesRecv.Load() != 0 {
		t.Errorf("cookies failed %d (want 4), received %d (want 0)", c.TCPSyncookiesFailed.Load(), c.TCPSyncookiesRecv.Load())
	}
	// Two minutes and more later the cookie has expired; a new overflow
	// keeps cookie checking on.
	sc.clk.Advance(2*60*sec + sec)
	sc.inbox = nil
	sc.floodSYNs(80, 1, 2000)
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: sa.Seq + 1, Wnd: 1024, Opts: ts(101, sa.Opts.TSVal), SrcPort: 50000})
	sc.expect(10*ms, seg{Flags: R, Seq: sa.Seq + 1, HasSeq: true})
	if got := sc.state(80, 50000); got != collect.StateUnknown {
		t.Errorf("a stale cookie opened a %v connection", got)
	}
}

// TestScenarioSYNCookieWithoutTimestamps: a SYN without timestamps gets a
// cookie that offers neither window scaling nor SACK (nothing would bring
// them back: Linux's tcp_clear_options), and its MSS is the table's
// largest not above the peer's (1000 -> 536).
func TestScenarioSYNCookieWithoutTimestamps(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	lfd := sc.listen(80, 1)
	sc.floodSYNs(80, 1, 1024)
	sc.port = 50000
	sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: header.TCPOptions{HasMSS: true, MSS: 1000, HasWS: true, WindowScale: 7, SACKPermitted: true}})
	sa := sc.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 1})
	if o := sa.Opts; !o.HasMSS || o.HasWS || o.HasTS || o.SACKPermitted {
		t.Errorf("cookie SYN,ACK without timestamps has options %+v: want the MSS alone", o)
	}
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: sa.Seq + 1, Wnd: 8000})
	sc.wantState(80, 50000, collect.StateEstablished)
	fd := sc.accepted(lfd)
	sc.s.Send(fd, make([]byte, 1000))
	sc.expect(10*ms, seg{Flags: A, Seq: sa.Seq + 1, Len: 536})
	sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: sa.Seq + 1 + 536, Wnd: 8000})
	sc.expect(10*ms, seg{Flags: A | P, Seq: sa.Seq + 1 + 536, Len: 1000 - 536})
}

// TestScenarioSYNCookieDataOnACK: the ACK that completes a cookie
// handshake may carry data, which the new connection receives.
func TestScenarioSYNCookieDataOnACK(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	lfd := sc.listen(80, 1)
	sc.floodSYNs(80, 1, 1024)
	sc.port = 50000
	sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: legitSYN})
	sa := sc.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 1})
	sc.inject(80, seg{Flags: A | P, Seq: peerISS + 1, Ack: sa.Seq + 1, Wnd: 1024, Opts: ts(101, sa.Opts.TSVal), Data: []byte("GET / HTTP/1.0\r\n\r\n")})
	sc.expect(10*ms, seg{Flags: A, Ack: peerISS + 1 + 18})
	fd := sc.accepted(lfd)
	buf := make([]byte, 64)
	if n, err := sc.s.Recv(fd, buf); err != nil || string(buf[:n]) != "GET / HTTP/1.0\r\n\r\n" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
}

// TestScenarioSYNCookieAcceptQueueFull: a full accept queue drops SYNs,
// cookie or not, and a valid cookie's ACK, without a reset (Linux's
// sk_acceptq_is_full in tcp_conn_request and tcp_v4_syn_recv_sock); the
// peer's retransmitted ACK gets in once the application accepts.
func TestScenarioSYNCookieAcceptQueueFull(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	lfd := sc.listen(80, 1)
	sc.floodSYNs(80, 1, 1024) // the SYN queue is full
	syn := func(pport uint16) seg {
		sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: legitSYN, SrcPort: pport})
		return sc.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 1})
	}
	ack := func(pport uint16, sa seg) {
		sc.inject(80, seg{Flags: A, Seq: peerISS + 1, Ack: sa.Seq + 1, Wnd: 1024, Opts: ts(101, sa.Opts.TSVal), SrcPort: pport})
	}
	sa1, sa2 := syn(50001), syn(50002)
	ack(50001, sa1)
	sc.wantState(80, 50001, collect.StateEstablished) // the accept queue is now full
	c := &sc.s.Counters
	ack(50002, sa2)
	sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: legitSYN, SrcPort: 50003})
	sc.quiet(10 * ms)
	if got := sc.state(80, 50002); got != collect.StateUnknown || c.TCPListenDrops.Load() != 2 {
		t.Errorf("with the accept queue full: the cookie's connection is %v (want none), listen drops %d (want 2)", got, c.TCPListenDrops.Load())
	}
	sc.accepted(lfd)
	ack(50002, sa2)
	sc.wantState(80, 50002, collect.StateEstablished)
}
