// platform_linux.go picks Linux's collectors: sock_diag with a /proc/net
// fallback for sockets, and the /proc/*/fd scan for owners.

package platform

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/procfd"
	"github.com/gonetstat/gonetstat/platform/procnet"
	"github.com/gonetstat/gonetstat/platform/sockdiag"
)

func newSockets(cfg Config) (collect.Collector, error) {
	diag := &sockdiag.Collector{ZoneName: zoneNames()}
	proc := &procnet.Collector{Root: cfg.ProcRoot}
	switch cfg.Source {
	case SourceNetlink:
		return diag, nil
	case SourceProc:
		return proc, nil
	}
	return &fallback{primary: diag, secondary: proc, warn: cfg.Warn}, nil
}

func newOwners(cfg Config) (collect.OwnerScanner, error) {
	return &procfd.Scanner{Root: cfg.ProcRoot}, nil
}

// fallback reads sock_diag and, when the kernel offers none (no
// CONFIG_INET_DIAG, a seccomp filter, an old kernel), /proc/net instead.
// The switch is said once per process, and sticks: an interval loop does not
// retry a netlink that has already refused.
type fallback struct {
	primary, secondary collect.Collector
	warn               func(string)

	mu       sync.Mutex
	degraded bool
}

var _ collect.Collector = (*fallback)(nil)

func (f *fallback) Collect(ctx context.Context, q collect.Query) ([]collect.Socket, error) {
	f.mu.Lock()
	degraded := f.degraded
	f.mu.Unlock()
	if !degraded {
		socks, err := f.primary.Collect(ctx, q)
		if !errors.Is(err, sockdiag.ErrUnavailable) {
			return socks, err
		}
		f.mu.Lock()
		f.degraded = true
		f.mu.Unlock()
		f.warn(fmt.Sprintf("sock_diag unavailable (%v): reading /proc/net instead", err))
	}
	return f.secondary.Collect(ctx, q)
}

// zoneNames maps an interface index to its name for IPv6 zones, caching
// answers; an index that no longer exists prints as its number, as the
// kernel would accept it back.
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
