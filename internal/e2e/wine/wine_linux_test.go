// wine_linux_test.go runs gonetstat.exe under wine, in a network namespace
// the test creates and fills with known sockets, and checks its output.

package wine

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/codec"
	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
)

// tools are the programs the test runs; scripts/test.sh installs them
// (Debian: wine64 wine gcc-mingw-w64-x86-64-win32 iproute2 procps).
var tools = []string{"wine", "wineserver", "x86_64-w64-mingw32-gcc", "ip", "sysctl", "go"}

// nsAddr is the namespace's own IPv4 address, on its own NIC (nsLink):
// the kernel adds the prefix route 198.18.0.0/24 to the main table, the
// one /proc/net/route (which wine reads for -r) shows. On lo the prefix
// route would go to table local, which /proc/net/route does not show.
var nsAddr = netip.MustParsePrefix("198.18.0.1/24")

// nsLink and nsPeer are the two ends of a veth pair, both inside the
// namespace.
const nsLink, nsPeer = "gnst0", "gnst1"

// nsGateway is the next hop of the namespace's default route: inside
// nsAddr's prefix, never sent to (the test's traffic stays on loopback).
const nsGateway = "198.18.0.254"

// TestIntegrationWine is one wine session, in one namespace with one set
// of sockets, shared by the subtests: the prefix is initialised once
// (wineboot takes seconds) and every run after it takes a fraction of one.
func TestIntegrationWine(t *testing.T) {
	testenv.SkipUnlessRoot(t)
	for _, tool := range tools {
		_, err := exec.LookPath(tool)
		testenv.SkipWithout(t, err == nil, tool+" (scripts/test.sh --deps installs it)")
	}
	dir := t.TempDir()
	exe := buildExe(t, dir)

	ns := testenv.NewNetns(t, "gnstwine")
	testenv.Run(t, "ip", "-n", ns, "link", "add", nsLink, "type", "veth", "peer", "name", nsPeer)
	for _, l := range []string{nsLink, nsPeer} {
		// No IPv6 on the pair: nothing (DAD, MLD, router
		// solicitations) happens in the namespace on its own.
		testenv.Run(t, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf."+l+".disable_ipv6=1")
		testenv.Run(t, "ip", "-n", ns, "link", "set", l, "up")
	}
	testenv.Run(t, "ip", "-n", ns, "addr", "add", nsAddr.String(), "dev", nsLink)
	testenv.Run(t, "ip", "-n", ns, "route", "add", "default", "via", nsGateway, "dev", nsLink)
	socks := openSockets(t, ns)

	s := startSession(t, ns, dir)
	installProcessPrng(t, s)

	t.Run("WineNetstat", func(t *testing.T) { testWineNetstat(t, s, socks) })
	t.Run("Help", func(t *testing.T) {
		// The Go runtime starting at all is the ProcessPrng stand-in at
		// work: without it the process dies before main.
		out := s.ok(t, exe, "--help")
		if !strings.HasPrefix(out, "Usage: gonetstat ") {
			t.Errorf("--help does not begin with the usage line:\n%s", out)
		}
	})
	t.Run("Ano", func(t *testing.T) { testAno(t, s, exe, socks) })
	t.Run("JSON", func(t *testing.T) { testJSON(t, s, exe, socks) })
	t.Run("Stats", func(t *testing.T) { testStats(t, s, exe, socks) })
	t.Run("Routes", func(t *testing.T) { testRoutes(t, s, exe) })
	t.Run("Interfaces", func(t *testing.T) { testInterfaces(t, s, exe) })
	t.Run("IphlpapiTests", func(t *testing.T) { testIphlpapiTests(t, s, dir) })
}

// buildExe cross-compiles this repository's gonetstat for windows/amd64
// into dir.
func buildExe(t *testing.T, dir string) string {
	t.Helper()
	return goWindows(t, filepath.Join(dir, "gonetstat.exe"), "build", "github.com/gonetstat/gonetstat")
}

// goWindows runs go build or go test -c (verb) for windows/amd64, without
// cgo, writing the executable exe.
func goWindows(t *testing.T, exe, verb, pkg string) string {
	t.Helper()
	args := []string{verb, "-o", exe, pkg}
	if verb == "test" {
		args = []string{verb, "-c", "-o", exe, pkg}
	}
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return exe
}

// known is one socket the test holds in the namespace, as Windows netstat
// prints it for what wine's iphlpapi reports (see wineScope).
type known struct {
	proto  string         // "TCP" or "UDP"
	local  netip.AddrPort // as bound
	remote netip.AddrPort // TCP: the peer, unspecified:0 for a listener; UDP: invalid (Windows prints *:*)
	state  string         // TCP: Windows' name; UDP: ""
}

// openSockets opens, inside ns: a TCP listener on 0.0.0.0 and one on [::];
// an established connection to each (both ends, one over 198.18.0.1 and
// one over ::1); and a bound UDP socket on 198.18.0.1 and one on ::1. They
// stay open until the test ends, so nothing in the namespace changes state
// while gonetstat.exe looks (no TIME_WAIT appears: nothing closes).
func openSockets(t *testing.T, ns string) []known {
	t.Helper()
	var socks []known
	var closers []func() error
	t.Cleanup(func() {
		for _, c := range slices.Backward(closers) {
			c()
		}
	})
	var failed error
	testenv.InNetns(t, ns, func() {
		for _, fam := range []struct {
			network, wildcard, dial string
			unspec                  netip.Addr
		}{
			{"tcp4", "0.0.0.0:0", nsAddr.Addr().String(), netip.IPv4Unspecified()},
			{"tcp6", "[::]:0", "::1", netip.IPv6Unspecified()},
		} {
			ln, err := net.Listen(fam.network, fam.wildcard)
			if err != nil {
				failed = err
				return
			}
			closers = append(closers, ln.Close)
			lap := ln.Addr().(*net.TCPAddr).AddrPort()
			socks = append(socks, known{"TCP", wineScope(lap), netip.AddrPortFrom(fam.unspec, 0), "LISTENING"})
			// Dial returns once the handshake is done and Accept once
			// the kernel queued it: both ends are ESTABLISHED when
			// these return.
			c, err := net.Dial(fam.network, net.JoinHostPort(fam.dial, strconv.Itoa(int(lap.Port()))))
			if err != nil {
				failed = err
				return
			}
			closers = append(closers, c.Close)
			a, err := ln.Accept()
			if err != nil {
				failed = err
				return
			}
			closers = append(closers, a.Close)
			for _, conn := range []net.Conn{c, a} {
				socks = append(socks, known{"TCP",
					wineScope(conn.LocalAddr().(*net.TCPAddr).AddrPort()),
					wineScope(conn.RemoteAddr().(*net.TCPAddr).AddrPort()), "ESTABLISHED"})
			}
		}
		for _, u := range []struct{ network, addr string }{
			{"udp4", net.JoinHostPort(nsAddr.Addr().String(), "0")},
			{"udp6", "[::1]:0"},
		} {
			pc, err := net.ListenPacket(u.network, u.addr)
			if err != nil {
				failed = err
				return
			}
			closers = append(closers, pc.Close)
			socks = append(socks, known{proto: "UDP", local: wineScope(pc.LocalAddr().(*net.UDPAddr).AddrPort())})
		}
	})
	if failed != nil {
		t.Fatalf("opening the namespace's sockets: %v", failed)
	}
	return socks
}

// wineScope gives ::1 the zone that gonetstat.exe prints for it under
// wine. Wine 8's nsiproxy.sys fills an IPv6 row's scope ID with its own
// scope value for the address (find_ipv6_addr_scope), 0x1000 for the
// loopback address, where Windows gives 0; the collector prints a non-zero
// scope ID as the zone, as Windows netstat does ("%21" on link-local rows),
// so ::1 reads [::1%4096]. The unspecified address gets 0 from wine too.
func wineScope(ap netip.AddrPort) netip.AddrPort {
	if ap.Addr() == netip.IPv6Loopback() {
		return netip.AddrPortFrom(ap.Addr().WithZone("4096"), ap.Port())
	}
	return ap
}

// session is one wine session with a prefix of its own, all of it inside
// a network namespace: wineserver and every process it starts
// (services.exe, explorer.exe, and the winedevice.exe hosting
// nsiproxy.sys, which answers iphlpapi by reading /proc/net/tcp, tcp6,
// udp, udp6, snmp, snmp6, route and dev, as strace of it shows) live
// there, so what wine reports is the namespace's and nothing of the
// host's.
type session struct {
	ns     string
	dir    string   // the test's temporary directory: the prefix and everything wine writes are under it
	prefix string   // WINEPREFIX
	env    []string // for every wine command
}

// startSession starts a persistent wineserver in ns and initialises the
// prefix; the session is killed, and every process of it waited for, when
// t ends.
func startSession(t *testing.T, ns, dir string) *session {
	t.Helper()
	s := &session{ns: ns, dir: dir, prefix: filepath.Join(dir, "prefix")}
	home, tmp := filepath.Join(dir, "home"), filepath.Join(dir, "tmp")
	for _, d := range []string{s.prefix, home, tmp} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); {
		case strings.HasPrefix(k, "WINE"), k == "DISPLAY", k == "WAYLAND_DISPLAY", k == "HOME", k == "TMPDIR", strings.HasPrefix(k, "XDG_"):
			// Wine's own settings are ours alone; with no display,
			// the console programs run without X.
		default:
			s.env = append(s.env, kv)
		}
	}
	s.env = append(s.env,
		"WINEPREFIX="+s.prefix,
		"WINEDEBUG=-all",
		// No Mono or Gecko install prompts, no menu entries written to
		// $HOME; bcryptprimitives is our stand-in (wine 8 has no builtin
		// of that name, so it loads from system32 anyway; the override
		// keeps ours first on a wine that has one).
		"WINEDLLOVERRIDES=mscoree,mshtml,winemenubuilder.exe=;bcryptprimitives=n,b",
		// The server's socket directory (Debian's wine puts it in
		// $TMPDIR), and whatever wine writes to $HOME, stay under dir.
		"TMPDIR="+tmp,
		"HOME="+home,
	)

	// wineserver -p forks the server and exits once the server holds its
	// lock and listens (wine's server/request.c, open_master_socket):
	// that exit is the event "the server is up". Persistent, it keeps
	// the session's services running from one run to the next.
	s.ok(t, "wineserver", "-p")
	t.Cleanup(func() { s.stop(t) })

	// The first start creates the prefix (registry, C:\windows) and
	// starts the session's services; wineboot exits when that is done.
	start := time.Now()
	s.ok(t, "wine", "wineboot", "--init")
	t.Logf("first wineboot: %v", time.Since(start).Round(time.Millisecond))
	return s
}

