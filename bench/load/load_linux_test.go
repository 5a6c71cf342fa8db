// load_linux_test.go runs the real generator in a network and PID
// namespace of its own with a few hundred sockets, counts them with ss,
// and stops it.

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/internal/testenv"
)

func TestIntegrationLoad(t *testing.T) {
	testenv.SkipUnlessRoot(t)
	for _, tool := range []string{"unshare", "nsenter", "ss", "ip", "sleep"} {
		_, err := exec.LookPath(tool)
		testenv.SkipWithout(t, err == nil, tool)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "load")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ready := filepath.Join(dir, "ready")
	// sh is PID 1 of the new PID namespace until it execs the generator;
	// when that dies, the namespaces and everything in them go too.
	cmd := exec.Command("unshare", "--net", "--pid", "--fork", "--mount-proc", "sh", "-c",
		`ip link set lo up && exec "$0" -tcp 300 -udp 42 -procs 3 -idle 5 -ready "$1"`, bin, ready)
	var stderr testenv.SyncBuffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := false
	t.Cleanup(func() {
		if !waited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	// The generator writes the ready file once every socket is open.
	var line []byte
	if !testenv.Poll(func() bool { line, _ = os.ReadFile(ready); return len(line) > 0 }) {
		t.Fatalf("not ready after %v; stderr: %s", testenv.Patience, stderr.String())
	}
	if want := "ready tcp=300 udp=42 sockets=342 processes=8 "; !strings.HasPrefix(string(line), want) {
		t.Fatalf("ready line %q, want it to start %q", line, want)
	}

	// The generator is the child of unshare: find it to enter its namespace.
	kids, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/task/" + strconv.Itoa(cmd.Process.Pid) + "/children")
	if err != nil || len(bytes.Fields(kids)) != 1 {
		t.Fatalf("children of unshare: %q, %v", kids, err)
	}
	inside := string(bytes.Fields(kids)[0])
	out, err := exec.Command("nsenter", "-t", inside, "-n", "ss", "-tuanH").Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	states := map[string]int{}
	v6 := 0
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		if len(f) < 5 {
			t.Fatalf("ss line %q", l)
		}
		states[f[0]+" "+f[1]]++
		if strings.HasPrefix(f[4], "[::1]") {
			v6++
		}
	}
	// 300 TCP over 3 workers: each has 3 listeners and, of the other 97,
	// 1 unaccepted connection (2 sockets), 2 FIN_WAIT2 pairs and 45
	// established pairs (one listener more for the odd socket).
	want := map[string]int{
		"tcp LISTEN":     3 * 4,
		"tcp ESTAB":      3 * (2*45 + 2),
		"tcp FIN-WAIT-2": 3 * 2,
		"tcp CLOSE-WAIT": 3 * 2,
		"udp UNCONN":     21, // 14 per worker, every odd one connected
		"udp ESTAB":      21,
	}
	if diff := cmp.Diff(want, states); diff != "" {
		t.Errorf("sockets by state (-want +got):\n%s", diff)
	}
	if v6 < 342/5 || v6 > 342/3 {
		t.Errorf("%d of 342 sockets on ::1, want about a quarter", v6)
	}

	if err := syscall.Kill(mustAtoi(t, inside), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	waited = true
	if err != nil {
		t.Fatalf("generator did not exit cleanly: %v; stderr: %s", err, stderr.String())
	}
	if _, err := os.Stat("/proc/" + inside); err == nil {
		t.Errorf("PID %s still exists after the generator stopped", inside)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
