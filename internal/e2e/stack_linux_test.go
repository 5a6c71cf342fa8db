// stack_linux_test.go runs two mini-stacks in the test process, serving
// their control sockets in a temporary runtime directory, and checks that
// the real binary's -ano --stack shows their rows with the test's PID and
// that --info shows their control blocks.

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/render"
	"github.com/gonetstat/gonetstat/stack"
	"github.com/gonetstat/gonetstat/stack/control"
	"github.com/gonetstat/gonetstat/stack/stacktest"
)

// servedStacks starts stacks "e2ea" (198.18.0.1) and "e2eb"
// (198.18.0.2, listening on :80) on an in-memory wire, connects a to b
// and moves data, waits until their tables hold still, and serves both
// control sockets in dir.
func servedStacks(t *testing.T, dir string) (a, b *stack.Stack) {
	t.Helper()
	a, b = stacktest.Connected(t, "e2ea", "e2eb", 50000, 0)
	ctx, cancel := context.WithCancel(context.Background())
	var done []chan error
	for _, st := range []*stack.Stack{a, b} {
		path, err := control.SocketPath(dir, os.Getpid(), st.Name)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := control.Listen(path, st.Snapshot, control.Info{Name: st.Name, Started: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		ch := make(chan error, 1)
		go func() { ch <- srv.Serve(ctx) }()
		done = append(done, ch)
	}
	t.Cleanup(func() {
		cancel()
		for _, ch := range done {
			if err := <-ch; err != nil {
				t.Errorf("Serve: %v", err)
			}
		}
	})
	return a, b
}

func runWithDir(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), control.DirEnv+"="+dir)
	return runCmd(t, cmd)
}

func TestLiveStackRowsWithOurPID(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	a, b := servedStacks(t, dir)
	stdout, stderr, code := runWithDir(t, dir, "-ano", "--stack")
	if code != 0 {
		t.Fatalf("gonetstat -ano --stack: exit %d, stderr:\n%s", code, stderr)
	}
	lines := strings.Split(stdout, "\n")
	if len(lines) < 4 || !strings.HasSuffix(lines[3], "PID     Source") {
		t.Fatalf("header %q", lines[:min(4, len(lines))])
	}
	// Every row of each stack, by local and foreign endpoint and state,
	// with the test's PID and its Source label.
	want := map[string]bool{}
	for _, st := range []*stack.Stack{a, b} {
		for _, s := range st.Snapshot() {
			if s.Proto != collect.ProtoTCP {
				continue
			}
			want[strings.Join([]string{"TCP", s.Local.String(), s.Remote.String(), s.State.WindowsName(), strconv.Itoa(os.Getpid()), "stack:" + st.Name}, " ")] = true
		}
	}
	if len(want) != 3 {
		t.Fatalf("the stacks hold %d TCP sockets, want 3 (listener, two ends)", len(want))
	}
	got := map[string]bool{}
	for _, l := range lines[4:] {
		if strings.Contains(l, "stack:e2e") {
			got[strings.Join(strings.Fields(l), " ")] = true
		}
	}
	for w := range want {
		if !got[w] {
			t.Errorf("missing row %q", w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("stack rows:\n%v\nwant:\n%v", got, want)
	}
}

func TestLiveStackInfoShowsControlBlock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	a, _ := servedStacks(t, dir)
	stdout, stderr, code := runWithDir(t, dir, "-anop", "tcp", "--stack", "--info")
	if code != 0 {
		t.Fatalf("gonetstat --info --stack: exit %d, stderr:\n%s", code, stderr)
	}
	var est collect.Socket
	for _, s := range a.Snapshot() {
		if s.State == collect.StateEstablished {
			est = s
		}
	}
	if est.TCP == nil || est.TCP.SndCwnd == 0 {
		t.Fatalf("stack a has no established connection with a cwnd: %+v", est)
	}
	var header []string
	var row []string
	for _, l := range strings.Split(stdout, "\n") {
		cells := strings.Split(l, "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) > 2 && cells[1] == "Proto" {
			header = cells
		}
		if len(cells) > 2 && strings.Contains(l, "stack:e2ea") && strings.Contains(l, "ESTABLISHED") {
			row = cells
		}
	}
	if header == nil || row == nil || len(row) != len(header) {
		t.Fatalf("no header or no established stack:e2ea row in:\n%s", stdout)
	}
	cell := func(name string) string {
		for i, h := range header {
			if h == name {
				return row[i]
			}
		}
		t.Fatalf("no column %q in %q", name, header)
		return ""
	}
	ss := "-"
	if est.TCP.SndSsthresh > 0 {
		ss = strconv.Itoa(int(est.TCP.SndSsthresh))
	}
	checks := map[string]string{
		"PID":           strconv.Itoa(os.Getpid()),
		"Cwnd/Ssthresh": strconv.Itoa(int(est.TCP.SndCwnd)) + "/" + ss,
		"RTO":           render.HumanDuration(est.TCP.RTO.Duration()),
		"FD":            strconv.Itoa(est.Stack.FD),
		"SND.NXT":       strconv.FormatUint(uint64(est.Stack.SndNxt), 10),
		"SND.UNA":       strconv.FormatUint(uint64(est.Stack.SndUna), 10),
	}
	for col, want := range checks {
		if got := cell(col); got != want {
			t.Errorf("column %s: %q, want %q (from the stack's own snapshot)", col, got, want)
		}
	}
}

// TestLiveStackNoneRunning: an empty runtime directory is not a failure.
func TestLiveStackNoneRunning(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "empty")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runWithDir(t, dir, "-an", "--stack")
	if code != 0 || !strings.Contains(stderr, "no mini-stack is running (no control socket in "+dir+")") || !strings.Contains(stdout, "Active Connections") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
