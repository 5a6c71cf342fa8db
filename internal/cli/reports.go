// reports.go prints the host-wide reports that replace the socket table:
// the routing table (-r), interface statistics (-e) and per-protocol
// statistics (-s), as text or as one gonetstat.reports/v1 JSON document
// (--json, --ndjson). Each is one entry of reports.

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/gonetstat/gonetstat/codec"
	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/render"
)

// report is one report, in the order printed: the routing table first,
// then the counters (Windows prints -e before -s). A new report is a flag, an Options field and one entry here: the
// grammar's checks (Options.checkReports) and the run loop follow.
type report struct {
	flag  string
	want  func(Options) bool
	print func(context.Context, Options, Env) error // reads and writes; an error names what failed
	// fill reads the report into a JSON document (--json, --ndjson); an
	// error names what failed, and what was read is still filled in.
	fill func(context.Context, Options, Env, *codec.Reports) error
	// gap: a blank line goes before this report when another precedes
	// it. -s starts with one of its own, as Windows' does.
	gap bool
}

var reports = []report{
	{"-r", func(o Options) bool { return o.Routes }, printRoutes, fillRoutes, false},
	{"-e", func(o Options) bool { return o.Interfaces }, printInterfaces, fillInterfaces, true},
	{"-s", func(o Options) bool { return o.Statistics }, printStatistics, fillStatistics, false},
}

// printReports prints every report asked for and returns the exit code:
// a report that fails is said on stderr and the others are still printed.
// When ctx ends (Ctrl-C) it stops where it is, says nothing of the report
// it was reading, and returns interrupted.
func printReports(ctx context.Context, opt Options, env Env) (code int, interrupted bool) {
	if opt.JSON || opt.NDJSON {
		return printReportsJSON(ctx, opt, env)
	}
	code = exitOK
	first := true
	for _, r := range reports {
		if !r.want(opt) {
			continue
		}
		if r.gap && !first {
			io.WriteString(env.Stdout, "\n")
		}
		first = false
		if err := r.print(ctx, opt, env); err != nil {
			if ctx.Err() != nil {
				return code, true
			}
			sayf(env.Stderr, "gonetstat: %s", reportError(r, err))
			code = exitFailure
		}
	}
	for _, w := range incomplete(env) {
		sayf(env.Stderr, "gonetstat: warning: %s", w)
		code = exitFailure
	}
	return code, false
}

// incomplete is what env's source says is missing as a whole.
func incomplete(env Env) []string {
	if env.Incomplete == nil {
		return nil
	}
	return env.Incomplete()
}

// reportError is what is said of a report that failed or is incomplete.
func reportError(r report, err error) string {
	if errors.Is(err, collect.ErrUnsupported) {
		return fmt.Sprintf("%s is not available on %s", r.flag, runtime.GOOS)
	}
	return fmt.Sprintf("%s: %v", r.flag, err)
}

// printReportsJSON writes every report asked for as one
// gonetstat.reports/v1 document (docs/reports-json.md). A report that
// failed is left out and one that is incomplete kept: both are in the
// document's warnings and on stderr, and make the exit 1, as in text.
func printReportsJSON(ctx context.Context, opt Options, env Env) (code int, interrupted bool) {
	host, _ := env.Hostname()
	doc := codec.Reports{Host: host, Time: env.Now().UTC(), Sections: opt.Sections}
	for _, r := range reports {
		if !r.want(opt) {
			continue
		}
		if err := r.fill(ctx, opt, env, &doc); err != nil {
			if ctx.Err() != nil {
				return exitOK, true // a document cut short is not written
			}
			doc.Warnings = append(doc.Warnings, reportError(r, err))
		}
	}
	doc.Warnings = append(doc.Warnings, incomplete(env)...)
	var err error
	if opt.JSON {
		err = codec.ReportsJSON(env.Stdout, doc)
	} else {
		err = codec.ReportsNDJSON(env.Stdout, doc)
	}
	if err != nil {
		sayf(env.Stderr, "gonetstat: writing the reports: %v", err)
		return exitFailure, false
	}
	for _, w := range doc.Warnings {
		sayf(env.Stderr, "gonetstat: warning: %s", w)
	}
	if len(doc.Warnings) > 0 {
		return exitFailure, false
	}
	return exitOK, false
}

// printRoutes prints the table even when part of it could not be read
// (a *collect.PartialError), then reports what is missing.
func printRoutes(ctx context.Context, opt Options, env Env) error {
	t, ok, err := readRoutes(ctx, opt, env)
	if !ok {
		return err
	}
	if werr := render.Routes(env.Stdout, t); werr != nil {
		return werr
	}
	return err
}

func fillRoutes(ctx context.Context, opt Options, env Env, doc *codec.Reports) error {
	t, ok, err := readRoutes(ctx, opt, env)
	if ok {
		doc.Routes = &t
	}
	return err
}

// readRoutes reads the routing table; ok when there is a table to show,
// which err (an "incomplete routing table") may say is partial.
func readRoutes(ctx context.Context, opt Options, env Env) (t collect.RouteTable, ok bool, err error) {
	if env.Routes == nil {
		return t, false, collect.ErrUnsupported
	}
	t, err = env.Routes(ctx, opt.NetNS)
	return t, err == nil || collect.IsPartial(err), err
}

func printInterfaces(ctx context.Context, opt Options, env Env) error {
	ifs, err := readInterfaces(ctx, opt, env)
	if err != nil {
		return err
	}
	return render.InterfaceStats(env.Stdout, ifs)
}

func fillInterfaces(ctx context.Context, opt Options, env Env, doc *codec.Reports) error {
	ifs, err := readInterfaces(ctx, opt, env)
	if err != nil {
		return err
	}
	doc.Interfaces, doc.HasInterfaces = ifs, true
	return nil
}

func readInterfaces(ctx context.Context, opt Options, env Env) ([]collect.InterfaceCounters, error) {
	if env.Interfaces == nil {
		return nil, collect.ErrUnsupported
	}
	return env.Interfaces(ctx, opt.NetNS)
}

func printStatistics(ctx context.Context, opt Options, env Env) error {
	c, err := readProtocols(ctx, opt, env)
	if err != nil {
		return err
	}
	return render.ProtocolStats(env.Stdout, c, opt.Sections)
}

func fillStatistics(ctx context.Context, opt Options, env Env, doc *codec.Reports) error {
	c, err := readProtocols(ctx, opt, env)
	if err != nil {
		return err
	}
	doc.Protocols = &c
	return nil
}

func readProtocols(ctx context.Context, opt Options, env Env) (collect.ProtoCounters, error) {
	if env.Protocols == nil {
		return collect.ProtoCounters{}, collect.ErrUnsupported
	}
	return env.Protocols(ctx, opt.NetNS)
}
