// reports_test.go checks the gonetstat.reports/v1 document: against
// docs/reports-json.md (field tables and example), as valid JSON read back
// with encoding/json, and its route order and counter-group selection.

package codec

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

const reportsDoc = "docs/reports-json.md"

// exampleReports is the example of docs/reports-json.md: a host with
// loopback and one NIC, a policy-routing table, and a few counters.
func exampleReports() Reports {
	ts, _ := time.Parse(time.RFC3339Nano, "2026-11-25T04:10:00.123456789Z")
	mac, _ := net.ParseMAC("02:fc:00:00:00:01")
	p := netip.MustParsePrefix
	a := netip.MustParseAddr
	var c collect.ProtoCounters
	for _, kv := range []struct {
		g, n string
		v    int64
	}{
		{"Tcp", "RtoAlgorithm", 1}, {"Tcp", "MaxConn", -1}, {"Tcp", "ActiveOpens", 544}, {"Tcp", "PassiveOpens", 12},
		{"Tcp", "CurrEstab", 3}, {"Tcp", "InSegs", 40210}, {"Tcp", "OutSegs", 39876}, {"Tcp", "RetransSegs", 17},
		{"Udp", "InDatagrams", 812}, {"Udp", "NoPorts", 6}, {"Udp", "InErrors", 0}, {"Udp", "OutDatagrams", 790},
		{"Ip", "InReceives", 41000}, // not selected by -p tcp -p udp: left out
	} {
		c.Set(kv.g, kv.n, kv.v)
	}
	return Reports{Host: "web1", Time: ts,
		Routes: &collect.RouteTable{
			Interfaces: []collect.Interface{
				{Index: 1, Name: "lo", Up: true, Addrs: []collect.InterfaceAddr{{Prefix: p("127.0.0.1/8")}, {Prefix: p("::1/128")}}},
				{Index: 2, Name: "eth0", MAC: mac, Up: true, Addrs: []collect.InterfaceAddr{{Prefix: p("198.18.5.1/24")}, {Prefix: p("198.18.5.9/24"), Secondary: true}}},
			},
			IPv4: []collect.Route{
				{Dst: p("198.18.5.0/24"), IfIndex: 2, IfName: "eth0", Src: a("198.18.5.1"), Type: collect.RouteUnicast, Table: collect.RouteTableMain, Protocol: collect.RouteProtoKernel},
				{Dst: p("0.0.0.0/0"), Gateway: a("198.18.5.254"), IfIndex: 2, IfName: "eth0", Metric: 100, Type: collect.RouteUnicast, Table: collect.RouteTableMain, Protocol: collect.RouteProtoDHCP},
				{Dst: p("0.0.0.0/0"), Gateway: a("198.18.5.253"), IfIndex: 2, IfName: "eth0", Type: collect.RouteUnicast, Table: 100, Protocol: collect.RouteProtoStatic},
				{Dst: p("198.18.5.1/32"), IfIndex: 2, IfName: "eth0", Src: a("198.18.5.1"), Type: collect.RouteLocal, Table: collect.RouteTableLocal, Protocol: collect.RouteProtoKernel},
			},
			IPv6: []collect.Route{
				{Dst: p("::1/128"), IfIndex: 1, IfName: "lo", Metric: 256, Type: collect.RouteUnicast, Table: collect.RouteTableMain, Protocol: collect.RouteProtoKernel},
			},
		},
		Interfaces: []collect.InterfaceCounters{
			{Name: "lo", Loopback: true, RxBytes: 204353, RxPackets: 3192, TxBytes: 204353, TxPackets: 3192},
			{Name: "eth0", RxBytes: 55257100, RxPackets: 41708, RxErrors: 2, RxDrops: 7, RxMulticast: 310, TxBytes: 139008, TxPackets: 1324, TxDrops: 1},
		},
		HasInterfaces: true,
		Protocols:     &c,
		Sections:      StatsTCP | StatsUDPv4,
	}
}

