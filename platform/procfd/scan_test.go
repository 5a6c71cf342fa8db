// scan_test.go tests the scan on fixture trees (any OS with symlinks) and
// the pure helpers: the socket link parser, the PID parser, name trimming.

package procfd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

// fixture describes one process directory of a fixture /proc.
type fixture struct {
	fds  map[string]string // fd name -> link target
	exe  string            // exe link target; none when ""
	comm string            // comm file content; none when ""
	// fdFile makes fd a regular file, an error no real process produces.
	fdFile bool
	// noFD leaves fd out: the process exited between readdir and open.
	noFD bool
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
			},
		},
		// Shares 4243 (forked from 123, or passed with SCM_RIGHTS): the
		// lower PID keeps it.
		"124": {exe: "/usr/sbin/bar (deleted)", fds: map[string]string{"3": "socket:[4243]", "4": "socket:[77]"}},
		// Holds 4243 too and is the lowest PID of the three: it owns it,
		// whichever worker finishes first.
		"10":  {comm: "kworker/0:1\n", fds: map[string]string{"3": "socket:[4243]"}},
		"7":   {exe: "/bin/sh", fds: map[string]string{"0": "/dev/tty"}}, // no socket: no Process, no name read
		"8":   {fds: map[string]string{"3": "socket:[88]"}},              // no exe, no comm: no name, still owned
		"300": {noFD: true},                                              // exited between readdir and open
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
	bar := &collect.Process{PID: 124, Name: "bar"}
	anon := &collect.Process{PID: 8}
	want := collect.OwnerScan{
		Owners:    map[uint64]*collect.Process{4242: foo, 4243: kw, 77: bar, 88: anon},
		Processes: 5,
		Vanished:  1,
	}
	for _, impl := range impls {
		for _, workers := range []int{0, 1, 3, 64} {
			scan, err := (&Scanner{Root: root, Workers: workers, open: impl.open}).ScanOwners(context.Background())
			if err != nil {
				t.Fatalf("%s workers=%d: %v", impl.name, workers, err)
			}
			if diff := cmp.Diff(want, scan); diff != "" {
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
func (d *fakeDir) processName(int, *workerState) string {
	d.nameReads++
	return "seven"
}
func (d *fakeDir) scanProcess(pid int, _ *workerState, holdings []holding) ([]holding, procResult) {
	for _, in := range d.inodes {
		holdings = append(holdings, holding{inode: in})
	}
	return holdings, procResult{pid: pid, outcome: d.outcome}
}

// TestScanOneOutcomes: a process that exits, is refused or fails after
// some of its descriptors were read contributes none of them (a part of a
// process's sockets is not its truth), and its name is not read; a process
// read whole gets one shared *Process, and only if it holds a socket.
func TestScanOneOutcomes(t *testing.T) {
	prior := []holding{{inode: 1, proc: &collect.Process{PID: 3}}} // another process's, kept
	tests := []struct {
		name      string
		dir       fakeDir
		want      []uint64
		nameReads int
	}{
		{"read", fakeDir{inodes: []uint64{10, 11}, outcome: read}, []uint64{1, 10, 11}, 1},
		{"read, no socket", fakeDir{outcome: read}, []uint64{1}, 0},
		{"vanished midway", fakeDir{inodes: []uint64{10}, outcome: vanished}, []uint64{1}, 0},
		{"denied midway", fakeDir{inodes: []uint64{10}, outcome: denied}, []uint64{1}, 0},
		{"failed midway", fakeDir{inodes: []uint64{10}, outcome: failed}, []uint64{1}, 0},
	}
	for _, tt := range tests {
		holdings, procs := scanOne(&tt.dir, 7, &workerState{}, append([]holding(nil), prior...), nil)
		var got []uint64
		for _, h := range holdings {
			got = append(got, h.inode)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: inodes (-want +got):\n%s", tt.name, diff)
		}
		if tt.dir.nameReads != tt.nameReads {
			t.Errorf("%s: name read %d times, want %d", tt.name, tt.dir.nameReads, tt.nameReads)
		}
		if len(procs) != 1 || procs[0].outcome != tt.dir.outcome {
			t.Errorf("%s: results %+v, want one with outcome %d", tt.name, procs, tt.dir.outcome)
		}
		if holdings[0] != prior[0] {
			t.Errorf("%s: another process's holding changed to %+v", tt.name, holdings[0])
		}
		for _, h := range holdings[1:] {
			if h.proc == nil || h.proc != holdings[1].proc || *h.proc != (collect.Process{PID: 7, Name: "seven"}) {
				t.Errorf("%s: holding %d has owner %+v, want one shared {7 seven}", tt.name, h.inode, h.proc)
			}
		}
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
		if diff := cmp.Diff(want, scan); diff != "" {
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
		if diff := cmp.Diff(collect.OwnerScan{Owners: map[uint64]*collect.Process{}}, scan); diff != "" {
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
	for in, want := range map[string]string{
		"/usr/sbin/sshd": "sshd", "/usr/sbin/sshd (deleted)": "sshd", "sshd": "sshd",
		"/": "", "/opt/my app/srv": "srv", "/x/ (deleted)": "",
	} {
		if got := string(exeName([]byte(in))); got != want {
			t.Errorf("exeName(%q) = %q, want %q", in, got, want)
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
	procs := map[string]fixture{}
	inode := 1000
	for pid := 100; pid < 120; pid++ {
		fds := map[string]string{}
		for fd := 0; fd < 500; fd++ {
			inode++
			fds[strconv.Itoa(fd)] = "socket:[" + strconv.Itoa(inode) + "]"
		}
		procs[strconv.Itoa(pid)] = fixture{comm: "bench\n", fds: fds}
	}
	root := tree(b, procs)
	s := &Scanner{Root: root}
	b.ReportAllocs()
	for b.Loop() {
		scan, err := s.ScanOwners(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if len(scan.Owners) != 10000 {
			b.Fatalf("%d owners, want 10000", len(scan.Owners))
		}
	}
}
