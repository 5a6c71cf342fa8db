// reports_test.go runs -r, -e and -s in-process with fake tables and
// counters: the wiring, the order of the reports, --netns, failures and
// the interval.

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/collect"
)

// fakeInterfaces is a host with loopback, one NIC and a bridge.
func fakeInterfaces() []collect.InterfaceCounters {
	return []collect.InterfaceCounters{
		{Name: "lo", Loopback: true, RxBytes: 204353, RxPackets: 3192, TxBytes: 204353, TxPackets: 3192},
		{Name: "eth0", RxBytes: 55257100, RxPackets: 41708, RxErrors: 2, RxDrops: 7, RxMulticast: 310,
			TxBytes: 139008, TxPackets: 1324, TxDrops: 1},
		{Name: "br0", RxBytes: 1000, RxPackets: 10, RxMulticast: 4, TxBytes: 2000, TxPackets: 20, TxErrors: 3},
	}
}

// fakeProtocols has every group -s reads, with a few counters left out as
// an older kernel would (Ip ReasmReqds, Icmp6 InMLDv2Reports).
func fakeProtocols() collect.ProtoCounters {
	var c collect.ProtoCounters
	set := func(group string, kv ...any) {
		for i := 0; i < len(kv); i += 2 {
			c.Set(group, kv[i].(string), int64(kv[i+1].(int)))
		}
	}
	set("Ip", "InReceives", 3358, "InHdrErrors", 1, "InAddrErrors", 2, "ForwDatagrams", 3, "InUnknownProtos", 4,
		"InDiscards", 5, "InDelivers", 3300, "OutRequests", 2966, "OutDiscards", 6, "OutNoRoutes", 7,
		"ReasmOKs", 8, "ReasmFails", 9, "FragOKs", 10, "FragFails", 11, "FragCreates", 12)
	set("Ip6", "InReceives", 1534, "InHdrErrors", 0, "InAddrErrors", 0, "OutForwDatagrams", 0, "InUnknownProtos", 0,
		"InDiscards", 0, "InDelivers", 1534, "OutRequests", 1543, "OutDiscards", 0, "OutNoRoutes", 13,
		"ReasmReqds", 0, "ReasmOKs", 0, "ReasmFails", 0, "FragOKs", 0, "FragFails", 0, "FragCreates", 0)
	set("Icmp", "InMsgs", 12, "InErrors", 0, "InDestUnreachs", 2, "InEchos", 5, "InEchoReps", 5,
		"OutMsgs", 14, "OutErrors", 0, "OutDestUnreachs", 4, "OutEchos", 5, "OutEchoReps", 5)
	set("Icmp6", "InMsgs", 1, "InErrors", 1, "OutMsgs", 9, "OutErrors", 0, "InDestUnreachs", 1, "OutDestUnreachs", 1,
		"InEchos", 0, "OutEchos", 0, "InEchoReplies", 0, "OutEchoReplies", 0, "OutMLDv2Reports", 4,
		"InNeighborSolicits", 0, "OutNeighborSolicits", 4)
	set("Tcp", "RtoAlgorithm", 1, "MaxConn", -1, "ActiveOpens", 355, "PassiveOpens", 336, "AttemptFails", 1, "EstabResets", 22,
		"CurrEstab", 3, "InSegs", 4851, "OutSegs", 4469, "RetransSegs", 17)
	set("Udp", "InDatagrams", 39, "NoPorts", 6, "InErrors", 0, "OutDatagrams", 40)
	set("Udp6", "InDatagrams", 2, "NoPorts", 1, "InErrors", 0, "OutDatagrams", 3)
	return c
}

