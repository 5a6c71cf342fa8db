// netns_linux_test.go runs the real binary with --all-netns and --netns
// over three namespaces the test makes, each with a process (this test
// binary, re-executed inside by ip netns exec) holding a listener, an
// established pair and UDP sockets on the namespace's own loopback.

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/internal/testenv"
)

// nsHelperEnv makes TestMain run nsHelper instead of the tests.
const nsHelperEnv = "GONETSTAT_E2E_NS_HELPER"

// nsPort is the same in every namespace: each has its own loopback, so
// three processes can all listen on 127.0.0.1:nsPort, which is the
// question --all-netns answers ("who holds port X in which namespace").
const nsPort = 15432

// nsHelper opens the sockets, prints them as one JSON line of rows, and
// holds them until stdin closes (or two minutes pass).
func nsHelper() int {
	var rows []row
	pid := os.Getpid()
	var keep []io.Closer
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "ns helper:", err); return 1 }
	for _, host := range []string{"127.0.0.1", "::1"} {
		unspec := netip.IPv4Unspecified()
		if host == "::1" {
			unspec = netip.IPv6Unspecified()
		}
		// No keepalive (Go's default is on): an idle connection then
		// has no timer, and its tcp_info stays as read (--from's test
		// compares two reads of it).
		ln, err := (&net.ListenConfig{KeepAlive: -1}).Listen(context.Background(), "tcp", net.JoinHostPort(host, strconv.Itoa(nsPort)))
		if err != nil {
			return fail(err)
		}
		keep = append(keep, ln)
		lap := addrPort(ln.Addr())
		rows = append(rows, row{"tcp", lap, netip.AddrPortFrom(unspec, 0), "LISTENING", pid})
		c, err := (&net.Dialer{KeepAlive: -1}).Dial("tcp", ln.Addr().String())
		if err != nil {
			return fail(err)
		}
		s, err := ln.Accept()
		if err != nil {
			return fail(err)
		}
		keep = append(keep, c, s)
		rows = append(rows,
			row{"tcp", addrPort(c.LocalAddr()), lap, "ESTABLISHED", pid},
			row{"tcp", addrPort(s.LocalAddr()), addrPort(s.RemoteAddr()), "ESTABLISHED", pid})
		u, err := net.ListenPacket("udp", net.JoinHostPort(host, strconv.Itoa(nsPort+1)))
		if err != nil {
			return fail(err)
		}
		keep = append(keep, u)
		rows = append(rows, row{"udp", addrPort(u.LocalAddr()), netip.AddrPortFrom(unspec, 0), "", pid})
		cu, err := net.Dial("udp", u.LocalAddr().String())
		if err != nil {
			return fail(err)
		}
		keep = append(keep, cu)
		rows = append(rows, row{"udp", addrPort(cu.LocalAddr()), addrPort(cu.RemoteAddr()), "", pid})
	}
	out, _ := json.Marshal(rows)
	os.Stdout.Write(append(out, '\n'))
	done := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
	}
	for _, c := range keep {
		c.Close()
	}
	return 0
}

// testNS is a namespace made by the test and the helper holding sockets
// in it.
type testNS struct {
	name  string
	inode uint64
	pid   int
	want  []row
	ports map[portKey]bool
}

