// run.go wires options to collectors and renderers: one snapshot, or one
// every interval until the context ends.

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/gonetstat/gonetstat/codec"
	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/names"
	"github.com/gonetstat/gonetstat/internal/subcmd"
	"github.com/gonetstat/gonetstat/platform"
	"github.com/gonetstat/gonetstat/render"
	"github.com/gonetstat/gonetstat/stack/control"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // a runtime failure, or an incomplete table
	exitUsage   = 2
)

// Env is everything Run takes from the outside world, so tests run it
// in-process with fakes.
type Env struct {
	Stdout, Stderr io.Writer
	// Sockets returns the collector for a --source value.
	Sockets func(source string, warn func(string)) (collect.Collector, error)
	// Owners finds the processes holding the sockets (Linux: by inode);
	// nil where the socket collector names them itself, asked through
	// collect.Query.Owners (Windows, macOS, FreeBSD).
	Owners collect.OwnerScanner
	// Names resolves endpoints for the non-numeric table; nil: numeric.
	Names    func(fqdn bool) Namer
	Hostname func() (string, error)
	Now      func() time.Time
	// After is time.After, for the interval loop.
	After func(time.Duration) <-chan time.Time
	Euid  func() int
	// StackDir names the directory of the mini-stacks' control sockets,
	// and Stacks reads every stack serving there (--stack); nil Stacks:
	// stacks cannot be read here.
	StackDir func() (string, error)
	Stacks   func(ctx context.Context, dir string) ([]control.Reply, []error)
	// Namespaces returns the collector of --netns (spec) or --all-netns;
	// nil: this OS has no network namespaces.
	Namespaces func(spec string, all bool, source string, warn func(string)) (collect.Collector, error)
	// Containers returns, for one snapshot, the lookup naming the
	// container a process runs in (nil, nil: none); nil, or a nil
	// lookup: containers are not looked for on this OS. A lookup may keep what it read for its
	// snapshot, never longer: a container renamed between two redisplays
	// shows its new name.
	Containers func() func(pid int) (*collect.Container, error)
	// Interfaces and Protocols read the counters of -e and -s in the
	// network namespace a --netns value names ("" ours); nil, or an error
	// wrapping collect.ErrUnsupported: not on this OS. ctx ending (Ctrl-C)
	// stops a read with ctx's error.
	Interfaces func(ctx context.Context, netns string) ([]collect.InterfaceCounters, error)
	Protocols  func(ctx context.Context, netns string) (collect.ProtoCounters, error)
	// Routes reads the routing tables (-r) of that namespace; the same
	// nil, ErrUnsupported and ctx rules.
	Routes func(ctx context.Context, netns string) (collect.RouteTable, error)
	// Neighbours reads the neighbour cache and policy rules of that
	// namespace, for a bundle's reports; the same rules.
	Neighbours func(ctx context.Context, netns string) ([]collect.Neighbour, []collect.Rule, error)
	// Incomplete returns what the source as a whole says is missing
	// from what was shown (a bundle's collector that ended partial or
	// timeout): each is a warning under it, and the exit status is 1.
	// nil: nothing (a live read says what is missing as it reads).
	Incomplete func() []string
}

// Namer is a render.Namer that resolves a table's names in bulk first.
type Namer interface {
	render.Namer
	Prepare(ctx context.Context, socks []collect.Socket)
}

// Main runs gonetstat on the real machine; Ctrl-C or SIGTERM ends an
// interval loop with exit 0.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if runtime.GOOS == "windows" {
		// Windows netstat ends its lines in CRLF; so does everything we
		// print there (the table, the reports, --help).
		stdout = &crlfWriter{w: stdout}
	}
	return Run(ctx, args, LiveEnv(stdout, stderr))
}

