//go:build !linux

// scan_other.go reads a fixture /proc tree on systems without getdents64,
// with the portable os calls; the result is the same.

package procfd

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
)

var errEOF = io.EOF

type workerState struct {
	link []byte
}

func newWorkerState() *workerState { return &workerState{link: make([]byte, 4096)} }

func readlinkInto(path string, buf []byte) (int, error) {
	s, err := os.Readlink(path)
	if err != nil {
		return 0, err
	}
	return copy(buf, s), nil
}

func scanProcess(root string, pid int, st *workerState, holdings []holding) ([]holding, procResult) {
	r := procResult{pid: pid}
	dir := filepath.Join(root, strconv.Itoa(pid), "fd")
	entries, err := os.ReadDir(dir)
	if err != nil {
		classify(&r, pid, "reading fd directory", err)
		return holdings, r
	}
	start := len(holdings)
	for _, e := range entries {
		link, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			classify(&r, pid, "reading descriptor "+e.Name(), err)
			return holdings[:start], r
		}
		if inode, ok := ParseSocketLink([]byte(link)); ok {
			holdings = append(holdings, holding{inode, pid})
		}
	}
	return holdings, r
}
