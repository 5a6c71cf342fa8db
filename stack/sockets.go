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
	}
	return FD{}, fmt.Errorf("%w: %v", ErrProtoNotSupported, proto)
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
	ep, err := s.udpOf(fd)
	if err != nil {
		return err
	}
	return ep.Bind(addr)
}

// Connect fixes a socket's peer.
func (s *Stack) Connect(fd FD, remote netip.AddrPort) error {
	ep, err := s.udpOf(fd)
	if err != nil {
		return err
	}
	return ep.Connect(remote)
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

// Send sends to the connected peer.
func (s *Stack) Send(fd FD, b []byte) (int, error) { return s.SendTo(fd, b, netip.AddrPort{}) }

// RecvFrom blocks for a datagram, honouring the read deadline.
func (s *Stack) RecvFrom(fd FD, b []byte) (int, netip.AddrPort, error) {
	ep, err := s.udpOf(fd)
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	return ep.ReadFrom(b)
}

// Recv is RecvFrom without the sender.
func (s *Stack) Recv(fd FD, b []byte) (int, error) {
	n, _, err := s.RecvFrom(fd, b)
	return n, err
}

// SetReadDeadline sets when a blocked receive gives up.
func (s *Stack) SetReadDeadline(fd FD, t time.Time) error {
	ep, err := s.udpOf(fd)
	if err != nil {
		return err
	}
	ep.SetReadDeadline(t)
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
	s.fds.Each(func(fd int, sock socket.Socket) { rows = append(rows, sock.Snapshot(fd)) })
	collect.Sort(rows)
	return rows
}

// WriteProcNet writes the stack's sockets of one table (collect.UDP4) in
// the layout of Linux's /proc/net/udp, with real values: what gVisor's
// netstack prints as zeros. The slot number is the descriptor; the inode
// column carries the socket ID, since the mini-stack has no inodes.
func (s *Stack) WriteProcNet(w io.Writer, kind collect.Kind) error {
	if kind != collect.UDP4 {
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
