// scenario_broadcast_test.go holds the scenarios of datagrams sent to a
// broadcast or multicast address: a host must not answer them the way it
// answers its own address (RFC 1122 §3.2.2, §4.2.3.10), or one datagram
// draws an answer from every host of the subnet (a smurf amplifier).

package stack

import (
	"net/netip"
	"testing"

	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/tcp"
)

// broadcasts are the destinations the stack receives but must not answer
// as its own: the limited broadcast and its subnet's directed broadcast.
var broadcasts = []netip.Addr{ip4(255, 255, 255, 255), subnetBroadcast}

func ip4(a, b, c, d byte) netip.Addr { return netip.AddrFrom4([4]byte{a, b, c, d}) }

// notFromUs selects datagrams the stack sent from an address other than
// its own: none may leave.
func notFromUs(ip header.IPv4) bool { return ip.Src() != addrA.Addr() }

// RFC 1122 §4.2.3.10: a SYN to a broadcast or multicast address is
// silently discarded (Linux: tcp_v4_conn_request, "never answer to SYNs
// send to broadcast or multicast"), and no segment to one draws a reset
// (tcp_v4_send_reset answers only a local destination). The peer's SYN
// to the stack's own address after them is answered, from that address.
func TestScenarioBroadcastTCP(t *testing.T) {
	w := newWireScenario(t, tcp.Options{})
	w.listen(80, 4)
	from := netip.AddrPortFrom(peerAddr, w.port)
	for _, dst := range append(broadcasts, ip4(224, 0, 0, 1)) {
		to := netip.AddrPortFrom(dst, 80)
		w.injectIP(peerAddr, dst, header.ProtoTCP, tcpSegment(from, to, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: synOpts}))
		// No listener on 81: to our address this would draw a RST.
		to = netip.AddrPortFrom(dst, 81)
		w.injectIP(peerAddr, dst, header.ProtoTCP, tcpSegment(from, to, seg{Flags: A, Seq: peerISS, Ack: 1, Wnd: 65535}))
	}
	w.inject(80, seg{Flags: S, Seq: peerISS, Wnd: 65535, Opts: synOpts})
	w.expect(10*ms, seg{Flags: S | A, Ack: peerISS + 1})
	if bad := w.sentIP(notFromUs); len(bad) > 0 {
		t.Errorf("the stack sent %d datagrams from another address than its own, the first from %v", len(bad), bad[0].Src())
	}
	if got := w.sentIP(isProto(header.ProtoTCP, netip.Addr{})); len(got) != 1 {
		t.Errorf("the stack sent %d segments, want 1 (the SYN,ACK to the SYN for its own address)", len(got))
	}
	if c := &w.s.Counters; c.TCPOutRsts.Load() != 0 || c.TCPPassiveOpens.Load() != 1 {
		t.Errorf("OutRsts %d, PassiveOpens %d; want 0 and 1", c.TCPOutRsts.Load(), c.TCPPassiveOpens.Load())
	}
}

// RFC 1122 §3.2.2: no ICMP error about a datagram sent to a broadcast
// address; so a UDP datagram to a closed port at a broadcast address draws
// no port unreachable (Linux: icmp_send returns for RTCF_BROADCAST). The
// same datagram to the stack's own address does.
func TestScenarioBroadcastUDPNoError(t *testing.T) {
	w := newWireScenario(t, tcp.Options{})
	from := netip.AddrPortFrom(peerAddr, 5000)
	for _, dst := range broadcasts {
		w.injectIP(peerAddr, dst, header.ProtoUDP, udpDatagram(from, netip.AddrPortFrom(dst, 9999), []byte("hello?")))
	}
	w.injectIP(peerAddr, addrA.Addr(), header.ProtoUDP, udpDatagram(from, netip.AddrPortFrom(addrA.Addr(), 9999), []byte("hello?")))
	w.awaitIP("the port unreachable", isProto(header.ProtoICMP, peerAddr))
	errs := w.sentIP(isProto(header.ProtoICMP, netip.Addr{}))
	if len(errs) != 1 {
		t.Fatalf("the stack sent %d ICMP messages, want 1 (about the datagram to its own address)", len(errs))
	}
	if quoted := header.IPv4(header.ICMPv4(errs[0].Payload()).Payload()); quoted.Dst() != addrA.Addr() {
		t.Errorf("the port unreachable quotes a datagram to %v", quoted.Dst())
	}
	// Linux counts a broadcast datagram no socket wants as IgnoredMulti
	// (__udp4_lib_mcast_deliver), not NoPorts: measured on 6.18, the same
	// three datagrams move NoPorts by 1.
	if c := &w.s.Counters; c.UDPNoPorts.Load() != 1 || c.UDPIgnoredMulti.Load() != 2 {
		t.Errorf("UDP NoPorts = %d, IgnoredMulti = %d; want 1 and 2", c.UDPNoPorts.Load(), c.UDPIgnoredMulti.Load())
	}
}

// An echo request to a broadcast address is not answered: RFC 1122
// §3.2.2.6 allows either, and Linux's default (icmp_echo_ignore_broadcasts
// = 1) ignores it, counting it in InErrors (icmp_rcv), so that one ping
// cannot draw an answer from every host of a subnet. The echo request to
// the stack's own address is answered.
func TestScenarioBroadcastEchoIgnored(t *testing.T) {
	w := newWireScenario(t, tcp.Options{})
	for i, dst := range broadcasts {
		w.injectIP(peerAddr, dst, header.ProtoICMP, echoRequest(1, uint16(i), nil))
	}
	w.injectIP(peerAddr, addrA.Addr(), header.ProtoICMP, echoRequest(2, 0, nil))
	w.awaitIP("the echo reply", isEcho(header.ICMPEchoReply, 2))
	if got := w.sentIP(isEcho(header.ICMPEchoReply, 1)); len(got) != 0 {
		t.Errorf("%d broadcast echo requests answered", len(got))
	}
	c := &w.s.Counters
	if c.ICMPInMsgs.Load() != 3 || c.ICMPInErrors.Load() != 2 || c.ICMPOutMsgs.Load() != 1 {
		t.Errorf("ICMP InMsgs %d, InErrors %d, OutMsgs %d; want 3, 2, 1 (as Linux counts ignored broadcast echoes)",
			c.ICMPInMsgs.Load(), c.ICMPInErrors.Load(), c.ICMPOutMsgs.Load())
	}
}
