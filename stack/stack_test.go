// stack_test.go runs two mini-stacks on an in-memory wire with a manual
// clock: ARP, ping, fragmentation and reassembly, faults, and hostile
// frames; every frame on the wire is checked by gopacket.

package stack

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/arp"
	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/icmp"
	"github.com/gonetstat/gonetstat/stack/link"
)

var (
	epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	addrA = netip.MustParsePrefix("198.18.0.1/24")
	addrB = netip.MustParsePrefix("198.18.0.2/24")
	macA  = header.MAC{2, 0, 0, 0, 0, 0xa}
	macB  = header.MAC{2, 0, 0, 0, 0, 0xb}
)

type world struct {
	clk     *clock.Manual
	a, b    *Stack
	linkA   *link.PairEndpoint
	linkB   *link.PairEndpoint
	capture bytes.Buffer
}

// newWorld connects two stacks; A's side of the wire is captured.
func newWorld(t *testing.T, cfg link.PairConfig) *world {
	t.Helper()
	w := &world{clk: clock.NewManual(epoch)}
	cfg.MACA, cfg.MACB, cfg.Clock = macA, macB, w.clk
	w.linkA, w.linkB = link.Pair(cfg)
	snif, err := link.NewSniffer(w.linkA, &w.capture, w.clk)
	if err != nil {
		t.Fatal(err)
	}
	w.a = New(Options{Options: core.Options{Clock: w.clk, Name: "a"}})
	w.b = New(Options{Options: core.Options{Clock: w.clk, Name: "b"}})
	if _, err := w.a.AddNIC(snif, addrA); err != nil {
		t.Fatal(err)
	}
	if _, err := w.b.AddNIC(w.linkB, addrB); err != nil {
		t.Fatal(err)
	}
	return w
}

// replies collects echo replies for an id.
func replies(s *Stack, id uint16) *[]icmp.EchoReply {
	var got []icmp.EchoReply
	s.ICMP.OnEchoReply(id, func(r icmp.EchoReply) { got = append(got, r) })
	return &got
}

// checkCapture decodes every captured frame with gopacket and fails on a
// decode error or a bad checksum (recomputed by gopacket).
func checkCapture(t *testing.T, w *world) []gopacket.Packet {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(w.capture.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var pkts []gopacket.Packet
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		if el := pkt.ErrorLayer(); el != nil {
			t.Errorf("frame %d does not decode: %v", len(pkts), el.Error())
		}
		if ip, ok := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
			hdr := data[header.EthernetLen : header.EthernetLen+int(ip.IHL)*4]
			if header.Checksum(hdr, 0) != 0 {
				t.Errorf("frame %d: bad IPv4 header checksum", len(pkts))
			}
		}
		pkts = append(pkts, pkt)
	}
	return pkts
}

func TestPingResolvesAndAnswers(t *testing.T) {
	w := newWorld(t, link.PairConfig{AtoB: link.Faults{Delay: time.Millisecond}, BtoA: link.Faults{Delay: time.Millisecond}})
	got := replies(w.a, 7)
	if err := w.a.ICMP.Ping(addrB.Addr(), 7, 1, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	w.clk.Advance(time.Second)
	if len(*got) != 1 || (*got)[0].Seq != 1 || string((*got)[0].Payload) != "hello" || (*got)[0].From != addrB.Addr() {
		t.Fatalf("replies: %+v", *got)
	}
	// ARP request, ARP reply, echo request, echo reply: 4 ms of one-way delays.
	if rtt := (*got)[0].At.Sub(epoch); rtt != 4*time.Millisecond {
		t.Errorf("reply after %v, want 4ms (ARP round trip + ping round trip)", rtt)
	}
	// Both learned each other: A from the reply, B from the request.
	for name, s := range map[string]*Stack{"a": w.a, "b": w.b} {
		n := s.ARP.Neighbors()
		if len(n) != 1 || n[0].State != "REACHABLE" {
			t.Errorf("%s neighbors: %+v", name, n)
		}
	}
	var kinds []string
	for _, p := range checkCapture(t, w) {
		if a, ok := p.Layer(layers.LayerTypeARP).(*layers.ARP); ok {
			kinds = append(kinds, fmt.Sprintf("arp-%d", a.Operation))
		}
		if m, ok := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); ok {
			kinds = append(kinds, "icmp-"+m.TypeCode.String())
		}
	}
	if diff := cmp.Diff([]string{"arp-1", "arp-2", "icmp-EchoRequest", "icmp-EchoReply"}, kinds); diff != "" {
		t.Errorf("on the wire (-want +got):\n%s", diff)
	}
	cb := &w.b.Counters
	if cb.ICMPInType[header.ICMPEchoRequest].Load() != 1 || cb.ICMPOutType[header.ICMPEchoReply].Load() != 1 || cb.ARPOutReplies.Load() != 1 {
		t.Errorf("B counters: echo in %d, reply out %d, arp replies %d", cb.ICMPInType[8].Load(), cb.ICMPOutType[0].Load(), cb.ARPOutReplies.Load())
	}
}

