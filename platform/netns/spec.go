// spec.go holds the portable part: the --netns argument grammar, the
// Namespace value and the typed error for a namespace that cannot be used.

package netns

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"unicode"
)

// Namespace is one network namespace as found on this host.
type Namespace struct {
	Inode uint64 // the nsfs inode: the namespace's identity (osquery's net_namespace)
	Dev   uint64 // the nsfs device; inodes are unique within it
	Name  string // the name under /run/netns, "" when it has none
	Path  string // a file that opens it: /run/netns/NAME, /proc/PID/ns/net, or the path given
	// PID is the lowest process seen in the namespace while listing; 0 when
	// none was seen (a named namespace no process is in).
	PID int
	// Own reports the namespace this process runs in (usually the host's).
	Own bool
}

// Label is how a namespace is named to a user: its name, or its inode.
func (n Namespace) Label() string {
	if n.Name != "" {
		return n.Name
	}
	return strconv.FormatUint(n.Inode, 10)
}

// Compare orders namespaces as --all-netns shows them: our own first, then
// named ones by name, then the rest by inode.
func Compare(a, b Namespace) int {
	if a.Own != b.Own {
		if a.Own {
			return -1
		}
		return 1
	}
	if (a.Name == "") != (b.Name == "") {
		if a.Name != "" {
			return -1
		}
		return 1
	}
	if c := cmp.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	return cmp.Compare(a.Inode, b.Inode)
}

// SpecKind says how a --netns argument names a namespace.
type SpecKind uint8

const (
	ByName SpecKind = iota + 1 // a name under /run/netns (ip netns add NAME)
	ByPath                     // a file: a bind mount or /proc/PID/ns/net
	ByPID                      // the namespace a process is in
)

// Spec is a parsed --netns argument.
type Spec struct {
	Kind SpecKind
	Name string // ByName
	Path string // ByPath
	PID  int    // ByPID
}

// maxPID is PID_MAX_LIMIT on 64-bit Linux (include/linux/threads.h).
const maxPID = 4 << 20

// maxNameLen is NAME_MAX: a name is one file under /run/netns.
const maxNameLen = 255

// ErrBadSpec is wrapped by every error of ParseSpec.
var ErrBadSpec = errors.New("bad network namespace")

// ParseSpec reads a --netns argument: all digits is a PID; anything with a
// slash is a path; otherwise a name under /run/netns, which, as for
// `ip netns`, may not be "." or ".." (a digits-only name can still be
// reached as /run/netns/NAME). It checks the form only; whether the
// namespace exists is for Open.
func ParseSpec(s string) (Spec, error) {
	switch {
	case s == "":
		return Spec{}, fmt.Errorf("%w: empty value (want a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID)", ErrBadSpec)
	case strings.ContainsFunc(s, unicode.IsControl):
		return Spec{}, fmt.Errorf("%w %q: control characters", ErrBadSpec, s)
	case strings.Trim(s, "0123456789") == "":
		pid, err := strconv.Atoi(s)
		if err != nil || pid < 1 || pid > maxPID || s[0] == '0' {
			return Spec{}, fmt.Errorf("%w %q: a PID is a whole number from 1 to %d", ErrBadSpec, s, maxPID)
		}
		return Spec{Kind: ByPID, PID: pid}, nil
	case strings.ContainsRune(s, '/'):
		return Spec{Kind: ByPath, Path: s}, nil
	case s == "." || s == "..":
		return Spec{}, fmt.Errorf("%w %q: not a namespace name", ErrBadSpec, s)
	case len(s) > maxNameLen:
		return Spec{}, fmt.Errorf("%w: name longer than %d bytes", ErrBadSpec, maxNameLen)
	}
	return Spec{Kind: ByName, Name: s}, nil
}

func (s Spec) String() string {
	switch s.Kind {
	case ByName:
		return s.Name
	case ByPath:
		return s.Path
	case ByPID:
		return "PID " + strconv.Itoa(s.PID)
	}
	return "unset namespace"
}

// ErrGone is wrapped by Do's error when the namespace ceased to exist (or
// its path came to name another) between List and Do: its last process
// exited or `ip netns delete` removed it. Like a process that exits during
// a scan, that is normal, not a failure to read.
var ErrGone = errors.New("the namespace went away")

// Error is a namespace that could not be listed, opened, entered or left.
type Error struct {
	Op  string // "opening", "entering", "restoring the caller's namespace after"
	NS  string // the namespace as the user knows it: name, path or inode
	Err error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s network namespace %s: %v", e.Op, e.NS, e.Err)
	if errors.Is(e.Err, fs.ErrPermission) {
		msg += " (entering another network namespace needs CAP_SYS_ADMIN: run as root)"
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }
