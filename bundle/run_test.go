// run_test.go runs whole bundles against a fake system (known sockets,
// routes, neighbours and /proc/net files of testdata) and reads each
// archive back: layout, checksums, statuses, caps, redaction, deadlines.

package bundle

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/codec"
	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/render"
)

// fakeSockets are the socket table of the fake system: the capture's
// addresses, one owner.
func fakeSockets() []collect.Socket {
	ap := netip.MustParseAddrPort
	owner := &collect.Process{PID: 4242, Name: "server"}
	return []collect.Socket{
		{Proto: collect.ProtoTCP, Family: collect.FamilyIPv4, State: collect.StateListen, Local: ap("198.18.77.1:8077"), Remote: ap("0.0.0.0:0"), Owner: owner, Inode: 1},
		{Proto: collect.ProtoTCP, Family: collect.FamilyIPv4, State: collect.StateEstablished, Local: ap("198.18.77.1:8077"), Remote: ap("198.18.77.2:58738"), Owner: owner, Inode: 2},
		{Proto: collect.ProtoUDP, Family: collect.FamilyIPv6, State: collect.StateClose, Local: ap("[fd00:77::1]:5377"), Remote: ap("[::]:0"), Inode: 3},
		{Proto: collect.ProtoTCP, Family: collect.FamilyIPv6, State: collect.StateListen, Local: ap("[::1]:631"), Remote: ap("[::]:0"), Inode: 4},
	}
}

// fakeReports are a namespace's reports on the fake system.
func fakeReports() codec.Reports {
	p, a := netip.MustParsePrefix, netip.MustParseAddr
	mac := func(s string) net.HardwareAddr { hw, _ := net.ParseMAC(s); return hw }
	return codec.Reports{
		Routes: &collect.RouteTable{
			Interfaces: []collect.Interface{
				{Index: 1, Name: "lo", Up: true, Addrs: []collect.InterfaceAddr{{Prefix: p("127.0.0.1/8")}}},
				{Index: 5, Name: "vb0", Up: true, MAC: mac("02:00:5e:77:00:01"), Addrs: []collect.InterfaceAddr{{Prefix: p("198.18.77.1/24")}, {Prefix: p("fd00:77::1/64")}}},
			},
			IPv4: []collect.Route{
				{Dst: p("198.18.77.0/24"), IfIndex: 5, IfName: "vb0", Src: a("198.18.77.1"), Type: collect.RouteUnicast, Table: collect.RouteTableMain},
				{Dst: p("198.19.0.0/16"), Gateway: a("198.18.77.2"), IfIndex: 5, IfName: "vb0", Type: collect.RouteUnicast, Table: collect.RouteTableMain},
			},
			IPv6: []collect.Route{{Dst: p("fd00:99::/64"), Gateway: a("fd00:77::2"), IfIndex: 5, IfName: "vb0", Type: collect.RouteUnicast, Table: collect.RouteTableMain}},
		},
		HasInterfaces: true,
		Interfaces:    []collect.InterfaceCounters{{Name: "vb0", RxBytes: 100}},
		Protocols:     &collect.ProtoCounters{},
		HasNeighbours: true,
		Neighbours:    []collect.Neighbour{{Addr: a("198.18.77.2"), IfIndex: 5, IfName: "vb0", MAC: mac("02:00:5e:77:00:03"), State: collect.NeighPermanent}},
		Rules:         []collect.Rule{{Priority: 100, Src: p("198.18.77.0/24"), Action: collect.RuleToTable, Table: 100}},
	}
}

// fakeEnv is a system of two namespaces, "host" (ours) and "blue",
// whose /proc/net is testdata's.
type fakeEnv struct {
	stdout, stderr testenv.SyncBuffer
	mu             sync.Mutex
	socketCalls    int
}

