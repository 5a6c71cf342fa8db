// scenario_icmp_test.go holds the scenarios of ICMP errors about TCP
// segments, forged or real: a path MTU is never believed below Linux's
// floor, and an error whose quoted sequence number the stack never sent
// changes nothing (RFC 5927 §4.1); a genuine one does what Linux's
// tcp_v4_err does.

package stack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/tcp"
)

// withSeq returns a copy of a TCP datagram the stack sent, with another
// sequence number: what an off-path attacker, who cannot see the real
// one, quotes in a forged ICMP error.
func withSeq(ip []byte, seq uint32) []byte {
	b := append([]byte(nil), ip...)
	binary.BigEndian.PutUint32(b[header.IPv4(b).HeaderLen()+4:], seq)
	return b
}

// sndMSS is the MSS the stack's connection on port 80 sends with.
func (sc *scenario) sndMSS() uint32 {
	for _, r := range sc.s.Snapshot() {
		if r.Local.Port() == 80 && r.Remote.Port() == sc.port {
			return r.TCP.SndMSS
		}
	}
	sc.t.Fatal("no connection on port 80")
	return 0
}

// "Fragmentation needed" with a tiny MTU lowers the path MTU only to
// Linux's floor, ip_rt_min_pmtu = 552 (__ip_rt_update_pmtu): segments of
// 552 - 40 - 12 = 500 bytes with timestamps, not 16 for an MTU of 68.
// An MTU of 0 (a router from before RFC 1191) means the floor too, as
// Linux reads it with ip_no_pmtu_disc = 0.
func TestScenarioFragNeededFloor(t *testing.T) {
	for _, mtu := range []uint32{68, 0, 300, 551} {
		t.Run(fmt.Sprint(mtu), func(t *testing.T) {
			sc, fd, iss := established(t, tcp.Options{})
			sc.s.Send(fd, make([]byte, 3000))
			first := sc.expect(10*ms, seg{Flags: A, Seq: iss + 1, Len: 1448})
			sc.expect(10*ms, seg{Flags: A, Len: 1448})
			sc.quiet(10 * ms)
			sc.injectICMP(header.ICMPDestUnreach, header.ICMPCodeFragNeeded, mtu, first.IP)
			sc.expect(10*ms, seg{Flags: A, Seq: iss + 1, Len: 500})
		})
	}
}

// RFC 5927 §4.1: an ICMP error is acted on only if the sequence number it
// quotes lies in SND.UNA..SND.NXT, what was sent and not yet acknowledged
// (Linux tcp_v4_err, counted as TcpExt OutOfWindowIcmps). A forged
// "fragmentation needed" quoting data already acknowledged, or not yet
// sent, leaves the MSS alone and resends nothing; the genuine one after
// it is obeyed.
func TestScenarioICMPOutOfWindow(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{})
	sc.s.Send(fd, make([]byte, 3000))
	first := sc.expect(10*ms, seg{Flags: A, Seq: iss + 1, Len: 1448})
	sc.expect(10*ms, seg{Flags: A, Len: 1448})
	sc.quiet(10 * ms)
	una, nxt := iss+1, iss+1+2*1448
	for _, bogus := range []uint32{una - 1, una - 1<<20, nxt + 1, nxt + 1<<20} {
		sc.injectICMP(header.ICMPDestUnreach, header.ICMPCodeFragNeeded, 600, withSeq(first.IP, bogus))
		sc.injectICMP(header.ICMPDestUnreach, header.ICMPCodePortUnreach, 0, withSeq(first.IP, bogus))
	}
	sc.quiet(10 * ms)
	if got := sc.sndMSS(); got != 1448 {
		t.Errorf("forged errors moved the MSS to %d", got)
	}
	var snmp bytes.Buffer
	if err := sc.s.WriteSNMP(&snmp); err != nil {
		t.Fatal(err)
	}
	if got := parseSNMP(t, snmp.Bytes())["TcpExt.OutOfWindowIcmps"]; got != 8 {
		t.Errorf("TcpExt OutOfWindowIcmps = %d, want 8", got)
	}
	// SND.NXT itself is in the window, as in Linux's between().
	sc.injectICMP(header.ICMPDestUnreach, header.ICMPCodeFragNeeded, 1000, withSeq(first.IP, nxt))
	sc.expect(10*ms, seg{Flags: A, Seq: una, Len: 948})
	sc.wantState(80, sc.port, collect.StateEstablished)
}

