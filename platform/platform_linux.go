// platform_linux.go is Linux's side of the OS seam: sock_diag with a
// /proc/net fallback for sockets, the /proc/*/fd scan for owners, and the
// reports of reports_linux.go; network namespaces in netns_linux.go.

package platform

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/container"
	"github.com/gonetstat/gonetstat/platform/procfd"
	"github.com/gonetstat/gonetstat/platform/procnet"
	"github.com/gonetstat/gonetstat/platform/sockdiag"
)

// The OS seam (platform.go): Linux's implementations.

func osSockets(cfg Config) (collect.Collector, error) {
	c, err := kernelSockets(cfg)
	if err != nil {
		return nil, err
	}
	return labelOwn(c), nil
}

func osNamespaced(cfg Config) (collect.Collector, error) { return newNamespaced(cfg) }

// osOwners: Linux's tables name a socket's inode, not its process; one
// scan of /proc/*/fd maps inodes to processes.
func osOwners(cfg Config) (collect.OwnerScanner, error) {
	return &procfd.Scanner{Root: cfg.ProcRoot}, nil
}

func osRoutes(ctx context.Context, cfg Config) (collect.RouteTable, error) {
	return readRoutes(ctx, cfg)
}

func osInterfaces(ctx context.Context, cfg Config) ([]collect.InterfaceCounters, error) {
	return readInterfaces(ctx, cfg)
}

func osProtocols(ctx context.Context, cfg Config) (collect.ProtoCounters, error) {
	return readProtocols(ctx, cfg)
}

func osNeighbours(ctx context.Context, cfg Config) ([]collect.Neighbour, []collect.Rule, error) {
	return readNeighbours(ctx, cfg)
}

// osContainers names containers from a process's cgroup (platform/container).
func osContainers(cfg Config) func(pid int) (*collect.Container, error) {
	r := &container.Resolver{Proc: cfg.ProcRoot}
	return r.Lookup
}

// kernelSockets is the socket table of the namespace the calling thread
// is in: sock_diag with the /proc/net fallback, as cfg.Source says.
func kernelSockets(cfg Config) (collect.Collector, error) {
	f := &fallback{warn: cfg.Warn, listsBound: kernelListsBound}
	if cfg.Source != SourceProc {
		f.primary = zoned{}
	}
	if cfg.Source != SourceNetlink {
		f.secondary = &procnet.Collector{Root: cfg.ProcRoot}
	}
	return f, nil
}

// fallback reads sock_diag (primary) and, when the kernel offers none (no
// CONFIG_INET_DIAG, a seccomp filter, an old kernel), /proc/net
// (secondary) instead; --source leaves one of them nil. The switch is said
// once per process, and sticks: an interval loop does not retry a netlink
// that has already refused.
//
// When the query asks for bound, inactive TCP sockets (-q) and the source
// that answered cannot list them, it says so once: /proc/net never lists
// them, and sock_diag only from Linux 6.8 (or a backport: listsBound asks
// the kernel).
type fallback struct {
	primary, secondary collect.Collector
	warn               func(string)
	listsBound         func() (bool, error)

	mu        sync.Mutex
	degraded  bool
	boundSaid bool
}

var _ collect.Collector = (*fallback)(nil)

func (f *fallback) Collect(ctx context.Context, q collect.Query) ([]collect.Socket, error) {
	f.mu.Lock()
	degraded := f.degraded
	f.mu.Unlock()
	if f.primary != nil && !degraded {
		socks, err := f.primary.Collect(ctx, q)
		if f.secondary == nil || !errors.Is(err, sockdiag.ErrUnavailable) {
			if q.Bound && (err == nil || collect.IsPartial(err)) {
				f.checkKernelBound()
			}
			return socks, err
		}
		f.mu.Lock()
		f.degraded = true
		f.mu.Unlock()
		f.warn(fmt.Sprintf("sock_diag unavailable (%v): reading /proc/net instead", err))
	}
	socks, err := f.secondary.Collect(ctx, q)
	if q.Bound {
		f.sayBound("/proc/net never lists them (sock_diag does, from Linux 6.8)")
	}
	return socks, err
}

// checkKernelBound says once that -q shows nothing from sock_diag when
// this kernel's does not list bound sockets.
func (f *fallback) checkKernelBound() {
	lists, err := f.listsBound()
	switch {
	case err != nil:
		f.sayOnce("-q: could not tell whether this kernel lists bound, non-listening TCP sockets: " + err.Error())
	case !lists:
		f.sayBound(fmt.Sprintf("this kernel (Linux %s) does not list them over sock_diag (Linux 6.8 added it)", kernelRelease()))
	}
}

func (f *fallback) sayBound(why string) {
	f.sayOnce("-q: bound, non-listening TCP sockets (BOUND) are not shown: " + why)
}

func (f *fallback) sayOnce(msg string) {
	f.mu.Lock()
	said := f.boundSaid
	f.boundSaid = true
	f.mu.Unlock()
	if !said {
		f.warn(msg)
	}
}

// kernelListsBound asks the kernel, once per process, whether its
// sock_diag lists bound, inactive TCP sockets: the answer is the kernel's,
// the same in every network namespace.
var kernelListsBound = sync.OnceValues(func() (bool, error) {
	return sockdiag.ListsBound(context.Background())
})

func kernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "unknown"
	}
	return unix.ByteSliceToString(u.Release[:])
}

// zoned is sock_diag with IPv6 zones named afresh in every snapshot: an
// interface renamed between two redisplays of an interval shows its new
// name in the next one.
type zoned struct{}

func (zoned) Collect(ctx context.Context, q collect.Query) ([]collect.Socket, error) {
	return (&sockdiag.Collector{ZoneName: zoneNames()}).Collect(ctx, q)
}

// zoneNames maps an interface index to its name for IPv6 zones, caching
// answers for the one snapshot it is made for (each lookup is a netlink
// dump of every link); an index that no longer exists prints as its
// number, as the kernel would accept it back. The lookup runs in the
// calling thread's network namespace, the one being dumped.
func zoneNames() func(uint32) string {
	var mu sync.Mutex
	cache := map[uint32]string{}
	return func(index uint32) string {
		mu.Lock()
		defer mu.Unlock()
		if name, ok := cache[index]; ok {
			return name
		}
		name := strconv.FormatUint(uint64(index), 10)
		if ifi, err := net.InterfaceByIndex(int(index)); err == nil && ifi.Name != "" {
			name = ifi.Name
		}
		cache[index] = name
		return name
	}
}
