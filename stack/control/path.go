// path.go names the control sockets: the directory, and one file per
// stack, stack-<pid>-<name>.sock.

package control

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DirEnv overrides the control directory (tests, or a stack run by a
// service manager with its own runtime directory).
const DirEnv = "GONETSTAT_RUNTIME_DIR"

// RootDir is the control directory of root's stacks.
const RootDir = "/run/gonetstat"

// maxSocketPath is sun_path's 108 bytes less the terminating NUL.
const maxSocketPath = 107

// DefaultDir returns where stacks of this user serve their control
// sockets: $GONETSTAT_RUNTIME_DIR when set, /run/gonetstat for root,
// $XDG_RUNTIME_DIR/gonetstat otherwise (the per-user runtime directory
// that systemd-logind makes, 0700, removed at logout).
func DefaultDir() (string, error) {
	if d := os.Getenv(DirEnv); d != "" {
		return filepath.Clean(d), nil
	}
	if os.Geteuid() == 0 {
		return RootDir, nil
	}
	if x := os.Getenv("XDG_RUNTIME_DIR"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "gonetstat"), nil
	}
	return "", fmt.Errorf("control: no runtime directory for uid %d: XDG_RUNTIME_DIR is not set; set %s to a directory of your own", os.Geteuid(), DirEnv)
}

// DefaultPath returns this process's control socket path for a stack
// named name, in DefaultDir.
func DefaultPath(name string) (string, error) {
	dir, err := DefaultDir()
	if err != nil {
		return "", err
	}
	return SocketPath(dir, os.Getpid(), name)
}

// SocketPath returns the control socket path of stack name served by pid
// in dir.
func SocketPath(dir string, pid int, name string) (string, error) {
	if err := ValidName(name); err != nil {
		return "", err
	}
	p := filepath.Join(dir, "stack-"+strconv.Itoa(pid)+"-"+name+".sock")
	if len(p) > maxSocketPath {
		return "", fmt.Errorf("control: socket path %s is %d bytes, longer than a Unix socket address holds (%d): use a shorter directory (%s)", p, len(p), maxSocketPath, DirEnv)
	}
	return p, nil
}

// ValidName reports whether name can name a stack: 1 to 32 of
// [A-Za-z0-9._-], starting with a letter or digit, so that it is safe in
// a file name and in a table column.
func ValidName(name string) error {
	if name == "" || len(name) > 32 {
		return fmt.Errorf("control: stack name %q: want 1 to 32 characters", name)
	}
	for i, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || i > 0 && (c == '.' || c == '_' || c == '-')
		if !ok {
			return fmt.Errorf("control: stack name %q: want letters, digits, '.', '_' and '-', starting with a letter or digit", name)
		}
	}
	return nil
}

var errNotControl = errors.New("not a control socket name")

// parseSocketName reads stack-<pid>-<name>.sock.
func parseSocketName(file string) (pid int, name string, err error) {
	rest, ok := strings.CutPrefix(file, "stack-")
	if !ok {
		return 0, "", errNotControl
	}
	rest, ok = strings.CutSuffix(rest, ".sock")
	if !ok {
		return 0, "", errNotControl
	}
	num, name, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, "", errNotControl
	}
	pid, err = strconv.Atoi(num)
	if err != nil || pid <= 0 || ValidName(name) != nil {
		return 0, "", errNotControl
	}
	return pid, name, nil
}
