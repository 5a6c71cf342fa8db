// run_test.go runs the whole command in-process with fake collectors and
// compares stdout, stderr and the exit code with golden files.

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/names"
	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack/control"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

type fakeSockets struct {
	socks []collect.Socket
	// owned, when set, names each row's owner by inode as Windows' and
	// gopsutil's tables do: whatever the query says, so that the CLI's
	// own rule (owners only with -o or -b) is what is tested.
	owned     map[uint64]*collect.Process
	err       error
	calls     int
	last      collect.Query // the query of the last call
	mu        sync.Mutex
	onCollect func() // nil, or called as the table is read
}

func (f *fakeSockets) Collect(_ context.Context, q collect.Query) ([]collect.Socket, error) {
	f.mu.Lock()
	f.calls++
	f.last = q
	f.mu.Unlock()
	if f.onCollect != nil {
		f.onCollect()
	}
	socks := append([]collect.Socket(nil), f.socks...)
	for i := range socks {
		if p := f.owned[socks[i].Inode]; p != nil {
			socks[i].Owner = p
		}
	}
	return socks, f.err
}

type fakeOwners struct {
	scan collect.OwnerScan
	err  error
	// rescan, when set, is the second look: it gets what the CLI found
	// missing and may add owners; rescanErr is what it returns.
	rescan    func(scan *collect.OwnerScan, missing []uint64, tableRead time.Time)
	rescanErr error
	onScan    func() // nil, or called as the first scan runs
}

func (f fakeOwners) ScanOwners(context.Context) (collect.OwnerScan, error) {
	if f.onScan != nil {
		f.onScan()
	}
	return f.scan, f.err
}

func (f fakeOwners) RescanOwners(_ context.Context, scan *collect.OwnerScan, missing []uint64, tableRead time.Time) error {
	if f.rescan != nil {
		f.rescan(scan, missing, tableRead)
	}
	return f.rescanErr
}

// lookups is the reverse DNS of the test host's world, for names.Resolver.
func lookups(_ context.Context, addr string) ([]string, error) {
	switch addr {
	case "198.18.0.20":
		return []string{"laptop.corp.example."}, nil
	case "198.18.0.10":
		return []string{"web1.corp.example."}, nil
	case "127.0.0.53":
		return []string{"_localdnsstub."}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}
}

func resolver(fqdn bool) Namer {
	return names.New(names.Options{FQDN: fqdn, Services: "testdata/services", LookupAddr: lookups, Timeout: testenv.Patience}) // the fakes answer at once: only a stalled machine could reach a shorter bound
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
		Processes: 40, Denied: 1, DeniedExample: 1, View: collect.ViewAll,
	}}
}

type result struct {
	code           int
	stdout, stderr string
}

// fixture is one in-process run's outside world.
type fixture struct {
	sockets *fakeSockets
	owners  collect.OwnerScanner // nil: the platform has none
	euid    int
	after   func(time.Duration) <-chan time.Time
	now     func() time.Time
	// stacks is what the mini-stacks' control sockets answer (--stack).
	stacks   []control.Reply
	stackErr []error
	// interfaces and protocols read the counters of -e and -s (nil: not
	// on this OS).
	interfaces func(_ context.Context, ns string) ([]collect.InterfaceCounters, error)
	protocols  func(_ context.Context, ns string) (collect.ProtoCounters, error)
	// routes reads the routing table of -r (nil: not on this OS).
	routes func(_ context.Context, ns string) (collect.RouteTable, error)
}

func newFixture() *fixture {
	return &fixture{
		sockets:    &fakeSockets{socks: table()},
		owners:     owners(),
		euid:       1000,
		after:      time.After,
		now:        func() time.Time { return time.Date(2026, 11, 25, 4, 10, 0, 0, time.UTC) },
		interfaces: func(context.Context, string) ([]collect.InterfaceCounters, error) { return fakeInterfaces(), nil },
		protocols:  func(context.Context, string) (collect.ProtoCounters, error) { return fakeProtocols(), nil },
		routes:     func(context.Context, string) (collect.RouteTable, error) { return fakeRoutes(), nil },
	}
}

