// run_test.go runs the whole command in-process with fake collectors and
// compares stdout, stderr and the exit code with golden files.

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

type fakeSockets struct {
	socks []collect.Socket
	err   error
	calls int
	mu    sync.Mutex
}

func (f *fakeSockets) Collect(_ context.Context, q collect.Query) ([]collect.Socket, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	return append([]collect.Socket(nil), f.socks...), f.err
}

type fakeOwners struct {
	scan collect.OwnerScan
	err  error
}

func (f fakeOwners) ScanOwners(context.Context) (collect.OwnerScan, error) { return f.scan, f.err }

type fakeNamer map[netip.Addr]string

func (f fakeNamer) Prepare(context.Context, []collect.Socket) {}
func (f fakeNamer) Endpoint(ep netip.AddrPort, _ collect.Proto, _ bool) string {
	if n, ok := f[ep.Addr()]; ok {
		return fmt.Sprintf("%s:%d", n, ep.Port())
	}
	return ep.String()
}

func s(p collect.Proto, local, remote string, st collect.State, inode uint64) collect.Socket {
	l := netip.MustParseAddrPort(local)
	fam := collect.FamilyIPv4
	if l.Addr().Is6() {
		fam = collect.FamilyIPv6
	}
	return collect.Socket{Source: collect.Kernel, Proto: p, Family: fam, Local: l, Remote: netip.MustParseAddrPort(remote),
		State: st, Inode: inode, HasUID: true, UID: 0, Cookie: inode + 1000}
}

// table is a host with sshd, a web server, a TIME_WAIT, a root-owned
// listener we may not read, and DNS.
func table() []collect.Socket {
	tcp, udp := collect.ProtoTCP, collect.ProtoUDP
	return []collect.Socket{
		s(udp, "[::]:546", "[::]:0", collect.StateClose, 20),
		s(tcp, "198.18.0.10:22", "198.18.0.20:50522", collect.StateEstablished, 11),
		s(tcp, "0.0.0.0:22", "0.0.0.0:0", collect.StateListen, 10),
		s(tcp, "0.0.0.0:2024", "0.0.0.0:0", collect.StateListen, 99),
		s(tcp, "[::]:80", "[::]:0", collect.StateListen, 12),
		s(tcp, "[fe80::1%eth0]:80", "[fe80::2%eth0]:40100", collect.StateTimeWait, 0),
		s(udp, "127.0.0.53:53", "0.0.0.0:0", collect.StateClose, 21),
		s(udp, "198.18.0.10:5353", "198.18.0.1:53", collect.StateEstablished, 22),
	}
}

func owners() fakeOwners {
	sshd := &collect.Process{PID: 712, Name: "sshd"}
	web := &collect.Process{PID: 900, Name: "nginx"}
	dns := &collect.Process{PID: 455, Name: "systemd-resolved"}
	return fakeOwners{scan: collect.OwnerScan{
		Owners:    map[uint64]*collect.Process{10: sshd, 11: sshd, 12: web, 20: dns, 21: dns, 22: dns},
		Processes: 40, Denied: 1, DeniedExample: 1,
	}}
}

type result struct {
	code           int
	stdout, stderr string
}

func runWith(t *testing.T, ctx context.Context, args []string, sockets *fakeSockets, own collect.OwnerScanner, after func(time.Duration) <-chan time.Time) result {
	t.Helper()
	var stdout, stderr strings.Builder
	env := Env{
		Stdout: &stdout, Stderr: &stderr,
		Sockets: func(source string, warn func(string)) (collect.Collector, error) {
			if source == "proc" {
				warn("sock_diag unavailable (test): reading /proc/net instead")
			}
			return sockets, nil
		},
		Owners: own,
		Names: func(bool) Namer {
			return fakeNamer{netip.MustParseAddr("198.18.0.20"): "laptop", netip.MustParseAddr("0.0.0.0"): "0.0.0.0"}
		},
		Hostname: func() (string, error) { return "web1", nil },
		Now:      func() time.Time { return time.Date(2026, 11, 25, 4, 10, 0, 0, time.UTC) },
		After:    after,
		Euid:     func() int { return 1000 },
	}
	code := Run(ctx, args, env)
	return result{code, stdout.String(), stderr.String()}
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n-- stdout --\n%s-- stderr --\n%s", r.code, r.stdout, r.stderr)
}

