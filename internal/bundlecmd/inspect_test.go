// inspect_test.go checks bundle inspect: the manifest's tables, every
// file checked, a mismatch named in its row and exit status 1, and the
// bundle's own strings made safe for the terminal.

package bundlecmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/bundle"
	"github.com/gonetstat/gonetstat/bundle/bundletest"
	"github.com/gonetstat/gonetstat/internal/safetext/safetexttest"
	"github.com/gonetstat/gonetstat/internal/subcmd"
)

func sample() *bundletest.Builder {
	b := bundletest.New("web1", time.Date(2026, 11, 25, 4, 10, 0, 0, time.UTC))
	rows := int64(2)
	f := b.Add("sockets", bundle.SocketsJSONPath, []byte(`{"schema":"gonetstat.sockets/v1"}`))
	f.Rows = &rows
	b.Add("sockets", bundle.SocketsTextPath, []byte("text\n"))
	c := b.Collector("reports/host")
	c.Status, c.Reason = bundle.StatusTimeout, "deadline of 10s"
	c.Files = append(c.Files, bundle.File{Path: bundle.ReportsJSONPath("host"), Omitted: "larger than the per-file cap", Truncated: true})
	c = b.Collector("commands/nft")
	c.Status, c.Reason = bundle.StatusUnavailable, "nft is not installed"
	return b
}

// runInspect runs inspect on the bundle b as a file; it returns stdout
// and the error.
func runInspect(t *testing.T, b *bundletest.Builder) (string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "b.tar.gz")
	if err := os.WriteFile(path, b.TarGz(t), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	c := Inspect(&out, &errOut)
	c.SetArgs([]string{path})
	err := c.Execute()
	if errOut.Len() > 0 {
		t.Errorf("stderr: %q (errors are returned, not printed)", errOut.String())
	}
	return out.String(), err
}

// squeeze makes every run of spaces one, so that a row reads the same
// whatever the widths of the other rows make its columns.
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestInspect(t *testing.T) {
	out, err := runInspect(t, sample())
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		"| Host       | web1 (linux amd64, kernel 6.8.0, elevated)",
		"| Collectors | ok 1, partial 0, timeout 1, error 0, skipped 0, unavailable 1",
		"| sockets      | ok                                | 5ms  | sockets/sockets.json | 33B   | 2    | ok",
		"|              |                                   |      | sockets/sockets.txt  | 5B    | -    | ok",
		"| reports/host | timeout: deadline of 10s          | 5ms  | reports/host.json    | 0B    | -    | left out: larger than the per-file cap",
		"| commands/nft | unavailable: nft is not installed | 5ms  | -                    | -     | -    | -",
		"| (every bundle) | -                                 | -    | summary.txt          | 11B   | -    | present (not listed: no digest)",
		"|                |                                   |      | gonetstat.log        | 0B    | -    | present (not listed: no digest)",
		"Every file matches the manifest (7 files).",
	} {
		if !strings.Contains(squeeze(out), squeeze(want)) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}

func TestInspectMismatch(t *testing.T) {
	b := sample()
	b.Entries[1].Data = []byte("TEXT\n") // as long: only the digest differs
	out, err := runInspect(t, b)
	if err == nil || subcmd.ExitCode(err) != 1 || !strings.Contains(err.Error(), "1 of 7 files do not match the manifest") {
		t.Errorf("error %v (exit %d)", err, subcmd.ExitCode(err))
	}
	if !strings.Contains(squeeze(out), "| sockets/sockets.txt | 5B | - | MISMATCH: sockets/sockets.txt: sha256 ") {
		t.Errorf("the row does not say which file:\n%s", out)
	}
	// One that cannot be read through is an error after what it could
	// print.
	b = sample()
	b.Entries = append(b.Entries, bundletest.Entry{Name: "../../x", Data: []byte("x")})
	if _, err := runInspect(t, b); subcmd.ExitCode(err) != 1 || !strings.Contains(err.Error(), `entry name "../../x" is not a clean relative path`) {
		t.Errorf("a hostile entry: %v", err)
	}
}

// TestInspectHostileStrings: every string of the manifest reaches the
// terminal through safetext, whatever it holds.
func TestInspectHostileStrings(t *testing.T) {
	for _, name := range safetexttest.Names {
		b := sample()
		b.Manifest.Host.Name = name
		b.Manifest.Host.Kernel = name
		b.Manifest.Invocation.Args = []string{name}
		b.Manifest.Collectors[1].Reason = name
		b.Manifest.Collectors[1].Files[0].Omitted = name
		out, err := runInspect(t, b)
		if err != nil {
			t.Fatal(err)
		}
		safetexttest.CheckLines(t, "inspect of "+name, []byte(out))
	}
}

func TestInspectUsage(t *testing.T) {
	for _, args := range [][]string{{"a", "b"}, {}, {"--no-such-flag", "b.tar.gz"}} {
		var out bytes.Buffer
		c := Inspect(&out, &out)
		c.SetArgs(args)
		if err := c.Execute(); subcmd.ExitCode(err) != 2 {
			t.Errorf("%v: %v (exit %d), want a usage error", args, err, subcmd.ExitCode(err))
		}
	}
}
