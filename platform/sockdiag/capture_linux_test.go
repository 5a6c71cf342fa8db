// capture_linux_test.go records real netlink replies into testdata/ when
// run with -capture, and holds the live test of the Collector.

package sockdiag

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/platform/nlmsg"
)

var capture = flag.Bool("capture", false, "rewrite testdata/*.bin from live dumps of sockets the test opens")

// fixture is one socket the test opened and expects to find.
type fixture struct {
	proto         collect.Proto
	state         collect.State
	local, remote netip.AddrPort
	inode         uint64 // 0 for the TIME_WAIT socket, which no file refers to
}

func addrPort(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.AddrPort()
	case *net.UDPAddr:
		return a.AddrPort()
	}
	panic("unexpected address type")
}

// fixtureSockets opens on 127.0.0.1 and ::1 a listener, an established pair
// that exchanged data, a pair whose client closed first (its side stays in
// TIME_WAIT) and a UDP socket.
func fixtureSockets(t *testing.T) []fixture {
	t.Helper()
	var fx []fixture
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, host := range []string{"127.0.0.1", "::1"} {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		check(err)
		t.Cleanup(func() { ln.Close() })
		// A listener's and an unconnected socket's remote end is the
		// family's unspecified address, port 0.
		unspec := netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
		if host == "::1" {
			unspec = netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
		}
		fx = append(fx, fixture{collect.ProtoTCP, collect.StateListen, addrPort(ln.Addr()), unspec, testenv.Inode(t, ln.(*net.TCPListener))})

		c, err := net.Dial("tcp", ln.Addr().String())
		check(err)
		s, err := ln.Accept()
		check(err)
		t.Cleanup(func() { c.Close(); s.Close() })
		_, err = c.Write([]byte("ping"))
		check(err)
		_, err = io.ReadFull(s, make([]byte, 4))
		check(err)
		_, err = s.Write([]byte("pong"))
		check(err)
		_, err = io.ReadFull(c, make([]byte, 4))
		check(err)
		fx = append(fx,
			fixture{collect.ProtoTCP, collect.StateEstablished, addrPort(c.LocalAddr()), addrPort(c.RemoteAddr()), testenv.Inode(t, c.(*net.TCPConn))},
			fixture{collect.ProtoTCP, collect.StateEstablished, addrPort(s.LocalAddr()), addrPort(s.RemoteAddr()), testenv.Inode(t, s.(*net.TCPConn))})

		tc, err := net.Dial("tcp", ln.Addr().String())
		check(err)
		ts, err := ln.Accept()
		check(err)
		fx = append(fx, fixture{collect.ProtoTCP, collect.StateTimeWait, addrPort(tc.LocalAddr()), addrPort(tc.RemoteAddr()), 0})
		check(tc.Close())
		check(ts.SetReadDeadline(time.Now().Add(testenv.Patience)))
		if _, err := ts.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("reading the closed pair: %v, want EOF", err)
		}
		check(ts.Close())
		// The accepted side's FIN reaches the client in softirq context,
		// after ts.Close returns: wait until the kernel lists the client
		// in TIME_WAIT.
		testenv.WaitTCPState(t, addrPort(tc.LocalAddr()).Port(), addrPort(tc.RemoteAddr()).Port(), testenv.TCPTimeWait)

		u, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
		check(err)
		t.Cleanup(func() { u.Close() })
		fx = append(fx, fixture{collect.ProtoUDP, collect.StateClose, addrPort(u.LocalAddr()), unspec, testenv.Inode(t, u.(*net.UDPConn))})
	}
	return fx
}

// rawDump returns the concatenated reply buffers of one dump.
func rawDump(t *testing.T, fam, proto uint8) []byte {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	var ext uint8
	if proto == 6 {
		ext = ExtInfo
	}
	if err := unix.Sendto(fd, Request(fam, proto, AllStates, ext, 1), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		t.Fatal(err)
	}
	var all []byte
	buf := make([]byte, nlmsg.RecvBufSize)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, buf[:n]...)
		d := Decoder{Proto: proto}
		if _, done, _, _ := d.Decode(buf[:n], nil); done {
			return all
		}
	}
}