// installProcessPrng compiles testdata/processprng.c, the stand-in for
// the bcryptprimitives.dll that Go 1.26's runtime needs and wine 8 lacks,
// into the prefix's system32.
func installProcessPrng(t *testing.T, s *session) {
	t.Helper()
	dll := filepath.Join(s.prefix, "drive_c", "windows", "system32", "bcryptprimitives.dll")
	testenv.Run(t, "x86_64-w64-mingw32-gcc", "-shared", "-O2", "-Wall", "-Wextra", "-Werror",
		"-o", dll, "testdata/processprng.c", "-lbcrypt")
}

// run runs name (a wine tool, or a Windows program through wine) inside
// the namespace, in the test's directory, and returns its standard output
// and error and its exit code.
func (s *session) run(t *testing.T, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return s.runIn(t, s.dir, name, args...)
}

// runIn is run in the working directory dir. Output goes to files, so the
// wait ends with the process, whatever a process it started holds open; a
// run that hangs is killed after testenv.Patience.
func (s *session) runIn(t *testing.T, dir, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if strings.HasSuffix(name, ".exe") {
		args = append([]string{name}, args...)
		name = "wine"
	}
	ctx, cancel := context.WithTimeout(context.Background(), testenv.Patience)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", s.ns, name}, args...)...)
	cmd.Env, cmd.Dir = s.env, dir
	var files [2]*os.File
	for i := range files {
		f, err := os.CreateTemp(s.dir, "out-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(f.Name())
		defer f.Close()
		files[i] = f
	}
	cmd.Stdout, cmd.Stderr = files[0], files[1]
	start := time.Now()
	err := cmd.Run()
	t.Logf("%s %s: %v", filepath.Base(name), strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	if err != nil {
		ee, isExit := err.(*exec.ExitError)
		if !isExit || ctx.Err() != nil {
			t.Fatalf("running %v: %v", cmd.Args, err)
		}
		code = ee.ExitCode()
	}
	var out [2][]byte
	for i, f := range files {
		var err error
		if out[i], err = os.ReadFile(f.Name()); err != nil {
			t.Fatal(err)
		}
	}
	return string(out[0]), string(out[1]), code
}

// ok is run for a command that must succeed and print nothing on stderr;
// it returns the standard output.
func (s *session) ok(t *testing.T, name string, args ...string) string {
	t.Helper()
	stdout, stderr, code := s.run(t, name, args...)
	if code != 0 {
		t.Fatalf("%s %v: exit %d\nstdout:\n%s\nstderr:\n%s", name, args, code, stdout, stderr)
	}
	if name != "wine" && stderr != "" {
		// wineboot's own chatter (a missing 32-bit rundll32 on a
		// 64-bit-only wine) is no failure; our programs' stderr is.
		t.Errorf("%s %v wrote to stderr:\n%s", name, args, stderr)
	}
	return stdout
}

// stop ends the session: wineserver -k has the server kill every process
// of the session and waits until the server has exited. Whatever is still
// in the namespace then is ours (no one else starts processes there): it
// is killed by PID and waited for, so that the namespace can go.
func (s *session) stop(t *testing.T) {
	t.Helper()
	if _, stderr, code := s.run(t, "wineserver", "-k"); code != 0 {
		t.Errorf("wineserver -k: exit %d: %s", code, stderr)
	}
	var left []int
	if !testenv.Poll(func() bool {
		left = nsProcesses(t, s.ns)
		for _, pid := range left {
			killInNetns(t, pid, s.ns)
		}
		return len(left) == 0
	}) {
		t.Errorf("processes %v still in namespace %s after %v", left, s.ns, testenv.Patience)
	}
}

// nsProcesses lists the live processes in the named namespace. A zombie
// has no namespace any more and is not listed.
func nsProcesses(t *testing.T, ns string) []int {
	t.Helper()
	var pids []int
	for _, f := range strings.Fields(testenv.Run(t, "ip", "netns", "pids", ns)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("ip netns pids %s: %q is no PID", ns, f)
		}
		pids = append(pids, pid)
	}
	return pids
}

// killInNetns kills pid if it is still a process in namespace ns: through
// a pidfd, checked after it was opened, so a PID that a process elsewhere
// got in the meantime is never signalled.
func killInNetns(t *testing.T, pid int, ns string) {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return // gone already
	}
	defer unix.Close(fd)
	var want, got unix.Stat_t
	if unix.Stat("/run/netns/"+ns, &want) != nil || unix.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &got) != nil ||
		want.Dev != got.Dev || want.Ino != got.Ino {
		return
	}
	if err := unix.PidfdSendSignal(fd, syscall.SIGKILL, nil, 0); err != nil && err != unix.ESRCH {
		t.Errorf("killing %d: %v", pid, err)
	}
}