func (f *fixture) run(ctx context.Context, args []string) result {
	var stdout, stderr strings.Builder
	env := Env{
		Stdout: &stdout, Stderr: &stderr,
		Sockets: func(source string, warn func(string)) (collect.Collector, error) {
			switch source {
			case "proc":
				warn("sock_diag unavailable (test): reading /proc/net instead")
			case "netlink":
				return nil, errors.New("netlink: socket: address family not supported by protocol")
			}
			return f.sockets, nil
		},
		Owners:   f.owners,
		Names:    resolver,
		Hostname: func() (string, error) { return "web1", nil },
		Now:      f.now,
		After:    f.after,
		Euid:     func() int { return f.euid },
		StackDir: func() (string, error) { return "/run/gonetstat", nil },
		Stacks: func(_ context.Context, dir string) ([]control.Reply, []error) {
			if dir != "/run/gonetstat" {
				return nil, []error{fmt.Errorf("asked for %s", dir)}
			}
			var out []control.Reply
			for _, r := range f.stacks {
				r.Sockets = append([]collect.Socket(nil), r.Sockets...)
				out = append(out, r)
			}
			return out, f.stackErr
		},
		Interfaces: f.interfaces,
		Protocols:  f.protocols,
		Routes:     f.routes,
	}
	code := Run(ctx, args, env)
	return result{code, stdout.String(), stderr.String()}
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n-- stdout --\n%s-- stderr --\n%s", r.code, r.stdout, r.stderr)
}

func golden(t *testing.T, name string, got result) {
	t.Helper()
	file := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(file, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got.String()); diff != "" {
		t.Errorf("%s (-want +got):\n%s", file, diff)
	}
}

