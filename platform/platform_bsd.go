//go:build darwin || freebsd

// platform_bsd.go is what macOS's and FreeBSD's side of the OS seam share
// (platform/gops reads both): owners come in the socket rows, counters
// of -e from gopsutil; -r, -s, network namespaces and containers are not
// there (docs/platforms.md says why).

package platform

import (
	"context"
	"fmt"
	"runtime"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/gops"
)

// onlyAuto refuses a --source: it picks between Linux's two tables.
func onlyAuto(cfg Config) error {
	if cfg.Source != SourceAuto {
		return fmt.Errorf("--source=%s: %s has one socket table; --source chooses between Linux's", cfg.Source, runtime.GOOS)
	}
	return nil
}

func osNamespaced(Config) (collect.Collector, error) {
	return nil, fmt.Errorf("network namespaces (--netns, --all-netns) are Linux's; %s has none: %w", runtime.GOOS, collect.ErrUnsupported)
}

// osOwners: the rows name their processes (Query.Owners); nothing to scan.
func osOwners(Config) (collect.OwnerScanner, error) { return nil, nil }

func osRoutes(context.Context, Config) (collect.RouteTable, error) {
	return collect.RouteTable{}, fmt.Errorf("routing table on %s: gopsutil, which gonetstat reads it through, has no routing table: %w", runtime.GOOS, collect.ErrUnsupported)
}

func osInterfaces(ctx context.Context, cfg Config) ([]collect.InterfaceCounters, error) {
	if cfg.NetNS != "" {
		return nil, fmt.Errorf("--netns on %s: %w", runtime.GOOS, collect.ErrUnsupported)
	}
	return gops.Interfaces(ctx)
}

func osProtocols(context.Context, Config) (collect.ProtoCounters, error) {
	return collect.ProtoCounters{}, fmt.Errorf("protocol statistics on %s: gopsutil v4's net.ProtoCounters reads Linux's /proc/net/snmp and is not implemented here: %w", runtime.GOOS, collect.ErrUnsupported)
}

// osContainers: no cgroups, no containers to name.
func osContainers(Config) func(pid int) (*collect.Container, error) { return nil }

// osNeighbours: gopsutil reads no ARP/NDP cache nor policy rules.
func osNeighbours(context.Context, Config) ([]collect.Neighbour, []collect.Rule, error) {
	return nil, nil, fmt.Errorf("neighbours and policy rules on %s: gopsutil, which gonetstat reads the system through, has none: %w", runtime.GOOS, collect.ErrUnsupported)
}
