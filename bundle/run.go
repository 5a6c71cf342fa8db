// run.go runs a bundle: it plans the collectors, runs each under its own
// deadline in a private staging directory, writes the archive with the
// manifest first, reads it back to verify every entry, and says what it
// did. A collector that fails, hangs or is cut off is recorded and the
// run goes on: a bundle is always written unless the disk refuses.

package bundle

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/safetext"
	"github.com/gonetstat/gonetstat/render"
)

// Defaults of the limits (docs/bundle.md, "Limits").
const (
	DefaultTimeout        = 10 * time.Second
	DefaultCommandTimeout = 30 * time.Second
	DefaultRunTimeout     = 5 * time.Minute
	DefaultMaxFile        = 25 << 20
	DefaultMaxSize        = 512 << 20
	// abandonAfter is how long the run waits, past a collector's
	// deadline, for it to return. Collectors honour their context, so
	// this is a backstop: one that still runs after it is recorded as
	// left behind, and its files are closed to it.
	abandonAfter = 5 * time.Second
)

// Exit codes of a bundle run (the CLI's 2, a usage error, comes before).
const (
	ExitOK     = 0 // the archive was written and verified
	ExitFailed = 1 // no archive
	ExitStrict = 3 // --strict, and a collector was not ok, skipped or unavailable, or a redaction failed
)

// Options is what `gonetstat bundle` was asked.
type Options struct {
	Output   string // -o: a path, "-" for stdout, "" for the default name in the current directory
	Format   Format
	RedactIP bool // --redact ip, host, mac
	// RedactHost and RedactMAC: see RedactIP.
	RedactHost, RedactMAC bool
	MapFile               string        // --map-file; "" for the default beside the archive
	Duration, Interval    time.Duration // --duration, --interval: socket samples
	NetNS                 string        // --netns: that namespace only
	AllNetNS              bool          // --all-netns (the default as root)
	WithCommands          bool
	MaxSize               int64         // --max-size: the bundle cap, bytes before compression
	MaxFile               int64         // the per-file cap
	Timeout               time.Duration // --timeout: each collector's deadline
	CommandTimeout        time.Duration
	RunTimeout            time.Duration
	DryRun, Strict, Quiet bool
	Args                  []string // the command line after "gonetstat bundle", for the manifest
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = DefaultCommandTimeout
	}
	if o.RunTimeout <= 0 {
		o.RunTimeout = DefaultRunTimeout
	}
	if o.MaxFile <= 0 {
		o.MaxFile = DefaultMaxFile
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.Interval <= 0 && o.Duration > 0 {
		o.Interval = time.Second
	}
	return o
}

// SocketsQuery says which namespaces a socket snapshot reads.
type SocketsQuery struct {
	NetNS    string // a --netns value; "" with AllNetNS false: ours
	AllNetNS bool
}

// Env is how a bundle reads the live system. The CLI gives the socket
// table and the reports through its own code paths, so the bundle holds
// exactly what gonetstat prints; the rest has defaults (system_*.go).
type Env struct {
	Stdout, Stderr io.Writer
	Now            func() time.Time
	Hostname       func() (string, error)
	Elevated       func() bool

	// Sockets reads one snapshot as `gonetstat -ano --json` (with
	// --all-netns or --netns as q says) collects it: owners and
	// containers attached, the warnings of an incomplete table in the
	// envelope; notices are said to the log.
	Sockets func(ctx context.Context, q SocketsQuery) (env render.Envelope, notices []string, err error)
	// SocketsText writes socks as the -ano text does.
	SocketsText func(w io.Writer, socks []collect.Socket) error
	// Reports reads `gonetstat --netns NS -r -e -s --json` (NS "" ours)
	// with the neighbours and rules.
	Reports func(ctx context.Context, netns string) (render.Reports, error)
	// ReportsText writes a namespace's reports as -r -e -s text.
	ReportsText func(w io.Writer, doc render.Reports) error

	// These default to this system's (system_linux.go, system_other.go).
	Namespaces  func(ctx context.Context, q SocketsQuery) ([]Namespace, []string, error)
	InNamespace func(ctx context.Context, ns Namespace, f func(proc string) error) error
	HostInfo    func(ctx context.Context) (Host, error)
	LookPath    func(file string) (string, error)
	// Pin holds a namespace open while its reports are read and returns
	// the --netns value that reads exactly it (Linux: a path to the held
	// descriptor); release lets it go.
	Pin func(ns Namespace) (spec string, release func(), err error)

	// extra are collectors appended to the plan: tests add one that
	// hangs. abandonAfter replaces the default grace of a collector past
	// its deadline (0: abandonAfter).
	extra        []job
	abandonAfter time.Duration
}

