//go:build !linux

// demo_netns_other.go: the demo's network namespace exists only on Linux.

package stackcmd

import (
	"fmt"
	"net/netip"
	"runtime"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/link"
)

var errNoNetns = fmt.Errorf("network namespaces on %s: %w", runtime.GOOS, collect.ErrUnsupported)

func createNetns(string) error { return errNoNetns }

func deleteNetns(string) error { return nil }

func openTAPIn(string, link.TAPConfig, netip.Prefix) (*link.TAP, error) { return nil, errNoNetns }
