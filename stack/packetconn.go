// packetconn.go adapts a UDP descriptor to net.PacketConn, so ordinary Go
// code (a DNS client, a syslog sender) runs on the mini-stack.

package stack

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/gonetstat/gonetstat/collect"
)

// ListenPacket opens a UDP socket bound to addr (port 0: ephemeral) as a
// net.PacketConn. It holds a descriptor like any socket, so Snapshot and
// gonetstat show it.
func (s *Stack) ListenPacket(addr netip.AddrPort) (net.PacketConn, error) {
	fd, err := s.Socket(collect.ProtoUDP)
	if err != nil {
		return nil, err
	}
	if err := s.Bind(fd, addr); err != nil {
		s.Close(fd)
		return nil, err
	}
	return &packetConn{s: s, fd: fd}, nil
}

type packetConn struct {
	s  *Stack
	fd FD

	mu            sync.Mutex
	writeDeadline time.Time
}

var _ net.PacketConn = (*packetConn)(nil)

func (c *packetConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, from, err := c.s.RecvFrom(c.fd, p)
	if err != nil {
		return n, nil, &net.OpError{Op: "read", Net: "udp", Addr: c.LocalAddr(), Err: err}
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

func (c *packetConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, &net.OpError{Op: "write", Net: "udp", Addr: addr, Err: fmt.Errorf("not a UDP address: %w", syscall.EINVAL)}
	}
	// A send never blocks here, so a write deadline only fails writes made
	// after it passed.
	c.mu.Lock()
	wd := c.writeDeadline
	c.mu.Unlock()
	if !wd.IsZero() && !c.s.Clock.Now().Before(wd) {
		return 0, &net.OpError{Op: "write", Net: "udp", Addr: addr, Err: os.ErrDeadlineExceeded}
	}
	ap := ua.AddrPort()
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	n, err := c.s.SendTo(c.fd, p, ap)
	if err != nil {
		return n, &net.OpError{Op: "write", Net: "udp", Addr: addr, Err: err}
	}
	return n, nil
}

func (c *packetConn) Close() error { return c.s.Close(c.fd) }

func (c *packetConn) LocalAddr() net.Addr {
	ep, err := c.s.udpOf(c.fd)
	if err != nil {
		return &net.UDPAddr{}
	}
	return net.UDPAddrFromAddrPort(ep.LocalAddr())
}

func (c *packetConn) SetDeadline(t time.Time) error {
	c.SetWriteDeadline(t)
	return c.SetReadDeadline(t)
}

func (c *packetConn) SetReadDeadline(t time.Time) error { return c.s.SetReadDeadline(c.fd, t) }

func (c *packetConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.writeDeadline = t
	c.mu.Unlock()
	return nil
}
