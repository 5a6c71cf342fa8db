// scan.go holds the portable driver of the scan: the worker pool, the
// classification of per-process failures, the merge of results and the pure
// helpers (socket link parser, PID parser, name trimming) both OS files use.

package procfd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"sort"
	"sync"
	"syscall"

	"github.com/gonetstat/gonetstat/collect"
)

// Scanner maps socket inodes to the processes holding them. The zero value
// scans /proc with one worker per CPU (at most maxWorkers). A Scanner holds
// no state between calls and may be used by several goroutines at once.
type Scanner struct {
	Root    string // "/proc" when empty; a fixture tree in tests
	Workers int    // GOMAXPROCS (at most maxWorkers) when <= 0

	// open reads Root; nil means this OS's implementation. Tests set it
	// to openPortable to run fixtures through both.
	open func(root string) (procDir, error)
}

// procDir is one implementation of reading a process tree: the raw Linux
// syscalls, or the portable os calls.
type procDir interface {
	// listPIDs returns the PIDs of the numeric directories, in no
	// particular order. It runs once, before any other method.
	listPIDs() ([]int, error)
	// scanProcess adds one process's socket inodes to holds, with a nil
	// proc; the caller drops them unless the outcome is read. Safe for
	// concurrent use with distinct workerStates and holdBufs.
	scanProcess(pid int, st *workerState, holds *holdBuf) procResult
	// processName reads a process's name; "" when it cannot be read.
	processName(pid int, st *workerState) string
	close()
}

// workerState holds one worker's buffers, reused for every process it
// reads. The Linux reader sizes them on first use; the portable one uses
// only link.
type workerState struct {
	path  []byte // "<pid>/fd\x00" and friends, NUL-terminated for raw syscalls
	dents []byte // one getdents64 batch
	link  []byte // a readlink target
}

var _ collect.OwnerScanner = (*Scanner)(nil)

// maxWorkers bounds the default pool: the scan is a few hundred to a few
// thousand processes, and on a 128-CPU host 128 threads in readlinkat only
// add scheduling and merge cost. An explicit Workers may go higher.
const maxWorkers = 8

// holding is one (socket inode, holder) pair seen by a worker. All holdings
// of one process share its *collect.Process.
type holding struct {
	inode uint64
	proc  *collect.Process
}

// A worker's holdings go into chunks, each allocated once at its final
// size and filled to the brim, never grown or copied: append grows a large
// slice by a quarter at a time, which over a scan of 100,000 sockets
// allocates five times the final size and copies it as often. The first
// chunk holds firstHoldChunk and each next one twice its predecessor, up
// to holdChunk, so that the scan of a quiet machine costs a few KiB per
// worker, not a whole holdChunk, and the lead-in is not copied either.
// What a worker leaves unused is the rest of its last chunk, at most
// holdChunk.
const (
	holdChunk      = 8192 // 128 KiB
	firstHoldChunk = 256  // 4 KiB: the sockets of a few quiet processes
)

// holdBuf is one worker's holdings, in chunks. Since every holding carries
// its own proc, one process's holdings need not be contiguous and may span
// chunks: a process is delimited by a holdMark taken before its scan, and
// either gets its proc set on everything added since, or is rolled back.
// The zero value is empty and ready.
type holdBuf struct {
	full [][]holding // full chunks (len == cap), in order
	cur  []holding   // the chunk being filled; nil before the first add
}

// holdMark is a position in a holdBuf: the chunk being filled when it was
// taken (its index in full once full) and the length of that chunk then.
type holdMark struct{ chunk, off int }

func (b *holdBuf) mark() holdMark { return holdMark{len(b.full), len(b.cur)} }

// since is the number of holdings added since m.
func (b *holdBuf) since(m holdMark) int {
	n := len(b.cur) - m.off
	for _, c := range b.full[m.chunk:] {
		n += len(c)
	}
	return n
}

// len is the number of holdings.
func (b *holdBuf) len() int { return b.since(holdMark{}) }

// add appends a holding of inode with a nil proc. It allocates only when
// the current chunk is full: nothing per descriptor.
func (b *holdBuf) add(inode uint64) {
	if len(b.cur) == cap(b.cur) {
		b.grow()
	}
	b.cur = append(b.cur, holding{inode: inode})
}

