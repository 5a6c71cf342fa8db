// owner_unix.go checks who owns the control directory and sockets, from
// the file's own metadata (Lstat, so a planted symlink is seen as one).

//go:build unix

package control

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// ErrUnsafe is wrapped when a control directory or socket is not safe to
// use: a symlink, another user's, or open to others.
var ErrUnsafe = errors.New("unsafe control path")

func ownerOf(fi fs.FileInfo) (uint32, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return st.Uid, true
}

// checkDir checks that dir is a real directory (not a symlink) owned by
// us. With create, a missing dir is made 0700 (its parent must exist) and
// an own dir with a wider mode is narrowed to 0700; without, a missing
// dir is (false, nil): nothing serves there.
func checkDir(dir string, create bool) (bool, error) {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) && create {
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return false, fmt.Errorf("control: making %s: %w", dir, err)
		}
		fi, err = os.Lstat(dir)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("control: %w", err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return false, fmt.Errorf("control: %w: %s is a symlink; remove it (a stack makes a real directory)", ErrUnsafe, dir)
	}
	if !fi.IsDir() {
		return false, fmt.Errorf("control: %w: %s is not a directory", ErrUnsafe, dir)
	}
	uid, ok := ownerOf(fi)
	if !ok || int(uid) != os.Geteuid() {
		return false, fmt.Errorf("control: %w: %s is owned by uid %d, not by us (uid %d); it may hold another user's stacks", ErrUnsafe, dir, uid, os.Geteuid())
	}
	if fi.Mode().Perm() != 0o700 {
		if !create {
			return false, fmt.Errorf("control: %w: %s has mode %v, want 0700 (owner only)", ErrUnsafe, dir, fi.Mode().Perm())
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return false, fmt.Errorf("control: narrowing %s to 0700: %w", dir, err)
		}
	}
	return true, nil
}

// ownSocket reports whether fi is a Unix socket that we own.
func ownSocket(fi fs.FileInfo) error {
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%w: not a socket (%v)", ErrUnsafe, fi.Mode().Type())
	}
	uid, ok := ownerOf(fi)
	if !ok || int(uid) != os.Geteuid() {
		return fmt.Errorf("%w: owned by uid %d, not by us (uid %d)", ErrUnsafe, uid, os.Geteuid())
	}
	return nil
}
