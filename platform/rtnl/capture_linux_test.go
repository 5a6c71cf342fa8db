// capture_linux_test.go records real rtnetlink replies into testdata/ when
// run with -capture, and holds the live test and benchmark of Dump.

package rtnl

import (
	"context"
	"flag"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/platform/nlmsg"
)

var capture = flag.Bool("capture", false, "rewrite testdata/machine.bin from live dumps of this machine")

// rawDumps runs the four dumps of Dump and returns their datagrams, one
// dump after another.
func rawDumps(t testing.TB) []byte {
	sock, err := nlmsg.Dial(unix.NETLINK_ROUTE)
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	buf := make([]byte, nlmsg.RecvBufSize)
	var out []byte
	for _, d := range [][2]int{{RTMGetLink, afUnspec}, {RTMGetAddr, afUnspec}, {RTMGetRoute, afInet}, {RTMGetRoute, afInet6}} {
		if err := sock.Send(Request(uint16(d[0]), uint8(d[1]), 1)); err != nil {
			t.Fatal(err)
		}
		for done := false; !done; {
			n, err := sock.Recv(context.Background(), buf)
			if err != nil {
				t.Fatal(err)
			}
			var m Messages
			done, _, err = Decode(buf[:n], 0, &m)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, buf[:n]...)
		}
	}
	return out
}

func TestCapture(t *testing.T) {
	if !*capture {
		t.Skip("run with -capture to rewrite testdata/machine.bin")
	}
	if err := os.WriteFile("testdata/machine.bin", rawDumps(t), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDumpLive reads this machine's table and checks it against a decode
// of the same dumps made by hand: Dump's loop loses nothing.
func TestDumpLive(t *testing.T) {
	got, err := Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Interfaces) == 0 || got.Interfaces[0].Name == "" {
		t.Fatalf("no interfaces: %+v", got)
	}
	if lo := got.Interface(1); lo == nil || lo.Name != "lo" {
		t.Errorf("interface 1 = %+v, want lo", lo)
	}
	want, err := DecodeTable(rawDumps(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.IPv4) != len(want.IPv4) || len(got.IPv6) != len(want.IPv6) || len(got.Interfaces) != len(want.Interfaces) {
		t.Errorf("Dump: %d interfaces, %d+%d routes; the raw dumps: %d, %d+%d",
			len(got.Interfaces), len(got.IPv4), len(got.IPv6), len(want.Interfaces), len(want.IPv4), len(want.IPv6))
	}
}

func BenchmarkDump(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Dump(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProcRoute reads what the /proc alternative would read, for the
// comparison in doc.go (without parsing it, or reading interfaces).
func BenchmarkProcRoute(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range []string{"/proc/net/route", "/proc/net/ipv6_route"} {
			if _, err := os.ReadFile(f); err != nil {
				b.Fatal(err)
			}
		}
	}
}
