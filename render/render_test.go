// render_test.go holds golden tests of the -ano text, including the real
// Windows output in shared/reference, its allocation bound, and the
// benchmarks.

package render

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/collect/collecttest"
)

var update = flag.Bool("update", false, "rewrite render/testdata golden files")

func tcp(local, remote string, st collect.State, owner *collect.Process) collect.Socket {
	return mk(collect.ProtoTCP, local, remote, st, owner)
}

func udp(local, remote string, owner *collect.Process) collect.Socket {
	st := collect.StateClose
	if !strings.HasSuffix(remote, ":0") {
		st = collect.StateEstablished
	}
	return mk(collect.ProtoUDP, local, remote, st, owner)
}

func mk(p collect.Proto, local, remote string, st collect.State, owner *collect.Process) collect.Socket {
	l := netip.MustParseAddrPort(local)
	fam := collect.FamilyIPv4
	if l.Addr().Is6() {
		fam = collect.FamilyIPv6
	}
	return collect.Socket{Source: collect.Kernel, Proto: p, Family: fam, Local: l, Remote: netip.MustParseAddrPort(remote), State: st, Owner: owner}
}

func pid(n int) *collect.Process { return &collect.Process{PID: n} }

// TestWindowsReference rebuilds Windows' own netstat -ano output byte for
// byte from the same sockets. testdata holds a copy of
// shared/reference/windows-netstat-ano.txt so the test runs in any
// checkout; when the shared original is present it must be the same.
func TestWindowsReference(t *testing.T) {
	want, err := os.ReadFile("testdata/windows-netstat-ano.txt")
	if err != nil {
		t.Fatal(err)
	}
	if orig, err := os.ReadFile("../../shared/reference/windows-netstat-ano.txt"); err == nil && !bytes.Equal(orig, want) {
		t.Fatal("testdata/windows-netstat-ano.txt differs from shared/reference: copy it again")
	}
	socks := []collect.Socket{
		tcp("0.0.0.0:135", "0.0.0.0:0", collect.StateListen, pid(700)),
		tcp("0.0.0.0:445", "0.0.0.0:0", collect.StateListen, pid(4)),
		tcp("10.129.194.120:23", "10.10.16.35:47684", collect.StateEstablished, pid(1348)),
		tcp("127.0.0.1:8080", "127.0.0.1:1", collect.StateTimeWait, pid(0)),
		tcp("[::]:135", "[::]:0", collect.StateListen, pid(700)),
		tcp("[fe80::a8c2:3d64:a5e6:878f%21]:22000", "[fe80::f3c7:bff:2e5:c024%21]:22000", collect.StateEstablished, pid(6300)),
		udp("0.0.0.0:123", "0.0.0.0:0", pid(928)),
		udp("[::]:123", "[::]:0", pid(928)),
		udp("[fe80::a8c2:3d64:a5e6:878f%21]:1900", "[::]:0", pid(3852)),
	}
	// Shuffle first: the rows must come out in Windows' order because
	// collect.Sort puts them there, not because they were written so.
	slices.Reverse(socks)
	collect.Sort(socks)
	var got bytes.Buffer
	if err := Text(&got, socks, TextOptions{PID: true, CRLF: true}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got.String()); diff != "" {
		t.Errorf("(-windows +gonetstat):\n%s", diff)
	}
}

type fakeNames map[string]string

func (f fakeNames) Endpoint(ep netip.AddrPort, _ collect.Proto, local bool) string {
	if n, ok := f[ep.String()]; ok {
		return n
	}
	return "" // unknown: the renderer prints the number
}

// addrNames is a Namer as the CLI's is: a lookup that allocates nothing.
type addrNames map[netip.AddrPort]string

func (a addrNames) Endpoint(ep netip.AddrPort, _ collect.Proto, _ bool) string { return a[ep] }

