//go:build unix

// rusage_unix.go reads a finished child's CPU time and peak RSS from the
// rusage wait4 returned.

package main

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

func usage(ps *os.ProcessState) (cpu time.Duration, rssMiB float64) {
	cpu = ps.UserTime() + ps.SystemTime()
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return cpu, 0
	}
	// ru_maxrss is KiB on Linux and the BSDs, bytes on macOS.
	if runtime.GOOS == "darwin" {
		return cpu, float64(ru.Maxrss) / (1 << 20)
	}
	return cpu, float64(ru.Maxrss) / 1024
}
