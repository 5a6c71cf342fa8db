// hostile_test.go runs the table of hostile names (safetexttest.Names)
// through every writer of render (-ano text with -b, the Namespace and
// Source columns and names, JSON, NDJSON, --info, -r, -e, -s, and the
// reports as JSON and NDJSON), and fuzzes the same whole table with
// arbitrary bytes in every string.

package render

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/codec"
	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/safetext"
	"github.com/gonetstat/gonetstat/internal/safetext/safetexttest"
)

// hostileTable builds a whole table, with every string field of every
// row and report (and the IPv6 zones) taken from next in turn.
func hostileTable(next func() string) (codec.Envelope, codec.Reports) {
	zoned := func(a string) netip.Addr {
		z := next()
		if z == "" {
			z = "0" // an empty zone is no zone
		}
		return netip.MustParseAddr(a).WithZone(z)
	}
	ap := func(a string, port uint16) netip.AddrPort { return netip.AddrPortFrom(zoned(a), port) }
	container := func(full bool) *collect.Container {
		c := &collect.Container{Runtime: next(), ID: next(), Name: next(), PodName: next(), PodUID: next()}
		if !full {
			c.Name, c.PodName = "", ""
		}
		return c
	}
	var socks []collect.Socket
	for i, state := range []collect.State{collect.StateListen, collect.StateEstablished, collect.StateClose} {
		s := collect.Socket{
			Source: collect.Source{Kind: "stack", Name: next()},
			NetNS:  &collect.Namespace{Inode: 4026532000 + uint64(i), Name: next()},
			Proto:  collect.ProtoTCP, Family: collect.FamilyIPv6, State: state,
			Local: ap("fe80::1", 22), Remote: ap("fe80::2", 50000),
			Owner: &collect.Process{PID: 100 + i, Name: next(), Services: []string{next(), next()}, Container: container(i == 0)},
			TCP:   &collect.TCPInfo{Timer: collect.TimerKeepalive},
			Stack: &collect.StackInfo{FD: 3},
		}
		if i == 2 {
			s.Proto, s.TCP, s.Stack, s.Source = collect.ProtoUDP, nil, nil, collect.Kernel
			s.NetNS.Name = "" // the inode is shown instead
		}
		socks = append(socks, s)
	}
	env := codec.Envelope{Host: next(), Time: time.Unix(1700000000, 0), Sockets: socks, Warnings: []string{next(), next()}}

	var protos collect.ProtoCounters
	protos.Set("Tcp", next(), 1)
	protos.Set(next(), next(), 2)
	rep := codec.Reports{
		Host: next(), Time: env.Time, Warnings: []string{next()},
		Routes: &collect.RouteTable{
			Interfaces: []collect.Interface{{Index: 2, Name: next(), MAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, Up: true,
				Addrs: []collect.InterfaceAddr{{Prefix: netip.MustParsePrefix("fe80::1/64"), Peer: zoned("fe80::2")}}}},
			IPv4: []collect.Route{{Dst: netip.MustParsePrefix("198.18.0.0/15"), IfIndex: 2, IfName: next(),
				Table: collect.RouteTableMain, Type: collect.RouteUnicast}},
			IPv6: []collect.Route{
				{Dst: netip.MustParsePrefix("fe80::/64"), Gateway: zoned("fe80::9"), IfIndex: 2, IfName: next(),
					Src: zoned("fe80::1"), Table: collect.RouteTableMain, Type: collect.RouteUnicast},
			},
		},
		Interfaces:    []collect.InterfaceCounters{{Name: next()}, {Name: next(), Loopback: true}},
		HasInterfaces: true,
		Protocols:     &protos,
	}
	return env, rep
}

// hostileNamer names every endpoint after a hostile PTR record and
// service.
type hostileNamer struct{ name string }

func (n hostileNamer) Endpoint(netip.AddrPort, collect.Proto, bool) string {
	return n.name + ":" + n.name
}