// Namespace is one network namespace a bundle collects.
type Namespace struct {
	NetNS        // file, name, inode, own, as the manifest lists it
	Spec  string // the --netns value that reads it: "" for ours, a name or a /proc path
	Path  string // a file that opens it (Linux)
	Dev   uint64
}

// Result is what Run made.
type Result struct {
	Path     string // the archive ("-": stdout); "" when none was written
	Bytes    int64
	SHA256   string
	Manifest *Manifest
}

// run is one bundle run's state.
type run struct {
	opt    Options
	env    Env
	pseudo *pseudonymizer
	dir    string // the staging directory (0700)
	host   string // the real host name
	now    func() time.Time

	mu       sync.Mutex
	log      []string
	nfiles   int
	total    int64 // bytes staged so far
	capped   bool  // a file was left out for the bundle cap: later collectors are skipped
	secrets  int
	failed   []string // files left out: could not be scrubbed
	manifest Manifest
}

// job is one collector of the plan.
type job struct {
	name     string
	timeout  time.Duration
	estimate int64 // bytes, for --dry-run
	run      func(ctx context.Context, w *work) error
}

// Run makes a bundle and returns the exit code; what it did is said on
// env.Stderr (and the archive written to env.Stdout with -o -).
func Run(ctx context.Context, opt Options, env Env) int {
	opt = opt.withDefaults()
	env = env.withDefaults()
	b := &run{opt: opt, env: env, now: env.Now}
	res, err := b.make(ctx)
	if err != nil {
		fmt.Fprintf(env.Stderr, "gonetstat: bundle: %s\n", safetext.Text(err.Error()))
		return ExitFailed
	}
	if res == nil {
		return ExitOK // --dry-run
	}
	b.sayDone(res)
	if opt.Strict && !clean(res.Manifest) {
		return ExitStrict
	}
	return ExitOK
}

// clean reports whether a bundle passes --strict: every collector ok,
// skipped or unavailable, and no file left out for want of scrubbing.
func clean(m *Manifest) bool {
	if len(m.Redaction.Failed) > 0 {
		return false
	}
	for _, c := range m.Collectors {
		switch c.Status {
		case StatusOK, StatusSkipped, StatusUnavailable:
		default:
			return false
		}
	}
	return true
}