func TestFragmentedPing(t *testing.T) {
	w := newWorld(t, link.PairConfig{})
	got := replies(w.a, 1)
	payload := bytes.Repeat([]byte("0123456789abcdef"), 250) // 4000 bytes: 3 fragments at MTU 1500
	if err := w.a.ICMP.Ping(addrB.Addr(), 1, 1, payload); err != nil {
		t.Fatal(err)
	}
	w.clk.Advance(time.Second)
	if len(*got) != 1 || !bytes.Equal((*got)[0].Payload, payload) {
		t.Fatalf("got %d replies", len(*got))
	}
	for name, s := range map[string]*Stack{"a": w.a, "b": w.b} {
		c := &s.Counters
		if c.IPFragCreates.Load() != 3 || c.IPReasmOKs.Load() != 1 || c.IPReasmReqds.Load() != 3 {
			t.Errorf("%s: frag creates %d, reasm oks %d, reqds %d", name, c.IPFragCreates.Load(), c.IPReasmOKs.Load(), c.IPReasmReqds.Load())
		}
		if s.IPv4.ReasmInUse() != 0 {
			t.Errorf("%s holds %d reassembly bytes after completion", name, s.IPv4.ReasmInUse())
		}
	}
	// gopacket sees three fragments each way with the right offsets.
	var offsets []uint16
	for _, p := range checkCapture(t, w) {
		if ip, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok && ip.SrcIP.Equal(addrA.Addr().AsSlice()) {
			offsets = append(offsets, ip.FragOffset*8)
		}
	}
	if diff := cmp.Diff([]uint16{0, 1480, 2960}, offsets); diff != "" {
		t.Errorf("A's fragment offsets (-want +got):\n%s", diff)
	}
}

func TestPingOverLossyWire(t *testing.T) {
	// 30% loss both ways: ARP retries and some pings are lost, but with
	// 50 pings a second apart most answer, and every answer is intact.
	f := link.Faults{Loss: 0.3, Delay: time.Millisecond, Reorder: 0.1, Duplicate: 0.05}
	w := newWorld(t, link.PairConfig{AtoB: f, BtoA: f, Seed: 9})
	got := replies(w.a, 3)
	for i := 0; i < 50; i++ {
		w.a.ICMP.Ping(addrB.Addr(), 3, uint16(i), []byte{byte(i)})
		w.clk.Advance(time.Second)
	}
	w.clk.Advance(10 * time.Second)
	seen := map[uint16]bool{}
	for _, r := range *got {
		if len(r.Payload) != 1 || r.Payload[0] != byte(r.Seq) {
			t.Fatalf("corrupted reply %+v", r)
		}
		seen[r.Seq] = true
	}
	if len(seen) < 15 || len(seen) == 50 {
		t.Errorf("%d of 50 pings answered over a 30%%-loss wire (want about 24, never all)", len(seen))
	}
	if w.a.Counters.ARPOutRequests.Load() < 1 {
		t.Error("no ARP request sent")
	}
	checkCapture(t, w)
}

