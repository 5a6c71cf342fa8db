// wire_linux_test.go is the attacker's end of a link: it writes crafted
// frames toward a target (the mini-stack through an AF_PACKET socket on
// its TAP's kernel side, or the kernel through a TAP this test holds),
// answers ARP for the spoofed peer address, and hands every other frame
// the target sends to the probe, in wire order.

package attack

import (
	"bytes"
	"encoding/binary"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/internal/testenv"
)

// wire is one target as the attacker sees it.
type wire struct {
	t                       *testing.T
	name                    string // "stack" or "kernel"
	send                    func(frame []byte) error
	in                      chan []byte
	targetIP, peerIP, bcast net.IP
	targetMAC, peerMAC      net.HardwareAddr
	nextID                  uint16 // ICMP ids and TCP/UDP ports of this wire's probes
	// sockets lists the target's sockets (gonetstat -an in the kernel's
	// namespace, -an --stack for the stack).
	sockets func() string
}

// fakePeerMAC is the spoofed peer's made-up, locally administered address.
var fakePeerMAC = net.HardwareAddr{0x02, 0x42, 0x98, 0x18, 0x00, 0x03}

func newWire(t *testing.T, name string, send func([]byte) error, target, peer, bcast net.IP) *wire {
	return &wire{t: t, name: name, send: send, in: make(chan []byte, 8192),
		targetIP: target.To4(), peerIP: peer.To4(), bcast: bcast.To4(), peerMAC: fakePeerMAC, nextID: 40000}
}

// deliver takes one frame from the target: an ARP request for the peer
// is answered here, anything else queued for the probe (dropped, and the
// test failed, if the probe has let 8192 pile up).
func (w *wire) deliver(frame []byte) {
	p := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.NoCopy)
	if a, ok := p.Layer(layers.LayerTypeARP).(*layers.ARP); ok {
		if a.Operation == layers.ARPRequest && net.IP(a.DstProtAddress).Equal(w.peerIP) {
			reply := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
				HwAddressSize: 6, ProtAddressSize: 4, Operation: layers.ARPReply,
				SourceHwAddress: w.peerMAC, SourceProtAddress: w.peerIP,
				DstHwAddress: a.SourceHwAddress, DstProtAddress: a.SourceProtAddress}
			eth := &layers.Ethernet{SrcMAC: w.peerMAC, DstMAC: a.SourceHwAddress, EthernetType: layers.EthernetTypeARP}
			w.send(serialize(w.t, eth, reply))
		}
		// The target's ARP reply to resolve, and its requests for any
		// other address (a stack answering a martian source asks who has
		// it), go to the probe; the rest of ARP is the link's business.
		if !(a.Operation == layers.ARPReply && w.targetMAC == nil) &&
			!(a.Operation == layers.ARPRequest && !net.IP(a.DstProtAddress).Equal(w.peerIP)) {
			return
		}
	}
	select {
	case w.in <- append([]byte(nil), frame...):
	default:
		w.t.Errorf("%s: more than %d frames unread", w.name, cap(w.in))
	}
}

func serialize(t *testing.T, ls ...gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatalf("building a frame: %v", err)
	}
	return buf.Bytes()
}

// resolve learns the target's MAC with an ARP request of the peer's.
func (w *wire) resolve() {
	req := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: layers.ARPRequest,
		SourceHwAddress: w.peerMAC, SourceProtAddress: w.peerIP,
		DstHwAddress: make(net.HardwareAddr, 6), DstProtAddress: w.targetIP}
	eth := &layers.Ethernet{SrcMAC: w.peerMAC, DstMAC: layers.EthernetBroadcast, EthernetType: layers.EthernetTypeARP}
	w.write(serialize(w.t, eth, req))
	p, _ := w.await(func(p gopacket.Packet) bool {
		a, ok := p.Layer(layers.LayerTypeARP).(*layers.ARP)
		return ok && a.Operation == layers.ARPReply && net.IP(a.SourceProtAddress).Equal(w.targetIP)
	})
	w.targetMAC = net.HardwareAddr(p.Layer(layers.LayerTypeARP).(*layers.ARP).SourceHwAddress)
}

func (w *wire) write(frame []byte) {
	w.t.Helper()
	if err := w.send(frame); err != nil {
		w.t.Fatalf("%s: writing a frame: %v", w.name, err)
	}
}

// ip returns an IPv4 header from src to dst carrying proto.
func ip(src, dst net.IP, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: src.To4(), DstIP: dst.To4()}
}

// sendIP frames an IPv4 packet to the target's MAC (or to broadcast
// when the destination is the broadcast address) and writes it.
func (w *wire) sendIP(h *layers.IPv4, ls ...gopacket.SerializableLayer) {
	w.t.Helper()
	w.sendIPMut(h, nil, ls...)
}

