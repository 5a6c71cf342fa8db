// collector_test.go runs the collector and the report readers over a
// fake Windows (fakeSource): owners named once per PID and shared,
// services, failing tables, notices, ctx; and the golden -ano text of
// shared/reference/windows-netstat-ano.txt rebuilt from the raw tables.

package iphlpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/codec"
	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/render"
)

// fakeSource answers as Windows would, from fixtures, and counts the
// process lookups.
type fakeSource struct {
	tables   map[collect.Kind][]byte
	tableErr map[collect.Kind]error
	stat     map[statsKind][2][]byte // IPv4, IPv6
	statErr  error

	ifs, ipifs, addrs, fwd             []byte
	ifsErr, ipifsErr, addrsErr, fwdErr error

	images   map[uint32]string
	denied   map[uint32]bool
	svcs     []service
	svcErr   error
	onImage  func(pid uint32)
	lookups  map[uint32]int
	svcCalls int
}

func (f *fakeSource) socketTable(k collect.Kind) ([]byte, error) {
	if err := f.tableErr[k]; err != nil {
		return nil, err
	}
	if b, ok := f.tables[k]; ok {
		return b, nil
	}
	return []byte{0, 0, 0, 0}, nil
}

func (f *fakeSource) stats(s statsKind, family uint16) ([]byte, error) {
	if f.statErr != nil {
		return nil, f.statErr
	}
	if family == afInet6 {
		return f.stat[s][1], nil
	}
	return f.stat[s][0], nil
}

func (f *fakeSource) forwardTable() ([]byte, error)     { return f.fwd, f.fwdErr }
func (f *fakeSource) ipInterfaceTable() ([]byte, error) { return f.ipifs, f.ipifsErr }
func (f *fakeSource) addressTable() ([]byte, error)     { return f.addrs, f.addrsErr }
func (f *fakeSource) ifTable() ([]byte, error)          { return f.ifs, f.ifsErr }

func (f *fakeSource) imageName(pid uint32) (string, error) {
	if f.lookups == nil {
		f.lookups = make(map[uint32]int)
	}
	f.lookups[pid]++
	if f.onImage != nil {
		f.onImage(pid)
	}
	if f.denied[pid] {
		return "", fmt.Errorf("OpenProcess(%d): %w", pid, fs.ErrPermission)
	}
	if p, ok := f.images[pid]; ok {
		return p, nil
	}
	return "", errors.New("The parameter is incorrect.") // an exited process
}

func (f *fakeSource) services() ([]service, error) {
	f.svcCalls++
	return f.svcs, f.svcErr
}

// referenceSource holds the tables of the reference machine (the hex
// fixtures) and its processes.
func referenceSource(tb testing.TB) *fakeSource {
	return &fakeSource{
		tables: map[collect.Kind][]byte{
			collect.TCP4: readHex(tb, "tcp4.hex"),
			collect.TCP6: readHex(tb, "tcp6.hex"),
			collect.UDP4: readHex(tb, "udp4.hex"),
			collect.UDP6: readHex(tb, "udp6.hex"),
		},
		images: map[uint32]string{
			700:  `C:\Windows\System32\svchost.exe`,
			1348: `C:\Program Files\Telnet\tlntsvr.exe`,
			928:  `C:\Windows\System32\svchost.exe`,
			3852: `C:\Windows\System32\svchost.exe`,
		},
		denied: map[uint32]bool{6300: true},
		svcs: []service{
			{"RpcSs", 700}, {"RpcEptMapper", 700}, {"W32Time", 928}, {"SSDPSRV", 3852}, {"Stopped", 0},
		},
	}
}

// TestWindowsReferenceGolden decodes the reference machine's tables and
// renders them as -ano with CRLF: the bytes of Windows' own netstat -ano.
func TestWindowsReferenceGolden(t *testing.T) {
	want, err := os.ReadFile("../../render/testdata/windows-netstat-ano.txt")
	if err != nil {
		t.Fatal(err)
	}
	c := newCollector(referenceSource(t), nil)
	socks, err := c.Collect(t.Context(), collect.Query{Owners: true})
	if err != nil {
		t.Fatal(err)
	}
	collect.Sort(socks)
	var got bytes.Buffer
	if err := render.Text(&got, socks, render.TextOptions{PID: true, CRLF: true}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got.String()); diff != "" {
		t.Errorf("(-windows +gonetstat):\n%s", diff)
	}
}

