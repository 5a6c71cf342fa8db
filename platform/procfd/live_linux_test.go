// live_linux_test.go tests the scan on the real /proc with sockets and
// processes the test makes, the denied case as an unprivileged user, the
// getdents64 record splitter, and benchmarks the live scan.

package procfd

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
)

// fileConn is what testenv.Inode needs: every net conn and listener here.
type fileConn interface{ File() (*os.File, error) }

func TestScanLive(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()

	scan, err := (&Scanner{}).ScanOwners(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	want := &collect.Process{PID: os.Getpid(), Name: filepath.Base(exe)}
	for what, conn := range map[string]fileConn{
		"tcp listener": ln.(*net.TCPListener), "tcp client": c.(*net.TCPConn),
		"tcp server": s.(*net.TCPConn), "udp": u.(*net.UDPConn),
	} {
		in := testenv.Inode(t, conn)
		if diff := cmp.Diff(want, scan.Owners[in]); diff != "" {
			t.Errorf("%s socket (inode %d) owner (-want +got):\n%s", what, in, diff)
		}
	}
	if scan.Processes < 2 { // this test and at least its parent
		t.Errorf("Processes = %d", scan.Processes)
	}

	// Where the kernel lists PID 1's descriptors but refuses to read
	// them (as in this sandbox, even for root), PID 1 is the example.
	if _, err := os.Readlink("/proc/1/fd/0"); errors.Is(err, os.ErrPermission) {
		if scan.Denied < 1 || scan.DeniedExample != 1 {
			t.Errorf("PID 1's descriptors are unreadable but Denied = %d, DeniedExample = %d", scan.Denied, scan.DeniedExample)
		}
	}
}

// startHolder starts `sleep 3600` holding f as descriptor 3 and stops it when
// the test ends.
func startHolder(t testing.TB, f *os.File) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "3600")
	cmd.ExtraFiles = []*os.File{f}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

// TestScanChild: a socket only a child holds is the child's; a socket
// both hold goes to the lower PID.
func TestScanChild(t *testing.T) {
	only, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	onlyInode := testenv.Inode(t, only.(*net.UDPConn))
	f, err := only.(*net.UDPConn).File() // a dup: the child inherits it
	if err != nil {
		t.Fatal(err)
	}
	child := startHolder(t, f)
	f.Close()
	only.Close() // now only the child holds it

	shared, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer shared.Close()
	sharedInode := testenv.Inode(t, shared.(*net.TCPListener))
	sf, err := shared.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	sharer := startHolder(t, sf)
	sf.Close()

	scan, err := (&Scanner{}).ScanOwners(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&collect.Process{PID: child.Process.Pid, Name: "sleep"}, scan.Owners[onlyInode]); diff != "" {
		t.Errorf("child's socket owner (-want +got):\n%s", diff)
	}
	low := min(os.Getpid(), sharer.Process.Pid)
	if p := scan.Owners[sharedInode]; p == nil || p.PID != low {
		t.Errorf("shared socket owned by %+v, want the lower PID %d (parent %d, child %d)", p, low, os.Getpid(), sharer.Process.Pid)
	}
	if n := scan.Holders[sharedInode]; n != 2 {
		t.Errorf("shared socket has %d holders, want 2 (this test and its child)", n)
	}
	if n, ok := scan.Holders[onlyInode]; ok {
		t.Errorf("the child's own socket is counted as shared (%d holders)", n)
	}
}

