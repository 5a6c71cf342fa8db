// decode_reports_test.go checks DecodeReports against the encoder: every
// field of the reports' model round-trips, the documented example reads
// back to itself, bad documents fail naming the item and the field, and
// the fuzz target holds decode(encode(decode(x))) == decode(x).

package codec

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

func encodeReports(t testing.TB, r Reports, ndjson bool) []byte {
	t.Helper()
	var b bytes.Buffer
	write := ReportsJSON
	if ndjson {
		write = ReportsNDJSON
	}
	if err := write(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// equateAddrs compares netip values by value (go-cmp cannot see into
// their unexported fields).
var equateAddrs = cmp.Options{
	cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }),
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
}

// reportsNotCarried are the leaves of Reports the document does not hold.
var reportsNotCarried = map[string]string{
	"Sections": "selects the counter groups written; the document holds those groups, and decodes as 0 (every section)",
}

// roundTripReports is a snapshot with every field of the reports' model
// set, filled whole by fillAll, then held to the schema's constraints,
// written out one by one (docs/reports-json.md says each of them).
func roundTripReports(t *testing.T) Reports {
	t.Helper()
	var r Reports
	n := 0
	fillAll(t, &r, &n)
	r.Sections = 0
	// protocols holds the groups of -s's sections, by the kernel's names.
	r.Protocols.Groups = map[string]map[string]int64{}
	for i, g := range StatsGroups {
		r.Protocols.Groups[g.Group] = map[string]int64{"InX": int64(1000 + i), "OutX": -int64(i)}
	}
	rt := r.Routes
	// ipv6 holds IPv6 routes: the filled IPv4 ones become IPv6 (the
	// gateway of one through a link-local next hop, with its zone).
	for i := range rt.IPv6 {
		r := &rt.IPv6[i]
		a := r.Dst.Addr().As4()
		r.Dst = netip.PrefixFrom(netip.AddrFrom16([16]byte{0: 0x20, 1: 0x01, 2: 0x0d, 3: 0xb8, 12: a[0], 13: a[1], 14: a[2], 15: a[3]}), 128)
		g := r.Gateway.As4()
		r.Gateway = netip.AddrFrom16([16]byte{0: 0xfe, 1: 0x80, 12: g[0], 13: g[1], 14: g[2], 15: g[3]}).WithZone("eth" + r.IfName)
	}
	// An interface's address has its subnet's length; the host part
	// stays (198.18.0.5/24). A route's destination has none (masked).
	for i := range rt.Interfaces {
		for j := range rt.Interfaces[i].Addrs {
			a := &rt.Interfaces[i].Addrs[j]
			a.Prefix = netip.PrefixFrom(a.Prefix.Addr(), 24)
		}
	}
	// rules: the writer lists IPv4's then IPv6's, each of its family;
	// table goes with to_table, goto with goto.
	r.Rules[0].IPv6, r.Rules[0].Action, r.Rules[0].Goto = false, collect.RuleToTable, 0
	v6 := r.Rules[1]
	v6.Action, v6.Table = collect.RuleGoto, 0
	v6.Src = netip.PrefixFrom(netip.AddrFrom16(v6.Src.Addr().As16()), 64)
	v6.Dst = netip.PrefixFrom(netip.AddrFrom16(v6.Dst.Addr().As16()), 128)
	r.Rules[1] = v6
	// A neighbour may be IPv6, link-local with its zone.
	r.Neighbours[1].Addr = netip.AddrFrom16([16]byte{0: 0xfe, 1: 0x80, 15: 9}).WithZone(r.Neighbours[1].IfName)
	// rx_drops and rx_multicast are left out where the system does not
	// count them (NoRxDrops, NoRxMulticast): the counts then mean
	// nothing. The other half: counted, with their values.
	r.Interfaces[0].NoRxDrops, r.Interfaces[0].NoRxMulticast = false, false
	r.Interfaces[1].RxDrops, r.Interfaces[1].RxMulticast = 0, 0
	// The writer lists routes in the text's order.
	collect.SortRoutes(rt.IPv4)
	collect.SortRoutes(rt.IPv6)
	return r
}