// fullReports has every optional field set.
func fullReports() Reports {
	r := exampleReports()
	r.Warnings = []string{"-r: incomplete routing table: dumping IPv6 routes: interrupted 3 times"}
	t := r.Routes
	t.Interfaces[1].Addrs[0].Peer = netip.MustParseAddr("198.18.5.2")
	t.Interfaces[1].Addrs[0].Secondary = true // every address field, for the doc check
	t.IPv4[1].Src = netip.MustParseAddr("198.18.5.1")
	t.IPv4[1].NextHopID = 7
	mac, _ := net.ParseMAC("02:fc:00:00:00:02")
	r.HasNeighbours = true
	r.Neighbours = []collect.Neighbour{
		{Addr: netip.MustParseAddr("fe80::2"), IfIndex: 2, IfName: "eth0", MAC: mac, State: collect.NeighStale, Router: true},
		{Addr: netip.MustParseAddr("198.18.5.7"), IfIndex: 2, State: collect.NeighIncomplete},
	}
	r.Rules = []collect.Rule{
		{Priority: 100, Src: netip.MustParsePrefix("198.18.5.0/24"), Dst: netip.MustParsePrefix("198.19.0.0/16"), IIfName: "eth0", OIfName: "vrf0",
			FwMark: 1, FwMask: 0xff, TOS: 4, Invert: true, Action: collect.RuleToTable, Table: 100, Protocol: collect.RouteProtoStatic},
		{IPv6: true, Priority: 5, Action: collect.RuleGoto, Goto: 100},
	}
	return r
}

// minimalReports has nothing optional: an interface without MAC or
// address, a route without gateway, name or source.
func minimalReports() Reports {
	return Reports{Host: "h", Time: time.Unix(0, 0),
		Routes: &collect.RouteTable{
			Interfaces: []collect.Interface{{Index: 3, Name: "tun0"}},
			IPv4:       []collect.Route{{Dst: netip.MustParsePrefix("0.0.0.0/0"), Type: collect.RouteUnreachable, Table: collect.RouteTableMain}},
			IPv6:       []collect.Route{},
		},
		HasInterfaces: true,
		Interfaces:    []collect.InterfaceCounters{{Name: "tun0"}},
		Protocols:     &collect.ProtoCounters{},
		HasNeighbours: true,
		Neighbours:    []collect.Neighbour{{Addr: netip.MustParseAddr("198.18.5.7"), IfIndex: 3}},
		Rules:         []collect.Rule{{Priority: 32766, Action: collect.RuleBlackhole}},
	}
}

// firstItem decodes, keeping key order, the first object of the array
// under key (or the first object key, when key names an object of
// objects, as protocols is).
func firstItem(t *testing.T, raw []byte, key string) orderedObject {
	t.Helper()
	i := bytes.Index(raw, []byte(`"`+key+`":[`))
	if i < 0 {
		t.Fatalf("no %q array in %s", key, raw)
	}
	dec := json.NewDecoder(bytes.NewReader(raw[i+len(key)+3:]))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		t.Fatalf("%s: want an array, got %v (%v)", key, tok, err)
	}
	return decodeOrdered(t, dec)
}

