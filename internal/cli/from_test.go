// from_test.go checks --from against the live run it replays: a bundle
// is assembled from what the fixture's live runs print (-ano --json, -r
// -e -s --json, --ndjson samples), and each view of it must print what the
// live run of that view printed, incomplete tables included, with the
// notice naming the bundle. Then the ways --from fails.

package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/bundle"
	"github.com/gonetstat/gonetstat/bundle/bundletest"
	"github.com/gonetstat/gonetstat/collect"
)

// liveBuilder runs f live for the bundle's socket table and reports and
// assembles them as a bundle.
func liveBuilder(t *testing.T, f *fixture) *bundletest.Builder {
	t.Helper()
	ctx := context.Background()
	sockets := f.run(ctx, []string{"-ano", "--json"})
	reports := f.run(ctx, []string{"-r", "-e", "-s", "--json"})
	b := bundletest.New("web1", f.now(), bundle.NetNS{File: bundle.OwnNSFile, Own: true})
	b.Add("sockets", bundle.SocketsJSONPath, []byte(sockets.stdout))
	b.Add("reports/host", bundle.ReportsJSONPath(bundle.OwnNSFile), []byte(reports.stdout))
	return b
}

// liveBundle writes liveBuilder's bundle as a tar.gz in a temporary
// directory, after edit (when not nil) changed it, and returns its path.
func liveBundle(t *testing.T, f *fixture, edit func(*bundletest.Builder)) string {
	t.Helper()
	b := liveBuilder(t, f)
	if edit != nil {
		edit(b)
	}
	return writeBundle(t, b.TarGz(t))
}

func writeBundle(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gonetstat-bundle_web1_20261125T041000Z.tar.gz")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// views are the command lines --from must print as the live run did.
// Without -n a live run resolves names and --from does not: those are
// left to TestFromIsNumeric.
var views = [][]string{
	{"-ano"}, {"-anob"}, {"-an"}, {"-anop", "tcp"}, {"-anop", "udpv6"}, {"-tulpn"}, {"-anoq"},
	{"-ano", "--json"}, {"-an", "--json"}, {"-anp", "tcp", "--ndjson"}, {"-ano", "--info"},
	{"-r"}, {"-e"}, {"-s"}, {"-s", "-p", "tcp"}, {"-r", "-e", "-s"},
	{"-r", "--json"}, {"-e", "-s", "--ndjson"}, {"-s", "-p", "udp", "-p", "icmp", "--json"},
}

// checkReplays runs each view live and from the bundle at path: stdout
// and the exit status are the same; stderr starts with the notice, and
// every warning the live run said, --from says too.
func checkReplays(t *testing.T, f *fixture, path string, views [][]string) {
	t.Helper()
	ctx := context.Background()
	for _, args := range views {
		live := f.run(ctx, args)
		from := f.run(ctx, append(append([]string{}, args...), "--from", path))
		what := strings.Join(args, " ")
		if from.stdout != live.stdout || from.code != live.code {
			t.Errorf("%s: --from differs from the live run\nlive: %s\nfrom: %s", what, live, from)
			continue
		}
		// The notice comes before anything but the notes on how the
		// command line was read.
		lines := strings.Split(strings.TrimSuffix(from.stderr, "\n"), "\n")
		for len(lines) > 1 && strings.HasPrefix(lines[0], "gonetstat: note: ") {
			lines = lines[1:]
		}
		if !strings.HasPrefix(lines[0], "gonetstat: reading bundle "+path+": host web1 (linux), collected 2026-11-25 04:10:00 UTC, namespace host") {
			t.Errorf("%s: stderr does not start with the notice:\n%s", what, from.stderr)
		}
		for _, l := range strings.Split(live.stderr, "\n") {
			if (strings.Contains(l, "warning") || strings.HasPrefix(l, "gonetstat: -")) && !strings.Contains(from.stderr, l) {
				t.Errorf("%s: --from does not say %q\nlive: %s\nfrom: %s", what, l, live, from)
			}
		}
	}
}

func TestFromReplaysTheLiveRun(t *testing.T) {
	f := newFixture()
	checkReplays(t, f, liveBundle(t, f, nil), views)
	// The same bundle as a zip (Windows writes zip).
	f = newFixture()
	checkReplays(t, f, writeBundle(t, liveBuilder(t, f).Zip(t)), [][]string{{"-ano"}, {"-r", "-e", "-s", "--json"}})
}

// TestFromIncompleteTables: a table or report that was incomplete when
// collected is shown with the warnings its run said, and exit 1, as live.
func TestFromIncompleteTables(t *testing.T) {
	f := newFixture()
	f.sockets.err = collect.Partial(errors.New("dumping tcp6: interrupted 3 times"))
	f.routes = func(context.Context, string) (collect.RouteTable, error) {
		return fakeRoutes(), collect.PartialOf("routing table", errors.New("dumping IPv6 routes: interrupted 3 times"))
	}
	f.interfaces = func(context.Context, string) ([]collect.InterfaceCounters, error) {
		return nil, errors.New("reading /proc/net/dev: permission denied")
	}
	path := liveBundle(t, f, nil)
	checkReplays(t, f, path, [][]string{{"-ano"}, {"-ano", "--json"}, {"-r"}, {"-r", "--json"}, {"-e"}, {"-r", "-e", "-s"}, {"-r", "-e", "-s", "--ndjson"}})
}

// TestFromCollectorStatus: a collector the manifest marks partial or
// timeout gives its rows, a warning naming it, and exit 1; one that
// wrote nothing is an error saying why.
func TestFromCollectorStatus(t *testing.T) {
	f := newFixture()
	path := liveBundle(t, f, func(b *bundletest.Builder) {
		c := b.Collector("sockets")
		c.Status, c.Reason = bundle.StatusTimeout, "deadline of 10s"
		c = b.Collector("reports/host")
		c.Status, c.Reason = bundle.StatusPartial, "neighbours: permission denied"
	})
	ctx := context.Background()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-ano"}, `gonetstat: warning: the bundle's collector "sockets" ended timeout: deadline of 10s`},
		{[]string{"-ano", "--json"}, `"warnings":["the bundle's collector \"sockets\" ended timeout: deadline of 10s"]`},
		{[]string{"-e"}, `gonetstat: warning: the bundle's collector "reports/host" ended partial: neighbours: permission denied`},
		{[]string{"-s", "--json"}, `"warnings":["the bundle's collector \"reports/host\" ended partial: neighbours: permission denied"]`},
	} {
		live := f.run(ctx, tt.args)
		got := f.run(ctx, append(tt.args, "--from", path))
		if got.code != 1 || !strings.Contains(got.stdout+got.stderr, tt.want) {
			t.Errorf("%v: want exit 1 and %s\n%s", tt.args, tt.want, got)
		}
		if !strings.Contains(tt.want, `"warnings"`) && got.stdout != live.stdout {
			t.Errorf("%v: the rows differ from the live run\nlive: %s\nfrom: %s", tt.args, live, got)
		}
	}
}

