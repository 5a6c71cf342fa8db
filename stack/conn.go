// conn.go adapts TCP descriptors to net.Conn and net.Listener, so ordinary
// Go code (net/http) runs on the mini-stack.

package stack

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/tcp"
)

// Listen opens a TCP listener on addr as a net.Listener.
func (s *Stack) Listen(addr netip.AddrPort, backlog int) (net.Listener, error) {
	fd, err := s.Socket(collect.ProtoTCP)
	if err != nil {
		return nil, err
	}
	if err := s.Bind(fd, addr); err != nil {
		s.Close(fd)
		return nil, err
	}
	if err := s.ListenFD(fd, backlog); err != nil {
		s.Close(fd)
		return nil, err
	}
	ep, _ := s.tcpOf(fd)
	return &listener{s: s, fd: fd, addr: ep.LocalAddr()}, nil
}

// Dial opens a TCP connection to addr as a net.Conn.
func (s *Stack) Dial(addr netip.AddrPort) (net.Conn, error) {
	fd, err := s.Socket(collect.ProtoTCP)
	if err != nil {
		return nil, err
	}
	if err := s.Connect(fd, addr); err != nil {
		s.Close(fd)
		return nil, &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(addr), Err: err}
	}
	return s.conn(fd)
}

func (s *Stack) conn(fd FD) (net.Conn, error) {
	ep, err := s.tcpOf(fd)
	if err != nil {
		return nil, err
	}
	return &conn{s: s, fd: fd, ep: ep}, nil
}

type listener struct {
	s    *Stack
	fd   FD
	addr netip.AddrPort
}

func (l *listener) Accept() (net.Conn, error) {
	fd, _, err := l.s.Accept(l.fd)
	if err != nil {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: err}
	}
	return l.s.conn(fd)
}

func (l *listener) Close() error   { return l.s.Close(l.fd) }
func (l *listener) Addr() net.Addr { return net.TCPAddrFromAddrPort(l.addr) }

type conn struct {
	s  *Stack
	fd FD
	ep *tcp.Endpoint
}

var _ net.Conn = (*conn)(nil)

func (c *conn) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, err := c.ep.Read(b)
	if errors.Is(err, tcp.ErrEOF) {
		return n, io.EOF
	}
	if err != nil {
		return n, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
	}
	return n, nil
}

func (c *conn) Write(b []byte) (int, error) {
	n, err := c.ep.Write(b)
	if err != nil {
		return n, &net.OpError{Op: "write", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
	}
	return n, nil
}

func (c *conn) Close() error                       { return c.s.Close(c.fd) }
func (c *conn) LocalAddr() net.Addr                { return net.TCPAddrFromAddrPort(c.ep.LocalAddr()) }
func (c *conn) RemoteAddr() net.Addr               { return net.TCPAddrFromAddrPort(c.ep.RemoteAddr()) }
func (c *conn) SetReadDeadline(t time.Time) error  { c.ep.SetReadDeadline(t); return nil }
func (c *conn) SetWriteDeadline(t time.Time) error { c.ep.SetWriteDeadline(t); return nil }
func (c *conn) SetDeadline(t time.Time) error {
	c.ep.SetReadDeadline(t)
	c.ep.SetWriteDeadline(t)
	return nil
}

// CloseWrite sends a FIN after the queued data, as *net.TCPConn does.
func (c *conn) CloseWrite() error { return c.ep.Shutdown(false, true) }
