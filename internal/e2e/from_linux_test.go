// from_linux_test.go checks gonetstat --from against the live runs of
// the moment a bundle was made: in a namespace the test makes (known
// sockets, an interface, a route, a neighbour), the real binary's live
// -ano, -anob, --json, -r, -e and -s are captured beside the documents a
// bundle holds, and --from must print them again, as root and as nobody;
// bundle inspect must pass the bundle and fail a tampered one.

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/bundle"
	"github.com/gonetstat/gonetstat/bundle/bundletest"
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

	var b *bundletest.Builder
	var live map[string]string
	// The documents and the live views are read one after the other: a
	// counter that moved in between (the kernel's own traffic) shows as
	// the reports read before and after differing, and the capture is
	// taken again, a bounded number of times.
	for attempt := 0; ; attempt++ {
		reports := mustRun(t, "-r", "-e", "-s", "--json", "--netns", ns.name)
		sockets := mustRun(t, "-ano", "--all-netns", "--json")
		live = map[string]string{}
		for _, v := range fromViews {
			args := append(append([]string{}, v...), "--netns", ns.name)
			live[strings.Join(args, " ")] = mustRun(t, args...)
		}
		again := mustRun(t, "-r", "-e", "-s", "--json", "--netns", ns.name)
		if jsonTime.ReplaceAllString(again, "") == jsonTime.ReplaceAllString(reports, "") {
			b = fromBundle(t, ns, sockets, reports)
			break
		}
		if attempt == 4 {
			t.Fatalf("the namespace's counters moved in each of 5 captures; last two:\n%s\n%s", reports, again)
		}
	}
	// Not t.TempDir: its parent is 0700, and nobody reads the bundle too.
	dir, err := os.MkdirTemp("", "gonetstat-from-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "gonetstat-bundle_e2e_20261125T041000Z.tar.gz")
	if err := os.WriteFile(path, b.TarGz(t), 0o644); err != nil {
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
			if !strings.Contains(stderr, "gonetstat: reading bundle "+path+": host e2e (linux), collected ") {
				t.Errorf("%s: no notice on stderr: %q", view, stderr)
			}
		}
	}
	// The rows of the namespace are the helper's, with its PID.
	text := mustRun(t, "-ano", "--netns", ns.name, "--from", path)
	for _, w := range ns.want {
		if w.Proto == "tcp" && !strings.Contains(text, w.Local.String()) {
			t.Errorf("--from -ano --netns %s has no %v:\n%s", ns.name, w.Local, text)
		}
	}

	out, stderr, code := run(t, "bundle", "inspect", path)
	if code != 0 || !strings.Contains(out, "Every file matches the manifest (4 files).") || !strings.Contains(out, bundle.ReportsJSONPath(ns.name)) {
		t.Errorf("bundle inspect: exit %d\n%s%s", code, out, stderr)
	}
	// A bundle edited after it was made: inspect names the file.
	b.Entries[0].Data = bytes.Replace(b.Entries[0].Data, []byte(`"LISTEN"`), []byte(`"CLOSED"`), 1) // as long: the size agrees
	bad := filepath.Join(dir, "edited.tar.gz")
	if err := os.WriteFile(bad, b.TarGz(t), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = run(t, "bundle", "inspect", bad)
	if code != 1 || !strings.Contains(out, "MISMATCH: sockets/sockets.json: sha256") || !strings.Contains(stderr, "1 of 4 files do not match the manifest") {
		t.Errorf("bundle inspect of an edited bundle: exit %d\n%s%s", code, out, stderr)
	}
	if _, stderr, code := run(t, "-ano", "--from", bad); code != 1 || !strings.Contains(stderr, "sockets/sockets.json: sha256") {
		t.Errorf("--from an edited bundle: exit %d, %s", code, stderr)
	}
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

// fromBundle assembles the bundle of the capture: the socket table of
// every namespace, our own namespace's reports and the test namespace's.
func fromBundle(t *testing.T, ns *testNS, sockets, reports string) *bundletest.Builder {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/net", &st); err != nil {
		t.Fatal(err)
	}
	b := bundletest.New("e2e", time.Now(),
		bundle.NetNS{File: bundle.OwnNSFile, Inode: st.Ino, Own: true},
		bundle.NetNS{File: ns.name, Name: ns.name, Inode: ns.inode})
	b.Add("sockets", bundle.SocketsJSONPath, []byte(sockets))
	b.Add("sockets", bundle.SocketsTextPath, []byte(mustRun(t, "-ano", "--all-netns")))
	b.Add("reports/"+bundle.OwnNSFile, bundle.ReportsJSONPath(bundle.OwnNSFile), []byte(mustRun(t, "-r", "-e", "-s", "--json")))
	b.Add("reports/"+ns.name, bundle.ReportsJSONPath(ns.name), []byte(reports))
	return b
}
