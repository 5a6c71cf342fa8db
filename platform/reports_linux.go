// reports_linux.go reads the host-wide reports (-r, -e, -s) of our network
// namespace or, with Config.NetNS, of another one from a thread inside it:
// routes over rtnetlink, counters from /proc/net.

package platform

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/netcounters"
	"github.com/gonetstat/gonetstat/platform/netns"
	"github.com/gonetstat/gonetstat/platform/rtnl"
)

func readRoutes(ctx context.Context, cfg Config) (collect.RouteTable, error) {
	if cfg.NetNS == "" {
		return rtnl.Dump(ctx)
	}
	// The NETLINK_ROUTE socket is opened inside Do, on the thread that
	// entered the namespace: it belongs to that namespace for its whole
	// life.
	var t collect.RouteTable
	var dumpErr error
	label, err := inNamespace(ctx, cfg, func(string) error {
		t, dumpErr = rtnl.Dump(ctx)
		return nil
	})
	if err != nil {
		return collect.RouteTable{}, err // names the namespace
	}
	if dumpErr != nil && ctx.Err() == nil {
		dumpErr = fmt.Errorf("routing table of network namespace %s: %w", label, dumpErr)
	}
	return t, dumpErr
}

// readNeighbours reads the neighbours and rules as readRoutes reads the
// routes: the netlink socket is opened on the thread inside the namespace.
func readNeighbours(ctx context.Context, cfg Config) ([]collect.Neighbour, []collect.Rule, error) {
	var ns []collect.Neighbour
	var rules []collect.Rule
	var dumpErr error
	label, err := inNamespace(ctx, cfg, func(string) error {
		ns, rules, dumpErr = rtnl.Neighbours(ctx)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if dumpErr != nil && ctx.Err() == nil && label != "" {
		dumpErr = fmt.Errorf("network namespace %s: %w", label, dumpErr)
	}
	return ns, rules, dumpErr
}

func readInterfaces(ctx context.Context, cfg Config) ([]collect.InterfaceCounters, error) {
	var ifs []collect.InterfaceCounters
	_, err := inNamespace(ctx, cfg, func(proc string) (err error) {
		ifs, err = netcounters.ReadInterfaces(proc)
		return err
	})
	return ifs, err
}

func readProtocols(ctx context.Context, cfg Config) (collect.ProtoCounters, error) {
	var c collect.ProtoCounters
	_, err := inNamespace(ctx, cfg, func(proc string) (err error) {
		c, err = netcounters.ReadProtocols(proc)
		return err
	})
	return c, err
}

// inNamespace calls f with the /proc directory whose net/ is the
// namespace's: /proc/self for ours, /proc/thread-self on a locked thread
// inside another (netns.Do restores the thread afterwards). It returns
// the namespace's label for messages ("" for ours). ctx is looked at
// before the namespace is entered; f reads quickly (a few /proc files) or
// watches ctx itself (a netlink dump).
func inNamespace(ctx context.Context, cfg Config, f func(proc string) error) (label string, err error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if cfg.NetNS == "" {
		return "", f(filepath.Join(cfg.ProcRoot, "self"))
	}
	spec, err := netns.ParseSpec(cfg.NetNS)
	if err != nil {
		return "", err
	}
	roots := netns.Roots{Proc: cfg.ProcRoot}
	ns, err := netns.Open(roots, spec)
	if err != nil {
		return "", err
	}
	return ns.Label(), netns.Do(roots, ns, func() error { return f(netns.ThreadProc(roots)) })
}
