// fixture_linux_test.go opens the sockets the live tests look for and builds
// the binary under test.

package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/internal/testenv"
)

// binary is the gonetstat executable built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	if os.Getenv(nsHelperEnv) != "" {
		// Re-executed inside a namespace by netns_linux_test.go.
		os.Exit(nsHelper())
	}
	dir, err := os.MkdirTemp("", "gonetstat-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// World-readable so the unprivileged test can run it.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "gonetstat")
	build := exec.Command("go", "build", "-o", binary, "github.com/gonetstat/gonetstat")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building gonetstat:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// row is one socket as every tool is reduced to, for comparison.
type row struct {
	Proto  string // "tcp" or "udp"
	Local  netip.AddrPort
	Remote netip.AddrPort // unspecified:0 for listeners and unconnected UDP
	State  string         // Windows name; "" for UDP
	PID    int            // 0 when no owner
}

func (r row) String() string {
	return fmt.Sprintf("%s %v %v %s pid=%d", r.Proto, r.Local, r.Remote, r.State, r.PID)
}

// fixture is a set of sockets of every kind held by this test process.
type fixture struct {
	want    []row            // the rows gonetstat must print for them
	ports   map[portKey]bool // the connection of every row in want
	closers []func()
}

func (f *fixture) close() {
	for i := len(f.closers) - 1; i >= 0; i-- {
		f.closers[i]()
	}
}

// portKey is one socket's connection: protocol, local and remote endpoint
// (the remote unspecified:0 for a listener or an unconnected UDP socket).
// The local endpoint alone is not enough: an earlier test's TIME_WAIT can
// hold a local port that the kernel gives this fixture again, towards
// another peer, and that row is not the fixture's.
type portKey struct {
	proto         string
	local, remote netip.AddrPort
}

func key(r row) portKey { return portKey{r.Proto, r.Local, r.Remote} }

// connections is the connection of every row of want.
func connections(want []row) map[portKey]bool {
	k := make(map[portKey]bool, len(want))
	for _, r := range want {
		k[key(r)] = true
	}
	return k
}

func addrPort(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.AddrPort()
	case *net.UDPAddr:
		return a.AddrPort()
	}
	panic(fmt.Sprintf("unexpected address %T", a))
}

// openFixture opens, on 127.0.0.1 and ::1: a listener; an established pair;
// a pair where the server closed first (FIN_WAIT_2 / CLOSE_WAIT); a pair in
// TIME_WAIT (the client closed first and its socket has no owner any more);
// an unconnected and a connected UDP socket.
func openFixture(t *testing.T) *fixture {
	t.Helper()
	pid := os.Getpid()
	f := &fixture{}
	t.Cleanup(f.close)
	for _, host := range []string{"127.0.0.1", "::1"} {
		unspec := netip.IPv4Unspecified()
		if host == "::1" {
			unspec = netip.IPv6Unspecified()
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			t.Fatalf("listen on %s: %v", host, err)
		}
		f.closers = append(f.closers, func() { ln.Close() })
		lap := addrPort(ln.Addr())
		f.want = append(f.want, row{"tcp", lap, netip.AddrPortFrom(unspec, 0), "LISTENING", pid})

		// dial returns a client and the accepted server end, after one byte
		// went each way so both sides are fully established.
		dial := func() (net.Conn, net.Conn) {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatalf("dial %v: %v", ln.Addr(), err)
			}
			s, err := ln.Accept()
			if err != nil {
				t.Fatalf("accept: %v", err)
			}
			f.closers = append(f.closers, func() { c.Close(); s.Close() })
			exchange(t, c, s)
			return c, s
		}

		c, s := dial()
		f.want = append(f.want,
			row{"tcp", addrPort(c.LocalAddr()), lap, "ESTABLISHED", pid},
			row{"tcp", addrPort(s.LocalAddr()), addrPort(s.RemoteAddr()), "ESTABLISHED", pid})

		// The server shuts down its side first (and keeps the socket, so it
		// still has an owner): it waits in FIN_WAIT_2, the client in
		// CLOSE_WAIT.
		c, s = dial()
		s.(*net.TCPConn).CloseWrite()
		waitEOF(t, c)
		f.want = append(f.want,
			row{"tcp", addrPort(c.LocalAddr()), lap, "CLOSE_WAIT", pid},
			row{"tcp", addrPort(s.LocalAddr()), addrPort(s.RemoteAddr()), "FIN_WAIT_2", pid})

		// The client closes first and the server answers: the client's end
		// goes to TIME_WAIT, which no process owns.
		c, s = dial()
		c.Close()
		waitEOF(t, s)
		s.Close()
		f.want = append(f.want, row{"tcp", addrPort(c.LocalAddr()), lap, "TIME_WAIT", 0})

		u, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
		if err != nil {
			t.Fatalf("udp on %s: %v", host, err)
		}
		f.closers = append(f.closers, func() { u.Close() })
		uap := addrPort(u.LocalAddr())
		f.want = append(f.want, row{"udp", uap, netip.AddrPortFrom(unspec, 0), "", pid})

		cu, err := net.Dial("udp", u.LocalAddr().String())
		if err != nil {
			t.Fatalf("udp dial: %v", err)
		}
		f.closers = append(f.closers, func() { cu.Close() })
		f.want = append(f.want, row{"udp", addrPort(cu.LocalAddr()), uap, "", pid})
	}
	f.ports = connections(f.want)
	// TIME_WAIT and FIN_WAIT_2 are reached asynchronously; give the kernel
	// a moment to settle the last ACKs before anyone reads the tables.
	waitStates(t, f)
	return f
}