func (f *fakeEnv) env() Env {
	return Env{
		Stdout:   &f.stdout,
		Stderr:   &f.stderr,
		Hostname: func() (string, error) { return "web1", nil },
		Elevated: func() bool { return false },
		Sockets: func(ctx context.Context, q SocketsQuery) (codec.Envelope, []string, error) {
			f.mu.Lock()
			f.socketCalls++
			f.mu.Unlock()
			return codec.Envelope{Host: "web1", Time: time.Now().UTC(), Sockets: fakeSockets()}, []string{"1 of 4 sockets has no owner"}, nil
		},
		SocketsText: func(w io.Writer, socks []collect.Socket) error {
			return render.Text(w, socks, render.TextOptions{PID: true})
		},
		Reports: func(ctx context.Context, ns string) (codec.Reports, error) {
			r := fakeReports()
			r.Host, r.Time = "web1", time.Now().UTC()
			return r, nil
		},
		ReportsText: func(w io.Writer, doc codec.Reports) error { return render.Routes(w, *doc.Routes) },
		Namespaces: func(context.Context, SocketsQuery) ([]Namespace, []string, error) {
			return []Namespace{
				{NetNS: NetNS{File: OwnNSFile, Inode: 1, Own: true}},
				{NetNS: NetNS{File: "blue", Name: "blue", Inode: 2}, Spec: "blue"},
			}, nil, nil
		},
		InNamespace: func(ctx context.Context, ns Namespace, fn func(proc string) error) error {
			return fn("testdata/proc")
		},
		HostInfo: func(context.Context) (Host, error) { return Host{Kernel: "6.8.0-test", Platform: "testos"}, nil },
		LookPath: func(string) (string, error) { return "", os.ErrNotExist },
	}
}

// archive is a bundle read back: entry names in order and contents.
type archive struct {
	names []string
	data  map[string][]byte
	m     *Manifest
}

func readBundle(t *testing.T, path string) archive {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return readBundleAt(t, f, fi.Size())
}

