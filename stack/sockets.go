// sockets.go is the socket API on descriptors, and the stack's view of
// itself: Snapshot and the /proc/net table writer.

package stack

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"syscall"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/socket"
	"github.com/gonetstat/gonetstat/stack/tcp"
	"github.com/gonetstat/gonetstat/stack/udp"
)

// FD is a descriptor of this stack's sockets.
type FD = socket.FD

// ErrProtoNotSupported is returned by Socket for a protocol the stack
// does not implement.
var ErrProtoNotSupported = fmt.Errorf("stack: %w", syscall.EPROTONOSUPPORT)

// Socket creates a socket and returns its descriptor. The control block
// is charged to the stack's memory budget: when that is exhausted, Socket
// fails with ENOBUFS and the stack runs on.
func (s *Stack) Socket(proto collect.Proto) (FD, error) {
	switch proto {
	case collect.ProtoUDP:
		ep, err := s.UDP.NewEndpoint()
		if err != nil {
			return FD{}, err
		}
		fd, err := s.fds.Add(ep)
		if err != nil {
			ep.Close()
			return FD{}, err
		}
		return fd, nil
	case collect.ProtoTCP:
		ep, err := s.TCP.NewEndpoint()
		if err != nil {
			return FD{}, err
		}
		return s.addTCP(ep)
	}
	return FD{}, fmt.Errorf("%w: %v", ErrProtoNotSupported, proto)
}

func (s *Stack) addTCP(ep *tcp.Endpoint) (FD, error) {
	fd, err := s.fds.Add(ep)
	if err != nil {
		ep.Close()
		return FD{}, err
	}
	ep.SetFD(fd.Int())
	return fd, nil
}

func (s *Stack) tcpOf(fd FD) (*tcp.Endpoint, error) {
	sock, err := s.fds.Get(fd)
	if err != nil {
		return nil, err
	}
	ep, ok := sock.(*tcp.Endpoint)
	if !ok {
		return nil, fmt.Errorf("stack: descriptor %v is not a TCP socket: %w", fd, syscall.EOPNOTSUPP)
	}
	return ep, nil
}

// ListenFD makes a bound TCP socket accept connections, at most backlog
// waiting.
func (s *Stack) ListenFD(fd FD, backlog int) error {
	ep, err := s.tcpOf(fd)
	if err != nil {
		return err
	}
	return ep.Listen(backlog)
}

// Accept blocks for a connection and returns its new descriptor.
func (s *Stack) Accept(fd FD) (FD, netip.AddrPort, error) {
	ep, err := s.tcpOf(fd)
	if err != nil {
		return FD{}, netip.AddrPort{}, err
	}
	c, err := ep.Accept()
	if err != nil {
		return FD{}, netip.AddrPort{}, err
	}
	nfd, err := s.addTCP(c)
	return nfd, c.RemoteAddr(), err
}

// SetKeepAlive turns TCP keepalive probes on or off for a connection.
func (s *Stack) SetKeepAlive(fd FD, on bool) error {
	ep, err := s.tcpOf(fd)
	if err != nil {
		return err
	}
	ep.SetKeepAlive(on)
	return nil
}

// Shutdown closes the read half, the write half (a FIN after the queued
// data) or both of a TCP connection.
func (s *Stack) Shutdown(fd FD, read, write bool) error {
	ep, err := s.tcpOf(fd)
	if err != nil {
		return err
	}
	return ep.Shutdown(read, write)
}

func (s *Stack) udpOf(fd FD) (*udp.Endpoint, error) {
	sock, err := s.fds.Get(fd)
	if err != nil {
		return nil, err
	}
	ep, ok := sock.(*udp.Endpoint)
	if !ok {
		return nil, fmt.Errorf("stack: descriptor %v is not a UDP socket: %w", fd, syscall.EOPNOTSUPP)
	}
	return ep, nil
}