// grow sets the full chunk aside and begins the next, twice as large up to
// holdChunk. Marks stay valid: nothing moves.
func (b *holdBuf) grow() {
	n := firstHoldChunk
	if c := cap(b.cur); c > 0 {
		b.full = append(b.full, b.cur)
		n = min(2*c, holdChunk)
	}
	b.cur = make([]holding, 0, n)
}

// rollback drops everything added since m. The chunks begun since are
// let go rather than kept for reuse: that happens only when a process
// exits or fails mid-scan after its sockets crossed a chunk's end, rare
// enough not to be worth a spare chunk's memory.
func (b *holdBuf) rollback(m holdMark) {
	if m.chunk < len(b.full) {
		b.cur = b.full[m.chunk]
		clear(b.full[m.chunk:])
		b.full = b.full[:m.chunk]
	}
	b.cur = b.cur[:m.off]
}

// setProc sets the proc of every holding added since m.
func (b *holdBuf) setProc(m holdMark, p *collect.Process) {
	off := m.off
	for _, c := range b.full[m.chunk:] {
		for i := off; i < len(c); i++ {
			c[i].proc = p
		}
		off = 0
	}
	for i := off; i < len(b.cur); i++ {
		b.cur[i].proc = p
	}
}

// outcome is how reading one process's descriptors ended.
type outcome uint8

const (
	read     outcome = iota // every descriptor was read
	vanished                // the process exited mid-scan
	denied                  // we may not read its descriptors
	failed                  // anything else: a problem to report
)

// procResult is what a worker learned about one process.
type procResult struct {
	pid     int
	outcome outcome
	err     error // set when outcome is failed
}

// workerOut is everything one worker found; workers share nothing while
// they run, and the merge happens after all have finished.
type workerOut struct {
	holds holdBuf
	procs []procResult
}

// ScanOwners reads the descriptors of every process under Root and returns
// which process holds each socket inode.
//
// Processes that exit or deny access are counted, not reported. Any other
// failure of one process is returned as a *collect.PartialError naming the
// PID, beside the scan of every other process. Only an unreadable Root or a
// cancelled ctx make the result unusable.
func (s *Scanner) ScanOwners(ctx context.Context) (collect.OwnerScan, error) {
	root := s.Root
	if root == "" {
		root = "/proc"
	}
	open := s.open
	if open == nil {
		open = openOS
	}
	rd, err := open(root)
	if err != nil {
		return collect.OwnerScan{}, fmt.Errorf("opening process directory %s: %w", root, err)
	}
	defer rd.close()
	pids, err := rd.listPIDs()
	if err != nil {
		return collect.OwnerScan{}, fmt.Errorf("listing processes in %s: %w", root, err)
	}

	workers := s.Workers
	if workers <= 0 {
		workers = min(runtime.GOMAXPROCS(0), maxWorkers)
	}
	workers = max(1, min(workers, len(pids)))

	jobs := make(chan int, 4*workers)
	outs := make([]workerOut, workers)
	var wg sync.WaitGroup
	for w := range outs {
		wg.Add(1)
		go func(out *workerOut) {
			defer wg.Done()
			var st workerState
			for pid := range jobs {
				if ctx.Err() != nil {
					continue // drain: the feeder stops soon
				}
				scanOne(rd, pid, &st, out)
			}
		}(&outs[w])
	}
feed:
	for _, pid := range pids {
		select {
		case jobs <- pid:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return collect.OwnerScan{}, err
	}
	return merge(outs)
}

// scanOne reads one process's sockets and, only when it holds any, its name.
func scanOne(rd procDir, pid int, st *workerState, out *workerOut) {
	m := out.holds.mark()
	r := rd.scanProcess(pid, st, &out.holds)
	if r.outcome != read {
		out.holds.rollback(m) // a part of a process's sockets is not its truth
	} else if out.holds.since(m) > 0 {
		out.holds.setProc(m, &collect.Process{PID: pid, Name: rd.processName(pid, st)})
	}
	out.procs = append(out.procs, r)
}

// merge builds the scan from the workers' outputs. A socket held by several
// processes (inherited over fork, passed with SCM_RIGHTS) goes to the lowest
// PID, so the result does not depend on which worker ran first.
func merge(outs []workerOut) (collect.OwnerScan, error) {
	n := 0
	for _, out := range outs {
		n += out.holds.len()
	}
	scan := collect.OwnerScan{Owners: make(map[uint64]*collect.Process, n)}
	var problems []error
	for _, out := range outs {
		for _, r := range out.procs {
			switch r.outcome {
			case read:
				scan.Processes++
			case vanished:
				scan.Vanished++
			case denied:
				scan.Denied++
				if scan.DeniedExample == 0 || r.pid < scan.DeniedExample {
					scan.DeniedExample = r.pid
				}
			case failed:
				problems = append(problems, r.err)
			}
		}
		for _, chunk := range append(out.holds.full, out.holds.cur) {
			for _, h := range chunk {
				if cur, ok := scan.Owners[h.inode]; !ok || h.proc.PID < cur.PID {
					scan.Owners[h.inode] = h.proc
				}
			}
		}
	}
	sort.Slice(problems, func(i, j int) bool { return problems[i].Error() < problems[j].Error() })
	return scan, collect.Partial(problems...)
}

// classify sorts a per-process error into vanished, denied or a problem.
// ENOENT and ESRCH mean the process exited (or, for one descriptor, that it
// was closed, which callers handle before this); EACCES and EPERM mean the
// kernel's ptrace access check refused us.
func classify(pid int, what string, err error) procResult {
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH):
		return procResult{pid: pid, outcome: vanished}
	case errors.Is(err, fs.ErrPermission):
		return procResult{pid: pid, outcome: denied}
	}
	return procResult{pid: pid, outcome: failed, err: fmt.Errorf("process %d: %s: %w", pid, what, err)}
}