// makeNamespaces makes n namespaces named gnst-ns-e2e<pid>-<i>, each with
// lo up and a helper in it; all are removed at cleanup, failed or not.
func makeNamespaces(t *testing.T, n int) []*testNS {
	t.Helper()
	testenv.SkipUnlessRoot(t)
	_, err := exec.LookPath("ip")
	testenv.SkipWithout(t, err == nil, "the ip command (iproute2)")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var nss []*testNS
	for i := range n {
		ns := &testNS{name: fmt.Sprintf("gnst-ns-e2e%d-%d", os.Getpid(), i), ports: map[portKey]bool{}}
		if out, err := exec.Command("ip", "netns", "add", ns.name).CombinedOutput(); err != nil {
			t.Fatalf("ip netns add %s: %v\n%s", ns.name, err, out)
		}
		t.Cleanup(func() {
			if out, err := exec.Command("ip", "netns", "delete", ns.name).CombinedOutput(); err != nil {
				t.Errorf("ip netns delete %s: %v\n%s", ns.name, err, out)
			}
		})
		if out, err := exec.Command("ip", "-n", ns.name, "link", "set", "lo", "up").CombinedOutput(); err != nil {
			t.Fatalf("lo up in %s: %v\n%s", ns.name, err, out)
		}
		var st unix.Stat_t
		if err := unix.Stat("/run/netns/"+ns.name, &st); err != nil {
			t.Fatal(err)
		}
		ns.inode = st.Ino

		cmd := exec.Command("ip", "netns", "exec", ns.name, self)
		cmd.Env = append(os.Environ(), nsHelperEnv+"=1")
		cmd.Stderr = os.Stderr
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
			stdin.Close()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		})
		// ip netns exec execs the helper: the PID that holds the sockets
		// is the one we started.
		ns.pid = cmd.Process.Pid
		line, err := bufio.NewReader(stdout).ReadBytes('\n')
		if err != nil {
			t.Fatalf("helper in %s: %v", ns.name, err)
		}
		if err := json.Unmarshal(line, &ns.want); err != nil {
			t.Fatalf("helper in %s said %q: %v", ns.name, line, err)
		}
		for i := range ns.want {
			if ns.want[i].PID != ns.pid {
				t.Fatalf("helper PID %d, started %d", ns.want[i].PID, ns.pid)
			}
			ns.ports[key(ns.want[i])] = true
		}
		nss = append(nss, ns)
	}
	return nss
}

// nsJSONSocket is a socket of the JSON document with its namespace.
type nsJSONSocket struct {
	jsonSocket
	NetNS     uint64 `json:"net_namespace"`
	NetNSName string `json:"net_namespace_name"`
}

func readNSJSON(t *testing.T, stdout string) (map[uint64][]row, map[uint64]string) {
	t.Helper()
	var env struct {
		Sockets []nsJSONSocket `json:"sockets"`
	}
	if err := json.Unmarshal([]byte(stdout), &env); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	rows, names := map[uint64][]row{}, map[uint64]string{}
	for _, s := range env.Sockets {
		if s.NetNS == 0 {
			t.Errorf("a row without net_namespace: %+v", s)
		}
		la, err1 := netip.ParseAddr(s.LocalAddress)
		ra, err2 := netip.ParseAddr(s.RemoteAddress)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad addresses in %+v", s)
		}
		r := row{Proto: s.Proto, Local: netip.AddrPortFrom(la, s.LocalPort), Remote: netip.AddrPortFrom(ra, s.RemotePort)}
		if s.Proto == "tcp" {
			r.State = linuxToWindows[s.State]
		}
		if s.PID != nil {
			r.PID = *s.PID
		}
		rows[s.NetNS] = append(rows[s.NetNS], r)
		if prev, ok := names[s.NetNS]; ok && prev != s.NetNSName {
			t.Errorf("namespace %d named %q and %q", s.NetNS, prev, s.NetNSName)
		}
		names[s.NetNS] = s.NetNSName
	}
	return rows, names
}