func goldenSockets() []collect.Socket {
	sshd := &collect.Process{PID: 712, Name: "sshd"}
	var socks []collect.Socket
	// Every state, and one the model does not know.
	for st := collect.StateUnknown; st <= collect.StateBoundInactive+1; st++ {
		socks = append(socks, tcp("198.18.0.1:"+strconv.Itoa(1000+int(st)), "198.18.0.2:443", st, sshd))
	}
	socks = append(socks,
		tcp("0.0.0.0:22", "0.0.0.0:0", collect.StateListen, sshd),
		tcp("[::]:22", "[::]:0", collect.StateListen, sshd),
		tcp("[fe80::1%eth0]:22", "[fe80::2%eth0]:40100", collect.StateEstablished, &collect.Process{PID: 9120, Name: ""}),
		tcp("[2001:db8:1234:5678:9abc:def0:1234:5678%very-long-interface]:65535", "[2001:db8::1]:443", collect.StateSynSent, nil),
		tcp("[::ffff:198.18.0.1]:8080", "[::ffff:198.18.0.9]:5000", collect.StateTimeWait, nil),
		udp("0.0.0.0:53", "0.0.0.0:0", &collect.Process{PID: 455, Name: "systemd-resolved"}),
		udp("127.0.0.1:5353", "127.0.0.1:53", nil),
		udp("0.0.0.0:5355", "0.0.0.0:0", &collect.Process{PID: 1316, Name: "svchost.exe", Services: []string{"Dnscache"}}),
		udp("0.0.0.0:123", "0.0.0.0:0", &collect.Process{PID: 1320, Name: "svchost.exe", Services: []string{"W32Time", "LanmanWorkstation"}}),
		udp("[::]:546", "[::]:0", &collect.Process{PID: 1, Name: "weird\tname\u009b2J\xff"}),
		udp("[fe80::a:b:c:d%enp0s31f6]:5353", "[fe80::1:2:3:4%enp0s31f6]:5353", &collect.Process{PID: 880, Name: "avahi-daemon"}),
	)
	collect.Sort(socks)
	return socks
}

