// stats_linux_test.go runs the real binary's -s and -e against traffic the
// test sends on loopback, against /proc/net/dev read around it, and in
// network namespaces the test makes. Other processes share the host, so
// every check on host counters is a bound or a delta, never an equality.

package e2e

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/gonetstat/gonetstat/internal/testenv"
)

// statsSections reads -s output: section title -> row label -> the row's
// values (one for "Label = N" rows, Received and Sent for ICMP rows; "-"
// is -1).
func statsSections(t *testing.T, out string) map[string]map[string][]int64 {
	t.Helper()
	secs := map[string]map[string][]int64{}
	var cur map[string][]int64
	for _, line := range strings.Split(out, "\n") {
		switch {
		case line == "":
		case strings.HasSuffix(line, "Statistics") || strings.Contains(line, "Statistics for"):
			cur = map[string][]int64{}
			secs[line] = cur
		case !strings.HasPrefix(line, "  ") || cur == nil:
			// a note under a title
		case strings.Contains(line, "="):
			label, v, _ := strings.Cut(line, "=")
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				t.Fatalf("row %q: %v", line, err)
			}
			cur[strings.TrimSpace(label)] = []int64{n}
		default:
			f := strings.Fields(line)
			if len(f) < 3 || f[len(f)-2] == "Received" {
				continue
			}
			var vals []int64
			for _, s := range f[len(f)-2:] {
				n, err := strconv.ParseInt(s, 10, 64)
				if s == "-" {
					n, err = -1, nil
				}
				if err != nil {
					t.Fatalf("row %q: %v", line, err)
				}
				vals = append(vals, n)
			}
			cur[strings.Join(f[:len(f)-2], " ")] = vals
		}
	}
	return secs
}

// stat runs gonetstat with args and returns one counter of its -s output.
func stat(t *testing.T, section, row string, col int, args ...string) int64 {
	t.Helper()
	stdout, stderr, code := run(t, args...)
	if code != 0 || stderr != "" {
		t.Fatalf("gonetstat %v: exit %d\n%s", args, code, stderr)
	}
	v, ok := statsSections(t, stdout)[section][row]
	if !ok || len(v) <= col {
		t.Fatalf("gonetstat %v: no %q / %q in:\n%s", args, section, row, stdout)
	}
	return v[col]
}

// TestLiveStatsCountTraffic sends UDP datagrams to a closed port and opens
// TCP connections on 127.0.0.1: UDP No Ports and TCP Active Opens must grow
// by at least that much.
func TestLiveStatsCountTraffic(t *testing.T) {
	const datagrams, connects = 25, 5
	noPorts := func() int64 { return stat(t, "UDP Statistics for IPv4", "No Ports", 0, "-s", "-p", "udp") }
	opens := func() int64 {
		return stat(t, "TCP Statistics for IPv4 and IPv6", "Active Opens", 0, "-s", "-p", "TCPv6")
	}
	udp0, tcp0 := noPorts(), opens()

	sendToClosedPort(t, datagrams)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for range connects {
		c, err := net.Dial("tcp4", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}

	// Loopback delivers in softirq after the send returns, and the
	// counters are host-wide: poll until they have grown by what we sent
	// (others' traffic only adds), and report the last values if never.
	var udp1, tcp1 int64
	testenv.Poll(func() bool {
		udp1, tcp1 = noPorts(), opens()
		return udp1-udp0 >= datagrams && tcp1-tcp0 >= connects
	})
	if udp1-udp0 < datagrams {
		t.Errorf("UDP No Ports grew by %d (%d -> %d), sent %d datagrams to a closed port", udp1-udp0, udp0, udp1, datagrams)
	}
	if tcp1-tcp0 < connects {
		t.Errorf("TCP Active Opens grew by %d (%d -> %d), made %d connections", tcp1-tcp0, tcp0, tcp1, connects)
	}
}

// sendToClosedPort sends n UDP datagrams to a closed 127.0.0.1 port: each
// counts in the kernel's Udp NoPorts.
func sendToClosedPort(t *testing.T, n int) {
	t.Helper()
	// A port that was just free: bind, note, close.
	probe, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := probe.LocalAddr()
	probe.Close()
	// Unconnected, so the ICMP port unreachables do not fail the sends.
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	for range n {
		if _, err := pc.WriteTo([]byte("gonetstat e2e"), closed); err != nil {
			t.Fatal(err)
		}
	}
}

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

// TestIntegrationNetNSStats pings 127.0.0.1 inside a fresh namespace:
// gonetstat --netns there counts exactly those echos (nothing else runs in
// it) and reads the same as the namespace's own /proc/net/snmp. The
// host's counters are not checked against the pings: the machine is shared
// and anyone may ping its loopback meanwhile.
func TestIntegrationNetNSStats(t *testing.T) {
	ns := testenv.NewNetns(t, "gnst-stats-")
	_, err := exec.LookPath("ping")
	testenv.SkipWithout(t, err == nil, "ping(8)")
	const pings = 4
	icmp := "ICMPv4 Statistics"
	testenv.Run(t, "ip", "netns", "exec", ns, "ping", "-c", strconv.Itoa(pings), "-i", "0.2", "-w", "10", "127.0.0.1")

	stdout, stderr, code := run(t, "--netns", ns, "-s", "-p", "icmp")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	secs := statsSections(t, stdout)
	if len(secs) != 1 {
		t.Errorf("-p icmp printed %d sections:\n%s", len(secs), stdout)
	}
	// Loopback: each echo is sent and received here, and so is its reply.
	want := []int64{pings, pings}
	for _, row := range []string{"Echos", "Echo Replies"} {
		if got := secs[icmp][row]; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("%s in the namespace = %v, want %v (received, sent):\n%s", row, got, want, stdout)
		}
	}
	// The namespace's own file, read by a process inside it.
	snmp := testenv.Run(t, "ip", "netns", "exec", ns, "cat", "/proc/net/snmp")
	var names, vals []string
	for _, line := range strings.Split(snmp, "\n") {
		if strings.HasPrefix(line, "Icmp: ") {
			if names == nil {
				names = strings.Fields(line)
			} else {
				vals = strings.Fields(line)
			}
		}
	}
	for i := range names {
		if names[i] == "InEchos" && i < len(vals) && vals[i] != strconv.Itoa(pings) {
			t.Errorf("the namespace's /proc/net/snmp says InEchos %s, gonetstat %d", vals[i], pings)
		}
	}

	_, stderr, code = run(t, "--netns", "gnst-stats-no-such-ns", "-s")
	if code != 1 || !strings.Contains(stderr, "gnst-stats-no-such-ns") {
		t.Errorf("a missing namespace: exit %d, stderr %q; want 1 naming it", code, stderr)
	}
}

// TestLiveReportsIntervalCtrlC: "gonetstat -e 1" and "gonetstat -s -p tcp
// 1" redisplay until Ctrl-C, then exit 0.
func TestLiveReportsIntervalCtrlC(t *testing.T) {
	ctrlCAfterTwo(t, "Interface Statistics", "-e", "1")
	ctrlCAfterTwo(t, "TCP Statistics", "-s", "-p", "tcp", "1")
}