func TestRunGolden(t *testing.T) {
	partial := collect.Partial(errors.New("dumping tcp6: the table kept changing during 3 dumps (NLM_F_DUMP_INTR); rows may be missing or repeated"))
	noDenied := owners()
	noDenied.scan.Denied, noDenied.scan.DeniedExample, noDenied.scan.Vanished = 0, 0, 2
	container := noDenied
	container.scan.View = collect.ViewNamespace
	hidden := noDenied
	hidden.scan.View = collect.ViewHidden
	everything := owners()
	everything.scan.View, everything.scan.Denied = collect.ViewUnknown, 3
	// The rescan finds the 2024 listener's owner: no notice is left.
	found := owners()
	found.rescan = func(scan *collect.OwnerScan, missing []uint64, _ time.Time) {
		if len(missing) == 1 && missing[0] == 99 {
			scan.Owners[99] = &collect.Process{PID: 1, Name: "process_api"}
			scan.Rescanned = 12
		}
	}
	rescanPartial := noDenied
	rescanPartial.rescanErr = collect.PartialOf("owner scan", errors.New("process 4000: reading fd directory: input/output error"))
	rescanFails := noDenied
	rescanFails.rescanErr = errors.New("opening process directory /proc: too many open files")
	tests := []struct {
		name  string
		args  []string
		setup func(*fixture)
	}{
		{name: "ano", args: []string{"-ano"}},
		{name: "default", args: nil},
		{name: "a_names", args: []string{"-a"}},
		{name: "af_names", args: []string{"-af", "-p", "tcp"}},
		{name: "anob", args: []string{"-anob"}},
		{name: "anb", args: []string{"-anb", "-p", "udp"}},
		{name: "anop_tcpv6", args: []string{"-anop", "tcpv6"}},
		{name: "an_p_tcp_p_udp", args: []string{"-an", "-p", "tcp", "-p", "udp"}},
		{name: "tulpn", args: []string{"-tulpn"}},
		{name: "ntlp", args: []string{"-ntlp"}},
		{name: "source_proc", args: []string{"-an", "--source=proc"}},
		{name: "source_fails", args: []string{"-an", "--source=netlink"}},
		{name: "json", args: []string{"-ano", "--json"}},
		{name: "json_no_owner", args: []string{"-an", "--json", "-p", "udp"}},
		{name: "partial", args: []string{"-ano"}, setup: func(f *fixture) { f.sockets.err = partial }},
		{name: "partial_json", args: []string{"-an", "--ndjson", "-p", "tcp"}, setup: func(f *fixture) { f.sockets.err = partial }},
		{name: "owner_scan_fails", args: []string{"-ano"}, setup: func(f *fixture) { f.owners = fakeOwners{err: errors.New("open /proc: permission denied")} }},
		{name: "owner_platform_fails", args: []string{"-ano", "--json", "-p", "tcp"}, setup: func(f *fixture) {
			f.owners = failedOwners{errors.New("process owners: not supported on this platform")}
		}},
		{name: "owners_in_rows", args: []string{"-anob"}, setup: ownersInRows},
		{name: "owners_in_rows_not_asked", args: []string{"-an", "--json"}, setup: ownersInRows},
		{name: "owners_not_asked", args: []string{"-an"}, setup: func(f *fixture) { f.owners = fakeOwners{err: errors.New("must not be called")} }},
		{name: "notice_root", args: []string{"-ano", "-p", "tcp"}, setup: func(f *fixture) { f.euid = 0 }},
		{name: "notice_race", args: []string{"-ano"}, setup: func(f *fixture) { f.owners = noDenied }},
		{name: "notice_namespace", args: []string{"-ano"}, setup: func(f *fixture) { f.owners = container }},
		{name: "notice_hidden", args: []string{"-ano", "-p", "tcp"}, setup: func(f *fixture) { f.owners = hidden }},
		{name: "notice_every_cause", args: []string{"-ano", "-p", "tcp"}, setup: func(f *fixture) { f.owners = everything }},
		{name: "rescan_found", args: []string{"-ano", "-p", "tcp"}, setup: func(f *fixture) { f.owners = found }},
		{name: "rescan_partial", args: []string{"-ano", "-p", "tcp"}, setup: func(f *fixture) { f.owners = rescanPartial }},
		{name: "rescan_fails", args: []string{"-ano", "-p", "tcp"}, setup: func(f *fixture) { f.owners = rescanFails }},
		{name: "notice_none", args: []string{"-ano", "-p", "udp"}},
		{name: "collect_fails", args: []string{"-ano"}, setup: func(f *fixture) { f.sockets.err = errors.New("sock_diag: receiving: EIO") }},
		{name: "usage_anop", args: []string{"-anop"}},
		{name: "usage_bogus_proto", args: []string{"-p", "bogus"}},
		{name: "usage_tulpen", args: []string{"-tulpen"}},
		{name: "usage_json_interval", args: []string{"--json", "5"}},
		{name: "usage_negative", args: []string{"-ano", "-5"}},
		{name: "help", args: []string{"--help"}},
		{name: "stack_ano", args: []string{"-ano", "--stack"}, setup: withStack},
		{name: "stack_anob", args: []string{"-anbo", "--stack", "-p", "tcp"}, setup: withStack},
		{name: "stack_an", args: []string{"-an", "--stack", "-p", "udp"}, setup: withStack},
		{name: "stack_json", args: []string{"-ano", "--json", "--stack", "-p", "tcp"}, setup: withStack},
		{name: "stack_none", args: []string{"-ano", "--stack", "-p", "tcp"}},
		{name: "stack_hung", args: []string{"-ano", "--stack", "-p", "tcp"}, setup: func(f *fixture) {
			withStack(f)
			f.stackErr = []error{&control.StackError{Path: "/run/gonetstat/stack-4300-lab.sock", Name: "lab", PID: 4300,
				Err: fmt.Errorf("no answer within 2s: %w", control.ErrTimeout)}}
		}},
		{name: "stack_hung_json", args: []string{"-an", "--ndjson", "--stack", "-p", "udp"}, setup: func(f *fixture) {
			f.stackErr = []error{&control.StackError{Path: "/run/gonetstat/stack-4300-lab.sock", Name: "lab", PID: 4300,
				Err: fmt.Errorf("no answer within 2s: %w", control.ErrTimeout)}}
		}},
		{name: "info_stack", args: []string{"-anop", "tcp", "--stack", "--info"}, setup: withStack},
		{name: "info_kernel", args: []string{"-an", "--internals", "-t"}, setup: withKernelInfo},
		{name: "usage_info_json", args: []string{"--info", "--json"}},
		{name: "usage_info_b", args: []string{"-anb", "--info"}},
		// A usage error under "gonetstat stack" points at the help of the
		// command it is about (issue 11: always "stack run" before).
		{name: "stack_usage_demo_flag", args: []string{"stack", "demo", "--bogus"}},
		{name: "stack_usage_demo_arg", args: []string{"stack", "demo", "extra"}},
		{name: "stack_usage_run_flag", args: []string{"stack", "run", "--bogus"}},
		{name: "stack_usage_run_check", args: []string{"stack", "run", "--tap", "gntap0"}},
		{name: "stack_usage_flag", args: []string{"stack", "--bogus"}},
		{name: "stack_usage_unknown", args: []string{"stack", "nope"}},
		{name: "stack_usage_none", args: []string{"stack"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			if tt.setup != nil {
				tt.setup(f)
			}
			golden(t, tt.name, f.run(context.Background(), tt.args))
		})
	}
}

