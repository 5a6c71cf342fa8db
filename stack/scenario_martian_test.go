// scenario_martian_test.go holds the scenarios of datagrams with a source
// no host may use (martians, RFC 1122 §3.2.1.3): the LAND attack (our own
// address as the source) and broadcast, multicast, loopback and "this
// network" sources, each dropped on input and counted.

package stack

import (
	"bytes"
	"context"
	"net/netip"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/services"
	"github.com/gonetstat/gonetstat/stack/tcp"
)

// The LAND attack on UDP: one datagram from the stack's own echo port to
// itself. Delivered, the echo service answers itself through the loopback
// forever; Linux drops it as a martian source (fib_validate_source finds
// a local address), and so must the stack. A legitimate datagram behind
// it is echoed, and when its echo leaves, the service has read everything
// before it: it must have sent that one echo and nothing else.
func TestScenarioMartianUDPLand(t *testing.T) {
	w := newWireScenario(t, tcp.Options{})
	pc, err := w.s.ListenPacket(netip.MustParseAddrPort("0.0.0.0:7"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- services.UDPEcho(ctx, pc) }()
	t.Cleanup(func() { cancel(); <-done })

	self := netip.AddrPortFrom(addrA.Addr(), 7)
	w.injectIP(self.Addr(), self.Addr(), header.ProtoUDP, udpDatagram(self, self, []byte("land")))
	from := netip.AddrPortFrom(peerAddr, 5000)
	w.injectIP(peerAddr, self.Addr(), header.ProtoUDP, udpDatagram(from, self, []byte("legit")))
	w.awaitIP("the echo of the legitimate datagram", isProto(header.ProtoUDP, peerAddr))

	c := &w.s.Counters
	if got := c.UDPOutDatagrams.Load(); got != 1 {
		t.Errorf("the echo service sent %d datagrams, want 1 (the LAND datagram was echoed to the stack itself)", got)
	}
	if got := c.UDPInDatagrams.Load(); got != 1 {
		t.Errorf("UDP delivered %d datagrams, want 1", got)
	}
	if got := c.IPInMartians.Load(); got != 1 {
		t.Errorf("IPInMartians = %d, want 1", got)
	}
}

// The LAND attack on TCP: a SYN from the listener's own address and port.
// Answered, the child would ACK its own SYN,ACK through the loopback; it
// must be dropped before TCP sees it.
func TestScenarioMartianSYNLand(t *testing.T) {
	w := newWireScenario(t, tcp.Options{})
	w.listen(80, 4)
	self := netip.AddrPortFrom(addrA.Addr(), 80)
	w.injectIP(self.Addr(), self.Addr(), header.ProtoTCP, tcpSegment(self, self, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: synOpts}))
	// A legitimate SYN behind it is answered, and so was processed after.
	w.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: synOpts})
	w.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 1})
	if st := w.state(80, 80); st != collect.StateUnknown {
		t.Errorf("the SYN from our own address made a connection in state %v", st)
	}
	c := &w.s.Counters
	if c.TCPInSegs.Load() != 1 || c.TCPPassiveOpens.Load() != 1 || c.IPInMartians.Load() != 1 {
		t.Errorf("TCPInSegs %d, PassiveOpens %d, IPInMartians %d; want 1, 1, 1",
			c.TCPInSegs.Load(), c.TCPPassiveOpens.Load(), c.IPInMartians.Load())
	}
}

// Sources no host may use (RFC 1122 §3.2.1.3): broadcast (limited and the
// subnet's), multicast, loopback (127/8), "this network" (0/8), and the
// stack's own address. Each echo request from one of them is dropped
// unanswered, as Linux's ip_route_input_slow does (martian source); the
// echo request from the peer after them is answered.
func TestScenarioMartianSources(t *testing.T) {
	w := newWireScenario(t, tcp.Options{})
	martians := []string{"255.255.255.255", "198.18.0.255", "224.0.0.1", "239.1.2.3", "127.0.0.1", "127.9.9.9", "0.0.0.0", "0.1.2.3", "198.18.0.1"}
	for i, m := range martians {
		w.injectIP(netip.MustParseAddr(m), addrA.Addr(), header.ProtoICMP, echoRequest(1, uint16(i), []byte(m)))
	}
	w.injectIP(peerAddr, addrA.Addr(), header.ProtoICMP, echoRequest(2, 0, nil))
	w.awaitIP("the echo reply to the peer", isEcho(header.ICMPEchoReply, 2))
	if got := w.sentIP(isEcho(header.ICMPEchoReply, 1)); len(got) != 0 {
		t.Errorf("%d echo requests from martian sources answered, the first to %v", len(got), got[0].Dst())
	}
	c := &w.s.Counters
	if got := c.IPInMartians.Load(); got != uint64(len(martians)) {
		t.Errorf("IPInMartians = %d, want %d", got, len(martians))
	}
	if got := c.ICMPInMsgs.Load(); got != 1 {
		t.Errorf("ICMP received %d messages, want 1 (the peer's)", got)
	}
	var snmp bytes.Buffer
	if err := w.s.WriteSNMP(&snmp); err != nil {
		t.Fatal(err)
	}
	if got := parseSNMP(t, snmp.Bytes())["IpExt.InMartians"]; got != int64(len(martians)) {
		t.Errorf("IpExt InMartians = %d in the counters file, want %d", got, len(martians))
	}
}
