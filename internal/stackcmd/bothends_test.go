// bothends_test.go checks the command line that shows both ends of a
// mini-stack's connections: what it names, and how it quotes.

package stackcmd

import (
	"os"
	"strconv"
	"testing"

	"github.com/gonetstat/gonetstat/stack/control"
)

func TestBothEnds(t *testing.T) {
	t.Setenv(control.DirEnv, "")
	if got, want := bothEnds("gonetstat-demo-42"), "sudo gonetstat -ano --stack --netns gonetstat-demo-42"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := bothEnds(""), "sudo gonetstat -ano --stack"; got != want {
		t.Errorf("host namespace: got %q, want %q", got, want)
	}
	t.Setenv(control.DirEnv, "/tmp/my stacks")
	if got, want := bothEnds("blue"), "sudo GONETSTAT_RUNTIME_DIR='/tmp/my stacks' gonetstat -ano --stack --netns blue"; got != want {
		t.Errorf("with %s: got %q, want %q", control.DirEnv, got, want)
	}
	for in, want := range map[string]string{
		"/run/x-1.2":   "/run/x-1.2",
		"it's":         `'it'\''s'`,
		"a\x1b[7mb":    `"a\x1b[7mb"`,
		"a\u202eb":     `"a\u202eb"`,
		"a\xffb":       `"a\xffb"`,
		"semi;colon":   "'semi;colon'",
		"$(reboot)":    "'$(reboot)'",
		"tab\there":    `"tab\there"`,
		"new\nline":    `"new\nline"`,
		"ok_name.with": "ok_name.with",
	} {
		if got := shellWord(in); got != want {
			t.Errorf("shellWord(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestOwnNetnsArg: a stack run in the namespace of PID 1 (where a
// terminal on this host is) needs no --netns; in another, or when PID 1's
// namespace cannot be read (some systems deny it even to root), its
// /run/netns name or our PID, which --netns reads as our namespace.
func TestOwnNetnsArg(t *testing.T) {
	self, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	pid1, err := os.Readlink("/proc/1/ns/net")
	got := ownNetnsArg()
	if err == nil && pid1 == self {
		if got != "" {
			t.Errorf("in PID 1's namespace: %q, want \"\"", got)
		}
		return
	}
	if got == strconv.Itoa(os.Getpid()) {
		return
	}
	if fi, err := os.Stat("/run/netns/" + got); got == "" || err != nil || !fi.Mode().IsRegular() {
		t.Errorf("outside PID 1's namespace (or it is unreadable: %v): %q, want our PID %d or our /run/netns name", err, got, os.Getpid())
	}
}
