// main.go holds the two subcommands' flag handling.

package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: timeit run|report [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "spawn":
		spawnMain(os.Args[2:])
	case "run":
		err = runCmd(os.Args[2:])
	case "report":
		err = reportCmd(os.Args[2:], os.Stdout)
	case "section":
		err = sectionCmd(os.Args[2:], os.Stdin)
	default:
		fmt.Fprintf(os.Stderr, "timeit: unknown subcommand %q (want run, report or section)\n", os.Args[1])
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "timeit: %v\n", err)
		os.Exit(1)
	}
}
