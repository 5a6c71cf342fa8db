// parse_test.go tests the parsers on files captured on a Linux 6.18 host,
// on the mini-stack's /proc/net/snmp writer, and on malformed input.

package netcounters

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack"
)

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// TestParseSNMPCaptured: testdata/snmp is /proc/net/snmp of a Linux 6.18
// host; the values are the ones in the file.
func TestParseSNMPCaptured(t *testing.T) {
	var c collect.ProtoCounters
	if err := ParseSNMP(mustRead(t, "snmp"), &c); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		group, name string
		want        int64
	}{
		{"Ip", "InReceives", 3358}, {"Ip", "OutTransmits", 2966}, {"Ip", "DefaultTTL", 64},
		{"Icmp", "InDestUnreachs", 1}, {"IcmpMsg", "InType3", 1},
		{"Tcp", "MaxConn", -1}, {"Tcp", "ActiveOpens", 355}, {"Tcp", "PassiveOpens", 336}, {"Tcp", "EstabResets", 22},
		{"Tcp", "InSegs", 4851}, {"Tcp", "OutRsts", 24},
		{"Udp", "InDatagrams", 39}, {"Udp", "OutDatagrams", 40}, {"Udp", "MemErrors", 0}, {"UdpLite", "NoPorts", 0},
	} {
		got, ok := c.Get(tt.group, tt.name)
		if !ok || got != tt.want {
			t.Errorf("%s %s = %d, %v; want %d", tt.group, tt.name, got, ok, tt.want)
		}
	}
	if n := len(c.Groups["Icmp"]); n != 29 {
		t.Errorf("Icmp has %d counters, want 29", n)
	}
	if _, ok := c.Get("Tcp", "InReceives"); ok {
		t.Error("a counter the file does not have is present")
	}
}

func TestParseSNMP6Captured(t *testing.T) {
	var c collect.ProtoCounters
	if err := ParseSNMP6(mustRead(t, "snmp6"), &c); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		group, name string
		want        int64
	}{
		{"Ip6", "InReceives", 1534}, {"Ip6", "OutRequests", 1543}, {"Ip6", "OutMcastPkts", 8},
		{"Icmp6", "InErrors", 1}, {"Icmp6", "OutMsgs", 9}, {"Icmp6", "OutNeighborSolicits", 4}, {"Icmp6", "OutType143", 4},
		{"Udp6", "NoPorts", 0}, {"UdpLite6", "MemErrors", 0},
	} {
		got, ok := c.Get(tt.group, tt.name)
		if !ok || got != tt.want {
			t.Errorf("%s %s = %d, %v; want %d", tt.group, tt.name, got, ok, tt.want)
		}
	}
	if got := len(c.Groups); got != 4 {
		t.Errorf("%d groups, want Ip6 Icmp6 Udp6 UdpLite6: %v", got, c.Groups)
	}
}

