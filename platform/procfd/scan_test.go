// scan_test.go tests the scan on fixture trees (any OS with symlinks) and
// the pure helpers: the socket link parser, the PID parser, name trimming.

package procfd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gonetstat/gonetstat/collect"
)

// ignoreTimes leaves out of a comparison of scans what depends on when
// they ran: TestScanReads checks Reads.
var ignoreTimes = cmpopts.IgnoreFields(collect.OwnerScan{}, "Began", "Reads")

// fixture describes one process directory of a fixture /proc.
type fixture struct {
	fds  map[string]string // fd name -> link target
	exe  string            // exe link target; none when ""
	comm string            // comm file content; none when ""
	// fdFile makes fd a regular file, an error no real process produces.
	fdFile bool
	// noFD leaves fd out: the process exited between readdir and open.
	noFD bool
	// tasks are <pid>/task/<tid>/fd directories, tid -> fd name -> link
	// target: the threads of a leader that has exited (its own fd
	// directory empty).
	tasks map[string]map[string]string
}

// impls are the readers a fixture runs through: this OS's, and the
// portable one (the same on systems other than Linux).
var impls = []struct {
	name string
	open func(string) (procDir, error)
}{{"os", openOS}, {"portable", openPortable}}

// tree builds a fixture /proc from pid directory names to fixtures.
func tree(t testing.TB, procs map[string]fixture) string {
	t.Helper()
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for name, p := range procs {
		dir := filepath.Join(root, name)
		must(os.MkdirAll(dir, 0o755))
		switch {
		case p.fdFile:
			must(os.WriteFile(filepath.Join(dir, "fd"), nil, 0o644))
		case !p.noFD:
			must(os.Mkdir(filepath.Join(dir, "fd"), 0o755))
		}
		for fd, target := range p.fds {
			must(os.Symlink(target, filepath.Join(dir, "fd", fd)))
		}
		for tid, fds := range p.tasks {
			fdDir := filepath.Join(dir, "task", tid, "fd")
			must(os.MkdirAll(fdDir, 0o755))
			for fd, target := range fds {
				must(os.Symlink(target, filepath.Join(fdDir, fd)))
			}
		}
		if p.exe != "" {
			must(os.Symlink(p.exe, filepath.Join(dir, "exe")))
		}
		if p.comm != "" {
			must(os.WriteFile(filepath.Join(dir, "comm"), []byte(p.comm), 0o644))
		}
	}
	return root
}

