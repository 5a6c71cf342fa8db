//go:build !linux

// counters_other.go: the counters of -e and -s are read only on Linux so
// far; elsewhere they are refused, not printed empty.

package platform

import (
	"fmt"
	"runtime"

	"github.com/gonetstat/gonetstat/collect"
)

// Interfaces is not written for this OS yet.
func Interfaces(Config) ([]collect.InterfaceCounters, error) {
	return nil, fmt.Errorf("interface statistics on %s: %w", runtime.GOOS, collect.ErrUnsupported)
}

// Protocols is not written for this OS yet.
func Protocols(Config) (collect.ProtoCounters, error) {
	return collect.ProtoCounters{}, fmt.Errorf("protocol statistics on %s: %w", runtime.GOOS, collect.ErrUnsupported)
}
