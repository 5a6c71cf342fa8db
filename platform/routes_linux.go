// routes_linux.go reads the routing table over rtnetlink, inside the
// --netns namespace when one is named.

package platform

import (
	"fmt"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/netns"
	"github.com/gonetstat/gonetstat/platform/rtnl"
)

func readRoutes(cfg Config) (collect.RouteTable, error) {
	if cfg.NetNS == "" {
		return rtnl.Dump()
	}
	roots := netns.Roots{Proc: cfg.ProcRoot}
	spec, err := netns.ParseSpec(cfg.NetNS)
	if err != nil {
		return collect.RouteTable{}, err
	}
	ns, err := netns.Open(roots, spec)
	if err != nil {
		return collect.RouteTable{}, err
	}
	// The NETLINK_ROUTE socket is opened inside Do, on the thread that
	// entered ns: it belongs to that namespace for its whole life.
	var t collect.RouteTable
	var dumpErr error
	if err := netns.Do(roots, ns, func() error {
		t, dumpErr = rtnl.Dump()
		return nil
	}); err != nil {
		return collect.RouteTable{}, err // names the namespace
	}
	if dumpErr != nil {
		dumpErr = fmt.Errorf("routing table of network namespace %s: %w", ns.Label(), dumpErr)
	}
	return t, dumpErr
}
