//go:build darwin

// darwin.go reads macOS's socket table through gopsutil, which runs lsof.

package gops

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	gnet "github.com/shirou/gopsutil/v4/net"

	"github.com/gonetstat/gonetstat/collect"
)

// Darwin's numbers are the kernel's: a mismatch makes one of these array
// lengths negative and fails the build.
var (
	_ [syscall.AF_INET6 - darwinAFInet6]struct{}
	_ [darwinAFInet6 - syscall.AF_INET6]struct{}
	_ [syscall.AF_INET - darwinAFInet]struct{}
	_ [darwinAFInet - syscall.AF_INET]struct{}
	_ [syscall.SOCK_STREAM - darwinSockStream]struct{}
	_ [darwinSockStream - syscall.SOCK_STREAM]struct{}
	_ [syscall.SOCK_DGRAM - darwinSockDgram]struct{}
	_ [darwinSockDgram - syscall.SOCK_DGRAM]struct{}
)

// ErrNotRoot says why a table read without root is incomplete.
var ErrNotRoot = errors.New("lsof lists only your own processes' sockets when not run as root: run gonetstat as root (sudo) to see every user's")

// Collector is macOS's socket table: gopsutil's net.ConnectionsWithContext,
// which runs `lsof -a -n -P -i tcp -i udp`.
type Collector struct{}

var _ collect.Collector = (*Collector)(nil)

// NewCollector checks that lsof can be run: gopsutil runs it by name,
// from PATH.
func NewCollector() (*Collector, error) {
	if _, err := exec.LookPath("lsof"); err != nil {
		return nil, fmt.Errorf("macOS's socket table is read with lsof, which was not found (%w): macOS ships it as /usr/sbin/lsof; put /usr/sbin on PATH, or reinstall it (Homebrew: brew install lsof)", err)
	}
	return &Collector{}, nil
}

// Collect runs lsof once and folds its rows (one per process and
// descriptor) into sockets. gopsutil drops lsof's failures when it printed
// something (internal/common/common_unix.go, CallLsofWithContext), even a
// run the context killed halfway: ctx is checked here.
func (c *Collector) Collect(ctx context.Context, q collect.Query) ([]collect.Socket, error) {
	conns, err := gnet.ConnectionsWithContext(ctx, "inet")
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("running lsof: %w", err)
	}
	rows, problems := FromConnections(conns, Darwin, zoneName)
	if os.Geteuid() != 0 {
		problems = append(problems, ErrNotRoot)
	}
	var name Namer
	if q.Owners {
		name = Names(ctx)
	}
	return Assemble(rows, q.Owners, name), collect.Partial(problems...)
}