// stackTable is a mini-stack "tap0" run by PID 4242 with an HTTP server
// that the host (198.18.0.1) is talking to, and a UDP echo socket.
func stackTable() control.Reply {
	src := collect.Source{Kind: "stack", Name: "tap0"}
	proc := &collect.Process{PID: 4242, Name: "gonetstat"}
	row := func(p collect.Proto, local, remote string, st collect.State, id uint64) collect.Socket {
		return collect.Socket{Source: src, Proto: p, Family: collect.FamilyIPv4, Local: netip.MustParseAddrPort(local),
			Remote: netip.MustParseAddrPort(remote), State: st, Owner: proc, Cookie: id}
	}
	listen := row(collect.ProtoTCP, "198.18.0.2:80", "0.0.0.0:0", collect.StateListen, 2)
	listen.SendQ = 64
	listen.TCP = &collect.TCPInfo{RTO: 1000000, SndMSS: 1460, RcvMSS: 1460}
	listen.Stack = &collect.StackInfo{FD: 3, MemUsed: 512, MemLimit: 266752, Age: 93*time.Second + 400*time.Millisecond}
	est := row(collect.ProtoTCP, "198.18.0.2:80", "198.18.0.1:41234", collect.StateEstablished, 7)
	est.SendQ, est.RecvQ = 2920, 0
	est.TCP = &collect.TCPInfo{RTT: 1250, RTTVar: 480, RTO: 201000,
		SndCwnd: 14, SndSsthresh: 12, SndMSS: 1460, RcvMSS: 1460, Retransmits: 0, TotalRetrans: 3, Unacked: 2,
		BytesAcked: 5 << 20, BytesReceived: 517, Timer: collect.TimerRetrans, TimerExpires: 199}
	est.Stack = &collect.StackInfo{FD: 5, MemUsed: 6144, MemLimit: 266752, Age: 2 * time.Second,
		SndUna: 1000001, SndNxt: 1002921, RcvNxt: 3000518, SndWnd: 64240, RcvWnd: 131072}
	udp := row(collect.ProtoUDP, "198.18.0.2:7", "0.0.0.0:0", collect.StateClose, 3)
	udp.Stack = &collect.StackInfo{FD: 4, MemUsed: 256, MemLimit: 65792, Age: 93 * time.Second}
	return control.Reply{Path: "/run/gonetstat/stack-4242-tap0.sock",
		Info:    control.Info{Name: "tap0", PID: 4242, Process: "gonetstat"},
		Sockets: []collect.Socket{udp, est, listen}}
}

// withStack runs stackTable's stack, and gives the host its end of the
// connection.
func withStack(f *fixture) {
	f.stacks = []control.Reply{stackTable()}
	peer := s(collect.ProtoTCP, "198.18.0.1:41234", "198.18.0.2:80", collect.StateEstablished, 30)
	f.sockets.socks = append(f.sockets.socks, peer)
	f.owners.(fakeOwners).scan.Owners[30] = &collect.Process{PID: 5150, Name: "curl"}
	withKernelInfo(f)
}