// testWineNetstat checks the mechanics without gonetstat: wine's own
// netstat, in the session, sees the namespace's sockets and no other. It
// shows only IPv4 TCP connections (not listeners) and IPv4 UDP, as wine
// 8's netstat does: those of ours must all be there.
func testWineNetstat(t *testing.T, s *session, socks []known) {
	stdout := s.ok(t, "wine", "netstat", "-an")
	got := map[string]bool{}
	for _, l := range strings.Split(strings.ReplaceAll(stdout, "\r\n", "\n"), "\n") {
		if f := strings.Fields(l); len(f) >= 3 && (f[0] == "TCP" || f[0] == "UDP") {
			got[strings.Join(f, " ")] = true
		}
	}
	ours := map[string]bool{}
	var want []string
	for _, k := range socks {
		f := strings.Fields(netstatRow(k, ""))
		key := strings.Join(f, " ")
		ours[key] = true
		if k.local.Addr().Is4() && k.state != "LISTENING" {
			want = append(want, key)
		}
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("wine netstat -an lacks %q", w)
		}
	}
	for g := range got {
		if !ours[g] {
			t.Errorf("wine netstat -an shows %q, not one of the namespace's sockets", g)
		}
	}
	if t.Failed() {
		t.Logf("wine netstat -an:\n%s", stdout)
	}
}

