// platform_windows.go is Windows' side of the OS seam: the socket table,
// with each row's owner PID, and the -s, -r and -e reports all come from
// iphlpapi.dll (platform/iphlpapi). Windows has no network namespaces and
// no containers gonetstat can name.

package platform

import (
	"context"
	"fmt"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/iphlpapi"
)

// noWindows refuses what Windows does not have.
func noWindows(what string) error {
	return fmt.Errorf("%s on windows: %w", what, collect.ErrUnsupported)
}

// osSockets: iphlpapi's tables name each socket's owning PID, so the
// collector sets the owners itself (Query.Owners) and osOwners has no
// scanner to give.
func osSockets(cfg Config) (collect.Collector, error) {
	if cfg.Source != SourceAuto {
		return nil, fmt.Errorf("--source=%s reads Linux's tables; Windows has one source, iphlpapi: %w", cfg.Source, collect.ErrUnsupported)
	}
	return iphlpapi.New(cfg.Warn), nil
}

func osNamespaced(Config) (collect.Collector, error) {
	return nil, noWindows("network namespaces (--netns, --all-netns)")
}

func osOwners(Config) (collect.OwnerScanner, error) { return nil, nil }

func osRoutes(ctx context.Context, cfg Config) (collect.RouteTable, error) {
	if cfg.NetNS != "" {
		return collect.RouteTable{}, noWindows("network namespaces (--netns)")
	}
	return iphlpapi.Routes(ctx)
}

func osInterfaces(ctx context.Context, cfg Config) ([]collect.InterfaceCounters, error) {
	if cfg.NetNS != "" {
		return nil, noWindows("network namespaces (--netns)")
	}
	return iphlpapi.Interfaces(ctx)
}

func osProtocols(ctx context.Context, cfg Config) (collect.ProtoCounters, error) {
	if cfg.NetNS != "" {
		return collect.ProtoCounters{}, noWindows("network namespaces (--netns)")
	}
	return iphlpapi.Protocols(ctx)
}

func osContainers(Config) func(pid int) (*collect.Container, error) { return nil }

// osNeighbours: the bundle's neighbour cache and policy rules are read on
// Linux only (Windows' GetIpNetTable2 is not wired yet; Windows has no
// policy rules).
func osNeighbours(context.Context, Config) ([]collect.Neighbour, []collect.Rule, error) {
	return nil, nil, noWindows("neighbours and policy rules")
}