// TestFromSamples: --ndjson --from replays the samples, one line each,
// filtered as a live --ndjson run filters them.
func TestFromSamples(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	var samples, filtered []string
	for i := range 3 {
		f.sockets.socks = table()[i:]
		f.now = func() time.Time { return time.Date(2026, 11, 25, 4, 10, i, 0, time.UTC) }
		samples = append(samples, f.run(ctx, []string{"-ano", "--ndjson"}).stdout)
		filtered = append(filtered, f.run(ctx, []string{"-anop", "tcp", "--ndjson"}).stdout)
	}
	path := liveBundle(t, f, func(b *bundletest.Builder) {
		b.Add("samples", bundle.SamplesPath, []byte(strings.Join(samples, "")))
	})
	for args, want := range map[string]string{"-ano": strings.Join(samples, ""), "-anop tcp": strings.Join(filtered, "")} {
		got := f.run(ctx, append(strings.Fields(args), "--ndjson", "--from", path))
		if got.code != 0 || got.stdout != want {
			t.Errorf("%s --ndjson --from: want the samples\n%s\ngot %s", args, want, got)
		}
	}
	// --json shows the one snapshot of sockets.json, not the samples.
	if got := f.run(ctx, []string{"-ano", "--json", "--from", path}); strings.Count(got.stdout, `"schema"`) != 1 {
		t.Errorf("-ano --json --from: %s", got)
	}
}

