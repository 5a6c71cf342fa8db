// routes_test.go checks render.Routes against real Windows route print
// output and a golden file of a Linux table.

package render

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/collect/collecttest"
)

func mac(s string) net.HardwareAddr {
	m, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return m
}

func onLink(dst string, index uint32, metric uint32, table uint32, typ collect.RouteType) collect.Route {
	return collect.Route{Dst: netip.MustParsePrefix(dst), IfIndex: index, Metric: metric, Table: table, Type: typ}
}

// section returns the lines of text from the line after the first one
// equal to from, up to (not including) the next line starting with "===".
func section(text, from string) []string {
	lines := strings.Split(text, "\n")
	i := slices.Index(lines, from)
	if i < 0 {
		return nil
	}
	var out []string
	for _, l := range lines[i+1:] {
		if strings.HasPrefix(l, "===") {
			break
		}
		out = append(out, l)
	}
	return out
}

// TestRoutesLikeWindows renders the table of a Windows machine and
// compares it with what its route print showed (testdata/windows-route-
// print.txt: the interface list and IPv4 table from Windows 10 `route
// PRINT -4`, the IPv6 rows from Windows 7 `route print`, both quoted from
// public pages).
func TestRoutesLikeWindows(t *testing.T) {
	ref, err := os.ReadFile("testdata/windows-route-print.txt")
	if err != nil {
		t.Fatal(err)
	}
	const main, local = collect.RouteTableMain, collect.RouteTableLocal
	uni, loc, bc, mc := collect.RouteUnicast, collect.RouteLocal, collect.RouteBroadcast, collect.RouteMulticast
	def := onLink("0.0.0.0/0", 6, 26, main, uni)
	def.Gateway = netip.MustParseAddr("192.168.1.254")
	tab := collect.RouteTable{
		Interfaces: []collect.Interface{
			{Index: 1, Name: "Software Loopback Interface 1", Addrs: []collect.InterfaceAddr{{Prefix: netip.MustParsePrefix("127.0.0.1/8")}}},
			{Index: 6, Name: "Intel(R) Ethernet Connection (7) I219-V", MAC: mac("00:d8:61:1a:8e:7b"), Addrs: []collect.InterfaceAddr{{Prefix: netip.MustParsePrefix("192.168.1.9/24")}}},
			{Index: 8}, {Index: 9},
		},
		// In an order of the kernel's, not Windows' sorted one.
		IPv4: []collect.Route{
			onLink("255.255.255.255/32", 6, 281, local, bc),
			onLink("192.168.1.0/24", 6, 281, main, uni),
			def,
			onLink("127.0.0.0/8", 1, 331, local, loc),
			onLink("127.0.0.1/32", 1, 331, local, loc),
			onLink("127.255.255.255/32", 1, 331, local, bc),
			onLink("192.168.1.9/32", 6, 281, local, loc),
			onLink("192.168.1.255/32", 6, 281, local, bc),
			onLink("224.0.0.0/4", 6, 281, local, mc),
			onLink("224.0.0.0/4", 1, 331, local, mc),
			onLink("255.255.255.255/32", 1, 331, local, bc),
		},
		IPv6: []collect.Route{
			onLink("fe80::/64", 9, 266, main, uni),
			onLink("fe80::/64", 8, 276, main, uni),
			onLink("2001::/32", 9, 18, main, uni),
			onLink("::1/128", 1, 306, local, loc),
			onLink("::/0", 9, 18, main, uni),
		},
	}
	var buf bytes.Buffer
	if err := Routes(&buf, tab); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	for _, sec := range []string{"Active Routes:"} {
		want, have := section(string(ref), sec), section(got, sec)
		if diff := cmp.Diff(want, have); diff != "" {
			t.Errorf("IPv4 %s (-windows +ours):\n%s", sec, diff)
		}
	}
	// The IPv6 table is the second "Active Routes:".
	want6 := section(string(ref)[strings.Index(string(ref), "IPv6 Route Table"):], "Active Routes:")
	have6 := section(got[strings.Index(got, "IPv6 Route Table"):], "Active Routes:")
	if diff := cmp.Diff(want6, have6); diff != "" {
		t.Errorf("IPv6 Active Routes (-windows +ours):\n%s", diff)
	}
	// Windows lists its interfaces in an order of its own; compare the
	// lines of the two that have names.
	wantIf := section(string(ref), "Interface List")
	var haveIf []string
	for _, l := range section(got, "Interface List") {
		if !strings.HasSuffix(l, ".") {
			haveIf = append(haveIf, l)
		}
	}
	slices.Sort(wantIf)
	slices.Sort(haveIf)
	if diff := cmp.Diff(wantIf, haveIf); diff != "" {
		t.Errorf("Interface List (-windows +ours):\n%s", diff)
	}
	// The frame around the sections, but no Persistent Routes.
	for _, s := range []string{"===\nInterface List\n", "===\n\nIPv4 Route Table\n===", "===\n\nIPv6 Route Table\n===", "===\n"} {
		if !strings.Contains(got, s) {
			t.Errorf("output lacks %q:\n%s", s, got)
		}
	}
	if strings.Contains(got, "Persistent") || !strings.HasSuffix(got, routeRule) {
		t.Errorf("output:\n%s", got)
	}
}