// Bind gives a socket its local address; port 0 picks an ephemeral port.
func (s *Stack) Bind(fd FD, addr netip.AddrPort) error {
	sock, err := s.fds.Get(fd)
	if err != nil {
		return err
	}
	switch ep := sock.(type) {
	case *udp.Endpoint:
		return ep.Bind(addr)
	case *tcp.Endpoint:
		return ep.Bind(addr)
	}
	return fmt.Errorf("stack: bind: %w", syscall.EOPNOTSUPP)
}

// Connect fixes a UDP socket's peer, or opens a TCP connection (blocking
// until it is established, refused or timed out).
func (s *Stack) Connect(fd FD, remote netip.AddrPort) error {
	sock, err := s.fds.Get(fd)
	if err != nil {
		return err
	}
	switch ep := sock.(type) {
	case *udp.Endpoint:
		return ep.Connect(remote)
	case *tcp.Endpoint:
		return ep.Connect(remote)
	}
	return fmt.Errorf("stack: connect: %w", syscall.EOPNOTSUPP)
}

// SendTo sends a datagram to an address (or the connected peer when to is
// zero).
func (s *Stack) SendTo(fd FD, b []byte, to netip.AddrPort) (int, error) {
	ep, err := s.udpOf(fd)
	if err != nil {
		return 0, err
	}
	return ep.WriteTo(b, to)
}

// Send sends to the connected peer: a datagram on UDP, stream bytes on
// TCP (blocking while the send buffer is full).
func (s *Stack) Send(fd FD, b []byte) (int, error) {
	if ep, err := s.tcpOf(fd); err == nil {
		return ep.Write(b)
	}
	return s.SendTo(fd, b, netip.AddrPort{})
}

// RecvFrom blocks for a datagram, honouring the read deadline.
func (s *Stack) RecvFrom(fd FD, b []byte) (int, netip.AddrPort, error) {
	ep, err := s.udpOf(fd)
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	return ep.ReadFrom(b)
}

// Recv receives a datagram (UDP) or stream bytes (TCP; tcp.ErrEOF once
// the peer's FIN has been read).
func (s *Stack) Recv(fd FD, b []byte) (int, error) {
	if ep, err := s.tcpOf(fd); err == nil {
		return ep.Read(b)
	}
	n, _, err := s.RecvFrom(fd, b)
	return n, err
}

// SetReadDeadline sets when a blocked receive (or accept) gives up.
func (s *Stack) SetReadDeadline(fd FD, t time.Time) error {
	sock, err := s.fds.Get(fd)
	if err != nil {
		return err
	}
	switch ep := sock.(type) {
	case *udp.Endpoint:
		ep.SetReadDeadline(t)
	case *tcp.Endpoint:
		ep.SetReadDeadline(t)
	}
	return nil
}

// SetWriteDeadline sets when a blocked send (or connect) gives up; UDP
// sends never block.
func (s *Stack) SetWriteDeadline(fd FD, t time.Time) error {
	sock, err := s.fds.Get(fd)
	if err != nil {
		return err
	}
	if ep, ok := sock.(*tcp.Endpoint); ok {
		ep.SetWriteDeadline(t)
	}
	return nil
}

// Close frees the descriptor and closes its socket; the descriptor is
// stale from then on, even when its number is reused.
func (s *Stack) Close(fd FD) error {
	sock, err := s.fds.Remove(fd)
	if err != nil {
		return err
	}
	return sock.Close()
}

// Snapshot copies every socket's control block, under each socket's own
// lock, into table rows in netstat order. No pointer into the stack leaves
// it.
func (s *Stack) Snapshot() []collect.Socket {
	var rows []collect.Socket
	s.fds.Each(func(fd int, sock socket.Socket) {
		if _, isTCP := sock.(*tcp.Endpoint); !isTCP {
			rows = append(rows, sock.Snapshot(fd))
		}
	})
	// TCP sockets live on without a descriptor (closing after close(),
	// not yet accepted): the protocol knows them all, and each knows its
	// descriptor. Connections in TIME_WAIT are time-wait blocks of the
	// protocol's (tcp/timewait.go), in the table as in Linux's.
	for _, ep := range s.TCP.Endpoints() {
		rows = append(rows, ep.Snapshot(-2))
	}
	rows = append(rows, s.TCP.TimeWaitRows()...)
	collect.Sort(rows)
	return rows
}

