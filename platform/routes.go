// routes.go holds Routes, the portable entry point of the routing table
// (gonetstat -r).

package platform

import (
	"errors"

	"github.com/gonetstat/gonetstat/collect"
)

// ErrRoutesAllNetNS is Routes' answer to Config.AllNetNS: route print
// shows one table, and a namespace's routes mean nothing beside another's.
var ErrRoutesAllNetNS = errors.New("the routing table (-r) is read from one network namespace at a time: --all-netns cannot be used with it; name one with --netns NAME|PATH|PID")

// Routes reads the interfaces and routes of this process's network
// namespace, or of the one Config.NetNS names. Routes of every table are
// returned (RouteTable's Route.Table says which); Config.Source and
// ProcRoot's /proc/net files play no part: the table comes from
// rtnetlink (see platform/rtnl for why). A table read with problems (a
// message that could not be decoded, a dump the kernel kept marking
// interrupted) comes with a *collect.PartialError.
func Routes(cfg Config) (collect.RouteTable, error) {
	cfg = cfg.withDefaults()
	if cfg.AllNetNS {
		return collect.RouteTable{}, ErrRoutesAllNetNS
	}
	return readRoutes(cfg)
}
