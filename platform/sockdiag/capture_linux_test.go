// capture_linux_test.go records real netlink replies into testdata/ when
// run with -capture, and holds the live test of the Collector.

package sockdiag

import (
	"context"
	"flag"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
)

var capture = flag.Bool("capture", false, "rewrite testdata/*.bin from live dumps of sockets the test opens")

// fixtureSockets opens on 127.0.0.1 and ::1 a listener, an established pair
// that exchanged data, a pair in TIME_WAIT and a UDP socket, and returns
// the inodes of the ones a file refers to.
func fixtureSockets(t *testing.T) map[uint64]collect.State {
	t.Helper()
	inodes := map[uint64]collect.State{}
	for _, host := range []string{"127.0.0.1", "::1"} {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		inodes[testenv.Inode(t, ln.(*net.TCPListener))] = collect.StateListen
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		s, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(); s.Close() })
		c.Write([]byte("ping"))
		io.ReadFull(s, make([]byte, 4))
		s.Write([]byte("pong"))
		io.ReadFull(c, make([]byte, 4))
		inodes[testenv.Inode(t, c.(*net.TCPConn))] = collect.StateEstablished
		inodes[testenv.Inode(t, s.(*net.TCPConn))] = collect.StateEstablished

		tc, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		ts, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		tc.Close()
		ts.SetReadDeadline(time.Now().Add(5 * time.Second))
		ts.Read(make([]byte, 1))
		ts.Close()

		u, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { u.Close() })
		inodes[testenv.Inode(t, u.(*net.UDPConn))] = collect.StateClose
	}
	time.Sleep(50 * time.Millisecond) // let the TIME_WAIT pair settle
	return inodes
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

func TestLiveCollector(t *testing.T) {
	want := fixtureSockets(t)
	socks, err := (&Collector{}).Collect(context.Background(), collect.Query{TCPInfo: true})
	if err != nil {
		t.Fatal(err)
	}
	timeWait := 0
	for _, s := range socks {
		if s.State == collect.StateTimeWait && s.Local.Addr().IsLoopback() {
			timeWait++
		}
		st, ok := want[s.Inode]
		if !ok {
			continue
		}
		delete(want, s.Inode)
		if s.State != st || !s.Local.Addr().IsLoopback() || !s.HasUID || s.UID != uint32(os.Geteuid()) || s.Cookie == 0 {
			t.Errorf("inode %d: %+v, want state %v on loopback with our uid and a cookie", s.Inode, s, st)
		}
		if s.Proto == collect.ProtoTCP && s.State == collect.StateEstablished {
			if s.TCP == nil || s.TCP.RTT <= 0 || s.TCP.SndCwnd == 0 || s.TCP.BytesAcked == 0 || s.TCP.SndMSS == 0 {
				t.Errorf("inode %d: tcp_info %+v, want rtt, cwnd, mss and bytes acked", s.Inode, s.TCP)
			}
		}
	}
	if len(want) != 0 {
		t.Errorf("sockets not in the dump: %v", want)
	}
	if timeWait < 2 {
		t.Errorf("found %d TIME_WAIT sockets on loopback, want at least the fixture's 2", timeWait)
	}
}

func TestLiveCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&Collector{}).Collect(ctx, collect.Query{}); err == nil {
		t.Error("a cancelled context gave no error")
	}
}
