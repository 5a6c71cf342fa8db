// procnet_test.go checks the raw /proc/net rewriters on files captured
// from a namespace with known addresses (testdata/proc/net: veth vb0
// 198.18.77.1/24, 02:00:5e:77:00:01, fd00:77::1/64; vb1 198.18.78.1/24;
// neighbour 198.18.77.2 at 02:00:5e:77:00:03; routes to 198.19.0.0/16
// and fd00:99::/64; a TCP listener and connection on 198.18.77.1:8077, a
// UDP socket on [fd00:77::1]:5377, a TCP6 listener on [::]:8078, and a
// Unix socket whose path holds "token=s3cr3t"), and by fuzzing.

package bundle

import (
	"bytes"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/platform/procnet"
)

// captured are the namespace's own addresses and MACs: none may be left,
// in any spelling, in a redacted copy.
var (
	capturedAddrs = []string{"198.18.77.1", "198.18.77.2", "198.18.78.1", "fd00:77::1", "198.18.77.0", "198.18.78.0", "fd00:77::", "fd00:99::", "fd00:77::2"}
	capturedMACs  = []string{"02:00:5e:77:00:01", "02:00:5e:77:00:02", "02:00:5e:77:00:03"}
)

func readProcNet(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/proc/net", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// leaks returns the spellings of the captured addresses and MACs found in
// data, case-insensitively.
func leaks(data []byte, addrs, macs []string) []string {
	low := bytes.ToLower(data)
	var found []string
	for _, s := range addrs {
		for _, sp := range testenv.AddrSpellings(netip.MustParseAddr(s)) {
			if bytes.Contains(low, []byte(strings.ToLower(sp))) {
				found = append(found, s+" as "+sp)
			}
		}
	}
	for _, s := range macs {
		hw, _ := net.ParseMAC(s)
		for _, sp := range testenv.MACSpellings(hw) {
			if bytes.Contains(low, []byte(strings.ToLower(sp))) {
				found = append(found, s+" as "+sp)
			}
		}
	}
	return found
}

// TestRedactSocketTables: the rewritten tables parse (with procnet, the
// parser gonetstat reads them with) into the same sockets, each address
// replaced by its pseudonym, every other field as it was.
func TestRedactSocketTables(t *testing.T) {
	p := testPseudonymizer(7)
	for name, kind := range map[string]collect.Kind{"tcp": collect.TCP4, "tcp6": collect.TCP6, "udp": collect.UDP4, "udp6": collect.UDP6} {
		data := readProcNet(t, name)
		out, _, err := redactRaw(name, data, p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		before, err := procnet.Parse(data, kind, nil)
		if err != nil {
			t.Fatal(err)
		}
		after, err := procnet.Parse(out, kind, nil)
		if err != nil {
			t.Fatalf("%s: the rewritten table does not parse: %v\n%s", name, err, out)
		}
		if (name != "udp" && len(before) == 0) || len(after) != len(before) { // the capture has no IPv4 UDP socket
			t.Fatalf("%s: %d rows, then %d", name, len(before), len(after))
		}
		for i := range before {
			want := before[i]
			want.Local, want.Remote = p.AddrPort(want.Local), p.AddrPort(want.Remote)
			got := after[i]
			if got.Local != want.Local || got.Remote != want.Remote || got.Inode != want.Inode || got.State != want.State || got.UID != want.UID {
				t.Errorf("%s row %d: %+v, want %+v", name, i, got, want)
			}
		}
		if bytes.Count(out, []byte("\n")) != bytes.Count(data, []byte("\n")) || len(out) != len(data) {
			t.Errorf("%s: the layout changed:\n%s\n%s", name, data, out)
		}
		if l := leaks(out, capturedAddrs, nil); len(l) > 0 {
			t.Errorf("%s still holds %v:\n%s", name, l, out)
		}
	}
}

// TestRedactRawFiles: every file of the capture, rewritten, holds none of
// the namespace's addresses or MACs in any spelling, and keeps its shape;
// the counters are copied as they are.
func TestRedactRawFiles(t *testing.T) {
	p := testPseudonymizer(8)
	for _, name := range ProcNetFiles {
		data := readProcNet(t, name)
		out, secrets, err := redactRaw(name, data, p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if l := leaks(out, capturedAddrs, capturedMACs); len(l) > 0 {
			t.Errorf("%s still holds %v:\n%s", name, l, out)
		}
		if bytes.Count(out, []byte("\n")) != bytes.Count(data, []byte("\n")) {
			t.Errorf("%s: %d lines, then %d", name, bytes.Count(data, []byte("\n")), bytes.Count(out, []byte("\n")))
		}
		switch {
		case name == "unix":
			if secrets != 1 || bytes.Contains(out, []byte("s3cr3t")) || !bytes.Contains(out, []byte("token="+redactedMark)) {
				t.Errorf("unix: %d secrets scrubbed:\n%s", secrets, out)
			}
		case !rawAddressFiles[name]:
			if !bytes.Equal(out, data) {
				t.Errorf("%s holds no address but was changed", name)
			}
		}
	}
	// The ARP cache keeps its columns where they were.
	out, _, _ := redactRaw("arp", readProcNet(t, "arp"), p)
	in := readProcNet(t, "arp")
	if col := func(b []byte) int { return bytes.Index(b[bytes.IndexByte(b, '\n')+1:], []byte("0x1")) }; col(in) != col(out) {
		t.Errorf("arp columns moved:\n%s\n%s", in, out)
	}
	// Routes keep their masks, and a destination stays a network.
	route, _, _ := redactRaw("route", readProcNet(t, "route"), p)
	if !bytes.Contains(route, []byte("\t00FFFFFF\t")) {
		t.Errorf("route lost its /24 masks:\n%s", route)
	}
	want := p.Prefix(netip.MustParsePrefix("198.19.0.0/16")).Addr()
	if !bytes.Contains(route, []byte(testenv.AddrSpellings(want)[1])) {
		t.Errorf("route does not hold 198.19.0.0/16's pseudonym %v:\n%s", want, route)
	}
	// Without --redact only the secrets go.
	off := newPseudonymizer([32]byte{}, false, false, false)
	for _, name := range ProcNetFiles {
		data := readProcNet(t, name)
		out, _, err := redactRaw(name, data, off)
		if err != nil || (name != "unix" && !bytes.Equal(out, data)) {
			t.Errorf("%s without --redact: changed (%v)", name, err)
		}
	}
}

// TestRedactRawFailsClosed: a line the parser does not know is an error,
// never a line copied as it is.
func TestRedactRawFailsClosed(t *testing.T) {
	p := testPseudonymizer(9)
	for name, data := range map[string]string{
		"tcp":        "  sl  local_address\n   0: 014D12C6 00000000:0000 0A\n",
		"tcp6":       "  sl  local_address\n   0: 014D12C6:1F8D 00000000:0000 0A\n",
		"route":      "Iface\tDestination\nvb0\t004D12C6\t00000000\t0001\t0\t0\t0\t00FF00FF\n",
		"ipv6_route": "fd000077 40\n",
		"if_inet6":   "zz000077000000000000000000000001 05 40 00 80 vb0\n",
		"arp":        "IP address HW type Flags HW address Mask Device\n198.18.77.2.9 0x1 0x6 02:00:5e:77:00:03 * vb0\n",
		"unix":       "Num RefCount\n0000: 1 2 3\n",
	} {
		if out, _, err := redactRaw(name, []byte(data), p); err == nil {
			t.Errorf("%s: %q was accepted as\n%s", name, data, out)
		}
	}
	long := "  sl\n" + strings.Repeat("x", maxRawLine+1) + "\n"
	if _, _, err := redactRaw("tcp", []byte(long), p); err == nil {
		t.Error("a line over the bound was accepted")
	}
}

// FuzzRedactRaw: any bytes, as any file, redact or fail without a panic;
// what redacts keeps its line count, and a socket table that procnet
// reads before is read after, with as many rows.
func FuzzRedactRaw(f *testing.F) {
	for i, name := range ProcNetFiles {
		data, err := os.ReadFile(filepath.Join("testdata/proc/net", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), data)
	}
	p := testPseudonymizer(10)
	kinds := map[string]collect.Kind{"tcp": collect.TCP4, "tcp6": collect.TCP6, "udp": collect.UDP4, "udp6": collect.UDP6}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		name := ProcNetFiles[int(which)%len(ProcNetFiles)]
		out, _, err := redactRaw(name, data, p)
		if err != nil {
			return
		}
		if bytes.Count(out, []byte("\n")) != bytes.Count(data, []byte("\n")) {
			t.Fatalf("%s: %d lines became %d", name, bytes.Count(data, []byte("\n")), bytes.Count(out, []byte("\n")))
		}
		if k, ok := kinds[name]; ok {
			before, err1 := procnet.Parse(data, k, nil)
			after, err2 := procnet.Parse(out, k, nil)
			if err1 == nil && (err2 != nil || len(after) != len(before)) {
				t.Fatalf("%s: %d rows parsed before, %d after (%v)", name, len(before), len(after), err2)
			}
		}
	})
}
