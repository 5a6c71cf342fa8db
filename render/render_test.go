// render_test.go holds golden tests of the -ano text, including the real
// Windows output in shared/reference, and the text benchmark.

package render

import (
	"bytes"
	"flag"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
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
// byte from the same sockets.
func TestWindowsReference(t *testing.T) {
	want, err := os.ReadFile("../../shared/reference/windows-netstat-ano.txt")
	if err != nil {
		t.Skipf("reference output not present beside the repository: %v", err)
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
	return ep.String()
}

func goldenSockets() []collect.Socket {
	sshd := &collect.Process{PID: 712, Name: "sshd"}
	var socks []collect.Socket
	for st := collect.StateEstablished; st <= collect.StateBoundInactive; st++ {
		socks = append(socks, tcp("198.18.0.1:"+strconv.Itoa(1000+int(st)), "198.18.0.2:443", st, sshd))
	}
	socks = append(socks,
		tcp("0.0.0.0:22", "0.0.0.0:0", collect.StateListen, sshd),
		tcp("[fe80::1%eth0]:22", "[fe80::2%eth0]:40100", collect.StateEstablished, &collect.Process{PID: 9120, Name: ""}),
		tcp("[2001:db8:1234:5678:9abc:def0:1234:5678%very-long-interface]:65535", "[2001:db8::1]:443", collect.StateSynSent, nil),
		tcp("[::ffff:198.18.0.1]:8080", "[::ffff:198.18.0.9]:5000", collect.StateTimeWait, nil),
		udp("0.0.0.0:53", "0.0.0.0:0", &collect.Process{PID: 455, Name: "systemd-resolved"}),
		udp("127.0.0.1:5353", "127.0.0.1:53", nil),
		udp("[::]:546", "[::]:0", &collect.Process{PID: 1, Name: "weird\tname"}),
	)
	collect.Sort(socks)
	return socks
}

func TestTextGolden(t *testing.T) {
	names := fakeNames{"198.18.0.2:443": "web.example:https", "0.0.0.0:22": "0.0.0.0:ssh"}
	for name, opt := range map[string]TextOptions{
		"ano":  {PID: true},
		"an":   {},
		"anob": {PID: true, Exe: true},
		"ao":   {PID: true, Names: names},
	} {
		t.Run(name, func(t *testing.T) {
			var got bytes.Buffer
			if err := Text(&got, goldenSockets(), opt); err != nil {
				t.Fatal(err)
			}
			file := "testdata/" + name + ".txt"
			if *update {
				os.WriteFile(file, got.Bytes(), 0o644)
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

func benchSockets(n int) []collect.Socket {
	p := &collect.Process{PID: 4242, Name: "haproxy"}
	socks := make([]collect.Socket, n)
	for i := range socks {
		socks[i] = collect.Socket{Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
			Local:  netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, byte(i >> 16), byte(i >> 8)}), uint16(i)),
			Remote: netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 1, 0, 1}), 8080), State: collect.StateEstablished, Owner: p}
	}
	return socks
}

func BenchmarkText100k(b *testing.B) {
	socks := benchSockets(100000)
	b.ReportAllocs()
	for b.Loop() {
		if err := Text(io.Discard, socks, TextOptions{PID: true, Exe: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSON100k(b *testing.B) {
	env := Envelope{Host: "h", Sockets: benchSockets(100000)}
	b.ReportAllocs()
	for b.Loop() {
		if err := JSON(io.Discard, env); err != nil {
			b.Fatal(err)
		}
	}
}
