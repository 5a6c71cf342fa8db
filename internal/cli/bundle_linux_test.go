// bundle_linux_test.go makes real bundles of a network namespace the test
// builds (two veths, addresses from 198.18.0.0/15 and fd00:90::/64, a
// permanent neighbour, a route, a policy rule, a TCP listener with a
// connection and a UDP socket), as root and as nobody, plain and
// redacted, and checks what they hold.

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gonetstat/gonetstat/bundle"
	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/render"
)

// bundleNS is the namespace of the integration tests and what is in it.
type bundleNS struct {
	name       string
	tcpPort    int // the listener on 198.18.90.1, with one connection to it
	udpPort    int // the UDP socket on [fd00:90::1]
	addrs      []string
	macs       []string
	closeConns func()
}

func makeBundleNS(t *testing.T) *bundleNS {
	t.Helper()
	ns := testenv.NewNetns(t, "gnst-bundle-")
	a, b := testenv.RandName("gb", 8), testenv.RandName("gb", 8)
	ip := func(args ...string) { testenv.Run(t, "ip", append([]string{"-n", ns}, args...)...) }
	ip("link", "add", a, "type", "veth", "peer", "name", b)
	ip("link", "set", a, "address", "02:00:5e:90:00:01", "up")
	ip("link", "set", b, "address", "02:00:5e:90:00:02", "up")
	ip("addr", "add", "198.18.90.1/24", "dev", a)
	ip("addr", "add", "198.18.91.1/24", "dev", b)
	ip("addr", "add", "fd00:90::1/64", "dev", a, "nodad")
	ip("neigh", "add", "198.18.90.2", "lladdr", "02:00:5e:90:00:03", "dev", a, "nud", "permanent")
	ip("route", "add", "198.19.90.0/24", "via", "198.18.90.2")
	ip("rule", "add", "from", "198.18.90.0/24", "table", "90", "priority", "900")
	n := &bundleNS{name: ns,
		addrs: []string{"198.18.90.1", "198.18.90.2", "198.18.91.1", "fd00:90::1", "198.18.90.0", "198.18.91.0", "198.19.90.0", "fd00:90::"},
		macs:  []string{"02:00:5e:90:00:01", "02:00:5e:90:00:02", "02:00:5e:90:00:03"}}
	var ln net.Listener
	var conn, peer net.Conn
	var udp net.PacketConn
	var err error
	testenv.InNetns(t, ns, func() {
		if ln, err = net.Listen("tcp4", "198.18.90.1:0"); err != nil {
			return
		}
		if conn, err = net.Dial("tcp4", ln.Addr().String()); err != nil {
			return
		}
		if peer, err = ln.Accept(); err != nil {
			return
		}
		udp, err = net.ListenPacket("udp6", "[fd00:90::1]:0")
	})
	if err != nil {
		t.Fatal(err)
	}
	n.tcpPort = ln.Addr().(*net.TCPAddr).Port
	n.udpPort = udp.LocalAddr().(*net.UDPAddr).Port
	n.closeConns = func() { conn.Close(); peer.Close(); ln.Close(); udp.Close() }
	t.Cleanup(n.closeConns)
	return n
}

// readTarGz reads every entry of a bundle (tar.gz) into memory, in order.
func readTarGz(t *testing.T, path string) (names []string, data map[string][]byte, m *bundle.Manifest) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	if err := bundle.Verify(f, fi.Size()); err != nil {
		t.Fatalf("the bundle does not verify: %v", err)
	}
	m = manifestOf(t, path)
	data = map[string][]byte{}
	tr := tarEntries(t, path)
	for _, e := range tr {
		names = append(names, e.name)
		data[e.name] = e.data
	}
	return names, data, m
}

// makeBundle runs "gonetstat bundle args..." on this machine and returns
// the archive's path.
func makeBundle(t *testing.T, args ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	var stdout, stderr bytes.Buffer
	var code int
	testenv.NoHang(t, "gonetstat bundle", func() {
		code = Run(context.Background(), append([]string{"bundle", "-o", out}, args...), LiveEnv(&stdout, &stderr))
	})
	if code != 0 {
		t.Fatalf("gonetstat bundle %v: exit %d\n%s", args, code, stderr.String())
	}
	return out
}

func nsFileOf(t *testing.T, m *bundle.Manifest, name string) string {
	t.Helper()
	for _, n := range m.Invocation.NetNS {
		if n.Name == name {
			return n.File
		}
	}
	t.Fatalf("namespace %s is not in the manifest: %+v", name, m.Invocation.NetNS)
	return ""
}

