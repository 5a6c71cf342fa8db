// capture_linux_test.go records real netlink replies into testdata/ when
// run with -capture, and holds the live test of the Collector.

package sockdiag

import (
	"context"
	"flag"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
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
		check(ts.SetReadDeadline(time.Now().Add(5 * time.Second)))
		if _, err := ts.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("reading the closed pair: %v, want EOF", err)
		}
		check(ts.Close())

		u, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
		check(err)
		t.Cleanup(func() { u.Close() })
		fx = append(fx, fixture{collect.ProtoUDP, collect.StateClose, addrPort(u.LocalAddr()), unspec, testenv.Inode(t, u.(*net.UDPConn))})
	}
	// The accepted side's FIN reaches the client in softirq context, after
	// ts.Close returns; on loopback that takes microseconds, so 50 ms is
	// ample for the client's side to reach TIME_WAIT.
	time.Sleep(50 * time.Millisecond)
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
	buf := make([]byte, recvBufSize)
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

func TestCapture(t *testing.T) {
	if !*capture {
		t.Skip("run with -capture to rewrite testdata")
	}
	fixtureSockets(t)
	for name, fp := range map[string][2]uint8{"tcp4.bin": {2, 6}, "tcp6.bin": {10, 6}, "udp4.bin": {2, 17}, "udp6.bin": {10, 17}} {
		if err := os.WriteFile("testdata/"+name, rawDump(t, fp[0], fp[1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
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
			if s.TCP == nil || s.TCP.RTT <= 0 || s.TCP.SndCwnd == 0 || s.TCP.BytesAcked == 0 || s.TCP.SndMSS == 0 || s.TCP.Timer != collect.TimerKeepalive {
				t.Errorf("%v: tcp_info %+v, want rtt, cwnd, mss, bytes acked and Go's keepalive timer", f.local, s.TCP)
			}
		case f.state == collect.StateTimeWait:
			if s.TCP == nil || s.TCP.Timer != collect.TimerTimeWait || s.TCP.TimerExpires <= 0 || s.TCP.TimerExpires > time.Minute {
				t.Errorf("%v: TIME_WAIT internals %+v, want the timewait timer within 60 s", f.local, s.TCP)
			}
		}
	}
	crossCheckSS(t, socks, fx)
}

// crossCheckSS compares our rows for the fixture with what iproute2's ss,
// a sock_diag decoder nobody here wrote, says about the same sockets.
func crossCheckSS(t *testing.T, socks []collect.Socket, fx []fixture) {
	ssPath, err := exec.LookPath("ss")
	if err != nil {
		t.Log("no ss to cross-check against")
		return
	}
	out, err := exec.Command(ssPath, "-tuanHe").Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	// ss -e prints "sk:<cookie in hex>": key its lines by cookie.
	byCookie := map[string][]string{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		for _, w := range f {
			if c, ok := strings.CutPrefix(w, "sk:"); ok {
				byCookie[c] = f
			}
		}
	}
	names := map[collect.State]string{collect.StateListen: "LISTEN", collect.StateEstablished: "ESTAB", collect.StateTimeWait: "TIME-WAIT", collect.StateClose: "UNCONN"}
	for _, fxt := range fx {
		s, ok := find(socks, fxt)
		if !ok {
			continue // reported above
		}
		f := byCookie[strconv.FormatUint(s.Cookie, 16)]
		if len(f) < 6 {
			t.Errorf("ss has no socket with cookie %x (%v)", s.Cookie, s.Local)
			continue
		}
		peer := strings.Replace(f[5], ":*", ":0", 1)
		got := []string{f[0], f[1], f[2], f[3], f[4], peer}
		want := []string{s.Proto.String(), names[s.State], strconv.Itoa(int(s.RecvQ)), strconv.Itoa(int(s.SendQ)), s.Local.String(), s.Remote.String()}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("cookie %x: ours (-) vs ss (+):\n%s", s.Cookie, diff)
		}
		if !slices.Contains(f, "ino:"+strconv.FormatUint(s.Inode, 10)) {
			t.Errorf("cookie %x: ss line %q lacks our inode %d", s.Cookie, f, s.Inode)
		}
	}
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