// TestTextGolden covers, in testdata/*.txt (LF endings): every state, IPv6
// with zones, addresses longer than their column, UDP connected and not,
// rows without an owner, the -b lines, the table without -o, and names.
// go test ./render -update rewrites the files; read the diff before
// committing it.
func TestTextGolden(t *testing.T) {
	names := fakeNames{"198.18.0.2:443": "web.example:https", "0.0.0.0:22": "0.0.0.0:ssh", "[::]:22": "[::]:ssh",
		"[fe80::2%eth0]:40100": "laptop.example.internal.corp.example.com:40100",
		"127.0.0.1:53":         "evil\x1b[2J.example:domain", // a PTR record can hold any bytes
		"0.0.0.0:53":           "",                           // no name: the number stays
	}
	for name, opt := range map[string]TextOptions{
		"ano":  {PID: true},
		"an":   {},
		"anob": {PID: true, Exe: true},
		"ab":   {Exe: true, Names: names},
		"ao":   {PID: true, Names: names},
	} {
		t.Run(name, func(t *testing.T) {
			var got bytes.Buffer
			if err := Text(&got, goldenSockets(), opt); err != nil {
				t.Fatal(err)
			}
			file := "testdata/" + name + ".txt"
			if *update {
				if err := os.WriteFile(file, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			for _, line := range strings.Split(got.String(), "\n") {
				if strings.HasSuffix(line, " ") || strings.Contains(line, "\r") {
					t.Errorf("line %q has a trailing space or CR", line)
				}
			}
		})
	}
}

// TestTextLayout checks the printf layout directly, independent of goldens.
func TestTextLayout(t *testing.T) {
	var got bytes.Buffer
	Text(&got, []collect.Socket{
		tcp("0.0.0.0:135", "0.0.0.0:0", collect.StateListen, pid(700)),
		tcp("1.2.3.4:5", "6.7.8.9:10", collect.StateEstablished, nil),
	}, TextOptions{PID: true})
	want := "\nActive Connections\n\n" +
		"  Proto  Local Address          Foreign Address        State           PID\n" +
		"  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       700\n" +
		"  TCP    1.2.3.4:5              6.7.8.9:10             ESTABLISHED     -\n"
	if diff := cmp.Diff(want, got.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestTextUnsetEndpoints: a collector that leaves an endpoint unset gets
// what the kernel prints for an unbound socket or one without a peer,
// in the socket's family, never "invalid AddrPort".
func TestTextUnsetEndpoints(t *testing.T) {
	var got bytes.Buffer
	err := Text(&got, []collect.Socket{
		{Proto: collect.ProtoTCP, Family: collect.FamilyIPv4, Local: netip.MustParseAddrPort("0.0.0.0:80"), State: collect.StateListen},
		{Proto: collect.ProtoTCP, Family: collect.FamilyIPv6, State: collect.StateClose},
		{Proto: collect.ProtoUDP, Family: collect.FamilyIPv6, Local: netip.MustParseAddrPort("[::1]:53")},
	}, TextOptions{PID: true})
	if err != nil {
		t.Fatal(err)
	}
	want := "\nActive Connections\n\n" +
		"  Proto  Local Address          Foreign Address        State           PID\n" +
		"  TCP    0.0.0.0:80             0.0.0.0:0              LISTENING       -\n" +
		"  TCP    [::]:0                 [::]:0                 CLOSED          -\n" +
		"  UDP    [::1]:53               *:*                                    -\n"
	if diff := cmp.Diff(want, got.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestAppendEndpoint(t *testing.T) {
	for _, tc := range []struct {
		in   netip.AddrPort
		want string
	}{
		{netip.MustParseAddrPort("0.0.0.0:135"), "0.0.0.0:135"},
		{netip.MustParseAddrPort("[::]:0"), "[::]:0"},
		{netip.MustParseAddrPort("[fe80::1%eth0]:22"), "[fe80::1%eth0]:22"},
		{netip.MustParseAddrPort("[::ffff:10.0.0.1]:8080"), "[::ffff:10.0.0.1]:8080"},
		{netip.AddrPort{}, "*:*"},
	} {
		if got := string(AppendEndpoint([]byte("x"), tc.in)); got != "x"+tc.want {
			t.Errorf("AppendEndpoint(%v) = %q, want %q", tc.in, got, "x"+tc.want)
		}
	}
}

// TestTextWriteError: a failing writer is reported, at the start or in
// the middle of a large table.
func TestTextWriteError(t *testing.T) {
	for _, after := range []int{0, 1} {
		err := Text(&collecttest.FailWriter{After: after}, collecttest.Sockets(10000), TextOptions{PID: true})
		if !errors.Is(err, collecttest.ErrDiskFull) {
			t.Errorf("after %d writes: err = %v, want %v", after, err, collecttest.ErrDiskFull)
		}
	}
}

// TestTextAllocsConstant: the cost in allocations does not grow with the
// table (no per-row garbage), names and -b included.
func TestTextAllocsConstant(t *testing.T) {
	count := func(n int) float64 {
		socks := collecttest.Sockets(n)
		names := addrNames{}
		for _, s := range socks {
			names[s.Local] = "host-" + s.Local.String()
			names[s.Remote] = "peer-" + s.Remote.String()
		}
		socks[0].Owner = nil
		for i := 0; i < len(socks); i += 2 {
			socks[i].Source = collect.Source{Kind: "stack", Name: "tap0"}
		}
		return testing.AllocsPerRun(5, func() {
			if err := Text(io.Discard, socks, TextOptions{PID: true, Exe: true, Names: names, Source: true}); err != nil {
				t.Fatal(err)
			}
		})
	}
	if small, large := count(10), count(10000); large > small {
		t.Errorf("10 rows: %v allocations, 10000 rows: %v; want no growth", small, large)
	}
}

func BenchmarkText100k(b *testing.B) {
	socks := collecttest.Sockets(100000)
	for name, opt := range map[string]TextOptions{"ano": {PID: true}, "anob": {PID: true, Exe: true}} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Text(io.Discard, socks, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
