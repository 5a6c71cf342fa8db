//go:build !linux

// routes_other.go: the routing table is read on Linux only so far.

package platform

import (
	"fmt"
	"runtime"

	"github.com/gonetstat/gonetstat/collect"
)

func readRoutes(Config) (collect.RouteTable, error) {
	return collect.RouteTable{}, fmt.Errorf("routing table not available on %s: %w", runtime.GOOS, collect.ErrUnsupported)
}