// netstatRow is one row as Windows netstat prints it (see
// ../shared/reference/README.md): printf("  %-5s  %-21s  %-21s  %-15s
// %s") with trailing spaces trimmed; a field longer than its column shifts
// the later ones.
func netstatRow(k known, pid string) string {
	foreign := "*:*"
	if k.proto == "TCP" {
		foreign = k.remote.String()
	}
	return strings.TrimRight(fmt.Sprintf("  %-5s  %-21s  %-21s  %-15s %s", k.proto, k.local, foreign, k.state, pid), " ")
}

// wantAno is the whole -ano output for socks, CRLF everywhere: a blank
// line, the title, a blank line, the header, then the rows in Windows'
// order: TCP v4, TCP v6, UDP v4, UDP v6, each by local then foreign
// address and port, numerically. Wine reports PID 0 for every socket (it
// knows the owners of wine processes' sockets only), so every row's PID
// is 0; the Windows collector's PIDs are checked by its fixture tests.
func wantAno(socks []known) string {
	rank := func(k known) int {
		r := 0
		if k.proto == "UDP" {
			r = 2
		}
		if k.local.Addr().Is6() {
			r++
		}
		return r
	}
	sorted := slices.Clone(socks)
	slices.SortFunc(sorted, func(a, b known) int {
		if c := rank(a) - rank(b); c != 0 {
			return c
		}
		if c := a.local.Compare(b.local); c != 0 {
			return c
		}
		return a.remote.Compare(b.remote)
	})
	var b strings.Builder
	b.WriteString("\r\nActive Connections\r\n\r\n")
	b.WriteString(strings.TrimRight(fmt.Sprintf("  %-5s  %-21s  %-21s  %-15s %s", "Proto", "Local Address", "Foreign Address", "State", "PID"), " ") + "\r\n")
	for _, k := range sorted {
		b.WriteString(netstatRow(k, "0") + "\r\n")
	}
	return b.String()
}

