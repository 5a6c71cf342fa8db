// bundle.go wires "gonetstat bundle": its flags, its help, and the
// sources a bundle reads the socket table and the reports through, which
// are this package's own code paths (the runner of -ano --json, the
// reports of -r -e -s --json), so a bundle holds exactly what gonetstat
// prints.

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gonetstat/gonetstat/bundle"
	"github.com/gonetstat/gonetstat/codec"
	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/subcmd"
	"github.com/gonetstat/gonetstat/platform/netns"
	"github.com/gonetstat/gonetstat/render"
)

// bundleCommandPath is the command usage errors point at.
const bundleCommandPath = "gonetstat bundle"

func bundleUsagef(format string, args ...any) error {
	return &subcmd.UsageError{Command: bundleCommandPath, Msg: "bundle: " + fmt.Sprintf(format, args...)}
}

// newBundleCommand returns "bundle"; its RunE only finishes parsing into
// o.Bundle, and Run makes the bundle with the real environment.
func newBundleCommand(o *Options, stdout io.Writer) *cobra.Command {
	var f struct {
		output, redact, mapFile, netns, maxSize string
		duration, interval, timeout             time.Duration
		allNetNS, withCommands                  bool
		dryRun, strict, quiet                   bool
	}
	c := &cobra.Command{
		Use:   "bundle",
		Short: "one archive of the host's network state, for support",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opt, err := bundleOptions(c.Flags(), f.output, f.redact, f.mapFile, f.netns, f.maxSize,
				f.duration, f.interval, f.timeout, f.allNetNS, f.withCommands, f.dryRun, f.strict, f.quiet)
			if err != nil {
				return err
			}
			o.Bundle = &opt
			return nil
		},
	}
	c.SilenceUsage, c.SilenceErrors = true, true
	c.SetHelpFunc(func(*cobra.Command, []string) {
		if stdout != nil {
			io.WriteString(stdout, bundleHelp)
		}
		o.Ran = true
	})
	c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return bundleUsagef("%v", err) })
	fs := c.Flags()
	fs.SortFlags = false
	fs.StringVarP(&f.output, "output", "o", "", "")
	fs.StringVar(&f.redact, "redact", "", "")
	fs.StringVar(&f.mapFile, "map-file", "", "")
	fs.DurationVar(&f.duration, "duration", 0, "")
	fs.DurationVar(&f.interval, "interval", 0, "")
	fs.StringVar(&f.netns, "netns", "", "")
	fs.BoolVar(&f.allNetNS, "all-netns", false, "")
	fs.BoolVar(&f.withCommands, "with-commands", false, "")
	fs.StringVar(&f.maxSize, "max-size", "", "")
	fs.DurationVar(&f.timeout, "timeout", bundle.DefaultTimeout, "")
	fs.BoolVar(&f.dryRun, "dry-run", false, "")
	fs.BoolVar(&f.strict, "strict", false, "")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "")
	fs.BoolP("help", "h", false, "")
	return c
}

// maxDuration bounds --duration: the samples, with the other collectors,
// must fit in the run's deadline.
const maxDuration = 4 * time.Minute

// bundleOptions checks the flags and turns them into bundle.Options.
func bundleOptions(fs *pflag.FlagSet, output, redact, mapFile, ns, maxSize string,
	duration, interval, timeout time.Duration, allNetNS, withCommands, dryRun, strict, quiet bool) (bundle.Options, error) {
	opt := bundle.Options{
		Output: output, MapFile: mapFile, NetNS: ns, AllNetNS: allNetNS, WithCommands: withCommands,
		Duration: duration, Interval: interval, Timeout: timeout,
		DryRun: dryRun, Strict: strict, Quiet: quiet, Format: bundle.DefaultFormat(),
	}
	if fs.Changed("output") && output == "" {
		return opt, bundleUsagef("-o needs a path, or - for standard output")
	}
	if fs.Changed("redact") {
		for _, k := range strings.Split(redact, ",") {
			switch strings.TrimSpace(strings.ToLower(k)) {
			case bundle.KindIP:
				opt.RedactIP = true
			case bundle.KindHost:
				opt.RedactHost = true
			case bundle.KindMAC:
				opt.RedactMAC = true
			default:
				return opt, bundleUsagef("--redact %q: want a comma-separated list of ip, host and mac", redact)
			}
		}
	}
	if mapFile != "" && !(opt.RedactIP || opt.RedactHost || opt.RedactMAC) {
		return opt, bundleUsagef("--map-file holds the pseudonyms of --redact: add --redact ip,host,mac (or some of them)")
	}
	if fs.Changed("netns") {
		if allNetNS {
			return opt, bundleUsagef("--netns and --all-netns cannot be used together: --netns collects one namespace, --all-netns every one")
		}
		if _, err := netns.ParseSpec(ns); err != nil {
			return opt, bundleUsagef("--netns: %v", err)
		}
	}
	switch {
	case duration < 0 || duration > maxDuration:
		return opt, bundleUsagef("--duration %v: want a duration from 1s to %v (the whole run is bounded to %v)", duration, maxDuration, bundle.DefaultRunTimeout)
	case fs.Changed("duration") && duration < time.Second:
		return opt, bundleUsagef("--duration %v: want at least 1s", duration)
	case fs.Changed("interval") && duration == 0:
		return opt, bundleUsagef("--interval is the time between the samples of --duration: add --duration")
	case fs.Changed("interval") && (interval < 100*time.Millisecond || interval > duration):
		return opt, bundleUsagef("--interval %v: want from 100ms to --duration (%v)", interval, duration)
	case timeout <= 0 || timeout > bundle.DefaultRunTimeout:
		return opt, bundleUsagef("--timeout %v: want a duration above 0 and at most %v", timeout, bundle.DefaultRunTimeout)
	}
	if fs.Changed("max-size") {
		n, err := parseSize(maxSize)
		if err != nil {
			return opt, bundleUsagef("--max-size %q: %v", maxSize, err)
		}
		opt.MaxSize = n
	}
	return opt, nil
}

