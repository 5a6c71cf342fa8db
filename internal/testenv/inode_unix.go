//go:build unix

// inode_unix.go reads st_ino from a file's stat result.

package testenv

import (
	"io/fs"
	"syscall"
	"testing"
)

func inodeOf(t testing.TB, fi fs.FileInfo) uint64 {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		t.Fatalf("no stat_t for %s", fi.Name())
	}
	return uint64(st.Ino)
}