func TestReportsJSONMatchesDocs(t *testing.T) {
	doc := readSchemaDoc(t, reportsDoc)
	sections := []string{"Envelope", "routes", "Route interface", "Address", "Route", "Interface counters", "Neighbour", "rules", "Rule"}
	for _, sec := range sections {
		if len(doc.Tables[sec]) == 0 {
			t.Fatalf("%s has no field table under ## %s", reportsDoc, sec)
		}
	}
	if len(doc.Tables) != len(sections) {
		t.Errorf("%s has %d field tables; this test knows %v", reportsDoc, len(doc.Tables), sections)
	}
	for name, r := range map[string]Reports{"full": fullReports(), "minimal": minimalReports()} {
		full := name == "full"
		for format, write := range map[string]func(io.Writer, Reports) error{"JSON": ReportsJSON, "NDJSON": ReportsNDJSON} {
			var buf bytes.Buffer
			if err := write(&buf, r); err != nil {
				t.Fatal(err)
			}
			raw := buf.Bytes()
			what := name + " " + format
			// The envelope of a snapshot with every report: all but
			// warnings are there in the minimal one too.
			env := ordered(t, raw)
			if !full {
				env.Keys = append(env.Keys, "warnings") // the one optional key
				env.Values["warnings"] = []any{}
			}
			checkAgainstTable(t, what+" envelope", env, doc.Tables["Envelope"], true)
			checkAgainstTable(t, what+" routes", objectAtOrdered(t, raw, "routes"), doc.Tables["routes"], true)
			ifc := firstItem(t, raw, "interfaces")
			if full {
				ifc = objectInArray(t, raw, `"index":2,"name":"eth0"`)
			}
			checkAgainstTable(t, what+" route interface", ifc, doc.Tables["Route interface"], full)
			if full {
				checkAgainstTable(t, what+" address", objectInArray(t, raw, `"address":"198.18.5.1/24"`), doc.Tables["Address"], true)
				checkAgainstTable(t, what+" route", objectInArray(t, raw, `"destination":"0.0.0.0/0","gateway":"198.18.5.254"`), doc.Tables["Route"], true)
			} else {
				checkAgainstTable(t, what+" route", firstItem(t, raw, "ipv4"), doc.Tables["Route"], false)
			}
			i := bytes.Index(raw, []byte(`]},"interfaces":[`))
			if i < 0 {
				t.Fatalf("%s: no interface counters after routes in %s", what, raw)
			}
			checkAgainstTable(t, what+" interface counters", firstItem(t, raw[i+2:], "interfaces"), doc.Tables["Interface counters"], true)
			checkAgainstTable(t, what+" neighbour", firstItem(t, raw, "neighbours"), doc.Tables["Neighbour"], full)
			checkAgainstTable(t, what+" rules", objectAtOrdered(t, raw, "rules"), doc.Tables["rules"], true)
			rules := raw[bytes.Index(raw, []byte(`"rules":{`)):]
			// A rule has a table or a goto, never both: the full IPv4
			// rule has every field but goto, the IPv6 one only goto.
			without := func(name string) (out []docField) {
				for _, f := range doc.Tables["Rule"] {
					if f.Name != name {
						out = append(out, f)
					}
				}
				return out
			}
			checkAgainstTable(t, what+" rule", firstItem(t, rules, "ipv4"), without("goto"), full)
			if full {
				gotoOnly := without("")
				for i := range gotoOnly {
					gotoOnly[i].NeverOmitted = gotoOnly[i].NeverOmitted || gotoOnly[i].Name == "goto"
				}
				checkAgainstTable(t, what+" goto rule", firstItem(t, rules, "ipv6"), gotoOnly, false)
			}
		}
	}
	// An address with nothing optional holds address alone.
	var buf bytes.Buffer
	if err := ReportsJSON(&buf, exampleReports()); err != nil {
		t.Fatal(err)
	}
	if a := objectInArray(t, buf.Bytes(), `"address":"127.0.0.1/8"`); !slices.Equal(a.Keys, []string{"address"}) {
		t.Errorf("plain address: keys %v", a.Keys)
	}
}

// objectInArray decodes, keeping key order, the object of raw whose text
// starts with {+start.
func objectInArray(t *testing.T, raw []byte, start string) orderedObject {
	t.Helper()
	i := bytes.Index(raw, []byte("{"+start))
	if i < 0 {
		t.Fatalf("no object starting %s in %s", start, raw)
	}
	dec := json.NewDecoder(bytes.NewReader(raw[i:]))
	dec.UseNumber()
	return decodeOrdered(t, dec)
}