func TestARPRateLimitAndGiveUp(t *testing.T) {
	w := newWorld(t, link.PairConfig{})
	nobody := netip.MustParseAddr("198.18.0.99")
	for i := 0; i < 100; i++ {
		w.a.ICMP.Ping(nobody, 1, uint16(i), nil)
	}
	c := &w.a.Counters
	if c.ARPOutRequests.Load() != 1 || c.ARPPendingDrops.Load() != 100-64 {
		t.Errorf("after 100 sends: %d requests, %d dropped; want 1 request and 36 over the queue limit", c.ARPOutRequests.Load(), c.ARPPendingDrops.Load())
	}
	if n := w.a.ARP.Neighbors(); len(n) != 1 || n[0].State != "INCOMPLETE" || n[0].Pending != 64 {
		t.Errorf("neighbors: %+v", n)
	}
	w.clk.Advance(10 * time.Second)
	if c.ARPOutRequests.Load() != 3 || c.ARPPendingDrops.Load() != 100 || len(w.a.ARP.Neighbors()) != 0 {
		t.Errorf("after giving up: %d requests (want 3, one a second), %d dropped, %d entries", c.ARPOutRequests.Load(), c.ARPPendingDrops.Load(), len(w.a.ARP.Neighbors()))
	}
}

func TestARPExpiryAndCacheLimit(t *testing.T) {
	clk := clock.NewManual(epoch)
	a, _ := link.Pair(link.PairConfig{Clock: clk, MACA: macA})
	s := New(Options{Options: core.Options{Clock: clk}, ARP: arp.Options{CacheLimit: 4, Reachable: time.Minute}})
	nic, _ := s.AddNIC(a, addrA)
	arpFrom := func(i byte) {
		f := make([]byte, header.EthernetLen+header.ARPLen)
		header.EncodeEthernet(f, macA, header.MAC{2, 0, 0, 0, 1, i}, header.EtherTypeARP)
		header.EncodeARP(f[header.EthernetLen:], header.ARPRequest, header.MAC{2, 0, 0, 0, 1, i}, netip.AddrFrom4([4]byte{198, 18, 0, 100 + i}), header.MAC{}, addrA.Addr())
		nic.DeliverFrame(f)
	}
	for i := byte(0); i < 10; i++ {
		arpFrom(i)
	}
	if n := len(s.ARP.Neighbors()); n != 4 {
		t.Errorf("%d entries after 10 senders, want the limit 4", n)
	}
	clk.Advance(2 * time.Minute)
	for _, n := range s.ARP.Neighbors() {
		if n.State != "STALE" {
			t.Errorf("entry %v is %s after its lifetime", n.IP, n.State)
		}
	}
	arpFrom(20) // evicts a stale entry
	if n := s.ARP.Neighbors(); len(n) != 4 || !hasIP(n, netip.MustParseAddr("198.18.0.120")) {
		t.Errorf("a new sender did not replace a stale entry: %+v", n)
	}
}

func hasIP(ns []arp.Neighbor, ip netip.Addr) bool {
	for _, n := range ns {
		if n.IP == ip {
			return true
		}
	}
	return false
}

// rawIPv4 delivers a hand-built datagram to B as if from A.
func rawIPv4(w *world, f header.IPv4Fields, payload []byte, mangle func([]byte)) {
	b := make([]byte, header.EthernetLen+header.IPv4MinLen+len(payload))
	header.EncodeEthernet(b, macB, macA, header.EtherTypeIPv4)
	f.TotalLen = uint16(header.IPv4MinLen + len(payload))
	if f.Src == (netip.Addr{}) {
		f.Src, f.Dst = addrA.Addr(), addrB.Addr()
	}
	if f.TTL == 0 {
		f.TTL = 64
	}
	header.EncodeIPv4(b[header.EthernetLen:], f)
	copy(b[header.EthernetLen+header.IPv4MinLen:], payload)
	if mangle != nil {
		mangle(b[header.EthernetLen:])
	}
	w.linkA.WritePacket(b)
	w.clk.Advance(0)
}

