// collector_test.go tests reading a /proc root: the fixture tree in
// testdata/root and the live /proc.

package procnet

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
)

// testdata/root has tcp and udp6 as captured, no tcp6 (IPv6 off), and a
// udp whose second row is cut short.
func TestCollectorFixtureRoot(t *testing.T) {
	if nativeBig {
		t.Skip("the fixture tables were written by a little-endian kernel")
	}
	socks, err := (&Collector{Root: "testdata/root"}).Collect(context.Background(), collect.Query{})
	var pe *collect.PartialError
	if !errors.As(err, &pe) || len(pe.Problems) != 1 {
		t.Fatalf("err = %v, want a partial error with one problem", err)
	}
	if got, want := err.Error(), "testdata/root/net/udp: procnet: line 3: too few fields: 6, want at least 12"; !strings.HasSuffix(got, want) {
		t.Errorf("err = %q, want it to end in %q", got, want)
	}
	var want []collect.Socket
	want = append(want, capturedWant["tcp"]...)
	want = append(want, capturedWant["udp"][0]) // the row before the bad line
	want = append(want, capturedWant["udp6"]...)
	if diff := cmp.Diff(want, socks, addrCmp); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// Asked for only the tables that are whole, the same root is complete.
	socks, err = (&Collector{Root: "testdata/root"}).Collect(context.Background(), collect.Query{Kinds: collect.TCP4 | collect.TCP6 | collect.UDP6})
	if err != nil {
		t.Errorf("tcp,tcp6,udp6: %v", err)
	}
	if len(socks) != len(capturedWant["tcp"])+len(capturedWant["udp6"]) {
		t.Errorf("tcp,tcp6,udp6: %d rows", len(socks))
	}
}

func fixtureRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "net"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(root, "net", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// A missing IPv4 table is not IPv6 being off: it is reported.
func TestCollectorMissingIPv4(t *testing.T) {
	root := fixtureRoot(t, nil)
	socks, err := (&Collector{Root: root}).Collect(context.Background(), collect.Query{Kinds: collect.TCP4 | collect.TCP6})
	if !collect.IsPartial(err) || !errors.Is(err, fs.ErrNotExist) || len(socks) != 0 {
		t.Fatalf("rows %d, err = %v; want none and a partial not-exist error", len(socks), err)
	}
	if !strings.Contains(err.Error(), "reading "+filepath.Join(root, "net", "tcp")+":") || strings.Contains(err.Error(), "tcp6") {
		t.Errorf("err = %v, want it to name net/tcp only", err)
	}
}

// A table that cannot be read (here a directory) is reported, and the
// others are still read.
func TestCollectorUnreadable(t *testing.T) {
	root := fixtureRoot(t, map[string]string{"udp": string(mustRead(t, "udp"))})
	if err := os.Mkdir(filepath.Join(root, "net", "tcp6"), 0o755); err != nil {
		t.Fatal(err)
	}
	socks, err := (&Collector{Root: root}).Collect(context.Background(), collect.Query{Kinds: collect.TCP6 | collect.UDP4})
	if !collect.IsPartial(err) || !strings.Contains(err.Error(), "net/tcp6") {
		t.Errorf("err = %v, want a partial error naming net/tcp6", err)
	}
	if len(socks) != 2 {
		t.Errorf("%d rows, want the 2 of udp", len(socks))
	}
}

func TestCollectorCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&Collector{Root: "testdata/root"}).Collect(ctx, collect.Query{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// The live /proc, read by the default Collector, shows sockets this test
// opens, found by inode, with their state and exact local endpoint.
func TestCollectorLive(t *testing.T) {
	_, err := os.Stat("/proc/net/tcp")
	testenv.SkipWithout(t, err == nil, "a live /proc/net/tcp")
	type want struct {
		kind          collect.Kind
		state         collect.State
		local, remote netip.AddrPort
	}
	wants := map[uint64]want{}
	for _, host := range []string{"127.0.0.1", "::1"} {
		tcp, udp := collect.TCP4, collect.UDP4
		if host == "::1" {
			tcp, udp = collect.TCP6, collect.UDP6
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		lnAddr := ln.Addr().(*net.TCPAddr).AddrPort()
		wants[testenv.Inode(t, ln.(*net.TCPListener))] = want{tcp, collect.StateListen, lnAddr, netip.AddrPortFrom(unspecified(host), 0)}

		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		tc := c.(*net.TCPConn)
		wants[testenv.Inode(t, tc)] = want{tcp, collect.StateEstablished,
			tc.LocalAddr().(*net.TCPAddr).AddrPort(), lnAddr}

		u, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
		if err != nil {
			t.Fatal(err)
		}
		defer u.Close()
		uc := u.(*net.UDPConn)
		wants[testenv.Inode(t, uc)] = want{udp, collect.StateClose,
			uc.LocalAddr().(*net.UDPAddr).AddrPort(), netip.AddrPortFrom(unspecified(host), 0)}
	}
	socks, err := (&Collector{}).Collect(context.Background(), collect.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range socks {
		w, ok := wants[s.Inode]
		if !ok {
			continue
		}
		delete(wants, s.Inode)
		if got := collect.KindOf(s.Proto, s.Family); got != w.kind || s.State != w.state || s.Local != w.local || s.Remote != w.remote {
			t.Errorf("inode %d: %v %v %v -> %v, want %v %v %v -> %v", s.Inode, got, s.State, s.Local, s.Remote, w.kind, w.state, w.local, w.remote)
		}
		if !s.HasUID || s.UID != uint32(os.Geteuid()) {
			t.Errorf("inode %d: uid %d (known %v), want %d", s.Inode, s.UID, s.HasUID, os.Geteuid())
		}
	}
	if len(wants) != 0 {
		t.Errorf("sockets not found in /proc/net: %v", wants)
	}
}

func unspecified(host string) netip.Addr {
	if host == "::1" {
		return netip.IPv6Unspecified()
	}
	return netip.IPv4Unspecified()
}
