// collectors.go is the plan of a bundle: which collectors run, in which
// order, under which deadline, and what each one writes (docs/bundle.md,
// "Collectors").

package bundle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/netns"
	"github.com/gonetstat/gonetstat/render"
)

// Sysctls are the net.* settings a bundle records per namespace: the
// ones that decide how many connections a host can hold and how fast it
// lets go of them. A setting the kernel does not have (conntrack without
// its module) is listed as absent; reading one never loads a module.
var Sysctls = [...]string{
	"net.ipv4.ip_local_port_range",
	"net.ipv4.ip_local_reserved_ports",
	"net.core.somaxconn",
	"net.core.netdev_max_backlog",
	"net.ipv4.tcp_max_syn_backlog",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.tcp_tw_reuse",
	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_max_tw_buckets",
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_rmem",
	"net.ipv4.tcp_wmem",
	"net.ipv4.tcp_congestion_control",
	"net.ipv4.ip_forward",
	"net.ipv6.conf.all.forwarding",
	"net.netfilter.nf_conntrack_count",
	"net.netfilter.nf_conntrack_max",
}

// plan lists the collectors of this run in the order they run: host
// facts, the socket table, then per namespace the reports, the raw
// /proc/net files and the sysctls, then the commands, and the samples
// last (they take --duration).
func (b *run) plan(nsList []Namespace) []job {
	opt := b.opt
	sockEstimate := b.estimateSockets()
	jobs := []job{
		{name: "host", timeout: opt.Timeout, estimate: 0, run: b.collectHost},
		{name: "sockets", timeout: opt.Timeout, estimate: sockEstimate * 2, run: b.collectSockets},
	}
	for _, ns := range nsList {
		jobs = append(jobs, job{name: "reports/" + ns.File, timeout: opt.Timeout, estimate: 12 << 10,
			run: func(ctx context.Context, w *work) error { return b.collectReports(ctx, w, ns) }})
	}
	for _, ns := range nsList {
		jobs = append(jobs, job{name: "raw/" + ns.File, timeout: opt.Timeout, estimate: sockEstimate/2 + 32<<10,
			run: func(ctx context.Context, w *work) error { return b.collectRaw(ctx, w, ns) }})
	}
	for _, ns := range nsList {
		jobs = append(jobs, job{name: "sysctl/" + ns.File, timeout: opt.Timeout, estimate: 2 << 10,
			run: func(ctx context.Context, w *work) error { return b.collectSysctls(ctx, w, ns) }})
	}
	if opt.WithCommands {
		for _, c := range commands {
			jobs = append(jobs, job{name: "commands/" + c.name, timeout: opt.CommandTimeout, estimate: c.estimate,
				run: func(ctx context.Context, w *work) error { return b.runCommand(ctx, w, c) }})
		}
	}
	if opt.Duration > 0 {
		n := int64(opt.Duration/opt.Interval) + 1
		jobs = append(jobs, job{name: "samples", timeout: opt.Duration + opt.Timeout, estimate: n * sockEstimate,
			run: b.collectSamples})
	}
	return append(jobs, b.env.extra...)
}

// estimateSockets guesses the bytes of one JSON socket table from the
// kernel's socket count (/proc/net/sockstat), for --dry-run: about 400
// bytes a row.
func (b *run) estimateSockets() int64 {
	data, err := os.ReadFile("/proc/net/sockstat")
	if err != nil {
		return 64 << 10
	}
	var used int64
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "sockets: used "); ok {
			fmt.Sscan(rest, &used)
		}
	}
	return max(used, 16) * 400
}

// sayPlan prints --dry-run's plan: each collector, its deadline and
// estimate, and where the archive would go.
func (b *run) sayPlan(plan []job, out string) {
	w := b.env.Stdout
	if out == "-" {
		out = "standard output"
	}
	fmt.Fprintf(w, "gonetstat bundle --dry-run: %d collectors, archive %s\n", len(plan), safeLines(out))
	var total int64
	width := 0
	for _, j := range plan {
		width = max(width, len(j.name))
	}
	for i, j := range plan {
		fmt.Fprintf(w, "  [%2d] %-*s  deadline %-6v  about %s\n", i+1, width, safeLines(j.name), j.timeout, sizeText(j.estimate))
		total += j.estimate
	}
	fmt.Fprintf(w, "estimate: about %s before compression (cap %s per file, %s in all); whole run at most %v\n",
		sizeText(total), sizeText(b.opt.MaxFile), sizeText(b.opt.MaxSize), b.opt.RunTimeout)
	if p := b.pseudo; p.enabled() {
		fmt.Fprintf(w, "pseudonyms: %s\n", strings.Join(p.kinds(), ", "))
	}
}