func TestHostileIPv4(t *testing.T) {
	w := newWorld(t, link.PairConfig{})
	c := &w.b.Counters
	echo := make([]byte, 8)
	header.EncodeICMPv4(echo, header.ICMPEchoRequest, 0, 1)
	rawIPv4(w, header.IPv4Fields{Protocol: header.ProtoICMP}, echo, func(b []byte) { b[10] ^= 0xff })
	rawIPv4(w, header.IPv4Fields{Protocol: header.ProtoICMP}, echo, func(b []byte) { b[0] = 0x46 })
	rawIPv4(w, header.IPv4Fields{Protocol: header.ProtoICMP, Dst: netip.MustParseAddr("198.18.0.77"), Src: addrA.Addr()}, echo, nil)
	if c.IPInHdrErrors.Load() != 2 || c.IPInAddrErrors.Load() != 1 || c.ICMPInMsgs.Load() != 0 {
		t.Errorf("hdr errors %d (want 2), addr errors %d (want 1), icmp in %d (want 0)", c.IPInHdrErrors.Load(), c.IPInAddrErrors.Load(), c.ICMPInMsgs.Load())
	}
	// An unknown protocol is answered with protocol unreachable.
	rawIPv4(w, header.IPv4Fields{Protocol: 253}, []byte("x"), nil)
	w.clk.Advance(time.Second)
	if c.IPInUnknownProtos.Load() != 1 || c.ICMPOutType[header.ICMPDestUnreach].Load() != 1 {
		t.Errorf("unknown protos %d, unreachables sent %d", c.IPInUnknownProtos.Load(), c.ICMPOutType[header.ICMPDestUnreach].Load())
	}
	// Overlapping fragments drop the datagram.
	rawIPv4(w, header.IPv4Fields{Protocol: header.ProtoICMP, ID: 5, Flags: header.IPv4MoreFragments}, make([]byte, 16), nil)
	rawIPv4(w, header.IPv4Fields{Protocol: header.ProtoICMP, ID: 5, FragOffset: 8}, make([]byte, 16), nil)
	if c.IPReasmFails.Load() != 1 || w.b.IPv4.ReasmInUse() != 0 {
		t.Errorf("overlap: reasm fails %d, in use %d", c.IPReasmFails.Load(), w.b.IPv4.ReasmInUse())
	}
}

func TestReassemblyTimeoutAndMemoryBound(t *testing.T) {
	w := newWorld(t, link.PairConfig{})
	c := &w.b.Counters
	// A first fragment whose rest never comes: after 30 s it is dropped
	// and the sender hears "fragment reassembly time exceeded".
	rawIPv4(w, header.IPv4Fields{Protocol: header.ProtoICMP, ID: 9, Flags: header.IPv4MoreFragments}, make([]byte, 64), nil)
	if w.b.IPv4.ReasmInUse() < 64 {
		t.Fatalf("in use %d, want at least the 64 bytes of payload", w.b.IPv4.ReasmInUse())
	}
	w.clk.Advance(29 * time.Second)
	if c.IPReasmTimeout.Load() != 0 {
		t.Fatal("expired early")
	}
	w.clk.Advance(2 * time.Second)
	if c.IPReasmTimeout.Load() != 1 || w.b.IPv4.ReasmInUse() != 0 || c.ICMPOutType[header.ICMPTimeExceeded].Load() != 1 {
		t.Errorf("timeouts %d, in use %d, time exceeded sent %d", c.IPReasmTimeout.Load(), w.b.IPv4.ReasmInUse(), c.ICMPOutType[header.ICMPTimeExceeded].Load())
	}
	w.clk.Advance(time.Second)
	if w.a.Counters.ICMPInType[header.ICMPTimeExceeded].Load() != 1 {
		t.Error("A never received the time exceeded message")
	}
	// A flood of incomplete datagrams never holds more than the bound.
	for i := 0; i < 5000; i++ {
		rawIPv4(w, header.IPv4Fields{Protocol: header.ProtoICMP, ID: uint16(i), Flags: header.IPv4MoreFragments}, make([]byte, 1400), nil)
		if used := w.b.IPv4.ReasmInUse(); used > 4<<20 {
			t.Fatalf("reassembly holds %d bytes, over the 4 MiB bound", used)
		}
	}
	if c.IPReasmFails.Load() == 0 {
		t.Error("the flood never hit the memory bound")
	}
}