// withKernelInfo gives the kernel's TCP rows tcp_info.
func withKernelInfo(f *fixture) {
	for i := range f.sockets.socks {
		k := &f.sockets.socks[i]
		if k.Proto != collect.ProtoTCP {
			continue
		}
		k.TCP = &collect.TCPInfo{RTO: 1000000, SndCwnd: 10, SndMSS: 536, RcvMSS: 88}
		if k.State == collect.StateEstablished {
			k.TCP = &collect.TCPInfo{RTT: 250, RTTVar: 125, RTO: 204000,
				SndCwnd: 10, SndMSS: 1448, RcvMSS: 1448, BytesAcked: 518, BytesReceived: 5 << 20,
				Timer: collect.TimerKeepalive, TimerExpires: 7187}
		}
		if k.State == collect.StateTimeWait {
			k.TCP = &collect.TCPInfo{Timer: collect.TimerTimeWait, TimerExpires: 41230}
		}
	}
}

// ticker is the interval seam: it lets n waits end at once, and on the
// wait after those, cancels the context (Ctrl-C) and never ticks.
type ticker struct {
	t      *testing.T
	want   time.Duration
	n      int
	cancel context.CancelFunc
	waits  int
}

func (k *ticker) after(d time.Duration) <-chan time.Time {
	if d != k.want {
		k.t.Errorf("waited %v, want %v", d, k.want)
	}
	k.waits++
	c := make(chan time.Time, 1)
	if k.waits <= k.n {
		c <- time.Time{}
	} else {
		k.cancel()
	}
	return c
}

// TestIntervalUntilCancelled redisplays on each tick and ends with exit 0
// at Ctrl-C, after exactly the snapshots that were due: one at once, one
// per tick. The missing-owner notice is said once, not under every table.
func TestIntervalUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFixture()
	k := &ticker{t: t, want: 3 * time.Second, n: 1, cancel: cancel}
	f.after = k.after
	r := f.run(ctx, []string{"-anop", "tcp", "3"})
	if got := strings.Count(r.stdout, "Active Connections"); got != 2 {
		t.Errorf("%d tables printed, want 2", got)
	}
	if f.sockets.calls != 2 {
		t.Errorf("collected %d times, want 2", f.sockets.calls)
	}
	golden(t, "interval_text", r)
}

// TestIntervalNDJSON prints one line per snapshot, each with its own time.
func TestIntervalNDJSON(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFixture()
	f.after = (&ticker{t: t, want: time.Second, n: 2, cancel: cancel}).after
	clock := time.Date(2026, 11, 25, 4, 10, 0, 0, time.UTC)
	f.now = func() time.Time { clock = clock.Add(time.Second); return clock.In(time.FixedZone("CET", 3600)) }
	r := f.run(ctx, []string{"-an", "--ndjson", "-p", "udpv6", "1"})
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(lines), r.stdout)
	}
	for i, line := range lines {
		var doc struct {
			Time    string           `json:"time"`
			Sockets []map[string]any `json:"sockets"`
		}
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if want := fmt.Sprintf("2026-11-25T04:10:0%dZ", i+1); doc.Time != want {
			t.Errorf("line %d: time %q, want %q (UTC, one per snapshot)", i+1, doc.Time, want)
		}
		if len(doc.Sockets) != 1 {
			t.Errorf("line %d: %d sockets, want 1", i+1, len(doc.Sockets))
		}
	}
	golden(t, "interval_ndjson", r)
}

// flaky fails its second collection as incomplete.
type flaky struct{ fakeSockets }

func (f *flaky) Collect(ctx context.Context, q collect.Query) ([]collect.Socket, error) {
	socks, _ := f.fakeSockets.Collect(ctx, q)
	if f.calls == 2 {
		return socks, collect.Partial(errors.New("reading /proc/net/tcp6: read: input/output error"))
	}
	return socks, nil
}