// zleader is a process whose main thread exits (pthread_exit) while a
// second thread keeps its listener open: the leader stays a zombie with
// its files released, so /proc/PID/fd is empty while the socket is still
// the process's. It prints "<port> <inode>" once the socket is open, and
// exits when its stdin closes.
//
// Its stdout closes exactly when the leader's files are released, which
// is what the test waits for: before exiting, the leader takes a table of
// descriptors of its own (unshare(CLONE_FILES)), and the other thread
// closes stdout in theirs, so only the leader's table still holds it.
const zleader = `#define _GNU_SOURCE
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_barrier_t unshared;

static void *hold(void *arg) {
	char c;
	pthread_barrier_wait(&unshared);
	close(1);
	while (read(0, &c, 1) > 0) {
	}
	return NULL; /* the last thread returning ends the process */
}

int main(void) {
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t n = sizeof a;
	struct stat st;
	pthread_t t;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 1) ||
	    getsockname(fd, (struct sockaddr *)&a, &n) || fstat(fd, &st))
		return 1;
	if (pthread_barrier_init(&unshared, NULL, 2) || pthread_create(&t, NULL, hold, NULL))
		return 1;
	printf("%d %lu\n", ntohs(a.sin_port), (unsigned long)st.st_ino);
	fflush(stdout);
	if (unshare(CLONE_FILES))
		return 1;
	pthread_barrier_wait(&unshared);
	pthread_exit(NULL);
}
`

// TestIntegrationZombieLeader: the socket of a process whose leader has
// exited is found through its other thread, and given the process's PID:
// as root, who reads the leader's fd directory as empty, and as an
// ordinary user, who is refused it even for a process of their own (as
// root, that part runs in a child as nobody: TestZombieLeaderChild).
func TestIntegrationZombieLeader(t *testing.T) {
	if os.Getenv(zleaderChildEnv) != "" {
		return // the child part runs in TestZombieLeaderChild
	}
	checkZombieLeader(t)
	if os.Geteuid() != 0 {
		return
	}
	testenv.RunAsNobody(t, t.TempDir(), "TestZombieLeaderChild", zleaderChildEnv+"=1")
}

// zleaderChildEnv marks the run of TestZombieLeaderChild as nobody.
const zleaderChildEnv = "PROCFD_ZLEADER_CHILD"

func TestZombieLeaderChild(t *testing.T) {
	if os.Getenv(zleaderChildEnv) == "" {
		t.Skip("helper of TestIntegrationZombieLeader")
	}
	checkZombieLeader(t)
}

// checkZombieLeader runs zleader and finds its socket's owner with both
// readers.
func checkZombieLeader(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	testenv.SkipWithout(t, err == nil, "a C compiler (gcc)")
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "zleader.c"), filepath.Join(dir, "zleader")
	if err := os.WriteFile(src, []byte(zleader), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(cc, "-pthread", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close() // the holding thread returns, and the process ends
		cmd.Wait()
	})
	out, err := io.ReadAll(stdout) // to EOF: the leader's files are released
	if err != nil {
		t.Fatal(err)
	}
	var port int
	var inode uint64
	if _, err := fmt.Sscan(string(out), &port, &inode); err != nil {
		t.Fatalf("zleader said %q: %v", out, err)
	}
	pid := cmd.Process.Pid
	// Root reads the exited leader's fd directory as empty; anyone else
	// may not read it at all.
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if os.Geteuid() == 0 && (err != nil || len(ents) != 0) || os.Geteuid() != 0 && !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("the exited leader's fd directory lists %d entries (%v); the test needs it empty to root and refused to others", len(ents), err)
	}

	want := &collect.Process{PID: pid, Name: "zleader"} // comm: a zombie has no exe link
	for _, impl := range impls {
		scan, err := (&Scanner{open: impl.open}).ScanOwners(context.Background())
		if err != nil && !collect.IsPartial(err) {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, scan.Owners[inode]); diff != "" {
			t.Errorf("%s: owner of zleader's listener on port %d, inode %d (-want +got):\n%s", impl.name, port, inode, diff)
		}
	}
}

// TestRescanLive: a socket opened after the first pass read this process
// is found by the rescan, with its owner; one opened after the rescan is
// not (it was not in the table either).
func TestRescanLive(t *testing.T) {
	s := &Scanner{}
	scan, err := s.ScanOwners(context.Background())
	if err != nil && !collect.IsPartial(err) {
		t.Fatal(err)
	}
	late, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	in := testenv.Inode(t, late.(*net.UDPConn))
	if _, ok := scan.Owners[in]; ok {
		t.Fatalf("inode %d was owned before its socket was opened", in)
	}
	if err := s.RescanOwners(context.Background(), &scan, []uint64{in}, time.Now()); err != nil && !collect.IsPartial(err) {
		t.Fatal(err)
	}
	if p := scan.Owners[in]; p == nil || p.PID != os.Getpid() {
		t.Errorf("rescan: owner of inode %d = %+v, want PID %d", in, p, os.Getpid())
	}
	if scan.Rescanned < 1 {
		t.Errorf("Rescanned = %d", scan.Rescanned)
	}
}

