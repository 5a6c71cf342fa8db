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
// while a test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// Bytes returns a copy of what was written so far.
func (s *SyncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.b.Bytes()...)
}

func (s *SyncBuffer) String() string { return string(s.Bytes()) }