// fakeRoutes is a host with loopback and one NIC, its main and local
// tables as Linux keeps them.
func fakeRoutes() collect.RouteTable {
	mac, _ := net.ParseMAC("02:fc:00:00:00:01")
	eth := netip.MustParsePrefix("198.18.0.2/24")
	lo := netip.MustParsePrefix("127.0.0.1/8")
	route := func(dst, gw string, ifi uint32, name string, metric uint32, typ collect.RouteType, table uint32) collect.Route {
		r := collect.Route{Dst: netip.MustParsePrefix(dst), IfIndex: ifi, IfName: name, Metric: metric, Type: typ, Table: table}
		if gw != "" {
			r.Gateway = netip.MustParseAddr(gw)
		}
		return r
	}
	main, local := collect.RouteTableMain, collect.RouteTableLocal
	return collect.RouteTable{
		Interfaces: []collect.Interface{
			{Index: 1, Name: "lo", Up: true, Addrs: []collect.InterfaceAddr{{Prefix: lo}}},
			{Index: 2, Name: "eth0", MAC: mac, Up: true, Addrs: []collect.InterfaceAddr{{Prefix: eth}, {Prefix: netip.MustParsePrefix("fd00::2/64")}}},
		},
		IPv4: []collect.Route{
			route("0.0.0.0/0", "198.18.0.1", 2, "eth0", 0, collect.RouteUnicast, main),
			route("198.18.0.0/24", "", 2, "eth0", 0, collect.RouteUnicast, main),
			route("127.0.0.1/32", "", 1, "lo", 0, collect.RouteLocal, local),
			route("198.18.0.2/32", "", 2, "eth0", 0, collect.RouteLocal, local),
			// A policy-routing table: left out of the text, in JSON.
			{Dst: netip.MustParsePrefix("198.18.9.0/24"), Gateway: netip.MustParseAddr("198.18.0.9"), IfIndex: 2, IfName: "eth0",
				Src: netip.MustParseAddr("198.18.0.2"), Metric: 5, Type: collect.RouteUnicast, Table: 100, Protocol: collect.RouteProtoStatic},
		},
		IPv6: []collect.Route{
			route("::/0", "fd00::1", 2, "eth0", 1024, collect.RouteUnicast, main),
			route("fd00::/64", "", 2, "eth0", 256, collect.RouteUnicast, main),
		},
	}
}