// checkBundleOfNS checks what a bundle holds of the namespace: its
// sockets, routes, neighbour, rule, raw tables and sysctls. file is the
// namespace's name in entry paths.
func checkBundleOfNS(t *testing.T, n *bundleNS, data map[string][]byte, m *bundle.Manifest, file string) {
	t.Helper()
	for _, c := range m.Collectors {
		if c.Status != bundle.StatusOK {
			t.Errorf("collector %s: %s (%s)", c.Name, c.Status, c.Reason)
		}
	}
	env, err := render.DecodeJSON(data[bundle.SocketsJSONPath])
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, s := range env.Sockets {
		switch {
		case s.Local == netip.MustParseAddrPort("198.18.90.1:"+strconv.Itoa(n.tcpPort)) && s.State.String() == "LISTEN":
			found["listener"] = true
		case s.Remote == netip.MustParseAddrPort("198.18.90.1:"+strconv.Itoa(n.tcpPort)):
			found["connection"] = true
		case s.Local.Port() == uint16(n.udpPort) && s.Local.Addr() == netip.MustParseAddr("fd00:90::1"):
			found["udp"] = true
		}
	}
	if len(found) != 3 {
		t.Errorf("sockets.json has %v of the namespace's sockets:\n%s", found, data[bundle.SocketsJSONPath])
	}
	if !bytes.Contains(data[bundle.SocketsTextPath], []byte("198.18.90.1:"+strconv.Itoa(n.tcpPort))) {
		t.Errorf("sockets.txt:\n%s", data[bundle.SocketsTextPath])
	}
	var rep struct {
		Routes struct {
			IPv4 []struct{ Destination, Gateway string } `json:"ipv4"`
		} `json:"routes"`
		Neighbours []struct{ Address, MAC, State string } `json:"neighbours"`
		Rules      struct {
			IPv4 []struct {
				Priority int
				Source   string
				Table    int
			} `json:"ipv4"`
		} `json:"rules"`
	}
	if err := json.Unmarshal(data[bundle.ReportsJSONPath(file)], &rep); err != nil {
		t.Fatal(err)
	}
	route, neigh, rule := false, false, false
	for _, r := range rep.Routes.IPv4 {
		route = route || r.Destination == "198.19.90.0/24" && r.Gateway == "198.18.90.2"
	}
	for _, x := range rep.Neighbours {
		neigh = neigh || x.Address == "198.18.90.2" && x.MAC == "02:00:5e:90:00:03" && x.State == "permanent"
	}
	for _, x := range rep.Rules.IPv4 {
		rule = rule || x.Priority == 900 && x.Source == "198.18.90.0/24" && x.Table == 90
	}
	if !route || !neigh || !rule {
		t.Errorf("reports/%s.json: route %v, neighbour %v, rule %v:\n%s", file, route, neigh, rule, data[bundle.ReportsJSONPath(file)])
	}
	if !bytes.Contains(data[bundle.ReportsTextPath(file)], []byte("198.19.90.0")) {
		t.Errorf("reports/%s.txt:\n%s", file, data[bundle.ReportsTextPath(file)])
	}
	// The raw table holds the listener as the kernel writes it.
	hex := strings.ToUpper(testenv.AddrSpellings(netip.MustParseAddr("198.18.90.1"))[1]) + ":" + strings.ToUpper(strconv.FormatInt(int64(n.tcpPort), 16))
	if !bytes.Contains(bytes.ToUpper(data[bundle.RawProcNetPath(file, "tcp")]), []byte(hex)) {
		t.Errorf("raw tcp lacks %s:\n%s", hex, data[bundle.RawProcNetPath(file, "tcp")])
	}
	if !bytes.Contains(data[bundle.SysctlPath(file)], []byte("net.core.somaxconn = ")) {
		t.Errorf("sysctl:\n%s", data[bundle.SysctlPath(file)])
	}
}