func TestRunGolden(t *testing.T) {
	partial := collect.Partial(errors.New("dumping tcp6: the table kept changing during 3 dumps (NLM_F_DUMP_INTR); rows may be missing or repeated"))
	tests := []struct {
		name   string
		args   []string
		err    error
		owners collect.OwnerScanner
	}{
		{name: "ano", args: []string{"-ano"}},
		{name: "default", args: nil},
		{name: "a_names", args: []string{"-a"}},
		{name: "anob", args: []string{"-anob"}},
		{name: "anop_tcpv6", args: []string{"-anop", "tcpv6"}},
		{name: "tulpn", args: []string{"-tulpn"}},
		{name: "source_proc", args: []string{"-an", "--source=proc"}},
		{name: "json", args: []string{"-ano", "--json"}},
		{name: "json_no_owner", args: []string{"-an", "--json", "-p", "udp"}},
		{name: "partial", args: []string{"-ano"}, err: partial},
		{name: "partial_json", args: []string{"-an", "--ndjson", "-p", "tcp"}, err: partial},
		{name: "owner_scan_fails", args: []string{"-ano"}, owners: fakeOwners{err: errors.New("open /proc: permission denied")}},
		{name: "no_owner_support", args: []string{"-ano"}, owners: nilOwners{}},
		{name: "collect_fails", args: []string{"-ano"}, err: errors.New("sock_diag: receiving: EIO")},
		{name: "usage_anop", args: []string{"-anop"}},
		{name: "help", args: []string{"--help"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var own collect.OwnerScanner = owners()
			if tt.owners != nil {
				own = tt.owners
			}
			if _, ok := own.(nilOwners); ok {
				own = nil
			}
			r := runWith(t, context.Background(), tt.args, &fakeSockets{socks: table(), err: tt.err}, own, time.After)
			file := "testdata/" + tt.name + ".golden"
			if *update {
				os.WriteFile(file, []byte(r.String()), 0o644)
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), r.String()); diff != "" {
				t.Errorf("gonetstat %s (-want +got):\n%s", strings.Join(tt.args, " "), diff)
			}
		})
	}
}

type nilOwners struct{ collect.OwnerScanner }

// TestIntervalUntilCancelled redisplays on each tick and exits 0 when the
// context ends (Ctrl-C), after exactly the snapshots that were due.
func TestIntervalUntilCancelled(t *testing.T) {
	for _, format := range []string{"text", "ndjson"} {
		t.Run(format, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ticks := 0
			after := func(d time.Duration) <-chan time.Time {
				if d != 3*time.Second {
					t.Errorf("interval %v, want 3s", d)
				}
				ticks++
				c := make(chan time.Time, 1)
				if ticks <= 2 {
					c <- time.Time{}
				} else {
					cancel() // Ctrl-C during the third wait
				}
				return c
			}
			args := []string{"-ano", "3"}
			if format == "ndjson" {
				args = []string{"-ano", "--ndjson", "3"}
			}
			sockets := &fakeSockets{socks: table()}
			r := runWith(t, ctx, args, sockets, owners(), after)
			if r.code != 0 {
				t.Errorf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
			}
			if sockets.calls != 3 {
				t.Errorf("collected %d times, want 3", sockets.calls)
			}
			marker, want := "Active Connections", 3
			if format == "ndjson" {
				marker = "\n"
			}
			if got := strings.Count(r.stdout, marker); got != want {
				t.Errorf("%d snapshots printed, want %d:\n%s", got, want, r.stdout)
			}
		})
	}
}

// FuzzArgs: no command line makes Run panic; the exit code is 0, 1 or 2,
// and a usage error prints nothing on stdout.
func FuzzArgs(f *testing.F) {
	for _, seed := range []string{"-ano", "-anop\x00tcp", "-ano\x005", "-tulpn", "-anop", "-p\x00bogus", "--json\x005", "--ndjson\x001", "-h", "--source=proc\x00-a", "-bfo\x00--", "-\x00-", "---x", "-p=tcp", "--proto", "9999999999999999999999"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, argv string) {
		args := strings.Split(argv, "\x00")
		ctx, cancel := context.WithCancel(context.Background())
		after := func(time.Duration) <-chan time.Time {
			cancel()
			return make(chan time.Time)
		}
		r := runWith(t, ctx, args, &fakeSockets{socks: table()}, owners(), after)
		cancel()
		switch r.code {
		case 0, 1:
		case 2:
			if r.stdout != "" {
				t.Fatalf("usage error with stdout %q", r.stdout)
			}
			if !strings.HasPrefix(r.stderr, "gonetstat: ") || !strings.HasSuffix(r.stderr, "Try 'gonetstat --help' for more information.\n") {
				t.Fatalf("usage error message %q", r.stderr)
			}
		default:
			t.Fatalf("exit %d", r.code)
		}
	})
}
