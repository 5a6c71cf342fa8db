// dump_linux.go runs the dumps on a NETLINK_SOCK_DIAG socket.

package sockdiag

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/collect"
)

// ErrUnavailable means the kernel offers no sock_diag for us: no netlink
// socket, or the diag module for a protocol is missing or forbidden. The
// platform layer falls back to /proc/net on it.
var ErrUnavailable = errors.New("sock_diag unavailable")

// Collector dumps the socket tables of the calling thread's network
// namespace.
type Collector struct {
	// ZoneName names an interface by index for IPv6 link-local zones.
	ZoneName func(index uint32) string
}

var _ collect.Collector = (*Collector)(nil)

// recvBufSize holds the largest dump skb the kernel builds (32 KiB; see
// netlink_dump's min(max(...), 32768)) with room to spare, so a read is
// never truncated.
const recvBufSize = 64 << 10

// dumpTries bounds the retries of a dump the kernel marked interrupted.
const dumpTries = 3

var seqCounter atomic.Uint32

// Collect runs one dump per table asked for. An interrupted dump is
// retried; one still interrupted after dumpTries, or a message that could
// not be decoded, gives the rows read plus a *collect.PartialError.
func (c *Collector) Collect(ctx context.Context, q collect.Query) ([]collect.Socket, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, fmt.Errorf("%w: opening a NETLINK_SOCK_DIAG socket: %v", ErrUnavailable, err)
	}
	defer unix.Close(fd)
	// A kernel that never answers must not hang the command.
	tv := unix.Timeval{Sec: 5}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return nil, fmt.Errorf("sock_diag: setting a receive timeout: %w", err)
	}
	kinds := q.Kinds
	if kinds == 0 {
		kinds = collect.AllKinds
	}
	buf := make([]byte, recvBufSize)
	var socks []collect.Socket
	var problems []error
	var fatal error
	kinds.Each(func(k collect.Kind) {
		if fatal != nil {
			return
		}
		for try := 1; ; try++ {
			before := len(socks)
			var interrupted bool
			var err error
			socks, interrupted, err = dump(ctx, fd, buf, k, q.TCPInfo, c.ZoneName, socks)
			if err != nil {
				var ke *KernelError
				switch {
				case errors.As(err, &ke) && ke.Errno == unix.EAFNOSUPPORT && k.Family() == collect.FamilyIPv6:
					socks = socks[:before] // IPv6 is off: no such table, not an error
				case errors.As(err, &ke) && unavailable(ke.Errno):
					fatal = fmt.Errorf("%w: dumping %v: %v", ErrUnavailable, k, err)
				case isPartial(err):
					problems = append(problems, fmt.Errorf("dumping %v: %w", k, err))
				default:
					fatal = fmt.Errorf("sock_diag: dumping %v: %w", k, err)
				}
				return
			}
			if !interrupted {
				return
			}
			if try == dumpTries {
				problems = append(problems, fmt.Errorf("dumping %v: the table kept changing during %d dumps (NLM_F_DUMP_INTR); rows may be missing or repeated", k, dumpTries))
				return
			}
			socks = socks[:before] // retry from scratch
		}
	})
	if fatal != nil {
		return nil, fatal
	}
	return socks, collect.Partial(problems...)
}

func unavailable(e unix.Errno) bool {
	switch e {
	case unix.ENOENT, unix.EPROTONOSUPPORT, unix.EOPNOTSUPP, unix.EACCES, unix.EPERM:
		return true
	}
	return false
}

// isPartial reports whether a dump error still left trustworthy rows:
// undecodable messages or broken framing in one buffer, not a kernel
// refusal or a failed system call.
func isPartial(err error) bool {
	var me *MessageError
	return errors.As(err, &me) || errors.Is(err, ErrFraming)
}

// dump sends one request and reads its replies up to NLMSG_DONE.
func dump(ctx context.Context, fd int, buf []byte, k collect.Kind, info bool, zone func(uint32) string, socks []collect.Socket) ([]collect.Socket, bool, error) {
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
	if seq == 0 {
		seq = seqCounter.Add(1)
	}
	if err := unix.Sendto(fd, Request(fam, proto, AllStates, ext, seq), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return socks, false, fmt.Errorf("sending the request: %w", err)
	}
	d := Decoder{Proto: proto, ZoneName: zone, Seq: seq}
	var problems []error
	interrupted := false
	for {
		if err := ctx.Err(); err != nil {
			return socks, interrupted, err
		}
		n, _, flags, _, err := unix.Recvmsg(fd, buf, nil, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return socks, interrupted, fmt.Errorf("receiving: %w", err)
		}
		if flags&unix.MSG_TRUNC != 0 {
			return socks, interrupted, fmt.Errorf("receiving: a reply longer than %d bytes was truncated", len(buf))
		}
		var done, intr bool
		socks, done, intr, err = d.Decode(buf[:n], socks)
		interrupted = interrupted || intr
		if err != nil {
			var ke *KernelError
			if errors.As(err, &ke) {
				return socks, interrupted, err
			}
			problems = append(problems, err)
		}
		if done {
			return socks, interrupted, errors.Join(problems...)
		}
	}
}