func testAno(t *testing.T, s *session, exe string, socks []known) {
	got := s.ok(t, exe, "-ano")
	want := wantAno(socks)
	if got != want {
		t.Errorf("gonetstat.exe -ano under wine (-want +got):\n%s", cmp.Diff(strings.SplitAfter(want, "\n"), strings.SplitAfter(got, "\n")))
	}
	t.Logf("gonetstat.exe -ano under wine:\n%s", got)
}

// testJSON reads --json back with the strict decoder of the schema: a
// valid gonetstat.sockets/v1 document whose rows are exactly the
// namespace's sockets, each with PID 0 (see wantAno).
func testJSON(t *testing.T, s *session, exe string, socks []known) {
	out := s.ok(t, exe, "-ano", "--json")
	env, err := codec.DecodeSockets([]byte(out))
	if err != nil {
		t.Fatalf("--json is not a valid %s document: %v\n%s", codec.SocketsSchema, err, out)
	}
	type row struct {
		Proto         string
		Local, Remote string
		State         string
		PID           int
	}
	var want, got []row
	for _, k := range socks {
		r := row{Proto: k.proto, Local: k.local.String(), State: k.state, PID: 0}
		if k.proto == "TCP" {
			r.Remote = k.remote.String()
		}
		want = append(want, r)
	}
	for _, so := range env.Sockets {
		r := row{Proto: strings.ToUpper(so.Proto.String()), Local: so.Local.String(), PID: -1}
		if so.Proto == collect.ProtoTCP {
			r.Remote, r.State = so.Remote.String(), so.State.WindowsName()
		}
		if so.Owner != nil {
			r.PID = so.Owner.PID
		}
		got = append(got, r)
	}
	less := func(a, b row) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) }
	slices.SortFunc(want, less)
	slices.SortFunc(got, less)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("--json rows (-want +got):\n%s", diff)
	}
}

