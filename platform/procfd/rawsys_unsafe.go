//go:build linux

// rawsys_unsafe.go holds openat and readlinkat taking a NUL-terminated
// []byte path: x/sys/unix's versions take a string and copy it into a new
// NUL-terminated buffer per call, one allocation per descriptor read.

package procfd

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// openatZ is openat(2). path must end in a NUL byte.
func openatZ(dir int, path []byte, flags int) (int, error) {
	if len(path) == 0 || path[len(path)-1] != 0 {
		return -1, unix.EINVAL
	}
	for {
		fd, _, errno := unix.Syscall6(unix.SYS_OPENAT, uintptr(dir), uintptr(unsafe.Pointer(&path[0])), uintptr(flags), 0, 0, 0)
		switch errno {
		case 0:
			return int(fd), nil
		case unix.EINTR:
			continue
		}
		return -1, errno
	}
}

// readlinkatZ is readlinkat(2) into buf. path must end in a NUL byte.
func readlinkatZ(dir int, path, buf []byte) (int, error) {
	if len(path) == 0 || path[len(path)-1] != 0 || len(buf) == 0 {
		return 0, unix.EINVAL
	}
	n, _, errno := unix.Syscall6(unix.SYS_READLINKAT, uintptr(dir), uintptr(unsafe.Pointer(&path[0])), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
