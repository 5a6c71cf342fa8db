//go:build !unix

// spawn_other.go: the spawner needs fork, exec and wait4's rusage.

package main

import "os"

func spawnMain(args []string) {
	os.Stderr.WriteString("timeit spawn: needs a Unix system\n")
	os.Exit(2)
}
