// collector_test.go tests reading a /proc root: a fixture tree and the live one.

package procnet

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
)

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

func TestCollectorMissingIPv6AndCorruptUDP(t *testing.T) {
	root := fixtureRoot(t, map[string]string{
		"tcp": string(mustRead(t, "tcp")),
		"udp": string(mustRead(t, "udp")) + "garbage row\n",
	})
	socks, err := (&Collector{Root: root}).Collect(context.Background(), collect.Query{})
	if !collect.IsPartial(err) {
		t.Fatalf("err = %v, want a partial error", err)
	}
	if !strings.Contains(err.Error(), "net/udp: procnet: line") {
		t.Errorf("error does not name the file and line: %v", err)
	}
	tcp, _ := Parse(mustRead(t, "tcp"), collect.TCP4, nil)
	udp, _ := Parse(mustRead(t, "udp"), collect.UDP4, nil)
	if len(socks) != len(tcp)+len(udp) {
		t.Errorf("got %d rows, want the %d TCP rows and the %d good UDP rows", len(socks), len(tcp), len(udp))
	}
}

func TestCollectorMissingIPv4IsAnError(t *testing.T) {
	root := fixtureRoot(t, nil)
	_, err := (&Collector{Root: root}).Collect(context.Background(), collect.Query{Kinds: collect.TCP4 | collect.TCP6})
	if !collect.IsPartial(err) || !strings.Contains(err.Error(), "net/tcp") || strings.Contains(err.Error(), "tcp6") {
		t.Errorf("err = %v, want a partial error about net/tcp only", err)
	}
}

func TestCollectorLive(t *testing.T) {
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		t.Skip("no /proc/net/tcp on this system")
	}
	type want struct {
		kind  collect.Kind
		state collect.State
	}
	wants := map[uint64]want{}
	for _, host := range []string{"127.0.0.1", "::1"} {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		k := collect.TCP4
		if host == "::1" {
			k = collect.TCP6
		}
		wants[testenv.Inode(t, ln.(*net.TCPListener))] = want{k, collect.StateListen}
		u, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
		if err != nil {
			t.Fatal(err)
		}
		defer u.Close()
		wants[testenv.Inode(t, u.(*net.UDPConn))] = want{k << 2, collect.StateClose}
	}
	socks, err := (&Collector{}).Collect(context.Background(), collect.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range socks {
		if w, ok := wants[s.Inode]; ok {
			if got := collect.KindOf(s.Proto, s.Family); got != w.kind || s.State != w.state || !s.Local.Addr().IsLoopback() {
				t.Errorf("inode %d: %v %v %v, want %v %v on loopback", s.Inode, got, s.State, s.Local, w.kind, w.state)
			}
			delete(wants, s.Inode)
		}
	}
	if len(wants) != 0 {
		t.Errorf("sockets not found in /proc/net: %v", wants)
	}
}