// linuxTable is a Linux table with what Windows never shows: routes with
// no gateway kind, a policy table, an IPv6 destination too long for its
// column, an interface without an IPv4 address, a route without an
// interface, an IPv6 gateway.
func linuxTable() collect.RouteTable {
	const main, local = collect.RouteTableMain, collect.RouteTableLocal
	uni := collect.RouteUnicast
	p := netip.MustParsePrefix
	a := netip.MustParseAddr
	return collect.RouteTable{
		Interfaces: []collect.Interface{
			{Index: 1, Name: "lo", Up: true, Addrs: []collect.InterfaceAddr{{Prefix: p("127.0.0.1/8")}, {Prefix: p("::1/128")}}},
			{Index: 4, Name: "eth0", Up: true, MAC: mac("02:fc:00:00:00:01"), Addrs: []collect.InterfaceAddr{
				{Prefix: p("198.18.5.1/24")}, {Prefix: p("198.18.5.9/24"), Secondary: true}, {Prefix: p("fd00:5::1/64")}, {Prefix: p("fe80::fc:ff:fe00:1/64")}}},
			{Index: 7, Name: "wg0", Up: true, Addrs: []collect.InterfaceAddr{{Prefix: p("fd00:7::1/64")}}},
			{Index: 12, Name: "ib0", MAC: net.HardwareAddr(bytes.Repeat([]byte{0xa0}, 20))},
		},
		IPv4: []collect.Route{
			{Dst: p("0.0.0.0/0"), Gateway: a("198.18.5.254"), IfIndex: 4, IfName: "eth0", Metric: 100, Table: main, Type: uni, Protocol: collect.RouteProtoDHCP},
			{Dst: p("198.18.5.0/24"), IfIndex: 4, IfName: "eth0", Src: a("198.18.5.1"), Table: main, Type: uni, Protocol: collect.RouteProtoKernel},
			{Dst: p("198.18.6.0/24"), Gateway: a("198.18.5.2"), IfIndex: 4, IfName: "eth0", Metric: 7, Table: main, Type: uni},
			{Dst: p("198.18.6.0/24"), Gateway: a("198.18.5.3"), IfIndex: 4, IfName: "eth0", Metric: 7, Table: main, Type: uni},
			{Dst: p("198.18.7.0/24"), Table: main, Type: collect.RouteUnreachable},
			{Dst: p("198.18.8.0/24"), IfIndex: 7, IfName: "wg0", Table: main, Type: uni},
			{Dst: p("198.18.9.0/24"), Gateway: a("198.18.5.5"), IfIndex: 4, IfName: "eth0", Table: 100, Type: uni},
			{Dst: p("127.0.0.1/32"), IfIndex: 1, IfName: "lo", Src: a("127.0.0.1"), Table: local, Type: collect.RouteLocal},
			{Dst: p("198.18.5.255/32"), IfIndex: 4, IfName: "eth0", Src: a("198.18.5.1"), Table: local, Type: collect.RouteBroadcast},
		},
		IPv6: []collect.Route{
			{Dst: p("::/0"), Gateway: a("fe80::1"), IfIndex: 4, IfName: "eth0", Metric: 1024, Table: main, Type: uni},
			{Dst: p("fd00:5::/64"), IfIndex: 4, IfName: "eth0", Metric: 256, Table: main, Type: uni},
			{Dst: p("fd00:5:1234:5678:9abc:def0:1234:5678/128"), Gateway: a("fd00:5::2"), IfIndex: 4, IfName: "eth0", Metric: 1024, Table: main, Type: uni},
			{Dst: p("fd00:8::/64"), IfIndex: 1, IfName: "lo", Metric: 1024, Table: main, Type: collect.RouteBlackhole},
			{Dst: p("ff00::/8"), IfIndex: 4, IfName: "eth0", Metric: 256, Table: local, Type: collect.RouteMulticast},
		},
	}
}

func TestRoutesGolden(t *testing.T) {
	for _, tc := range []struct {
		file string
		tab  collect.RouteTable
	}{
		{"routes-linux.txt", linuxTable()},
		{"routes-empty.txt", collect.RouteTable{}},
	} {
		var buf bytes.Buffer
		if err := Routes(&buf, tc.tab); err != nil {
			t.Fatal(err)
		}
		path := "testdata/" + tc.file
		if *update {
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), buf.String()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.file, diff)
		}
	}
}

func TestRoutesDoesNotReorderItsInput(t *testing.T) {
	tab := linuxTable()
	before := slices.Clone(tab.IPv4)
	if err := Routes(&bytes.Buffer{}, tab); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, tab.IPv4) {
		t.Error("Routes reordered the caller's routes")
	}
}

func TestRoutesWriteError(t *testing.T) {
	if err := Routes(&collecttest.FailWriter{}, linuxTable()); !errors.Is(err, collecttest.ErrDiskFull) {
		t.Errorf("Routes = %v, want the writer's error", err)
	}
}

func BenchmarkRoutes(b *testing.B) {
	tab := linuxTable()
	b.ReportAllocs()
	for b.Loop() {
		if err := Routes(io.Discard, tab); err != nil {
			b.Fatal(err)
		}
	}
}
