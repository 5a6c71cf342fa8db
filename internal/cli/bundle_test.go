// bundle_test.go checks "gonetstat bundle"'s command line: its usage
// errors, its help (every flag listed, docs in step), and a bundle made
// through the CLI with a socket collector that hangs.

package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/gonetstat/gonetstat/bundle"
	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
)

func TestBundleUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bundle", "--redact", "ip,phone"}, `--redact "ip,phone": want a comma-separated list of ip, host and mac`},
		{[]string{"bundle", "--map-file", "m.json"}, "--map-file holds the pseudonyms of --redact"},
		{[]string{"bundle", "--netns", "a", "--all-netns"}, "--netns and --all-netns cannot be used together"},
		{[]string{"bundle", "--interval", "1s"}, "--interval is the time between the samples of --duration"},
		{[]string{"bundle", "--duration", "10m"}, "--duration 10m0s: want a duration from 1s to 4m0s"},
		{[]string{"bundle", "--duration", "5s", "--interval", "6s"}, "--interval 6s: want from 100ms to --duration (5s)"},
		{[]string{"bundle", "--timeout", "0s"}, "--timeout 0s"},
		{[]string{"bundle", "--max-size", "lots"}, `--max-size "lots": want a positive size`},
		{[]string{"bundle", "-o", ""}, "-o needs a path"},
		{[]string{"bundle", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"bundle", "extra"}, `unknown command "extra"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), tc.args, Env{Stdout: &stdout, Stderr: &stderr})
			if code != exitUsage || !strings.Contains(stderr.String(), tc.want) ||
				!strings.Contains(stderr.String(), "Try 'gonetstat bundle --help' for more information.") || stdout.Len() != 0 {
				t.Errorf("exit %d, stdout %q, stderr:\n%s", code, stdout.String(), stderr.String())
			}
		})
	}
}

func TestParseBundle(t *testing.T) {
	args := []string{"bundle", "-o", "-", "--redact", "IP, mac", "--map-file", "m.json", "--duration", "30s",
		"--max-size", "100M", "--timeout", "2s", "--netns", "blue", "--with-commands", "--strict", "-q"}
	o, err := Parse(args)
	if err != nil || o.Bundle == nil {
		t.Fatalf("Parse: %+v %v", o, err)
	}
	b := o.Bundle
	if b.Output != "-" || !b.RedactIP || b.RedactHost || !b.RedactMAC || b.MapFile != "m.json" || b.Duration != 30*time.Second ||
		b.MaxSize != 100<<20 || b.Timeout != 2*time.Second || b.NetNS != "blue" || !b.WithCommands || !b.Strict || !b.Quiet ||
		b.Format != bundle.DefaultFormat() || strings.Join(b.Args, " ") != strings.Join(args[1:], " ") {
		t.Errorf("bundle options %+v", b)
	}
	for in, want := range map[string]int64{"65536": 65536, "2G": 2 << 30, "10KiB": 10 << 10, "5mb": 5 << 20} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v", in, got, err)
		}
	}
}

// TestBundleHelp: --help prints the bundle's help and exits 0; it lists
// every flag the command accepts, and docs/bundle.md names them too.
func TestBundleHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), []string{"bundle", "--help"}, Env{Stdout: &stdout, Stderr: &stderr}); code != exitOK || stdout.String() != bundleHelp {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	doc, err := os.ReadFile("../../docs/bundle.md")
	if err != nil {
		t.Fatal(err)
	}
	var o Options
	newBundleCommand(&o, nil).Flags().VisitAll(func(f *pflag.Flag) {
		want := "--" + f.Name
		if f.Shorthand != "" {
			want = "-" + f.Shorthand + ", --" + f.Name
		}
		if !strings.Contains(bundleHelp, want) {
			t.Errorf("bundle --help does not list %q", want)
		}
		if !strings.Contains(string(doc), "--"+f.Name+" ") && !strings.Contains(string(doc), "--"+f.Name+"`") {
			t.Errorf("docs/bundle.md does not name --%s", f.Name)
		}
	})
}

// hangingSockets is a socket table that never comes: it returns only
// when its context ends.
type hangingSockets struct{}

func (hangingSockets) Collect(ctx context.Context, _ collect.Query) ([]collect.Socket, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestBundleSocketsHang: through the CLI, a socket table that hangs makes
// the sockets collector (and the samples) timeout; the bundle is written
// and exit is 0, or 3 with --strict.
func TestBundleSocketsHang(t *testing.T) {
	for _, strict := range []bool{false, true} {
		dir := t.TempDir()
		out := filepath.Join(dir, "b.tar.gz")
		env := Env{
			Stdout: io.Discard, Stderr: io.Discard, Hostname: func() (string, error) { return "web1", nil }, Now: time.Now, Euid: func() int { return 1000 },
			Sockets: func(string, func(string)) (collect.Collector, error) { return hangingSockets{}, nil },
		}
		args := []string{"bundle", "-o", out, "--timeout", "100ms"}
		if strict {
			args = append(args, "--strict")
		}
		var code int
		testenv.NoHang(t, "a bundle whose socket table hangs", func() { code = Run(context.Background(), args, env) })
		if want := map[bool]int{false: 0, true: 3}[strict]; code != want {
			t.Fatalf("strict %v: exit %d, want %d", strict, code, want)
		}
		m := manifestOf(t, out)
		for _, c := range m.Collectors {
			if c.Name == "sockets" && (c.Status != bundle.StatusTimeout || !strings.Contains(c.Reason, "deadline of 100ms")) {
				t.Errorf("sockets: %+v", c)
			}
		}
	}
}

// manifestOf reads the manifest of a tar.gz bundle.
func manifestOf(t *testing.T, path string) *bundle.Manifest {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	h, err := tr.Next()
	if err != nil || h.Name != bundle.ManifestPath {
		t.Fatalf("first entry %v, %v", h, err)
	}
	m, err := bundle.Decode(tr)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// tarEntries reads every entry of a tar.gz bundle, in order.
func tarEntries(t *testing.T, path string) []tarEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []tarEntry
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tarEntry{h.Name, data})
	}
}

type tarEntry struct {
	name string
	data []byte
}
