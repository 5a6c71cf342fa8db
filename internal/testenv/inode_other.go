//go:build !unix

// inode_other.go: there are no socket inodes to find on this OS.

package testenv

import (
	"io/fs"
	"testing"
)

func inodeOf(t testing.TB, fi fs.FileInfo) uint64 {
	t.Skipf("socket inodes do not exist on this system")
	return 0
}