// WriteProcNet writes the stack's sockets of one table (collect.TCP4 or
// collect.UDP4) in the layout of Linux's /proc/net/tcp or /proc/net/udp,
// with real values: what gVisor's netstack prints as zeros. The slot
// number is the descriptor (-1 for none); the inode column carries the
// socket ID, since the mini-stack has no inodes.
func (s *Stack) WriteProcNet(w io.Writer, kind collect.Kind) error {
	switch kind {
	case collect.TCP4:
		return s.writeProcNetTCP(w)
	case collect.UDP4:
	default:
		return fmt.Errorf("stack: /proc/net table %v: %w", kind, ErrProtoNotSupported)
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%5s %-13s %-13s %2s %-17s %-11s %8s %5s %8s %5s %3s %-16s %s\n",
		"sl", "local_address", "rem_address", "st", "tx_queue rx_queue", "tr tm->when", "retrnsmt", "uid", "timeout", "inode", "ref", "pointer", "drops")
	for _, r := range s.Snapshot() {
		if collect.KindOf(r.Proto, r.Family) != kind {
			continue
		}
		// udp4_format_sock: "%5d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %pK %u"
		fmt.Fprintf(bw, "%5d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08X %08X %5d %8d %d %d %016X %d\n",
			r.Stack.FD, hostWord(r.Local.Addr()), r.Local.Port(), hostWord(r.Remote.Addr()), r.Remote.Port(),
			uint8(r.State), r.SendQ, r.RecvQ, 0, 0, 0, 0, 0, r.Cookie, 2, 0, 0)
	}
	return bw.Flush()
}

// hostWord is an IPv4 address as the kernel prints its __be32 with %08X:
// the address's bytes read as a native-order word.
func hostWord(a netip.Addr) uint32 {
	b := a.As4()
	return binary.NativeEndian.Uint32(b[:])
}

// writeProcNetTCP follows get_tcp4_sock (net/ipv4/tcp_ipv4.c): timers and
// the RTO in clock_t (1/100 s), cwnd and ssthresh in segments, ssthresh
// -1 while unset.
func (s *Stack) writeProcNetTCP(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n")
	for _, r := range s.Snapshot() {
		// /proc/net/tcp never lists a bound-inactive socket: only
		// sock_diag dumps them (inet_diag's bhash walk, Linux 6.8).
		if collect.KindOf(r.Proto, r.Family) != collect.TCP4 || r.State == collect.StateBoundInactive {
			continue
		}
		t := r.TCP
		tx, rx := r.SendQ, r.RecvQ
		if r.State == collect.StateListen {
			tx = 0
		}
		ssthresh := "-1"
		if t.SndSsthresh > 0 {
			ssthresh = fmt.Sprint(t.SndSsthresh)
		}
		fmt.Fprintf(bw, "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08X %08X %5d %8d %d %d %016X %d %d %d %d %s\n",
			r.Stack.FD, hostWord(r.Local.Addr()), r.Local.Port(), hostWord(r.Remote.Addr()), r.Remote.Port(),
			uint8(r.State), tx, rx, uint8(t.Timer), clockTicks(t.TimerExpires.Duration()), t.Retransmits, 0, 0, r.Cookie,
			1, 0, clockTicks(t.RTO.Duration()), 4, 0, t.SndCwnd, ssthresh)
	}
	return bw.Flush()
}

// clockTicks converts to clock_t, USER_HZ = 100.
func clockTicks(d time.Duration) int64 { return int64(d / (10 * time.Millisecond)) }
