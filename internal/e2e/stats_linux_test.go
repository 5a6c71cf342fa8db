// stats_linux_test.go runs the real binary's -e against /proc/net/dev read
// around it, and in a network namespace the test makes. Other processes
// share the host, so every check is a bound, never an equality with host
// counters.

package e2e

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/gonetstat/gonetstat/internal/testenv"
)

// devLine reads one interface's counters from /proc/net/dev, parsed here
// by hand, not by the parser under test: 16 numbers after "name:".
func devLine(t *testing.T, name string) []uint64 {
	t.Helper()
	data, err := os.ReadFile("/proc/net/dev")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		n, rest, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(n) != name {
			continue
		}
		var out []uint64
		for _, f := range strings.Fields(rest) {
			v, err := strconv.ParseUint(f, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		return out
	}
	t.Fatalf("no %s in /proc/net/dev", name)
	return nil
}

// TestLiveInterfacesLoopback: -e's loopback row lies between /proc/net/dev
// read just before and just after, column by column.
func TestLiveInterfacesLoopback(t *testing.T) {
	before := devLine(t, "lo")
	stdout, stderr, code := run(t, "-e")
	after := devLine(t, "lo")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var got []string
	for _, line := range strings.Split(stdout, "\n") {
		if f := strings.Fields(line); len(f) == 9 && f[0] == "lo" {
			got = f[1:]
		}
	}
	if got == nil {
		t.Fatalf("no lo row in:\n%s", stdout)
	}
	// rx bytes packets errs drop, tx bytes packets errs drop
	cols := []int{0, 1, 2, 3, 8, 9, 10, 11}
	for i, c := range cols {
		v, err := strconv.ParseUint(got[i], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if v < before[c] || v > after[c] {
			t.Errorf("lo column %d = %d, /proc/net/dev had %d before and %d after", i, v, before[c], after[c])
		}
	}
	if !strings.HasPrefix(stdout, "Interface Statistics\n") || strings.Contains(stdout, "Active Connections") {
		t.Errorf("not the -e report:\n%s", stdout)
	}
}

// TestIntegrationNetNSInterfaces pings 127.0.0.1 inside a fresh
// namespace: gonetstat --netns -e shows that namespace's lo, which carried
// the pings (and nothing else: nothing else runs there).
func TestIntegrationNetNSInterfaces(t *testing.T) {
	ns := testenv.NewNetns(t, "gnst-stats-")
	_, err := exec.LookPath("ping")
	testenv.SkipWithout(t, err == nil, "ping(8)")
	const pings = 4
	testenv.Run(t, "ip", "netns", "exec", ns, "ping", "-c", strconv.Itoa(pings), "-i", "0.2", "-w", "10", "127.0.0.1")

	// -e there: lo carried the pings.
	stdout, _, code := run(t, "--netns", ns, "-e")
	if code != 0 {
		t.Fatalf("-e --netns: exit %d", code)
	}
	found := false
	for _, line := range strings.Split(stdout, "\n") {
		if f := strings.Fields(line); len(f) == 9 && f[0] == "lo" {
			found = true
			// An echo and its reply per ping, each received once on lo.
			if p, _ := strconv.Atoi(f[2]); p != 2*pings {
				t.Errorf("lo received %d packets in the namespace, want %d:\n%s", p, 2*pings, stdout)
			}
		}
	}
	if !found {
		t.Errorf("no lo row:\n%s", stdout)
	}

	_, stderr, code := run(t, "--netns", "gnst-stats-no-such-ns", "-e")
	if code != 1 || !strings.Contains(stderr, "gnst-stats-no-such-ns") {
		t.Errorf("a missing namespace: exit %d, stderr %q; want 1 naming it", code, stderr)
	}
}

// TestLiveInterfacesIntervalCtrlC: "gonetstat -e 1" redisplays until Ctrl-C,
// then exits 0.
func TestLiveInterfacesIntervalCtrlC(t *testing.T) {
	ctrlCAfterTwo(t, "Interface Statistics", "-e", "1")
}
