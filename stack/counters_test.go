// counters_test.go checks, frame by frame, that the stack counts a packet
// before it leaves: a test (or a user) that sees a packet's effect — a
// refused connect, an echo reply — must find it counted, with no wait.

package stack

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/icmp"
	"github.com/gonetstat/gonetstat/stack/link"
)

// countingLink is a link endpoint that, as each frame is handed to it,
// decodes the frame (with gopacket, not our own decoder) and checks that
// the sending stack's counters already include it and every frame before.
type countingLink struct {
	link.Endpoint
	s *Stack

	mu    sync.Mutex
	seen  map[string]uint64 // frames seen so far, by counter name
	wrong []string
}

func (l *countingLink) WritePacket(frame []byte) error {
	l.check(frame)
	return l.Endpoint.WritePacket(frame)
}

func (l *countingLink) check(frame []byte) {
	c := &l.s.Counters
	type want struct {
		name    string
		counter uint64
	}
	wants := []want{{"LinkOutFrames", c.LinkOutFrames.Load()}}
	p := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
	if a, ok := p.Layer(layers.LayerTypeARP).(*layers.ARP); ok {
		if a.Operation == layers.ARPRequest {
			wants = append(wants, want{"ARPOutRequests", c.ARPOutRequests.Load()})
		} else {
			wants = append(wants, want{"ARPOutReplies", c.ARPOutReplies.Load()})
		}
	}
	if ip, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
		frag := ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0
		if frag {
			wants = append(wants, want{"IPFragCreates", c.IPFragCreates.Load()})
		}
		if ip.Flags&layers.IPv4MoreFragments == 0 && ip.FragOffset != 0 {
			wants = append(wants, want{"IPFragOKs", c.IPFragOKs.Load()})
		}
		// A datagram is counted by its transport once, at its first
		// fragment.
		if ip.FragOffset == 0 {
			switch ip.Protocol {
			case layers.IPProtocolTCP:
				wants = append(wants, want{"TCPOutSegs", c.TCPOutSegs.Load()})
				if tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok && tcp.RST {
					wants = append(wants, want{"TCPOutRsts", c.TCPOutRsts.Load()})
				}
			case layers.IPProtocolUDP:
				wants = append(wants, want{"UDPOutDatagrams", c.UDPOutDatagrams.Load()})
			case layers.IPProtocolICMPv4:
				typ := ip.Payload[0]
				wants = append(wants, want{"ICMPOutMsgs", c.ICMPOutMsgs.Load()},
					want{fmt.Sprintf("ICMPOutType[%d]", typ), c.ICMPOutType[typ].Load()})
			}
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, w := range wants {
		l.seen[w.name]++
		if w.counter < l.seen[w.name] {
			l.wrong = append(l.wrong, fmt.Sprintf("%s: frame %d of its kind left with the counter at %d", w.name, l.seen[w.name], w.counter))
		}
	}
}

// sent returns how many frames of a counter's kind left so far.
func (l *countingLink) sent(name string) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[name]
}

func (l *countingLink) errors() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.wrong...)
}

