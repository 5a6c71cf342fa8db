// demo_linux_test.go runs "stack demo" for real, as root, in-process: with
// no ip(8) on PATH, interrupted (Ctrl-C) after each step of its set-up,
// and with its namespace's name taken. Every run must leave nothing
// behind: no /run/netns entry, no TAP, no control socket.

package stackcmd

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack/control"
)

// hookWriter collects what Demo says on stderr and calls on the first
// write that holds marker (once), before returning.
type hookWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	on     func()
	done   bool
}

func (w *hookWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	fire := !w.done && w.marker != "" && strings.Contains(string(p), w.marker)
	w.done = w.done || fire
	w.mu.Unlock()
	if fire {
		w.on()
	}
	return len(p), nil
}

func (w *hookWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// demoNames are the namespace, TAP and control directory a Demo run in
// this process uses.
type demoNames struct{ ns, tap, ctlDir string }

func prepareDemo(t *testing.T) demoNames {
	t.Helper()
	testenv.SkipUnlessRoot(t)
	_, err := os.Stat("/dev/net/tun")
	testenv.SkipWithout(t, err == nil, "/dev/net/tun")
	n := demoNames{
		ns:     "gonetstat-demo-" + strconv.Itoa(os.Getpid()),
		tap:    "gndemo" + strconv.Itoa(os.Getpid()%100000000),
		ctlDir: t.TempDir(),
	}
	t.Setenv(control.DirEnv, n.ctlDir) // the demo's control socket goes there, not /run/gonetstat
	if _, err := os.Lstat(filepath.Join(netnsRun, n.ns)); err == nil {
		t.Fatalf("%s exists before the test", n.ns)
	}
	return n
}

// checkGone fails t if anything the demo makes is left.
func (n demoNames) checkGone(t *testing.T) {
	t.Helper()
	if _, err := os.Lstat(filepath.Join(netnsRun, n.ns)); err == nil {
		t.Errorf("/run/netns/%s is left after the demo", n.ns)
		deleteNetns(n.ns)
	}
	if _, err := net.InterfaceByName(n.tap); err == nil {
		t.Errorf("TAP %s is left in our namespace", n.tap)
	}
	if ents, _ := os.ReadDir(n.ctlDir); len(ents) != 0 {
		t.Errorf("control directory holds %d files after the demo", len(ents))
	}
}

// TestIntegrationDemoWithoutIP runs the demo with a PATH holding no ip(8):
// it makes its namespace, TAP, addresses and links over netlink, and the
// namespace is visible to ip netns list while it holds.
func TestIntegrationDemoWithoutIP(t *testing.T) {
	n := prepareDemo(t)
	ipPath, _ := exec.LookPath("ip") // the test's own check, if ip is here
	t.Setenv("PATH", t.TempDir())
	if _, err := exec.LookPath("ip"); err == nil {
		t.Fatal("ip is still on PATH")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var during []string
	stderr := &hookWriter{marker: "holding everything until Ctrl-C", on: func() {
		defer cancel()
		var st unix.Statfs_t
		if err := unix.Statfs(filepath.Join(netnsRun, n.ns), &st); err != nil || st.Type != unix.NSFS_MAGIC {
			during = append(during, "/run/netns/"+n.ns+" is not a namespace bind mount")
		}
		if ipPath != "" {
			if out, err := exec.Command(ipPath, "netns", "list").Output(); err != nil || !strings.Contains(string(out), n.ns) {
				during = append(during, "ip netns list lacks "+n.ns+": "+string(out))
			}
		}
	}}
	var stdout bytes.Buffer
	err := Demo(ctx, DemoConfig{Hold: true}, &stdout, stderr)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr.String())
	}
	for _, d := range during {
		t.Error(d)
	}
	for _, want := range []string{"| kernel fetched / (keep-alive, idle)", "| kernel's listener", "backlog limit"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, stdout.String())
		}
	}
	if want := "sudo " + control.DirEnv + "=" + n.ctlDir + " gonetstat -ano --stack --netns " + n.ns + "\n"; !strings.Contains(stderr.String(), want) {
		t.Errorf("--hold does not give the command %q:\n%s", want, stderr.String())
	}
	n.checkGone(t)
}

// TestIntegrationDemoCtrlCCleansUp interrupts the demo after each step of
// its set-up: it returns errInterrupted and leaves nothing behind.
func TestIntegrationDemoCtrlCCleansUp(t *testing.T) {
	n := prepareDemo(t)
	for _, marker := range []string{
		"network namespace " + n.ns + " created",
		"TAP " + n.tap + " created",
		"mini-stack at",
		"the kernel fetched /",
		"is sending",
		"letting the queues fill",
	} {
		t.Run(marker, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stderr := &hookWriter{marker: marker, on: cancel}
			var stdout bytes.Buffer
			err := Demo(ctx, DemoConfig{}, &stdout, stderr)
			if !errors.Is(err, errInterrupted) {
				t.Errorf("Ctrl-C after %q: %v, want %v\n%s", marker, err, errInterrupted, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("a table after Ctrl-C:\n%s", stdout.String())
			}
			if !strings.Contains(stderr.String(), "removed namespace "+n.ns) {
				t.Errorf("stderr does not say the namespace was removed:\n%s", stderr.String())
			}
			n.checkGone(t)
		})
	}
}

// TestIntegrationDemoNameTaken: when the demo's namespace name exists it
// fails, saying so, and leaves that namespace alone (it is not ours).
func TestIntegrationDemoNameTaken(t *testing.T) {
	n := prepareDemo(t)
	if err := createNetns(n.ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := deleteNetns(n.ns); err != nil {
			t.Error(err)
		}
	})
	var stdout, stderr bytes.Buffer
	err := Demo(context.Background(), DemoConfig{}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Fatalf("demo with %s taken: %v, want an error saying it exists", n.ns, err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(filepath.Join(netnsRun, n.ns), &st); err != nil || st.Type != unix.NSFS_MAGIC {
		t.Errorf("the demo removed a namespace it did not make: %v", err)
	}
	if _, err := net.InterfaceByName(n.tap); err == nil {
		t.Errorf("TAP %s made although the demo failed", n.tap)
	}
}
