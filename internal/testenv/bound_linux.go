// bound_linux.go opens the socket that -q is about: TCP, bound to a
// loopback port, neither listening nor connected.

package testenv

import (
	"testing"

	"golang.org/x/sys/unix"
)

// BoundTCP opens a TCP socket bound to 127.0.0.1 on a free port, closed at
// cleanup, and returns its descriptor and port.
func BoundTCP(t testing.TB) (fd, port int) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return fd, sa.(*unix.SockaddrInet4).Port
}
