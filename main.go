// Command gonetstat prints the sockets of this host as Windows netstat -ano
// does, on every OS. All of the work is in internal/cli, so it is testable
// in-process; see docs/usage.md.
package main

import (
	"os"

	"github.com/gonetstat/gonetstat/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
