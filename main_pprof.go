//go:build pprof

// main_pprof.go profiles the real binary when built with -tags pprof:
// GONETSTAT_CPUPROFILE=FILE writes a CPU profile, GONETSTAT_MEMPROFILE=FILE
// a heap profile (every allocation sampled) at exit. docs/performance.md
// shows the use; release builds carry none of it.

package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/gonetstat/gonetstat/internal/safetext"
)

func init() {
	profile = func() func() {
		cpu, mem := os.Getenv("GONETSTAT_CPUPROFILE"), os.Getenv("GONETSTAT_MEMPROFILE")
		if mem != "" {
			runtime.MemProfileRate = 1
		}
		var f *os.File
		if cpu != "" {
			var err error
			if f, err = os.Create(cpu); err != nil {
				fmt.Fprintf(os.Stderr, "gonetstat: cpu profile: %s\n", safetext.Text(err.Error()))
				os.Exit(1)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				fmt.Fprintf(os.Stderr, "gonetstat: cpu profile: %s\n", safetext.Text(err.Error()))
				os.Exit(1)
			}
		}
		return func() {
			if f != nil {
				pprof.StopCPUProfile()
				f.Close()
			}
			if mem != "" {
				runtime.GC() // the profile shows allocations up to the last GC
				m, err := os.Create(mem)
				if err == nil {
					err = pprof.Lookup("allocs").WriteTo(m, 0)
					m.Close()
				}
				if err != nil {
					fmt.Fprintf(os.Stderr, "gonetstat: memory profile: %s\n", safetext.Text(err.Error()))
				}
			}
		}
	}
}