// TestFromNamespaces: without --netns, the namespace gonetstat ran in;
// --netns names one of the bundle's by file, name or inode; --all-netns
// every one, with the Namespace column.
func TestFromNamespaces(t *testing.T) {
	f := newFixture()
	socks := table()
	own, blue := &collect.Namespace{Inode: 4026531840}, &collect.Namespace{Inode: 4026532001, Name: "blue"}
	for i := range socks {
		socks[i].NetNS = own
		if i%3 == 0 {
			socks[i].NetNS = blue
		}
	}
	f.sockets.socks = socks
	path := liveBundle(t, f, func(b *bundletest.Builder) {
		b.Manifest.Invocation.NetNS = []bundle.NetNS{{File: "host", Inode: 4026531840, Own: true}, {File: "blue", Name: "blue", Inode: 4026532001}}
	})
	ctx := context.Background()
	count := func(args ...string) (int, result) {
		r := f.run(ctx, append(args, "--from", path))
		return strings.Count(r.stdout, "\n  TCP ") + strings.Count(r.stdout, "\n  UDP "), r
	}
	for _, tt := range []struct {
		args []string
		rows int
	}{
		{[]string{"-ano"}, 5}, {[]string{"-ano", "--netns", "blue"}, 3}, {[]string{"-ano", "--netns", "4026532001"}, 3},
		{[]string{"-ano", "--all-netns"}, 8},
	} {
		if n, r := count(tt.args...); n != tt.rows || r.code != 0 {
			t.Errorf("%v: %d rows, want %d\n%s", tt.args, n, tt.rows, r)
		}
	}
	if _, r := count("-ano", "--all-netns"); !strings.Contains(r.stdout, "Namespace") {
		t.Errorf("--all-netns --from has no Namespace column:\n%s", r)
	}
	// A bundle of one namespace (bundle --netns blue) reads it by default.
	only := liveBundle(t, f, func(b *bundletest.Builder) {
		b.Manifest.Invocation.NetNS = []bundle.NetNS{{File: "blue", Name: "blue", Inode: 4026532001}}
	})
	if r := f.run(ctx, []string{"-ano", "--from", only}); strings.Count(r.stdout, "\n  TCP ")+strings.Count(r.stdout, "\n  UDP ") != 3 || !strings.Contains(r.stderr, "namespace blue\n") {
		t.Errorf("a bundle of namespace blue alone:\n%s", r)
	}
	if _, r := count("-ano", "--netns", "red"); r.code != 1 || !strings.Contains(r.stderr, `holds no namespace "red" (it holds [host blue])`) {
		t.Errorf("an unknown namespace: %s", r)
	}
	if _, r := count("-r", "--netns", "blue"); r.code != 1 || !strings.Contains(r.stderr, "holds no reports/blue.json") {
		t.Errorf("reports the bundle does not hold: %s", r)
	}
}

func TestFromFails(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	dir := t.TempDir()
	omitted := liveBundle(t, f, func(b *bundletest.Builder) {
		c := b.Collector("sockets")
		c.Files[0] = bundle.File{Path: bundle.SocketsJSONPath, Omitted: "larger than the per-file cap (25 MiB)", Truncated: true}
		b.Entries = b.Entries[1:]
	})
	failed := liveBundle(t, f, func(b *bundletest.Builder) {
		c := b.Collector("sockets")
		c.Status, c.Reason, c.Files = bundle.StatusError, "sock_diag: permission denied", []bundle.File{}
		b.Entries = b.Entries[1:]
	})
	hostile := liveBundle(t, f, func(b *bundletest.Builder) { b.Manifest.Host.Name = "web1\x1b[2J\u202e" })
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-ano", "--from", filepath.Join(dir, "nothing.tar.gz")}, 1, "gonetstat: --from: open " + dir},
		{[]string{"-ano", "--from", "/etc/hostname"}, 1, "gonetstat: --from: /etc/hostname: not a valid bundle: not a gonetstat bundle: neither a gzip nor a zip file"},
		{[]string{"-ano", "--from", omitted}, 1, `sockets/sockets.json was left out of the bundle by collector "sockets": larger than the per-file cap (25 MiB)`},
		{[]string{"-ano", "--from", failed}, 1, `holds no sockets/sockets.json: collector "sockets" ended error: sock_diag: permission denied`},
		{[]string{"-ano", "--from", hostile}, 0, ": host web1?[2J? (linux),"},
		{[]string{"-ano", "--from", ""}, 2, "--from needs a bundle file"},
		{[]string{"-ano", "--stack", "--from", omitted}, 2, "--from with --stack"},
		{[]string{"-ano", "5", "--from", omitted}, 2, "--from with an interval"},
		{[]string{"-ano", "--source", "proc", "--from", omitted}, 2, "--from with --source"},
		{[]string{"-r", "--all-netns", "--from", omitted}, 2, "-r with --all-netns"},
	} {
		got := f.run(ctx, tt.args)
		if got.code != tt.code || !strings.Contains(got.stderr, tt.want) {
			t.Errorf("%v: want exit %d and %q\n%s", tt.args, tt.code, tt.want, got)
		}
	}
}

// TestFromIsNumeric: a bundle's addresses are never looked up here (they
// are another network's): without -n the table is numeric, and a note
// says so.
func TestFromIsNumeric(t *testing.T) {
	f := newFixture()
	path := liveBundle(t, f, nil)
	ctx := context.Background()
	numeric := f.run(ctx, []string{"-ao"})
	got := f.run(ctx, []string{"-ao", "--from", path})
	if want := f.run(ctx, []string{"-ano"}).stdout; got.stdout != want || numeric.stdout == want {
		t.Errorf("-ao --from is not the -ano table:\n%s", got)
	}
	if !strings.Contains(got.stderr, "gonetstat: note: --from shows addresses as numbers") {
		t.Errorf("no note on stderr:\n%s", got)
	}
}
