// fdcheck_linux_test.go checks the descriptor check itself: a leaked file
// and socket are named with their targets, closed ones pass, and the
// tests' own exit code is kept.

package testenv

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeM stands for testing.M: Run is the "tests".
type fakeM func() int

func (f fakeM) Run() int { return f() }

func TestFDCheckNamesLeaks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leaked.txt")
	var f *os.File
	var ln net.Listener
	var out strings.Builder
	code := runWithFDCheck(fakeM(func() int {
		var err error
		if f, err = os.Create(path); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		return 0
	}), &out)
	f.Close()
	ln.Close()
	if code != 1 {
		t.Errorf("exit code %d with two leaks, want 1", code)
	}
	for _, want := range []string{"left 2 file descriptor(s) open", "-> " + path, "-> socket:["} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestFDCheckPassesClosed(t *testing.T) {
	for _, want := range []int{0, 3} {
		var out strings.Builder
		code := runWithFDCheck(fakeM(func() int {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ln.Close()
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			r.Close()
			w.Close()
			return want
		}), &out)
		if code != want || out.Len() != 0 {
			t.Errorf("tests exiting %d, nothing leaked: exit %d, report %q", want, code, out.String())
		}
	}
}