func TestReportsGolden(t *testing.T) {
	noIPv6 := func(f *fixture) {
		f.protocols = func(context.Context, string) (collect.ProtoCounters, error) {
			c := fakeProtocols()
			delete(c.Groups, "Ip6")
			delete(c.Groups, "Icmp6")
			delete(c.Groups, "Udp6")
			return c, nil
		}
	}
	for _, tt := range []struct {
		name  string
		args  []string
		setup func(*fixture)
	}{
		{name: "stats_e", args: []string{"-e"}},
		{name: "stats_e_fails", args: []string{"-e"}, setup: func(f *fixture) {
			f.interfaces = func(context.Context, string) ([]collect.InterfaceCounters, error) {
				return nil, &fs.PathError{Op: "open", Path: "/proc/self/net/dev", Err: fs.ErrPermission}
			}
		}},
		{name: "stats_e_ano", args: []string{"-anobf", "-e"}},
		{name: "stats_s", args: []string{"-s"}},
		{name: "stats_s_tcp", args: []string{"-s", "-p", "tcp"}},
		{name: "stats_es_ano", args: []string{"-anos", "-e", "-p", "UDPv6", "-p", "icmp"}},
		{name: "stats_s_no_ipv6", args: []string{"-s", "-p", "ipv6", "-p", "udp"}, setup: noIPv6},
		{name: "stats_s_fails", args: []string{"-es"}, setup: func(f *fixture) {
			f.protocols = func(context.Context, string) (collect.ProtoCounters, error) {
				return collect.ProtoCounters{}, errors.New("/proc/self/net/snmp: netcounters: line 4: 3 values for the 4 names of group Icmp on line 3")
			}
		}},
		{name: "routes", args: []string{"-r"}},
		{name: "routes_partial", args: []string{"-rn"}, setup: func(f *fixture) {
			f.routes = func(context.Context, string) (collect.RouteTable, error) {
				t := fakeRoutes()
				t.IPv6 = nil
				return t, collect.PartialOf("routing table", errors.New("dumping IPv6 routes: interrupted 3 times"))
			}
		}},
		{name: "routes_fails", args: []string{"-r"}, setup: func(f *fixture) {
			f.routes = func(context.Context, string) (collect.RouteTable, error) {
				return collect.RouteTable{}, errors.New("netlink: socket: permission denied")
			}
		}},
		{name: "routes_es", args: []string{"-ser", "-p", "tcp"}},
		{name: "routes_json", args: []string{"-r", "--json"}},
		{name: "routes_partial_json", args: []string{"-r", "--json"}, setup: func(f *fixture) {
			f.routes = func(context.Context, string) (collect.RouteTable, error) {
				t := fakeRoutes()
				t.IPv6 = nil
				return t, collect.PartialOf("routing table", errors.New("dumping IPv6 routes: interrupted 3 times"))
			}
		}},
		{name: "routes_fails_ndjson", args: []string{"-res", "--ndjson", "-p", "udp"}, setup: func(f *fixture) {
			f.routes = func(context.Context, string) (collect.RouteTable, error) {
				return collect.RouteTable{}, errors.New("netlink: socket: permission denied")
			}
		}},
		{name: "stats_e_json", args: []string{"-e", "--json"}},
		{name: "stats_s_json", args: []string{"-s", "--json"}},
		{name: "stats_s_udp_ipv6_json", args: []string{"-s", "--json", "-p", "udp", "-p", "ipv6"}, setup: noIPv6},
		{name: "stats_es_json", args: []string{"-ans", "-e", "-p", "tcp", "--json"}},
		{name: "usage_routes_json_stack", args: []string{"-r", "--json", "--stack"}},
		{name: "usage_stats_json_info", args: []string{"-s", "--json", "--info"}},
		{name: "usage_icmp_without_s", args: []string{"-p", "icmp"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			f.sockets.err = errors.New("the socket table must not be read")
			if tt.setup != nil {
				tt.setup(f)
			}
			r := f.run(context.Background(), tt.args)
			if f.sockets.calls != 0 {
				t.Errorf("the socket table was read %d times", f.sockets.calls)
			}
			golden(t, tt.name, r)
		})
	}
}

// TestReportsOrder: -e before -s whatever the order typed, as Windows.
func TestReportsOrder(t *testing.T) {
	for _, args := range [][]string{{"-s", "-e"}, {"-se"}, {"--statistics", "--ethernet"}} {
		r := newFixture().run(context.Background(), args)
		e, s := strings.Index(r.stdout, "Interface Statistics"), strings.Index(r.stdout, "IPv4 Statistics")
		if r.code != exitOK || e < 0 || s < 0 || e > s {
			t.Errorf("%q: -e at %d, -s at %d, want -e first:\n%v", args, e, s, r)
		}
	}
}

// TestReportsNetNS: --netns reaches the counters' reader, for both reports.
func TestReportsNetNS(t *testing.T) {
	f := newFixture()
	var asked []string
	f.interfaces = func(_ context.Context, ns string) ([]collect.InterfaceCounters, error) {
		asked = append(asked, "e:"+ns)
		return fakeInterfaces(), nil
	}
	f.protocols = func(_ context.Context, ns string) (collect.ProtoCounters, error) {
		asked = append(asked, "s:"+ns)
		return fakeProtocols(), nil
	}
	f.routes = func(_ context.Context, ns string) (collect.RouteTable, error) {
		asked = append(asked, "r:"+ns)
		return fakeRoutes(), nil
	}
	r := f.run(context.Background(), []string{"-esr", "--netns", "gnst-blue"})
	if r.code != exitOK || fmt.Sprint(asked) != "[r:gnst-blue e:gnst-blue s:gnst-blue]" {
		t.Errorf("asked %v, exit %d:\n%v", asked, r.code, r)
	}
}