func TestIntegrationAllNetNS(t *testing.T) {
	nss := makeNamespaces(t, 3)
	stdout, stderr, code := run(t, "-ano", "--all-netns", "--json")
	if code != 0 {
		t.Fatalf("gonetstat -ano --all-netns --json: exit %d, stderr:\n%s", code, stderr)
	}
	rows, names := readNSJSON(t, stdout)
	for _, ns := range nss {
		if names[ns.inode] != ns.name {
			t.Errorf("namespace %d is named %q, want %q", ns.inode, names[ns.inode], ns.name)
		}
		// Every row of the namespace is the helper's: a fresh namespace
		// has no other sockets.
		if diff := cmp.Diff(sorted(ns.want), sorted(rows[ns.inode])); diff != "" {
			t.Errorf("rows of %s (-want +got):\n%s", ns.name, diff)
		}
	}
	// The helpers' sockets are in their namespaces only: no row elsewhere
	// (our own namespace included) is held by a helper.
	for inode, rs := range rows {
		for _, r := range rs {
			for _, ns := range nss {
				if r.PID == ns.pid && inode != ns.inode {
					t.Errorf("namespace %d (%q) shows %s's socket %v", inode, names[inode], ns.name, r)
				}
			}
		}
	}

	// The text form: a Namespace column, the name on each of our rows.
	stdout, stderr, code = run(t, "-ano", "--all-netns")
	if code != 0 {
		t.Fatalf("gonetstat -ano --all-netns: exit %d, stderr:\n%s", code, stderr)
	}
	lines := strings.Split(stdout, "\n")
	if len(lines) < 4 || !strings.HasSuffix(lines[3], "PID      Namespace") {
		t.Fatalf("no Namespace column; header %q", lines[min(3, len(lines)-1)])
	}
	for _, ns := range nss {
		n := 0
		for _, l := range lines {
			f := strings.Fields(l)
			if len(f) > 0 && f[len(f)-1] == ns.name {
				n++
				if f[len(f)-2] != strconv.Itoa(ns.pid) {
					t.Errorf("row %q: PID is not %d", l, ns.pid)
				}
			}
		}
		if n != len(ns.want) {
			t.Errorf("%d text rows labelled %s, want %d:\n%s", n, ns.name, len(ns.want), stdout)
		}
	}
	t.Logf("gonetstat -ano --all-netns, the test's rows:\n%s", grepLines(stdout, "gnst-ns-e2e"))
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) || strings.Contains(l, "Proto") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestIntegrationNetNSOne(t *testing.T) {
	nss := makeNamespaces(t, 3)
	ns := nss[1]
	for _, arg := range []string{ns.name, "/run/netns/" + ns.name, strconv.Itoa(ns.pid)} {
		stdout, stderr, code := run(t, "-ano", "--netns", arg, "--json")
		if code != 0 {
			t.Fatalf("--netns %s: exit %d, stderr:\n%s", arg, code, stderr)
		}
		rows, names := readNSJSON(t, stdout)
		if len(rows) != 1 || names[ns.inode] != ns.name {
			t.Errorf("--netns %s: namespaces %v, want only %d (%s)", arg, names, ns.inode, ns.name)
		}
		if diff := cmp.Diff(sorted(ns.want), sorted(rows[ns.inode])); diff != "" {
			t.Errorf("--netns %s (-want +got):\n%s", arg, diff)
		}
		// One namespace: no Namespace column.
		text, _, _ := run(t, "-ano", "--netns", arg)
		if strings.Contains(text, "Namespace") {
			t.Errorf("--netns %s: a Namespace column for one namespace", arg)
		}
	}
	_, stderr, code := run(t, "-ano", "--netns", "gnst-ns-e2e-no-such")
	if code != 1 || !strings.Contains(stderr, "no /run/netns/gnst-ns-e2e-no-such") {
		t.Errorf("missing namespace: exit %d, stderr %q", code, stderr)
	}
}

// TestIntegrationNetNSUnprivileged: as nobody, --all-netns prints our own
// namespace, names each namespace it cannot enter and why, and exits 1;
// --netns of another namespace exits 1 with the reason.
func TestIntegrationNetNSUnprivileged(t *testing.T) {
	nss := makeNamespaces(t, 1)
	asNobody := func(args ...string) (string, string, int) {
		cmd := exec.Command(binary, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		return runCmd(t, cmd)
	}
	stdout, stderr, code := asNobody("-an", "--all-netns", "--json")
	if code != 1 {
		t.Errorf("--all-netns as nobody: exit %d, want 1; stderr:\n%s", code, stderr)
	}
	want := "entering network namespace " + nss[0].name + ": operation not permitted (entering another network namespace needs CAP_SYS_ADMIN: run as root)"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr)
	}
	rows, _ := readNSJSON(t, stdout)
	var self unix.Stat_t
	if err := unix.Stat("/proc/self/ns/net", &self); err != nil {
		t.Fatal(err)
	}
	if _, ok := rows[self.Ino]; !ok || len(rows) != 1 {
		t.Errorf("as nobody: rows from namespaces %v, want only ours (%d)", keys(rows), self.Ino)
	}
	stdout, stderr, code = asNobody("-an", "--netns", nss[0].name)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "run as root") || !strings.Contains(stderr, nss[0].name) {
		t.Errorf("--netns as nobody: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	t.Logf("as nobody:\n%s", stderr)
}

func keys(m map[uint64][]row) []uint64 {
	var k []uint64
	for i := range m {
		k = append(k, i)
	}
	return k
}
