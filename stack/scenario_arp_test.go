// scenario_arp_test.go holds the scenarios of ARP floods: whatever a peer
// sends, and whatever the stack itself is waiting to resolve, a neighbour
// the stack has never talked to must still resolve at once, and one it is
// talking to must stay resolved.

package stack

import (
	"net/netip"
	"testing"

	"github.com/gonetstat/gonetstat/stack/arp"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/tcp"
)

// arpFlood sends n ARP requests from the peer's wire: half ask for the
// stack's address from a spoofed sender each (RFC 826 has the stack learn
// every one of them), half ask for other targets of the subnet.
func (w *wireScenario) arpFlood(n int) {
	f := make([]byte, header.EthernetLen+header.ARPLen)
	for i := 0; i < n; i++ {
		mac := header.MAC{2, 1, 0, 0, byte(i >> 8), byte(i)}
		sender := netip.AddrFrom4([4]byte{198, 19, byte(i >> 8), byte(i)})
		target := addrA.Addr()
		if i%2 == 1 {
			target = netip.AddrFrom4([4]byte{198, 18, 0, byte(3 + i%250)})
		}
		header.EncodeEthernet(f, header.Broadcast, mac, header.EtherTypeARP)
		header.EncodeARP(f[header.EthernetLen:], header.ARPRequest, mac, sender, header.MAC{}, target)
		w.peer.WritePacket(f)
		w.clk.Advance(0)
	}
}

// pingPromptly has the stack ping dst and requires the echo request to be
// on the wire within 10 ms: at once on this wire, where the peer answers
// ARP without delay.
func (w *wireScenario) pingPromptly(dst netip.Addr, id uint16) {
	w.t.Helper()
	start := w.clk.Now()
	if err := w.s.ICMP.Ping(dst, id, 1, nil); err != nil {
		w.t.Fatal(err)
	}
	w.awaitIP("the echo request", isEcho(header.ICMPEchoRequest, id))
	if d := w.clk.Now().Sub(start); d > 10*ms {
		w.t.Errorf("the echo request left %v after the ping, want at once", d)
	}
}

// After 5,000 ARP requests, 2,500 of them from spoofed senders that fill
// the neighbour cache (1,024 entries, gc_thresh3), a neighbour the stack
// never talked to resolves at once. Before, the cache refused it until
// the learned entries expired (30 s); Linux's neigh_forced_gc frees
// entries not updated for 5 s (4 s measured). The stack gives up the
// entries learned from requests and never used first, oldest first.
func TestScenarioARPFloodNewNeighbour(t *testing.T) {
	w := newWireScenario(t, tcp.Options{})
	w.arpFlood(5000)
	if c := &w.s.Counters; c.ARPInRequests.Load() != 5000 || c.ARPOutReplies.Load() != 2500 {
		t.Errorf("ARP in %d requests, out %d replies; want 5000 and 2500", c.ARPInRequests.Load(), c.ARPOutReplies.Load())
	}
	if n := len(w.s.ARP.Neighbors()); n > 1024 {
		t.Errorf("%d neighbour entries, over the limit of 1024", n)
	}
	w.pingPromptly(peerAddr, 7)
}

// A neighbour the stack talks to survives the flood: the spoofed senders
// push out one another, not it, so talking to it again needs no new
// request.
func TestScenarioARPFloodKeepsNeighbourInUse(t *testing.T) {
	w := newWireScenario(t, tcp.Options{})
	w.pingPromptly(peerAddr, 7)
	w.arpFlood(5000)
	w.pingPromptly(peerAddr, 8)
	if got := w.s.Counters.ARPOutRequests.Load(); got != 1 {
		t.Errorf("%d ARP requests, want 1: the flood evicted the neighbour in use", got)
	}
}

// Resolutions the stack is waiting for cannot lock the cache either: with
// every entry waiting for an answer that does not come (spoofed sources
// the stack must answer, say), a new resolution takes the place of the
// oldest waiting one, whose queued frame is dropped and counted, and a
// neighbour that answers resolves at once. Linux keeps its incomplete
// entries (their timers hold them) and fails new neighbours with
// "neighbour table overflow" until they time out.
func TestScenarioARPPendingTableFull(t *testing.T) {
	w := newWireScenarioWith(t, Options{ARP: arp.Options{CacheLimit: 64}})
	for i := 0; i < 100; i++ {
		if err := w.s.ICMP.Ping(netip.AddrFrom4([4]byte{198, 18, 0, byte(100 + i)}), 1, uint16(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	w.pingPromptly(peerAddr, 7)
	if n := len(w.s.ARP.Neighbors()); n != 64 {
		t.Errorf("%d neighbour entries, want the limit of 64", n)
	}
	if c := &w.s.Counters; c.ARPOutRequests.Load() != 101 || c.ARPPendingDrops.Load() != 37 {
		t.Errorf("%d requests and %d frames dropped; want 101 (one per address) and 37 (one per evicted address)",
			c.ARPOutRequests.Load(), c.ARPPendingDrops.Load())
	}
}