// TestReportsUnsupported: an OS without the readers says so, exit 1.
func TestReportsUnsupported(t *testing.T) {
	unsupported := fmt.Errorf("interface statistics on plan9: %w", collect.ErrUnsupported)
	for _, tt := range []struct {
		args  []string
		setup func(*fixture)
		want  string
	}{
		{[]string{"-e"}, func(f *fixture) {
			f.interfaces = func(context.Context, string) ([]collect.InterfaceCounters, error) { return nil, unsupported }
		}, "gonetstat: -e is not available on " + runtime.GOOS + "\n"},
		{[]string{"-s"}, func(f *fixture) {
			f.protocols = func(context.Context, string) (collect.ProtoCounters, error) {
				return collect.ProtoCounters{}, unsupported
			}
		}, "gonetstat: -s is not available on " + runtime.GOOS + "\n"},
		{[]string{"-s"}, func(f *fixture) { f.protocols = nil }, "gonetstat: -s is not available on " + runtime.GOOS + "\n"},
		{[]string{"-e"}, func(f *fixture) { f.interfaces = nil }, "gonetstat: -e is not available on " + runtime.GOOS + "\n"},
		{[]string{"-r"}, func(f *fixture) {
			f.routes = func(context.Context, string) (collect.RouteTable, error) { return collect.RouteTable{}, unsupported }
		}, "gonetstat: -r is not available on " + runtime.GOOS + "\n"},
		{[]string{"-r"}, func(f *fixture) { f.routes = nil }, "gonetstat: -r is not available on " + runtime.GOOS + "\n"},
	} {
		f := newFixture()
		tt.setup(f)
		r := f.run(context.Background(), tt.args)
		if r.code != exitFailure || r.stdout != "" || r.stderr != tt.want {
			t.Errorf("%q: %v; want exit 1 and %q", tt.args, r, tt.want)
		}
	}
}