// LiveEnv is the environment of the real machine: this system's
// collectors, clock and host name.
func LiveEnv(stdout, stderr io.Writer) Env {
	var owners collect.OwnerScanner
	if o, err := platform.Owners(platform.Config{}); err != nil {
		// Said only when -o or -b asks for owners.
		owners = failedOwners{err}
	} else if o != nil {
		owners = o
	}
	return Env{
		Stdout: stdout,
		Stderr: stderr,
		Sockets: func(source string, warn func(string)) (collect.Collector, error) {
			return platform.Sockets(platform.Config{Source: source, Warn: warn})
		},
		Owners:   owners,
		Names:    func(fqdn bool) Namer { return names.New(names.Options{FQDN: fqdn}) },
		Hostname: os.Hostname,
		Now:      time.Now,
		After:    time.After,
		Euid:     os.Geteuid,
		StackDir: control.DefaultDir,
		Stacks:   control.Collect,
		Namespaces: func(spec string, all bool, source string, warn func(string)) (collect.Collector, error) {
			return platform.Sockets(platform.Config{Source: source, Warn: warn, NetNS: spec, AllNetNS: all})
		},
		Containers: func() func(int) (*collect.Container, error) { return platform.Containers(platform.Config{}) },
		Interfaces: func(ctx context.Context, ns string) ([]collect.InterfaceCounters, error) {
			return platform.Interfaces(ctx, platform.Config{NetNS: ns})
		},
		Protocols: func(ctx context.Context, ns string) (collect.ProtoCounters, error) {
			return platform.Protocols(ctx, platform.Config{NetNS: ns})
		},
		Routes: func(ctx context.Context, ns string) (collect.RouteTable, error) {
			return platform.Routes(ctx, platform.Config{NetNS: ns})
		},
		Neighbours: func(ctx context.Context, ns string) ([]collect.Neighbour, []collect.Rule, error) {
			return platform.Neighbours(ctx, platform.Config{NetNS: ns})
		},
	}
}

// Run parses args and prints the table(s); it returns the exit code.
func Run(ctx context.Context, args []string, env Env) int {
	// A subcommand (gonetstat stack …) writes its own lines to stderr:
	// they pass through safetext as gonetstat's own do (stderr.go).
	opt, err := parse(args, env.Stdout, safeLines{env.Stderr})
	if opt.Ran {
		return subcommandDone(env.Stderr, err)
	}
	if err != nil {
		sayf(env.Stderr, "gonetstat: %v", err)
		sayf(env.Stderr, "Try 'gonetstat --help' for more information.")
		return exitUsage
	}
	if opt.Help {
		io.WriteString(env.Stdout, usage)
		return exitOK
	}
	if opt.Bundle != nil {
		return runBundle(ctx, *opt.Bundle, env)
	}
	for _, n := range opt.Notes {
		sayf(env.Stderr, "gonetstat: note: %s", n)
	}
	var from *fromSource
	if opt.From != "" {
		if env, from, err = openFrom(opt, env); err != nil {
			sayf(env.Stderr, "gonetstat: --from: %v", err)
			return exitFailure
		}
		defer from.archive.Close()
		sayf(env.Stderr, "gonetstat: %s", from.notice())
	}
	var once func(context.Context) (int, bool)
	if opt.reportFlags() != "" {
		once = func(ctx context.Context) (int, bool) { return printReports(ctx, opt, env) }
	} else {
		r, code := newRunner(opt, env)
		if r == nil {
			return code
		}
		once = r.once
	}
	code, interrupted := once(ctx)
	for from != nil && !interrupted && from.next() {
		// --ndjson --from: the bundle's samples, one line each, as
		// they were taken.
		var c int
		c, interrupted = once(ctx)
		code = max(code, c)
	}
	if opt.Interval == 0 {
		if interrupted {
			sayf(env.Stderr, "gonetstat: interrupted before the table was printed")
			return exitFailure
		}
		return code
	}
	// The loop ends only by Ctrl-C (or SIGTERM), the normal way out: exit 0
	// unless some snapshot was incomplete or failed (each said so on
	// stderr when it happened), so a monitoring script still learns of it.
	worst := code
	for {
		select {
		case <-ctx.Done():
			return worst
		case <-env.After(time.Duration(opt.Interval) * time.Second):
		}
		if ctx.Err() != nil {
			return worst // the interval and Ctrl-C came together: Ctrl-C wins
		}
		code, _ := once(ctx)
		worst = max(worst, code)
	}
}

// newRunner builds the socket table's runner; nil and the exit code when
// its collector cannot be made (said on stderr).
func newRunner(opt Options, env Env) (*runner, int) {
	say := func(msg string) { sayf(env.Stderr, "gonetstat: %s", msg) }
	sockets, err := socketCollector(opt, env, say)
	if err != nil {
		sayf(env.Stderr, "gonetstat: cannot read sockets: %v", err)
		return nil, exitFailure
	}
	r := &runner{opt: opt, env: env, sockets: sockets}
	if !opt.Numeric && env.Names != nil && !opt.JSON && !opt.NDJSON {
		r.names = env.Names(opt.FQDN)
	}
	return r, exitOK
}

