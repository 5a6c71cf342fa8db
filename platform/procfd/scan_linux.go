// scan_linux.go reads one process's descriptors with openat, getdents64
// and readlinkat on the fd directory, reusing the worker's buffers.

package procfd

import (
	"bytes"
	"io"
	"strconv"

	"golang.org/x/sys/unix"
)

var errEOF = io.EOF

type workerState struct {
	path  []byte
	dents []byte
	link  []byte
}

func newWorkerState() *workerState {
	return &workerState{dents: make([]byte, 32<<10), link: make([]byte, unix.PathMax)}
}

func readlinkInto(path string, buf []byte) (int, error) {
	return unix.Readlink(path, buf)
}

// scanProcess appends the sockets of one process to holdings.
func scanProcess(root string, pid int, st *workerState, holdings []holding) ([]holding, procResult) {
	r := procResult{pid: pid}
	st.path = append(st.path[:0], root...)
	st.path = append(st.path, '/')
	st.path = strconv.AppendInt(st.path, int64(pid), 10)
	st.path = append(st.path, "/fd"...)
	dirfd, err := unix.Open(string(st.path), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		classify(&r, pid, "opening fd directory", err)
		return holdings, r
	}
	defer unix.Close(dirfd)
	start := len(holdings)
	for {
		n, err := unix.Getdents(dirfd, st.dents)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			classify(&r, pid, "reading fd directory", err)
			return holdings[:start], r
		}
		if n == 0 {
			return holdings, r
		}
		// struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16,
		// d_type u8, d_name NUL-terminated.
		buf := st.dents[:n]
		for len(buf) >= 19 {
			reclen := int(uint16(buf[16]) | uint16(buf[17])<<8)
			if reclen < 19 || reclen > len(buf) {
				break
			}
			name := buf[19:reclen]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			typ := buf[18]
			buf = buf[reclen:]
			if typ != unix.DT_LNK || len(name) == 0 || name[0] == '.' {
				continue
			}
			ln, err := unix.Readlinkat(dirfd, string(name), st.link)
			if err != nil {
				if err == unix.ENOENT {
					continue // the descriptor was closed since getdents
				}
				// Vanished, denied or broken: what this process holds
				// cannot be known whole, so attribute none of it rather
				// than a part.
				classify(&r, pid, "reading descriptor "+string(name), err)
				return holdings[:start], r
			}
			if inode, ok := ParseSocketLink(st.link[:ln]); ok {
				holdings = append(holdings, holding{inode, pid})
			}
		}
	}
}
