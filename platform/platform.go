// platform.go holds the portable entry points and their configuration.

package platform

import (
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
	Source   string       // SourceAuto when ""
	ProcRoot string       // "/proc" when ""
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

// Sockets returns the collector of the live socket table.
func Sockets(cfg Config) (collect.Collector, error) {
	cfg = cfg.withDefaults()
	switch cfg.Source {
	case SourceAuto, SourceNetlink, SourceProc:
	default:
		return nil, fmt.Errorf("unknown source %q (want %s, %s or %s)", cfg.Source, SourceAuto, SourceNetlink, SourceProc)
	}
	if cfg.NetNS != "" || cfg.AllNetNS {
		return newNamespaced(cfg)
	}
	c, err := newSockets(cfg)
	if err != nil {
		return nil, err
	}
	return labelOwn(c), nil
}

// Owners returns the scanner that maps socket inodes to processes.
func Owners(cfg Config) (collect.OwnerScanner, error) {
	return newOwners(cfg.withDefaults())
}
