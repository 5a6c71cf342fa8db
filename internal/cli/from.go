// from.go reads a diagnostic bundle instead of this machine (--from
// BUNDLE): the bundle's socket table is the socket collector, its
// namespace's reports are what -r, -e and -s read, and its host and time
// are the snapshot's, so every filter and renderer works unchanged,
// offline, on any OS.

package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gonetstat/gonetstat/bundle"
	"github.com/gonetstat/gonetstat/codec"
	"github.com/gonetstat/gonetstat/collect"
)

// fromSource is what one --from run shows: the snapshots of the socket
// table (one, or with --ndjson the samples, replayed in order), or one
// namespace's reports.
type fromSource struct {
	archive *bundle.Archive
	ns      bundle.NetNS
	allNS   bool

	snaps []codec.Envelope // the socket table's snapshots
	cur   int              // the one shown now
	// incomplete is what the manifest says of the collector that wrote
	// what is shown, when it did not end ok: a warning under it.
	incomplete []string

	reports     codec.Reports
	reportsPath string
}

// openFrom opens the bundle of opt.From and reads, in one pass, what opt
// shows: the namespace's reports (-r, -e, -s), the samples (--ndjson,
// when the bundle has them), or the socket table. It returns env with the
// bundle in place of this machine; its Stdout and Stderr are kept.
func openFrom(opt Options, env Env) (Env, *fromSource, error) {
	a, err := bundle.Open(opt.From)
	if err != nil {
		return env, nil, err
	}
	src := &fromSource{archive: a, allNS: opt.AllNetNS}
	if err := src.load(opt); err != nil {
		a.Close()
		return env, nil, err
	}
	out := Env{
		Stdout: env.Stdout, Stderr: env.Stderr,
		Sockets: func(string, func(string)) (collect.Collector, error) { return src, nil },
		Namespaces: func(string, bool, string, func(string)) (collect.Collector, error) {
			return src, nil
		},
		Hostname:   src.host,
		Now:        src.time,
		After:      env.After,
		Euid:       env.Euid,
		Interfaces: src.interfaces,
		Protocols:  src.protocols,
		Routes:     src.routes,
		Incomplete: func() []string { return src.incomplete },
	}
	return out, src, nil
}

func (s *fromSource) load(opt Options) error {
	a := s.archive
	var err error
	if s.ns, err = a.Namespace(opt.NetNS); err != nil {
		return err
	}
	var path string
	switch {
	case opt.reportFlags() != "":
		path = bundle.ReportsJSONPath(s.ns.File)
	case opt.NDJSON:
		// --ndjson replays the samples (--duration), else the one
		// snapshot.
		path = bundle.SocketsJSONPath
		if _, ok := a.Listed(bundle.SamplesPath); ok {
			path = bundle.SamplesPath
		}
	default:
		path = bundle.SocketsJSONPath
	}
	entries, err := a.Load(path)
	if err != nil {
		return err
	}
	data := entries[path]
	switch path {
	case bundle.SamplesPath:
		s.snaps, err = bundle.DecodeSamples(data)
	case bundle.SocketsJSONPath:
		var env codec.Envelope
		env, err = bundle.DecodeSockets(data)
		s.snaps = []codec.Envelope{env}
	default:
		s.reports, err = bundle.DecodeReports(path, data)
		s.reportsPath = path
	}
	if err != nil {
		return fmt.Errorf("%s: %w", a.Name, err)
	}
	if whole, why := a.Whole(path); !whole {
		s.incomplete = []string{why}
	}
	return nil
}

// notice is the line said on stderr before anything is shown: which
// bundle, of which host, taken when.
func (s *fromSource) notice() string {
	m := s.archive.Manifest
	ns := "namespace " + s.ns.File
	if s.allNS {
		ns = "every namespace"
	}
	return fmt.Sprintf("reading bundle %s: host %s (%s), collected %s UTC, %s", s.archive.Name, m.Host.Name, m.Host.OS,
		m.Created.UTC().Format("2006-01-02 15:04:05"), ns)
}

