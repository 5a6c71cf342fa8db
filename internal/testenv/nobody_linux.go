// nobody_linux.go runs a test of a copy of the test binary as the user
// nobody: how a privileged test checks that the same code works, or fails
// as it should, without root.

package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// NobodyUID and NobodyGID are the ids of the user nobody.
const (
	NobodyUID = 65534
	NobodyGID = 65534
)

// NobodyCommand returns the command that runs the test named test of a
// copy of this binary (made in dir, see CopyForNobody) as nobody, with
// env added to this process's environment. Start it from a thread inside
// a network namespace (InNetns) to run it there.
func NobodyCommand(t testing.TB, dir, test string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(CopyForNobody(t, dir), "-test.run=^"+test+"$", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: NobodyUID, Gid: NobodyGID}}
	return cmd
}

// RunAsNobody runs NobodyCommand's command and fails t unless the test
// ran and passed.
func RunAsNobody(t testing.TB, dir, test string, env ...string) {
	t.Helper()
	out, err := NobodyCommand(t, dir, test, env...).CombinedOutput()
	CheckChildPassed(t, test, out, err)
}

// CheckChildPassed fails t unless out, the output of a child running
// test, says it passed.
func CheckChildPassed(t testing.TB, test string, out []byte, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s as nobody failed: %v\n%s", test, err, out)
	}
	if !strings.Contains(string(out), "--- PASS: "+test) {
		t.Fatalf("%s as nobody did not run:\n%s", test, out)
	}
}

// CopyForNobody copies this test binary into dir, a directory made by
// t.TempDir, and lets other users reach it; it returns the copy's path.
// Only the directories t.TempDir made below TMPDIR are opened: TMPDIR and
// what is above it belong to the user (compared cleaned, as TMPDIR=/tmp/
// would otherwise walk on and chmod /tmp itself to 0755).
func CopyForNobody(t testing.TB, dir string) string {
	t.Helper()
	tmp := filepath.Clean(os.TempDir())
	for d := dir; strings.HasPrefix(d, tmp+string(filepath.Separator)); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o001 == 0 {
		t.Fatalf("TMPDIR %s (mode %v) is not searchable by other users, so a child running as nobody cannot reach %s; point TMPDIR at a directory such as /tmp", tmp, fi.Mode().Perm(), dir)
	}
	bin, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	// Named for the package, never all digits: not a process in a
	// fixture /proc.
	exe := filepath.Join(dir, strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")+".test")
	if err := os.WriteFile(exe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	return exe
}