// TestIntervalRemembersIncomplete: a snapshot that was incomplete makes
// the loop's exit 1 even when later ones are whole, so a monitoring
// script learns of it; the warning is printed under that snapshot.
func TestIntervalRemembersIncomplete(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFixture()
	fl := &flaky{fakeSockets{socks: table()}}
	f.after = (&ticker{t: t, want: 2 * time.Second, n: 2, cancel: cancel}).after
	var stdout, stderr strings.Builder
	env := Env{Stdout: &stdout, Stderr: &stderr,
		Sockets:  func(string, func(string)) (collect.Collector, error) { return fl, nil },
		Hostname: os.Hostname, Now: time.Now, After: f.after, Euid: func() int { return 0 }}
	code := Run(ctx, []string{"-an", "-p", "udp", "2"}, env)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if got := strings.Count(stdout.String(), "Active Connections"); got != 3 {
		t.Errorf("%d tables, want 3", got)
	}
	want := "gonetstat: warning: incomplete socket table: reading /proc/net/tcp6: read: input/output error\n"
	if stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}

// blockingSockets waits for the context, as a collector stuck in the
// kernel would until Ctrl-C.
type blockingSockets struct{}

func (blockingSockets) Collect(ctx context.Context, _ collect.Query) ([]collect.Socket, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestInterruptedOnce: Ctrl-C before a one-shot table is printed prints no
// table and exits 1 (there is no data), saying why.
func TestInterruptedOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	var stdout, stderr strings.Builder
	env := Env{Stdout: &stdout, Stderr: &stderr,
		Sockets: func(string, func(string)) (collect.Collector, error) { return blockingSockets{}, nil }}
	code := Run(ctx, []string{"-an"}, env)
	got := result{code, stdout.String(), stderr.String()}
	want := result{1, "", "gonetstat: interrupted before the table was printed\n"}
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// usageLine and tryHelp are a usage error's two lines: what is wrong, and
// the help of the command it is about (gonetstat, or a subcommand).
var (
	usageLine = regexp.MustCompile(`^gonetstat( stack( run| demo)?)?: `)
	tryHelp   = regexp.MustCompile(`^Try 'gonetstat( stack( run| demo)?)? --help' for more information\.$`)
)

// FuzzArgs: no command line makes Run panic; the exit code is 0, 1 or 2;
// a usage error prints nothing on stdout and two lines on stderr.
func FuzzArgs(f *testing.F) {
	for _, seed := range []string{"-ano", "-anop\x00tcp", "-ano\x005", "-tulpn", "-anop", "-p\x00bogus", "--json\x005", "--ndjson\x001", "-h", "--source=proc\x00-a", "-bfo\x00--", "-\x00-", "---x", "-p=tcp", "--proto", "9999999999999999999999", "-ntlp\x00-5", "-tulpen", "--\x00-tlp"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, argv string) {
		args := strings.Split(argv, "\x00")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		fx := newFixture()
		fx.after = func(time.Duration) <-chan time.Time {
			cancel()
			return make(chan time.Time)
		}
		r := fx.run(ctx, args)
		switch r.code {
		case 0, 1:
		case 2:
			if r.stdout != "" {
				t.Fatalf("usage error with stdout %q", r.stdout)
			}
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			if len(lines) != 2 || !usageLine.MatchString(lines[0]) || !tryHelp.MatchString(lines[1]) {
				t.Fatalf("usage error message %q", r.stderr)
			}
		default:
			t.Fatalf("exit %d", r.code)
		}
	})
}