func readBundleAt(t *testing.T, ra io.ReaderAt, size int64) archive {
	t.Helper()
	a := archive{data: map[string][]byte{}}
	err := walkArchive(ra, size, 1<<30, func(name string, n int64, r io.Reader) error {
		b, err := io.ReadAll(r)
		a.names = append(a.names, name)
		a.data[name] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.names) == 0 || a.names[0] != ManifestPath {
		t.Fatalf("first entry %v, want %s", a.names, ManifestPath)
	}
	if a.m, err = Decode(bytes.NewReader(a.data[ManifestPath])); err != nil {
		t.Fatal(err)
	}
	return a
}

func (a archive) collector(t *testing.T, name string) Collector {
	t.Helper()
	for _, c := range a.m.Collectors {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no collector %s in %+v", name, a.m.Collectors)
	return Collector{}
}

// runBundle runs a bundle into dir and returns the exit code and path.
func runBundle(t *testing.T, f *fakeEnv, env Env, opt Options) (int, string) {
	t.Helper()
	if opt.Output == "" {
		opt.Output = filepath.Join(t.TempDir(), "b"+DefaultFormat().Ext())
	}
	var code int
	testenv.NoHang(t, "the bundle run", func() { code = Run(context.Background(), opt, env) })
	return code, opt.Output
}

func TestRunBundle(t *testing.T) {
	f := &fakeEnv{}
	goroutines := runtime.NumGoroutine()
	code, path := runBundle(t, f, f.env(), Options{Args: []string{"-o", "b.tar.gz"}})
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, f.stderr.String())
	}
	// No collector's goroutine is left behind (the count is only seen by
	// polling: a returning goroutine is gone a moment after its result).
	if !testenv.Poll(func() bool { return runtime.NumGoroutine() <= goroutines }) {
		t.Errorf("%d goroutines after the run, %d before", runtime.NumGoroutine(), goroutines)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("archive mode %v, want 0600", fi.Mode().Perm())
	}
	a := readBundle(t, path)
	// The fixed entries first, in order, then every listed file, each
	// with its size and sha256.
	if want := []string{ManifestPath, SummaryPath, ReadmePath, VersionPath, LogPath}; !slicesHasPrefix(a.names, want) {
		t.Errorf("entries begin %v, want %v", a.names[:min(5, len(a.names))], want)
	}
	listed := 0
	for _, c := range a.m.Collectors {
		for _, file := range c.Files {
			if file.Omitted != "" {
				continue
			}
			listed++
			data, ok := a.data[file.Path]
			if !ok {
				t.Errorf("%s is listed but not in the archive", file.Path)
				continue
			}
			if int64(len(data)) != file.Bytes || sha256Hex(data) != file.SHA256 {
				t.Errorf("%s: %d bytes sha256 %s, listed %d %s", file.Path, len(data), sha256Hex(data), file.Bytes, file.SHA256)
			}
		}
	}
	if listed+5 != len(a.names) {
		t.Errorf("%d entries, %d listed files and 5 fixed ones", len(a.names), listed)
	}
	// .sha256 beside it, in sha256sum's format.
	sum, err := os.ReadFile(path + ".sha256")
	whole, _ := os.ReadFile(path)
	if err != nil || string(sum) != sha256Hex(whole)+"  "+filepath.Base(path)+"\n" {
		t.Errorf(".sha256 = %q (%v)", sum, err)
	}
	m := a.m
	if m.Host.Name != "web1" || m.Host.Kernel != "6.8.0-test" || m.Host.Elevated || m.Invocation.Args[0] != "-o" {
		t.Errorf("manifest host %+v, invocation %+v", m.Host, m.Invocation)
	}
	wantStatus := map[string]Status{"host": StatusOK, "sockets": StatusOK, "reports/host": StatusOK, "reports/blue": StatusOK,
		"raw/host": StatusOK, "raw/blue": StatusOK, "sysctl/host": StatusOK, "sysctl/blue": StatusOK}
	for name, st := range wantStatus {
		if c := a.collector(t, name); c.Status != st {
			t.Errorf("%s: %s (%s), want %s", name, c.Status, c.Reason, st)
		}
	}
	if m.Summary.OK != len(wantStatus) || len(m.Collectors) != len(wantStatus) {
		t.Errorf("summary %+v of %d collectors", m.Summary, len(m.Collectors))
	}
	// The socket table: what codec.SocketsJSON writes, with its rows counted.
	env, err := codec.DecodeSockets(a.data[SocketsJSONPath])
	if err != nil || len(env.Sockets) != 4 {
		t.Fatalf("sockets.json: %d sockets, %v", len(env.Sockets), err)
	}
	sc := a.collector(t, "sockets")
	if *sc.Files[0].Rows != 4 || sc.Files[0].Schema != codec.SocketsSchema {
		t.Errorf("sockets.json listed as %+v", sc.Files[0])
	}
	if !bytes.Contains(a.data[SocketsTextPath], []byte("198.18.77.1:8077")) {
		t.Errorf("sockets.txt:\n%s", a.data[SocketsTextPath])
	}
	// Raw files are the kernel's bytes (only the unix path's secret
	// scrubbed), in the namespace's directory.
	for _, name := range ProcNetFiles {
		got := a.data[RawProcNetPath("blue", name)]
		if name != "unix" && !bytes.Equal(got, readProcNet(t, name)) {
			t.Errorf("raw/blue/proc/net/%s is not the file", name)
		}
	}
	if !bytes.Contains(a.data[RawProcNetPath("host", "unix")], []byte("token="+redactedMark)) {
		t.Errorf("the unix path's secret was not scrubbed")
	}
	// Reports with neighbours and rules.
	if !bytes.Contains(a.data[ReportsJSONPath("blue")], []byte(`"neighbours":[`)) || !bytes.Contains(a.data[ReportsJSONPath("blue")], []byte(`"rules":{`)) {
		t.Errorf("reports/blue.json lacks neighbours or rules:\n%s", a.data[ReportsJSONPath("blue")])
	}
	// The log holds the notices; the progress lines and the end on stderr.
	if !bytes.Contains(a.data[LogPath], []byte("sockets: 1 of 4 sockets has no owner")) {
		t.Errorf("log:\n%s", a.data[LogPath])
	}
	stderr := f.stderr.String()
	if !regexp.MustCompile(`(?m)^\[1/8\] host … ok \(\d+ ms\)$`).MatchString(stderr) || strings.Count(stderr, " … ") != 8 {
		t.Errorf("progress lines:\n%s", stderr)
	}
	for _, want := range []string{"bundle written: " + path, "sha256 " + sha256Hex(whole), "bundle id " + m.BundleID + ": 8 collectors: 8 ok", "review before sharing"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func slicesHasPrefix(s, prefix []string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := range prefix {
		if s[i] != prefix[i] {
			return false
		}
	}
	return true
}

// TestRunRedacted: a redacted bundle holds none of the system's
// addresses, MACs or host name, in any spelling and in any entry; the
// map is beside it, 0600; a second bundle made with the map gives every
// value the same pseudonym.
func TestRunRedacted(t *testing.T) {
	f := &fakeEnv{}
	dir := t.TempDir()
	mapFile := filepath.Join(dir, "web1.map.json")
	opt := Options{RedactIP: true, RedactHost: true, RedactMAC: true, MapFile: mapFile,
		Args: []string{"--redact", "ip,host,mac", "--map-file", mapFile}}
	opt.Output = filepath.Join(dir, "one.tar.gz")
	// Names are free text that may spell an address or the host: a
	// namespace, a process, a container.
	env := f.env()
	env.Namespaces = func(context.Context, SocketsQuery) ([]Namespace, []string, error) {
		return []Namespace{{NetNS: NetNS{File: OwnNSFile, Inode: 1, Own: true}},
			{NetNS: NetNS{File: "lab-198.18.77.2", Name: "lab-198.18.77.2", Inode: 2}, Spec: "lab-198.18.77.2"}}, nil, nil
	}
	sockets := env.Sockets
	env.Sockets = func(ctx context.Context, q SocketsQuery) (codec.Envelope, []string, error) {
		e, n, err := sockets(ctx, q)
		owner := &collect.Process{PID: 7, Name: "agent-198.18.77.1", Container: &collect.Container{Name: "web1-db", PodName: "web1-pod"}}
		for i := range e.Sockets {
			e.Sockets[i].NetNS = &collect.Namespace{Inode: 2, Name: "lab-198.18.77.2"}
			e.Sockets[i].Owner = owner
		}
		return e, n, err
	}
	if code, _ := runBundle(t, f, env, opt); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, f.stderr.String())
	}
	one := readBundle(t, opt.Output)
	if l := leaks([]byte(strings.Join(one.names, "\n")), capturedAddrs, nil); len(l) > 0 {
		t.Errorf("entry names hold %v: %v", l, one.names)
	}
	for _, name := range one.names {
		if l := leaks(one.data[name], capturedAddrs, capturedMACs); len(l) > 0 {
			t.Errorf("%s still holds %v", name, l)
		}
		if regexp.MustCompile(`(?i)\bweb1\b`).Match(one.data[name]) {
			t.Errorf("%s still names the host web1", name)
		}
	}
	if got := one.m.Redaction; !got.Secrets || got.MapReused || got.Replaced["ip"] == 0 || got.Replaced["mac"] == 0 || got.Replaced["host"] != 1 ||
		strings.Join(got.Pseudonyms, ",") != "ip,host,mac" {
		t.Errorf("redaction %+v", got)
	}
	if fi, err := os.Stat(mapFile); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Errorf("map file: %v %v", fi, err)
	}
	if _, ok := one.data["web1.map.json"]; ok {
		t.Error("the map is inside the archive")
	}
	// Loopback stays readable.
	if !bytes.Contains(one.data[SocketsJSONPath], []byte(`"local_address":"::1"`)) {
		t.Errorf("loopback was replaced:\n%s", one.data[SocketsJSONPath])
	}

	opt.Output = filepath.Join(dir, "two.tar.gz")
	if code, _ := runBundle(t, f, f.env(), opt); code != ExitOK {
		t.Fatalf("second run: exit %d", code)
	}
	two := readBundle(t, opt.Output)
	if !two.m.Redaction.MapReused {
		t.Error("the second run did not say it reused the map")
	}
	if one.m.Host.Name != two.m.Host.Name || !strings.HasPrefix(one.m.Host.Name, "host-") {
		t.Errorf("host pseudonyms %q and %q", one.m.Host.Name, two.m.Host.Name)
	}
	for _, name := range []string{ReportsJSONPath("host"), RawProcNetPath("host", "tcp"), RawProcNetPath("host", "arp"), RawProcNetPath("host", "if_inet6")} {
		if !bytes.Equal(stripTime(one.data[name]), stripTime(two.data[name])) {
			t.Errorf("%s differs between two bundles made with one map:\n%s\n%s", name, one.data[name], two.data[name])
		}
	}
	e1, _ := codec.DecodeSockets(one.data[SocketsJSONPath])
	e2, _ := codec.DecodeSockets(two.data[SocketsJSONPath])
	for i := range e1.Sockets {
		if e1.Sockets[i].Local != e2.Sockets[i].Local || e1.Sockets[i].Remote != e2.Sockets[i].Remote {
			t.Errorf("socket %d: %v %v, then %v %v", i, e1.Sockets[i].Local, e1.Sockets[i].Remote, e2.Sockets[i].Local, e2.Sockets[i].Remote)
		}
	}
	// A third run with another map gives other pseudonyms.
	opt.MapFile, opt.Output = filepath.Join(dir, "other.map.json"), filepath.Join(dir, "three.tar.gz")
	runBundle(t, f, f.env(), opt)
	three := readBundle(t, opt.Output)
	if bytes.Equal(one.data[RawProcNetPath("host", "tcp")], three.data[RawProcNetPath("host", "tcp")]) {
		t.Error("two maps, one set of pseudonyms")
	}
}

