// dump_linux.go runs the dumps on a NETLINK_SOCK_DIAG socket: the only file
// of the package that makes system calls.

package sockdiag

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/nlmsg"
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

// Collect runs one dump per table asked for (q.Kinds; 0 means all four),
// every state, with tcp_info when q.TCPInfo. A dump the kernel marks
// interrupted is retried; one still interrupted after nlmsg.Tries, or a
// message that could not be decoded, gives the rows read plus a
// *collect.PartialError naming the table. When sock_diag itself is refused
// the error wraps ErrUnavailable.
func (c *Collector) Collect(ctx context.Context, q collect.Query) ([]collect.Socket, error) {
	sock, err := nlmsg.Dial(unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, fmt.Errorf("%w: opening a NETLINK_SOCK_DIAG socket: %w", ErrUnavailable, err)
	}
	defer sock.Close()
	return c.collect(ctx, sock, q)
}

func (c *Collector) collect(ctx context.Context, cn nlmsg.Conn, q collect.Query) ([]collect.Socket, error) {
	kinds := q.Kinds
	if kinds == 0 {
		kinds = collect.AllKinds
	}
	buf := make([]byte, nlmsg.RecvBufSize)
	socks := make([]collect.Socket, 0, sizeHint(kinds))
	var problems []error
	for _, k := range [...]collect.Kind{collect.TCP4, collect.TCP6, collect.UDP4, collect.UDP6} {
		if kinds&k == 0 {
			continue
		}
		bad, err := c.dump(ctx, cn, buf, k, states(k, q), q.TCPInfo, &socks)
		if err != nil {
			switch {
			case k.Family() == collect.FamilyIPv6 && errors.Is(err, syscall.EAFNOSUPPORT):
				// IPv6 is off in this kernel: the table does not
				// exist, which is not a missing part of it.
				continue
			case refused(err):
				return nil, fmt.Errorf("%w: dumping %v: %w", ErrUnavailable, k, err)
			default:
				return nil, fmt.Errorf("sock_diag: dumping %v: %w", k, err)
			}
		}
		for _, e := range bad {
			problems = append(problems, fmt.Errorf("dumping %v: %w", k, e))
		}
	}
	return socks, collect.Partial(problems...)
}

// states is the state mask of table k's dump. The bind-hash walk costs a
// pass over every bound socket: it is asked for only when q wants what it
// finds.
func states(k collect.Kind, q collect.Query) uint32 {
	if q.Bound && k.Proto() == collect.ProtoTCP {
		return AllStates
	}
	return AllStates &^ BoundInactive
}

// ListsBound reports whether this kernel's sock_diag lists bound, inactive
// TCP sockets (Linux 6.8, "tcp: Dump bound-only sockets in inet_diag"). It
// asks the kernel rather than reading its version, so a backport counts:
// it binds a TCP socket to an ephemeral port of 0.0.0.0 (in the calling
// thread's network namespace) without listening, dumps the IPv4 TCP table
// with only the BoundInactive bit, and looks for the socket's inode. An
// error means the probe itself could not run.
func ListsBound(ctx context.Context) (bool, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false, fmt.Errorf("probing for bound sockets: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrInet4{}); err != nil {
		return false, fmt.Errorf("probing for bound sockets: bind: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return false, fmt.Errorf("probing for bound sockets: %w", err)
	}
	sock, err := nlmsg.Dial(unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return false, fmt.Errorf("%w: opening a NETLINK_SOCK_DIAG socket: %w", ErrUnavailable, err)
	}
	defer sock.Close()
	var socks []collect.Socket
	bad, err := (&Collector{}).dump(ctx, sock, make([]byte, nlmsg.RecvBufSize), collect.TCP4, BoundInactive, false, &socks)
	if err == nil && len(bad) > 0 {
		err = bad[0]
	}
	if err != nil {
		return false, fmt.Errorf("probing for bound sockets: %w", err)
	}
	for _, s := range socks {
		if s.Inode == st.Ino {
			return true, nil
		}
	}
	return false, nil
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

// dump runs the dump of table k, appending its rows to *socks (and
// leaving *socks as it was when the dump fails). bad are the problems of a
// dump that was read (see nlmsg.Dump.Run); err is a failure that leaves it
// unusable.
func (c *Collector) dump(ctx context.Context, cn nlmsg.Conn, buf []byte, k collect.Kind, states uint32, info bool, socks *[]collect.Socket) (bad []error, err error) {
	fam := uint8(unix.AF_INET)
	if k.Family() == collect.FamilyIPv6 {
		fam = unix.AF_INET6
	}
	proto := uint8(k.Proto())
	var ext uint8
	if info && k.Proto() == collect.ProtoTCP {
		ext = ExtInfo
	}
	before := len(*socks)
	d := Decoder{Proto: proto, ZoneName: c.ZoneName}
	dump := nlmsg.Dump{
		Request: func(seq uint32) []byte { return Request(fam, proto, states, ext, seq) },
		Decode: func(m nlmsg.Message) error {
			s, err := d.decodeMsg(m)
			if err == nil {
				*socks = append(*socks, s)
			}
			return err
		},
		Reset: func() { *socks = (*socks)[:before] },
	}
	return dump.Run(ctx, cn, buf)
}