// TestReportsRoundTripEveryField: every field of the reports' model
// survives JSON and NDJSON encode -> DecodeReports, field by field.
func TestReportsRoundTripEveryField(t *testing.T) {
	want := roundTripReports(t)
	everyLeafSet(t, reportsNotCarried, &want)
	for _, ndjson := range []bool{false, true} {
		doc := encodeReports(t, want, ndjson)
		got, err := DecodeReports(doc)
		if err != nil {
			t.Fatalf("ndjson=%v: %v\n%s", ndjson, err, doc)
		}
		for _, l := range roundTripLosses(t, &want, &got) {
			t.Errorf("ndjson=%v: %s", ndjson, l)
		}
	}
}

func TestReportsRoundTripGuardCatchesLoss(t *testing.T) {
	want := roundTripReports(t)
	guardCatchesLoss(t, &want)
}

// TestDecodeReportsExample: the example of docs/reports-json.md reads
// back to the snapshot it was written from, and writes back byte for byte.
func TestDecodeReportsExample(t *testing.T) {
	doc := readSchemaDoc(t, reportsDoc)
	got, err := DecodeReports([]byte(doc.Example))
	if err != nil {
		t.Fatal(err)
	}
	want := exampleReports()
	want.Sections = 0 // the document holds the two groups -p chose
	delete(want.Protocols.Groups, "Ip")
	collect.SortRoutes(want.Routes.IPv4)
	collect.SortRoutes(want.Routes.IPv6)
	if diff := cmp.Diff(want, got, equateAddrs); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if again := encodeReports(t, got, false); string(again) != doc.Example {
		t.Errorf("re-encoded:\n%s\nwant:\n%s", again, doc.Example)
	}
}

// TestDecodeReportsMACs: a link-layer address of any length reads back,
// a tunnel's 4 bytes and InfiniBand's 20 included.
func TestDecodeReportsMACs(t *testing.T) {
	for _, mac := range []net.HardwareAddr{{10, 0, 0, 1}, {2, 0xfc, 0, 0, 0, 1}, bytes.Repeat([]byte{0xab}, 20), {0xff}} {
		r := Reports{Routes: &collect.RouteTable{Interfaces: []collect.Interface{{Index: 1, Name: "t", MAC: mac}}}}
		got, err := DecodeReports(encodeReports(t, r, true))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Routes.Interfaces[0].MAC, mac) {
			t.Errorf("%s read back as %s", mac, got.Routes.Interfaces[0].MAC)
		}
	}
}