// TestIntegrationBundle: a bundle of the namespace, made as root with
// --netns, holds its sockets, routes, neighbour, rule, raw tables and
// sysctls; a redacted one holds none of its addresses or MACs in any
// spelling, and two redacted ones made with one map agree.
func TestIntegrationBundle(t *testing.T) {
	n := makeBundleNS(t)
	path := makeBundle(t, "--netns", n.name)
	_, data, m := readTarGz(t, path)
	if !m.Host.Elevated || len(m.Invocation.NetNS) != 1 {
		t.Errorf("manifest host %+v, namespaces %+v", m.Host, m.Invocation.NetNS)
	}
	checkBundleOfNS(t, n, data, m, nsFileOf(t, m, n.name))

	mapFile := filepath.Join(t.TempDir(), "map.json")
	host, _ := os.Hostname()
	var pseudo [2]map[string]string
	for i := range pseudo {
		path := makeBundle(t, "--netns", n.name, "--redact", "ip,host,mac", "--map-file", mapFile)
		names, data, m := readTarGz(t, path)
		for _, name := range names {
			if l := spellingsIn(data[name], n.addrs, n.macs); len(l) > 0 {
				t.Errorf("redacted bundle %d: %s holds %v", i, name, l)
			}
			if len(host) > 2 && bytes.Contains(bytes.ToLower(data[name]), []byte(strings.ToLower(host))) {
				t.Errorf("redacted bundle %d: %s names the host %s", i, name, host)
			}
		}
		if len(m.Redaction.Failed) != 0 || m.Summary.OK != len(m.Collectors) {
			t.Errorf("redacted bundle %d: %+v %+v", i, m.Redaction, m.Summary)
		}
		// What the namespace's listener and route became.
		env, _ := render.DecodeJSON(data[bundle.SocketsJSONPath])
		pseudo[i] = map[string]string{}
		for _, s := range env.Sockets {
			if s.Local.Port() == uint16(n.tcpPort) && s.State.String() == "LISTEN" {
				pseudo[i]["listener"] = s.Local.Addr().String()
			}
		}
		var rep struct {
			Neighbours []struct{ Address, MAC, State string } `json:"neighbours"`
		}
		json.Unmarshal(data[bundle.ReportsJSONPath(nsFileOf(t, m, n.name))], &rep)
		for _, x := range rep.Neighbours {
			if x.State == "permanent" { // the one the test added; the kernel adds multicast ones over time
				pseudo[i]["neighbour"] = x.Address + " at " + x.MAC
			}
		}
	}
	if pseudo[0]["listener"] == "" || pseudo[0]["neighbour"] == "" || len(pseudo[0]) != len(pseudo[1]) {
		t.Fatalf("pseudonyms %v and %v", pseudo[0], pseudo[1])
	}
	for k, v := range pseudo[0] {
		if pseudo[1][k] != v {
			t.Errorf("%s: %s in the first bundle, %s in the second", k, v, pseudo[1][k])
		}
	}
	var mf struct{ IP map[string]string }
	raw, _ := os.ReadFile(mapFile)
	if json.Unmarshal(raw, &mf); mf.IP["198.18.90.1"] != pseudo[0]["listener"] {
		t.Errorf("the map says 198.18.90.1 is %q, the bundle %q", mf.IP["198.18.90.1"], pseudo[0]["listener"])
	}
}

// spellingsIn returns the spellings of addrs and macs found in data.
func spellingsIn(data []byte, addrs, macs []string) []string {
	low := bytes.ToLower(data)
	var found []string
	for _, a := range addrs {
		for _, sp := range testenv.AddrSpellings(netip.MustParseAddr(a)) {
			if bytes.Contains(low, []byte(strings.ToLower(sp))) {
				found = append(found, a+" as "+sp)
			}
		}
	}
	for _, m := range macs {
		hw, _ := net.ParseMAC(m)
		for _, sp := range testenv.MACSpellings(hw) {
			if bytes.Contains(low, []byte(strings.ToLower(sp))) {
				found = append(found, m+" as "+sp)
			}
		}
	}
	return found
}

// TestIntegrationBundleAsNobody: the same namespace bundled by nobody, from
// inside it (a user cannot enter another namespace): our own namespace
// only, not elevated, every collector ok.
func TestIntegrationBundleAsNobody(t *testing.T) {
	n := makeBundleNS(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(out, 0o777); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(out, "nobody.tar.gz")
	cmd := testenv.NobodyCommand(t, dir, "TestBundleChild", "GONETSTAT_BUNDLE_CHILD_OUT="+path)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	var err error
	// Started from a thread inside the namespace, the child runs there.
	testenv.InNetns(t, n.name, func() { err = cmd.Start() })
	if err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	testenv.CheckChildPassed(t, "TestBundleChild", output.Bytes(), err)
	_, data, m := readTarGz(t, path)
	if m.Host.Elevated || len(m.Invocation.NetNS) != 1 || !m.Invocation.NetNS[0].Own || m.Invocation.AllNetNS {
		t.Errorf("nobody's manifest: host %+v, invocation %+v", m.Host, m.Invocation)
	}
	checkBundleOfNS(t, n, data, m, bundle.OwnNSFile)
	if !bytes.Contains(data[bundle.LogPath], []byte("no owner")) {
		t.Errorf("nobody cannot see root's sockets' owners, and the log should say so:\n%s", data[bundle.LogPath])
	}
}

// TestBundleChild is TestIntegrationBundleAsNobody's child: it makes the
// bundle, as nobody, where GONETSTAT_BUNDLE_CHILD_OUT says.
func TestBundleChild(t *testing.T) {
	out := os.Getenv("GONETSTAT_BUNDLE_CHILD_OUT")
	if out == "" {
		t.Skip("helper of TestIntegrationBundleAsNobody")
	}
	if os.Geteuid() == 0 {
		t.Fatal("the child runs as root")
	}
	var stderr bytes.Buffer
	if code := Run(context.Background(), []string{"bundle", "-o", out}, LiveEnv(io.Discard, &stderr)); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	t.Log(stderr.String())
}
