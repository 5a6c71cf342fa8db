// rawpeer_linux_test.go is a crafted peer on the kernel's side of the
// TAP: an AF_PACKET socket in the test's namespace that speaks for an
// address the kernel does not have, so it can send the mini-stack what
// no kernel socket would (data behind a hole) and the kernel stays out
// of it (frames to the peer's MAC are not the kernel's, so it answers
// none of them with a reset).

package interop

import (
	"errors"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack/header"
)

type rawPeer struct {
	t        *testing.T
	f        *os.File
	addr     netip.Addr
	mac      header.MAC
	stackMAC header.MAC

	mu      sync.Mutex
	synAcks map[uint16]chan uint32 // by our port: the stack's ISS
	acks    map[uint16]int         // by our port: ACKs without SYN the stack sent
	acked   chan struct{}          // a token for each such ACK
	done    chan struct{}
}

// newRawPeer opens the packet socket on the TAP inside the namespace and
// starts answering ARP for addr with mac.
func newRawPeer(t *testing.T, e *env, addr netip.Addr, mac header.MAC) *rawPeer {
	t.Helper()
	var fd int
	var err error
	testenv.InNetns(t, e.ns, func() {
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			return
		}
		var ifi *unix.Ifreq
		if ifi, err = unix.NewIfreq(e.tap.Name()); err != nil {
			return
		}
		if err = unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifi); err != nil {
			return
		}
		err = unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: int(ifi.Uint32())})
	})
	if err != nil {
		t.Fatalf("packet socket on %s: %v", e.tap.Name(), err)
	}
	p := &rawPeer{t: t, f: os.NewFile(uintptr(fd), "packet"), addr: addr, mac: mac, stackMAC: e.tap.MAC(),
		synAcks: map[uint16]chan uint32{}, acks: map[uint16]int{}, acked: make(chan struct{}, 1), done: make(chan struct{})}
	go p.read()
	t.Cleanup(func() { p.f.Close(); <-p.done })
	return p
}

// read answers the stack's ARP requests for the peer's address and
// passes on the stack's SYN,ACKs; it ignores everything else.
func (p *rawPeer) read() {
	defer close(p.done)
	buf := make([]byte, 65536)
	for {
		n, err := p.f.Read(buf)
		if err != nil {
			if !errors.Is(err, os.ErrClosed) {
				p.t.Errorf("packet socket: %v", err)
			}
			return
		}
		eth, err := header.ParseEthernet(buf[:n])
		if err != nil {
			continue
		}
		switch eth.Type() {
		case header.EtherTypeARP:
			a, err := header.ParseARP(eth.Payload())
			if err == nil && a.Op() == header.ARPRequest && a.TargetIP() == p.addr {
				r := make([]byte, header.EthernetLen+header.ARPLen)
				header.EncodeEthernet(r, a.SenderMAC(), p.mac, header.EtherTypeARP)
				header.EncodeARP(r[header.EthernetLen:], header.ARPReply, p.mac, p.addr, a.SenderMAC(), a.SenderIP())
				p.f.Write(r)
			}
		case header.EtherTypeIPv4:
			ip, err := header.ParseIPv4(eth.Payload())
			if err != nil || ip.Dst() != p.addr || ip.Protocol() != header.ProtoTCP {
				continue
			}
			tc, err := header.ParseTCP(ip.Payload())
			if err != nil {
				continue
			}
			if tc.Flags() == header.TCPAck {
				p.mu.Lock()
				p.acks[tc.DstPort()]++
				p.mu.Unlock()
				select {
				case p.acked <- struct{}{}:
				default:
				}
				continue
			}
			if tc.Flags() != header.TCPSyn|header.TCPAck {
				continue
			}
			p.mu.Lock()
			ch := p.synAcks[tc.DstPort()]
			p.mu.Unlock()
			if ch != nil {
				select {
				case ch <- tc.Seq():
				default:
				}
			}
		}
	}
}

// send writes one TCP segment from the peer's address and port to the
// stack's.
func (p *rawPeer) send(sport, dport uint16, seq, ack uint32, flags uint8, o header.TCPOptions, data []byte) {
	var opts [40]byte
	n := header.EncodeTCPOptions(opts[:], o)
	b := make([]byte, header.EthernetLen+header.IPv4MinLen+header.TCPMinLen+n+len(data))
	header.EncodeEthernet(b, p.stackMAC, p.mac, header.EtherTypeIPv4)
	header.EncodeIPv4(b[header.EthernetLen:], header.IPv4Fields{TotalLen: uint16(len(b) - header.EthernetLen), TTL: 64,
		Protocol: header.ProtoTCP, Src: p.addr, Dst: stackAddr.Addr(), ID: uint16(seq)})
	tb := b[header.EthernetLen+header.IPv4MinLen:]
	copy(tb[header.TCPMinLen:], opts[:n])
	copy(tb[header.TCPMinLen+n:], data)
	header.EncodeTCP(tb, header.TCPFields{SrcPort: sport, DstPort: dport, Seq: seq, Ack: ack, Flags: flags, Window: 65535, OptionsLen: n}, p.addr, stackAddr.Addr())
	if _, err := p.f.Write(b); err != nil {
		p.t.Fatalf("packet socket write: %v", err)
	}
}

// connect opens a connection from sport to the stack's dport with our
// ISN isn, offering MSS 1460, window scale 7 and SACK, and returns the
// stack's ISN.
func (p *rawPeer) connect(sport, dport uint16, isn uint32) uint32 {
	p.t.Helper()
	ch := make(chan uint32, 1)
	p.mu.Lock()
	p.synAcks[sport] = ch
	p.mu.Unlock()
	defer func() { p.mu.Lock(); delete(p.synAcks, sport); p.mu.Unlock() }()
	syn := header.TCPOptions{HasMSS: true, MSS: 1460, HasWS: true, WindowScale: 7, SACKPermitted: true}
	for try := 0; ; try++ {
		p.send(sport, dport, isn, 0, header.TCPSyn, syn, nil)
		select {
		case iss := <-ch:
			p.send(sport, dport, isn+1, iss+1, header.TCPAck, header.TCPOptions{}, nil)
			return iss
		case <-time.After(time.Second):
			if try == 10 {
				p.t.Fatalf("no SYN,ACK for port %d after %d SYNs", sport, try+1)
			}
		}
	}
}

// waitACKs waits until the stack has sent n ACKs to our port sport.
func (p *rawPeer) waitACKs(sport uint16, n int) {
	p.t.Helper()
	deadline := time.After(testenv.Patience)
	for {
		p.mu.Lock()
		got := p.acks[sport]
		p.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-p.acked:
		case <-deadline:
			p.t.Fatalf("port %d: %d ACKs from the stack in %v, want %d", sport, got, testenv.Patience, n)
		}
	}
}