// collectHost reads the manifest's host facts (gopsutil's host package);
// runJob copies them into the manifest once the collector has returned,
// so a collector left behind can never write the manifest being encoded.
func (b *run) collectHost(ctx context.Context, w *work) error {
	h, err := b.env.HostInfo(ctx)
	w.mu.Lock()
	w.host = &h
	w.mu.Unlock()
	if err != nil && ctx.Err() == nil && h.Kernel != "" {
		w.partialf("host facts: %v", err)
		return nil
	}
	return err
}

// collectSockets writes the socket table: the JSON document -ano --json
// prints and the -ano text of the same snapshot.
func (b *run) collectSockets(ctx context.Context, w *work) error {
	env, notices, err := b.env.Sockets(ctx, b.socketsQuery())
	if errors.Is(err, collect.ErrUnsupported) {
		return unavailable("%v", err)
	}
	if err != nil {
		return err
	}
	for _, n := range notices {
		w.logf("%s", n)
	}
	for _, warn := range env.Warnings {
		w.partialf("%s", warn)
	}
	b.redactSockets(&env)
	rows := int64(len(env.Sockets))
	tags := b.redactedTags()
	jf, err := w.create(SocketsJSONPath, cutOmit, false, "sockets", "json")
	if err != nil {
		return err
	}
	jf.Schema, jf.Rows, jf.Redacted = render.SocketsSchema, &rows, tags
	if err := render.JSON(jf, env); err != nil {
		return fmt.Errorf("writing %s: %w", SocketsJSONPath, err)
	}
	tf, err := w.create(SocketsTextPath, cutOmit, false, "sockets", "text")
	if err != nil {
		return err
	}
	tf.Rows, tf.Redacted = &rows, tags
	if err := b.env.SocketsText(tf, env.Sockets); err != nil {
		return fmt.Errorf("writing %s: %w", SocketsTextPath, err)
	}
	return ctx.Err()
}

// socketsQuery is the namespaces the socket table reads.
func (b *run) socketsQuery() SocketsQuery {
	return SocketsQuery{NetNS: b.opt.NetNS, AllNetNS: b.allNetNS()}
}

// redactedTags lists what --redact replaced, for a file rendered from the
// redacted model.
func (b *run) redactedTags() []string {
	if !b.pseudo.enabled() {
		return nil
	}
	return b.pseudo.kinds()
}