// A port unreachable quoting a SYN the stack did not send (its sequence
// number is not the ISS) must not refuse the connection: before, any port
// unreachable for the four-tuple reset a connection being opened. The
// genuine one does (RFC 1122 §4.2.3.9).
func TestScenarioICMPForgedRefusal(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	fd, done := sc.connectAsync(80)
	syn := sc.expect(10*ms, seg{Flags: S})
	for _, bogus := range []uint32{syn.Seq - 1, syn.Seq + 2, syn.Seq + 1<<30} {
		sc.injectICMP(header.ICMPDestUnreach, header.ICMPCodePortUnreach, 0, withSeq(syn.IP, bogus))
	}
	sc.wantState(syn.SrcPort, 80, collect.StateSynSent)
	if got := sc.s.Counters.TCPOutOfWindowICMPs.Load(); got != 3 {
		t.Errorf("TCPOutOfWindowICMPs = %d, want 3", got)
	}
	sc.injectICMP(header.ICMPDestUnreach, header.ICMPCodePortUnreach, 0, syn.IP)
	if err := waitErr(t, sc, done); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("connect after a genuine port unreachable: %v, want ECONNREFUSED", err)
	}
	sc.s.Close(fd)
}

// A genuine error about a SYN the stack sent ends the attempt with the
// errno Linux's icmp_err_convert gives it: tcp_v4_err treats every
// destination unreachable (but fragmentation needed), time exceeded and
// parameter problem as fatal in SYN_SENT.
func TestScenarioICMPSynSentErrors(t *testing.T) {
	for _, tt := range []struct {
		typ, code uint8
		want      syscall.Errno
	}{
		{header.ICMPDestUnreach, 0, syscall.ENETUNREACH},
		{header.ICMPDestUnreach, 1, syscall.EHOSTUNREACH},
		{header.ICMPDestUnreach, 2, syscall.ENOPROTOOPT},
		{header.ICMPDestUnreach, header.ICMPCodePortUnreach, syscall.ECONNREFUSED},
		{header.ICMPDestUnreach, 13, syscall.EHOSTUNREACH},
		{header.ICMPTimeExceeded, 0, syscall.EHOSTUNREACH},
		{header.ICMPParamProblem, 0, syscall.EPROTO},
	} {
		t.Run(fmt.Sprintf("%d/%d", tt.typ, tt.code), func(t *testing.T) {
			sc := newScenario(t, tcp.Options{})
			_, done := sc.connectAsync(80)
			syn := sc.expect(10*ms, seg{Flags: S})
			sc.injectICMP(tt.typ, tt.code, 0, syn.IP)
			if err := waitErr(t, sc, done); !errors.Is(err, tt.want) {
				t.Fatalf("connect: %v, want %v", err, tt.want)
			}
		})
	}
}

// Once established, a genuine port unreachable is a soft error (RFC 1122
// §4.2.3.9 allows it to be hard, Linux keeps it in sk_err_soft without
// IP_RECVERR): the connection goes on, and if it later times out, the
// error says why.
func TestScenarioICMPEstablishedSoft(t *testing.T) {
	sc, fd, iss := established(t, tcp.Options{Retries: 2})
	sc.s.Send(fd, make([]byte, 100))
	data := sc.expect(10*ms, seg{Flags: A | P, Seq: iss + 1, Len: 100})
	sc.injectICMP(header.ICMPDestUnreach, header.ICMPCodePortUnreach, 0, data.IP)
	sc.wantState(80, sc.port, collect.StateEstablished)
	sc.expect(sec, seg{Flags: A | P, Seq: iss + 1, Len: 100}) // the RTO resends it
	for sc.state(80, sc.port) == collect.StateEstablished {
		if _, _, ok := sc.next(sec); !ok && sc.clk.Now().Sub(sc.start) > 10*60*sec {
			t.Fatal("the connection never timed out")
		}
	}
	if _, err := sc.s.Recv(fd, make([]byte, 1)); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("after the timeout: %v, want ECONNREFUSED (the soft error)", err)
	}
}

// A connection still in SYN_RECV on a listener is Linux's request socket:
// tcp_req_err drops it only for an error that quotes the ISS exactly and
// is a network or host unreachable, a time exceeded or a parameter
// problem (counted as ListenDrops); a port unreachable leaves it alone,
// since a SYN,ACK cannot draw one from a live peer.
func TestScenarioICMPSynRecv(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	sc.listen(80, 4)
	sc.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: synOpts})
	sa := sc.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 1})
	sc.injectICMP(header.ICMPDestUnreach, header.ICMPCodePortUnreach, 0, sa.IP)
	sc.injectICMP(header.ICMPDestUnreach, header.ICMPCodeFragNeeded, 68, sa.IP)
	sc.injectICMP(header.ICMPDestUnreach, 1, 0, withSeq(sa.IP, sa.Seq+1))
	sc.wantState(80, sc.port, collect.StateSynRecv)
	if got := sc.s.Counters.TCPOutOfWindowICMPs.Load(); got != 1 {
		t.Errorf("TCPOutOfWindowICMPs = %d, want 1", got)
	}
	sc.injectICMP(header.ICMPDestUnreach, 1, 0, sa.IP)
	if st := sc.state(80, sc.port); st != collect.StateUnknown {
		t.Fatalf("after a host unreachable about the SYN,ACK the connection is %v, want gone", st)
	}
	if got := sc.s.Counters.TCPListenDrops.Load(); got != 1 {
		t.Errorf("ListenDrops = %d, want 1", got)
	}
	sc.quiet(5 * sec) // nothing resent, no RST
}