// TestCountersMoveBeforeThePacketLeaves runs ARP, ping, ICMP errors, UDP
// (whole and fragmented) and TCP resets between two stacks on a
// real-clock wire and checks every frame each stack writes. Without the
// order it checks, TestConnectToClosedPortIsRefused failed about once in
// 300 runs on a loaded machine: the RST arrived and the dial returned
// before the sender's TCPOutRsts moved.
func TestCountersMoveBeforeThePacketLeaves(t *testing.T) {
	ea, eb := link.Pair(link.PairConfig{MACA: macA, MACB: macB})
	t.Cleanup(func() { ea.Close(); eb.Close() })
	a := New(Options{Options: core.Options{Name: "a"}})
	b := New(Options{Options: core.Options{Name: "b"}})
	la := &countingLink{Endpoint: ea, s: a, seen: map[string]uint64{}}
	lb := &countingLink{Endpoint: eb, s: b, seen: map[string]uint64{}}
	if _, err := a.AddNIC(la, addrA); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddNIC(lb, addrB); err != nil {
		t.Fatal(err)
	}

	// ARP both ways, an echo request and its reply.
	echoed := make(chan icmp.EchoReply, 1)
	a.ICMP.OnEchoReply(9, func(r icmp.EchoReply) { echoed <- r })
	if err := a.ICMP.Ping(addrB.Addr(), 9, 1, []byte("count me")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-echoed:
	case <-time.After(testenv.Patience):
		t.Fatal("no echo reply")
	}

	// A connect to a closed port: B answers with a reset (RFC 9293
	// §3.10.7.1).
	if _, err := a.Dial(netip.AddrPortFrom(addrB.Addr(), 81)); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial a closed port: %v, want ECONNREFUSED", err)
	}

	// A datagram to a closed port: B answers port unreachable, which A's
	// connected socket reads as ECONNREFUSED. Then one too big for the
	// MTU, fragmented (RFC 791 §3.2), to a port that is open.
	cli := must[FD](t)(a.Socket(collect.ProtoUDP))
	if err := a.Connect(cli, netip.AddrPortFrom(addrB.Addr(), 9999)); err != nil {
		t.Fatal(err)
	}
	a.SetReadDeadline(cli, time.Now().Add(testenv.Patience))
	if _, err := a.Send(cli, []byte("anyone?")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Recv(cli, make([]byte, 16)); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("receive after port unreachable: %v, want ECONNREFUSED", err)
	}
	srv := must[FD](t)(b.Socket(collect.ProtoUDP))
	if err := b.Bind(srv, netip.MustParseAddrPort("0.0.0.0:7")); err != nil {
		t.Fatal(err)
	}
	big := pattern(4000)
	if _, err := a.SendTo(cli, big, netip.AddrPortFrom(addrB.Addr(), 7)); err != nil {
		t.Fatal(err)
	}
	b.SetReadDeadline(srv, time.Now().Add(testenv.Patience))
	if n, _, err := b.RecvFrom(srv, make([]byte, 8000)); err != nil || n != len(big) {
		t.Fatalf("fragmented datagram: %d bytes, %v", n, err)
	}
	// The receiving side counts before the reader is woken.
	if got := b.Counters.UDPInDatagrams.Load(); got != 1 {
		t.Errorf("UDPInDatagrams %d after the datagram was read, want 1", got)
	}

	// A close with unread data resets the connection (RFC 2525 §2.17).
	ln, err := b.Listen(netip.MustParseAddrPort("0.0.0.0:22"), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := a.Dial(netip.AddrPortFrom(addrB.Addr(), 22))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("unread"))
	s.SetReadDeadline(time.Now().Add(testenv.Patience))
	if _, err := io.ReadFull(s, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	s.Close() // five bytes left unread
	c.SetReadDeadline(time.Now().Add(testenv.Patience))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read after the peer closed with unread data: %v, want ECONNRESET", err)
	}

	for _, l := range []*countingLink{la, lb} {
		for _, e := range l.errors() {
			t.Errorf("stack %s: %s", l.s.Name, e)
		}
	}
	// Every kind of frame above was seen, so the checks did run.
	for _, k := range []struct {
		l    *countingLink
		name string
	}{
		{la, "ARPOutRequests"}, {lb, "ARPOutReplies"}, {la, "ICMPOutType[8]"}, {lb, "ICMPOutType[0]"},
		{lb, "TCPOutRsts"}, {lb, "ICMPOutType[3]"}, {la, "UDPOutDatagrams"}, {la, "IPFragCreates"}, {la, "IPFragOKs"},
	} {
		if k.l.sent(k.name) == 0 {
			t.Errorf("stack %s sent no frame counted by %s", k.l.s.Name, k.name)
		}
	}
}