// crlf checks that every line of out ends in CRLF, as Windows netstat's do.
func crlf(t *testing.T, what, out string) {
	t.Helper()
	if out == "" || !strings.HasSuffix(out, "\r\n") {
		t.Errorf("%s does not end in CRLF: %q", what, out[max(0, len(out)-40):])
	}
	for i, l := range strings.SplitAfter(out, "\n") {
		if l != "" && !strings.HasSuffix(l, "\r\n") {
			t.Errorf("%s line %d has no CR: %q", what, i+1, l)
		}
	}
}

// field returns the value of the "  Label   = N" row of a -s section.
func field(t *testing.T, out, section, label string) string {
	t.Helper()
	_, after, ok := strings.Cut(out, section+"\r\n")
	if !ok {
		t.Fatalf("-s has no section %q:\n%s", section, out)
	}
	for _, l := range strings.Split(after, "\r\n") {
		if name, val, ok := strings.Cut(l, "="); ok && strings.TrimSpace(name) == label {
			return strings.TrimSpace(val)
		}
	}
	t.Fatalf("-s section %q has no %q row:\n%s", section, label, out)
	return ""
}

// testStats runs -s: every section is there, CRLF, and TCP's Current
// Connections counts the namespace's ESTABLISHED sockets. gonetstat.exe
// adds GetTcpStatisticsEx of IPv4 and of IPv6, which Windows keeps apart;
// wine answers both with the namespace's one Linux TCP MIB (its CurrEstab,
// in /proc/net/snmp, counts the connections of both families), so under
// wine each connection is counted twice.
func testStats(t *testing.T, s *session, exe string, socks []known) {
	out := s.ok(t, exe, "-s")
	crlf(t, "-s", out)
	for _, section := range []string{"IPv4 Statistics", "IPv6 Statistics", "ICMPv4 Statistics", "ICMPv6 Statistics", "UDP Statistics for IPv4", "UDP Statistics for IPv6"} {
		if !strings.Contains(out, "\r\n"+section+"\r\n") {
			t.Errorf("-s has no %q section", section)
		}
	}
	established := 0
	for _, k := range socks {
		if k.state == "ESTABLISHED" {
			established++
		}
	}
	if got := field(t, out, tcpSection(t, out), "Current Connections"); got != strconv.Itoa(2*established) {
		t.Errorf("-s: TCP Current Connections = %s, want %d (the namespace's %d ESTABLISHED sockets, once per family)", got, 2*established, established)
	}
	if t.Failed() {
		t.Logf("gonetstat.exe -s:\n%s", out)
	}
}

// tcpSection is the title of -s's TCP section.
func tcpSection(t *testing.T, out string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\r\n") {
		if strings.HasPrefix(l, "TCP Statistics for IPv4") {
			return l
		}
	}
	t.Fatalf("-s has no TCP section:\n%s", out)
	return ""
}

