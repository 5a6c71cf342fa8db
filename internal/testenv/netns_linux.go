// netns_linux.go makes throwaway network namespaces for privileged tests
// and runs code inside them on a locked OS thread.

package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// RandName returns prefix followed by n random hex digits: names unique
// enough that parallel tests and engineers never collide.
func RandName(prefix string, n int) string {
	b := make([]byte, (n+1)/2)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)[:n]
}

// NewNetns creates a network namespace named prefix plus a random suffix
// (with ip netns add, so it is visible in /run/netns to ip netns exec) and
// deletes it when t ends. Its loopback is up.
func NewNetns(t testing.TB, prefix string) string {
	t.Helper()
	SkipUnlessRoot(t)
	_, err := exec.LookPath("ip")
	SkipWithout(t, err == nil, "ip(8) from iproute2")
	name := RandName(prefix, 8)
	Run(t, "ip", "netns", "add", name)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "delete", name).CombinedOutput(); err != nil {
			t.Errorf("deleting netns %s: %v: %s", name, err, out)
		}
	})
	Run(t, "ip", "-n", name, "link", "set", "lo", "up")
	return name
}

// Run runs a command and fails t, with its output, if it fails; it
// returns the standard output.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// InNetns runs f on an OS thread that has entered the namespace ns: the
// sockets f opens live there (and keep working from any goroutine
// afterwards). The thread returns to its namespace before it is released;
// if it cannot, it stays locked so the runtime discards it.
func InNetns(t testing.TB, ns string, f func()) {
	t.Helper()
	if err := inNetns(ns, f); err != nil {
		t.Fatal(err)
	}
}

func inNetns(ns string, f func()) error {
	runtime.LockOSThread()
	orig, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	target, err := os.Open("/run/netns/" + ns)
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("entering netns %s: %w", ns, err)
	}
	f()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		// Leave the thread locked: it dies with this goroutine.
		return fmt.Errorf("leaving netns %s: %w", ns, err)
	}
	runtime.UnlockOSThread()
	return nil
}