func exchange(t *testing.T, c, s net.Conn) {
	t.Helper()
	deadline := time.Now().Add(testenv.Patience)
	c.SetDeadline(deadline)
	s.SetDeadline(deadline)
	buf := make([]byte, 1)
	if _, err := c.Write([]byte{'x'}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(s, buf); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write([]byte{'y'}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Time{})
	s.SetDeadline(time.Time{})
}

func waitEOF(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(testenv.Patience))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("waiting for the peer's FIN: got %v, want EOF", err)
	}
}

// waitStates polls ss until every fixture TCP socket is in its final state
// (the closes end in softirq context, after Close returns).
func waitStates(t *testing.T, f *fixture) {
	t.Helper()
	var missing []row
	if !testenv.Poll(func() bool {
		got := rowSet(ssRows(t, f.ports))
		missing = missing[:0]
		for _, w := range f.want {
			w.PID = 0
			if !got[w.noPID()] {
				missing = append(missing, w)
			}
		}
		return len(missing) == 0
	}) {
		t.Fatalf("fixture sockets never reached their states per ss: %v", missing)
	}
}

func (r row) noPID() row { r.PID = 0; return r }

func rowSet(rows []row) map[row]bool {
	m := make(map[row]bool, len(rows))
	for _, r := range rows {
		m[r.noPID()] = true
	}
	return m
}

// ssRows runs `ss -tuanp` and returns the rows whose local port is in ports
// (all rows when ports is nil).
func ssRows(t *testing.T, ports map[portKey]bool) []row {
	t.Helper()
	out, err := exec.Command("ss", "-tuanp").Output()
	if err != nil {
		t.Fatalf("ss -tuanp: %v", err)
	}
	var rows []row
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[0] == "Netid" {
			continue
		}
		r, err := parseSSRow(fields)
		if err != nil {
			t.Fatalf("ss row %q: %v", sc.Text(), err)
		}
		if ports == nil || ports[key(r)] {
			rows = append(rows, r)
		}
	}
	return rows
}

var ssStates = map[string]string{
	"LISTEN": "LISTENING", "ESTAB": "ESTABLISHED", "SYN-SENT": "SYN_SENT", "SYN-RECV": "SYN_RECEIVED",
	"FIN-WAIT-1": "FIN_WAIT_1", "FIN-WAIT-2": "FIN_WAIT_2", "TIME-WAIT": "TIME_WAIT", "CLOSE-WAIT": "CLOSE_WAIT",
	"LAST-ACK": "LAST_ACK", "CLOSING": "CLOSING", "UNCONN": "CLOSED",
}

// parseSSRow reads "tcp ESTAB 0 0 127.0.0.1:5000 127.0.0.1:6000 users:((\"x\",pid=1,fd=3))".
func parseSSRow(f []string) (row, error) {
	var r row
	r.Proto = f[0]
	state, ok := ssStates[f[1]]
	if !ok {
		return r, fmt.Errorf("unknown ss state %q", f[1])
	}
	if r.Proto == "tcp" {
		r.State = state
	}
	var err error
	if r.Local, err = parseSSAddr(f[4], netip.Addr{}); err != nil {
		return r, err
	}
	unspec := netip.IPv4Unspecified()
	if r.Local.Addr().Is6() {
		unspec = netip.IPv6Unspecified()
	}
	if r.Remote, err = parseSSAddr(f[5], unspec); err != nil {
		return r, err
	}
	if len(f) > 6 {
		if i := strings.Index(f[6], "pid="); i >= 0 {
			fmt.Sscanf(f[6][i:], "pid=%d", &r.PID)
		}
	}
	return r, nil
}

// parseSSAddr reads ss's "127.0.0.1:80", "[::1]:80", "*:*", "0.0.0.0:*",
// "[::ffff:127.0.0.1]:80" and "[fe80::1]%eth0:22".
func parseSSAddr(s string, unspec netip.Addr) (netip.AddrPort, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.AddrPort{}, fmt.Errorf("no port in %q", s)
	}
	host, port := s[:i], s[i+1:]
	var p uint16
	if port != "*" {
		if _, err := fmt.Sscanf(port, "%d", &p); err != nil {
			return netip.AddrPort{}, fmt.Errorf("port in %q: %v", s, err)
		}
	}
	zone := ""
	if j := strings.IndexByte(host, '%'); j >= 0 {
		host, zone = host[:j], host[j+1:]
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "*" {
		if !unspec.IsValid() {
			unspec = netip.IPv4Unspecified()
		}
		return netip.AddrPortFrom(unspec, p), nil
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if zone != "" {
		a = a.WithZone(zone)
	}
	return netip.AddrPortFrom(a, p), nil
}

// run runs the binary and returns stdout, stderr and the exit code.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	return runCmd(t, cmd)
}

func runCmd(t *testing.T, cmd *exec.Cmd) (string, string, int) {
	t.Helper()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running %v: %v", cmd.Args, err)
		}
		code = ee.ExitCode()
	}
	return stdout.String(), stderr.String(), code
}
