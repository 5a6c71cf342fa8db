//go:build !linux

// netns_other.go: network namespaces and cgroups are Linux's.

package platform

import (
	"fmt"
	"runtime"

	"github.com/gonetstat/gonetstat/collect"
)

func newNamespaced(Config) (collect.Collector, error) {
	return nil, fmt.Errorf("network namespaces on %s: %w", runtime.GOOS, collect.ErrUnsupported)
}

func labelOwn(c collect.Collector) collect.Collector { return c }

// Containers returns nil: there are no cgroups to read here.
func Containers(Config) func(pid int) (*collect.Container, error) { return nil }
