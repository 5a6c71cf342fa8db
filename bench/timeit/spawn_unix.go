//go:build unix

// spawn_unix.go runs one tool and measures it from a small process.
//
// A child's peak RSS (ru_maxrss) is never below that of the memory image it
// was exec'd from: exec keeps the old image's high-water mark. Go starts
// children by vfork from its own image, so a tool started by timeit would
// inherit timeit's peak. timeit therefore re-executes itself as "spawn",
// which touches almost nothing (about 2 MiB, the floor of every RSS
// figure), starts the tool from there, and reports the tool's wall time,
// CPU time and peak RSS on descriptor 3.

package main

import (
	"os"
	"strconv"
	"syscall"
	"time"
)

// spawnMain is "timeit spawn PATH ARGS...": stdout goes to the tool; the
// report "exit wall_ns cpu_ns maxrss_kib" to descriptor 3.
func spawnMain(args []string) {
	if len(args) < 1 {
		os.Exit(2)
	}
	start := time.Now()
	pid, err := syscall.ForkExec(args[0], args, &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}})
	if err != nil {
		os.Stderr.WriteString("timeit spawn: " + args[0] + ": " + err.Error() + "\n")
		os.Exit(127)
	}
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	for {
		_, err = syscall.Wait4(pid, &ws, 0, &ru)
		if err != syscall.EINTR {
			break
		}
	}
	wall := time.Since(start)
	if err != nil {
		os.Exit(126)
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	b := strconv.AppendInt(nil, int64(ws.ExitStatus()), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(wall), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(cpu), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(ru.Maxrss), 10) // KiB on Linux and the BSDs
	b = append(b, '\n')
	report := os.NewFile(3, "report")
	if _, err := report.Write(b); err != nil {
		os.Exit(125)
	}
	os.Exit(0)
}
