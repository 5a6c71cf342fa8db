// scenario_deviation_test.go holds the small deviations from Linux that
// probing the stack found (issue 17 item 10), each as Linux behaves:
// PAWS, duplicate out-of-order data, SYN+FIN, malformed options, a
// retransmitted SYN during the handshake, source routes and urgent data.

package stack

import (
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/collect"
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
