// dump_linux.go runs the link, address and route dumps on a NETLINK_ROUTE
// socket: the only file of the package that makes system calls.

package rtnl

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/collect"
)

const (
	// recvBufSize holds the largest datagram a dump sends: netlink caps
	// a dump's skb at 32 KiB for readers with larger buffers. MSG_TRUNC
	// is still checked.
	recvBufSize = 64 << 10

	// dumpTries bounds the dumps of a table the kernel marked
	// interrupted (NLM_F_DUMP_INTR: it changed mid-dump).
	dumpTries = 3

	// replyTimeout bounds the wait for each reply datagram (SO_RCVTIMEO),
	// so a kernel that never answers cannot hang the command.
	replyTimeout = 5 * time.Second

	// maxDatagrams bounds one dump: a table so large it needs more is
	// not a routing table route print could show.
	maxDatagrams = 1 << 16
)

var seqCounter atomic.Uint32

// Dump reads the interfaces, addresses and routes of the network namespace
// the calling thread is in (a netlink socket belongs to the namespace it
// was opened in: to read another, call Dump on a locked thread that has
// entered it, see platform/netns). Routes of every table are returned; the
// Table field says which.
//
// A message that could not be decoded, or a dump still interrupted after
// dumpTries, gives the table read plus a *collect.PartialError; a failure
// of the socket or a refusal by the kernel gives an error naming the dump.
func Dump() (collect.RouteTable, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return collect.RouteTable{}, fmt.Errorf("opening a NETLINK_ROUTE socket: %w", err)
	}
	defer unix.Close(fd)
	tv := unix.NsecToTimeval(replyTimeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return collect.RouteTable{}, fmt.Errorf("setting SO_RCVTIMEO on the NETLINK_ROUTE socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return collect.RouteTable{}, fmt.Errorf("binding the NETLINK_ROUTE socket: %w", err)
	}

	return dumpAll(nlConn{fd}, make([]byte, recvBufSize))
}

// conn is the netlink socket as the dumps see it; tests put a fake here.
type conn interface {
	send(req []byte) error
	// recv reads one datagram sent by the kernel into buf.
	recv(buf []byte) (int, error)
}

// nlConn is a NETLINK_ROUTE socket.
type nlConn struct{ fd int }

func (c nlConn) send(req []byte) error {
	return unix.Sendto(c.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
}

func (c nlConn) recv(buf []byte) (int, error) { return recv(c.fd, buf) }

// dumpAll runs the four dumps of Dump on cn.
func dumpAll(cn conn, buf []byte) (collect.RouteTable, error) {
	var all Messages
	var problems []error
	for _, d := range [...]struct {
		what   string
		typ    uint16
		family uint8
	}{
		{"interfaces (RTM_GETLINK)", RTMGetLink, afUnspec},
		{"addresses (RTM_GETADDR)", RTMGetAddr, afUnspec},
		{"IPv4 routes (RTM_GETROUTE)", RTMGetRoute, afInet},
		{"IPv6 routes (RTM_GETROUTE)", RTMGetRoute, afInet6},
	} {
		for try := 1; ; try++ {
			m, interrupted, bad, err := dump(cn, buf, d.typ, d.family)
			if err != nil {
				if d.family == afInet6 && errors.Is(err, unix.EAFNOSUPPORT) {
					break // IPv6 is off in this kernel: there is no table
				}
				return collect.RouteTable{}, fmt.Errorf("dumping %s: %w", d.what, err)
			}
			if interrupted && try < dumpTries {
				continue // a fresh dump, not the union of two
			}
			if interrupted {
				problems = append(problems, fmt.Errorf("dumping %s: the table kept changing during %d dumps (NLM_F_DUMP_INTR); rows may be missing or repeated", d.what, dumpTries))
			}
			for _, e := range bad {
				problems = append(problems, fmt.Errorf("dumping %s: %w", d.what, e))
			}
			all.Append(m)
			break
		}
	}
	return all.Table(), collect.Partial(problems...)
}

// dump sends one request and decodes its replies up to NLMSG_DONE. bad
// holds the buffers' decoding problems (what could be read is kept); err
// is a failure that leaves the dump unusable.
func dump(cn conn, buf []byte, typ uint16, family uint8) (m Messages, interrupted bool, bad []error, err error) {
	seq := seqCounter.Add(1)
	if seq == 0 { // 0 would switch the decoder's sequence check off
		seq = seqCounter.Add(1)
	}
	if err := cn.send(Request(typ, family, seq)); err != nil {
		return m, false, nil, fmt.Errorf("sending the request: %w", err)
	}
	for range maxDatagrams {
		n, err := cn.recv(buf)
		if err != nil {
			return m, interrupted, bad, err
		}
		done, intr, err := Decode(buf[:n], seq, &m)
		interrupted = interrupted || intr
		if err != nil {
			if ke := (*KernelError)(nil); errors.As(err, &ke) {
				return m, interrupted, bad, err
			}
			bad = append(bad, err)
		}
		if done {
			return m, interrupted, bad, nil
		}
	}
	return m, interrupted, bad, fmt.Errorf("no NLMSG_DONE after %d datagrams", maxDatagrams)
}

// recv reads one datagram sent by the kernel. Datagrams from other senders
// (port ID not 0) are dropped: any local process may send to our port.
func recv(fd int, buf []byte) (int, error) {
	for {
		n, _, flags, from, err := unix.Recvmsg(fd, buf, nil, 0)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN || err == unix.EWOULDBLOCK:
			return 0, fmt.Errorf("no reply from the kernel within %v", replyTimeout)
		case err != nil:
			return 0, fmt.Errorf("receiving: %w", err)
		case flags&unix.MSG_TRUNC != 0:
			return 0, fmt.Errorf("a reply longer than %d bytes was truncated", len(buf))
		}
		if nl, ok := from.(*unix.SockaddrNetlink); !ok || nl.Pid != 0 {
			continue
		}
		return n, nil
	}
}