var timeField = regexp.MustCompile(`"time":"[^"]*"`)

func stripTime(b []byte) []byte { return timeField.ReplaceAll(b, nil) }

// TestRunDefaultNameRedacted: the archive's default name holds the host's
// pseudonym under --redact host, and the map lands in the current
// directory.
func TestRunDefaultNameRedacted(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	f := &fakeEnv{}
	if code := Run(context.Background(), Options{RedactHost: true}, f.env()); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, f.stderr.String())
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	got := strings.Join(names, " ")
	if strings.Contains(got, "_web1_") || !regexp.MustCompile(`gonetstat-bundle_host-[0-9a-f]{8}_\d{8}T\d{6}Z\.`).MatchString(got) ||
		!strings.Contains(got, "gonetstat-bundle_web1.map.json") {
		t.Errorf("files made: %s", got)
	}
}

// TestRunHangingCollector: a collector that hangs until its deadline is
// timeout, one that never returns is left behind after its grace and is
// timeout too; the bundle is still written, exit 0 (3 with --strict),
// and the collectors after them run.
func TestRunHangingCollector(t *testing.T) {
	for _, strict := range []bool{false, true} {
		f := &fakeEnv{}
		env := f.env()
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		var lateWrite error
		wrote := make(chan struct{})
		env.extra = []job{
			{name: "hangs", timeout: 50 * time.Millisecond, run: func(ctx context.Context, w *work) error {
				f, err := w.create(CommandPath("hangs"), cutTail, true, "command", "text")
				if err != nil {
					return err
				}
				io.WriteString(f, "started\n")
				<-ctx.Done()
				return ctx.Err()
			}},
			{name: "stuck", timeout: 50 * time.Millisecond, run: func(ctx context.Context, w *work) error {
				f, err := w.create(CommandPath("stuck"), cutTail, true, "command", "text")
				if err != nil {
					return err
				}
				<-release // ignores ctx: the run must not wait for it
				_, lateWrite = f.Write([]byte("too late\n"))
				close(wrote)
				return nil
			}},
			{name: "after", timeout: time.Second, run: func(ctx context.Context, w *work) error { return nil }},
		}
		env.abandonAfter = 50 * time.Millisecond
		code, path := runBundle(t, f, env, Options{Strict: strict})
		if want := map[bool]int{false: ExitOK, true: ExitStrict}[strict]; code != want {
			t.Fatalf("strict %v: exit %d, want %d\n%s", strict, code, want, f.stderr.String())
		}
		a := readBundle(t, path)
		h := a.collector(t, "hangs")
		if h.Status != StatusTimeout || !strings.Contains(h.Reason, "deadline of 50ms passed") || h.Files[0].Omitted != "" {
			t.Errorf("hangs: %+v", h)
		}
		if string(a.data[CommandPath("hangs")]) != "started\n" {
			t.Errorf("what the hung collector wrote before its deadline: %q", a.data[CommandPath("hangs")])
		}
		if s := a.collector(t, "stuck"); s.Status != StatusTimeout || !strings.Contains(s.Reason, "left behind") {
			t.Errorf("stuck: %+v", s)
		}
		if c := a.collector(t, "after"); c.Status != StatusOK {
			t.Errorf("the collector after them: %+v", c)
		}
		if a.m.Summary.Timeout != 2 {
			t.Errorf("summary %+v", a.m.Summary)
		}
		release <- struct{}{}
		<-wrote
		if lateWrite != errFileClosed {
			t.Errorf("a write after the deadline: %v, want errFileClosed", lateWrite)
		}
	}
}