// TestIntegrationViewNamespace: a scan from inside a new PID namespace,
// with its own /proc, says processes outside it may hold sockets; one
// through a /proc mounted with hidepid=2, as nobody, says /proc hides
// some; on the host (our namespace the initial one) it says every process
// was listed, unless /proc hides PID 1.
func TestIntegrationViewNamespace(t *testing.T) {
	if os.Getenv("PROCFD_VIEW_CHILD") != "" {
		scan, err := (&Scanner{}).ScanOwners(context.Background())
		if err != nil && !collect.IsPartial(err) {
			t.Fatal(err)
		}
		fmt.Printf("view=%d\n", scan.View)
		return
	}
	testenv.SkipUnlessRoot(t)
	unshare, err := exec.LookPath("unshare")
	testenv.SkipWithout(t, err == nil, "unshare(1) from util-linux")
	out, err := exec.Command(unshare, "--pid", "--fork", "--mount-proc", "env", "PROCFD_VIEW_CHILD=1",
		os.Args[0], "-test.run=^TestIntegrationViewNamespace$").CombinedOutput()
	if err != nil {
		t.Fatalf("scan in a new PID namespace: %v\n%s", err, out)
	}
	if want := fmt.Sprintf("view=%d\n", collect.ViewNamespace); !strings.Contains(string(out), want) {
		t.Errorf("in a new PID namespace: %q, want %q", out, want)
	}

	// The host's PID namespace through a /proc mounted with hidepid=2, as
	// nobody: init is hidden, and so may be the holders of sockets.
	setpriv, err := exec.LookPath("setpriv")
	testenv.SkipWithout(t, err == nil, "setpriv(1) from util-linux")
	exe := testenv.CopyForNobody(t, t.TempDir())
	out, err = exec.Command(unshare, "--mount", "--fork", "sh", "-c",
		`mount -t proc -o hidepid=2 proc /proc && exec "$0" --reuid=65534 --regid=65534 --clear-groups env PROCFD_VIEW_CHILD=1 "$1" -test.run=^TestIntegrationViewNamespace$`,
		setpriv, exe).CombinedOutput()
	if err != nil {
		t.Fatalf("scan through a hidepid /proc: %v\n%s", err, out)
	}
	if want := fmt.Sprintf("view=%d\n", collect.ViewHidden); !strings.Contains(string(out), want) {
		t.Errorf("through a hidepid /proc as nobody: %q, want %q", out, want)
	}

	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		t.Fatal(err)
	}
	scan, err := (&Scanner{}).ScanOwners(context.Background())
	if err != nil && !collect.IsPartial(err) {
		t.Fatal(err)
	}
	_, initErr := os.Stat("/proc/1")
	want := collect.ViewNamespace
	switch {
	case ns == initPIDNamespace && initErr == nil:
		want = collect.ViewAll
	case ns == initPIDNamespace:
		want = collect.ViewHidden
	}
	if scan.View != want {
		t.Errorf("here (%s, /proc/1: %v): View = %d, want %d", ns, initErr, scan.View, want)
	}
}

// TestScanWhileProcessesVanish scans repeatedly while children start and
// are killed: exits mid-scan are normal and never an error.
func TestScanWhileProcessesVanish(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				cmd := exec.Command("sleep", "3600")
				if err := cmd.Start(); err != nil {
					t.Error(err)
					return
				}
				cmd.Process.Kill()
				cmd.Wait()
			}
		}()
	}
	spawning := make(chan struct{})
	go func() { wg.Wait(); close(spawning) }()
	scans, vanished := 0, 0
