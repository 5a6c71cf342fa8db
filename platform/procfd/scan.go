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
	"time"

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
	// view says how much of the host the tree shows (see viewOf).
	view() collect.View
	close()
}

// workerState holds one worker's buffers, reused for every process it
// reads. The Linux reader sizes them on first use; the portable one uses
// only link.
type workerState struct {
	path  []byte // "<pid>/fd\x00" and friends, NUL-terminated for raw syscalls
	dents []byte // one getdents64 batch
	link  []byte // a readlink target
	tids  []int  // the other threads of a process whose leader has exited
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
	// want, when not nil, keeps only these inodes: a rescan looks for a
	// few sockets among all the descriptors it reads.
	want map[uint64]struct{}
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

// add appends a holding of inode with a nil proc, unless want leaves it
// out. It allocates only when the current chunk is full: nothing per
// descriptor.
func (b *holdBuf) add(inode uint64) {
	if b.want != nil {
		if _, ok := b.want[inode]; !ok {
			return
		}
	}
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
	err     error         // set when outcome is failed
	at      time.Duration // when its read began, after the pass began
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
	rd, pids, err := s.list()
	if err != nil {
		return collect.OwnerScan{}, err
	}
	defer rd.close()
	scan, err := s.pass(ctx, rd, pids, nil)
	if err != nil && !collect.IsPartial(err) {
		return collect.OwnerScan{}, err
	}
	scan.View = rd.view()
	return scan, err
}

var _ collect.OwnerRescanner = (*Scanner)(nil)

// RescanOwners reads again, once, the processes that could hold one of
// the missing inodes (see collect.OwnerRescanner): the socket a process
// opened after the first pass had read it, and still held when the socket
// table was read, is found here. Only those inodes are kept, so the owners
// and holder counts of the others stay the first pass's. A process that
// appeared since and is denied counts in scan.Denied; one that exits is
// counted in Vanished, as in the first pass.
func (s *Scanner) RescanOwners(ctx context.Context, scan *collect.OwnerScan, missing []uint64, tableRead time.Time) error {
	if len(missing) == 0 {
		return nil
	}
	rd, listed, err := s.list()
	if err != nil {
		return err
	}
	defer rd.close()
	pids := candidates(scan, listed, tableRead)
	want := make(map[uint64]struct{}, len(missing))
	for _, in := range missing {
		want[in] = struct{}{}
	}
	again, err := s.pass(ctx, rd, pids, want)
	if err != nil && !collect.IsPartial(err) {
		return err
	}
	if scan.Owners == nil {
		scan.Owners = make(map[uint64]*collect.Process, len(again.Owners))
	}
	for in, p := range again.Owners {
		scan.Owners[in] = p
	}
	for in, n := range again.Holders {
		if scan.Holders == nil {
			scan.Holders = make(map[uint64]uint32, len(again.Holders))
		}
		scan.Holders[in] = n
	}
	scan.Rescanned += again.Processes
	scan.Vanished += again.Vanished
	if again.Denied > 0 {
		if scan.Denied == 0 || again.DeniedExample < scan.DeniedExample {
			scan.DeniedExample = again.DeniedExample
		}
		scan.Denied += again.Denied
	}
	return err
}

// candidates returns the PIDs listed now that a rescan reads: those the
// first pass did not list (new, or a PID that exited and was given to a
// new process) and those it read before the table was complete. A process
// whose read began after that would have shown every socket it held when
// the table was read (what it opened since is not in the table); a denied
// one would be denied again, and a failed one was reported already.
func candidates(scan *collect.OwnerScan, listed []int, tableRead time.Time) []int {
	cut := tableRead.Sub(scan.Began)
	before := make(map[int]collect.ProcessRead, len(scan.Reads))
	for _, r := range scan.Reads {
		before[r.PID] = r
	}
	var pids []int
	for _, pid := range listed {
		r, ok := before[pid]
		if !ok || (!r.Unread && r.At < cut) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// list opens Root and lists its processes.
func (s *Scanner) list() (procDir, []int, error) {
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
		return nil, nil, fmt.Errorf("opening process directory %s: %w", root, err)
	}
	pids, err := rd.listPIDs()
	if err != nil {
		rd.close()
		return nil, nil, fmt.Errorf("listing processes in %s: %w", root, err)
	}
	return rd, pids, nil
}

// pass reads the descriptors of pids with the worker pool, keeping only
// the inodes in want when it is not nil.
func (s *Scanner) pass(ctx context.Context, rd procDir, pids []int, want map[uint64]struct{}) (collect.OwnerScan, error) {
	workers := s.Workers
	if workers <= 0 {
		workers = min(runtime.GOMAXPROCS(0), maxWorkers)
	}
	workers = max(1, min(workers, len(pids)))

	began := time.Now()
	jobs := make(chan int, 4*workers)
	outs := make([]workerOut, workers)
	var wg sync.WaitGroup
	for w := range outs {
		outs[w].holds.want = want
		wg.Add(1)
		go func(out *workerOut) {
			defer wg.Done()
			var st workerState
			for pid := range jobs {
				if ctx.Err() != nil {
					continue // drain: the feeder stops soon
				}
				scanOne(rd, pid, time.Since(began), &st, out)
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
	scan, err := merge(outs)
	scan.Began = began
	return scan, err
}

// scanOne reads one process's sockets and, only when it holds any, its
// name. at is when its read began.
func scanOne(rd procDir, pid int, at time.Duration, st *workerState, out *workerOut) {
	m := out.holds.mark()
	r := rd.scanProcess(pid, st, &out.holds)
	r.at = at
	if r.outcome != read {
		out.holds.rollback(m) // a part of a process's sockets is not its truth
	} else if out.holds.since(m) > 0 {
		out.holds.setProc(m, &collect.Process{PID: pid, Name: rd.processName(pid, st)})
	}
	out.procs = append(out.procs, r)
}

// merge builds the scan from the workers' outputs. A socket held by several
// processes (inherited over fork, passed with SCM_RIGHTS) goes to the lowest
// PID, so the result does not depend on which worker ran first, and its
// holders are counted.
//
// A process that holds one socket on several descriptors (dup) counts once.
// All holdings of one process are consecutive in its worker's output (the
// worker reads one process at a time), so a holding whose process is the
// last one counted for its inode is such a duplicate: for an inode seen
// once that is its owner, and for a shared one the last holder, kept in a
// small map beside the counts.
func merge(outs []workerOut) (collect.OwnerScan, error) {
	n, procs := 0, 0
	for _, out := range outs {
		n += out.holds.len()
		procs += len(out.procs)
	}
	scan := collect.OwnerScan{Owners: make(map[uint64]*collect.Process, n), Reads: make([]collect.ProcessRead, 0, procs)}
	var last map[uint64]*collect.Process // the last holder counted, for shared inodes
	var problems []error
	for _, out := range outs {
		for _, r := range out.procs {
			switch r.outcome {
			case read:
				scan.Processes++
			case vanished:
				scan.Vanished++
				continue // its PID is free: whatever holds it next is new
			case denied:
				scan.Denied++
				if scan.DeniedExample == 0 || r.pid < scan.DeniedExample {
					scan.DeniedExample = r.pid
				}
			case failed:
				problems = append(problems, r.err)
			}
			scan.Reads = append(scan.Reads, collect.ProcessRead{PID: r.pid, At: r.at, Unread: r.outcome != read})
		}
		for _, chunk := range append(out.holds.full, out.holds.cur) {
			for _, h := range chunk {
				cur, ok := scan.Owners[h.inode]
				if !ok {
					scan.Owners[h.inode] = h.proc
					continue
				}
				if prev, shared := last[h.inode]; shared && prev == h.proc || !shared && cur == h.proc {
					continue // the same process on another descriptor
				}
				if last == nil {
					last = map[uint64]*collect.Process{}
					scan.Holders = map[uint64]uint32{}
				}
				last[h.inode] = h.proc
				scan.Holders[h.inode] = max(scan.Holders[h.inode], 1) + 1
				if h.proc.PID < cur.PID {
					scan.Owners[h.inode] = h.proc
				}
			}
		}
	}
	sort.Slice(problems, func(i, j int) bool { return problems[i].Error() < problems[j].Error() })
	return scan, collect.PartialOf("owner scan", problems...)
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

// initPIDNamespace is how the host's initial PID namespace reads as a
// link: its inode is PROC_PID_INIT_INO (0xEFFFFFFC), fixed on every kernel
// since 3.8 (include/linux/proc_ns.h).
const initPIDNamespace = "pid:[4026531836]"

// viewOf says how much of the host a process tree shows, from the link
// <root>/self/ns/pid (our own PID namespace; nsOK false when unreadable)
// and whether <root>/1 exists.
//
// <root>/self resolves only when we are in the tree's PID namespace or
// below it, so when our own namespace is the initial one, the tree's is
// too: every process is listed, unless /proc hides some (hidepid=), which
// shows as a missing PID 1, since init always runs and is not ours to
// trace. A namespace below the initial one may not see the processes that
// hold its sockets; so may a tree we are not in, or one without a self link
// (a fixture, a copy), which the view leaves unknown.
//
// A socket's network namespace cannot settle the question: network and PID
// namespaces are independent (a container run with the host's network has
// its own PID namespace), so a socket of our own network namespace may be
// held by a process we cannot list.
func viewOf(nsLink []byte, nsOK, initListed bool) collect.View {
	switch {
	case !nsOK:
		return collect.ViewUnknown
	case string(nsLink) != initPIDNamespace:
		return collect.ViewNamespace
	case !initListed:
		return collect.ViewHidden
	}
	return collect.ViewAll
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
