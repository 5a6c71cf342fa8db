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

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/render"
)

// report is one report, in the order printed: the routing table first,
// then the counters (Windows prints -e before -s). A new report is a flag, an Options field and one entry here: the
// grammar's checks (Options.checkReports) and the run loop follow.
type report struct {
	flag string
	want func(Options) bool
	// fill reads the report into a document; an error names what failed,
	// and what was read is still filled in (an incomplete routing table).
	fill func(context.Context, Options, Env, *render.Reports) error
	// write prints the report's text from the document; nothing when
	// fill could not read it.
	write func(io.Writer, *render.Reports, Options) error
	// gap: a blank line goes before this report when another precedes
	// it. -s starts with one of its own, as Windows' does.
	gap bool
}

var reports = []report{
	{"-r", func(o Options) bool { return o.Routes }, fillRoutes, writeRoutes, false},
	{"-e", func(o Options) bool { return o.Interfaces }, fillInterfaces, writeInterfaces, true},
	{"-s", func(o Options) bool { return o.Statistics }, fillStatistics, writeStatistics, false},
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
		var doc render.Reports
		err := r.fill(ctx, opt, env, &doc)
		if ctx.Err() == nil {
			if werr := r.write(env.Stdout, &doc, opt); werr != nil && err == nil {
				err = werr
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return code, true
			}
			sayf(env.Stderr, "gonetstat: %s", reportError(r, err))
			code = exitFailure
		}
	}
	return code, false
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
	doc, interrupted := fillReports(ctx, opt, env)
	if interrupted {
		return exitOK, true // a document cut short is not written
	}
	var err error
	if opt.JSON {
		err = render.ReportsJSON(env.Stdout, doc)
	} else {
		err = render.ReportsNDJSON(env.Stdout, doc)
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

// fillReports reads every report asked for into one document; a report
// that failed or is incomplete is in its warnings. interrupted: ctx ended
// first, and the document is not whole.
func fillReports(ctx context.Context, opt Options, env Env) (doc render.Reports, interrupted bool) {
	host, _ := env.Hostname()
	doc = render.Reports{Host: host, Time: env.Now().UTC(), Sections: opt.Sections}
	for _, r := range reports {
		if !r.want(opt) {
			continue
		}
		if err := r.fill(ctx, opt, env, &doc); err != nil {
			if ctx.Err() != nil {
				return doc, true
			}
			doc.Warnings = append(doc.Warnings, reportError(r, err))
		}
	}
	return doc, false
}

// writeReportsText prints a document's reports as text, in the order and
// with the blank lines printReports gives them.
func writeReportsText(w io.Writer, doc *render.Reports, opt Options) error {
	first := true
	for _, r := range reports {
		if !r.want(opt) {
			continue
		}
		if r.gap && !first {
			io.WriteString(w, "\n")
		}
		first = false
		if err := r.write(w, doc, opt); err != nil {
			return err
		}
	}
	return nil
}

// writeRoutes prints the table even when part of it could not be read
// (a *collect.PartialError): fill returned that error, said after it.
func writeRoutes(w io.Writer, doc *render.Reports, _ Options) error {
	if doc.Routes == nil {
		return nil
	}
	return render.Routes(w, *doc.Routes)
}

func fillRoutes(ctx context.Context, opt Options, env Env, doc *render.Reports) error {
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

func writeInterfaces(w io.Writer, doc *render.Reports, _ Options) error {
	if !doc.HasInterfaces {
		return nil
	}
	return render.InterfaceStats(w, doc.Interfaces)
}

func fillInterfaces(ctx context.Context, opt Options, env Env, doc *render.Reports) error {
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

func writeStatistics(w io.Writer, doc *render.Reports, opt Options) error {
	if doc.Protocols == nil {
		return nil
	}
	return render.ProtocolStats(w, *doc.Protocols, opt.Sections)
}

func fillStatistics(ctx context.Context, opt Options, env Env, doc *render.Reports) error {
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
