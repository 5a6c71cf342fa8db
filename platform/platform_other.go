//go:build !linux

// platform_other.go is the fallback for systems whose collectors are not
// written yet: it says so instead of printing an empty table.

package platform

import (
	"fmt"
	"runtime"

	"github.com/gonetstat/gonetstat/collect"
)

func newSockets(Config) (collect.Collector, error) {
	return nil, fmt.Errorf("socket table on %s: %w", runtime.GOOS, collect.ErrUnsupported)
}

func newOwners(Config) (collect.OwnerScanner, error) {
	return nil, fmt.Errorf("process owners on %s: %w", runtime.GOOS, collect.ErrUnsupported)
}
