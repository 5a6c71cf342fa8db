// scan_linux.go reads processes with getdents64, openat and readlinkat
// relative to one descriptor of the root, reusing each worker's buffers, so
// that reading a descriptor link costs one syscall and no allocation.

package procfd

import (
	"bytes"
	"encoding/binary"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/collect"
)

// rootDir is the open process directory. Its descriptor is only used as
// the base of openat/readlinkat, which is safe from several goroutines;
// listPIDs, which moves its offset, runs before the workers start.
type rootDir struct {
	fd   int
	euid uint32 // ours, for the processes whose threads may be read (scanProcess)
}

var _ procDir = (*rootDir)(nil)

func openOS(root string) (procDir, error) {
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return &rootDir{fd: fd, euid: uint32(unix.Geteuid())}, nil
}

func (rd *rootDir) close() { unix.Close(rd.fd) }

// Offsets in struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16,
// d_type u8, then d_name, NUL-terminated and padded.
const (
	direntReclen = 16
	direntType   = 18
	direntName   = 19
)

// nextDirent splits the first record off a getdents64 batch. name keeps
// its terminating NUL so it can go straight to a raw *at syscall. ok is
// false when the batch is exhausted or the record is malformed.
func nextDirent(buf []byte) (name []byte, typ byte, rest []byte, ok bool) {
	if len(buf) < direntName {
		return nil, 0, nil, false
	}
	reclen := int(binary.NativeEndian.Uint16(buf[direntReclen:]))
	if reclen <= direntName || reclen > len(buf) {
		return nil, 0, nil, false
	}
	name = buf[direntName:reclen]
	i := bytes.IndexByte(name, 0)
	if i < 0 {
		return nil, 0, nil, false
	}
	return name[:i+1], buf[direntType], buf[reclen:], true
}

// getdents reads the next batch of dir, retrying on EINTR.
func getdents(dir int, buf []byte) (int, error) {
	for {
		n, err := unix.Getdents(dir, buf)
		if err != unix.EINTR {
			return n, err
		}
	}
}

// listPIDs returns the numeric entries of the root, in directory order.
func (rd *rootDir) listPIDs() ([]int, error) {
	if _, err := unix.Seek(rd.fd, 0, 0); err != nil {
		return nil, err
	}
	buf := make([]byte, 32<<10)
	pids := make([]int, 0, 512)
	for {
		n, err := getdents(rd.fd, buf)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return pids, nil
		}
		for b := buf[:n]; ; {
			name, typ, rest, ok := nextDirent(b)
			if !ok {
				break
			}
			b = rest
			if typ != unix.DT_DIR && typ != unix.DT_UNKNOWN {
				continue
			}
			if pid, ok := parsePID(name[:len(name)-1]); ok {
				pids = append(pids, pid)
			}
		}
	}
}

// ensureBuffers sizes a new worker's buffers: one getdents64 batch of a
// few hundred descriptors, and a link buffer no target can fill (so a full
// one means truncated).
func (st *workerState) ensureBuffers() {
	if st.dents == nil {
		st.dents = make([]byte, 32<<10)
		st.link = make([]byte, unix.PathMax)
	}
}

// pidPath sets st.path to "<pid>/<leaf>\x00".
func (st *workerState) pidPath(pid int, leaf string) []byte {
	st.path = strconv.AppendInt(st.path[:0], int64(pid), 10)
	st.path = append(st.path, '/')
	st.path = append(st.path, leaf...)
	st.path = append(st.path, 0)
	return st.path
}

// taskFDPath sets st.path to "<pid>/task/<tid>/fd\x00".
func (st *workerState) taskFDPath(pid, tid int) []byte {
	st.path = strconv.AppendInt(st.path[:0], int64(pid), 10)
	st.path = append(st.path, "/task/"...)
	st.path = strconv.AppendInt(st.path, int64(tid), 10)
	st.path = append(st.path, "/fd\x00"...)
	return st.path
}

// scanProcess adds the sockets of one process to holds (with a nil proc,
// set by the caller). On any outcome but read the caller discards what was
// added.
//
// A process whose fd directory lists no descriptor at all may be a
// thread-group leader that has exited while its other threads run: the
// kernel keeps the leader as a zombie, its files released, so <pid>/fd is
// empty while the threads still hold every descriptor of the process. Its
// sockets are then read from <pid>/task/<tid>/fd.
//
// Root reads such an fd directory as empty; anyone else is refused it,
// even for a process of their own (proc_fd_access_allowed asks
// ptrace_may_access of the leader, whose memory is gone from the moment
// it began to exit), while each living thread's is open to them. So a
// refused process of our own user has its threads read too, and counts as
// read when they could be; other users' processes are not tried, since
// their threads would be refused as well.
func (rd *rootDir) scanProcess(pid int, st *workerState, holds *holdBuf) procResult {
	st.ensureBuffers()
	n, r := rd.scanFDs(pid, st.pidPath(pid, "fd"), st, holds)
	switch {
	case r.outcome == read && n == 0:
		_, r = rd.scanThreads(pid, st, holds)
	case r.outcome == denied && rd.ours(pid, st):
		if threads, tr := rd.scanThreads(pid, st, holds); tr.outcome == read && threads > 0 {
			r = tr
		}
	}
	return r
}

// ours reports whether pid runs as our effective user: <pid> is owned by
// the process's effective UID whatever its state (task_dump_owner).
func (rd *rootDir) ours(pid int, st *workerState) bool {
	var s unix.Stat_t
	p := st.pidPath(pid, "")
	return unix.Fstatat(rd.fd, string(p[:len(p)-2]), &s, 0) == nil && s.Uid == rd.euid
}