scan:
	for scans < 5000 { // bounded even if spawning stalls
		select {
		case <-spawning:
			break scan
		default:
		}
		scan, err := (&Scanner{}).ScanOwners(context.Background())
		if err != nil {
			t.Fatalf("scan %d: %v", scans, err)
		}
		scans++
		vanished += scan.Vanished
	}
	<-spawning
	t.Logf("%d scans while 200 children came and went; %d processes vanished mid-scan", scans, vanished)
}

// TestIntegrationDenied scans, as a user who may not read one process's
// descriptors, a fixture where only root may read that fd directory: the
// process is counted as denied, with its PID as the example, and the rest
// is still scanned. As root (which bypasses permissions) the scan runs in
// a child with the credentials of nobody.
func TestIntegrationDenied(t *testing.T) {
	if os.Getenv("PROCFD_CHILD_ROOT") != "" {
		return // the child part runs in TestDeniedChild
	}
	root := tree(t, map[string]fixture{
		"10": {fds: map[string]string{"3": "socket:[1]"}},
		"11": {comm: "open\n", fds: map[string]string{"3": "socket:[2]"}},
		"12": {fds: map[string]string{"3": "socket:[3]"}},
	})
	for _, pid := range []string{"10", "12"} {
		if err := os.Chmod(filepath.Join(root, pid, "fd"), 0o000); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { // let TempDir remove them
		os.Chmod(filepath.Join(root, "10", "fd"), 0o755)
		os.Chmod(filepath.Join(root, "12", "fd"), 0o755)
	})
	if os.Geteuid() != 0 {
		checkDenied(t, root)
		return
	}
	testenv.RunAsNobody(t, root, "TestDeniedChild", "PROCFD_CHILD_ROOT="+root)
}

func TestDeniedChild(t *testing.T) {
	root := os.Getenv("PROCFD_CHILD_ROOT")
	if root == "" {
		t.Skip("helper of TestIntegrationDenied")
	}
	checkDenied(t, root)
}

func checkDenied(t *testing.T, root string) {
	t.Helper()
	want := collect.OwnerScan{
		Owners:    map[uint64]*collect.Process{2: {PID: 11, Name: "open"}},
		Processes: 1, Denied: 2, DeniedExample: 10,
	}
	for _, impl := range impls {
		scan, err := (&Scanner{Root: root, open: impl.open}).ScanOwners(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", impl.name, err)
		}
		if diff := cmp.Diff(want, scan, ignoreTimes); diff != "" {
			t.Errorf("%s (-want +got):\n%s", impl.name, diff)
		}
	}
}

// dirent encodes one linux_dirent64 record the way the kernel lays it out.
func dirent(name string, typ byte) []byte {
	reclen := (direntName + len(name) + 1 + 7) &^ 7
	b := make([]byte, reclen)
	binary.NativeEndian.PutUint16(b[direntReclen:], uint16(reclen))
	b[direntType] = typ
	copy(b[direntName:], name)
	return b
}

