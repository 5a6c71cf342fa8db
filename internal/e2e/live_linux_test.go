// live_linux_test.go runs the real binary against the fixture's sockets and
// against ss on the whole machine.

package e2e

import (
	"encoding/json"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/internal/testenv"
)

// parseText reads gonetstat's -ano table back into rows, checking the frame
// (blank line, title, blank line, header) on the way.
func parseText(t *testing.T, out string, pidColumn bool) []row {
	t.Helper()
	lines := strings.Split(out, "\n")
	header := "  Proto  Local Address          Foreign Address        State"
	if pidColumn {
		header += "           PID"
	}
	if len(lines) < 4 || lines[0] != "" || lines[1] != "Active Connections" || lines[2] != "" || lines[3] != header {
		t.Fatalf("table frame wrong; first lines: %q", lines[:min(len(lines), 4)])
	}
	if lines[len(lines)-1] != "" {
		t.Fatalf("output does not end with a newline")
	}
	var rows []row
	for _, l := range lines[4 : len(lines)-1] {
		if strings.HasSuffix(l, " ") || strings.Contains(l, "\r") {
			t.Errorf("row %q has trailing space or CR", l)
		}
		if !strings.HasPrefix(l, "  ") {
			t.Errorf("row %q does not start with two spaces", l)
		}
		f := strings.Fields(l)
		var r row
		switch {
		case len(f) >= 3 && f[0] == "UDP":
			r.Proto = "udp"
		case len(f) >= 4 && f[0] == "TCP":
			r.Proto = "tcp"
			r.State = f[3]
		default:
			t.Fatalf("cannot read row %q", l)
		}
		var err error
		if r.Local, err = netip.ParseAddrPort(f[1]); err != nil {
			t.Fatalf("row %q: local: %v", l, err)
		}
		if f[2] == "*:*" {
			r.Remote = netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
			if r.Local.Addr().Is6() {
				r.Remote = netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
			}
		} else if r.Remote, err = netip.ParseAddrPort(f[2]); err != nil {
			t.Fatalf("row %q: foreign: %v", l, err)
		}
		if pidColumn {
			if p := f[len(f)-1]; p != "-" {
				if r.PID, err = strconv.Atoi(p); err != nil {
					t.Fatalf("row %q: pid: %v", l, err)
				}
			}
		}
		rows = append(rows, r)
	}
	return rows
}

func only(rows []row, ports map[portKey]bool) []row {
	var out []row
	for _, r := range rows {
		if ports[key(r)] {
			out = append(out, r)
		}
	}
	return out
}

func sorted(rows []row) []string {
	var s []string
	for _, r := range rows {
		s = append(s, r.String())
	}
	sort.Strings(s)
	return s
}

func TestLiveAnoShowsEverySocketWithItsOwner(t *testing.T) {
	f := openFixture(t)
	stdout, stderr, code := run(t, "-ano")
	if code != 0 {
		t.Fatalf("gonetstat -ano: exit %d, stderr:\n%s", code, stderr)
	}
	got := only(parseText(t, stdout, true), f.ports)
	if diff := cmp.Diff(sorted(f.want), sorted(got)); diff != "" {
		t.Errorf("gonetstat -ano rows for the test's sockets (-want +got):\n%s", diff)
	}
}

func TestLiveAnoMatchesSS(t *testing.T) {
	f := openFixture(t)
	stdout, stderr, code := run(t, "-ano")
	if code != 0 {
		t.Fatalf("gonetstat -ano: exit %d, stderr:\n%s", code, stderr)
	}
	ours := only(parseText(t, stdout, true), f.ports)
	theirs := ssRows(t, f.ports)
	// ss reports a connected UDP socket's state as ESTAB and shows no state
	// column meaning for UDP in netstat's layout: both reduce to "".
	if diff := cmp.Diff(sorted(theirs), sorted(ours)); diff != "" {
		t.Errorf("(proto, local, remote, state, pid) differs from ss -tuanp (-ss +gonetstat):\n%s", diff)
	}
}