func TestParseDevCaptured(t *testing.T) {
	got, err := ParseDev(mustRead(t, "dev"))
	if err != nil {
		t.Fatal(err)
	}
	want := []collect.InterfaceCounters{
		{Name: "lo", Loopback: true, RxBytes: 204353, RxPackets: 3192, TxBytes: 204353, TxPackets: 3192},
		{Name: "ifb0"}, {Name: "ifb1"},
		{Name: "eth0", RxBytes: 55257100, RxPackets: 1708, TxBytes: 139008, TxPackets: 1324},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestParseDevColumns: every kept column is read from its own place, and
// the columns are found by name (a column added to the header does not
// shift the others).
func TestParseDevColumns(t *testing.T) {
	in := "Inter-|   Receive                                                |  Transmit\n" +
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" +
		"  eth1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n" +
		"veth9a:18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	got, err := ParseDev([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []collect.InterfaceCounters{
		{Name: "eth1", RxBytes: 1, RxPackets: 2, RxErrors: 3, RxDrops: 4, RxMulticast: 8, TxBytes: 9, TxPackets: 10, TxErrors: 11, TxDrops: 12},
		{Name: "veth9a", RxBytes: 1<<64 - 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	moved := strings.Replace(in, "bytes    packets errs drop fifo", "bytes    packets errs drop newcol fifo", 1)
	moved = strings.Replace(moved, "1 2 3 4 5 6", "1 2 3 4 99 5 6", 1)
	moved = strings.Replace(moved, "615 0 0 0 0", "615 0 0 0 99 0", 1)
	got, err = ParseDev([]byte(moved))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("with a new column (-want +got):\n%s", diff)
	}
}

// TestParseSNMPFromMiniStack: the mini-stack writes its counters in
// /proc/net/snmp's layout (stack.WriteSNMP), an independent producer of
// the format; every group it writes must come back with its values.
func TestParseSNMPFromMiniStack(t *testing.T) {
	s := stack.New(stack.Options{})
	s.Counters.TCPActiveOpens.Add(7)
	s.Counters.UDPNoPorts.Add(3)
	s.Counters.IPInReceives.Add(11)
	var buf bytes.Buffer
	if err := s.WriteSNMP(&buf); err != nil {
		t.Fatal(err)
	}
	var c collect.ProtoCounters
	if err := ParseSNMP(buf.Bytes(), &c); err != nil {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
	for _, tt := range []struct {
		group, name string
		want        int64
	}{
		{"Tcp", "ActiveOpens", 7}, {"Tcp", "MaxConn", -1}, {"Udp", "NoPorts", 3}, {"Ip", "InReceives", 11}, {"TcpExt", "ListenDrops", 0},
	} {
		if got, ok := c.Get(tt.group, tt.name); !ok || got != tt.want {
			t.Errorf("%s %s = %d, %v; want %d", tt.group, tt.name, got, ok, tt.want)
		}
	}
	// Each names line of the writer is a group, each with its values.
	if want := strings.Count(buf.String(), "\n") / 2; len(c.Groups) != want {
		t.Errorf("%d groups, want %d", len(c.Groups), want)
	}
}

// TestParseSNMPOrder: groups may come in any order.
func TestParseSNMPOrder(t *testing.T) {
	in := "Udp: InDatagrams NoPorts\nUdp: 5 6\nIp: Forwarding InReceives\nIp: 1 2\n"
	var c collect.ProtoCounters
	if err := ParseSNMP([]byte(in), &c); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Get("Udp", "NoPorts"); v != 6 {
		t.Errorf("Udp NoPorts = %d", v)
	}
	if v, _ := c.Get("Ip", "InReceives"); v != 2 {
		t.Errorf("Ip InReceives = %d", v)
	}
}

func TestParseErrors(t *testing.T) {
	long := "Ip: " + strings.Repeat("A", MaxLineLen) + "\nIp: 1\n"
	longDev := "Inter-| Receive | Transmit\n" + strings.Repeat("A", MaxLineLen+1) + "\n"
	for _, tt := range []struct {
		name, in, want string
		parse          func([]byte) error
	}{
		{"snmp count", "Ip: A B C\nIp: 1 2\n", "netcounters: line 2: 2 values for the 3 names of group Ip on line 1", snmp},
		{"snmp more values", "Tcp: A\nTcp: 1 2\n", "line 2: 2 values for the 1 names of group Tcp", snmp},
		{"snmp other group", "Ip: A B\nTcp: 1 2\n", "line 2: values of group Tcp follow the names of group Ip (line 1)", snmp},
		{"snmp no values", "Ip: A B\nIp: 1 2\nTcp: A\n", "line 3: names of group Tcp have no values line", snmp},
		{"snmp bad value", "Ip: A B\nIp: 1 x\n", `line 2: Ip B: bad value "x"`, snmp},
		{"snmp values first", "Ip: 1 2\nIp: A B\n", "line 1: group Ip: counter name \"1\" does not start with a letter", snmp},
		{"snmp twice", "Ip: A\nIp: 1\nIp: A\nIp: 2\n", "line 3: group Ip given twice", snmp},
		{"snmp name twice", "Ip: A A\nIp: 1 2\n", "line 1: group Ip names A twice", snmp},
		{"snmp no prefix", "Forwarding 1\n", `line 1: no "Group:" prefix`, snmp},
		{"snmp empty names", "Ip:\nIp:\n", "line 1: group Ip names no counter", snmp},
		{"snmp blank line", "Ip: A\n\nIp: 1\n", "line 2: empty line", snmp},
		{"snmp overflow", "Ip: A\nIp: 99999999999999999999\n", "bad value", snmp},
		{"snmp long line", long, "line 1: longer than", snmp},
		{"snmp6 fields", "Ip6InReceives 1 2\n", `line 1: want "Name value", have 3 fields`, snmp6},
		{"snmp6 value", "Ip6InReceives\t0x10\n", `line 1: Ip6InReceives: bad value "0x10"`, snmp6},
		{"snmp6 twice", "Ip6InReceives 1\nIp6InReceives 2\n", "line 2: Ip6InReceives given twice", snmp6},
		{"dev long line", longDev, "line 2: longer than", dev},
		{"dev header", "lo: 1 2\n", "line 1: not the /proc/net/dev header", dev},
		{"dev no header", "", "line 1: no /proc/net/dev header", dev},
		{"dev columns", "Inter-| Receive | Transmit\n face |bytes packets|bytes packets\n", `line 2: no receive column "errs"`, dev},
		{"dev count", string(mustRead(t, "dev")) + "  eth9: 1 2 3\n", "line 7: eth9: 3 values, want 16", dev},
		{"dev value", string(mustRead(t, "dev")) + "  eth9: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 -1\n", `line 7: eth9: bad value "-1"`, dev},
		{"dev name", string(mustRead(t, "dev")) + "  : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n", `line 7: bad interface name ""`, dev},
		{"dev colon", string(mustRead(t, "dev")) + "eth9 1 2\n", `line 7: no "name:"`, dev},
	} {
		err := tt.parse([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func snmp(b []byte) error  { var c collect.ProtoCounters; return ParseSNMP(b, &c) }
func snmp6(b []byte) error { var c collect.ProtoCounters; return ParseSNMP6(b, &c) }
func dev(b []byte) error   { _, err := ParseDev(b); return err }

func TestSplitSNMP6(t *testing.T) {
	for name, want := range map[string][2]string{
		"Ip6InReceives": {"Ip6", "InReceives"}, "Icmp6InType128": {"Icmp6", "InType128"},
		"UdpLite6NoPorts": {"UdpLite6", "NoPorts"}, "Forwarding": {"", "Forwarding"}, "Ip6": {"", "Ip6"}, "6x": {"", "6x"},
	} {
		if g, c := splitSNMP6(name); g != want[0] || c != want[1] {
			t.Errorf("splitSNMP6(%q) = %q, %q; want %q", name, g, c, want)
		}
	}
}

// The fuzz targets: a parser never panics, an error names its line, and a
// result (iff no error) is consistent with the input.

// namesLine fails t if err does not name its line; it reports whether
// there was an error.
func namesLine(t *testing.T, err error) bool {
	t.Helper()
	if err != nil && !strings.HasPrefix(err.Error(), "netcounters: line ") {
		t.Fatalf("error does not name a line: %v", err)
	}
	return err != nil
}

func FuzzParseSNMP(f *testing.F) {
	f.Add(mustRead(f, "snmp"))
	f.Add([]byte("Ip: A B\nIp: 1 2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c collect.ProtoCounters
		if namesLine(t, ParseSNMP(data, &c)) {
			return
		}
		n := 0
		for g, m := range c.Groups {
			if len(m) == 0 || !bytes.Contains(data, []byte(g+":")) {
				t.Fatalf("group %q with %d counters", g, len(m))
			}
			n += len(m)
		}
		if fields := len(bytes.Fields(data)); 2*n > fields {
			t.Fatalf("%d counters from %d fields", n, fields)
		}
	})
}

func FuzzParseSNMP6(f *testing.F) {
	f.Add(mustRead(f, "snmp6"))
	f.Add([]byte("Ip6InReceives 1\nIcmp6InType1\t2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c collect.ProtoCounters
		if namesLine(t, ParseSNMP6(data, &c)) {
			return
		}
		n := 0
		for g, m := range c.Groups {
			for name := range m {
				if !bytes.Contains(data, []byte(g+name)) {
					t.Fatalf("counter %q %q not in the input", g, name)
				}
			}
			n += len(m)
		}
		if lines := bytes.Count(data, []byte("\n")) + 1; n > lines {
			t.Fatalf("%d counters from %d lines", n, lines)
		}
	})
}

func FuzzParseDev(f *testing.F) {
	f.Add(mustRead(f, "dev"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ifs, err := ParseDev(data)
		if err != nil {
			if ifs != nil || !strings.HasPrefix(err.Error(), "netcounters: line ") {
				t.Fatalf("rows %v with error %v", ifs, err)
			}
			return
		}
		if lines := bytes.Count(data, []byte("\n")) + 1; len(ifs) > lines-2 {
			t.Fatalf("%d interfaces from %d lines", len(ifs), lines)
		}
		for _, i := range ifs {
			if i.Name == "" || !bytes.Contains(data, []byte(i.Name)) || i.Loopback != (i.Name == "lo") {
				t.Fatalf("bad row %+v", i)
			}
		}
	})
}