func TestNextDirent(t *testing.T) {
	buf := append(append(dirent("3", syscall.DT_LNK), dirent("12345", syscall.DT_DIR)...), 0, 0, 0) // trailing junk
	type rec struct {
		Name string
		Type byte
	}
	var got []rec
	for b := buf; ; {
		name, typ, rest, ok := nextDirent(b)
		if !ok {
			break
		}
		got = append(got, rec{string(name), typ})
		b = rest
	}
	want := []rec{{"3\x00", syscall.DT_LNK}, {"12345\x00", syscall.DT_DIR}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// A record claiming more than the buffer, or less than its header, or
	// with no NUL in its name ends the batch instead of reading past it.
	for _, bad := range [][]byte{
		dirent("3", 0)[:20],
		func() []byte { b := dirent("3", 0); binary.NativeEndian.PutUint16(b[direntReclen:], 10); return b }(),
		func() []byte {
			b := dirent("1234", 0)
			b[len(b)-1], b[len(b)-2], b[len(b)-3], b[len(b)-4] = 'x', 'x', 'x', 'x'
			return b
		}(),
	} {
		if name, _, _, ok := nextDirent(bad); ok {
			t.Errorf("nextDirent(%q) = %q, want not ok", bad, name)
		}
	}
}

// FuzzNextDirent: on any bytes the splitter never panics, every name it
// returns ends in its only NUL, and every step consumes input.
func FuzzNextDirent(f *testing.F) {
	f.Add(append(dirent("3", syscall.DT_LNK), dirent("4", syscall.DT_LNK)...))
	f.Add(dirent("self", syscall.DT_DIR)[:19])
	f.Fuzz(func(t *testing.T, buf []byte) {
		for b := buf; ; {
			name, _, rest, ok := nextDirent(b)
			if !ok {
				return
			}
			if len(name) == 0 || name[len(name)-1] != 0 || strings.IndexByte(string(name), 0) != len(name)-1 {
				t.Fatalf("name %q is not one NUL-terminated string", name)
			}
			if len(rest) >= len(b) {
				t.Fatalf("no progress: %d bytes left of %d", len(rest), len(b))
			}
			b = rest
		}
	})
}

// BenchmarkScanLive scans the real /proc while 20 children hold 500 bound
// UDP sockets each (10,000 sockets, each held by one process).
func BenchmarkScanLive(b *testing.B) {
	const children, perChild = 20, 500
	for i := 0; i < children; i++ {
		files := make([]*os.File, perChild)
		for j := range files {
			fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
			if err != nil {
				b.Fatal(err)
			}
			if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
				b.Fatal(err)
			}
			files[j] = os.NewFile(uintptr(fd), "udp")
		}
		cmd := exec.Command("sleep", "3600")
		cmd.ExtraFiles = files
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
		for _, f := range files {
			f.Close()
		}
	}
	for _, workers := range []int{1, 0, 4} {
		b.Run("workers="+strconv.Itoa(workers), func(b *testing.B) {
			s := &Scanner{Workers: workers}
			b.ReportAllocs()
			for b.Loop() {
				scan, err := s.ScanOwners(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				if len(scan.Owners) < children*perChild {
					b.Fatalf("%d owners, want at least %d", len(scan.Owners), children*perChild)
				}
			}
		})
	}
}

// TestScanExeDeletedSuffix: the kernel appends " (deleted)" to the exe
// link of a program whose file was unlinked, and the scan removes it then
// only. A live copy of sleep named "fake (deleted)" keeps its whole name;
// a copy named "gone" that is unlinked while it runs shows as "gone"; one
// named "x (deleted)" and unlinked shows as "x (deleted)".
func TestScanExeDeletedSuffix(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tt := range []struct {
		file   string
		unlink bool
		want   string
	}{
		{"fake (deleted)", false, "fake (deleted)"},
		{"gone", true, "gone"},
		{"x (deleted)", true, "x (deleted)"},
	} {
		path := filepath.Join(dir, tt.file)
		if err := os.WriteFile(path, bin, 0o755); err != nil {
			t.Fatal(err)
		}
		u, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		inode := testenv.Inode(t, u.(*net.UDPConn))
		f, err := u.(*net.UDPConn).File()
		if err != nil {
			t.Fatal(err)
		}
		// Start returns once the child has exec'd the copy, holding f.
		cmd := exec.Command(path, "30")
		cmd.ExtraFiles = []*os.File{f}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
		f.Close()
		u.Close() // only the child holds it now
		if tt.unlink {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", cmd.Process.Pid))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(link, " (deleted)") != (tt.unlink || strings.HasSuffix(tt.file, " (deleted)")) {
			t.Fatalf("%s: the exe link reads %q", tt.file, link)
		}

		scan, err := (&Scanner{}).ScanOwners(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&collect.Process{PID: cmd.Process.Pid, Name: tt.want}, scan.Owners[inode]); diff != "" {
			t.Errorf("%s (unlinked %v), exe link %q: owner (-want +got):\n%s", tt.file, tt.unlink, link, diff)
		}
	}
}