// TestLiveListenersMatchSS compares every TCP listener on the machine, not
// only the test's: `gonetstat -ano | grep LISTENING` against `ss -tlnp`.
// Other programs may open or close listeners between the two reads, so a
// difference is retried a few times before it counts.
func TestLiveListenersMatchSS(t *testing.T) {
	openFixture(t)
	var diff string
	for try := 0; try < 3; try++ {
		stdout, stderr, code := run(t, "-anop", "tcp")
		if code != 0 {
			t.Fatalf("gonetstat -anop tcp: exit %d, stderr:\n%s", code, stderr)
		}
		stdout6, stderr6, code6 := run(t, "-anop", "tcpv6")
		if code6 != 0 {
			t.Fatalf("gonetstat -anop tcpv6: exit %d, stderr:\n%s", code6, stderr6)
		}
		var ours []row
		for _, r := range append(parseText(t, stdout, true), parseText(t, stdout6, true)...) {
			if r.State == "LISTENING" {
				ours = append(ours, r)
			}
		}
		var theirs []row
		for _, r := range ssRows(t, nil) {
			if r.Proto == "tcp" && r.State == "LISTENING" {
				theirs = append(theirs, r)
			}
		}
		if diff = cmp.Diff(sorted(theirs), sorted(ours)); diff == "" {
			return
		}
	}
	t.Errorf("listeners differ from ss -tanp (-ss +gonetstat):\n%s", diff)
}

// jsonSocket is the part of the documented schema (docs/json.md) the live
// test reads.
type jsonSocket struct {
	Proto         string  `json:"proto"`
	Family        int     `json:"family"`
	LocalAddress  string  `json:"local_address"`
	LocalPort     uint16  `json:"local_port"`
	RemoteAddress string  `json:"remote_address"`
	RemotePort    uint16  `json:"remote_port"`
	State         string  `json:"state"`
	PID           *int    `json:"pid"`
	ProcessName   *string `json:"process_name"`
	Inode         uint64  `json:"inode"`
}

var linuxToWindows = map[string]string{
	"LISTEN": "LISTENING", "ESTABLISHED": "ESTABLISHED", "FIN_WAIT2": "FIN_WAIT_2",
	"CLOSE_WAIT": "CLOSE_WAIT", "TIME_WAIT": "TIME_WAIT",
}

func TestLiveJSON(t *testing.T) {
	f := openFixture(t)
	stdout, stderr, code := run(t, "-ano", "--json")
	if code != 0 {
		t.Fatalf("gonetstat -ano --json: exit %d, stderr:\n%s", code, stderr)
	}
	var env struct {
		Schema  string       `json:"schema"`
		Host    string       `json:"host"`
		Time    string       `json:"time"`
		Sockets []jsonSocket `json:"sockets"`
	}
	if err := json.Unmarshal([]byte(stdout), &env); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	if env.Schema != "gonetstat.sockets/v1" {
		t.Errorf("schema = %q", env.Schema)
	}
	if host, _ := os.Hostname(); env.Host != host {
		t.Errorf("host = %q, want %q", env.Host, host)
	}
	if !strings.HasSuffix(env.Time, "Z") {
		t.Errorf("time %q is not RFC 3339 UTC", env.Time)
	}
	exe, _ := os.Executable()
	var got []row
	for _, s := range env.Sockets {
		a, err := netip.ParseAddr(s.LocalAddress)
		if err != nil {
			t.Fatalf("local_address %q: %v", s.LocalAddress, err)
		}
		ra, err := netip.ParseAddr(s.RemoteAddress)
		if err != nil {
			t.Fatalf("remote_address %q: %v", s.RemoteAddress, err)
		}
		r := row{Proto: s.Proto, Local: netip.AddrPortFrom(a, s.LocalPort), Remote: netip.AddrPortFrom(ra, s.RemotePort)}
		if s.Proto == "tcp" {
			r.State = linuxToWindows[s.State]
			if r.State == "" {
				r.State = s.State
			}
		} else if s.State != "CLOSE" && s.State != "ESTABLISHED" {
			t.Errorf("udp state %q", s.State)
		}
		if s.PID != nil {
			r.PID = *s.PID
			if *s.PID == os.Getpid() && (s.ProcessName == nil || *s.ProcessName != exeBase(exe)) {
				t.Errorf("pid %d has process_name %v, want %q", *s.PID, s.ProcessName, exeBase(exe))
			}
		}
		if (s.Family == 2) != a.Is4() {
			t.Errorf("family %d for %s", s.Family, s.LocalAddress)
		}
		got = append(got, r)
	}
	got = only(got, f.ports)
	if diff := cmp.Diff(sorted(f.want), sorted(got)); diff != "" {
		t.Errorf("JSON rows for the test's sockets (-want +got):\n%s", diff)
	}
}

