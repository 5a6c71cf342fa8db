// platform.go is the OS seam: the portable entry points, each calling the
// one unexported implementation (os…) that platform_<goos>.go provides.

package platform

import (
	"context"
	"errors"
	"fmt"

	"github.com/gonetstat/gonetstat/collect"
)

// Sources accepted by Config.Source.
const (
	SourceAuto    = "auto"    // sock_diag, falling back to /proc/net with a notice
	SourceNetlink = "netlink" // sock_diag only; its failure is an error
	SourceProc    = "proc"    // /proc/net/{tcp,tcp6,udp,udp6} only
)

// Config chooses and configures collectors.
type Config struct {
	// Source picks Linux's socket table source (SourceAuto when ""); other
	// systems have one source and accept only SourceAuto.
	Source   string
	ProcRoot string       // "/proc" when ""; Linux only
	Warn     func(string) // one-line notices (such as a fallback); nil discards them

	// NetNS collects the one network namespace it names (a --netns value:
	// NAME, PATH or PID, see netns.ParseSpec); AllNetNS collects every
	// one. Neither: the namespace this process runs in.
	NetNS    string
	AllNetNS bool
}

func (c Config) withDefaults() Config {
	if c.Source == "" {
		c.Source = SourceAuto
	}
	if c.ProcRoot == "" {
		c.ProcRoot = "/proc"
	}
	if c.Warn == nil {
		c.Warn = func(string) {}
	}
	return c
}

// Sockets returns the collector of the live socket table. Where the
// system's table names each socket's owner (Windows, macOS, FreeBSD), the
// collector sets Socket.Owner when its Query asks for owners; on Linux the
// OwnerScanner of Owners finds them.
func Sockets(cfg Config) (collect.Collector, error) {
	cfg = cfg.withDefaults()
	switch cfg.Source {
	case SourceAuto, SourceNetlink, SourceProc:
	default:
		return nil, fmt.Errorf("unknown source %q (want %s, %s or %s)", cfg.Source, SourceAuto, SourceNetlink, SourceProc)
	}
	if cfg.NetNS != "" || cfg.AllNetNS {
		if cfg.NetNS != "" && cfg.AllNetNS {
			return nil, errors.New("--netns and --all-netns cannot be used together")
		}
		return osNamespaced(cfg)
	}
	return osSockets(cfg)
}

// Owners returns the scanner that maps socket inodes to processes, or
// nil and no error where the socket table names its owners itself (see
// Sockets): there is nothing to scan.
func Owners(cfg Config) (collect.OwnerScanner, error) {
	return osOwners(cfg.withDefaults())
}

// ErrRoutesAllNetNS is Routes' answer to Config.AllNetNS: route print
// shows one table, and a namespace's routes mean nothing beside another's.
var ErrRoutesAllNetNS = errors.New("the routing table (-r) is read from one network namespace at a time: --all-netns cannot be used with it; name one with --netns NAME|PATH|PID")

// Routes reads the interfaces and routes (-r) of this process's network
// namespace, or of the one Config.NetNS names. Routes of every table are
// returned (Route.Table says which). A table read with problems comes
// with a *collect.PartialError; ctx ending stops the read with its error.
func Routes(ctx context.Context, cfg Config) (collect.RouteTable, error) {
	cfg = cfg.withDefaults()
	if cfg.AllNetNS {
		return collect.RouteTable{}, ErrRoutesAllNetNS
	}
	if err := ctx.Err(); err != nil {
		return collect.RouteTable{}, err
	}
	return osRoutes(ctx, cfg)
}

// Interfaces returns the traffic counters of every interface (-e) of the
// namespace cfg.NetNS names ("" ours); cfg.AllNetNS is not used.
func Interfaces(ctx context.Context, cfg Config) ([]collect.InterfaceCounters, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return osInterfaces(ctx, cfg.withDefaults())
}

// Protocols returns the per-protocol counters (-s) of the namespace
// cfg.NetNS names ("" ours).
func Protocols(ctx context.Context, cfg Config) (collect.ProtoCounters, error) {
	if err := ctx.Err(); err != nil {
		return collect.ProtoCounters{}, err
	}
	return osProtocols(ctx, cfg.withDefaults())
}

// Neighbours reads the neighbour cache (ARP and NDP entries) and the
// policy-routing rules of the namespace cfg.NetNS names ("" ours), for a
// bundle's reports. A read with problems comes with a
// *collect.PartialError; ctx ending stops it with ctx's error.
func Neighbours(ctx context.Context, cfg Config) ([]collect.Neighbour, []collect.Rule, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return osNeighbours(ctx, cfg.withDefaults())
}

// Containers returns the lookup of the container a process runs in, or nil
// where containers are not looked for. A lookup keeps the names it read
// for as long as it lives: make one per snapshot, so that a renamed
// container shows its new name.
func Containers(cfg Config) func(pid int) (*collect.Container, error) {
	return osContainers(cfg.withDefaults())
}
