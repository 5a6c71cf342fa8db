//go:build !unix

// rusage_other.go: without wait4's rusage there is no peak RSS to report.

package main

import (
	"os"
	"time"
)

func usage(ps *os.ProcessState) (cpu time.Duration, rssMiB float64) {
	return ps.UserTime() + ps.SystemTime(), 0
}
