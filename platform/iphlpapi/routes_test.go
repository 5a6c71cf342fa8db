// routes_test.go checks the -r and -e decoders against hand-written
// tables, and rebuilds a real Windows machine's route print from its
// tables laid out as GetIpForwardTable2 and friends return them.

package iphlpapi

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/render"
)

var addrCmp = cmp.Options{
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }),
	cmp.AllowUnexported(route{}, ipInterface{}, netInterface{}, address{}),
}

func TestDecodeRouteFixtures(t *testing.T) {
	fwd, err := decodeForwardTable(readHex(t, "fwd.hex"))
	if err != nil {
		t.Fatal(err)
	}
	wantFwd := []route{
		{ifIndex: 6, dst: netip.MustParsePrefix("0.0.0.0/0"), nextHop: netip.MustParseAddr("192.168.1.254"), metric: 1, protocol: 3},
		{ifIndex: 9, dst: netip.MustParsePrefix("fe80::/64"), nextHop: netip.IPv6Unspecified(), metric: 256, protocol: 2, origin: 1},
	}
	if diff := cmp.Diff(wantFwd, fwd, addrCmp); diff != "" {
		t.Errorf("MIB_IPFORWARD_TABLE2 (-want +got):\n%s", diff)
	}

	ipifs, err := decodeIPInterfaceTable(readHex(t, "ipif.hex"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]ipInterface{{afInet, 6, 25}, {afInet6, 9, 10}}, ipifs, addrCmp); diff != "" {
		t.Errorf("MIB_IPINTERFACE_TABLE (-want +got):\n%s", diff)
	}

	ifs, err := decodeIfTable(readHex(t, "iftable.hex"))
	if err != nil {
		t.Fatal(err)
	}
	wantIfs := []netInterface{{
		index: 6, alias: "Ethernet", description: "Intel(R) I219-V",
		mac: []byte{0x00, 0xd8, 0x61, 0x1a, 0x8e, 0x7b}, ifType: 6, adminUp: true,
		inOctets: 1000, inUcast: 10, inNUcast: 2, inDiscards: 1, inErrors: 3,
		outOctets: 2000, outUcast: 20, outNUcast: 4, outDiscards: 5, outErrors: 6,
	}}
	if diff := cmp.Diff(wantIfs, ifs, addrCmp); diff != "" {
		t.Errorf("MIB_IF_TABLE2 (-want +got):\n%s", diff)
	}

	addrs, err := decodeAddressTable(readHex(t, "addr.hex"))
	if err != nil {
		t.Fatal(err)
	}
	wantAddrs := []address{{6, netip.MustParsePrefix("192.168.1.9/24")}, {9, netip.MustParsePrefix("fe80::1/64")}}
	if diff := cmp.Diff(wantAddrs, addrs, addrCmp); diff != "" {
		t.Errorf("MIB_UNICASTIPADDRESS_TABLE (-want +got):\n%s", diff)
	}

	counters := buildInterfaceCounters(ifs, ipifs)
	wantCounters := []collect.InterfaceCounters{{
		Name: "Ethernet", RxBytes: 1000, RxPackets: 12, RxErrors: 3, RxDrops: 1, RxMulticast: 2,
		TxBytes: 2000, TxPackets: 24, TxErrors: 6, TxDrops: 5,
	}}
	if diff := cmp.Diff(wantCounters, counters); diff != "" {
		t.Errorf("interface counters (-want +got):\n%s", diff)
	}
}

