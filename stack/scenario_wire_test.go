// scenario_wire_test.go extends the scenario DSL to whole frames: the
// scripted peer can inject IPv4 datagrams with any source and destination
// (its own address or a forged one, unicast or broadcast), and every frame
// the stack sends is kept, whatever its protocol, for the tests of what a
// hostile peer can make the stack do.

package stack

import (
	"net/netip"
	"runtime"
	"sync"
	"testing"

	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/link"
	"github.com/gonetstat/gonetstat/stack/tcp"
)

// wireScenario is a scenario whose peer also sees every frame.
type wireScenario struct {
	*scenario
	mu     sync.Mutex
	frames [][]byte // every frame the stack sent, oldest first
}

func newWireScenario(t *testing.T, opt tcp.Options) *wireScenario {
	t.Helper()
	return watchWire(newScenario(t, opt))
}

// newWireScenarioWith is newWireScenario for a stack with other options
// than TCP's (the clock and the name are the scenario's).
func newWireScenarioWith(t *testing.T, opt Options) *wireScenario {
	t.Helper()
	sc := &scenario{t: t, clk: clock.NewManual(epoch), port: 40000, start: epoch}
	ea, eb := link.Pair(link.PairConfig{MACA: macA, MACB: macB, Clock: sc.clk})
	opt.Clock, opt.Name = sc.clk, "sut"
	sc.s, sc.peer = New(opt), eb
	if _, err := sc.s.AddNIC(ea, addrA); err != nil {
		t.Fatal(err)
	}
	return watchWire(sc)
}

// watchWire makes the scenario's peer keep every frame.
func watchWire(sc *scenario) *wireScenario {
	w := &wireScenario{scenario: sc}
	w.peer.Attach(dispatchFunc(func(f []byte) {
		w.mu.Lock()
		w.frames = append(w.frames, append([]byte(nil), f...))
		w.mu.Unlock()
		w.receive(f)
	}))
	return w
}

// injectIP sends the stack one datagram from the peer's wire, now. A
// datagram to a broadcast address goes in a broadcast frame.
func (w *wireScenario) injectIP(src, dst netip.Addr, proto uint8, payload []byte) {
	b := make([]byte, header.EthernetLen+header.IPv4MinLen+len(payload))
	to := macA
	if dst == netip.AddrFrom4([4]byte{255, 255, 255, 255}) || dst == subnetBroadcast || dst.IsMulticast() {
		to = header.Broadcast
	}
	header.EncodeEthernet(b, to, macB, header.EtherTypeIPv4)
	header.EncodeIPv4(b[header.EthernetLen:], header.IPv4Fields{TotalLen: uint16(len(b) - header.EthernetLen), TTL: 64, Protocol: proto, Src: src, Dst: dst})
	copy(b[header.EthernetLen+header.IPv4MinLen:], payload)
	w.peer.WritePacket(b)
	w.clk.Advance(0)
}

// subnetBroadcast is the directed broadcast of the stack's subnet.
var subnetBroadcast = netip.MustParseAddr("198.18.0.255")

// udpDatagram builds a UDP datagram with its checksum.
func udpDatagram(src, dst netip.AddrPort, data []byte) []byte {
	b := make([]byte, header.UDPLen+len(data))
	copy(b[header.UDPLen:], data)
	header.EncodeUDP(b, src.Port(), dst.Port(), src.Addr(), dst.Addr())
	return b
}

// tcpSegment builds a TCP segment with its checksum.
func tcpSegment(src, dst netip.AddrPort, s seg) []byte {
	var opts [40]byte
	n := header.EncodeTCPOptions(opts[:], s.Opts)
	b := make([]byte, header.TCPMinLen+n+len(s.Data))
	copy(b[header.TCPMinLen:], opts[:n])
	copy(b[header.TCPMinLen+n:], s.Data)
	header.EncodeTCP(b, header.TCPFields{SrcPort: src.Port(), DstPort: dst.Port(), Seq: s.Seq, Ack: s.Ack, Flags: s.Flags, Window: s.Wnd, OptionsLen: n}, src.Addr(), dst.Addr())
	return b
}

// echoRequest builds an ICMP echo request.
func echoRequest(id, seq uint16, data []byte) []byte {
	b := make([]byte, header.ICMPv4MinLen+len(data))
	copy(b[header.ICMPv4MinLen:], data)
	header.EncodeICMPv4(b, header.ICMPEchoRequest, 0, uint32(id)<<16|uint32(seq))
	return b
}

// sentIP returns the IPv4 datagrams the stack sent that match keep.
func (w *wireScenario) sentIP(keep func(header.IPv4) bool) []header.IPv4 {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []header.IPv4
	for _, f := range w.frames {
		e, err := header.ParseEthernet(f)
		if err != nil || e.Type() != header.EtherTypeIPv4 {
			continue
		}
		if ip, err := header.ParseIPv4(e.Payload()); err == nil && keep(ip) {
			out = append(out, ip)
		}
	}
	return out
}

// awaitIP drives the clock in 1 ms steps, letting the stack's goroutines
// (a service answering) run between steps, until the stack has sent a
// datagram that matches keep; it fails the test if none comes within a
// bounded number of steps.
func (w *wireScenario) awaitIP(what string, keep func(header.IPv4) bool) header.IPv4 {
	w.t.Helper()
	for i := 0; i < 200000; i++ {
		if got := w.sentIP(keep); len(got) > 0 {
			return got[0]
		}
		if i%100 == 99 {
			w.clk.Advance(ms)
		} else {
			w.clk.Advance(0)
		}
		runtime.Gosched()
	}
	w.t.Fatalf("the stack never sent %s", what)
	return nil
}

// isProto selects datagrams of one protocol and, when to is valid, to
// that destination.
func isProto(proto uint8, to netip.Addr) func(header.IPv4) bool {
	return func(ip header.IPv4) bool {
		return ip.Protocol() == proto && (!to.IsValid() || ip.Dst() == to)
	}
}

// isEcho selects ICMP echo messages of a type (request or reply) with
// identifier id.
func isEcho(typ uint8, id uint16) func(header.IPv4) bool {
	return func(ip header.IPv4) bool {
		if ip.Protocol() != header.ProtoICMP {
			return false
		}
		m, err := header.ParseICMPv4(ip.Payload())
		return err == nil && m.Type() == typ && m.ID() == id
	}
}