// TestRunCaps: a table over the per-file cap is left out whole with its
// rows; a text over it keeps its tail, marked; once the bundle cap is
// reached the later collectors are skipped.
func TestRunCaps(t *testing.T) {
	f := &fakeEnv{}
	env := f.env()
	env.ReportsText = func(w io.Writer, doc codec.Reports) error {
		for i := range 200 {
			io.WriteString(w, strings.Repeat("x", 20)+" line "+string(rune('a'+i%26))+"\n")
		}
		io.WriteString(w, "the last line\n")
		return nil
	}
	code, path := runBundle(t, f, env, Options{MaxFile: 900, MaxSize: 8 << 10})
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, f.stderr.String())
	}
	a := readBundle(t, path)
	sc := a.collector(t, "sockets")
	js := sc.Files[0]
	if sc.Status != StatusPartial || js.Omitted == "" || !js.Truncated || *js.Rows != 4 || js.SHA256 != "" {
		t.Errorf("sockets over the cap: %+v %+v", sc, js)
	}
	if _, ok := a.data[SocketsJSONPath]; ok {
		t.Error("a socket table over the cap is in the archive")
	}
	txt := a.data[ReportsTextPath("host")]
	if !bytes.HasPrefix(txt, []byte("[gonetstat: the first ")) || !bytes.HasSuffix(txt, []byte("the last line\n")) || len(txt) > 900+200 {
		t.Errorf("reports text over the cap (%d bytes):\n%s", len(txt), txt)
	}
	if rc := a.collector(t, "reports/host"); rc.Status != StatusPartial || !rc.Files[1].Truncated {
		t.Errorf("reports/host: %+v", rc)
	}
	skipped := 0
	for _, c := range a.m.Collectors {
		if c.Status == StatusSkipped {
			skipped++
			if !strings.Contains(c.Reason, "size cap") {
				t.Errorf("%s skipped for %q", c.Name, c.Reason)
			}
		}
	}
	if skipped == 0 {
		t.Errorf("no collector was skipped at an 8 KiB cap: %+v", a.m.Summary)
	}
	var total int64
	for _, c := range a.m.Collectors {
		for _, file := range c.Files {
			total += file.Bytes
		}
	}
	if total > 8<<10 {
		t.Errorf("%d bytes staged past a cap of %d", total, 8<<10)
	}
}