// FuzzDeliverFrame feeds arbitrary frames to a live stack: no panic, and
// reassembly memory stays bounded.
func FuzzDeliverFrame(f *testing.F) {
	clk := clock.NewManual(epoch)
	a, _ := link.Pair(link.PairConfig{Clock: clk, MACA: macA})
	s := New(Options{Options: core.Options{Clock: clk}})
	nic, _ := s.AddNIC(a, addrA)
	// Open sockets, so frames reach the socket layer too.
	for _, port := range []uint16{53, 7} {
		fd, err := s.Socket(collect.ProtoUDP)
		if err != nil {
			f.Fatal(err)
		}
		s.Bind(fd, netip.AddrPortFrom(netip.IPv4Unspecified(), port))
	}
	conn, _ := s.Socket(collect.ProtoUDP)
	s.Connect(conn, netip.AddrPortFrom(addrB.Addr(), 53))
	lfd, _ := s.Socket(collect.ProtoTCP)
	s.Bind(lfd, netip.MustParseAddrPort("0.0.0.0:80"))
	s.ListenFD(lfd, 16)
	syn := make([]byte, header.EthernetLen+header.IPv4MinLen+header.TCPMinLen)
	header.EncodeEthernet(syn, macA, macB, header.EtherTypeIPv4)
	header.EncodeIPv4(syn[header.EthernetLen:], header.IPv4Fields{TotalLen: header.IPv4MinLen + header.TCPMinLen, TTL: 64, Protocol: header.ProtoTCP, Src: addrB.Addr(), Dst: addrA.Addr()})
	header.EncodeTCP(syn[header.EthernetLen+header.IPv4MinLen:], header.TCPFields{SrcPort: 40000, DstPort: 80, Seq: 1, Flags: header.TCPSyn, Window: 65535}, addrB.Addr(), addrA.Addr())
	f.Add(syn)
	dgram := make([]byte, header.EthernetLen+header.IPv4MinLen+header.UDPLen+4)
	header.EncodeEthernet(dgram, macA, macB, header.EtherTypeIPv4)
	header.EncodeIPv4(dgram[header.EthernetLen:], header.IPv4Fields{TotalLen: uint16(len(dgram) - header.EthernetLen), TTL: 64, Protocol: header.ProtoUDP, Src: addrB.Addr(), Dst: addrA.Addr()})
	copy(dgram[header.EthernetLen+header.IPv4MinLen+header.UDPLen:], "dns?")
	header.EncodeUDP(dgram[header.EthernetLen+header.IPv4MinLen:], 53, 53, addrB.Addr(), addrA.Addr())
	f.Add(dgram)
	echo := make([]byte, header.EthernetLen+header.IPv4MinLen+8)
	header.EncodeEthernet(echo, macA, macB, header.EtherTypeIPv4)
	header.EncodeIPv4(echo[header.EthernetLen:], header.IPv4Fields{TotalLen: 28, TTL: 64, Protocol: header.ProtoICMP, Src: addrB.Addr(), Dst: addrA.Addr()})
	header.EncodeICMPv4(echo[header.EthernetLen+header.IPv4MinLen:], header.ICMPEchoRequest, 0, 1)
	f.Add(echo)
	frag := append([]byte(nil), echo...)
	frag[header.EthernetLen+6] = 0x20
	f.Add(frag)
	arpReq := make([]byte, header.EthernetLen+header.ARPLen)
	header.EncodeEthernet(arpReq, header.Broadcast, macB, header.EtherTypeARP)
	header.EncodeARP(arpReq[header.EthernetLen:], header.ARPRequest, macB, addrB.Addr(), header.MAC{}, addrA.Addr())
	f.Add(arpReq)
	f.Fuzz(func(t *testing.T, frame []byte) {
		nic.DeliverFrame(frame)
		clk.Advance(time.Second)
		if used := s.IPv4.ReasmInUse(); used > 4<<20 {
			t.Fatalf("reassembly holds %d bytes", used)
		}
		if used := s.Budget.Used(); used > s.Budget.Limit() {
			t.Fatalf("socket memory %d over the budget %d", used, s.Budget.Limit())
		}
	})
}