func (b *run) make(ctx context.Context) (*Result, error) {
	opt := b.opt
	created := b.now().UTC()
	host, herr := b.env.Hostname()
	if herr != nil || host == "" {
		host = "unknown"
	}
	b.host = host
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, fmt.Errorf("making a bundle id: %w", err)
	}
	// The map is read before anything is collected: a map that cannot be
	// read stops the run, rather than make pseudonyms the next run
	// cannot repeat.
	var mf *mapFile
	var mapPath string
	var err error
	reused := false
	if opt.RedactIP || opt.RedactHost || opt.RedactMAC {
		mapPath = b.mapPath()
		mf, reused, err = loadMap(mapPath, created)
		if err != nil {
			return nil, err
		}
		b.pseudo = newPseudonymizer(mf.secret(), opt.RedactIP, opt.RedactHost, opt.RedactMAC)
		b.pseudo.addHostNames(host, shortName(host))
	}

	out, err := b.outputPath(created)
	if err != nil {
		return nil, err
	}
	if out != "-" && !opt.DryRun {
		// Find out now, not after collecting, that the archive cannot be
		// written there.
		probe, err := os.CreateTemp(filepath.Dir(out), ".gonetstat-bundle-*.partial")
		if err != nil {
			return nil, fmt.Errorf("cannot write the archive in %s: %w", filepath.Dir(out), err)
		}
		probe.Close()
		os.Remove(probe.Name())
	}

	nsList, nsNotes, nsErr := b.env.Namespaces(ctx, SocketsQuery{NetNS: opt.NetNS, AllNetNS: b.allNetNS()})
	if nsErr != nil && opt.NetNS != "" {
		return nil, nsErr // the one namespace asked for cannot be read
	}
	for _, n := range nsNotes {
		b.logf("namespaces", "%s", n)
	}
	if nsErr != nil {
		b.logf("namespaces", "listing the network namespaces: %v; collecting ours only", nsErr)
	}
	if len(nsList) == 0 {
		nsList = []Namespace{{NetNS: NetNS{File: OwnNSFile, Own: true}}}
	}
	if b.pseudo.enabled() {
		// Entry names come from namespace names, which are free text: a
		// name spelling an address or the host gives its pseudonym's.
		names, inodes, own := make([]string, len(nsList)), make([]uint64, len(nsList)), make([]bool, len(nsList))
		for i, ns := range nsList {
			names[i], inodes[i], own[i] = b.pseudo.Text(ns.Name), ns.Inode, ns.Own
		}
		for i, f := range NSFiles(names, inodes, own) {
			nsList[i].File = f
		}
	}

	m := &b.manifest
	*m = Manifest{
		Schema:   Schema,
		BundleID: hex.EncodeToString(id),
		Created:  created,
		Tool:     toolInfo(),
		Host:     Host{Name: b.pseudo.Host(host), OS: runtime.GOOS, Arch: runtime.GOARCH, Elevated: b.env.Elevated()},
		Invocation: Invocation{
			Args: b.cleanArgs(opt.Args), AllNetNS: b.allNetNS(), WithCommands: opt.WithCommands,
			DurationMS: opt.Duration.Milliseconds(),
		},
		Redaction: Redaction{Secrets: true, Pseudonyms: b.pseudo.kinds(), MapReused: reused},
		Limits: Limits{
			CollectorTimeoutMS: opt.Timeout.Milliseconds(), CommandTimeoutMS: opt.CommandTimeout.Milliseconds(),
			RunTimeoutMS: opt.RunTimeout.Milliseconds(), MaxFileBytes: opt.MaxFile, MaxBundleBytes: opt.MaxSize,
		},
		Collectors: []Collector{},
	}
	if opt.Duration > 0 {
		m.Invocation.IntervalMS = opt.Interval.Milliseconds()
	}
	for _, ns := range nsList {
		n := ns.NetNS
		n.Name = b.cleanText(n.Name)
		m.Invocation.NetNS = append(m.Invocation.NetNS, n)
	}

	plan := b.plan(nsList)
	if opt.DryRun {
		b.sayPlan(plan, out)
		return nil, nil
	}

	dir, err := os.MkdirTemp("", "gonetstat-bundle-")
	if err != nil {
		return nil, fmt.Errorf("making the staging directory: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("making the staging directory private: %w", err)
	}
	b.dir = dir

	runCtx, cancel := context.WithTimeout(ctx, opt.RunTimeout)
	defer cancel()
	var files [][]*staged
	for i, j := range plan {
		c, fs := b.runJob(runCtx, ctx, j)
		m.Collectors = append(m.Collectors, c)
		files = append(files, fs)
		*m.Summary.Count(c.Status)++
		b.progress(i+1, len(plan), c)
	}
	m.Finished = b.now().UTC()
	if m.Finished.Before(m.Created) {
		m.Finished = m.Created
	}
	if b.pseudo.enabled() {
		m.Redaction.Replaced = b.pseudo.replaced()
	}
	b.mu.Lock()
	m.Redaction.SecretsRemoved = b.secrets
	m.Redaction.Failed = append([]string(nil), b.failed...)
	b.mu.Unlock()

	res, err := b.writeArchive(out, files)
	if err != nil {
		return nil, err
	}
	if mf != nil {
		mf.merge(b.pseudo)
		if err := mf.save(mapPath, b.now()); err != nil {
			// The bundle is good; the next run will not repeat its
			// pseudonyms. Said, not fatal.
			fmt.Fprintf(b.env.Stderr, "gonetstat: bundle: %s\n", safetext.Text(err.Error()))
		} else if !opt.Quiet {
			fmt.Fprintf(b.env.Stderr, "gonetstat: pseudonym map: %s (keep it private; the next bundle made with it uses the same pseudonyms)\n", safetext.Text(mapPath))
		}
	}
	return res, nil
}