// socketCollector is the collector opt asks for: our namespace's table,
// or those --netns and --all-netns name; notices go to say.
func socketCollector(opt Options, env Env, say func(string)) (collect.Collector, error) {
	switch {
	case opt.NetNS == "" && !opt.AllNetNS:
		return env.Sockets(opt.Source, say)
	case env.Namespaces == nil:
		return nil, errors.New("network namespaces exist only on Linux")
	default:
		return env.Namespaces(opt.NetNS, opt.AllNetNS, opt.Source, say)
	}
}

// subcommandDone says how a subcommand (gonetstat stack …, gonetstat
// bundle inspect) ended and
// returns its exit code. A usage error points at the help of the command
// it is about.
func subcommandDone(stderr io.Writer, err error) int {
	code := subcmd.ExitCode(err)
	switch code {
	case exitOK:
	case exitUsage:
		help := "gonetstat"
		var u *subcmd.UsageError
		if errors.As(err, &u) && u.Command != "" {
			help = u.Command
		}
		sayf(stderr, "gonetstat %v", err)
		sayf(stderr, "Try '%s --help' for more information.", help)
	default:
		sayf(stderr, "gonetstat %v", err)
	}
	return code
}

// failedOwners stands for an owner scanner the platform could not build;
// the error is reported only when owners are asked for.
type failedOwners struct{ err error }

func (f failedOwners) ScanOwners(context.Context) (collect.OwnerScan, error) {
	return collect.OwnerScan{}, f.err
}

type runner struct {
	opt     Options
	env     Env
	sockets collect.Collector
	names   Namer
	// noticed is set once the missing-owner notice has been said: an
	// interval loop says it once, not under every table.
	noticed bool
	// noStackSaid is set once "no mini-stack is running" has been said.
	noStackSaid bool
}

// snapshot is one socket table, collected, filtered, sorted and
// attributed, ready to print.
type snapshot struct {
	socks    []collect.Socket
	warnings []string // what is incomplete: said on stderr (and in JSON), exit 1
	// notices are said once per run, after the table: no mini-stack
	// running, rows without an owner.
	stackNotice, ownerNotice string
	hasStackRows             bool
}

// once collects, filters, attributes and prints one snapshot. It returns
// the snapshot's exit code, and whether ctx ended before anything was
// printed (then nothing is printed: Ctrl-C means stop, not "finish
// without names").
func (r *runner) once(ctx context.Context) (code int, interrupted bool) {
	snap, err := r.snapshot(ctx)
	if ctx.Err() != nil {
		return exitOK, true
	}
	if err != nil {
		sayf(r.env.Stderr, "gonetstat: reading the socket table: %v", err)
		return exitFailure, false
	}
	return r.print(snap), false
}

// snapshot collects one table. Its error means there is no table; an
// incomplete one comes back with warnings.
func (r *runner) snapshot(ctx context.Context) (snap snapshot, err error) {
	o := r.opt
	wantOwners := o.Owner || o.Exe
	warn := func(err error) { snap.warnings = append(snap.warnings, err.Error()) }

	kinds := o.Kinds
	if kinds == 0 {
		kinds = collect.AllKinds
	}
	// Owners are read before the table is dumped, and what that first
	// pass missed is looked for again after it (attachOwners): each
	// process is read once before its sockets are dumped and once after,
	// so a socket is missed only when it was opened and closed between
	// the two reads. A scan run beside the dump instead reads some
	// processes only after it, and misses every socket they closed since
	// it was dumped: under churn, 0.7% of owned rows against 0.005% this
	// way (docs/performance.md, "Owners under churn").
	var owners ownerResult
	if wantOwners {
		owners = r.scanOwners(ctx)
	}
	socks, err := r.sockets.Collect(ctx, collect.Query{Kinds: kinds, TCPInfo: o.JSON || o.NDJSON || o.Info, Bound: o.Bound, Owners: wantOwners})
	tableRead := time.Now() // monotonic, as the owner scan's times are
	if err != nil && !collect.IsPartial(err) {
		return snap, err
	}
	var rp *replayed
	switch {
	case errors.As(err, &rp):
		// A table read back from a bundle: the warnings its run
		// printed, each as it was.
		snap.warnings = append(snap.warnings, rp.lines...)
	case err != nil:
		warn(err)
	}
	if r.env.Incomplete != nil {
		for _, w := range r.env.Incomplete() {
			warn(errors.New(w))
		}
	}
	if o.Stack {
		var rows []collect.Socket
		rows, snap.stackNotice = r.collectStacks(ctx, warn)
		socks = append(socks, rows...)
	}
	if !wantOwners {
		// PIDs only when asked for: a mini-stack's rows, and those of a
		// collector that names owners whatever the query says, carry them.
		for i := range socks {
			socks[i].Owner, socks[i].Holders = nil, 0
		}
	}
	socks = collect.Filter{Kinds: kinds, All: o.All, ListeningOnly: o.Listening, Bound: o.Bound}.Apply(socks)
	collect.Sort(socks)

	if wantOwners {
		snap.ownerNotice = r.attachOwners(ctx, socks, owners, tableRead, warn)
		if err := r.attachContainers(socks); err != nil {
			warn(err)
		}
	}
	if r.names != nil {
		r.names.Prepare(ctx, socks)
	}
	for i := range socks {
		if socks[i].Stack != nil {
			snap.hasStackRows = true
			break
		}
	}
	snap.socks = socks
	return snap, nil
}