// TestRunUnscrubbable: a command whose output is not text is left out
// and listed (fail closed): exit 0, 3 with --strict.
func TestRunUnscrubbable(t *testing.T) {
	f := &fakeEnv{}
	env := f.env()
	env.extra = []job{{name: "binary", timeout: time.Second, run: func(ctx context.Context, w *work) error {
		out, err := w.create(CommandPath("binary"), cutTail, true, "command", "text")
		if err != nil {
			return err
		}
		_, err = out.Write([]byte("password=x\x00\xff 198.18.77.1"))
		return err
	}}}
	code, path := runBundle(t, f, env, Options{Strict: true})
	if code != ExitStrict {
		t.Fatalf("exit %d, want %d", code, ExitStrict)
	}
	a := readBundle(t, path)
	if _, ok := a.data[CommandPath("binary")]; ok {
		t.Error("an unscrubbable file is in the archive")
	}
	if got := a.m.Redaction.Failed; len(got) != 1 || got[0] != CommandPath("binary") {
		t.Errorf("redaction.failed = %v", got)
	}
	if c := a.collector(t, "binary"); c.Status != StatusPartial || !strings.Contains(c.Files[0].Omitted, "cannot be scrubbed") {
		t.Errorf("binary: %+v", c)
	}
}

// TestRunCommand runs a --with-commands tool (a script standing for ss):
// its output is headed and scrubbed, and at its deadline its whole
// process group is killed, a grandchild included.
func TestRunCommand(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in tool is a shell script")
	}
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	script := filepath.Join(dir, "fake-ss")
	body := "#!/bin/sh\necho 'token=abc123 peer 198.18.77.2'\nsleep 3600 &\necho $! > " + pidFile + "\nwait\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	f := &fakeEnv{}
	env := f.env()
	env.LookPath = func(name string) (string, error) {
		if name == "ss" {
			return script, nil
		}
		return "", os.ErrNotExist
	}
	code, path := runBundle(t, f, env, Options{WithCommands: true, CommandTimeout: 200 * time.Millisecond, RedactIP: true, MapFile: filepath.Join(dir, "m.json")})
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, f.stderr.String())
	}
	a := readBundle(t, path)
	c := a.collector(t, "commands/ss")
	out := string(a.data[CommandPath("ss")])
	if c.Status != StatusTimeout || !strings.HasPrefix(out, "$ ss -tuanpie\n# exit status killed at the deadline, ") ||
		!strings.Contains(out, "token="+redactedMark+" peer ") || strings.Contains(out, "198.18.77.2") {
		t.Errorf("commands/ss %+v:\n%s", c, out)
	}
	if n := a.collector(t, "commands/nstat"); n.Status != StatusUnavailable || !strings.Contains(n.Reason, "not installed") {
		t.Errorf("nstat: %+v", n)
	}
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	// The grandchild died with its group: gone, or a zombie until its
	// new parent reaps it.
	testenv.WaitFor(t, "the command's grandchild to die", func() bool {
		stat, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/stat")
		return err != nil || regexp.MustCompile(`\) Z `).Match(stat)
	})
}