// scanFDs adds the sockets of the fd directory at path (relative to the
// root, NUL-terminated) to holds and returns how many descriptors it
// listed.
func (rd *rootDir) scanFDs(pid int, path []byte, st *workerState, holds *holdBuf) (int, procResult) {
	dir, err := openatZ(rd.fd, path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if err != nil {
		return 0, classify(pid, "opening fd directory", err)
	}
	defer unix.Close(dir)
	listed := 0
	for {
		n, err := getdents(dir, st.dents)
		if err != nil {
			return listed, classify(pid, "reading fd directory", err)
		}
		if n == 0 {
			return listed, procResult{pid: pid, outcome: read}
		}
		for b := st.dents[:n]; ; {
			name, typ, rest, ok := nextDirent(b)
			if !ok {
				break
			}
			b = rest
			if name[0] == '.' {
				continue
			}
			listed++
			// /proc reports DT_LNK; a fixture on a filesystem without
			// d_type reports DT_UNKNOWN and readlinkat sorts it out.
			if typ != unix.DT_LNK && typ != unix.DT_UNKNOWN {
				continue
			}
			ln, err := readlinkatZ(dir, name, st.link)
			switch {
			case err == unix.ENOENT:
				continue // closed since getdents
			case err == unix.EINVAL:
				continue // not a symlink (only in a fixture)
			case err != nil:
				// Vanished (ESRCH), denied (EACCES, as for PID 1 in some
				// containers, where the directory lists but no link reads)
				// or broken: this process's sockets cannot be known whole.
				return listed, classify(pid, "reading descriptor "+string(name[:len(name)-1]), err)
			}
			if ln >= len(st.link) {
				continue // truncated: far longer than any socket link
			}
			if inode, ok := ParseSocketLink(st.link[:ln]); ok {
				holds.add(inode)
			}
		}
	}
}

// exeUnlinked reports whether the executable of pid has no name left:
// stat through the exe link reaches the file itself (the link is the
// kernel's, so it resolves even when no path does, in any mount
// namespace), and st_nlink 0 means the last name is gone. A file that
// still has another hard link keeps the suffix: the kernel only says this
// one name was removed. An error (the process exited) keeps it too.
func (rd *rootDir) exeUnlinked(pid int, st *workerState) bool {
	var s unix.Stat_t
	p := st.pidPath(pid, "exe")
	if err := unix.Fstatat(rd.fd, string(p[:len(p)-1]), &s, 0); err != nil {
		return false
	}
	return s.Nlink == 0
}

// scanThreads adds the sockets of every thread of pid but the leader
// (see scanProcess). Threads usually share one descriptor table, but a
// thread may have unshared its own (unshare(CLONE_FILES)), so each is read;
// a socket found twice counts once in merge. A thread that exits meanwhile
// is skipped; when every one has, the process has exited. It returns how
// many threads' fd directories were read.
func (rd *rootDir) scanThreads(pid int, st *workerState, holds *holdBuf) (int, procResult) {
	dir, err := openatZ(rd.fd, st.pidPath(pid, "task"), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if err == unix.ENOENT {
		// Exited since its fd directory was read empty, or a tree
		// copied without task directories: no descriptor either way.
		return 0, procResult{pid: pid, outcome: read}
	}
	if err != nil {
		return 0, classify(pid, "opening task directory", err)
	}
	st.tids = st.tids[:0]
	for {
		n, err := getdents(dir, st.dents)
		if err != nil {
			unix.Close(dir)
			return 0, classify(pid, "reading task directory", err)
		}
		if n == 0 {
			break
		}
		for b := st.dents[:n]; ; {
			name, _, rest, ok := nextDirent(b)
			if !ok {
				break
			}
			b = rest
			if tid, ok := parsePID(name[:len(name)-1]); ok && tid != pid {
				st.tids = append(st.tids, tid)
			}
		}
	}
	unix.Close(dir)
	r := procResult{pid: pid, outcome: read}
	gone := 0
	for _, tid := range st.tids {
		if _, tr := rd.scanFDs(pid, st.taskFDPath(pid, tid), st, holds); tr.outcome == vanished {
			gone++
		} else if tr.outcome != read {
			return 0, tr
		}
	}
	if len(st.tids) > 0 && gone == len(st.tids) {
		r.outcome = vanished
	}
	return len(st.tids) - gone, r
}

// processName returns the base name of the process's executable, or its
// comm name when the exe link is unreadable (kernel threads, other users'
// processes), or "" when neither can be read (it exited meanwhile).
func (rd *rootDir) processName(pid int, st *workerState) string {
	st.ensureBuffers()
	if n, err := readlinkatZ(rd.fd, st.pidPath(pid, "exe"), st.link); err == nil && n < len(st.link) {
		if name := exeName(st.link[:n], func() bool { return rd.exeUnlinked(pid, st) }); len(name) > 0 {
			return string(name)
		}
	}
	f, err := openatZ(rd.fd, st.pidPath(pid, "comm"), unix.O_RDONLY|unix.O_CLOEXEC)
	if err != nil {
		return ""
	}
	defer unix.Close(f)
	n, err := unix.Read(f, st.link)
	if err != nil || n <= 0 {
		return ""
	}
	return string(commName(st.link[:n]))
}

// view reads our PID namespace through the tree's self link, and whether
// it lists PID 1 (see viewOf).
func (rd *rootDir) view() collect.View {
	buf := make([]byte, 64)
	n, err := readlinkatZ(rd.fd, []byte("self/ns/pid\x00"), buf)
	var stat unix.Stat_t
	initListed := unix.Fstatat(rd.fd, "1", &stat, 0) == nil
	return viewOf(buf[:max(n, 0)], err == nil && n < len(buf), initListed)
}