// TestDocsExamples runs every "$ gonetstat ..." block of docs/usage.md and
// checks that each stderr line the block shows is what the command says.
func TestDocsExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/usage.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := 0
	for _, block := range strings.Split(string(doc), "```")[1:] {
		cmdline, shown, ok := strings.Cut(strings.TrimPrefix(block, "\n"), "\n")
		if !ok || !strings.HasPrefix(cmdline, "$ gonetstat ") {
			continue
		}
		blocks++
		r := newFixture().run(context.Background(), strings.Fields(strings.TrimPrefix(cmdline, "$ gonetstat ")))
		for _, line := range strings.Split(strings.TrimSpace(shown), "\n") {
			if !strings.Contains(r.stderr, line+"\n") {
				t.Errorf("%s: docs show %q; stderr is:\n%s", cmdline, line, r.stderr)
			}
		}
	}
	if blocks < 3 {
		t.Errorf("found %d example blocks in docs/usage.md, want at least 3", blocks)
	}
}

// A mini-stack's rows have no network namespace: with --stack they must
// not make the kernel's one-namespace table grow a Namespace column.
func TestManyNamespacesIgnoresStackRows(t *testing.T) {
	k := collect.Socket{Source: collect.Kernel, NetNS: &collect.Namespace{Inode: 4026531840}}
	st := collect.Socket{Source: collect.Source{Kind: "stack", Name: "tap0"}}
	if manyNamespaces([]collect.Socket{k, st, k}) {
		t.Error("kernel rows of one namespace plus stack rows count as many namespaces")
	}
	other := k
	other.NetNS = &collect.Namespace{Inode: 4026532712}
	if !manyNamespaces([]collect.Socket{st, k, other}) {
		t.Error("kernel rows of two namespaces count as one")
	}
}

// TestOwnerNoticeDocs: the notices docs/usage.md shows under "Owners" are
// what gonetstat says in those cases, byte for byte.
func TestOwnerNoticeDocs(t *testing.T) {
	doc, err := os.ReadFile("../../docs/usage.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(doc), "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	for _, c := range []struct {
		missing, total int
		scan           collect.OwnerScan
		notRoot        bool
	}{
		{3, 5210, collect.OwnerScan{View: collect.ViewAll}, false},
		{15, 120, collect.OwnerScan{View: collect.ViewAll, Denied: 82, DeniedExample: 1}, true},
		{1, 8, collect.OwnerScan{View: collect.ViewNamespace}, false},
		{1, 8, collect.OwnerScan{View: collect.ViewHidden}, true},
	} {
		line := "gonetstat: " + ownerNotice(c.missing, c.total, c.scan, c.notRoot)
		if !lines[line] {
			t.Errorf("docs/usage.md does not show the notice\n%s", line)
		}
	}
}

// TestOwnersReadAroundTheTable: the owners are read before the socket
// table, and looked for again after it, so that each process is read
// once on each side of its sockets' dump.
func TestOwnersReadAroundTheTable(t *testing.T) {
	var events []string
	f := newFixture()
	o := owners()
	o.onScan = func() { events = append(events, "scan") }
	o.rescan = func(*collect.OwnerScan, []uint64, time.Time) { events = append(events, "rescan") }
	f.owners = o
	f.sockets.onCollect = func() { events = append(events, "table") }
	if r := f.run(context.Background(), []string{"-ano"}); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if diff := cmp.Diff([]string{"scan", "table", "rescan"}, events); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

// ownersInRows is a platform whose socket table names its owners itself
// (Windows, gopsutil): no owner scanner, the rows carry them.
func ownersInRows(f *fixture) {
	f.owners = nil
	f.sockets.owned = owners().scan.Owners
	f.sockets.owned[10] = &collect.Process{PID: 1316, Name: "svchost.exe", Services: []string{"RpcSs"}}
}

// TestOwnersAskedOfTheCollector: the query says whether owners are
// wanted, so a collector that names them does the work only then.
func TestOwnersAskedOfTheCollector(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want bool
	}{{[]string{"-an"}, false}, {[]string{"-ano"}, true}, {[]string{"-anb"}, true}, {[]string{"-an", "--json"}, false}} {
		f := newFixture()
		ownersInRows(f)
		if r := f.run(context.Background(), tt.args); r.code != 0 {
			t.Fatalf("%v: %s", tt.args, r)
		}
		if got := f.sockets.last.Owners; got != tt.want {
			t.Errorf("%v: Query.Owners = %v, want %v", tt.args, got, tt.want)
		}
	}
}