// parseSize reads a size: a whole number of bytes, or one followed by K,
// M or G (KiB, MiB, GiB; a trailing "iB" or "B" is accepted).
func parseSize(s string) (int64, error) {
	t := strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(s)), "B"), "I")
	mult := int64(1)
	switch {
	case strings.HasSuffix(t, "K"):
		mult = 1 << 10
	case strings.HasSuffix(t, "M"):
		mult = 1 << 20
	case strings.HasSuffix(t, "G"):
		mult = 1 << 30
	}
	if mult > 1 {
		t = t[:len(t)-1]
	}
	n, err := strconv.ParseInt(t, 10, 64)
	switch {
	case err != nil || n <= 0:
		return 0, errors.New("want a positive size such as 100M, 2G or 65536")
	case n > (1<<62)/mult:
		return 0, errors.New("too large")
	}
	return n * mult, nil
}

// runBundle makes the bundle o asked for.
func runBundle(ctx context.Context, o bundle.Options, env Env) int {
	return bundle.Run(ctx, o, bundleEnv(env))
}

// bundleEnv gives a bundle this package's code paths.
func bundleEnv(env Env) bundle.Env {
	var elevated func() bool // the bundle's own: an elevated token on Windows
	if env.Euid != nil && runtime.GOOS != "windows" {
		elevated = func() bool { return env.Euid() == 0 }
	}
	return bundle.Env{
		Elevated: elevated,
		Stdout:   env.Stdout,
		Stderr:   safeLines{env.Stderr},
		Now:      env.Now,
		Hostname: env.Hostname,
		Sockets: func(ctx context.Context, q bundle.SocketsQuery) (codec.Envelope, []string, error) {
			return bundleSockets(ctx, env, q)
		},
		SocketsText: func(w io.Writer, socks []collect.Socket) error {
			r := &runner{opt: Options{All: true, Numeric: true, Owner: true}}
			return render.Text(w, socks, r.textOptions(socks))
		},
		Reports: func(ctx context.Context, ns string) (codec.Reports, error) {
			return bundleReports(ctx, env, ns)
		},
		ReportsText: func(w io.Writer, doc codec.Reports) error {
			return writeReportsText(w, &doc, bundleReportOptions(""))
		},
	}
}

// bundleSockets reads one snapshot as `gonetstat -ano --json` with the
// namespaces q names.
func bundleSockets(ctx context.Context, env Env, q bundle.SocketsQuery) (codec.Envelope, []string, error) {
	opt := Options{All: true, Numeric: true, Owner: true, JSON: true, Source: "auto", NetNS: q.NetNS, AllNetNS: q.AllNetNS}
	var notices []string
	say := func(msg string) { notices = append(notices, msg) }
	sockets, err := socketCollector(opt, env, say)
	if err != nil {
		return codec.Envelope{}, notices, err
	}
	r := &runner{opt: opt, env: env, sockets: sockets}
	snap, err := r.snapshot(ctx)
	if err != nil {
		return codec.Envelope{}, notices, err
	}
	for _, n := range []string{snap.ownerNotice, snap.stackNotice} {
		if n != "" {
			notices = append(notices, n)
		}
	}
	return r.envelope(snap), notices, ctx.Err()
}

// bundleReportOptions are the options of `gonetstat --netns NS -r -e -s`.
func bundleReportOptions(ns string) Options {
	return Options{Routes: true, Interfaces: true, Statistics: true, NetNS: ns}
}

// bundleReports reads a namespace's reports as -r -e -s --json does, and
// its neighbours and rules.
func bundleReports(ctx context.Context, env Env, ns string) (codec.Reports, error) {
	doc, interrupted := fillReports(ctx, bundleReportOptions(ns), env)
	if interrupted {
		return doc, ctx.Err()
	}
	if env.Neighbours == nil {
		doc.Warnings = append(doc.Warnings, "neighbours and rules are not available on "+runtime.GOOS)
		return doc, nil
	}
	neigh, rules, err := env.Neighbours(ctx, ns)
	if ctx.Err() != nil {
		return doc, ctx.Err()
	}
	if err == nil || collect.IsPartial(err) {
		doc.Neighbours, doc.Rules, doc.HasNeighbours = neigh, rules, true
	}
	switch {
	case errors.Is(err, collect.ErrUnsupported):
		doc.Warnings = append(doc.Warnings, "neighbours and rules are not available on "+runtime.GOOS)
	case err != nil:
		doc.Warnings = append(doc.Warnings, "neighbours and rules: "+err.Error())
	}
	return doc, nil
}