// allNetNS reports whether every namespace is collected: --all-netns,
// or by default as root where there are namespaces (Linux), unless
// --netns names one.
func (b *run) allNetNS() bool {
	return b.opt.NetNS == "" && (b.opt.AllNetNS || b.env.Elevated() && runtime.GOOS == "linux")
}

// outputPath is where the archive goes: -o's path, "-", or the default
// name in the current directory.
func (b *run) outputPath(created time.Time) (string, error) {
	switch b.opt.Output {
	case "-":
		return "-", nil
	case "":
		return DefaultName(b.pseudo.Host(b.host), created, b.opt.Format), nil
	}
	return b.opt.Output, nil
}

// DefaultName is the archive's name: gonetstat-bundle_<host>_<UTC time>,
// the host's characters other than letters, digits, '.', '_' and '-' as
// '_'.
func DefaultName(host string, t time.Time, f Format) string {
	return "gonetstat-bundle_" + fileSafe(host) + "_" + t.UTC().Format("20060102T150405Z") + f.Ext()
}

func fileSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !nsFileChar(c) {
			b[i] = '_'
		}
	}
	if len(b) == 0 || b[0] == '.' {
		b = append([]byte("_"), b...)
	}
	return string(b[:min(len(b), 64)])
}

// mapPath is the pseudonym map: --map-file, or gonetstat-bundle_<host>.map.json
// beside the archive (in the current directory for -o - and the default
// name). The real host name is in its name: the map never leaves this
// machine's owner. It is known before the archive's name, which under
// --redact host holds the host's pseudonym.
func (b *run) mapPath() string {
	if b.opt.MapFile != "" {
		return b.opt.MapFile
	}
	dir := "."
	if o := b.opt.Output; o != "" && o != "-" {
		dir = filepath.Dir(o)
	}
	return filepath.Join(dir, "gonetstat-bundle_"+fileSafe(b.host)+".map.json")
}

func shortName(host string) string {
	if i := strings.IndexByte(host, '.'); i > 0 {
		return host[:i]
	}
	return ""
}

// toolInfo names this build.
func toolInfo() Tool {
	t := Tool{Name: "gonetstat", Version: "(devel)", GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			t.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				t.Revision = s.Value
			}
		}
	}
	return t
}

// cleanText scrubs a free-text string of this run (a reason, a log line,
// an argument) of secrets and, under --redact, of what it spells.
func (b *run) cleanText(s string) string {
	s, n := scrubSecrets(s)
	if n > 0 {
		b.mu.Lock()
		b.secrets += n
		b.mu.Unlock()
	}
	return b.pseudo.Text(s)
}

func (b *run) cleanArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = b.cleanText(a)
	}
	return out
}

// logf adds a line to gonetstat.log, naming the collector.
func (b *run) logf(collector, format string, args ...any) {
	line := collector + ": " + fmt.Sprintf(format, args...)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.log = append(b.log, line)
}

// work is what a collector writes through.
type work struct {
	b     *run
	name  string
	mu    sync.Mutex
	files []*staged
	// partial holds why the collector's data is incomplete; set by
	// partialf, it makes the status partial.
	partial []string
	host    *Host // the host collector's facts
}

// create stages a new file of entry path.
func (w *work) create(path string, cut cutPolicy, text bool, tags ...string) (*staged, error) {
	b := w.b
	b.mu.Lock()
	b.nfiles++
	n := b.nfiles
	b.mu.Unlock()
	s, err := newStaged(b.dir, path, n, b.opt.MaxFile)
	if err != nil {
		return nil, fmt.Errorf("staging %s: %w", path, err)
	}
	s.cut, s.text, s.Tags = cut, text, tags
	w.mu.Lock()
	w.files = append(w.files, s)
	w.mu.Unlock()
	return s, nil
}

// partialf records why the collector's data is incomplete.
func (w *work) partialf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	w.b.logf(w.name, "%s", msg)
	w.mu.Lock()
	w.partial = append(w.partial, msg)
	w.mu.Unlock()
}