// envelope is snap as the JSON document holds it.
func (r *runner) envelope(snap snapshot) codec.Envelope {
	host, _ := r.env.Hostname()
	return codec.Envelope{Host: host, Time: r.env.Now().UTC(), Sockets: snap.socks, Warnings: snap.warnings}
}

// textOptions are the -ano text's options for rows socks.
func (r *runner) textOptions(socks []collect.Socket) render.TextOptions {
	o := r.opt
	// -b alone adds the program line, not the PID column, as on
	// Windows; -bo shows both.
	topt := render.TextOptions{PID: o.Owner, Exe: o.Exe, Source: o.Stack, NetNS: manyNamespaces(socks)}
	if r.names != nil {
		topt.Names = r.names
	}
	return topt
}

// print writes snap as asked, then its notices and warnings on stderr,
// and returns the exit code.
func (r *runner) print(snap snapshot) int {
	o := r.opt
	var err error
	switch {
	case o.Info:
		err = render.Info(r.env.Stdout, snap.socks, render.InfoOptions{PID: o.Owner, Source: o.Stack, Stack: snap.hasStackRows})
	case o.JSON:
		err = codec.SocketsJSON(r.env.Stdout, r.envelope(snap))
	case o.NDJSON:
		err = codec.SocketsNDJSON(r.env.Stdout, r.envelope(snap))
	default:
		err = render.Text(r.env.Stdout, snap.socks, r.textOptions(snap.socks))
	}
	if err != nil {
		sayf(r.env.Stderr, "gonetstat: writing the table: %v", err)
		return exitFailure
	}
	if snap.stackNotice != "" && !r.noStackSaid {
		r.noStackSaid = true
		sayf(r.env.Stderr, "gonetstat: %s", snap.stackNotice)
	}
	if snap.ownerNotice != "" && !r.noticed {
		r.noticed = true
		sayf(r.env.Stderr, "gonetstat: %s", snap.ownerNotice)
	}
	for _, w := range snap.warnings {
		sayf(r.env.Stderr, "gonetstat: warning: %s", w)
	}
	if len(snap.warnings) > 0 {
		return exitFailure
	}
	return exitOK
}

// collectStacks reads every running mini-stack's table (--stack). A
// stack that does not answer is a warning (its rows are missing: the
// table is incomplete, exit 1); no stack at all is a notice, since
// nothing is wrong.
func (r *runner) collectStacks(ctx context.Context, warn func(error)) (rows []collect.Socket, notice string) {
	if r.env.Stacks == nil || r.env.StackDir == nil {
		warn(errors.New("--stack: mini-stacks cannot be reached on this system"))
		return nil, ""
	}
	dir, err := r.env.StackDir()
	if err != nil {
		warn(fmt.Errorf("--stack: %w", err))
		return nil, ""
	}
	replies, errs := r.env.Stacks(ctx, dir)
	for _, e := range errs {
		warn(fmt.Errorf("--stack: %w", e))
	}
	for _, rep := range replies {
		rows = append(rows, rep.Sockets...)
	}
	if len(replies) == 0 && len(errs) == 0 {
		notice = fmt.Sprintf("--stack: no mini-stack is running (no control socket in %s); showing the kernel's sockets only", dir)
	}
	return rows, notice
}

// ownerResult is what an owner scan returned.
type ownerResult struct {
	scan collect.OwnerScan
	err  error
}

// scanOwners runs the owner scan.
func (r *runner) scanOwners(ctx context.Context) ownerResult {
	if r.env.Owners == nil {
		return ownerResult{} // the socket table names its owners itself
	}
	scan, err := r.env.Owners.ScanOwners(ctx)
	return ownerResult{scan, err}
}

