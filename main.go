// Command gonetstat prints the sockets of this host as Windows netstat -ano
// does, on every OS. All of the work is in internal/cli, so it is testable
// in-process; see docs/usage.md.
package main

import (
	"os"

	"github.com/gonetstat/gonetstat/internal/cli"
)

// profile starts profiling and returns what stops it; a no-op unless built
// with -tags pprof (main_pprof.go).
var profile = func() (stop func()) { return func() {} }

func main() {
	stop := profile()
	code := cli.Main(os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
