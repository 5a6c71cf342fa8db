// counters_linux.go reads the host-wide counters of -e and -s from
// /proc/net, in our network namespace or, with Config.NetNS, in another
// one from a thread inside it.

package platform

import (
	"path/filepath"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/netcounters"
	"github.com/gonetstat/gonetstat/platform/netns"
)

// Interfaces returns the traffic counters of every interface (-e) of the
// namespace cfg.NetNS names ("" ours); cfg.AllNetNS is not used.
func Interfaces(cfg Config) ([]collect.InterfaceCounters, error) {
	var ifs []collect.InterfaceCounters
	err := inNamespace(cfg, func(proc string) (err error) {
		ifs, err = netcounters.ReadInterfaces(proc)
		return err
	})
	return ifs, err
}

// Protocols returns the per-protocol counters (-s) of the namespace
// cfg.NetNS names ("" ours).
func Protocols(cfg Config) (collect.ProtoCounters, error) {
	var c collect.ProtoCounters
	err := inNamespace(cfg, func(proc string) (err error) {
		c, err = netcounters.ReadProtocols(proc)
		return err
	})
	return c, err
}

// inNamespace calls f with the /proc directory whose net/ is the
// namespace's: /proc/self for ours, /proc/thread-self on a locked thread
// inside another (netns.Do restores the thread afterwards).
func inNamespace(cfg Config, f func(proc string) error) error {
	cfg = cfg.withDefaults()
	if cfg.NetNS == "" {
		return f(filepath.Join(cfg.ProcRoot, "self"))
	}
	spec, err := netns.ParseSpec(cfg.NetNS)
	if err != nil {
		return err
	}
	roots := netns.Roots{Proc: cfg.ProcRoot}
	ns, err := netns.Open(roots, spec)
	if err != nil {
		return err
	}
	return netns.Do(roots, ns, func() error { return f(netns.ThreadProc(roots)) })
}
