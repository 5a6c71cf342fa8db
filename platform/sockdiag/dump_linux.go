// dump_linux.go runs the dumps on a NETLINK_SOCK_DIAG socket: the only file
// of the package that makes system calls.

package sockdiag

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/collect"
)

// Collector dumps the kernel's TCP and UDP tables over sock_diag.
//
// The tables are those of the network namespace the calling thread is in
// when Collect opens its netlink socket (a socket stays in the namespace it
// was created in). To read another namespace, call Collect on a locked OS
// thread that has entered it (see platform/netns); a goroutine that has not
// locked its thread may run in any of the process's threads.
type Collector struct {
	// ZoneName names an interface by index for IPv6 link-local zones;
	// nil prints the index.
	ZoneName func(index uint32) string
}

var _ collect.Collector = (*Collector)(nil)

const (
	// recvBufSize holds the largest datagram a dump sends: netlink_dump
	// allocates at most 32 KiB per skb (more only when the reader's
	// buffer is larger, which ours is not), so MSG_TRUNC never happens;
	// it is still checked.
	recvBufSize = 64 << 10

	// dumpTries bounds the dumps of a table the kernel marked
	// interrupted (NLM_F_DUMP_INTR: sockets came or went mid-dump).
	dumpTries = 3

	// replyTimeout bounds the wait for each reply datagram, so a kernel
	// that never answers cannot hang the command when ctx has no deadline.
	replyTimeout = 5 * time.Second

	// pollSlice is how often a blocked receive looks at ctx.
	pollSlice = 100 * time.Millisecond
)

var seqCounter atomic.Uint32

// Collect runs one dump per table asked for (q.Kinds; 0 means all four),
// every state, with tcp_info when q.TCPInfo. A dump the kernel marks
// interrupted is retried; one still interrupted after dumpTries, or a
// message that could not be decoded, gives the rows read plus a
// *collect.PartialError naming the table. When sock_diag itself is refused
// the error wraps ErrUnavailable.
func (c *Collector) Collect(ctx context.Context, q collect.Query) ([]collect.Socket, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, fmt.Errorf("%w: opening a NETLINK_SOCK_DIAG socket: %w", ErrUnavailable, err)
	}
	defer unix.Close(fd)
	return c.collect(ctx, nlConn{fd}, q)
}

// conn is the netlink socket as a dump sees it; tests put a fake here.
type conn interface {
	send(req []byte) error
	// recv reads one datagram sent by the kernel into buf.
	recv(ctx context.Context, buf []byte) (int, error)
}

func (c *Collector) collect(ctx context.Context, cn conn, q collect.Query) ([]collect.Socket, error) {
	kinds := q.Kinds
	if kinds == 0 {
		kinds = collect.AllKinds
	}
	buf := make([]byte, recvBufSize)
	socks := make([]collect.Socket, 0, sizeHint(kinds))
	var problems []error
	for _, k := range [...]collect.Kind{collect.TCP4, collect.TCP6, collect.UDP4, collect.UDP6} {
		if kinds&k == 0 {
			continue
		}
		for try := 1; ; try++ {
			before := len(socks)
			var interrupted bool
			var bad []error
			var err error
			socks, interrupted, bad, err = dump(ctx, cn, buf, k, q.TCPInfo, c.ZoneName, socks)
			if err != nil {
				socks = socks[:before]
				switch {
				case k.Family() == collect.FamilyIPv6 && errors.Is(err, syscall.EAFNOSUPPORT):
					// IPv6 is off in this kernel: the table does not
					// exist, which is not a missing part of it.
				case refused(err):
					return nil, fmt.Errorf("%w: dumping %v: %w", ErrUnavailable, k, err)
				default:
					return nil, fmt.Errorf("sock_diag: dumping %v: %w", k, err)
				}
				break
			}
			if interrupted && try < dumpTries {
				socks = socks[:before] // a fresh dump, not the union of two
				continue
			}
			if interrupted {
				problems = append(problems, fmt.Errorf("dumping %v: the table kept changing during %d dumps (NLM_F_DUMP_INTR); rows may be missing or repeated", k, dumpTries))
			}
			for _, e := range bad {
				problems = append(problems, fmt.Errorf("dumping %v: %w", k, e))
			}
			break
		}
	}
	return socks, collect.Partial(problems...)
}

