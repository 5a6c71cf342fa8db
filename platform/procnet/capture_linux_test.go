// capture_linux_test.go rewrites testdata/{tcp,tcp6,udp,udp6} from this
// kernel: go test -run TestCaptureTestdata -capture ./platform/procnet/
// It opens sockets in every state it can make on loopback, copies the rows
// of /proc/net that involve them, and closes them. The expectations in
// parse_test.go are then written by hand from the new files, and the
// copies derived from them refreshed: testdata/root/net (see its README)
// and the captured_* seeds in testdata/fuzz/FuzzParse.

package procnet

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/internal/testenv"
)

var capture = flag.Bool("capture", false, "rewrite testdata/{tcp,tcp6,udp,udp6} from this kernel's /proc/net")

func TestCaptureTestdata(t *testing.T) {
	if !*capture {
		t.Skip("run with -capture to rewrite the captured tables")
	}
	ports := map[uint16]bool{}
	addPort := func(a net.Addr) {
		switch a := a.(type) {
		case *net.TCPAddr:
			ports[uint16(a.Port)] = true
		case *net.UDPAddr:
			ports[uint16(a.Port)] = true
		}
	}
	var closers []io.Closer
	t.Cleanup(func() {
		for _, c := range closers {
			c.Close()
		}
	})
	keep := func(c io.Closer) { closers = append(closers, c) }
	// closing is a socket whose close ends in the kernel after Close
	// returns, and the state (tcp_states.h) it must reach first.
	type closing struct {
		c     *net.TCPConn
		state int
	}
	const tcpFinWait2 = 5
	var settle []closing

	for _, host := range []string{"127.0.0.1", "::1"} {
		// A listener with a TCP Fast Open queue: get_tcp4_sock prints its
		// limit (5) where other sockets have ssthresh.
		lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, 23 /* TCP_FASTOPEN */, 5)
			})
			return errors.Join(err, serr)
		}}
		ln, err := lc.Listen(context.Background(), "tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			t.Fatal(err)
		}
		keep(ln)
		addPort(ln.Addr())
		lnAddr := ln.Addr().String()
		dial := func(d *net.Dialer) (*net.TCPConn, *net.TCPConn) {
			c, err := d.Dial("tcp", lnAddr)
			if err != nil {
				t.Fatal(err)
			}
			s, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			keep(c)
			keep(s)
			return c.(*net.TCPConn), s.(*net.TCPConn)
		}

		// ESTABLISHED with a keepalive timer and 100 unread bytes.
		c, s := dial(&net.Dialer{KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 600 * time.Second, Interval: 60 * time.Second, Count: 3}})
		if _, err := s.Write(make([]byte, 100)); err != nil {
			t.Fatal(err)
		}
		_ = c

		// TIME_WAIT: the client closes first, then the server.
		c, s = dial(&net.Dialer{KeepAlive: -1})
		c.Close()
		s.SetReadDeadline(time.Now().Add(testenv.Patience))
		if _, err := s.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("waiting for FIN: %v", err)
		}
		s.Close()
		settle = append(settle, closing{c, testenv.TCPTimeWait})

		// FIN_WAIT2 (orphaned, so in its timewait form) and CLOSE_WAIT: the
		// client closes, the server does not.
		c, s = dial(&net.Dialer{KeepAlive: -1})
		c.Close()
		s.SetReadDeadline(time.Now().Add(testenv.Patience))
		if _, err := s.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("waiting for FIN: %v", err)
		}
		settle = append(settle, closing{c, tcpFinWait2})

		// A full send queue against a closed window: the reader has a tiny
		// receive buffer and never reads. The loop is bounded in bytes and
		// time.
		small := &net.Dialer{KeepAlive: -1, Control: func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		}}
		_, s = dial(small)
		s.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		chunk := make([]byte, 64<<10)
		for sent := 0; sent < 64<<20; sent += len(chunk) {
			if _, err := s.Write(chunk); err != nil {
				break
			}
		}

		// A connection the listener never accepts: its rx_queue counts it.
		pending, err := net.Dial("tcp", lnAddr)
		if err != nil {
			t.Fatal(err)
		}
		keep(pending)

		// UDP: one unconnected socket holding three unread datagrams from a
		// connected one.
		u, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
		if err != nil {
			t.Fatal(err)
		}
		keep(u)
		addPort(u.LocalAddr())
		uc, err := net.Dial("udp", u.LocalAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		keep(uc)
		for range 3 {
			if _, err := uc.Write([]byte("hello")); err != nil {
				t.Fatal(err)
			}
		}
	}

	// An IPv4 peer of a dual-stack listener: tcp6 shows it IPv4-mapped.
	dual, err := net.Listen("tcp", "[::]:0")
	if err != nil {
		t.Fatal(err)
	}
	keep(dual)
	addPort(dual.Addr())
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(dual.Addr().(*net.TCPAddr).Port)))
	if err != nil {
		t.Fatal(err)
	}
	keep(c)
	s, err := dual.Accept()
	if err != nil {
		t.Fatal(err)
	}
	keep(s)

	// The closes above end in softirq context, after Close returns: wait
	// until the kernel lists each in the state the capture is for.
	for _, cl := range settle {
		testenv.WaitTCPState(t, uint16(cl.c.LocalAddr().(*net.TCPAddr).Port), uint16(cl.c.RemoteAddr().(*net.TCPAddr).Port), cl.state)
	}
	for _, name := range []string{"tcp", "tcp6", "udp", "udp6"} {
		data, err := os.ReadFile("/proc/net/" + name)
		if err != nil {
			t.Fatal(err)
		}
		kept, n := filterRows(t, data, name, ports)
		if err := os.WriteFile("testdata/"+name, kept, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("testdata/%s: %d rows", name, n)
	}
}

// filterRows keeps the header and the rows whose local or remote port is
// one of ports, unchanged byte for byte.
func filterRows(t *testing.T, data []byte, name string, ports map[uint16]bool) ([]byte, int) {
	var out bytes.Buffer
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for first := true; sc.Scan(); first = false {
		line := sc.Bytes()
		f := fields(line)
		if first {
			out.Write(line)
			out.WriteByte('\n')
			continue
		}
		local, remote := f.get(line, fLocal), f.get(line, fRemote)
		lp, ok1 := parseUint(local[bytes.IndexByte(local, ':')+1:], 16, 16)
		rp, ok2 := parseUint(remote[bytes.IndexByte(remote, ':')+1:], 16, 16)
		if !ok1 || !ok2 {
			t.Fatalf("%s: cannot read ports of %q", name, line)
		}
		if ports[uint16(lp)] || ports[uint16(rp)] {
			out.Write(line)
			out.WriteByte('\n')
			n++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(fmt.Errorf("%s: %w", name, err))
	}
	return out.Bytes(), n
}