func TestScanFixture(t *testing.T) {
	root := tree(t, map[string]fixture{
		"123": {
			exe:  "/usr/bin/foo",
			comm: "foo-comm\n",
			fds: map[string]string{
				"0": "/dev/null", "1": "pipe:[99]", "2": "anon_inode:[eventpoll]",
				"3": "socket:[4242]", "5": "socket:[4243]", "6": "socket:[abc]", "7": "socket:[]",
				"8": "socket:[18446744073709551616]", "9": "socket:[12", "10": "/tmp/socket:[5]",
				"12": "socket:[4243]", // a dup: 123 is one holder of 4243, not two
			},
		},
		// Shares 4243 (forked from 123, or passed with SCM_RIGHTS): the
		// lower PID keeps it.
		"124": {exe: "/usr/sbin/bar (deleted)", fds: map[string]string{"3": "socket:[4243]", "4": "socket:[77]", "5": "socket:[4243]"}},
		// Holds 4243 too and is the lowest PID of the three: it owns it,
		// whichever worker finishes first.
		"10":  {comm: "kworker/0:1\n", fds: map[string]string{"3": "socket:[4243]"}},
		"7":   {exe: "/bin/sh", fds: map[string]string{"0": "/dev/tty"}}, // no socket: no Process, no name read
		"8":   {fds: map[string]string{"3": "socket:[88]"}},              // no exe, no comm: no name, still owned
		"300": {noFD: true},                                              // exited between readdir and open
		// A leader that has exited (pthread_exit) while its threads run:
		// its own fd directory is empty, its threads share one table
		// (read twice, counted once), in which 4243 is a fourth holder.
		"600": {comm: "zleader\n", fds: map[string]string{}, tasks: map[string]map[string]string{
			"600": {},
			"601": {"3": "socket:[6000]", "4": "socket:[6001]", "5": "socket:[4243]"},
			"602": {"3": "socket:[6000]", "4": "socket:[6001]", "5": "socket:[4243]"},
		}},
		// Its threads have tables of their own (unshare(CLONE_FILES)).
		"700": {comm: "split\n", fds: map[string]string{}, tasks: map[string]map[string]string{
			"701": {"3": "socket:[7000]"},
			"702": {"3": "socket:[7001]"},
		}},
		"800": {fds: map[string]string{}}, // no descriptor, and a tree copied without task directories
		// Not processes.
		"self": {fds: map[string]string{"3": "socket:[1]"}},
		"007":  {fds: map[string]string{"3": "socket:[2]"}},
		"+9":   {fds: map[string]string{"3": "socket:[3]"}},
		"sys":  {},
	})
	// A file with a numeric name is not a process directory either.
	if err := os.WriteFile(filepath.Join(root, "55"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A regular file among the descriptors is skipped, not fatal.
	if err := os.WriteFile(filepath.Join(root, "123", "fd", "11"), nil, 0o644); err != nil {
		t.Fatal(err)
	}

	kw := &collect.Process{PID: 10, Name: "kworker/0:1"}
	foo := &collect.Process{PID: 123, Name: "foo"}
	// The fixture's exe link is text only: nothing says the file was
	// deleted (a live file may be named so), and the name is kept whole.
	bar := &collect.Process{PID: 124, Name: "bar (deleted)"}
	anon := &collect.Process{PID: 8}
	zl := &collect.Process{PID: 600, Name: "zleader"}
	split := &collect.Process{PID: 700, Name: "split"}
	want := collect.OwnerScan{
		Owners: map[uint64]*collect.Process{4242: foo, 4243: kw, 77: bar, 88: anon,
			6000: zl, 6001: zl, 7000: split, 7001: split},
		Holders:   map[uint64]uint32{4243: 4},
		Processes: 8,
		Vanished:  1,
	}
	for _, impl := range impls {
		for _, workers := range []int{0, 1, 3, 64} {
			scan, err := (&Scanner{Root: root, Workers: workers, open: impl.open}).ScanOwners(context.Background())
			if err != nil {
				t.Fatalf("%s workers=%d: %v", impl.name, workers, err)
			}
			if diff := cmp.Diff(want, scan, ignoreTimes); diff != "" {
				t.Errorf("%s workers=%d (-want +got):\n%s", impl.name, workers, diff)
			}
		}
	}
}

// TestScanSharedProcess checks that all sockets of one process share one
// *collect.Process: one allocation per process, as collect.Process says.
func TestScanSharedProcess(t *testing.T) {
	root := tree(t, map[string]fixture{
		"42": {comm: "srv\n", fds: map[string]string{"3": "socket:[1]", "4": "socket:[2]", "5": "socket:[3]"}},
	})
	for _, impl := range impls {
		scan, err := (&Scanner{Root: root, open: impl.open}).ScanOwners(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(scan.Owners) != 3 || scan.Owners[1] == nil || scan.Owners[1] != scan.Owners[2] || scan.Owners[2] != scan.Owners[3] {
			t.Errorf("%s: owners not one shared *Process: %v", impl.name, scan.Owners)
		}
	}
}

// fakeDir is a procDir whose one process returns fixed holdings and
// outcome, and which counts name reads.
type fakeDir struct {
	inodes    []uint64
	outcome   outcome
	nameReads int
}

func (d *fakeDir) listPIDs() ([]int, error) { return []int{7}, nil }
func (d *fakeDir) close()                   {}
func (d *fakeDir) view() collect.View       { return collect.ViewUnknown }
func (d *fakeDir) processName(int, *workerState) string {
	d.nameReads++
	return "seven"
}
func (d *fakeDir) scanProcess(pid int, _ *workerState, holds *holdBuf) procResult {
	for _, in := range d.inodes {
		holds.add(in)
	}
	return procResult{pid: pid, outcome: d.outcome}
}

// TestScanOneOutcomes: a process that exits, is refused or fails after
// some of its descriptors were read contributes none of them (a part of a
// process's sockets is not its truth), and its name is not read; a process
// read whole gets one shared *Process, and only if it holds a socket. The
// process's holdings start a few entries before the end of a chunk, so
// they span two.
func TestScanOneOutcomes(t *testing.T) {
	before := chunkEnd(6) - 3         // other processes' holdings, kept
	other := &collect.Process{PID: 3} // their owner
	many := make([]uint64, 10)
	for i := range many {
		many[i] = uint64(10 + i)
	}
	tests := []struct {
		name      string
		dir       fakeDir
		want      []uint64 // after the other processes'
		nameReads int
	}{
		{"read", fakeDir{inodes: many, outcome: read}, many, 1},
		{"read, no socket", fakeDir{outcome: read}, nil, 0},
		{"vanished midway", fakeDir{inodes: many, outcome: vanished}, nil, 0},
		{"denied midway", fakeDir{inodes: many, outcome: denied}, nil, 0},
		{"failed midway", fakeDir{inodes: many, outcome: failed}, nil, 0},
	}
	for _, tt := range tests {
		var out workerOut
		fill(&out.holds, 0, before, other)
		scanOne(&tt.dir, 7, 0, &workerState{}, &out)
		all := holdings(t, &out.holds)
		if len(all) != before+len(tt.want) {
			t.Fatalf("%s: %d holdings, want %d", tt.name, len(all), before+len(tt.want))
		}
		for i, h := range all[:before] {
			if h != (holding{inode: uint64(i), proc: other}) {
				t.Fatalf("%s: another process's holding %d changed to %+v", tt.name, i, h)
			}
		}
		var got []uint64
		for _, h := range all[before:] {
			got = append(got, h.inode)
			if h.proc == nil || h.proc != all[before].proc || h.proc.PID != 7 || h.proc.Name != "seven" {
				t.Errorf("%s: holding %d has owner %+v, want one shared {7 seven}", tt.name, h.inode, h.proc)
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: inodes (-want +got):\n%s", tt.name, diff)
		}
		if tt.dir.nameReads != tt.nameReads {
			t.Errorf("%s: name read %d times, want %d", tt.name, tt.dir.nameReads, tt.nameReads)
		}
		if len(out.procs) != 1 || out.procs[0].outcome != tt.dir.outcome {
			t.Errorf("%s: results %+v, want one with outcome %d", tt.name, out.procs, tt.dir.outcome)
		}
	}
}

// held adds one process's holdings of inodes, in order, to b.
func held(b *holdBuf, p *collect.Process, inodes ...uint64) {
	m := b.mark()
	for _, in := range inodes {
		b.add(in)
	}
	b.setProc(m, p)
}

// TestMergeHolders: a socket goes to its lowest holder, and its holders
// are counted once per process however many descriptors each holds it on
// and wherever the duplicates fall (before and after the owner changes),
// whichever order the workers are merged in.
func TestMergeHolders(t *testing.T) {
	a, b := &collect.Process{PID: 50}, &collect.Process{PID: 40}
	c, d := &collect.Process{PID: 70}, &collect.Process{PID: 90}
	var w0, w1 workerOut
	held(&w0.holds, a, 1, 2, 1, 3, 3)             // 1 twice, apart; 3 only here, twice
	held(&w0.holds, c, 1)                         // a third holder of 1, after b took it
	held(&w1.holds, b, 1, 1, 2, 1)                // lower than a: takes 1 and 2
	held(&w1.holds, d, 2, 4, 2)                   // a third holder of 2
	held(&w1.holds, &collect.Process{PID: 95}, 5) // alone
	want := collect.OwnerScan{
		Owners:  map[uint64]*collect.Process{1: b, 2: b, 3: a, 4: d, 5: {PID: 95}},
		Holders: map[uint64]uint32{1: 3, 2: 3},
		Reads:   []collect.ProcessRead{},
	}
	for _, outs := range [][]workerOut{{w0, w1}, {w1, w0}} {
		scan, err := merge(outs)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, scan); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}
}

// TestScanReads: every process listed and not seen exiting is in Reads,
// with when its read began and whether it could not be read (denied or
// failed); one that exited is not (its PID may be reused by a new process,
// which a rescan must read).
func TestScanReads(t *testing.T) {
	ms := time.Millisecond
	out := workerOut{procs: []procResult{
		{pid: 5, outcome: read, at: 1 * ms},
		{pid: 6, outcome: vanished, at: 2 * ms},
		{pid: 7, outcome: denied, at: 3 * ms},
		{pid: 8, outcome: failed, err: errors.New("process 8: broken"), at: 4 * ms},
	}}
	scan, err := merge([]workerOut{out})
	if !collect.IsPartial(err) {
		t.Errorf("err = %v, want a partial error for process 8", err)
	}
	want := []collect.ProcessRead{{PID: 5, At: 1 * ms}, {PID: 7, At: 3 * ms, Unread: true}, {PID: 8, At: 4 * ms, Unread: true}}
	if diff := cmp.Diff(want, scan.Reads); diff != "" {
		t.Errorf("Reads (-want +got):\n%s", diff)
	}

	// A real pass stamps each process from its start.
	root := tree(t, map[string]fixture{
		"3": {fds: map[string]string{"3": "socket:[1]"}}, "4": {fds: map[string]string{"0": "/dev/null"}}, "5": {noFD: true},
	})
	for _, impl := range impls {
		before := time.Now()
		scan, err := (&Scanner{Root: root, open: impl.open}).ScanOwners(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		elapsed := time.Since(before)
		if scan.Began.Before(before) || scan.Began.Sub(before) > elapsed {
			t.Errorf("%s: Began %v outside the call (%v + %v)", impl.name, scan.Began, before, elapsed)
		}
		var pids []int
		for _, r := range scan.Reads {
			pids = append(pids, r.PID)
			if r.At < 0 || r.At > elapsed || r.Unread {
				t.Errorf("%s: read %+v: At outside [0, %v], or denied", impl.name, r, elapsed)
			}
		}
		slices.Sort(pids)
		if diff := cmp.Diff([]int{3, 4}, pids); diff != "" {
			t.Errorf("%s: PIDs read (-want +got):\n%s", impl.name, diff)
		}
	}
}

// TestCandidates: a rescan reads what the first pass did not list (new
// processes, or a PID that exited and came back) and what it read before
// the table was complete; not what it read after, nor what was denied.
func TestCandidates(t *testing.T) {
	ms := time.Millisecond
	began := time.Now()
	scan := &collect.OwnerScan{Began: began, Reads: []collect.ProcessRead{
		{PID: 1, At: 1 * ms},               // before the cut
		{PID: 2, At: 5 * ms},               // at the cut: its read saw the table's sockets
		{PID: 3, At: 2 * ms, Unread: true}, // would be denied again
		{PID: 7, At: 1 * ms, Unread: true}, // failed, and was reported
		{PID: 4, At: 9 * ms},               // after
		{PID: 6, At: 0},                    // exited since: not listed now
	}}
	got := candidates(scan, []int{5, 4, 3, 2, 1, 7}, began.Add(5*ms))
	if diff := cmp.Diff([]int{5, 1}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestRescanFixture: a rescan finds the missing sockets that the
// processes it should read hold now, counts their holders among them,
// keeps every other inode as the first pass left it, and reads neither a
// process read after the table was complete nor one that was denied (both
// hold a missing socket here, which a read would find).
func TestRescanFixture(t *testing.T) {
	root := tree(t, map[string]fixture{
		"20": {comm: "early\n", fds: map[string]string{"3": "socket:[100]", "4": "socket:[101]", "5": "socket:[102]"}},
		"30": {comm: "late\n", fds: map[string]string{"3": "socket:[103]"}},
		"40": {comm: "denied\n", fds: map[string]string{"3": "socket:[104]"}},
		"50": {comm: "new\n", fds: map[string]string{"3": "socket:[101]", "4": "socket:[105]", "5": "socket:[100]"}},
		"19": {comm: "newlow\n", fds: map[string]string{"3": "socket:[102]"}},
	})
	ms := time.Millisecond
	for _, impl := range impls {
		early := &collect.Process{PID: 20, Name: "early"}
		began := time.Now()
		scan := collect.OwnerScan{
			Owners: map[uint64]*collect.Process{100: early}, Processes: 2, Denied: 1, DeniedExample: 40,
			View: collect.ViewAll, Began: began,
			Reads: []collect.ProcessRead{{PID: 20, At: 1 * ms}, {PID: 30, At: 9 * ms}, {PID: 40, At: 2 * ms, Unread: true}},
		}
		missing := []uint64{101, 102, 103, 104, 105, 106}
		err := (&Scanner{Root: root, open: impl.open}).RescanOwners(context.Background(), &scan, missing, began.Add(5*ms))
		if err != nil {
			t.Fatalf("%s: %v", impl.name, err)
		}
		want := collect.OwnerScan{
			Owners: map[uint64]*collect.Process{100: early, 101: {PID: 20, Name: "early"},
				102: {PID: 19, Name: "newlow"}, 105: {PID: 50, Name: "new"}},
			Holders:   map[uint64]uint32{101: 2, 102: 2},
			Processes: 2, Denied: 1, DeniedExample: 40, View: collect.ViewAll, Rescanned: 3,
		}
		if diff := cmp.Diff(want, scan, ignoreTimes); diff != "" {
			t.Errorf("%s (-want +got):\n%s", impl.name, diff)
		}
		if scan.Owners[100] != early {
			t.Errorf("%s: the owner of a socket that was not missing was replaced", impl.name)
		}
	}
}

// TestRescanCounts: a process that appeared since the first pass and is
// denied counts among the denied (and may be the example); nothing
// missing reads nothing.
func TestRescanCounts(t *testing.T) {
	dir := &fakeDir{inodes: []uint64{9}, outcome: denied}
	s := &Scanner{open: func(string) (procDir, error) { return dir, nil }}
	scan := collect.OwnerScan{Denied: 1, DeniedExample: 9, Owners: map[uint64]*collect.Process{}}
	if err := s.RescanOwners(context.Background(), &scan, nil, time.Now()); err != nil || scan.Denied != 1 {
		t.Fatalf("nothing missing: err %v, Denied %d", err, scan.Denied)
	}
	if err := s.RescanOwners(context.Background(), &scan, []uint64{9}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if scan.Denied != 2 || scan.DeniedExample != 7 || len(scan.Owners) != 0 || scan.Rescanned != 0 {
		t.Errorf("after a denied new process: %+v", scan)
	}
}

// TestView: how much of the host a tree shows, from its self link and
// its PID 1, through both readers.
func TestView(t *testing.T) {
	tests := []struct {
		name   string
		ns     string // our PID namespace's link; none when ""
		noInit bool
		want   collect.View
	}{
		{"host", initPIDNamespace, false, collect.ViewAll},
		{"hidepid", initPIDNamespace, true, collect.ViewHidden},
		{"container", "pid:[4026532198]", false, collect.ViewNamespace},
		{"no self link", "", false, collect.ViewUnknown},
	}
	for _, tt := range tests {
		procs := map[string]fixture{"123": {fds: map[string]string{}}}
		if !tt.noInit {
			procs["1"] = fixture{fds: map[string]string{}}
		}
		root := tree(t, procs)
		if tt.ns != "" {
			if err := os.Symlink("123", filepath.Join(root, "self")); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(root, "123", "ns"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(tt.ns, filepath.Join(root, "123", "ns", "pid")); err != nil {
				t.Fatal(err)
			}
		}
		for _, impl := range impls {
			scan, err := (&Scanner{Root: root, open: impl.open}).ScanOwners(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if scan.View != tt.want {
				t.Errorf("%s, %s: View = %d, want %d", tt.name, impl.name, scan.View, tt.want)
			}
		}
	}
}

// fill adds n holdings of inodes from, from+1, ... owned by p.
func fill(b *holdBuf, from, n int, p *collect.Process) {
	m := b.mark()
	for i := range n {
		b.add(uint64(from + i))
	}
	b.setProc(m, p)
}

// chunkCap is the size of a holdBuf's chunk i: firstHoldChunk, doubling
// up to holdChunk.
func chunkCap(i int) int { return min(firstHoldChunk<<min(i, 30), holdChunk) }

// chunkEnd is the number of holdings in a holdBuf's first k chunks: the
// position of a chunk boundary.
func chunkEnd(k int) int {
	n := 0
	for i := range k {
		n += chunkCap(i)
	}
	return n
}

// holdings returns a holdBuf's holdings in order, failing t unless every
// full chunk is exactly as long and large as its place says (holdChunk
// after the lead-in), and the chunk being filled as large as its place
// says.
func holdings(t *testing.T, b *holdBuf) []holding {
	t.Helper()
	var all []holding
	for i, c := range b.full {
		if len(c) != chunkCap(i) || cap(c) != chunkCap(i) {
			t.Fatalf("full chunk %d has len %d cap %d, want %d", i, len(c), cap(c), chunkCap(i))
		}
		all = append(all, c...)
	}
	if c := cap(b.cur); c != chunkCap(len(b.full)) && (c != 0 || len(b.full) > 0) {
		t.Fatalf("current chunk %d has cap %d, want %d", len(b.full), c, chunkCap(len(b.full)))
	}
	return append(all, b.cur...)
}

// checkHoldings fails t unless b holds exactly inodes 0..len(procs)-1, in
// order, holding i owned by procs[i].
func checkHoldings(t *testing.T, b *holdBuf, procs []*collect.Process) {
	t.Helper()
	all := holdings(t, b)
	if len(all) != len(procs) || b.len() != len(procs) {
		t.Fatalf("%d holdings (len %d), want %d", len(all), b.len(), len(procs))
	}
	for i, h := range all {
		if h.inode != uint64(i) || h.proc != procs[i] {
			t.Fatalf("holding %d is {%d %p}, want {%d %p}", i, h.inode, h.proc, i, procs[i])
		}
	}
}

// TestHoldBufChunks: chunks are filled to the brim, allocated once at their
// size and never moved; past the lead-in from firstHoldChunk every chunk
// is exactly holdChunk.
func TestHoldBufChunks(t *testing.T) {
	var b holdBuf
	p := &collect.Process{PID: 1}
	var starts []*holding // each chunk's first element, when it was begun
	n := chunkEnd(8) + holdChunk/2
	for i := range n {
		m := b.mark()
		b.add(uint64(i))
		b.setProc(m, p)
		if len(b.cur) == 1 {
			starts = append(starts, &b.cur[0])
		}
	}
	if cap(b.full[0]) != firstHoldChunk || cap(b.full[len(b.full)-1]) != holdChunk {
		t.Errorf("chunks from %d to %d, want from %d to %d", cap(b.full[0]), cap(b.full[len(b.full)-1]), firstHoldChunk, holdChunk)
	}
	if len(b.full) != 8 || len(b.cur) != holdChunk/2 || cap(b.cur) != holdChunk {
		t.Errorf("after %d holdings: %d full chunks, current len %d cap %d; want 8, %d, %d",
			n, len(b.full), len(b.cur), cap(b.cur), holdChunk/2, holdChunk)
	}
	for i, c := range append(b.full, b.cur) {
		if i >= len(starts) || &c[0] != starts[i] {
			t.Fatalf("chunk %d was moved, or begun out of turn", i)
		}
	}
	checkHoldings(t, &b, slices.Repeat([]*collect.Process{p}, n))
}

// TestHoldBufRollback: a rollback drops exactly what was added since the
// mark, whether that stayed in one chunk, filled it to the brim, or
// crossed into one or more new chunks; adding goes on from there.
func TestHoldBufRollback(t *testing.T) {
	keep, drop := &collect.Process{PID: 1}, &collect.Process{PID: 2}
	lead := chunkEnd(6) // the first boundary between two holdChunks
	for _, tt := range []struct{ before, dropped int }{
		{0, 0}, {0, 5}, {100, 10}, // within the first chunk
		{0, 3 * holdChunk},        // across the lead-in
		{firstHoldChunk - 10, 10}, // up to the end of a chunk
		{firstHoldChunk - 10, 30}, // across a small chunk's end
		{lead - 10, 30},           // across a holdChunk's end
		{lead, 1},                 // from the end of a full chunk
		{lead + 5, 3 * holdChunk}, // across three
		{chunkEnd(2) - 1, chunkEnd(7) - chunkEnd(2) + 2}, // from a small chunk to a holdChunk
	} {
		t.Run(fmt.Sprintf("%d+%d", tt.before, tt.dropped), func(t *testing.T) {
			var b holdBuf
			fill(&b, 0, tt.before, keep)
			m := b.mark()
			for i := range tt.dropped {
				b.add(uint64(1e9 + i))
			}
			if got := b.since(m); got != tt.dropped {
				t.Errorf("since = %d, want %d", got, tt.dropped)
			}
			b.setProc(m, drop) // proves nothing survives, owner or not
			b.rollback(m)
			if got := b.since(m); got != 0 {
				t.Errorf("since = %d after rollback", got)
			}
			checkHoldings(t, &b, slices.Repeat([]*collect.Process{keep}, tt.before))
			// What comes next lands right after what was kept, in
			// chunks of the sizes their places call for.
			fill(&b, tt.before, 2*holdChunk+1, keep)
			checkHoldings(t, &b, slices.Repeat([]*collect.Process{keep}, tt.before+2*holdChunk+1))
		})
	}
}

// TestHoldBufSetProc: setProc owns everything added since the mark, and
// nothing before it, across chunk boundaries.
func TestHoldBufSetProc(t *testing.T) {
	lead := chunkEnd(6)
	for _, tt := range []struct{ before, added int }{
		{0, 3}, {10, 300}, {firstHoldChunk, 5}, {lead - 5, 20}, {lead, 5},
		{lead - 1, 2*holdChunk + 7}, {1, chunkEnd(8)},
	} {
		t.Run(fmt.Sprintf("%d+%d", tt.before, tt.added), func(t *testing.T) {
			a, p := &collect.Process{PID: 1}, &collect.Process{PID: 2}
			var b holdBuf
			fill(&b, 0, tt.before, a)
			fill(&b, tt.before, tt.added, p)
			want := slices.Concat(slices.Repeat([]*collect.Process{a}, tt.before), slices.Repeat([]*collect.Process{p}, tt.added))
			checkHoldings(t, &b, want)
		})
	}
}

// TestHoldBufAddAllocs: adding a holding allocates nothing while the chunk
// has room.
func TestHoldBufAddAllocs(t *testing.T) {
	var b holdBuf
	b.add(0) // the first chunk, with room for more than 50
	if allocs := testing.AllocsPerRun(100, func() {
		m := b.mark()
		for i := range 50 {
			b.add(uint64(i))
		}
		b.rollback(m)
	}); allocs != 0 {
		t.Errorf("%v allocations per 50 holdings, want 0", allocs)
	}
}

// TestScanPartial: a process whose descriptors fail for a reason that is
// neither exit nor permission is reported with its PID, and every other
// process is still scanned.
func TestScanPartial(t *testing.T) {
	root := tree(t, map[string]fixture{
		"400": {fdFile: true},
		"401": {comm: "ok\n", fds: map[string]string{"3": "socket:[9]"}},
	})
	want := collect.OwnerScan{
		Owners:    map[uint64]*collect.Process{9: {PID: 401, Name: "ok"}},
		Processes: 1,
	}
	for _, impl := range impls {
		scan, err := (&Scanner{Root: root, open: impl.open}).ScanOwners(context.Background())
		if !collect.IsPartial(err) {
			t.Fatalf("%s: err = %v, want a *collect.PartialError", impl.name, err)
		}
		if !strings.Contains(err.Error(), "process 400") {
			t.Errorf("%s: err = %q, does not name the process", impl.name, err)
		}
		if diff := cmp.Diff(want, scan, ignoreTimes); diff != "" {
			t.Errorf("%s (-want +got):\n%s", impl.name, diff)
		}
	}
}

func TestScanUnreadableRoot(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, impl := range impls {
		for _, root := range []string{filepath.Join(dir, "missing"), file} {
			_, err := (&Scanner{Root: root, open: impl.open}).ScanOwners(context.Background())
			if err == nil || collect.IsPartial(err) || !strings.Contains(err.Error(), root) {
				t.Errorf("%s root %s: err = %v, want a hard error naming it", impl.name, root, err)
			}
		}
	}
}

func TestScanEmptyRoot(t *testing.T) {
	root := t.TempDir()
	for _, impl := range impls {
		scan, err := (&Scanner{Root: root, open: impl.open}).ScanOwners(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(collect.OwnerScan{Owners: map[uint64]*collect.Process{}}, scan, ignoreTimes); diff != "" {
			t.Errorf("%s (-want +got):\n%s", impl.name, diff)
		}
	}
}

func TestScanCancelled(t *testing.T) {
	procs := map[string]fixture{}
	for pid := 1; pid <= 50; pid++ {
		procs[strconv.Itoa(pid)] = fixture{fds: map[string]string{"3": "socket:[" + strconv.Itoa(pid) + "]"}}
	}
	root := tree(t, procs)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&Scanner{Root: root}).ScanOwners(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestParseSocketLink(t *testing.T) {
	tests := []struct {
		in    string
		inode uint64
		ok    bool
	}{
		{"socket:[12345]", 12345, true},
		{"socket:[0]", 0, true},
		{"socket:[18446744073709551615]", 1<<64 - 1, true},
		{"socket:[18446744073709551616]", 0, false},
		{"socket:[99999999999999999999]", 0, false},
		{"socket:[]", 0, false},
		{"socket:[12a]", 0, false},
		{"socket:[-1]", 0, false},
		{"socket:[+1]", 0, false},
		{"socket:[ 1]", 0, false},
		{"socket:[1", 0, false},
		{"socket:[1]x", 0, false},
		{"socket:[1]]", 0, false},
		{"Socket:[1]", 0, false},
		{"pipe:[1]", 0, false},
		{"/dev/null", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		inode, ok := ParseSocketLink([]byte(tt.in))
		if inode != tt.inode || ok != tt.ok {
			t.Errorf("ParseSocketLink(%q) = %d, %v; want %d, %v", tt.in, inode, ok, tt.inode, tt.ok)
		}
	}
}

func TestParsePID(t *testing.T) {
	tests := []struct {
		in  string
		pid int
		ok  bool
	}{
		{"1", 1, true}, {"4194304", 4194304, true}, {"2147483647", 2147483647, true},
		{"2147483648", 0, false}, {"0", 0, false}, {"01", 0, false}, {"+1", 0, false},
		{"-1", 0, false}, {"self", 0, false}, {"1a", 0, false}, {"", 0, false},
	}
	for _, tt := range tests {
		pid, ok := parsePID([]byte(tt.in))
		if pid != tt.pid || ok != tt.ok {
			t.Errorf("parsePID(%q) = %d, %v; want %d, %v", tt.in, pid, ok, tt.pid, tt.ok)
		}
	}
}

func TestNames(t *testing.T) {
	for _, tt := range []struct {
		in       string
		unlinked bool // what the stat through the link says
		want     string
	}{
		{"/usr/sbin/sshd", false, "sshd"}, {"sshd", false, "sshd"}, {"/", false, ""}, {"/opt/my app/srv", false, "srv"},
		{"/usr/sbin/sshd (deleted)", true, "sshd"}, {"/x/ (deleted)", true, ""},
		// A live file named so keeps its whole name.
		{"/tmp/fake (deleted)", false, "fake (deleted)"},
		// A file named so, then deleted.
		{"/tmp/fake (deleted) (deleted)", true, "fake (deleted)"},
	} {
		asked := false
		unlinked := func() bool { asked = true; return tt.unlinked }
		if got := string(exeName([]byte(tt.in), unlinked)); got != tt.want {
			t.Errorf("exeName(%q, unlinked %v) = %q, want %q", tt.in, tt.unlinked, got, tt.want)
		}
		if asked != strings.HasSuffix(tt.in, " (deleted)") {
			t.Errorf("exeName(%q) asked whether the file was unlinked: %v", tt.in, asked)
		}
	}
	for in, want := range map[string]string{"kworker/0:1\n": "kworker/0:1", "sh": "sh", "\n": "", "a\nb\n": "a"} {
		if got := string(commName([]byte(in))); got != want {
			t.Errorf("commName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseSocketLink checks the parser against strconv: it never panics,
// and it returns an inode iff the input is exactly "socket:[" + decimal
// digits + "]" and the digits fit in a uint64.
func FuzzParseSocketLink(f *testing.F) {
	for _, s := range []string{"socket:[12345]", "socket:[]", "pipe:[1]", "socket:[18446744073709551616]", "socket:[+1]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, link []byte) {
		got, ok := ParseSocketLink(link)
		s := string(link)
		var want uint64
		valid := false
		if digits, found := strings.CutPrefix(s, "socket:["); found && strings.HasSuffix(digits, "]") {
			digits = digits[:len(digits)-1]
			onlyDigits := digits != "" && strings.Trim(digits, "0123456789") == ""
			v, err := strconv.ParseUint(digits, 10, 64)
			valid = onlyDigits && err == nil
			want = v
		}
		if ok != valid || (ok && got != want) {
			t.Fatalf("ParseSocketLink(%q) = %d, %v; want %d, %v", s, got, ok, want, valid)
		}
		if !ok && got != 0 {
			t.Fatalf("ParseSocketLink(%q) = %d with ok false", s, got)
		}
	})
}

func BenchmarkParseSocketLink(b *testing.B) {
	link := []byte("socket:[1234567890]")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := ParseSocketLink(link); !ok {
			b.Fatal("not parsed")
		}
	}
}

// BenchmarkScanFixture scans a fixture of 20 processes x 500 socket links:
// the cost of the scan machinery without the kernel's procfs.
func BenchmarkScanFixture(b *testing.B) {
	benchFixture(b, 20, 500, []int{0})
}

// BenchmarkScanFixtureSmall scans 10 processes x 4 socket links: what a
// quiet machine's scan costs, most of it the workers' first buffers.
func BenchmarkScanFixtureSmall(b *testing.B) {
	benchFixture(b, 10, 4, []int{0})
}

// BenchmarkScanFixture110k scans 110 processes x 1000 socket links, the
// size at which gonetstat -ano must stay under its peak RSS target; with
// the default pool and with the 8 workers of a large host.
func BenchmarkScanFixture110k(b *testing.B) {
	benchFixture(b, 110, 1000, []int{0, 8})
}

// benchFixture scans a fixture of procs processes holding perProc socket
// links each (every socket held once), once per worker count (0: the
// default pool; a sub-benchmark each when there are several).
func benchFixture(b *testing.B, procs, perProc int, workers []int) {
	tr := map[string]fixture{}
	inode := 1000
	for pid := 100; pid < 100+procs; pid++ {
		fds := map[string]string{}
		for fd := 0; fd < perProc; fd++ {
			inode++
			fds[strconv.Itoa(fd)] = "socket:[" + strconv.Itoa(inode) + "]"
		}
		tr[strconv.Itoa(pid)] = fixture{comm: "bench\n", fds: fds}
	}
	root := tree(b, tr)
	run := func(b *testing.B, w int) {
		s := &Scanner{Root: root, Workers: w}
		b.ReportAllocs()
		for b.Loop() {
			scan, err := s.ScanOwners(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if len(scan.Owners) != procs*perProc {
				b.Fatalf("%d owners, want %d", len(scan.Owners), procs*perProc)
			}
		}
	}
	if len(workers) == 1 {
		run(b, workers[0])
		return
	}
	for _, w := range workers {
		b.Run("workers="+strconv.Itoa(w), func(b *testing.B) { run(b, w) })
	}
}