// sendIPMut is sendIP with mut applied to the finished frame (to spoil a
// checksum the serializer got right).
func (w *wire) sendIPMut(h *layers.IPv4, mut func([]byte), ls ...gopacket.SerializableLayer) {
	w.t.Helper()
	dst := w.targetMAC
	if h.DstIP.Equal(w.bcast) || h.DstIP.Equal(net.IPv4bcast) {
		dst = layers.EthernetBroadcast
	}
	for _, l := range ls {
		switch l := l.(type) {
		case *layers.TCP:
			l.SetNetworkLayerForChecksum(h)
		case *layers.UDP:
			l.SetNetworkLayerForChecksum(h)
		}
	}
	eth := &layers.Ethernet{SrcMAC: w.peerMAC, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}
	frame := serialize(w.t, append([]gopacket.SerializableLayer{eth, h}, ls...)...)
	if mut != nil {
		mut(frame)
	}
	w.write(frame)
}

func (w *wire) id() uint16 { w.nextID++; return w.nextID }

// await reads the target's frames until one matches, and returns it with
// the IPv4 and ARP frames that came before it. Nothing matching within
// testenv.Patience fails the test.
func (w *wire) await(match func(gopacket.Packet) bool) (gopacket.Packet, []gopacket.Packet) {
	w.t.Helper()
	var before []gopacket.Packet
	timeout := time.NewTimer(testenv.Patience)
	defer timeout.Stop()
	for {
		select {
		case f := <-w.in:
			p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
			if match(p) {
				return p, before
			}
			if p.Layer(layers.LayerTypeIPv4) != nil || p.Layer(layers.LayerTypeARP) != nil {
				before = append(before, p)
			}
		case <-timeout.C:
			w.t.Fatalf("%s: no answer within %v", w.name, testenv.Patience)
			return nil, nil
		}
	}
}

// pingBarrier sends a legitimate echo request and returns what the target
// sent before its reply: the target handles frames in order, so whatever
// an earlier probe drew from its IP, ICMP or TCP input is on the wire by
// then.
func (w *wire) pingBarrier() []gopacket.Packet {
	w.t.Helper()
	id := w.id()
	w.sendIP(ip(w.peerIP, w.targetIP, layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: id, Seq: 1},
		gopacket.Payload("barrier"))
	_, before := w.await(func(p gopacket.Packet) bool {
		e, ok := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
		return ok && e.TypeCode.Type() == layers.ICMPv4TypeEchoReply && e.Id == id
	})
	return before
}

// udpBarrier sends a legitimate datagram to the echo service and returns
// what the target sent before the echo: the service reads its socket in
// order, so an echo an earlier datagram drew comes first.
func (w *wire) udpBarrier() []gopacket.Packet {
	w.t.Helper()
	port := w.id()
	token := []byte("barrier-" + w.name)
	w.sendIP(ip(w.peerIP, w.targetIP, layers.IPProtocolUDP),
		&layers.UDP{SrcPort: layers.UDPPort(port), DstPort: 7}, gopacket.Payload(token))
	_, before := w.await(func(p gopacket.Packet) bool {
		u, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		return ok && uint16(u.DstPort) == port && bytes.Equal(u.Payload, token)
	})
	return before
}

// packetSocket opens an AF_PACKET socket on ifname in namespace ns and
// feeds w.deliver with the frames that arrive on it (not those the
// namespace's kernel sends out) until the test ends.
func packetSocket(t *testing.T, ns, ifname string) (send func([]byte) error, start func(*wire)) {
	var fd, ifindex int
	var err error
	testenv.InNetns(t, ns, func() {
		var ifi *net.Interface
		if ifi, err = net.InterfaceByName(ifname); err != nil {
			return
		}
		ifindex = ifi.Index
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			return
		}
		if err = unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifindex}); err != nil {
			unix.Close(fd)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() { close(stop); wg.Wait(); unix.Close(fd) })
	send = func(frame []byte) error {
		return unix.Sendto(fd, frame, 0, &unix.SockaddrLinklayer{Ifindex: ifindex, Halen: 6})
	}
	start = func(w *wire) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 65536)
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			for {
				select {
				case <-stop:
					return
				default:
				}
				// A bounded poll, so the loop sees stop without the
				// descriptor being closed under it.
				if n, err := unix.Poll(pfd, 100); err != nil || n == 0 {
					continue
				}
				n, from, err := unix.Recvfrom(fd, buf, unix.MSG_DONTWAIT)
				if err != nil {
					continue
				}
				if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
					continue
				}
				w.deliver(buf[:n])
			}
		}()
	}
	return send, start
}

func htons(v uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	return binary.NativeEndian.Uint16(b[:])
}