func TestRunDryRun(t *testing.T) {
	f := &fakeEnv{}
	dir := t.TempDir()
	code, _ := runBundle(t, f, f.env(), Options{DryRun: true, Output: filepath.Join(dir, "x.tar.gz"), Duration: 2 * time.Second})
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	out := f.stdout.String()
	for _, want := range []string{"9 collectors", "reports/blue", "samples", "deadline 12s", "estimate: about"} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan lacks %q:\n%s", want, out)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 || f.socketCalls != 0 {
		t.Errorf("--dry-run wrote %v or read the sockets (%d)", ents, f.socketCalls)
	}
}

// TestRunStdout: -o - streams a verified archive to stdout, with no
// .sha256 beside anything, and samples come one line per snapshot.
func TestRunStdout(t *testing.T) {
	f := &fakeEnv{}
	code, _ := runBundle(t, f, f.env(), Options{Output: "-", Duration: time.Second, Interval: 250 * time.Millisecond, Quiet: true})
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, f.stderr.String())
	}
	if f.stderr.String() != "" {
		t.Errorf("-q printed:\n%s", f.stderr.String())
	}
	out := f.stdout.Bytes()
	if err := Verify(bytes.NewReader(out), int64(len(out))); err != nil {
		t.Fatal(err)
	}
	a := readBundleAt(t, bytes.NewReader(out), int64(len(out)))
	s := a.collector(t, "samples")
	lines := bytes.Count(a.data[SamplesPath], []byte("\n"))
	if s.Status != StatusOK || lines < 2 || int64(lines) != *s.Files[0].Rows {
		t.Errorf("samples %+v, %d lines", s, lines)
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(a.data[SamplesPath], []byte("\n")), []byte("\n")) {
		if _, err := codec.DecodeSockets(line); err != nil {
			t.Errorf("sample %d: %v", i, err)
		}
	}
}

// TestRunInterrupted: Ctrl-C during a collector cuts it off, skips the
// rest, and still writes what was collected.
func TestRunInterrupted(t *testing.T) {
	f := &fakeEnv{}
	env := f.env()
	ctx, cancel := context.WithCancel(context.Background())
	env.extra = []job{{name: "interrupted", timeout: time.Minute, run: func(ctx context.Context, w *work) error {
		cancel()
		<-ctx.Done()
		return ctx.Err()
	}}, {name: "never", timeout: time.Second, run: func(context.Context, *work) error { return nil }}}
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	var code int
	testenv.NoHang(t, "an interrupted bundle", func() { code = Run(ctx, Options{Output: out}, env) })
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, f.stderr.String())
	}
	a := readBundle(t, out)
	if c := a.collector(t, "interrupted"); c.Status != StatusSkipped || c.Reason != "interrupted" {
		t.Errorf("%+v", c)
	}
	if c := a.collector(t, "never"); c.Status != StatusSkipped {
		t.Errorf("%+v", c)
	}
	if c := a.collector(t, "sockets"); c.Status != StatusOK {
		t.Errorf("%+v", c)
	}
}

