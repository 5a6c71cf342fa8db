//go:build !linux && !windows && !darwin && !freebsd

// platform_other.go is the one stub of the OS seam: on a system without
// its own platform_<goos>.go every report is refused with
// collect.ErrUnsupported, never printed empty.

package platform

import (
	"context"
	"fmt"
	"runtime"

	"github.com/gonetstat/gonetstat/collect"
)

func unsupported(what string) error {
	return fmt.Errorf("%s on %s: %w", what, runtime.GOOS, collect.ErrUnsupported)
}

func osSockets(Config) (collect.Collector, error) { return nil, unsupported("socket table") }

func osNamespaced(Config) (collect.Collector, error) {
	return nil, unsupported("network namespaces")
}

func osOwners(Config) (collect.OwnerScanner, error) { return nil, unsupported("process owners") }

func osRoutes(context.Context, Config) (collect.RouteTable, error) {
	return collect.RouteTable{}, unsupported("routing table")
}

func osInterfaces(context.Context, Config) ([]collect.InterfaceCounters, error) {
	return nil, unsupported("interface statistics")
}

func osProtocols(context.Context, Config) (collect.ProtoCounters, error) {
	return collect.ProtoCounters{}, unsupported("protocol statistics")
}

func osNeighbours(context.Context, Config) ([]collect.Neighbour, []collect.Rule, error) {
	return nil, nil, unsupported("neighbours and rules")
}

func osContainers(Config) func(pid int) (*collect.Container, error) { return nil }
