// reports.go prints the host-wide reports that replace the socket table:
// interface statistics (-e) and per-protocol statistics (-s). Each is one
// entry of reports; the routing table (-r) will be one more.

package cli

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/render"
)

// report is one report, in the order printed (Windows prints -e before
// -s). A new report is a flag, an Options field and one entry here: the
// grammar's checks (Options.checkReports) and the run loop follow.
type report struct {
	flag  string
	want  func(Options) bool
	print func(Options, Env) error // reads and writes; an error names what failed
}

var reports = []report{
	{"-e", func(o Options) bool { return o.Interfaces }, printInterfaces},
	{"-s", func(o Options) bool { return o.Statistics }, printStatistics},
}

// printReports prints every report asked for and returns the exit code:
// a report that fails is said on stderr and the others are still printed.
func printReports(opt Options, env Env) int {
	code := exitOK
	for _, r := range reports {
		if !r.want(opt) {
			continue
		}
		if err := r.print(opt, env); err != nil {
			if errors.Is(err, collect.ErrUnsupported) {
				fmt.Fprintf(env.Stderr, "gonetstat: %s is not available on %s\n", r.flag, runtime.GOOS)
			} else {
				fmt.Fprintf(env.Stderr, "gonetstat: %s: %s\n", r.flag, oneLine(err.Error()))
			}
			code = exitFailure
		}
	}
	return code
}

func printInterfaces(opt Options, env Env) error {
	if env.Interfaces == nil {
		return collect.ErrUnsupported
	}
	ifs, err := env.Interfaces(opt.NetNS)
	if err != nil {
		return err
	}
	return render.InterfaceStats(env.Stdout, ifs)
}

func printStatistics(opt Options, env Env) error {
	if env.Protocols == nil {
		return collect.ErrUnsupported
	}
	c, err := env.Protocols(opt.NetNS)
	if err != nil {
		return err
	}
	return render.ProtocolStats(env.Stdout, c, opt.Sections)
}
