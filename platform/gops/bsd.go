//go:build darwin || freebsd

// bsd.go holds what macOS and FreeBSD read alike through gopsutil: process
// names, interface counters, and the interface names of IPv6 zones.

package gops

import (
	"context"
	"fmt"
	"net"
	"runtime"

	gnet "github.com/shirou/gopsutil/v4/net"
	"github.com/shirou/gopsutil/v4/process"

	"github.com/gonetstat/gonetstat/collect"
)

// Names returns the Namer of one snapshot: gopsutil's process name (the
// kernel's command name, or the base name of argv[0] when that is cut at
// 15 characters). A process that exited, or whose arguments may not be
// read, has no name (""). Assemble calls it once per process.
func Names(ctx context.Context) Namer {
	return func(pid int) string {
		p, err := process.NewProcessWithContext(ctx, int32(pid))
		if err != nil {
			return ""
		}
		name, err := p.NameWithContext(ctx)
		if err != nil {
			return ""
		}
		return name
	}
}

// Interfaces returns every interface's counters (-e), from gopsutil's
// net.IOCountersWithContext (`netstat -ibdnW`), loopback marked from the
// system's interface flags.
func Interfaces(ctx context.Context) ([]collect.InterfaceCounters, error) {
	stats, err := gnet.IOCountersWithContext(ctx, true)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("reading interface counters (netstat -ibdnW): %w", err)
	}
	loop := map[string]bool{}
	if ifs, err := net.Interfaces(); err == nil {
		for _, i := range ifs {
			loop[i.Name] = i.Flags&net.FlagLoopback != 0
		}
	}
	return FromIOCounters(stats, func(name string) bool { return loop[name] }, runtime.GOOS == "freebsd"), nil
}

// zoneName names the interface of an index, "" when there is none.
func zoneName(index int) string {
	i, err := net.InterfaceByIndex(index)
	if err != nil {
		return ""
	}
	return i.Name
}