// sizeHint estimates the rows of this thread's network namespace (see
// SizeHint); 0 when /proc cannot tell.
func sizeHint(kinds collect.Kind) int {
	st, _ := os.ReadFile("/proc/thread-self/net/sockstat")
	st6, _ := os.ReadFile("/proc/thread-self/net/sockstat6")
	if n := SizeHint(st, st6, kinds); n > 0 {
		return n + n/64 + 16 // room for sockets that arrive during the dump
	}
	return 0
}

// refused reports whether the kernel (or a security policy) said no to
// sock_diag itself: no diag module for the protocol (ENOENT), none built
// (EPROTONOSUPPORT, EOPNOTSUPP), or not allowed (EACCES, EPERM).
func refused(err error) bool {
	for _, e := range [...]syscall.Errno{unix.ENOENT, unix.EPROTONOSUPPORT, unix.EOPNOTSUPP, unix.EACCES, unix.EPERM} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// dump sends one request and decodes its replies up to NLMSG_DONE,
// appending rows to socks. bad holds the messages that could not be
// decoded (the rows around them are kept); err is a failure that leaves
// the dump unusable.
func dump(ctx context.Context, cn conn, buf []byte, k collect.Kind, info bool, zone func(uint32) string, socks []collect.Socket) (out []collect.Socket, interrupted bool, bad []error, err error) {
	fam := uint8(unix.AF_INET)
	if k.Family() == collect.FamilyIPv6 {
		fam = unix.AF_INET6
	}
	proto := uint8(k.Proto())
	var ext uint8
	if info && k.Proto() == collect.ProtoTCP {
		ext = ExtInfo
	}
	seq := seqCounter.Add(1)
	if seq == 0 { // 0 would switch the decoder's sequence check off
		seq = seqCounter.Add(1)
	}
	if err := cn.send(Request(fam, proto, AllStates, ext, seq)); err != nil {
		return socks, false, nil, fmt.Errorf("sending the request: %w", err)
	}
	d := Decoder{Proto: proto, ZoneName: zone, Seq: seq}
	for {
		n, err := cn.recv(ctx, buf)
		if err != nil {
			return socks, interrupted, bad, fmt.Errorf("receiving: %w", err)
		}
		var done, intr bool
		socks, done, intr, err = d.Decode(buf[:n], socks)
		interrupted = interrupted || intr
		if err != nil {
			var ke *KernelError
			if errors.As(err, &ke) {
				return socks, interrupted, bad, err
			}
			bad = append(bad, err)
		}
		if done {
			return socks, interrupted, bad, nil
		}
	}
}

// nlConn is a NETLINK_SOCK_DIAG socket.
type nlConn struct{ fd int }

func (c nlConn) send(req []byte) error {
	return unix.Sendto(c.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
}

// recv waits for a datagram in pollSlice steps, so a cancelled ctx is seen
// within one step even when the kernel is silent, and gives up after
// replyTimeout. Datagrams not sent by the kernel (port ID 0) are dropped:
// any local process may send to our port, and what it sends is not part of
// the dump.
func (c nlConn) recv(ctx context.Context, buf []byte) (int, error) {
	deadline := time.Now().Add(replyTimeout)
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return 0, fmt.Errorf("no reply from the kernel within %v", replyTimeout)
		}
		fds := [1]unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLIN}}
		ready, err := unix.Poll(fds[:], int(min(wait, pollSlice)/time.Millisecond)+1)
		if err == unix.EINTR || (err == nil && ready == 0) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("poll: %w", err)
		}
		n, _, flags, from, err := unix.Recvmsg(c.fd, buf, nil, unix.MSG_DONTWAIT)
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		if err != nil {
			return 0, err
		}
		if flags&unix.MSG_TRUNC != 0 {
			return 0, fmt.Errorf("a reply longer than %d bytes was truncated", len(buf))
		}
		if nl, ok := from.(*unix.SockaddrNetlink); !ok || nl.Pid != 0 {
			continue
		}
		return n, nil
	}
}
