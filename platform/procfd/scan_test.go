// scan_test.go tests the scan on fixture trees and on the live /proc.

package procfd

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
)

// tree builds a fixture /proc: pid -> fd name -> link target; "exe" and
// "comm" keys of a pid's map are its exe link and comm file.
func tree(t *testing.T, procs map[int]map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for pid, entries := range procs {
		dir := filepath.Join(root, strconv.Itoa(pid))
		if err := os.MkdirAll(filepath.Join(dir, "fd"), 0o755); err != nil {
			t.Fatal(err)
		}
		for name, target := range entries {
			var err error
			switch name {
			case "exe":
				err = os.Symlink(target, filepath.Join(dir, "exe"))
			case "comm":
				err = os.WriteFile(filepath.Join(dir, "comm"), []byte(target+"\n"), 0o644)
			case "nofd":
				err = os.Remove(filepath.Join(dir, "fd"))
			default:
				err = os.Symlink(target, filepath.Join(dir, "fd", name))
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

func TestScanFixture(t *testing.T) {
	root := tree(t, map[int]map[string]string{
		123: {"exe": "/usr/bin/foo (deleted)", "0": "/dev/null", "3": "socket:[4242]", "4": "pipe:[99]", "5": "socket:[4243]"},
		124: {"comm": "kworker/0:1", "3": "socket:[4243]", "7": "socket:[abc]", "8": "socket:[77]"},
		200: {"exe": "/bin/nosock", "0": "/dev/null"},
		300: {"nofd": ""}, // exited between readdir and open
	})
	os.Mkdir(filepath.Join(root, "self"), 0o755)
	os.Mkdir(filepath.Join(root, "sys"), 0o755)
	os.WriteFile(filepath.Join(root, "uptime"), []byte("1 1\n"), 0o644)

	for _, workers := range []int{1, 3} {
		scan, err := (&Scanner{Root: root, Workers: workers}).ScanOwners(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		foo := &collect.Process{PID: 123, Name: "foo"}
		kw := &collect.Process{PID: 124, Name: "kworker/0:1"}
		want := collect.OwnerScan{
			// 4243 is held by both: the lower PID owns it.
			Owners:    map[uint64]*collect.Process{4242: foo, 4243: foo, 77: kw},
			Processes: 3,
			Vanished:  1,
		}
		if diff := cmp.Diff(want, scan); diff != "" {
			t.Errorf("workers=%d (-want +got):\n%s", workers, diff)
		}
		if scan.Owners[4242] != scan.Owners[4243] {
			t.Error("one process's sockets do not share one *Process")
		}
	}
}

func TestScanUnreadableRoot(t *testing.T) {
	_, err := (&Scanner{Root: filepath.Join(t.TempDir(), "missing")}).ScanOwners(context.Background())
	if err == nil || collect.IsPartial(err) {
		t.Errorf("err = %v, want a hard error", err)
	}
}

func TestScanCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&Scanner{}).ScanOwners(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

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
	u, err := net.ListenPacket("udp", "[::1]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()

	// A child holding a socket of its own: File() dups the descriptor, and
	// ExtraFiles passes it to sleep, which keeps it open.
	child, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cf, err := child.(*net.UDPConn).File()
	if err != nil {
		t.Fatal(err)
	}
	childInode := testenv.Inode(t, child.(*net.UDPConn))
	cmd := exec.Command("sleep", "30")
	cmd.ExtraFiles = []*os.File{cf}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	cf.Close()
	child.Close() // now only the child holds it

	scan, err := (&Scanner{}).ScanOwners(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	for _, in := range []uint64{testenv.Inode(t, ln.(*net.TCPListener)), testenv.Inode(t, c.(*net.TCPConn)), testenv.Inode(t, s.(*net.TCPConn)), testenv.Inode(t, u.(*net.UDPConn))} {
		if p := scan.Owners[in]; p == nil || p.PID != os.Getpid() || p.Name != filepath.Base(exe) {
			t.Errorf("inode %d owned by %+v, want pid %d %q", in, p, os.Getpid(), filepath.Base(exe))
		}
	}
	if p := scan.Owners[childInode]; p == nil || p.PID != cmd.Process.Pid || p.Name != "sleep" {
		t.Errorf("child's socket owned by %+v, want pid %d sleep", p, cmd.Process.Pid)
	}
	if scan.Processes < 3 {
		t.Errorf("Processes = %d", scan.Processes)
	}
}

// TestScanWhileProcessesVanish scans repeatedly while short-lived children
// come and go: exits mid-scan are normal and never an error.
func TestScanWhileProcessesVanish(t *testing.T) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			select {
			case <-stop:
				return
			default:
			}
			cmd := exec.Command("true")
			if cmd.Start() == nil {
				cmd.Wait()
			}
		}
	}()
	deadline := time.Now().Add(3 * time.Second)
	for i := 0; i < 20 && time.Now().Before(deadline); i++ {
		if _, err := (&Scanner{}).ScanOwners(context.Background()); err != nil {
			t.Fatalf("scan %d: %v", i, err)
		}
	}
	close(stop)
	<-done
}

// TestIntegrationDenied scans, as the unprivileged user nobody, a fixture
// whose fd directory only root may read: the process is counted as denied,
// with its PID as the example, and the rest is still scanned.
func TestIntegrationDenied(t *testing.T) {
	testenv.SkipUnlessRoot(t)
	if os.Getenv("PROCFD_CHILD_ROOT") != "" {
		return // the child part runs in TestDeniedChild
	}
	root := tree(t, map[int]map[string]string{
		10: {"3": "socket:[1]"},
		11: {"3": "socket:[2]", "comm": "open"},
	})
	if err := os.Chmod(filepath.Join(root, "10", "fd"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Dir(root), 0o755)
	os.Chmod(root, 0o755)
	// The test binary lives in a directory only root may enter: copy it
	// where nobody can run it.
	bin, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(root, "procfd.test")
	if err := os.WriteFile(exe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestDeniedChild$", "-test.v")
	cmd.Env = append(os.Environ(), "PROCFD_CHILD_ROOT="+root)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child scan as nobody failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestDeniedChild") {
		t.Fatalf("the child scan did not run:\n%s", out)
	}
}

func TestDeniedChild(t *testing.T) {
	root := os.Getenv("PROCFD_CHILD_ROOT")
	if root == "" {
		t.Skip("helper of TestIntegrationDenied")
	}
	scan, err := (&Scanner{Root: root}).ScanOwners(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := collect.OwnerScan{
		Owners:    map[uint64]*collect.Process{2: {PID: 11, Name: "open"}},
		Processes: 1, Denied: 1, DeniedExample: 10,
	}
	if diff := cmp.Diff(want, scan); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseSocketLink(t *testing.T) {
	for in, want := range map[string]int64{
		"socket:[12345]": 12345, "socket:[0]": 0, "socket:[18446744073709551615]": -2,
		"socket:[18446744073709551616]": -1, "socket:[]": -1, "socket:[12a]": -1, "socket:[1": -1,
		"pipe:[1]": -1, "/dev/null": -1, "socket:[1]x": -1, "": -1,
	} {
		got, ok := ParseSocketLink([]byte(in))
		switch {
		case want == -1 && ok:
			t.Errorf("%q: got %d, want no inode", in, got)
		case want == -2 && (!ok || got != ^uint64(0)):
			t.Errorf("%q: got %d %v, want max uint64", in, got, ok)
		case want >= 0 && (!ok || got != uint64(want)):
			t.Errorf("%q: got %d %v, want %d", in, got, ok, want)
		}
	}
}

func FuzzParseSocketLink(f *testing.F) {
	for _, s := range []string{"socket:[12345]", "socket:[]", "pipe:[1]", "socket:[99999999999999999999]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, link []byte) {
		got, ok := ParseSocketLink(link)
		s := string(link)
		valid := len(s) > 9 && s[:8] == "socket:[" && s[len(s)-1] == ']'
		if valid {
			v, err := strconv.ParseUint(s[8:len(s)-1], 10, 64)
			digitsOnly := true
			for _, c := range s[8 : len(s)-1] {
				if c < '0' || c > '9' {
					digitsOnly = false
				}
			}
			valid = err == nil && digitsOnly
			if valid && got != v {
				t.Fatalf("%q: got %d, want %d", s, got, v)
			}
		}
		if ok != valid {
			t.Fatalf("%q: ok=%v, want %v", s, ok, valid)
		}
	})
}

// BenchmarkScanLive scans the real /proc while this process holds 2,000
// socket descriptors across 20 children.
func BenchmarkScanLive(b *testing.B) {
	var files []*os.File
	for i := 0; i < 100; i++ {
		u, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		f, _ := u.(*net.UDPConn).File()
		u.Close()
		files = append(files, f)
	}
	var cmds []*exec.Cmd
	for i := 0; i < 20; i++ {
		cmd := exec.Command("sleep", "60")
		cmd.ExtraFiles = files
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	defer func() {
		for _, c := range cmds {
			c.Process.Kill()
			c.Wait()
		}
		for _, f := range files {
			f.Close()
		}
	}()
	s := &Scanner{}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.ScanOwners(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