// attachOwners takes the owner scan res, looks a second time for the
// sockets it missed when the scanner can, and returns the one-line notice
// explaining rows without an owner ("" when every row that can have one
// has one). tableRead is when the socket table was complete. Failures go
// to warn: a failed second look leaves the first one's owners.
func (r *runner) attachOwners(ctx context.Context, socks []collect.Socket, res ownerResult, tableRead time.Time, warn func(error)) string {
	scan, err := res.scan, res.err
	if r.env.Owners == nil {
		return "" // the rows came with their owners
	}
	if err != nil && !collect.IsPartial(err) {
		warn(fmt.Errorf("reading process owners: %w", err))
		return ""
	}
	if err != nil {
		warn(err)
	}
	// A socket opened after its process was read, and still held when the
	// table was read, has no owner yet.
	if again, ok := r.env.Owners.(collect.OwnerRescanner); ok {
		if missing := collect.Unowned(socks, scan); len(missing) > 0 {
			if err := again.RescanOwners(ctx, &scan, missing, tableRead); err != nil {
				if !collect.IsPartial(err) {
					err = fmt.Errorf("reading process owners again: %w", err)
				}
				warn(err)
			}
		}
	}
	st := collect.AttachOwners(socks, scan)
	if st.Missing == 0 {
		return ""
	}
	return ownerNotice(st.Missing, len(socks), scan, r.env.Euid != nil && r.env.Euid() != 0)
}

// ownerNotice explains why missing of total rows have no owner, naming
// only the causes this scan leaves possible (docs/usage.md, "Owners"): a
// holder whose descriptors we may not read, a holder we cannot list
// (outside our PID namespace, or hidden by /proc), and a socket that
// appeared or changed owner while the scan ran, which is always possible
// and, when neither of the others is, certain.
func ownerNotice(missing, total int, scan collect.OwnerScan, notRoot bool) string {
	var by []string
	if scan.Denied > 0 {
		hint := ""
		if notRoot {
			hint = "; run as root to see them"
		}
		by = append(by, fmt.Sprintf("a process whose descriptors could not be read (%d %s, e.g. PID %d: permission denied%s)",
			scan.Denied, plural(scan.Denied, "process", "processes"), scan.DeniedExample, hint))
	}
	switch scan.View {
	case collect.ViewNamespace:
		by = append(by, "a process outside this PID namespace (not the host's)")
	case collect.ViewHidden:
		by = append(by, "a process that /proc hides (mounted with hidepid=)")
	case collect.ViewUnknown:
		by = append(by, "a process outside this PID namespace (if it is not the host's)")
	}
	why := "they appeared or changed owner during the scan (no process held them when it was read)"
	if len(by) > 0 {
		why = "held by " + strings.Join(by, ", by ") + ", or appeared or changed owner during the scan"
	}
	return fmt.Sprintf("%d of %d %s no owner: %s", missing, total, plural(total, "socket has", "sockets have"), why)
}

// attachContainers sets the container of every process that owns a
// socket, looking each one up once. Processes whose cgroup could not be
// read are counted in one error (their rows stay unlabelled).
func (r *runner) attachContainers(socks []collect.Socket) error {
	if r.env.Containers == nil {
		return nil
	}
	type answer struct {
		c   *collect.Container
		err error
	}
	lookup := r.env.Containers() // afresh for this snapshot
	if lookup == nil {
		return nil
	}
	seen := map[int]answer{}
	failed, example := 0, error(nil)
	for i := range socks {
		s := &socks[i]
		if s.Owner == nil {
			continue
		}
		a, ok := seen[s.Owner.PID]
		if !ok {
			a.c, a.err = lookup(s.Owner.PID)
			seen[s.Owner.PID] = a
			if a.err != nil {
				failed++
				if example == nil {
					example = a.err
				}
			}
		}
		s.Owner.Container = a.c
	}
	if failed > 0 {
		return fmt.Errorf("container of %d %s unknown: %w", failed, plural(failed, "process", "processes"), example)
	}
	return nil
}

// manyNamespaces reports whether the rows come from more than one network
// namespace: only then does the -ano text need a Namespace column.
func manyNamespaces(socks []collect.Socket) bool {
	// Only the kernel's rows have a network namespace: a mini-stack's
	// sockets (--stack) live in its own process, whatever namespace its
	// TAP device is in, so they never make a table span namespaces.
	first, seen := uint64(0), false
	for i := range socks {
		if socks[i].Source.Kind != "" && socks[i].Source != collect.Kernel {
			continue
		}
		if !seen {
			first, seen = socks[i].NetNSInode(), true
		} else if socks[i].NetNSInode() != first {
			return true
		}
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
