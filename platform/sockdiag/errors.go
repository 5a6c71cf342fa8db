// errors.go holds the typed errors of the package, the same on every OS so
// callers can test for them anywhere.

package sockdiag

import (
	"errors"
	"strconv"
	"syscall"
)

// ErrUnavailable means the kernel offers no sock_diag for us: no netlink
// socket (no CONFIG_INET_DIAG, a seccomp filter, another OS), or the diag
// module for a protocol is missing or forbidden. The platform layer falls
// back to /proc/net on it.
var ErrUnavailable = errors.New("sock_diag unavailable")

// ErrFraming means a buffer's netlink headers do not add up; the rest of
// that buffer cannot be read.
var ErrFraming = errors.New("netlink: malformed message framing")

// KernelError is an NLMSG_ERROR reply, or an NLMSG_DONE carrying a
// negative status: the kernel refused the request or cut the dump short.
type KernelError struct {
	Errno syscall.Errno
}

func (e *KernelError) Error() string { return "netlink: kernel replied " + e.Errno.Error() }
func (e *KernelError) Unwrap() error { return e.Errno }

// MessageError is a reply message that could not be decoded. Index counts
// the messages of one received buffer from 0.
type MessageError struct {
	Index int
	Err   error
}

func (e *MessageError) Error() string {
	return "netlink message " + strconv.Itoa(e.Index) + ": " + e.Err.Error()
}
func (e *MessageError) Unwrap() error { return e.Err }