// collectSamples writes --duration's snapshots, one NDJSON line every
// --interval, the first at once.
func (b *run) collectSamples(ctx context.Context, w *work) error {
	f, err := w.create(SamplesPath, cutOmit, false, "sockets", "samples", "ndjson")
	if err != nil {
		return err
	}
	f.Schema, f.Redacted = render.SocketsSchema, b.redactedTags()
	var rows int64
	f.Rows = &rows
	end := time.Now().Add(b.opt.Duration)
	tick := time.NewTicker(b.opt.Interval)
	defer tick.Stop()
	for {
		env, _, err := b.env.Sockets(ctx, b.socketsQuery())
		if errors.Is(err, collect.ErrUnsupported) {
			return unavailable("%v", err)
		}
		if err != nil {
			return err
		}
		for _, warn := range env.Warnings {
			w.partialf("sample %d: %s", rows+1, warn)
		}
		b.redactSockets(&env)
		if err := render.NDJSON(f, env); err != nil {
			return fmt.Errorf("writing %s: %w", SamplesPath, err)
		}
		rows++
		if !time.Now().Add(b.opt.Interval).Before(end.Add(time.Millisecond)) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// collectReports writes a namespace's reports as JSON and text.
func (b *run) collectReports(ctx context.Context, w *work, ns Namespace) error {
	spec, release, err := b.env.Pin(ns)
	if err != nil {
		return gone(err)
	}
	defer release()
	doc, err := b.env.Reports(ctx, spec)
	if err != nil {
		return gone(err)
	}
	for _, warn := range doc.Warnings {
		w.partialf("%s", warn)
	}
	doc.Host = b.host
	b.redactReports(&doc)
	tags := b.redactedTags()
	nsTag := "netns:" + ns.File
	jf, err := w.create(ReportsJSONPath(ns.File), cutOmit, false, "reports", "json", nsTag)
	if err != nil {
		return err
	}
	jf.Schema, jf.Redacted = render.ReportsSchema, tags
	if err := render.ReportsJSON(jf, doc); err != nil {
		return fmt.Errorf("writing %s: %w", jf.Path, err)
	}
	tf, err := w.create(ReportsTextPath(ns.File), cutTail, false, "reports", "text", nsTag)
	if err != nil {
		return err
	}
	tf.Redacted = tags
	if err := b.env.ReportsText(tf, doc); err != nil {
		return fmt.Errorf("writing %s: %w", tf.Path, err)
	}
	return ctx.Err()
}

// collectRaw copies the namespace's /proc/net files, each read whole from
// a thread inside it and rewritten by redactRaw.
func (b *run) collectRaw(ctx context.Context, w *work, ns Namespace) error {
	type read struct {
		name string
		data []byte
		over bool
	}
	var got []read
	err := b.env.InNamespace(ctx, ns, func(proc string) error {
		for _, name := range ProcNetFiles {
			if err := ctx.Err(); err != nil {
				return err
			}
			data, over, err := readCapped(filepath.Join(proc, "net", name), b.opt.MaxFile)
			if errors.Is(err, fs.ErrNotExist) {
				continue // no IPv6, no raw sockets in this kernel: nothing to copy
			}
			if err != nil {
				w.partialf("reading /proc/net/%s: %v", name, err)
				continue
			}
			got = append(got, read{name, data, over})
		}
		return nil
	})
	if err != nil {
		return gone(err)
	}
	for _, r := range got {
		path := RawProcNetPath(ns.File, r.name)
		f, err := w.create(path, cutOmit, false, "raw", "proc", "netns:"+ns.File)
		if err != nil {
			return err
		}
		if r.over {
			// A table over the cap is left out, never cut: the rest is
			// counted so the manifest says how large it was.
			f.markOver(int64(len(r.data)))
			continue
		}
		data, secrets, rerr := redactRaw(r.name, r.data, b.pseudo)
		if rerr != nil {
			// Fail closed: a file the parser cannot read is not copied
			// unredacted.
			f.close()
			f.omit(fmt.Sprintf("could not be parsed for redaction: %v", rerr))
			b.mu.Lock()
			b.failed = append(b.failed, path)
			b.mu.Unlock()
			w.logf("%s left out: %s", path, f.Omitted)
			continue
		}
		b.mu.Lock()
		b.secrets += secrets
		b.mu.Unlock()
		if secrets > 0 {
			f.Redacted = append(f.Redacted, "secrets")
		}
		if b.pseudo.enabled() && rawAddressFiles[r.name] {
			f.Redacted = append(f.Redacted, b.pseudo.kinds()...)
		}
		if _, err := f.Write(data); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	return ctx.Err()
}

// readCapped reads a file whole, or reports it larger than max (over)
// after reading max+1 bytes of it. /proc files have no size to stat.
func readCapped(path string, max int64) (data []byte, over bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, false, err
	}
	return data, int64(len(data)) > max, nil
}

// collectSysctls writes the namespace's selected sysctls, read from a
// thread inside it (net.* sysctls are per namespace).
func (b *run) collectSysctls(ctx context.Context, w *work, ns Namespace) error {
	var out bytes.Buffer
	fmt.Fprintf(&out, "# net.* sysctls of network namespace %s\n", ns.File)
	err := b.env.InNamespace(ctx, ns, func(string) error {
		for _, name := range Sysctls {
			path := filepath.Join(sysctlRoot, strings.ReplaceAll(name, ".", "/"))
			data, _, err := readCapped(path, 4096)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				fmt.Fprintf(&out, "# %s: absent (not in this kernel, or its module is not loaded)\n", name)
			case err != nil:
				fmt.Fprintf(&out, "# %s: %v\n", name, err)
				w.partialf("%s: %v", name, err)
			default:
				fmt.Fprintf(&out, "%s = %s\n", name, strings.Join(strings.Fields(string(data)), "\t"))
			}
		}
		return nil
	})
	if err != nil {
		return gone(err)
	}
	f, ferr := w.create(SysctlPath(ns.File), cutTail, true, "sysctl", "text", "netns:"+ns.File)
	if ferr != nil {
		return ferr
	}
	if _, err := f.Write(out.Bytes()); err != nil {
		return err
	}
	return ctx.Err()
}

// gone turns the error of a namespace that went away between the listing
// and the reading (its last process exited, ip netns delete) into
// unavailable: nothing is missing that still exists, as for --all-netns.
func gone(err error) error {
	if errors.Is(err, netns.ErrGone) {
		return unavailable("%v", err)
	}
	return err
}

// sysctlRoot is where sysctls are read: /proc/sys, resolved for net.* by
// the reading thread's namespace.
var sysctlRoot = "/proc/sys"
