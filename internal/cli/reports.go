// reports.go prints the host-wide reports that replace the socket table:
// the routing table (-r), interface statistics (-e) and per-protocol
// statistics (-s). Each is one entry of reports.

package cli

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/render"
)

// report is one report, in the order printed: the routing table first,
// then the counters (Windows prints -e before -s). A new report is a flag, an Options field and one entry here: the
// grammar's checks (Options.checkReports) and the run loop follow.
type report struct {
	flag  string
	want  func(Options) bool
	print func(Options, Env) error // reads and writes; an error names what failed
	// gap: a blank line goes before this report when another precedes
	// it. -s starts with one of its own, as Windows' does.
	gap bool
}

var reports = []report{
	{"-r", func(o Options) bool { return o.Routes }, printRoutes, false},
	{"-e", func(o Options) bool { return o.Interfaces }, printInterfaces, true},
	{"-s", func(o Options) bool { return o.Statistics }, printStatistics, false},
}

// printReports prints every report asked for and returns the exit code:
// a report that fails is said on stderr and the others are still printed.
func printReports(opt Options, env Env) int {
	code := exitOK
	first := true
	for _, r := range reports {
		if !r.want(opt) {
			continue
		}
		if r.gap && !first {
			io.WriteString(env.Stdout, "\n")
		}
		first = false
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

// printRoutes prints the table even when part of it could not be read
// (a *collect.PartialError), then reports what is missing.
func printRoutes(opt Options, env Env) error {
	if env.Routes == nil {
		return collect.ErrUnsupported
	}
	t, err := env.Routes(opt.NetNS)
	if err != nil && !collect.IsPartial(err) {
		return err
	}
	if werr := render.Routes(env.Stdout, t); werr != nil {
		return werr
	}
	var pe *collect.PartialError
	if errors.As(err, &pe) {
		// PartialError speaks of the socket table; say which table.
		msgs := make([]string, len(pe.Problems))
		for i, p := range pe.Problems {
			msgs[i] = p.Error()
		}
		return errors.New("incomplete routing table: " + strings.Join(msgs, "; "))
	}
	return err
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