func (w *work) logf(format string, args ...any) { w.b.logf(w.name, format, args...) }

// unavailableError is a collector's answer when what it reads does not
// exist here: not this system, not installed, not with these rights.
type unavailableError struct{ why string }

func (e *unavailableError) Error() string { return e.why }

func unavailable(format string, args ...any) error {
	return &unavailableError{fmt.Sprintf(format, args...)}
}

// runJob runs one collector under its deadline (and the run's) and
// returns its record and its files, finished. parent is the caller's
// context: when it ends (Ctrl-C) the collector is cut off and the rest
// are skipped, and the bundle is still written with what was collected.
func (b *run) runJob(runCtx, parent context.Context, j job) (Collector, []*staged) {
	started := b.now().UTC()
	c := Collector{Name: j.name, Started: started, Files: []File{}}
	switch {
	case parent.Err() != nil:
		c.Status, c.Reason = StatusSkipped, "interrupted before it started"
		return c, nil
	case runCtx.Err() != nil:
		c.Status, c.Reason = StatusSkipped, fmt.Sprintf("the run's deadline (%v) was reached before it started", b.opt.RunTimeout)
		return c, nil
	case b.full():
		c.Status, c.Reason = StatusSkipped, fmt.Sprintf("the bundle reached its size cap (%s) before it started", sizeText(b.opt.MaxSize))
		return c, nil
	}
	ctx, cancel := context.WithTimeout(runCtx, j.timeout)
	defer cancel()
	w := &work{b: b, name: j.name}
	done := make(chan error, 1)
	t0 := time.Now()
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("the collector panicked: %v", r)
			}
		}()
		done <- j.run(ctx, w)
	}()
	var err error
	abandoned := false
	select {
	case err = <-done:
	case <-ctx.Done():
		timer := time.NewTimer(b.env.abandonAfter)
		select {
		case err = <-done:
		case <-timer.C:
			abandoned = true
		}
		timer.Stop()
	}
	c.DurationMS = time.Since(t0).Milliseconds()
	w.mu.Lock()
	files := w.files
	partial := w.partial
	if h := w.host; h != nil && !abandoned {
		mh := &b.manifest.Host
		mh.Kernel, mh.Platform, mh.PlatformVersion = b.cleanText(h.Kernel), b.cleanText(h.Platform), b.cleanText(h.PlatformVersion)
		mh.BootTime, mh.UptimeSeconds, mh.Virtualization = h.BootTime, h.UptimeSeconds, b.cleanText(h.Virtualization)
	}
	w.mu.Unlock()
	for _, f := range files {
		if cerr := f.close(); cerr != nil && err == nil && !errors.Is(cerr, errFileClosed) {
			err = fmt.Errorf("writing %s: %w", f.Path, cerr)
		}
	}
	var ue *unavailableError
	switch {
	case parent.Err() != nil && (abandoned || err != nil):
		c.Status, c.Reason = StatusSkipped, "interrupted"
	case abandoned:
		c.Status = StatusTimeout
		c.Reason = fmt.Sprintf("still running %v after its deadline of %v; left behind, its files closed", b.env.abandonAfter, j.timeout)
		b.logf(j.name, "%s", c.Reason)
	case ctx.Err() != nil && err != nil:
		c.Status = StatusTimeout
		c.Reason = fmt.Sprintf("its deadline of %v passed", j.timeout)
		if !isOwnDeadline(ctx, runCtx) {
			c.Reason = fmt.Sprintf("the run's deadline of %v passed", b.opt.RunTimeout)
		}
		if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
			c.Reason += ": " + err.Error()
		}
		b.logf(j.name, "%s", c.Reason)
	case errors.As(err, &ue):
		c.Status, c.Reason = StatusUnavailable, ue.why
		b.logf(j.name, "unavailable: %s", ue.why)
	case err != nil:
		c.Status, c.Reason = StatusError, err.Error()
		b.logf(j.name, "error: %v", err)
	case len(partial) > 0:
		c.Status, c.Reason = StatusPartial, strings.Join(partial, "; ")
	default:
		c.Status = StatusOK
	}

	// Finish the files: caps, scrubbing, checksums, the bundle cap.
	var kept []*staged
	for _, f := range files {
		secrets, failed, ferr := f.finish(func(data []byte) ([]byte, int, error) {
			clean, n, err := scrubText(data, b.pseudo)
			return []byte(safeLines(string(clean))), n, err
		})
		switch {
		case ferr != nil:
			f.omit("could not be staged: " + ferr.Error())
			b.logf(j.name, "%s: %v", f.Path, ferr)
		case failed:
			b.mu.Lock()
			b.failed = append(b.failed, f.Path)
			b.mu.Unlock()
			b.logf(j.name, "%s left out: %s", f.Path, f.Omitted)
		}
		b.mu.Lock()
		b.secrets += secrets
		if f.Omitted == "" && b.total+f.Bytes > b.opt.MaxSize {
			b.capped = true
			b.mu.Unlock()
			f.omit(fmt.Sprintf("over the bundle's size cap of %s", sizeText(b.opt.MaxSize)))
			b.mu.Lock()
		}
		b.total += f.Bytes
		b.mu.Unlock()
		if f.Omitted != "" && c.Status == StatusOK {
			c.Status, c.Reason = StatusPartial, f.Path+" left out: "+f.Omitted
		}
		if f.Truncated && f.Omitted == "" && c.Status == StatusOK {
			c.Status, c.Reason = StatusPartial, f.Path+" was cut to its last "+sizeText(b.opt.MaxFile)
		}
		c.Files = append(c.Files, f.File)
		if f.Omitted == "" {
			kept = append(kept, f)
		}
	}
	c.Reason = b.cleanText(c.Reason)
	return c, kept
}