// TestCapture rewrites testdata/{tcp,udp}{4,6}.bin with the kernel's
// replies about the fixture sockets, and testdata/ss.txt with what ss said
// about them right after: the independent reading TestDecodeCaptured
// checks the decoder against. Other sockets of the machine (other tests,
// daemons) are left out, so the files hold only rows whose values the test
// knows; each kept message is byte for byte what the kernel sent.
func TestCapture(t *testing.T) {
	if !*capture {
		t.Skip("run with -capture to rewrite testdata")
	}
	fx := fixtureSockets(t)
	ports := map[uint16]bool{}
	for _, f := range fx {
		ports[f.local.Port()] = true
	}
	cookies := map[string]bool{}
	for _, c := range captures {
		fam := uint8(2)
		if strings.Contains(c.file, "6") {
			fam = 10
		}
		raw := keepPorts(t, rawDump(t, fam, c.proto), ports)
		d := Decoder{Proto: c.proto}
		socks, done, _, err := d.Decode(raw, nil)
		if err != nil || !done {
			t.Fatalf("%s: done=%v err=%v", c.file, done, err)
		}
		for _, s := range socks {
			cookies[strconv.FormatUint(s.Cookie, 16)] = true
		}
		if err := os.WriteFile("testdata/"+c.file, raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := runSS()
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	keep := false
	for _, line := range strings.Split(out, "\n") {
		if line != "" && line[0] != '\t' && line[0] != ' ' {
			keep = false
			for _, w := range strings.Fields(line) {
				if c, ok := strings.CutPrefix(w, "sk:"); ok && cookies[c] {
					keep = true
				}
			}
		}
		if keep {
			kept = append(kept, strings.TrimRight(line, " "))
		}
	}
	if err := os.WriteFile("testdata/ss.txt", []byte(strings.Join(kept, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// keepPorts returns the messages of a dump whose local or remote port is
// one of ports, and its NLMSG_DONE.
func keepPorts(t *testing.T, raw []byte, ports map[uint16]bool) []byte {
	var out []byte
	for len(raw) >= nlmsg.HdrLen {
		n := int(native.Uint32(raw))
		if n < nlmsg.HdrLen || n > len(raw) {
			t.Fatalf("captured framing broken at %d bytes", n)
		}
		m := raw[:n]
		if a := (n + 3) &^ 3; a <= len(raw) {
			m, raw = raw[:a], raw[a:]
		} else {
			raw = raw[len(raw):]
		}
		switch native.Uint16(m[4:]) {
		case nlmsg.Done:
			out = append(out, m...)
		case sockDiagByFamily:
			body := m[nlmsg.HdrLen:]
			if len(body) >= diagMsgLen && (ports[binary.BigEndian.Uint16(body[offSport:])] || ports[binary.BigEndian.Uint16(body[offDport:])]) {
				out = append(out, m...)
			}
		}
	}
	return out
}

// find returns the row of a fixture: by inode, or for TIME_WAIT by its
// addresses.
func find(socks []collect.Socket, f fixture) (collect.Socket, bool) {
	for _, s := range socks {
		if s.Proto != f.proto {
			continue
		}
		if f.inode != 0 && s.Inode == f.inode || f.inode == 0 && s.Local == f.local && s.Remote == f.remote && s.State == f.state {
			return s, true
		}
	}
	return collect.Socket{}, false
}

func TestLiveCollector(t *testing.T) {
	fx := fixtureSockets(t)
	socks, err := (&Collector{}).Collect(context.Background(), collect.Query{TCPInfo: true})
	if err != nil {
		t.Fatal(err)
	}
	uid := uint32(os.Geteuid())
	for _, f := range fx {
		s, ok := find(socks, f)
		if !ok {
			t.Errorf("%v %v %v -> %v (inode %d) not in the dump", f.proto, f.state, f.local, f.remote, f.inode)
			continue
		}
		got := fixture{s.Proto, s.State, s.Local, s.Remote, s.Inode}
		if diff := cmp.Diff(f, got, cmp.AllowUnexported(fixture{}), cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
			t.Errorf("row (-want +got):\n%s", diff)
		}
		// A TIME_WAIT socket has no owner: the kernel's uid 0 is absent.
		wantUID, wantHas := uid, f.state != collect.StateTimeWait
		if !wantHas {
			wantUID = 0
		}
		if s.HasUID != wantHas || s.UID != wantUID || s.Cookie == 0 || s.Source != collect.Kernel {
			t.Errorf("%v %v: uid %d/%v cookie %#x source %v, want uid %d/%v, a cookie, the kernel", f.state, f.local, s.UID, s.HasUID, s.Cookie, s.Source, wantUID, wantHas)
		}
		switch {
		case f.proto == collect.ProtoUDP:
			if s.TCP != nil {
				t.Errorf("%v: UDP row with TCP internals %+v", f.local, s.TCP)
			}
		case f.state == collect.StateEstablished:
			if s.TCP == nil || s.TCP.RTT == 0 || s.TCP.SndCwnd == 0 || s.TCP.BytesAcked == 0 || s.TCP.SndMSS == 0 || s.TCP.Timer != collect.TimerKeepalive {
				t.Errorf("%v: tcp_info %+v, want rtt, cwnd, mss, bytes acked and Go's keepalive timer", f.local, s.TCP)
			}
		case f.state == collect.StateTimeWait:
			if s.TCP == nil || s.TCP.Timer != collect.TimerTimeWait || s.TCP.TimerExpires == 0 || s.TCP.TimerExpires.Duration() > time.Minute {
				t.Errorf("%v: TIME_WAIT internals %+v, want the timewait timer within 60 s", f.local, s.TCP)
			}
		}
	}
	crossCheckSS(t, socks, fx)
}

// crossCheckSS compares our rows for the fixture with what ss says about
// the same sockets, and requires tcp_info to have been compared for the
// established ones.
func crossCheckSS(t *testing.T, socks []collect.Socket, fx []fixture) {
	_, err := exec.LookPath("ss")
	testenv.SkipWithout(t, err == nil, "ss (iproute2) to cross-check the rows against")
	out, err := runSS()
	if err != nil {
		t.Fatal(err)
	}
	rows := parseSS(out)
	for _, f := range fx {
		s, ok := find(socks, f)
		if !ok {
			continue // reported above
		}
		if n := compareSS(t, rows, s); n == 0 && f.state == collect.StateEstablished {
			t.Errorf("%v: ss printed no tcp_info to compare with", f.local)
		}
	}
}

// runSS runs ss with the options compareSS reads.
func runSS() (string, error) {
	path, err := exec.LookPath("ss")
	if err != nil {
		return "", fmt.Errorf("no ss to cross-check against: %w", err)
	}
	out, err := exec.Command(path, "-tuanHeio").Output()
	if err != nil {
		return "", fmt.Errorf("ss: %w", err)
	}
	return string(out), nil
}

// TestLiveOtherUID checks the UID of a socket another user owns: a
// listener created by a thread whose fsuid is nobody's (65534), which is
// how the kernel picks a socket's owner (sock_alloc takes current_fsuid).
// Every other live socket is root's, whose UID 0 a decoder reading the
// wrong field could match by luck.
func TestLiveOtherUID(t *testing.T) {
	testenv.SkipUnlessRoot(t)
	const nobody = 65534
	type made struct {
		fd  int
		err error
	}
	ch := make(chan made, 1)
	go func() {
		// The thread is never unlocked, so it exits with this goroutine
		// and its changed fsuid is never used by anything else.
		runtime.LockOSThread()
		unix.Setfsuid(nobody)
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		ch <- made{fd, err}
	}()
	m := <-ch
	if m.err != nil {
		t.Fatal(m.err)
	}
	t.Cleanup(func() { unix.Close(m.fd) })
	var st unix.Stat_t
	if err := unix.Fstat(m.fd, &st); err != nil {
		t.Fatal(err)
	}
	if st.Uid != nobody {
		t.Fatalf("the socket's inode belongs to uid %d, want %d: setfsuid did not take", st.Uid, nobody)
	}
	if err := unix.Bind(m.fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(m.fd, 1); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(m.fd)
	if err != nil {
		t.Fatal(err)
	}
	port := uint16(sa.(*unix.SockaddrInet4).Port)
	socks, err := (&Collector{}).Collect(context.Background(), collect.Query{Kinds: collect.TCP4})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Local  netip.AddrPort
		State  collect.State
		UID    uint32
		HasUID bool
	}
	want := row{netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), port), collect.StateListen, nobody, true}
	for _, s := range socks {
		if s.Inode == st.Ino {
			if diff := cmp.Diff(want, row{s.Local, s.State, s.UID, s.HasUID}, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			return
		}
	}
	t.Errorf("no row with inode %d (%v)", st.Ino, want.Local)
}

func TestLiveCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&Collector{}).Collect(ctx, collect.Query{}); err == nil {
		t.Error("a cancelled context gave no error")
	}
}
