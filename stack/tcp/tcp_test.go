// tcp_test.go tests the pure TCP machinery against its RFCs.

package tcp

import (
	"net/netip"
	"testing"
	"time"
)

func TestSeqWraps(t *testing.T) {
	top := Seq(0xfffffff0)
	if !top.LessThan(top.Add(0x20)) || top.Add(0x20) != 0x10 {
		t.Error("comparison across the wrap")
	}
	if !Seq(5).InWindow(top, 0x20) || Seq(0x20).InWindow(top, 0x20) {
		t.Error("window across the wrap")
	}
	if top.Add(0x20).Sub(top) != 0x20 {
		t.Error("Sub across the wrap")
	}
	if MaxSeq(top, top.Add(1)) != top.Add(1) || MaxSeq(5, top) != 5 {
		t.Error("MaxSeq")
	}
}

// TestAcceptable walks RFC 9293 §3.10.7.4's four cases.
func TestAcceptable(t *testing.T) {
	for _, tt := range []struct {
		seq    Seq
		len    uint32
		nxt    Seq
		wnd    uint32
		accept bool
	}{
		{100, 0, 100, 0, true},  // len 0, wnd 0: seq == rcv.nxt
		{101, 0, 100, 0, false}, //
		{150, 0, 100, 100, true},
		{200, 0, 100, 100, false}, // just past the window
		{100, 10, 100, 0, false},  // data into a zero window
		{90, 20, 100, 100, true},  // starts before, ends inside
		{199, 5, 100, 100, true},  // starts at the last byte
		{200, 5, 100, 100, false},
		{0xfffffffe, 4, 0, 10, true}, // across the wrap
	} {
		if got := Acceptable(tt.seq, tt.len, tt.nxt, tt.wnd); got != tt.accept {
			t.Errorf("seq %d len %d nxt %d wnd %d: %v, want %v", tt.seq, tt.len, tt.nxt, tt.wnd, got, tt.accept)
		}
	}
}

func TestRTO(t *testing.T) {
	r := NewRTO()
	if r.Current() != time.Second {
		t.Errorf("initial RTO %v, want 1s (RFC 6298 §2.1)", r.Current())
	}
	r.Sample(100 * time.Millisecond)
	// §2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4*RTTVAR = 300ms.
	if r.SRTT() != 100*time.Millisecond || r.RTTVar() != 50*time.Millisecond || r.Current() != 300*time.Millisecond {
		t.Errorf("after one sample: srtt %v rttvar %v rto %v", r.SRTT(), r.RTTVar(), r.Current())
	}
	r.Sample(200 * time.Millisecond)
	// §2.3: RTTVAR = 3/4*50 + 1/4*|100-200| = 62.5ms; SRTT = 7/8*100 + 1/8*200 = 112.5ms.
	if r.RTTVar() != 62500*time.Microsecond || r.SRTT() != 112500*time.Microsecond || r.Current() != 362500*time.Microsecond {
		t.Errorf("after two samples: srtt %v rttvar %v rto %v", r.SRTT(), r.RTTVar(), r.Current())
	}
	// §5.5 backoff doubles, bounded by Max (§2.5).
	r.Backoff()
	r.Backoff()
	if r.Current() != 4*362500*time.Microsecond {
		t.Errorf("after two backoffs: %v", r.Current())
	}
	for i := 0; i < 20; i++ {
		r.Backoff()
	}
	if r.Current() != DefaultMaxRTO {
		t.Errorf("backed off to %v, want the 120s bound", r.Current())
	}
	r.ResetBackoff()
	// §2.4 lower bound: a LAN's microsecond RTTs still give 200ms.
	fast := NewRTO()
	for i := 0; i < 50; i++ {
		fast.Sample(50 * time.Microsecond)
	}
	if fast.Current() != DefaultMinRTO {
		t.Errorf("fast path RTO %v, want the 200ms floor", fast.Current())
	}
}

func TestISN(t *testing.T) {
	epoch := time.Unix(0, 0)
	g := NewISNGenerator(epoch)
	l, r := netip.MustParseAddrPort("198.18.0.1:40000"), netip.MustParseAddrPort("198.18.0.2:80")
	a := g.ISN(l, r, epoch.Add(time.Second))
	b := g.ISN(l, r, epoch.Add(2*time.Second))
	// RFC 6528: M ticks every 4µs, so one second later the same tuple's ISN
	// is 250,000 ahead.
	if b.Sub(a) != 250000 {
		t.Errorf("one second moved the ISN by %d, want 250000", b.Sub(a))
	}
	other := g.ISN(netip.MustParseAddrPort("198.18.0.1:40001"), r, epoch.Add(time.Second))
	if other == a {
		t.Error("another port got the same ISN")
	}
	if NewISNGenerator(epoch).ISN(l, r, epoch.Add(time.Second)) == a {
		t.Error("two secrets gave the same ISN")
	}
}