// TestOwners: one lookup per distinct PID, one *Process shared by its
// rows, Windows' names for PIDs 0 and 4, services sorted, a refused
// process nameless; -b prints what Windows' netstat -b prints.
func TestOwners(t *testing.T) {
	src := referenceSource(t)
	c := newCollector(src, nil)
	socks, err := c.Collect(t.Context(), collect.Query{Owners: true})
	if err != nil {
		t.Fatal(err)
	}
	byPID := map[int]*collect.Process{}
	for _, s := range socks {
		if s.Owner == nil || s.Holders != 1 {
			t.Fatalf("%v: owner %v, holders %d", s.Local, s.Owner, s.Holders)
		}
		if p, ok := byPID[s.Owner.PID]; ok && p != s.Owner {
			t.Errorf("PID %d: two *Process", s.Owner.PID)
		}
		byPID[s.Owner.PID] = s.Owner
	}
	for pid, n := range src.lookups {
		if n != 1 {
			t.Errorf("PID %d looked up %d times", pid, n)
		}
	}
	if src.lookups[0] != 0 || src.lookups[4] != 0 || src.svcCalls != 1 {
		t.Errorf("lookups %v, service listings %d", src.lookups, src.svcCalls)
	}
	want := map[int]collect.Process{
		0:    {PID: 0, Name: "System Idle Process"},
		4:    {PID: 4, Name: "System"},
		700:  {PID: 700, Name: "svchost.exe", Services: []string{"RpcEptMapper", "RpcSs"}},
		928:  {PID: 928, Name: "svchost.exe", Services: []string{"W32Time"}},
		1348: {PID: 1348, Name: "tlntsvr.exe"},
		3852: {PID: 3852, Name: "svchost.exe", Services: []string{"SSDPSRV"}},
		6300: {PID: 6300},
	}
	got := map[int]collect.Process{}
	for pid, p := range byPID {
		got[pid] = *p
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	collect.Sort(socks)
	var b strings.Builder
	if err := render.Text(&b, socks[:3], render.TextOptions{Exe: true}); err != nil {
		t.Fatal(err)
	}
	wantText := `
Active Connections

  Proto  Local Address          Foreign Address        State
  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING
  RpcEptMapper, RpcSs
 [svchost.exe]
  TCP    0.0.0.0:445            0.0.0.0:0              LISTENING
 [System]
  TCP    10.129.194.120:23      10.10.16.35:47684      ESTABLISHED
 [tlntsvr.exe]
`
	if diff := cmp.Diff(wantText, b.String()); diff != "" {
		t.Errorf("-b (-want +got):\n%s", diff)
	}
}

// TestNoOwnersAsked: without Query.Owners no process is looked up and
// no row has an owner.
func TestNoOwnersAsked(t *testing.T) {
	src := referenceSource(t)
	socks, err := newCollector(src, nil).Collect(t.Context(), collect.Query{Kinds: collect.TCP4 | collect.UDP6})
	if err != nil {
		t.Fatal(err)
	}
	if len(socks) != 6 {
		t.Errorf("%d rows, want 4 TCP + 2 UDPv6", len(socks))
	}
	for _, s := range socks {
		if s.Owner != nil || s.Holders != 0 {
			t.Errorf("%v has an owner", s.Local)
		}
	}
	if len(src.lookups) != 0 || src.svcCalls != 0 {
		t.Errorf("lookups %v, service listings %d", src.lookups, src.svcCalls)
	}
}

// TestFailingTable: a table Windows refuses or that does not decode is
// named in a *collect.PartialError beside the others' rows.
func TestFailingTable(t *testing.T) {
	src := referenceSource(t)
	src.tableErr = map[collect.Kind]error{collect.TCP6: errors.New("GetExtendedTcpTable: The parameter is incorrect.")}
	src.tables[collect.UDP4] = src.tables[collect.UDP4][:10]
	socks, err := newCollector(src, nil).Collect(t.Context(), collect.Query{})
	if !collect.IsPartial(err) {
		t.Fatalf("err = %v", err)
	}
	for _, frag := range []string{"the tcp6 table: GetExtendedTcpTable", "the udp table: MIB_UDPTABLE_OWNER_PID"} {
		if !strings.Contains(err.Error(), frag) {
			t.Errorf("%q lacks %q", err, frag)
		}
	}
	if !errors.Is(err, ErrTruncated) {
		t.Errorf("%v does not wrap ErrTruncated", err)
	}
	if len(socks) != 4+2 {
		t.Errorf("%d rows, want the 4 of tcp and the 2 of udp6", len(socks))
	}
}

// TestNotices: an undocumented state, -q, and a service control manager
// that cannot be opened are each said once, however many snapshots.
func TestNotices(t *testing.T) {
	src := referenceSource(t)
	src.tables[collect.TCP4] = tableOf(4, tcp4Row(13, "198.18.0.1:1", "198.18.0.2:2", 5), tcp4Row(99, "198.18.0.1:3", "198.18.0.2:4", 5))
	src.svcErr = errors.New("opening the service control manager: Access is denied.")
	var notes []string
	c := newCollector(src, func(s string) { notes = append(notes, s) })
	for range 3 {
		socks, err := c.Collect(t.Context(), collect.Query{Owners: true, Bound: true})
		if err != nil {
			t.Fatal(err)
		}
		if socks[0].State != collect.StateUnknown || socks[0].Owner.Services != nil {
			t.Errorf("row 0: %v, services %v", socks[0].State, socks[0].Owner.Services)
		}
	}
	want := []string{
		"-q: bound, non-listening TCP sockets (BOUND) are not shown: GetExtendedTcpTable does not list them",
		"a TCP socket is in state 13, which Windows does not document (MIB_TCP_STATE is 1 to 12): shown as unknown-state-0",
		"a TCP socket is in state 99, which Windows does not document (MIB_TCP_STATE is 1 to 12): shown as unknown-state-0",
		"the services hosted by each process are not shown: opening the service control manager: Access is denied.",
	}
	if diff := cmp.Diff(want, notes); diff != "" {
		t.Errorf("notices (-want +got):\n%s", diff)
	}
}

// TestCollectStopsWithCtx: ctx ending stops the read between tables and
// between process lookups.
func TestCollectStopsWithCtx(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := newCollector(referenceSource(t), nil).Collect(ctx, collect.Query{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: %v", err)
	}

	ctx, cancel = context.WithCancel(t.Context())
	src := referenceSource(t)
	src.onImage = func(uint32) { cancel() }
	if _, err := newCollector(src, nil).Collect(ctx, collect.Query{Owners: true}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled during the lookups: %v", err)
	}
	if len(src.lookups) != 1 {
		t.Errorf("%d processes looked up after ctx ended", len(src.lookups)-1)
	}

	for name, read := range map[string]func(context.Context, source) error{
		"-s": func(ctx context.Context, s source) error { _, err := readProtocols(ctx, s); return err },
		"-e": func(ctx context.Context, s source) error { _, err := readInterfaces(ctx, s); return err },
		"-r": func(ctx context.Context, s source) error { _, err := readRoutes(ctx, s); return err },
	} {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		ifs, ipifs, addrs, fwd := windowsTables(t)
		src := &fakeSource{ifs: ifs, ipifs: ipifs, addrs: addrs, fwd: fwd, stat: statFixtures(t)}
		if err := read(ctx, src); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func statFixtures(tb testing.TB) map[statsKind][2][]byte {
	both := func(f string) [2][]byte { return [2][]byte{readHex(tb, f), readHex(tb, f)} }
	return map[statsKind][2][]byte{
		statsIP:   both("ipstats.hex"),
		statsTCP:  both("tcpstats.hex"),
		statsUDP:  both("udpstats.hex"),
		statsICMP: {readHex(tb, "icmpex.hex"), readHex(tb, "icmp6ex.hex")},
	}
}

// TestReadProtocols: every section of -s is there, and a call that fails
// fails the report with the family named.
func TestReadProtocols(t *testing.T) {
	c, err := readProtocols(t.Context(), &fakeSource{stat: statFixtures(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"Ip", "Ip6", "Icmp", "Icmp6", "Tcp", "Udp", "Udp6"} {
		if !c.Has(g) {
			t.Errorf("no group %s", g)
		}
	}
	var b strings.Builder
	if err := render.ProtocolStats(&b, c, codec.StatsTCP); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "  Active Opens                       = 2000\n") {
		t.Errorf("-s -p tcp:\n%s", b.String())
	}

	stat := statFixtures(t)
	stat[statsICMP] = [2][]byte{stat[statsICMP][0], stat[statsICMP][1][:100]}
	if _, err := readProtocols(t.Context(), &fakeSource{stat: stat}); err == nil || !strings.Contains(err.Error(), "the IPv6 statistics: MIB_ICMP_EX") {
		t.Errorf("ICMPv6 cut short: %v", err)
	}
	if _, err := readProtocols(t.Context(), &fakeSource{statErr: errors.New("GetIpStatisticsEx: Request not supported.")}); err == nil ||
		!strings.Contains(err.Error(), "the IPv4 statistics: GetIpStatisticsEx") {
		t.Errorf("a call refused: %v", err)
	}
}

func TestBaseName(t *testing.T) {
	for path, want := range map[string]string{
		`C:\Windows\System32\svchost.exe`: "svchost.exe",
		`\\?\C:\very\long\path\tool.exe`:  "tool.exe",
		`\Device\HarddiskVolume3\a\b.exe`: "b.exe",
		`C:/mixed/slashes.exe`:            "slashes.exe",
		`noslash.exe`:                     "noslash.exe",
		`C:\dir\`:                         "",
		``:                                "",
	} {
		if got := baseName(path); got != want {
			t.Errorf("baseName(%q) = %q, want %q", path, got, want)
		}
	}
}