func exeBase(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// TestLiveSourcesAgree proves that sock_diag and /proc/net give the same
// table for the same sockets.
func TestLiveSourcesAgree(t *testing.T) {
	f := openFixture(t)
	var tables [2][]string
	for i, src := range []string{"netlink", "proc"} {
		stdout, stderr, code := run(t, "-ano", "--source="+src)
		if code != 0 {
			t.Fatalf("--source=%s: exit %d, stderr:\n%s", src, code, stderr)
		}
		tables[i] = sorted(only(parseText(t, stdout, true), f.ports))
	}
	if diff := cmp.Diff(tables[0], tables[1]); diff != "" {
		t.Errorf("netlink vs proc (-netlink +proc):\n%s", diff)
	}
	if diff := cmp.Diff(sorted(f.want), tables[1]); diff != "" {
		t.Errorf("proc source (-want +got):\n%s", diff)
	}
}

func TestLiveUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"-anop"}, {"-p", "bogus"}, {"-x"}, {"-an", "0"}, {"-an", "abc"}} {
		stdout, stderr, code := run(t, args...)
		if code != 2 || stdout != "" || stderr == "" || strings.Contains(stderr, "panic") {
			t.Errorf("gonetstat %v: exit %d, stdout %q, stderr %q; want exit 2, a message on stderr only", args, code, stdout, stderr)
		}
	}
}

// TestIntegrationUnprivileged runs the binary as nobody: it must still print
// the whole table, with owners only where it may read them, and say once
// on stderr why the rest have none.
func TestIntegrationUnprivileged(t *testing.T) {
	testenv.SkipUnlessRoot(t)
	f := openFixture(t)
	cmd := exec.Command(binary, "-ano")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	stdout, stderr, code := runCmd(t, cmd)
	if code != 0 {
		t.Fatalf("gonetstat -ano as nobody: exit %d, stderr:\n%s", code, stderr)
	}
	var want []row
	for _, w := range f.want {
		want = append(want, w.noPID()) // nobody may not read root's fds
	}
	got := only(parseText(t, stdout, true), f.ports)
	if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
		t.Errorf("rows as nobody (-want +got):\n%s", diff)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "no owner") {
		t.Errorf("stderr should say once why owners are missing; got:\n%s", stderr)
	}
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "root") }) {
		t.Errorf("the notice should say to run as root; got %q", stderr)
	}
	t.Logf("unprivileged notice: %s", lines[0])
}

// TestLiveIntervalCtrlC runs "gonetstat -an 1", waits for two tables and
// sends SIGINT, as Ctrl-C does: the command must stop with exit 0.
func TestLiveIntervalCtrlC(t *testing.T) {
	ctrlCAfterTwo(t, "Active Connections", "-an", "1")
}

// ctrlCAfterTwo runs the binary with args, whose last is the interval:
// once marker has been printed twice (a redisplay) SIGINT must end it
// with exit 0. Then it runs it again with an interval of an hour: SIGINT
// after the first table must end it as well, which shows that Ctrl-C
// ends the wait at once, not at the next redisplay, without a stopwatch.
func ctrlCAfterTwo(t *testing.T, marker string, args ...string) {
	t.Helper()
	interruptAfter(t, marker, 2, args...)
	interruptAfter(t, marker, 1, append(args[:len(args)-1:len(args)-1], "3600")...)
}

// interruptAfter runs the binary with args, waits until marker has been
// printed n times and sends SIGINT: the command must exit 0.
func interruptAfter(t *testing.T, marker string, n int, args ...string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var stdout, stderr testenv.SyncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var err error
	go func() { err = cmd.Wait(); close(exited) }()
	if !stdout.Await(func(s string) bool { return strings.Count(s, marker) >= n }, exited) {
		cmd.Process.Kill()
		<-exited
		t.Fatalf("%v: %q not printed %d times (exit: %v); stdout:\n%s\nstderr:\n%s", args, marker, n, err, stdout.String(), stderr.String())
	}
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
	case <-time.After(testenv.Patience):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("%v did not stop within %v of Ctrl-C", args, testenv.Patience)
	}
	if err != nil {
		t.Errorf("%v after Ctrl-C: %v (want exit 0); stderr:\n%s", args, err, stderr.String())
	}
}
