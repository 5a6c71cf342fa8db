// scan.go holds the portable driver of the scan: the worker pool, the
// classification of per-process failures and the merge of results.

package procfd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"syscall"

	"github.com/gonetstat/gonetstat/collect"
)

// Scanner maps socket inodes to the processes holding them.
type Scanner struct {
	Root    string // "/proc" when empty
	Workers int    // GOMAXPROCS (at most maxWorkers) when 0
}

var _ collect.OwnerScanner = (*Scanner)(nil)

const maxWorkers = 8

// holding is one (socket inode, pid) pair seen by a worker.
type holding struct {
	inode uint64
	pid   int
}

// procResult is what a worker learned about one process.
type procResult struct {
	pid      int
	name     string
	inodes   int // how many of the worker's holdings belong to this pid
	vanished bool
	denied   bool
	err      error
}

// ScanOwners reads the descriptors of every process under Root.
func (s *Scanner) ScanOwners(ctx context.Context) (collect.OwnerScan, error) {
	root := s.Root
	if root == "" {
		root = "/proc"
	}
	pids, err := listPIDs(root)
	if err != nil {
		return collect.OwnerScan{}, fmt.Errorf("listing processes in %s: %w", root, err)
	}
	workers := s.Workers
	if workers <= 0 {
		workers = min(runtime.GOMAXPROCS(0), maxWorkers)
	}
	workers = max(1, min(workers, len(pids)))

	jobs := make(chan int)
	type workerOut struct {
		holdings []holding
		procs    []procResult
	}
	outs := make([]workerOut, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(out *workerOut) {
			defer wg.Done()
			st := newWorkerState()
			for pid := range jobs {
				before := len(out.holdings)
				var r procResult
				out.holdings, r = scanProcess(root, pid, st, out.holdings)
				r.inodes = len(out.holdings) - before
				if r.inodes > 0 {
					r.name = processName(root, pid, st)
				}
				out.procs = append(out.procs, r)
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

	scan := collect.OwnerScan{Owners: make(map[uint64]*collect.Process)}
	procs := make(map[int]*collect.Process)
	var problems []error
	for _, out := range outs {
		for _, r := range out.procs {
			switch {
			case r.vanished:
				scan.Vanished++
			case r.denied:
				scan.Denied++
				if scan.DeniedExample == 0 || r.pid < scan.DeniedExample {
					scan.DeniedExample = r.pid
				}
			case r.err != nil:
				problems = append(problems, r.err)
			default:
				scan.Processes++
			}
			if r.inodes > 0 {
				procs[r.pid] = &collect.Process{PID: r.pid, Name: r.name}
			}
		}
	}
	for _, out := range outs {
		for _, h := range out.holdings {
			p := procs[h.pid]
			if cur, ok := scan.Owners[h.inode]; !ok || p.PID < cur.PID {
				scan.Owners[h.inode] = p
			}
		}
	}
	sort.Slice(problems, func(i, j int) bool { return problems[i].Error() < problems[j].Error() })
	return scan, collect.Partial(problems...)
}

// listPIDs returns the numeric entries of root in ascending order.
func listPIDs(root string) ([]int, error) {
	d, err := os.Open(root)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	var pids []int
	for {
		names, err := d.Readdirnames(1024)
		for _, n := range names {
			if pid, err := strconv.Atoi(n); err == nil && pid > 0 && n[0] != '+' {
				pids = append(pids, pid)
			}
		}
		if errors.Is(err, errEOF) || len(names) == 0 {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	sort.Ints(pids)
	return pids, nil
}

// classify sorts a per-process error into vanished, denied or a problem.
func classify(r *procResult, pid int, what string, err error) {
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH):
		r.vanished = true
	case errors.Is(err, fs.ErrPermission):
		r.denied = true
	default:
		r.err = fmt.Errorf("process %d: %s: %w", pid, what, err)
	}
}

var socketPrefix = []byte("socket:[")

// ParseSocketLink returns the inode of a descriptor link "socket:[12345]".
// It accepts exactly that form, with an inode that fits in 64 bits.
func ParseSocketLink(link []byte) (uint64, bool) {
	if len(link) < len(socketPrefix)+2 || !bytes.HasPrefix(link, socketPrefix) || link[len(link)-1] != ']' {
		return 0, false
	}
	digits := link[len(socketPrefix) : len(link)-1]
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

// processName returns the base name of the process's executable, or its
// comm name when the exe link is unreadable (kernel threads, other users'
// processes), or "" when neither can be read.
func processName(root string, pid int, st *workerState) string {
	dir := filepath.Join(root, strconv.Itoa(pid))
	if n, err := readlinkInto(filepath.Join(dir, "exe"), st.link); err == nil && n > 0 {
		exe := bytes.TrimSuffix(st.link[:n], []byte(" (deleted)"))
		if i := bytes.LastIndexByte(exe, '/'); i >= 0 {
			exe = exe[i+1:]
		}
		if len(exe) > 0 {
			return string(exe)
		}
	}
	comm, err := os.ReadFile(filepath.Join(dir, "comm"))
	if err != nil {
		return ""
	}
	if i := bytes.IndexByte(comm, '\n'); i >= 0 {
		comm = comm[:i]
	}
	return string(comm)
}