func TestNewRenoSlowStartAndAvoidance(t *testing.T) {
	c := NewNewReno(1460, 1000)
	if c.Cwnd != 14600 {
		t.Fatalf("IW %d, want 10*MSS (RFC 6928)", c.Cwnd)
	}
	c.OnAck(1000+1460, 1460, 14600)
	if c.Cwnd != 14600+1460 {
		t.Errorf("slow start: cwnd %d", c.Cwnd)
	}
	c.Ssthresh = c.Cwnd
	before := c.Cwnd
	c.OnAck(1000+2*1460, 1460, 14600)
	if c.Cwnd != before+1460*1460/before {
		t.Errorf("congestion avoidance: cwnd %d, want %d", c.Cwnd, before+1460*1460/before)
	}
}

func TestNewRenoFastRecovery(t *testing.T) {
	const mss = 1000
	// ISS 0: data starts at 1. Twenty segments in flight [1, 20001); the
	// first is lost, so every later one brings a duplicate ACK of 1.
	c := NewNewReno(mss, 0)
	c.Cwnd = 20 * mss
	for i := 1; i <= 2; i++ {
		if c.OnDupAck(1, 20001, 20*mss) {
			t.Fatalf("retransmit after %d dup ACKs", i)
		}
	}
	if !c.OnDupAck(1, 20001, 20*mss) {
		t.Fatal("no fast retransmit on the third dup ACK")
	}
	// RFC 5681 §3.2: ssthresh = FlightSize/2, cwnd = ssthresh + 3*SMSS.
	if c.Ssthresh != 10*mss || c.Cwnd != 13*mss || !c.InRecovery() {
		t.Fatalf("entering recovery: ssthresh %d cwnd %d", c.Ssthresh, c.Cwnd)
	}
	c.OnDupAck(1, 20001, 20*mss)
	if c.Cwnd != 14*mss {
		t.Errorf("inflation: cwnd %d, want 14 segments", c.Cwnd)
	}
	// A partial ACK (segment 6 was lost too): retransmit it, deflate by the
	// 5000 bytes acked plus one SMSS back, stay in recovery (RFC 6582 step 5).
	if !c.OnAck(5001, 5000, 20*mss) || !c.InRecovery() || c.Cwnd != 10*mss {
		t.Errorf("partial ACK: recovery %v cwnd %d, want a retransmission, recovery, cwnd 10 segments", c.InRecovery(), c.Cwnd)
	}
	// The full ACK covers recover (20000): leave recovery with
	// cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) (step 3).
	if c.OnAck(20001, 15000, 15*mss) || c.InRecovery() || c.Cwnd != 2*mss {
		t.Errorf("full ACK: recovery %v cwnd %d, want out of recovery with 2 segments", c.InRecovery(), c.Cwnd)
	}
	// RFC 6582 step 2: after a timeout, dup ACKs for data below recover do
	// not start a fast retransmit of the same window.
	c2 := NewNewReno(mss, 0)
	c2.OnTimeout(10*mss, 10001, false)
	for i := 0; i < 3; i++ {
		if c2.OnDupAck(5001, 10001, 5*mss) {
			t.Error("fast retransmit for a window already being recovered by timeout")
		}
	}
	// Once the ACK passes recover, a new loss does trigger one.
	c2.OnAck(10001, 5000, 5*mss)
	for i := 0; i < 3; i++ {
		c2.OnDupAck(10001, 20001, 10*mss)
	}
	if !c2.InRecovery() {
		t.Error("no fast retransmit for a loss after recover")
	}
}

func TestNewRenoTimeout(t *testing.T) {
	c := NewNewReno(1000, 0)
	c.Cwnd = 40000
	c.OnTimeout(30000, 30000, false)
	if c.Ssthresh != 15000 || c.Cwnd != 1000 {
		t.Errorf("first timeout: ssthresh %d cwnd %d, want 15000 and one SMSS", c.Ssthresh, c.Cwnd)
	}
	c.OnTimeout(1000, 30000, true)
	if c.Ssthresh != 15000 {
		t.Errorf("a repeated timeout halved ssthresh again: %d", c.Ssthresh)
	}
}
