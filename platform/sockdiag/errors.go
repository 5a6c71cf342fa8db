// errors.go holds the typed errors of the package, the same on every OS so
// callers can test for them anywhere.

package sockdiag

import (
	"errors"

	"github.com/gonetstat/gonetstat/platform/nlmsg"
)

// ErrUnavailable means the kernel offers no sock_diag for us: no netlink
// socket (no CONFIG_INET_DIAG, a seccomp filter, another OS), or the diag
// module for a protocol is missing or forbidden. The platform layer falls
// back to /proc/net on it.
var ErrUnavailable = errors.New("sock_diag unavailable")

// The netlink errors are nlmsg's, which frames the replies; the names stay
// here so callers of this package need not know it.
var (
	// ErrFraming means a buffer's netlink headers do not add up; the rest
	// of that buffer cannot be read.
	ErrFraming = nlmsg.ErrFraming
)

type (
	// KernelError is an NLMSG_ERROR reply, or an NLMSG_DONE carrying a
	// negative status: the kernel refused the request or cut the dump
	// short.
	KernelError = nlmsg.KernelError
	// MessageError is a reply message that could not be decoded.
	MessageError = nlmsg.MessageError
)