// TestReportsInterval redisplays -e every interval until Ctrl-C, exit 0,
// reading the counters afresh each time; and a failed read in the loop
// makes the exit 1.
func TestReportsInterval(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFixture()
	f.after = (&ticker{t: t, want: 5 * time.Second, n: 2, cancel: cancel}).after
	reads := 0
	f.interfaces = func(context.Context, string) ([]collect.InterfaceCounters, error) {
		reads++
		ifs := fakeInterfaces()
		ifs[1].RxBytes += uint64(reads) // traffic between the reads
		return ifs, nil
	}
	r := f.run(ctx, []string{"-e", "5"})
	if r.code != exitOK || reads != 3 || strings.Count(r.stdout, "Interface Statistics") != 3 {
		t.Fatalf("exit %d, %d reads, want 0 and 3:\n%v", r.code, reads, r)
	}
	for i := 1; i <= 3; i++ {
		if want := fmt.Sprintf("Bytes %*d", 29, 55258100+i); !strings.Contains(r.stdout, want) {
			t.Errorf("report %d: no %q:\n%s", i, want, r.stdout)
		}
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	f = newFixture()
	f.after = (&ticker{t: t, want: time.Second, n: 1, cancel: cancel}).after
	reads = 0
	f.interfaces = func(context.Context, string) ([]collect.InterfaceCounters, error) {
		reads++
		if reads == 1 {
			return nil, errors.New("reading /proc/self/net/dev: input/output error")
		}
		return fakeInterfaces(), nil
	}
	r = f.run(ctx, []string{"-e", "1"})
	if r.code != exitFailure || reads != 2 || strings.Count(r.stdout, "Interface Statistics") != 1 {
		t.Errorf("exit %d, %d reads, want 1 and 2:\n%v", r.code, reads, r)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	f = newFixture()
	f.after = (&ticker{t: t, want: time.Second, n: 1, cancel: cancel}).after
	reads = 0
	f.protocols = func(context.Context, string) (collect.ProtoCounters, error) {
		reads++
		if reads == 1 {
			return collect.ProtoCounters{}, errors.New("reading /proc/self/net/snmp: input/output error")
		}
		return fakeProtocols(), nil
	}
	r = f.run(ctx, []string{"-s", "-p", "udp", "1"})
	if r.code != exitFailure || reads != 2 || strings.Count(r.stdout, "UDP Statistics for IPv4") != 1 {
		t.Errorf("-s: exit %d, %d reads, want 1 and 2:\n%v", r.code, reads, r)
	}
}

// TestReportsNDJSONInterval: with --ndjson and an interval, one
// gonetstat.reports/v1 line per snapshot, each valid JSON with the
// counters read afresh.
func TestReportsNDJSONInterval(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFixture()
	f.after = (&ticker{t: t, want: 2 * time.Second, n: 2, cancel: cancel}).after
	reads := 0
	f.protocols = func(context.Context, string) (collect.ProtoCounters, error) {
		reads++
		c := fakeProtocols()
		c.Set("Udp", "NoPorts", int64(100+reads))
		return c, nil
	}
	r := f.run(ctx, []string{"-s", "-p", "udp", "-e", "--ndjson", "2"})
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != exitOK || len(lines) != 3 || r.stderr != "" {
		t.Fatalf("exit %d, %d lines, want 0 and 3:\n%v", r.code, len(lines), r)
	}
	for i, line := range lines {
		var doc struct {
			Schema     string
			Interfaces []map[string]any
			Protocols  map[string]map[string]int64
		}
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatalf("line %d: %v\n%s", i+1, err, line)
		}
		if doc.Schema != "gonetstat.reports/v1" || len(doc.Interfaces) != 3 || len(doc.Protocols) != 1 ||
			doc.Protocols["Udp"]["NoPorts"] != int64(101+i) {
			t.Errorf("line %d: %+v", i+1, doc)
		}
	}
}

// TestReportsInterruptedMidDump: Ctrl-C while -r 5 is reading its second
// table ends the loop at once, exit 0, with the first table printed and
// no error for the read it cut short; without an interval, the same
// Ctrl-C prints nothing and says it was interrupted (exit 1).
func TestReportsInterruptedMidDump(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		cutAt    int // which read Ctrl-C interrupts
		code     int
		tables   int
		stderr   string
		jsonDocs int
	}{
		{args: []string{"-r", "5"}, cutAt: 2, code: 0, tables: 1},
		{args: []string{"-r"}, cutAt: 1, code: 1, tables: 0, stderr: "gonetstat: interrupted before the table was printed\n"},
		{args: []string{"-r", "--ndjson", "5"}, cutAt: 2, code: 0, jsonDocs: 1},
		{args: []string{"-re", "--json"}, cutAt: 1, code: 1, stderr: "gonetstat: interrupted before the table was printed\n"},
	} {
		f := newFixture()
		ctx, cancel := context.WithCancel(context.Background())
		reads := 0
		f.routes = func(ctx context.Context, _ string) (collect.RouteTable, error) {
			reads++
			if reads == tt.cutAt {
				cancel() // Ctrl-C arrives during the dump, which sees it and stops
				<-ctx.Done()
				return collect.RouteTable{}, ctx.Err()
			}
			return fakeRoutes(), nil
		}
		f.after = func(time.Duration) <-chan time.Time { // the interval passes at once
			ch := make(chan time.Time, 1)
			ch <- time.Time{}
			return ch
		}
		r := f.run(ctx, tt.args)
		cancel()
		if r.code != tt.code || r.stderr != tt.stderr {
			t.Errorf("%v: %s", tt.args, r)
		}
		if got := strings.Count(r.stdout, "IPv4 Route Table"); got != tt.tables {
			t.Errorf("%v: %d tables printed, want %d:\n%s", tt.args, got, tt.tables, r)
		}
		if got := strings.Count(r.stdout, `"schema"`); got != tt.jsonDocs {
			t.Errorf("%v: %d JSON documents, want %d:\n%s", tt.args, got, tt.jsonDocs, r)
		}
	}
}
