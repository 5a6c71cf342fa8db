// Package testenv holds the rules tests use to decide whether they may skip.
//
// A test that needs a capability (root, a network namespace, a TAP device)
// calls SkipWithout with what it found. Outside CI a missing capability is a
// skip; with GONETSTAT_REQUIRE_PRIV=1 (set by .ci/run, where CI is root) the
// same skip is a failure, so a privileged test can never pass by not running.
package testenv

import (
	"bytes"
	"os"
	"sync"
	"testing"
	"time"
)

// RequirePriv reports whether skips for missing privileges are failures.
func RequirePriv() bool { return os.Getenv("GONETSTAT_REQUIRE_PRIV") == "1" }

// SkipWithout skips t (or fails it under GONETSTAT_REQUIRE_PRIV=1) when
// have is false; why names the missing capability.
func SkipWithout(t testing.TB, have bool, why string) {
	t.Helper()
	if have {
		return
	}
	if RequirePriv() {
		t.Fatalf("GONETSTAT_REQUIRE_PRIV=1 but this test needs %s", why)
	}
	t.Skipf("needs %s", why)
}

// SkipUnlessRoot skips t unless the process runs as root.
func SkipUnlessRoot(t testing.TB) {
	t.Helper()
	SkipWithout(t, os.Geteuid() == 0, "root")
}

// Inode returns the inode of a socket's file, as /proc and sock_diag
// report it: what tests use to find their own sockets in a table.
func Inode(t testing.TB, c interface{ File() (*os.File, error) }) uint64 {
	t.Helper()
	f, err := c.File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return inodeOf(t, fi)
}

// SyncBuffer is a bytes buffer that a command or a goroutine may write
// while a test reads it, or waits (Await) for what it must contain.
type SyncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed by the next Write; nil when nobody waits
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.b.Write(p)
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return n, err
}

// Bytes returns a copy of what was written so far.
func (s *SyncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.b.Bytes()...)
}

func (s *SyncBuffer) String() string { return string(s.Bytes()) }

// Await blocks until cond holds for what was written so far, checking
// again after every write. It gives up and reports false when done
// closes first (the writer ended: cond is checked one last time) or after
// Patience. done may be nil.
func (s *SyncBuffer) Await(cond func(string) bool, done <-chan struct{}) bool {
	timer := time.NewTimer(Patience)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if cond(s.b.String()) {
			s.mu.Unlock()
			return true
		}
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-done:
			return cond(s.String())
		case <-timer.C:
			return false
		}
	}
}