var socketPrefix = []byte("socket:[")

// ParseSocketLink returns the inode of a descriptor link "socket:[12345]".
// It accepts exactly that form — at least one decimal digit, no sign, no
// spaces — with an inode that fits in 64 bits, and allocates nothing.
func ParseSocketLink(link []byte) (uint64, bool) {
	if len(link) < len(socketPrefix)+2 || !bytes.HasPrefix(link, socketPrefix) || link[len(link)-1] != ']' {
		return 0, false
	}
	return parseDecimal(link[len(socketPrefix) : len(link)-1])
}

// parseDecimal parses a non-empty run of ASCII digits into a uint64.
func parseDecimal(digits []byte) (uint64, bool) {
	if len(digits) == 0 {
		return 0, false
	}
	var v uint64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (^uint64(0)-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// maxPID is above any PID Linux hands out (PID_MAX_LIMIT is 4194304) and
// keeps a hostile fixture name from overflowing int on 32-bit systems.
const maxPID = 1<<31 - 1

// parsePID returns the PID a directory name stands for: digits only, no
// sign, no leading zero. "self", "sys", "1a" and "007" are not processes
// (the last would open the fd directory of "7").
func parsePID(name []byte) (int, bool) {
	if len(name) == 0 || name[0] == '0' {
		return 0, false
	}
	v, ok := parseDecimal(name)
	if !ok || v == 0 || v > maxPID {
		return 0, false
	}
	return int(v), true
}

// deletedSuffix is what the kernel appends to the path of a file whose
// name was unlinked (fs/d_path.c: d_path() when d_unlinked()), as the exe
// link of a daemon whose binary a package upgrade replaced reads.
const deletedSuffix = " (deleted)"

// exeName turns an exe link target into a process name: its base name.
// A target ending in " (deleted)" loses that suffix only when unlinked
// confirms the file is gone: the suffix is text any file name may end
// with, and a live program named "fake (deleted)" must show as that.
func exeName(target []byte, unlinked func() bool) []byte {
	if bytes.HasSuffix(target, []byte(deletedSuffix)) && unlinked() {
		target = target[:len(target)-len(deletedSuffix)]
	}
	if i := bytes.LastIndexByte(target, '/'); i >= 0 {
		target = target[i+1:]
	}
	return target
}

// commName returns the first line of a comm file.
func commName(comm []byte) []byte {
	if i := bytes.IndexByte(comm, '\n'); i >= 0 {
		comm = comm[:i]
	}
	return comm
}