// TestDecodeReportsIgnoresUnknown: fields and counter groups a v1 reader
// does not know are ignored (docs/reports-json.md, Versioning).
func TestDecodeReportsIgnoresUnknown(t *testing.T) {
	doc := `{"schema":"gonetstat.reports/v1","host":"h","time":"2026-01-01T00:00:00Z","future":{"x":[1]},` +
		`"routes":{"interfaces":[{"index":1,"name":"lo","up":true,"addresses":[],"speed":10}],"ipv4":[],"ipv6":[],"rules":[]},` +
		`"protocols":{"Tcp":{"ActiveOpens":3},"IcmpMsg":{"InType3":1},"TcpExt":"not v1"}}`
	r, err := DecodeReports([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := r.Protocols.Get("Tcp", "ActiveOpens"); !ok || v != 3 || r.Protocols.Has("IcmpMsg") || len(r.Routes.Interfaces) != 1 {
		t.Errorf("got %+v %+v", r.Routes, r.Protocols)
	}
}

func TestDecodeReportsErrors(t *testing.T) {
	const head = `{"schema":"gonetstat.reports/v1","host":"h","time":"2026-01-01T00:00:00Z",`
	const ifc = `{"index":2,"name":"eth0","mac":"02:fc:00:00:00:01","up":true,"addresses":[{"address":"198.18.5.1/24","peer":"198.18.5.2"}]}`
	const route = `{"destination":"0.0.0.0/0","gateway":"198.18.5.254","interface_index":2,"metric":100,"type":"unicast","table":254,"protocol":"dhcp"}`
	const counters = `{"name":"eth0","loopback":false,"rx_bytes":1,"rx_packets":1,"rx_errors":0,"rx_drops":0,"rx_multicast":0,"tx_bytes":1,"tx_packets":1,"tx_errors":0,"tx_drops":0}`
	routes := func(i, r string) string {
		return head + `"routes":{"interfaces":[` + ifc + `,` + i + `],"ipv4":[` + route + `,` + r + `],"ipv6":[]}}`
	}
	edit := func(s, old, new string) string {
		if !strings.Contains(s, old) {
			panic("test edit does not apply: " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
	tests := []struct{ name, doc, want string }{
		{"sockets document", `{"schema":"gonetstat.sockets/v1","host":"h","time":"2026-01-01T00:00:00Z","sockets":[]}`, `envelope field schema: not the schema expected: schema is "gonetstat.sockets/v1", want gonetstat.reports/v1`},
		{"no schema", `{"host":"h"}`, "no schema field"},
		{"not an object", `[1]`, "envelope: array where the schema has an object"},
		{"no time", `{"schema":"gonetstat.reports/v1","host":"h"}`, "envelope field time: missing"},
		{"bad time", `{"schema":"gonetstat.reports/v1","host":"h","time":"2026-01-01"}`, "envelope field time: parsing time"},
		{"routes not object", head + `"routes":[]}`, "envelope field routes: array where the schema has"},
		{"routes without ipv6", head + `"routes":{"interfaces":[],"ipv4":[]}}`, "routes field ipv6: missing"},
		{"interface without up", routes(edit(ifc, `"up":true,`, ""), route), "route interface 1 field up: missing"},
		{"interface index", routes(edit(ifc, `"index":2`, `"index":4294967296`), route), "route interface 1 field index: 4294967296 is out of range"},
		{"upper-case mac", routes(edit(ifc, "02:fc", "02:FC"), route), `route interface 1 field mac: "02:FC:00:00:00:01" is not lower-case hex`},
		{"dashed mac", routes(edit(ifc, "02:fc:00", "02-fc-00"), route), "route interface 1 field mac:"},
		{"empty mac", routes(edit(ifc, "02:fc:00:00:00:01", ""), route), "route interface 1 field mac: empty"},
		{"zoned prefix", routes(edit(ifc, "198.18.5.1/24", "fe80::1%eth0/64"), route), "route interface 1 field addresses[0].address:"},
		{"peer family", routes(edit(ifc, `"peer":"198.18.5.2"`, `"peer":"::1"`), route), "route interface 1 field addresses[0].peer: ::1 is not of the family"},
		{"secondary false", routes(edit(ifc, `"peer":"198.18.5.2"`, `"secondary":false`), route), "route interface 1 field addresses[0].secondary: false"},
		{"address string", routes(edit(ifc, `"addresses":[{`, `"addresses":["x",{`), route), "route interface 1 field addresses: string where the schema has"},
		{"v6 in ipv4", routes(ifc, edit(route, "0.0.0.0/0", "::/0")), "ipv4 route 1 field destination: ::/0 is not of the list's family"},
		{"host bits", routes(ifc, edit(route, "0.0.0.0/0", "198.18.5.1/24")), "ipv4 route 1 field destination: 198.18.5.1/24 has bits set past its length"},
		{"no type", routes(ifc, edit(route, `"type":"unicast",`, "")), "ipv4 route 1 field type: missing"},
		{"bad type", routes(ifc, edit(route, `"unicast"`, `"Unicast"`)), `ipv4 route 1 field type: "Unicast" is not a route type`},
		{"type past 255", routes(ifc, edit(route, `"unicast"`, `"unknown-route-type-256"`)), "ipv4 route 1 field type:"},
		{"bad protocol", routes(ifc, edit(route, `"dhcp"`, `"256"`)), `ipv4 route 1 field protocol: "256" is neither`},
		{"metric past 32 bits", routes(ifc, edit(route, `"metric":100`, `"metric":4294967296`)), "ipv4 route 1 field metric: 4294967296 is out of range"},
		{"negative table", routes(ifc, edit(route, `"table":254`, `"table":-1`)), "ipv4 route 1 field table: number -1 where the schema has uint64"},
		{"bad gateway", routes(ifc, edit(route, "198.18.5.254", "198.18.5")), "ipv4 route 1 field gateway: ParseAddr"},
		{"counters missing", head + `"interfaces":[` + counters + `,` + edit(counters, `"tx_drops":0`, `"x":0`) + `]}`, "interface counters 1 field tx_drops: missing"},
		{"rx_drops string", head + `"interfaces":[` + edit(counters, `"rx_drops":0`, `"rx_drops":"0"`) + `]}`, "interface counters 0 field rx_drops: string where the schema has uint64"},
		{"counters negative", head + `"interfaces":[` + edit(counters, `"rx_bytes":1`, `"rx_bytes":-1`) + `]}`, "interface counters 0 field rx_bytes: number -1 where the schema has uint64"},
		{"counter fraction", head + `"protocols":{"Tcp":{"ActiveOpens":1.5}}}`, `protocols group "Tcp"`},
		{"counter too big", head + `"protocols":{"Tcp":{"ActiveOpens":9223372036854775808}}}`, `protocols group "Tcp"`},
		{"null group", head + `"protocols":{"Udp":null}}`, `protocols group "Udp": null where the schema has an object`},
		{"neighbours without rules", head + `"neighbours":[]}`, "envelope field rules: missing beside neighbours"},
		{"rules without neighbours", head + `"rules":{"ipv4":[],"ipv6":[]}}`, "envelope field neighbours: missing beside rules"},
		{"rules without ipv6", head + `"neighbours":[],"rules":{"ipv4":[]}}`, "rules field ipv6: missing"},
		{"neighbour state", head + `"neighbours":[{"address":"198.18.0.1","interface_index":2,"state":"reachable|gone"}],"rules":{"ipv4":[],"ipv6":[]}}`, `neighbour 0 field state: "reachable|gone" is not a neighbour state`},
		{"neighbour low unknown bits", head + `"neighbours":[{"address":"198.18.0.1","interface_index":2,"state":"unknown-neigh-state-0x1"}],"rules":{"ipv4":[],"ipv6":[]}}`, "neighbour 0 field state:"},
		{"neighbour router false", head + `"neighbours":[{"address":"198.18.0.1","interface_index":2,"state":"stale","router":false}],"rules":{"ipv4":[],"ipv6":[]}}`, "neighbour 0 field router: false"},
		{"rule family", head + `"neighbours":[],"rules":{"ipv4":[],"ipv6":[{"priority":0,"source":"198.18.0.0/15","action":"to_table","table":255,"protocol":"kernel"}]}}`, "ipv6 rule 0 field source: 198.18.0.0/15 is not of the list's family"},
		{"rule table with goto", head + `"neighbours":[],"rules":{"ipv4":[{"priority":5,"action":"goto","goto":9,"table":254,"protocol":"boot"}],"ipv6":[]}}`, "ipv4 rule 0 field table: set when action is goto, not to_table"},
		{"rule without table", head + `"neighbours":[],"rules":{"ipv4":[{"priority":5,"action":"to_table","protocol":"boot"}],"ipv6":[]}}`, "ipv4 rule 0 field table: missing"},
		{"rule mark alone", head + `"neighbours":[],"rules":{"ipv4":[{"priority":5,"fwmark":1,"action":"nop","protocol":"boot"}],"ipv6":[]}}`, "ipv4 rule 0 field fwmark: fwmark and fwmask come together"},
		{"rule tos", head + `"neighbours":[],"rules":{"ipv4":[{"priority":5,"tos":256,"action":"nop","protocol":"boot"}],"ipv6":[]}}`, "ipv4 rule 0 field tos: 256 is out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeReports([]byte(tt.doc))
			if err == nil {
				t.Fatalf("no error for %s", tt.doc)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			var de *DecodeError
			if !errors.As(err, &de) || de.Schema != ReportsSchema {
				t.Errorf("error %#v is not a *DecodeError of %s", err, ReportsSchema)
			}
		})
	}
}

// FuzzDecodeReports: no input panics, every error is a *DecodeError, and
// what decodes survives the round trip through the encoder unchanged.
func FuzzDecodeReports(f *testing.F) {
	f.Add(encodeReports(f, fullReports(), false))
	f.Add(encodeReports(f, minimalReports(), true))
	f.Add([]byte(`{"schema":"gonetstat.reports/v1","host":"","time":"2026-01-01T00:00:00+02:00","protocols":{"Ip6":{}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeRoundTrip(t, data, DecodeReports, func(r Reports) []byte { return encodeReports(t, r, false) }, equateAddrs)
	})
}
