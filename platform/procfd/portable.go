// portable.go reads a process tree with the portable os calls, so that a
// fixture /proc (or one copied into a bundle) scans the same on any system.
// It is the implementation everywhere but Linux; Linux tests run the
// fixture tests through it too, so both stay equal.

package procfd

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/gonetstat/gonetstat/collect"
)

var _ procDir = (*portableDir)(nil)

type portableDir struct {
	path string
}

func openPortable(root string) (procDir, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, syscall.ENOTDIR
	}
	return &portableDir{path: root}, nil
}

func (rd *portableDir) close() {}

// listPIDs returns the numeric entries of the root, in name order.
func (rd *portableDir) listPIDs() ([]int, error) {
	entries, err := os.ReadDir(rd.path)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if pid, ok := parsePID([]byte(e.Name())); ok {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// scanProcess adds the sockets of one process to holds; see the Linux
// version for the rules, the threads of an exited leader included. A tree
// read through the os calls gives no cheap owner of a process, so a
// refused one always has its threads tried (a fixture or a copy is small),
// and stays refused unless they could be read.
func (rd *portableDir) scanProcess(pid int, st *workerState, holds *holdBuf) procResult {
	dir := filepath.Join(rd.path, strconv.Itoa(pid))
	n, r := scanFDDir(pid, filepath.Join(dir, "fd"), st, holds)
	switch {
	case r.outcome == read && n == 0:
		_, r = scanTaskDirs(pid, dir, st, holds)
	case r.outcome == denied:
		if threads, tr := scanTaskDirs(pid, dir, st, holds); tr.outcome == read && threads > 0 {
			r = tr
		}
	}
	return r
}

// scanTaskDirs adds the sockets of every thread of pid but the leader, and
// returns how many threads' fd directories were read.
func scanTaskDirs(pid int, dir string, st *workerState, holds *holdBuf) (int, procResult) {
	tasks, err := os.ReadDir(filepath.Join(dir, "task"))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, procResult{pid: pid, outcome: read} // as on Linux: no descriptor either way
	}
	if err != nil {
		return 0, classify(pid, "reading task directory", err)
	}
	var tids []int
	for _, t := range tasks {
		if tid, ok := parsePID([]byte(t.Name())); ok && tid != pid {
			tids = append(tids, tid)
		}
	}
	gone := 0
	for _, tid := range tids {
		if _, tr := scanFDDir(pid, filepath.Join(dir, "task", strconv.Itoa(tid), "fd"), st, holds); tr.outcome == vanished {
			gone++
		} else if tr.outcome != read {
			return 0, tr
		}
	}
	if len(tids) > 0 && gone == len(tids) {
		return 0, procResult{pid: pid, outcome: vanished}
	}
	return len(tids) - gone, procResult{pid: pid, outcome: read}
}

// scanFDDir adds the sockets of one fd directory to holds and returns how
// many descriptors it listed.
func scanFDDir(pid int, dir string, st *workerState, holds *holdBuf) (int, procResult) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, classify(pid, "reading fd directory", err)
	}
	for _, e := range entries {
		// ReadDir reports the entry's own type (lstat when the filesystem
		// gives none), so only links are read.
		if e.Type()&fs.ModeSymlink == 0 {
			continue
		}
		link, err := os.Readlink(filepath.Join(dir, e.Name()))
		if errors.Is(err, fs.ErrNotExist) {
			continue // closed since the directory was read
		}
		if err != nil {
			return len(entries), classify(pid, "reading descriptor "+e.Name(), err)
		}
		st.link = append(st.link[:0], link...)
		if inode, ok := ParseSocketLink(st.link); ok {
			holds.add(inode)
		}
	}
	return len(entries), procResult{pid: pid, outcome: read}
}

// view reads our PID namespace through the tree's self link, and whether
// it lists PID 1 (see viewOf).
func (rd *portableDir) view() collect.View {
	link, err := os.Readlink(filepath.Join(rd.path, "self", "ns", "pid"))
	_, initErr := os.Stat(filepath.Join(rd.path, "1"))
	return viewOf([]byte(link), err == nil, initErr == nil)
}

func (rd *portableDir) processName(pid int, st *workerState) string {
	dir := filepath.Join(rd.path, strconv.Itoa(pid))
	if target, err := os.Readlink(filepath.Join(dir, "exe")); err == nil {
		// A fixture or a copied tree holds the link's text, not the
		// file: whether it was deleted cannot be told, so the name is
		// kept whole.
		if name := exeName([]byte(target), func() bool { return false }); len(name) > 0 {
			return string(name)
		}
	}
	comm, err := os.ReadFile(filepath.Join(dir, "comm"))
	if err != nil {
		return ""
	}
	return string(commName(comm))
}