// writers are every writer of render, each run on the whole table; json
// says the output is a JSON document (or one NDJSON line).
var writers = []struct {
	name  string
	json  bool
	write func(io.Writer, codec.Envelope, codec.Reports, string) error
}{
	{"-ano -b", false, func(w io.Writer, e codec.Envelope, _ codec.Reports, _ string) error {
		return Text(w, e.Sockets, TextOptions{PID: true, Exe: true})
	}},
	{"-ano Namespace Source CRLF", false, func(w io.Writer, e codec.Envelope, _ codec.Reports, _ string) error {
		return Text(w, e.Sockets, TextOptions{PID: true, Source: true, NetNS: true, CRLF: true})
	}},
	{"-a names", false, func(w io.Writer, e codec.Envelope, _ codec.Reports, name string) error {
		return Text(w, e.Sockets, TextOptions{Exe: true, Names: hostileNamer{name}})
	}},
	{"--info", false, func(w io.Writer, e codec.Envelope, _ codec.Reports, _ string) error {
		return Info(w, e.Sockets, InfoOptions{PID: true, Source: true, Stack: true})
	}},
	{"-r", false, func(w io.Writer, _ codec.Envelope, r codec.Reports, _ string) error { return Routes(w, *r.Routes) }},
	{"-e", false, func(w io.Writer, _ codec.Envelope, r codec.Reports, _ string) error {
		return InterfaceStats(w, r.Interfaces)
	}},
	{"-s", false, func(w io.Writer, _ codec.Envelope, r codec.Reports, _ string) error {
		return ProtocolStats(w, *r.Protocols, 0)
	}},
	{"--json", true, func(w io.Writer, e codec.Envelope, _ codec.Reports, _ string) error { return codec.SocketsJSON(w, e) }},
	{"--ndjson", true, func(w io.Writer, e codec.Envelope, _ codec.Reports, _ string) error { return codec.SocketsNDJSON(w, e) }},
	{"-res --json", true, func(w io.Writer, _ codec.Envelope, r codec.Reports, _ string) error { return codec.ReportsJSON(w, r) }},
	{"-res --ndjson", true, func(w io.Writer, _ codec.Envelope, r codec.Reports, _ string) error { return codec.ReportsNDJSON(w, r) }},
}

func TestHostileNamesEveryWriter(t *testing.T) {
	for _, name := range safetexttest.Names {
		env, rep := hostileTable(func() string { return name })
		shown := safetext.Text(name)
		if strings.ContainsAny(shown, "\n\r") {
			t.Fatalf("safetext.Text(%q) = %q", name, shown)
		}
		for _, w := range writers {
			var out bytes.Buffer
			if err := w.write(&out, env, rep, name); err != nil {
				t.Fatalf("%s: %v", w.name, err)
			}
			what := w.name + " of " + safetext.Text(name)
			safetexttest.CheckLines(t, what, out.Bytes())
			if w.json {
				checkHostileJSON(t, what, out.Bytes(), name, strings.HasSuffix(w.name, "--ndjson"))
				continue
			}
			// Every text table but -s (which prints no name) shows
			// the name as safetext.Text does: "ünïcode" as it is.
			if w.name != "-s" && !bytes.Contains(out.Bytes(), []byte(shown)) {
				t.Errorf("%s: no %q in\n%s", what, shown, out.Bytes())
			}
		}
	}
}

