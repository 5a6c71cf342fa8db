// dump_linux.go holds the netlink socket and the dump loop: the only file
// of the package that makes system calls.

package nlmsg

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// RecvBufSize holds the largest datagram a dump sends: netlink_dump
	// allocates at most 32 KiB per skb (more only when the reader's buffer
	// is larger, which this one is not), so MSG_TRUNC never happens; it
	// is still checked.
	RecvBufSize = 64 << 10

	// Tries bounds the dumps of a table the kernel marked interrupted
	// (NLM_F_DUMP_INTR: it changed mid-dump).
	Tries = 3

	// replyTimeout bounds the wait for each reply datagram, so a kernel
	// that never answers cannot hang the command when ctx has no deadline.
	replyTimeout = 5 * time.Second

	// pollSlice is how often a blocked receive looks at ctx.
	pollSlice = 100 * time.Millisecond
)

// Conn is a netlink socket as a dump sees it; tests put a fake here.
type Conn interface {
	Send(req []byte) error
	// Recv reads one datagram sent by the kernel into buf.
	Recv(ctx context.Context, buf []byte) (int, error)
}

// Socket is a netlink socket. It is in the network namespace of the
// thread that called Dial, for good: a socket stays in the namespace it was
// created in.
type Socket struct{ fd int }

var _ Conn = Socket{}

// Dial opens a netlink socket of protocol proto (unix.NETLINK_ROUTE,
// unix.NETLINK_SOCK_DIAG). The error is socket(2)'s, for the caller to
// name the protocol in. It is bound to a port ID by the kernel at the first
// Send.
func Dial(proto int) (Socket, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return Socket{}, err
	}
	return Socket{fd}, nil
}

// Close closes the socket.
func (s Socket) Close() error { return unix.Close(s.fd) }

// Send sends req to the kernel.
func (s Socket) Send(req []byte) error {
	return unix.Sendto(s.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
}

// Recv reads one datagram without blocking, and when none is there waits
// for one in pollSlice steps, so a cancelled ctx is seen within one step
// even when the kernel is silent; it gives up after replyTimeout.
// Datagrams not sent by the kernel (port ID 0) are dropped: any local
// process may send to our port, and what it sends is not part of the dump.
func (s Socket) Recv(ctx context.Context, buf []byte) (int, error) {
	deadline := time.Now().Add(replyTimeout)
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return 0, fmt.Errorf("no reply from the kernel within %v", replyTimeout)
		}
		// Trying first saves a poll(2) per datagram: the kernel queues
		// the next part of a dump as soon as the last one is read.
		n, _, flags, from, err := unix.Recvmsg(s.fd, buf, nil, unix.MSG_DONTWAIT)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			fds := [1]unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}}
			if _, err := unix.Poll(fds[:], int(min(wait, pollSlice)/time.Millisecond)+1); err != nil && err != unix.EINTR {
				return 0, fmt.Errorf("poll: %w", err)
			}
			continue
		case err != nil:
			return 0, err
		case flags&unix.MSG_TRUNC != 0:
			return 0, fmt.Errorf("a reply longer than %d bytes was truncated", len(buf))
		}
		if nl, ok := from.(*unix.SockaddrNetlink); !ok || nl.Pid != 0 {
			continue
		}
		return n, nil
	}
}

var seqCounter atomic.Uint32

// nextSeq numbers a request; never 0, which would switch the Scanner's
// sequence check off.
func nextSeq() uint32 {
	seq := seqCounter.Add(1)
	if seq == 0 {
		seq = seqCounter.Add(1)
	}
	return seq
}

// Dump is one dump request whose replies run to NLMSG_DONE.
type Dump struct {
	// Request encodes the request with sequence number seq.
	Request func(seq uint32) []byte
	// Decode takes each data message of the replies, in order. An error
	// it returns is that message's (a *MessageError): the dump goes on,
	// and what was decoded around it is kept.
	Decode func(Message) error
	// Reset forgets what Decode took, before a dump is run again and
	// after one fails: what the caller keeps is one whole dump, not the
	// union of two. nil when Decode keeps nothing.
	Reset func()
	// MaxDatagrams, when not 0, bounds the datagrams of one dump.
	MaxDatagrams int
}

// Run runs the dump on c, again while the kernel marks it interrupted, at
// most Tries times; buf receives the datagrams.
//
// problems are what leaves the dump incomplete but usable: the messages
// that could not be decoded and framing errors of its buffers, and a dump
// still interrupted after Tries. err is a failure that leaves it unusable:
// the request could not be sent or a reply received, or the kernel
// refused or cut the dump (a *KernelError ends it); Reset has then been
// called.
func (d *Dump) Run(ctx context.Context, c Conn, buf []byte) (problems []error, err error) {
	for try := 1; ; try++ {
		interrupted, bad, err := d.once(ctx, c, buf)
		if err != nil {
			d.reset()
			return nil, err
		}
		if interrupted && try < Tries {
			d.reset() // a fresh dump, not the union of two
			continue
		}
		if interrupted {
			problems = append(problems, fmt.Errorf("the table kept changing during %d dumps (NLM_F_DUMP_INTR); rows may be missing or repeated", Tries))
		}
		return append(problems, bad...), nil
	}
}

func (d *Dump) reset() {
	if d.Reset != nil {
		d.Reset()
	}
}

// once sends the request and decodes the replies up to NLMSG_DONE.
func (d *Dump) once(ctx context.Context, c Conn, buf []byte) (interrupted bool, bad []error, err error) {
	seq := nextSeq()
	if err := c.Send(d.Request(seq)); err != nil {
		return false, nil, fmt.Errorf("sending the request: %w", err)
	}
	for i := 0; d.MaxDatagrams == 0 || i < d.MaxDatagrams; i++ {
		n, err := c.Recv(ctx, buf)
		if err != nil {
			return interrupted, bad, fmt.Errorf("receiving: %w", err)
		}
		sc := NewScanner(buf[:n], seq)
		for m, ok := sc.Next(); ok; m, ok = sc.Next() {
			if err := d.Decode(m); err != nil {
				sc.Fail(m, err)
			}
		}
		interrupted = interrupted || sc.Interrupted()
		if err := sc.Err(); err != nil {
			if ke := (*KernelError)(nil); errors.As(err, &ke) {
				return interrupted, bad, err
			}
			bad = append(bad, err)
		}
		if sc.Done() {
			return interrupted, bad, nil
		}
	}
	return interrupted, bad, fmt.Errorf("no NLMSG_DONE after %d datagrams", d.MaxDatagrams)
}
