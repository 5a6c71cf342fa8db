// from_linux_test.go checks gonetstat --from against the live runs of
// the moment a bundle was made: in a namespace the test makes (known
// sockets, an interface, a route, a neighbour), the real binary writes a
// bundle (gonetstat bundle --netns) and prints its live -ano, -anob,
// --json, -r, -e and -s right after, and --from must print them again,
// as root and as nobody; bundle inspect must pass the bundle and fail an
// edited one.

package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gonetstat/gonetstat/bundle"
	"github.com/gonetstat/gonetstat/internal/testenv"
)

// jsonTime is the time of a document: a live run and --from print the
// same document but for it (--from prints the bundle's).
var jsonTime = regexp.MustCompile(`"time":"[^"]*"`)

// fromViews are the command lines compared, each also run with --netns.
var fromViews = [][]string{
	{"-ano"}, {"-anob"}, {"-an"}, {"-anop", "tcp"}, {"-tulpn"}, {"-ano", "--json"}, {"-anp", "udp", "--json"}, {"-ano", "--info"},
	{"-r"}, {"-e"}, {"-s"}, {"-s", "-p", "tcp"}, {"-r", "-e", "-s"}, {"-r", "--json"}, {"-r", "-e", "-s", "--json"},
}

func TestIntegrationFromReplaysLive(t *testing.T) {
	ns := makeNamespaces(t, 1)[0]
	// An interface with an address, a route and a neighbour, and no
	// IPv6 on it: nothing in the namespace sends, so its counters stay
	// as they were read.
	// A veth pair with both ends in the namespace (this kernel may have
	// no dummy driver).
	dummy := "gnfrom" + strconv.Itoa(os.Getpid()%100000)
	for _, cmd := range [][]string{
		{"ip", "netns", "exec", ns.name, "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6"},
		{"ip", "-n", ns.name, "link", "add", dummy, "type", "veth", "peer", "name", dummy + "p"},
		{"ip", "-n", ns.name, "addr", "add", "198.18.77.1/24", "dev", dummy},
		{"ip", "-n", ns.name, "link", "set", dummy, "up"},
		{"ip", "-n", ns.name, "link", "set", dummy + "p", "up"},
		{"ip", "-n", ns.name, "route", "add", "198.19.0.0/16", "via", "198.18.77.254", "metric", "50"},
		{"ip", "-n", ns.name, "neigh", "add", "198.18.77.2", "lladdr", "02:00:00:00:77:02", "dev", dummy, "nud", "permanent"},
	} {
		testenv.Run(t, cmd[0], cmd[1:]...)
	}

	// The bundle is made by the real writer (gonetstat bundle) and the
	// live views are read right after it; the reports read before and
	// after both must agree, or a counter moved (the kernel's own
	// traffic) and the capture is taken again, a bounded number of times.
	// Not t.TempDir: its parent is 0700, and nobody reads the bundle too.
	dir, err := os.MkdirTemp("", "gonetstat-from-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "b.tar.gz")
	var live map[string]string
	for attempt := 0; ; attempt++ {
		before := mustRun(t, "-r", "-e", "-s", "--json", "--netns", ns.name)
		os.Remove(path)
		if out, stderr, code := run(t, "bundle", "--netns", ns.name, "-o", path, "-q"); code != 0 {
			t.Fatalf("gonetstat bundle: exit %d\n%s%s", code, out, stderr)
		}
		live = map[string]string{}
		for _, v := range fromViews {
			args := append(append([]string{}, v...), "--netns", ns.name)
			live[strings.Join(args, " ")] = mustRun(t, args...)
		}
		after := mustRun(t, "-r", "-e", "-s", "--json", "--netns", ns.name)
		if jsonTime.ReplaceAllString(after, "") == jsonTime.ReplaceAllString(before, "") {
			break
		}
		if attempt == 4 {
			t.Fatalf("the namespace's counters moved in each of 5 captures; last two:\n%s\n%s", before, after)
		}
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}

	for _, cred := range []*syscall.Credential{nil, {Uid: 65534, Gid: 65534}} {
		for view, want := range live {
			args := append(strings.Fields(view), "--from", path)
			cmd := exec.Command(binary, args...)
			if cred != nil {
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
			}
			got, stderr, code := runCmd(t, cmd)
			if code != 0 || jsonTime.ReplaceAllString(got, "") != jsonTime.ReplaceAllString(want, "") {
				t.Errorf("%s (as uid %v): exit %d, stderr %s\nlive:\n%s\nfrom:\n%s", view, cred, code, stderr, want, got)
			}
			if !regexp.MustCompile(`(?m)^gonetstat: reading bundle ` + regexp.QuoteMeta(path) + `: host .+ \(linux\), collected .+ UTC, namespace ` + regexp.QuoteMeta(ns.name) + `$`).MatchString(stderr) {
				t.Errorf("%s: no notice on stderr: %q", view, stderr)
			}
		}
	}
	// The rows of the namespace are the helper's, with its PID.
	text := mustRun(t, "-ano", "--netns", ns.name, "--from", path)
	for _, w := range ns.want {
		if w.Proto == "tcp" && !strings.Contains(text, w.Local.String()+" ") {
			t.Errorf("--from -ano --netns %s has no %v:\n%s", ns.name, w.Local, text)
		}
	}

	out, stderr, code := run(t, "bundle", "inspect", path)
	if code != 0 || !regexp.MustCompile(`Every file matches the manifest \(\d+ files\)\.`).MatchString(out) || !strings.Contains(out, bundle.ReportsJSONPath(ns.name)) {
		t.Errorf("bundle inspect: exit %d\n%s%s", code, out, stderr)
	}
	// The bundle edited after it was made: inspect names the file, and
	// --from refuses it.
	bad := filepath.Join(dir, "edited.tar.gz")
	if err := os.WriteFile(bad, retar(t, path, func(name string, data []byte) []byte {
		if name != bundle.SocketsJSONPath {
			return data
		}
		return bytes.Replace(data, []byte(`"LISTEN"`), []byte(`"CLOSED"`), 1) // as long: the size agrees
	}), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = run(t, "bundle", "inspect", bad)
	if code != 1 || !strings.Contains(out, "MISMATCH: sockets/sockets.json: sha256") || !strings.Contains(stderr, "1 of ") {
		t.Errorf("bundle inspect of an edited bundle: exit %d\n%s%s", code, out, stderr)
	}
	if _, stderr, code := run(t, "-ano", "--from", bad); code != 1 || !strings.Contains(stderr, "sockets/sockets.json: sha256") {
		t.Errorf("--from an edited bundle: exit %d, %s", code, stderr)
	}
}

// retar rewrites the tar.gz at path, each entry's bytes through edit,
// headers kept.
func retar(t *testing.T, path string, edit func(name string, data []byte) []byte) []byte {
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
	var out bytes.Buffer
	gw := gzip.NewWriter(&out)
	tw := tar.NewWriter(gw)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		data = edit(h.Name, data)
		h.Size = int64(len(data))
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	tw.Close()
	gw.Close()
	return out.Bytes()
}

// mustRun runs the binary and fails t unless it exits 0.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	stdout, stderr, code := run(t, args...)
	if code != 0 {
		t.Fatalf("gonetstat %v: exit %d\n%s", args, code, stderr)
	}
	return stdout
}