// isOwnDeadline reports whether ctx ended by its own deadline rather than
// its parent's.
func isOwnDeadline(ctx, parent context.Context) bool {
	d1, ok1 := ctx.Deadline()
	d2, ok2 := parent.Deadline()
	return ok1 && (!ok2 || d1.Before(d2))
}

// full reports whether the bundle cap was reached.
func (b *run) full() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.capped || b.total >= b.opt.MaxSize
}

// progress says one collector's line: [ 3/11] reports/netns-a … ok (41 ms).
func (b *run) progress(i, n int, c Collector) {
	if b.opt.Quiet {
		return
	}
	width := len(fmt.Sprint(n))
	line := fmt.Sprintf("[%*d/%d] %s … %s (%s)", width, i, n, c.Name, c.Status, durationText(c.DurationMS))
	if c.Reason != "" && c.Status != StatusOK {
		line += ": " + c.Reason
	}
	fmt.Fprintln(b.env.Stderr, safetext.Text(line))
}

func durationText(ms int64) string {
	if ms < 1000 {
		return fmt.Sprintf("%d ms", ms)
	}
	return fmt.Sprintf("%.1f s", float64(ms)/1000)
}

// sayDone says where the bundle is and what is in it.
func (b *run) sayDone(res *Result) {
	if b.opt.Quiet {
		return
	}
	m := res.Manifest
	where := res.Path
	if where == "-" {
		where = "standard output"
	}
	w := b.env.Stderr
	fmt.Fprintf(w, "gonetstat: bundle written: %s (%s)\n", safetext.Text(where), sizeText(res.Bytes))
	fmt.Fprintf(w, "gonetstat: sha256 %s\n", res.SHA256)
	fmt.Fprintf(w, "gonetstat: bundle id %s: %s\n", m.BundleID, summaryLine(m))
	fmt.Fprintln(w, "gonetstat: review before sharing: it describes this machine's network in detail (README.txt inside says what it holds)")
}

// summaryLine is "11 collectors: 9 ok, 1 partial, 1 unavailable".
func summaryLine(m *Manifest) string {
	var parts []string
	for _, st := range Statuses {
		if n := *m.Summary.Count(st); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	s := fmt.Sprintf("%d collectors", len(m.Collectors))
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	if n := len(m.Redaction.Failed); n > 0 {
		s += fmt.Sprintf("; %d file(s) left out, not scrubbable", n)
	}
	return s
}

// sha256Hex is the digest of data in lower-case hex.
func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