// next moves to the next sample; false after the last.
func (s *fromSource) next() bool {
	if s.cur+1 >= len(s.snaps) {
		return false
	}
	s.cur++
	return true
}

func (s *fromSource) host() (string, error) {
	if s.reportsPath != "" {
		return s.reports.Host, nil
	}
	return s.snaps[s.cur].Host, nil
}

func (s *fromSource) time() time.Time {
	if s.reportsPath != "" {
		return s.reports.Time
	}
	return s.snaps[s.cur].Time
}

// Collect returns the rows of the snapshot shown now, of the namespace
// asked (every one with --all-netns). The warnings its run printed come
// back as a *replayed error: the table was incomplete when collected.
func (s *fromSource) Collect(context.Context, collect.Query) ([]collect.Socket, error) {
	snap := s.snaps[s.cur]
	var rows []collect.Socket
	if s.allNS {
		rows = append(rows, snap.Sockets...)
	} else {
		rows = bundle.InNamespace(snap.Sockets, s.ns)
	}
	if len(snap.Warnings) > 0 {
		return rows, &replayed{lines: snap.Warnings, partial: true}
	}
	return rows, nil
}

// replayed is the error of a table read back from a bundle that was
// incomplete when it was collected: the warnings the collecting run
// printed (or, for a report, its error), said again as they were. When
// partial, what was collected is shown above them, as a live incomplete
// table is (it unwraps to a *collect.PartialError).
type replayed struct {
	lines   []string
	partial bool
}

func (e *replayed) Error() string { return strings.Join(e.lines, "; ") }

func (e *replayed) Unwrap() error {
	if !e.partial {
		return nil
	}
	return &collect.PartialError{Problems: []error{fmt.Errorf("%s", e.Error())}}
}

// reportWarnings returns the document's warnings about one report: those
// its run wrote as "-r: …" (reportError), without the flag, which the
// caller says again.
func (s *fromSource) reportWarnings(flag string) []string {
	var out []string
	for _, w := range s.reports.Warnings {
		if rest, ok := strings.CutPrefix(w, flag+": "); ok {
			out = append(out, rest)
		}
	}
	return out
}

// report returns the error of one report: nil when the document holds it
// and no warning about it; the replayed warnings beside it (partial) or
// in its place.
func (s *fromSource) report(flag string, present bool) error {
	lines := s.reportWarnings(flag)
	switch {
	case len(lines) > 0:
		return &replayed{lines: lines, partial: present}
	case !present:
		return fmt.Errorf("%s holds no such report (its collector did not write it)", s.reportsPath)
	}
	return nil
}

func (s *fromSource) routes(context.Context, string) (collect.RouteTable, error) {
	var t collect.RouteTable
	if s.reports.Routes != nil {
		t = *s.reports.Routes
	}
	return t, s.report("-r", s.reports.Routes != nil)
}

// counters checks the -e or -s report: the counters are all or nothing
// live, so a warning beside them (a document made elsewhere) is said
// under the output rather than in place of it.
func (s *fromSource) counters(flag string, present bool) error {
	err := s.report(flag, present)
	if err != nil && !collect.IsPartial(err) {
		return err
	}
	for _, l := range s.reportWarnings(flag) {
		s.incomplete = append(s.incomplete, flag+": "+l)
	}
	return nil
}

func (s *fromSource) interfaces(context.Context, string) ([]collect.InterfaceCounters, error) {
	if err := s.counters("-e", s.reports.HasInterfaces); err != nil {
		return nil, err
	}
	return s.reports.Interfaces, nil
}

func (s *fromSource) protocols(context.Context, string) (collect.ProtoCounters, error) {
	if err := s.counters("-s", s.reports.Protocols != nil); err != nil {
		return collect.ProtoCounters{}, err
	}
	return *s.reports.Protocols, nil
}