// checkHostileJSON checks a JSON document of the hostile table: valid,
// and every name in it decodes to the name itself, each byte that is not
// UTF-8 as U+FFFD (docs/json.md).
func checkHostileJSON(t *testing.T, what string, doc []byte, name string, ndjson bool) {
	t.Helper()
	if !json.Valid(doc) {
		t.Fatalf("%s: invalid JSON:\n%q", what, doc)
	}
	if ndjson && bytes.IndexByte(doc, '\n') != len(doc)-1 {
		t.Errorf("%s: not one line: %q", what, doc)
	}
	want := safetexttest.Decoded(name)
	zone := want
	if name == "" {
		zone = "0"
	}
	var d struct {
		Host     string
		Warnings []string
		Sockets  []struct {
			StackName   string `json:"stack_name"`
			NetNSName   string `json:"net_namespace_name"`
			Local       string `json:"local_address"`
			Remote      string `json:"remote_address"`
			ProcessName string `json:"process_name"`
			Container   map[string]string
		}
		Routes struct {
			Interfaces []struct {
				Name      string
				Addresses []struct{ Peer string }
			}
			IPv6 []struct {
				Gateway         string
				InterfaceName   string `json:"interface_name"`
				PreferredSource string `json:"preferred_source"`
			}
		}
		Interfaces []struct{ Name string }
		Protocols  map[string]map[string]int64
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got := []string{d.Host}
	got = append(got, d.Warnings...)
	for i, s := range d.Sockets {
		got = append(got, s.ProcessName, s.Container["runtime"], s.Container["id"], s.Container["pod_uid"])
		if i < 2 {
			got = append(got, s.StackName, s.NetNSName)
		}
		if s.Local != "fe80::1%"+zone || s.Remote != "fe80::2%"+zone {
			t.Errorf("%s: addresses %q and %q, want the zone %q", what, s.Local, s.Remote, zone)
		}
	}
	if len(d.Sockets) > 0 && (d.Sockets[0].Container["name"] != want || d.Sockets[0].Container["pod_name"] != want) {
		t.Errorf("%s: container %q", what, d.Sockets[0].Container)
	}
	for _, ifc := range d.Routes.Interfaces {
		got = append(got, ifc.Name)
		for _, a := range ifc.Addresses {
			if a.Peer != "fe80::2%"+zone {
				t.Errorf("%s: peer %q", what, a.Peer)
			}
		}
	}
	for _, r := range d.Routes.IPv6 {
		got = append(got, r.InterfaceName)
		if r.Gateway != "fe80::9%"+zone || r.PreferredSource != "fe80::1%"+zone {
			t.Errorf("%s: gateway %q, preferred source %q", what, r.Gateway, r.PreferredSource)
		}
	}
	for _, i := range d.Interfaces {
		got = append(got, i.Name)
	}
	if d.Protocols != nil {
		if _, ok := d.Protocols["Tcp"][want]; !ok {
			t.Errorf("%s: Tcp counters %v", what, d.Protocols["Tcp"])
		}
	}
	for i, g := range got {
		if g != want {
			t.Errorf("%s: string %d reads %q, want %q", what, i, g, want)
		}
	}
}

// FuzzHostileTable fills every string field of a whole table (process,
// namespace, container runtime/ID/name/pod/UID, stack name, the zones of
// local and remote addresses, route and interface names, host, warnings,
// counter names) with arbitrary bytes, each field its own piece of the
// input: every JSON and NDJSON document is valid, and no writer's output
// holds a control byte, DEL, invalid UTF-8 or a forbidden rune.
func FuzzHostileTable(f *testing.F) {
	for _, name := range safetexttest.Names {
		f.Add([]byte(name))
	}
	f.Add([]byte("\x03ab\"\x01\x1b\x02\xc2\x9b\x04\xe2\x80\xae\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Each field takes a length byte and that many bytes (fewer at
		// the end), round and round the input.
		pos := 0
		next := func() string {
			if len(data) == 0 {
				return ""
			}
			n := int(data[pos%len(data)]) % 24
			var b []byte
			for i := 1; i <= n; i++ {
				b = append(b, data[(pos+i)%len(data)])
			}
			pos += n + 1
			return string(b)
		}
		env, rep := hostileTable(next)
		name := next()
		for _, w := range writers {
			var out bytes.Buffer
			if err := w.write(&out, env, rep, name); err != nil {
				t.Fatalf("%s: %v", w.name, err)
			}
			safetexttest.CheckLines(t, w.name, out.Bytes())
			if w.json && !json.Valid(out.Bytes()) {
				t.Fatalf("%s: invalid JSON:\n%q", w.name, out.Bytes())
			}
		}
	})
}