// testRoutes runs -r: the namespace's routes are there, the prefix route
// of nsAddr on-link and the default route through nsGateway. Wine 8 does
// not implement GetIpInterfaceTable (ERROR_NOT_SUPPORTED; nor does it
// export GetIpInterfaceEntry), so the Metric column can only be the
// routes' own (0 here, as Linux has them) and gonetstat.exe says the
// table is incomplete and exits 1, as for any part it cannot read.
func testRoutes(t *testing.T, s *session, exe string) {
	out, stderr, code := s.run(t, exe, "-r")
	if code != 1 || strings.Count(stderr, "\n") != 1 ||
		!strings.HasPrefix(stderr, "gonetstat: -r: incomplete routing table: ") || !strings.Contains(stderr, "(GetIpInterfaceTable: ") {
		t.Errorf("-r under wine: exit %d, stderr %q; want exit 1 and the one warning that GetIpInterfaceTable failed", code, stderr)
	}
	crlf(t, "-r", out)
	want := map[string][]string{
		"prefix route":  {"198.18.0.0", "255.255.255.0", "On-link", nsAddr.Addr().String(), "0"},
		"default route": {"0.0.0.0", "0.0.0.0", nsGateway, nsAddr.Addr().String(), "0"},
	}
	for what, fields := range want {
		found := false
		for _, l := range strings.Split(out, "\r\n") {
			if slices.Equal(strings.Fields(l), fields) {
				found = true
			}
		}
		if !found {
			t.Errorf("-r has no %s row %q", what, fields)
		}
	}
	if !strings.Contains(out, "\r\nIPv4 Route Table\r\n") || !strings.Contains(out, "\r\nIPv6 Route Table\r\n") {
		t.Errorf("-r lacks the IPv4 or IPv6 route table")
	}
	if t.Failed() {
		t.Logf("gonetstat.exe -r:\n%s", out)
	}
}

// testInterfaces runs -e: the Interface Statistics block, CRLF, with the
// Bytes row holding two counts.
func testInterfaces(t *testing.T, s *session, exe string) {
	out := s.ok(t, exe, "-e")
	crlf(t, "-e", out)
	if !strings.HasPrefix(out, "Interface Statistics\r\n") {
		t.Errorf("-e does not begin with Interface Statistics")
	}
	var bytes []string
	for _, l := range strings.Split(out, "\r\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "Bytes" {
			bytes = f[1:]
		}
	}
	for _, b := range bytes {
		if _, err := strconv.ParseUint(b, 10, 64); err != nil {
			t.Errorf("-e Bytes row holds %q, not a count", b)
		}
	}
	if len(bytes) != 2 {
		t.Errorf("-e has no Bytes row with a received and a sent count")
	}
	if t.Failed() {
		t.Logf("gonetstat.exe -e:\n%s", out)
	}
}

// testIphlpapiTests runs the Windows collector's own test binary under
// wine, in the session: its fixture and fuzz-seed tests, and the live
// tests that only a Windows build has (live_windows_test.go: the sockets
// it opens listed by the collector, and every report read). It runs in the
// package's directory, where its testdata is.
func testIphlpapiTests(t *testing.T, s *session, dir string) {
	const pkg = "github.com/gonetstat/gonetstat/platform/iphlpapi"
	bin := goWindows(t, filepath.Join(dir, "iphlpapi.test.exe"), "test", pkg)
	pkgDir, err := filepath.Abs("../../../platform/iphlpapi")
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, code := s.runIn(t, pkgDir, bin, "-test.v", "-test.count=1")
	if code != 0 {
		t.Fatalf("%s under wine: exit %d\nstdout:\n%s\nstderr:\n%s", filepath.Base(bin), code, out, stderr)
	}
	for _, live := range []string{"TestIntegrationLiveSockets", "TestIntegrationLiveReports"} {
		if !strings.Contains(out, "--- PASS: "+live+" ") {
			t.Errorf("%s did not pass under wine:\n%s", live, out)
		}
	}
}
