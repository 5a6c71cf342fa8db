// peercred_linux.go asks the kernel who is at the other end of a control
// connection (SO_PEERCRED), rather than believing what the stack says.

package control

import (
	"net"

	"golang.org/x/sys/unix"
)

// peerPID returns the PID of the process that made the listening socket,
// as seen from our PID namespace; false when the kernel did not say (or
// the process lives in a PID namespace we cannot see: pid 0).
func peerPID(c *net.UnixConn) (int, bool) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, false
	}
	var cred *unix.Ucred
	var serr error
	if err := raw.Control(func(fd uintptr) {
		cred, serr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil || serr != nil || cred.Pid <= 0 {
		return 0, false
	}
	return int(cred.Pid), true
}