// TestDecodeRouteTablesBad: tables that lie about their size, and rows
// no Windows writes, are errors.
func TestDecodeRouteTablesBad(t *testing.T) {
	decoders := map[string]func([]byte) error{
		"fwd.hex":     func(b []byte) error { _, err := decodeForwardTable(b); return err },
		"ipif.hex":    func(b []byte) error { _, err := decodeIPInterfaceTable(b); return err },
		"iftable.hex": func(b []byte) error { _, err := decodeIfTable(b); return err },
		"addr.hex":    func(b []byte) error { _, err := decodeAddressTable(b); return err },
	}
	for file, decode := range decoders {
		b := readHex(t, file)
		if err := decode(b[:len(b)-1]); !errors.Is(err, ErrTruncated) {
			t.Errorf("%s cut by one byte: %v", file, err)
		}
		more := slices.Clone(b)
		more[0]++
		if err := decode(more); !errors.Is(err, ErrTruncated) {
			t.Errorf("%s with one row more than it holds: %v", file, err)
		}
	}
	bad := func(file string, off int, v byte) []byte {
		b := readHex(t, file)
		b[off] = v
		return b
	}
	for name, err := range map[string]error{
		"route of family 7":        decoders["fwd.hex"](bad("fwd.hex", 8+12, 7)),
		"route of AF_UNSPEC":       decoders["fwd.hex"](bad("fwd.hex", 8+12, 0)),
		"IPv4 route of /33":        decoders["fwd.hex"](bad("fwd.hex", 8+40, 33)),
		"next hop of family 99":    decoders["fwd.hex"](bad("fwd.hex", 8+44, 99)),
		"IP interface of family 1": decoders["ipif.hex"](bad("ipif.hex", 8, 1)),
		"MAC of 33 bytes":          decoders["iftable.hex"](bad("iftable.hex", 8+1056, 33)),
		"IPv6 address of /129":     decoders["addr.hex"](bad("addr.hex", 8+80+60, 129)),
		"address of AF_UNSPEC":     decoders["addr.hex"](bad("addr.hex", 8, 0)),
	} {
		if err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

// windowsTables are the tables of the Windows 10 machine of
// render/testdata/windows-route-print.txt, as its iphlpapi would return
// them: the routes' own metrics, which Windows adds to the interfaces'
// (25 for the Ethernet adapter's IPv4, 75 for loopback's), a filter
// interface and an interface without IP that route print does not list.
func windowsTables(tb testing.TB) (ifs, ipifs, addrs, fwd []byte) {
	ifs = tableOf(8,
		ifRow(1, "Loopback Pseudo-Interface 1", "Software Loopback Interface 1", nil, 24, 0, true, ifCounters{}),
		ifRow(6, "Ethernet", "Intel(R) Ethernet Connection (7) I219-V", []byte{0x00, 0xd8, 0x61, 0x1a, 0x8e, 0x7b}, 6, 0x05, true, ifCounters{}),
		ifRow(7, "Ethernet-WFP Native MAC Layer LightWeight Filter-0000", "WFP Native MAC Layer LightWeight Filter", []byte{0x00, 0xd8, 0x61, 0x1a, 0x8e, 0x7b}, 6, 0x02, true, ifCounters{}),
		ifRow(8, "isatap", "Microsoft ISATAP Adapter", nil, 131, 0, true, ifCounters{}),
		ifRow(9, "Teredo", "Teredo Tunneling Pseudo-Interface", nil, 131, 0, true, ifCounters{}),
		ifRow(10, "Local Area Connection* 1", "WAN Miniport (IP)", nil, 6, 0x01, true, ifCounters{}),
	)
	ipifs = tableOf(8,
		ipIfRow(2, 1, 75), ipIfRow(23, 1, 50),
		ipIfRow(2, 6, 25), ipIfRow(23, 6, 25),
		ipIfRow(23, 8, 20), ipIfRow(23, 9, 10),
	)
	addrs = tableOf(8,
		addrRow(tb, 1, "127.0.0.1", 8), addrRow(tb, 1, "::1", 128),
		addrRow(tb, 6, "192.168.1.9", 24), addrRow(tb, 6, "fe80::1c2b:3c4d:5e6f:7a8b%6", 64),
	)
	fwd = tableOf(8,
		fwdRow(tb, 6, "0.0.0.0/0", "192.168.1.254", 1, 3),
		fwdRow(tb, 1, "127.0.0.0/8", "", 256, 2),
		fwdRow(tb, 1, "127.0.0.1/32", "", 256, 2),
		fwdRow(tb, 1, "127.255.255.255/32", "", 256, 2),
		fwdRow(tb, 6, "192.168.1.0/24", "", 256, 2),
		fwdRow(tb, 6, "192.168.1.9/32", "", 256, 2),
		fwdRow(tb, 6, "192.168.1.255/32", "", 256, 2),
		fwdRow(tb, 1, "224.0.0.0/4", "", 256, 2),
		fwdRow(tb, 6, "224.0.0.0/4", "", 256, 2),
		fwdRow(tb, 1, "255.255.255.255/32", "", 256, 2),
		fwdRow(tb, 6, "255.255.255.255/32", "", 256, 2),
		fwdRow(tb, 9, "::/0", "", 8, 2),
		fwdRow(tb, 1, "::1/128", "", 256, 2),
		fwdRow(tb, 9, "2001::/32", "", 8, 2),
		fwdRow(tb, 8, "fe80::/64", "", 256, 2),
		fwdRow(tb, 9, "fe80::/64", "", 256, 2),
	)
	return ifs, ipifs, addrs, fwd
}

// section returns the lines after the first line equal to from, up to
// the next line starting with "===".
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

// TestRoutePrintGolden decodes the tables of a Windows machine, renders
// them with render.Routes and compares the result with what that
// machine's route print showed.
func TestRoutePrintGolden(t *testing.T) {
	ref, err := os.ReadFile("../../render/testdata/windows-route-print.txt")
	if err != nil {
		t.Fatal(err)
	}
	ifs, ipifs, addrs, fwd := windowsTables(t)
	tab, err := readRoutes(t.Context(), &fakeSource{ifs: ifs, ipifs: ipifs, addrs: addrs, fwd: fwd})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := render.Routes(&buf, tab); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	if diff := cmp.Diff(section(string(ref), "Active Routes:"), section(got, "Active Routes:")); diff != "" {
		t.Errorf("IPv4 Active Routes (-windows +ours):\n%s", diff)
	}
	ipv6 := func(s string) string { return s[strings.Index(s, "IPv6 Route Table"):] }
	if diff := cmp.Diff(section(ipv6(string(ref)), "Active Routes:"), section(ipv6(got), "Active Routes:")); diff != "" {
		t.Errorf("IPv6 Active Routes (-windows +ours):\n%s", diff)
	}
	// The reference lists only its two named interfaces; ours lists the
	// tunnels too (in index order, as its table gave them), never the
	// filter or the miniport without IP.
	list := section(got, "Interface List")
	wantList := []string{
		"  1...........................Software Loopback Interface 1",
		"  6...00 d8 61 1a 8e 7b ......Intel(R) Ethernet Connection (7) I219-V",
		"  8...........................Microsoft ISATAP Adapter",
		"  9...........................Teredo Tunneling Pseudo-Interface",
	}
	if diff := cmp.Diff(wantList, list); diff != "" {
		t.Errorf("Interface List (-want +got):\n%s", diff)
	}
	for _, l := range section(string(ref), "Interface List") {
		if !slices.Contains(list, l) {
			t.Errorf("Windows lists %q, we do not", l)
		}
	}
	if ifc := tab.Interface(6); ifc == nil || !bytes.Equal(ifc.MAC, net.HardwareAddr{0x00, 0xd8, 0x61, 0x1a, 0x8e, 0x7b}) {
		t.Errorf("interface 6: %+v", ifc)
	}
}

// TestRoutesWithoutIPInterfaces: a system without GetIpInterfaceTable
// (Wine 8) still prints its routes, with their own metrics, and says the
// table is partial; so does one whose address table fails. A failing
// route table fails the report.
func TestRoutesWithoutIPInterfaces(t *testing.T) {
	ifs, _, addrs, fwd := windowsTables(t)
	src := &fakeSource{ifs: ifs, ipifsErr: errors.ErrUnsupported, addrs: addrs, fwd: fwd}
	tab, err := readRoutes(t.Context(), src)
	if !collect.IsPartial(err) || !strings.Contains(err.Error(), "metrics are the routes' own") {
		t.Fatalf("err = %v", err)
	}
	if len(tab.IPv4) != 11 || tab.IPv4[0].Metric != 1 || tab.Interface(7) != nil || tab.Interface(10) == nil {
		t.Errorf("table: %+v", tab)
	}
	counters, err := readInterfaces(t.Context(), src)
	if err != nil || len(counters) != 5 {
		t.Errorf("-e without IP interfaces: %d interfaces, %v", len(counters), err)
	}

	src = &fakeSource{ifs: ifs, ipifs: tableOf(8), addrsErr: errors.New("boom"), fwd: fwd}
	if _, err := readRoutes(t.Context(), src); !collect.IsPartial(err) || !strings.Contains(err.Error(), "boom") {
		t.Errorf("addresses failing: %v", err)
	}
	src = &fakeSource{ifs: ifs, ipifs: tableOf(8), addrs: addrs, fwdErr: errors.New("refused")}
	if _, err := readRoutes(t.Context(), src); err == nil || collect.IsPartial(err) {
		t.Errorf("routes failing: %v", err)
	}
	src = &fakeSource{ifs: ifs, ipifsErr: errors.New("refused")}
	if _, err := readInterfaces(t.Context(), src); err == nil {
		t.Error("IP interfaces failing (not as unsupported): no error")
	}
}

// TestRouteMetricSaturates: a route's metric and its interface's do not
// wrap around to a small, preferred metric.
func TestRouteMetricSaturates(t *testing.T) {
	if got := addMetric(0xfffffff0, 0x20); got != 0xffffffff {
		t.Errorf("addMetric = %#x", got)
	}
}

// TestRouteProtocols maps Windows' route protocols to Linux's numbers.
func TestRouteProtocols(t *testing.T) {
	for _, tc := range []struct {
		proto, origin uint32
		want          string
	}{
		{2, 0, "kernel"}, {3, 0, "static"}, {10006, 0, "static"}, {4, 0, "redirect"},
		{19, 0, "dhcp"}, {13, 0, "ospf"}, {14, 0, "bgp"}, {8, 0, "rip"}, {16, 0, "eigrp"}, {9, 0, "isis"},
		{2, 3, "ra"}, {1, 0, "unspec"}, {12345, 0, "unspec"},
	} {
		if got := routeProtocol(tc.proto, tc.origin).String(); got != tc.want {
			t.Errorf("protocol %d origin %d: %s, want %s", tc.proto, tc.origin, got, tc.want)
		}
	}
}