// TestReportsDocExampleIsOutput: the example in docs/reports-json.md is,
// byte for byte, what ReportsJSON prints for exampleReports.
func TestReportsDocExampleIsOutput(t *testing.T) {
	doc := readSchemaDoc(t, reportsDoc)
	var got bytes.Buffer
	if err := ReportsJSON(&got, exampleReports()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(doc.Example, got.String()); diff != "" {
		t.Errorf("%s example vs ReportsJSON (-doc +output):\n%s", reportsDoc, diff)
	}
}

// decodedReports is the document as encoding/json reads it.
type decodedReports struct {
	Schema string `json:"schema"`
	Host   string `json:"host"`
	Time   string `json:"time"`
	Routes *struct {
		Interfaces []struct {
			Index     uint32 `json:"index"`
			Name      string `json:"name"`
			MAC       string `json:"mac"`
			Up        bool   `json:"up"`
			Addresses []struct {
				Address   string `json:"address"`
				Peer      string `json:"peer"`
				Secondary bool   `json:"secondary"`
			} `json:"addresses"`
		} `json:"interfaces"`
		IPv4 []decodedRoute `json:"ipv4"`
		IPv6 []decodedRoute `json:"ipv6"`
	} `json:"routes"`
	Interfaces []map[string]any            `json:"interfaces"`
	Protocols  map[string]map[string]int64 `json:"protocols"`
	Neighbours []map[string]any            `json:"neighbours"`
	Rules      map[string][]map[string]any `json:"rules"`
	Warnings   []string                    `json:"warnings"`
}

type decodedRoute struct {
	Destination     string `json:"destination"`
	Gateway         string `json:"gateway"`
	InterfaceIndex  uint32 `json:"interface_index"`
	InterfaceName   string `json:"interface_name"`
	PreferredSource string `json:"preferred_source"`
	Metric          uint32 `json:"metric"`
	Type            string `json:"type"`
	Table           uint32 `json:"table"`
	Protocol        string `json:"protocol"`
	NextHopID       uint32 `json:"nexthop_id"`
}

// TestReportsJSONRoundTrip: both forms are valid JSON that encoding/json
// reads back to the model's values; NDJSON is one line; hostile names stay
// valid JSON.
func TestReportsJSONRoundTrip(t *testing.T) {
	r := fullReports()
	r.Host = "we\"b\x01\xff"
	r.Routes.Interfaces[1].Name = "eth\n0\xfe"
	r.Routes.IPv4[1].IfName = r.Routes.Interfaces[1].Name
	r.Interfaces[1].Name = r.Routes.Interfaces[1].Name
	for format, write := range map[string]func(io.Writer, Reports) error{"JSON": ReportsJSON, "NDJSON": ReportsNDJSON} {
		var buf bytes.Buffer
		if err := write(&buf, r); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(buf.Bytes()) {
			t.Fatalf("%s: not valid JSON:\n%s", format, buf.Bytes())
		}
		if format == "NDJSON" && strings.Count(buf.String(), "\n") != 1 {
			t.Errorf("NDJSON is %d lines", strings.Count(buf.String(), "\n"))
		}
		var d decodedReports
		dec := json.NewDecoder(&buf)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if d.Schema != ReportsSchema || d.Host != "we\"b\x01\ufffd" || d.Time != "2026-11-25T04:10:00.123456789Z" {
			t.Errorf("%s envelope: %q %q %q", format, d.Schema, d.Host, d.Time)
		}
		ifc := d.Routes.Interfaces[1]
		if ifc.Index != 2 || ifc.Name != "eth\n0\ufffd" || ifc.MAC != "02:fc:00:00:00:01" || !ifc.Up || len(ifc.Addresses) != 2 ||
			ifc.Addresses[0].Peer != "198.18.5.2" || !ifc.Addresses[0].Secondary || !ifc.Addresses[1].Secondary || ifc.Addresses[1].Address != "198.18.5.9/24" {
			t.Errorf("%s interface: %+v", format, ifc)
		}
		want := []decodedRoute{
			{Destination: "0.0.0.0/0", Gateway: "198.18.5.254", InterfaceIndex: 2, InterfaceName: "eth\n0\ufffd", PreferredSource: "198.18.5.1", Metric: 100, Type: "unicast", Table: 254, Protocol: "dhcp", NextHopID: 7},
			{Destination: "0.0.0.0/0", Gateway: "198.18.5.253", InterfaceIndex: 2, InterfaceName: "eth0", Type: "unicast", Table: 100, Protocol: "static"},
			{Destination: "198.18.5.0/24", InterfaceIndex: 2, InterfaceName: "eth0", PreferredSource: "198.18.5.1", Type: "unicast", Table: 254, Protocol: "kernel"},
			{Destination: "198.18.5.1/32", InterfaceIndex: 2, InterfaceName: "eth0", PreferredSource: "198.18.5.1", Type: "local", Table: 255, Protocol: "kernel"},
		}
		// Sorted as the text sorts: destination, length, interface, metric
		// (the table-100 default route, metric 0, comes first).
		want[0], want[1] = want[1], want[0]
		if diff := cmp.Diff(want, d.Routes.IPv4); diff != "" {
			t.Errorf("%s ipv4 (-want +got):\n%s", format, diff)
		}
		if len(d.Routes.IPv6) != 1 || d.Routes.IPv6[0].Destination != "::1/128" {
			t.Errorf("%s ipv6: %+v", format, d.Routes.IPv6)
		}
		if len(d.Interfaces) != 2 || d.Interfaces[1]["rx_drops"] != 7.0 || d.Interfaces[1]["loopback"] != false || d.Interfaces[0]["loopback"] != true {
			t.Errorf("%s interfaces: %v", format, d.Interfaces)
		}
		wantProto := map[string]map[string]int64{
			"Tcp": {"RtoAlgorithm": 1, "MaxConn": -1, "ActiveOpens": 544, "PassiveOpens": 12, "CurrEstab": 3, "InSegs": 40210, "OutSegs": 39876, "RetransSegs": 17},
			"Udp": {"InDatagrams": 812, "NoPorts": 6, "InErrors": 0, "OutDatagrams": 790},
		}
		if diff := cmp.Diff(wantProto, d.Protocols); diff != "" {
			t.Errorf("%s protocols (-want +got):\n%s", format, diff)
		}
		wantNeigh := []map[string]any{
			{"address": "fe80::2", "interface_index": 2.0, "interface_name": "eth0", "mac": "02:fc:00:00:00:02", "state": "stale", "router": true},
			{"address": "198.18.5.7", "interface_index": 2.0, "state": "incomplete"},
		}
		if diff := cmp.Diff(wantNeigh, d.Neighbours); diff != "" {
			t.Errorf("%s neighbours (-want +got):\n%s", format, diff)
		}
		wantRules := map[string][]map[string]any{
			"ipv4": {{"priority": 100.0, "source": "198.18.5.0/24", "destination": "198.19.0.0/16", "input_interface": "eth0", "output_interface": "vrf0",
				"fwmark": 1.0, "fwmask": 255.0, "tos": 4.0, "invert": true, "action": "to_table", "table": 100.0, "protocol": "static"}},
			"ipv6": {{"priority": 5.0, "action": "goto", "goto": 100.0, "protocol": "unspec"}},
		}
		if diff := cmp.Diff(wantRules, d.Rules); diff != "" {
			t.Errorf("%s rules (-want +got):\n%s", format, diff)
		}
		if len(d.Warnings) != 1 {
			t.Errorf("%s warnings: %q", format, d.Warnings)
		}
	}
	// The caller's routes keep the kernel's order.
	if r.Routes.IPv4[0].Dst.String() != "198.18.5.0/24" {
		t.Errorf("ReportsJSON reordered the caller's routes: %v", r.Routes.IPv4)
	}
}

// TestReportsJSONOnlyAsked: a report not asked for is absent; an empty one
// is an empty array or object, never null.
func TestReportsJSONOnlyAsked(t *testing.T) {
	base := Reports{Host: "h", Time: time.Unix(0, 0).UTC()}
	for _, tt := range []struct {
		name string
		r    func(Reports) Reports
		want string
	}{
		{"none", func(r Reports) Reports { return r }, `{"schema":"gonetstat.reports/v1","host":"h","time":"1970-01-01T00:00:00Z"}`},
		{"empty routes", func(r Reports) Reports { r.Routes = &collect.RouteTable{}; return r },
			`{"schema":"gonetstat.reports/v1","host":"h","time":"1970-01-01T00:00:00Z","routes":{"interfaces":[],"ipv4":[],"ipv6":[]}}`},
		{"no interfaces", func(r Reports) Reports { r.HasInterfaces = true; return r },
			`{"schema":"gonetstat.reports/v1","host":"h","time":"1970-01-01T00:00:00Z","interfaces":[]}`},
		{"no counters", func(r Reports) Reports { r.Protocols = &collect.ProtoCounters{}; return r },
			`{"schema":"gonetstat.reports/v1","host":"h","time":"1970-01-01T00:00:00Z","protocols":{}}`},
	} {
		for format, write := range map[string]func(io.Writer, Reports) error{"JSON": ReportsJSON, "NDJSON": ReportsNDJSON} {
			var buf bytes.Buffer
			if err := write(&buf, tt.r(base)); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tt.want+"\n" {
				t.Errorf("%s %s:\n got %s\nwant %s", tt.name, format, got, tt.want)
			}
		}
	}
}

// TestReportsJSONGroups: -p's sections select the kernel's groups, in -s
// order; a group the kernel does not keep is absent; no -p is every
// section.
func TestReportsJSONGroups(t *testing.T) {
	var c collect.ProtoCounters
	for _, g := range []string{"Udp6", "Tcp", "Icmp", "IcmpMsg", "Ip", "Udp", "UdpLite"} {
		c.Set(g, "X", 1)
	}
	for _, tt := range []struct {
		sections StatsSection
		want     []string
	}{
		{0, []string{"Ip", "Icmp", "Tcp", "Udp", "Udp6"}},
		{StatsUDPv6 | StatsIPv4, []string{"Ip", "Udp6"}},
		{StatsIPv6 | StatsICMPv6, nil},
		{StatsTCP, []string{"Tcp"}},
	} {
		var buf bytes.Buffer
		if err := ReportsNDJSON(&buf, Reports{Protocols: &c, Sections: tt.sections}); err != nil {
			t.Fatal(err)
		}
		got := ordered(t, []byte(objectAtOrderedRaw(t, buf.Bytes(), "protocols"))).Keys
		if !slices.Equal(got, tt.want) {
			t.Errorf("sections %b: groups %v, want %v", tt.sections, got, tt.want)
		}
	}
}

// objectAtOrderedRaw returns the text of the object under key.
func objectAtOrderedRaw(t *testing.T, raw []byte, key string) string {
	t.Helper()
	i := bytes.Index(raw, []byte(`"`+key+`":{`))
	if i < 0 {
		t.Fatalf("no %q object in %s", key, raw)
	}
	var m json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(raw[i+len(key)+3:])).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return string(m)
}

func BenchmarkReportsJSON(b *testing.B) {
	r := exampleReports()
	for range 6 {
		r.Routes.IPv4 = append(r.Routes.IPv4, r.Routes.IPv4...)
	}
	b.ReportAllocs()
	for b.Loop() {
		ReportsNDJSON(io.Discard, r)
	}
}

// TestReportsJSONAbsentCounters: a counter the system does not keep is
// left out of its interface's object, not written as 0.
func TestReportsJSONAbsentCounters(t *testing.T) {
	r := Reports{HasInterfaces: true, Interfaces: []collect.InterfaceCounters{
		{Name: "en0", RxDrops: 0, NoRxDrops: true, NoRxMulticast: true},
		{Name: "em0", NoRxMulticast: true},
	}}
	var buf bytes.Buffer
	if err := ReportsJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "rx_multicast") || strings.Count(out, `"rx_drops":0`) != 1 {
		t.Errorf("want rx_multicast left out of both and rx_drops out of en0's only:\n%s", out)
	}
}
