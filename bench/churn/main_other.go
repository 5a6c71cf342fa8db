//go:build !linux

// main_other.go: the churn generator needs Linux (IP_BIND_ADDRESS_NO_PORT,
// PR_SET_PDEATHSIG, /proc); elsewhere it says so and exits 1.

package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Fprintf(os.Stderr, "churn: the churn generator runs on Linux only, not %s\n", runtime.GOOS)
	os.Exit(1)
}