// TestVerifyRejects: an archive whose manifest lies, is not first, or
// that holds what it does not list, does not verify.
func TestVerifyRejects(t *testing.T) {
	m := sampleManifest()
	m.Collectors = m.Collectors[:1]
	m.Summary = Summary{OK: 1}
	body := []byte("{}\n")
	m.Collectors[0].Files[0].Bytes, m.Collectors[0].Files[0].SHA256 = int64(len(body)), sha256Hex(body)
	var man bytes.Buffer
	if err := Encode(&man, m); err != nil {
		t.Fatal(err)
	}
	type entry struct{ name, data string }
	fixed := []entry{{SummaryPath, ""}, {ReadmePath, ""}, {VersionPath, ""}, {LogPath, ""}}
	build := func(entries ...entry) []byte {
		var b bytes.Buffer
		aw := newArchiveWriter(&b, TarGz)
		for _, e := range entries {
			if err := aw.add(e.name, int64(len(e.data)), time.Now(), strings.NewReader(e.data)); err != nil {
				t.Fatal(err)
			}
		}
		aw.close()
		return b.Bytes()
	}
	good := append(append([]entry{{ManifestPath, man.String()}}, fixed...), entry{SocketsJSONPath, string(body)})
	if b := build(good...); Verify(bytes.NewReader(b), int64(len(b))) != nil {
		t.Fatalf("a good archive: %v", Verify(bytes.NewReader(b), int64(len(b))))
	}
	for name, entries := range map[string][]entry{
		"changed":          append(append([]entry{{ManifestPath, man.String()}}, fixed...), entry{SocketsJSONPath, "{}\r"}),
		"missing":          append([]entry{{ManifestPath, man.String()}}, fixed...),
		"not first":        append(append(append([]entry{}, fixed...), entry{ManifestPath, man.String()}), entry{SocketsJSONPath, string(body)}),
		"unlisted":         append(good[:len(good):len(good)], entry{SamplesPath, "x"}),
		"traversal":        append(good[:len(good):len(good)], entry{"../evil", "x"}),
		"twice":            append(good[:len(good):len(good)], entry{SocketsJSONPath, string(body)}),
		"no fixed entries": {{ManifestPath, man.String()}, {SocketsJSONPath, string(body)}},
	} {
		b := build(entries...)
		if err := Verify(bytes.NewReader(b), int64(len(b))); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
	if err := Verify(bytes.NewReader([]byte("not an archive")), 14); err == nil {
		t.Error("garbage verified")
	}
}

// TestManifestOfRunDecodes: json.Valid, Decode and the summary agree on
// what a real run wrote, and the redaction's replaced counts are there
// only under --redact.
func TestManifestOfRunDecodes(t *testing.T) {
	f := &fakeEnv{}
	_, path := runBundle(t, f, f.env(), Options{})
	a := readBundle(t, path)
	if !json.Valid(a.data[ManifestPath]) || a.m.Redaction.Replaced != nil || len(a.m.Redaction.Pseudonyms) != 0 {
		t.Errorf("manifest redaction %+v", a.m.Redaction)
	}
	if a.m.Finished.Before(a.m.Created) || a.m.Tool.Name != "gonetstat" || a.m.Tool.GoVersion != runtime.Version() {
		t.Errorf("manifest %+v", a.m)
	}
}

// TestRunHostileHostName: a host name is the system's to choose (any
// bytes, sethostname(2)); summary.txt and README.txt, made to be read with
// cat, carry it through the sanitizer like every other line.
func TestRunHostileHostName(t *testing.T) {
	f := &fakeEnv{}
	env := f.env()
	env.Hostname = func() (string, error) { return "web\x1b[2J\u202e1\xff", nil }
	code, path := runBundle(t, f, env, Options{Output: filepath.Join(t.TempDir(), "b"+DefaultFormat().Ext())})
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, f.stderr.String())
	}
	a := readBundle(t, path)
	for _, name := range []string{SummaryPath, ReadmePath} {
		text := string(a.data[name])
		if !strings.Contains(text, "web?[2J?1?") {
			t.Errorf("%s does not name the host as the sanitizer writes it:\n%s", name, text)
		}
		for _, bad := range []string{"\x1b", "\u202e", "\xff"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s holds %q", name, bad)
			}
		}
	}
}
