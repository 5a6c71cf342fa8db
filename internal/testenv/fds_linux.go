// fds_linux.go lists the process's open descriptors from /proc/self/fd.

package testenv

import (
	"errors"
	"io/fs"
	"os"
	"strconv"
)

// openFDs maps each open descriptor to what it points to ("socket:[123]",
// "/dev/net/tun", "anon_inode:[pidfd]"). The directory's own descriptor,
// closed by the time the links are read, is left out.
func openFDs() (map[int]string, error) {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	fds := make(map[int]string, len(entries))
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		fds[fd] = target
	}
	return fds, nil
}
