// sockets_test.go checks the JSON and NDJSON writers: the exact socket fields,
// their omission rules, one line per NDJSON snapshot, the string escaper
// (fuzzed), write errors and the allocation bound.

package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/collect/collecttest"
)

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return doc
}

func firstSocket(t *testing.T, env Envelope) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	if err := SocketsJSON(&buf, env); err != nil {
		t.Fatal(err)
	}
	socks, ok := decode(t, buf.Bytes())["sockets"].([]any)
	if !ok || len(socks) == 0 {
		t.Fatalf("no sockets in %s", buf.Bytes())
	}
	return socks[0].(map[string]any)
}

// TestJSONSocketKernel pins a kernel TCP socket's object as the schema
// defines it, independently of docs/json.md: names, order, values, types.
func TestJSONSocketKernel(t *testing.T) {
	s := collect.Socket{
		Source: collect.Kernel, NetNS: &collect.Namespace{Inode: 4026531993}, Proto: collect.ProtoTCP, Family: collect.FamilyIPv6,
		Local: netip.MustParseAddrPort("[fe80::1%eth0]:22"), Remote: netip.MustParseAddrPort("[fe80::2%eth0]:40100"),
		State: collect.StateEstablished, Owner: &collect.Process{PID: 9120, Name: "sshd"}, UID: 0, HasUID: true,
		Inode: 88120, Cookie: 8193, SendQ: 36, RecvQ: 0,
		TCP: &collect.TCPInfo{RTT: 1250, RTTVar: 480, RTO: 204000,
			SndCwnd: 10, SndSsthresh: 7, SndMSS: 1448, RcvMSS: 536, Retransmits: 1, TotalRetrans: 3, Unacked: 2,
			BytesAcked: 51234, BytesReceived: 8731, Timer: collect.TimerRetrans, TimerExpires: 180},
	}
	var buf bytes.Buffer
	if err := SocketsNDJSON(&buf, Envelope{Host: "h", Sockets: []collect.Socket{s}}); err != nil {
		t.Fatal(err)
	}
	want := `{"source":"kernel","net_namespace":4026531993,"proto":"tcp","protocol":6,"family":10,` +
		`"local_address":"fe80::1%eth0","local_port":22,"remote_address":"fe80::2%eth0","remote_port":40100,` +
		`"state":"ESTABLISHED","pid":9120,"process_name":"sshd","uid":0,"inode":88120,"cookie":8193,` +
		`"send_queue":36,"recv_queue":0,"tcp_info":{"rtt_us":1250,"rttvar_us":480,"rto_us":204000,` +
		`"snd_cwnd":10,"snd_ssthresh":7,"snd_mss":1448,"rcv_mss":536,"retransmits":1,"total_retrans":3,` +
		`"unacked":2,"bytes_acked":51234,"bytes_received":8731,"timer":"on","timer_expires_ms":180}}`
	got := buf.String()
	start := strings.Index(got, `"sockets":[`) + len(`"sockets":[`)
	end := strings.LastIndex(got, "]}")
	if start < len(`"sockets":[`) || end < start {
		t.Fatalf("no sockets array in %s", got)
	}
	if diff := cmp.Diff(want, got[start:end]); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestJSONOmissions: absent is absent. No owner, no uid, no inode, no
// cookie, no TCP internals and no namespace leave their keys out, and an
// endpoint a collector left unset reads as the kernel's unbound/no-peer
// value of the socket's family, never null or "".
func TestJSONOmissions(t *testing.T) {
	s := collect.Socket{Proto: collect.ProtoTCP, Family: collect.FamilyIPv6, State: collect.StateTimeWait,
		Owner: &collect.Process{PID: 77}} // a PID without a readable name
	got := firstSocket(t, Envelope{Sockets: []collect.Socket{s}})
	want := map[string]any{
		"source": "kernel", "proto": "tcp", "protocol": 6.0, "family": 10.0,
		"local_address": "::", "local_port": 0.0, "remote_address": "::", "remote_port": 0.0,
		"state": "TIME_WAIT", "pid": 77.0, "send_queue": 0.0, "recv_queue": 0.0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// A stack socket without a name has no stack_name, rather than "".
	s = minimalSocket()
	s.Source = collect.Source{Kind: "stack"}
	if got := firstSocket(t, Envelope{Sockets: []collect.Socket{s}}); got["source"] != "stack" || got["stack_name"] != nil {
		t.Errorf("source %v, stack_name %v", got["source"], got["stack_name"])
	}
}

// TestJSONEnvelope: time in UTC whatever the zone it was read in, warnings
// only when there are some, an empty table as [].
func TestJSONEnvelope(t *testing.T) {
	ts := time.Date(2026, 11, 25, 5, 10, 0, 120000000, time.FixedZone("CET", 3600))
	var buf bytes.Buffer
	if err := SocketsJSON(&buf, Envelope{Host: "h\"ost", Time: ts}); err != nil {
		t.Fatal(err)
	}
	want := `{"schema":"gonetstat.sockets/v1","host":"h\"ost","time":"2026-11-25T04:10:00.12Z","sockets":[]}` + "\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	buf.Reset()
	if err := SocketsNDJSON(&buf, Envelope{Host: "h", Time: ts, Warnings: []string{"owners: permission denied for 3 processes", "x\ny"}}); err != nil {
		t.Fatal(err)
	}
	doc := decode(t, buf.Bytes())
	if diff := cmp.Diff([]any{"owners: permission denied for 3 processes", "x\ny"}, doc["warnings"]); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestNDJSONIsOneLine(t *testing.T) {
	var got bytes.Buffer
	env := exampleEnvelope()
	env.Warnings = []string{"line one\nline two"}
	env.Sockets[0].Owner = &collect.Process{PID: 1, Name: "evil\nname\u2028"}
	if err := SocketsNDJSON(&got, env); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(got.String(), "\n"); n != 1 || !strings.HasSuffix(got.String(), "\n") {
		t.Fatalf("NDJSON has %d newlines:\n%s", n, got.String())
	}
	var indented, compact bytes.Buffer
	if err := SocketsJSON(&indented, env); err != nil {
		t.Fatal(err)
	}
	if err := json.Compact(&compact, indented.Bytes()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(compact.String()+"\n", got.String()); diff != "" {
		t.Errorf("NDJSON is not the JSON document on one line (-want +got):\n%s", diff)
	}
}

func TestJSONWriteError(t *testing.T) {
	env := Envelope{Host: "h", Sockets: collecttest.Sockets(10000)}
	for _, write := range []func(io.Writer, Envelope) error{SocketsJSON, SocketsNDJSON} {
		for _, after := range []int{0, 1} {
			if err := write(&collecttest.FailWriter{After: after}, env); !errors.Is(err, collecttest.ErrDiskFull) {
				t.Errorf("after %d writes: err = %v, want %v", after, err, collecttest.ErrDiskFull)
			}
		}
	}
}

// TestJSONAllocsConstant: the cost in allocations does not grow with the
// table.
func TestJSONAllocsConstant(t *testing.T) {
	count := func(n int) float64 {
		env := Envelope{Host: "h", Sockets: collecttest.Sockets(n)}
		for i := range env.Sockets {
			env.Sockets[i].TCP = &collect.TCPInfo{Timer: collect.TimerKeepalive}
		}
		return testing.AllocsPerRun(5, func() {
			if err := SocketsJSON(io.Discard, env); err != nil {
				t.Fatal(err)
			}
		})
	}
	if small, large := count(10), count(10000); large > small {
		t.Errorf("10 rows: %v allocations, 10000 rows: %v; want no growth", small, large)
	}
}

// TestStackInfoOmissions: a UDP stack socket has no sequence variables,
// and a socket no descriptor refers to has no fd.
func TestStackInfoOmissions(t *testing.T) {
	s := minimalSocket()
	s.Source = collect.Source{Kind: "stack", Name: "demo"}
	s.Stack = &collect.StackInfo{FD: -1, MemUsed: 10, MemLimit: 20, Age: 2 * time.Second}
	sock := firstSocket(t, Envelope{Host: "h", Sockets: []collect.Socket{s}})
	want := map[string]any{"mem_used": 10.0, "mem_limit": 20.0, "age_ms": 2000.0}
	if diff := cmp.Diff(want, sock["stack_info"]); diff != "" {
		t.Errorf("stack_info (-want +got):\n%s", diff)
	}
	if sock["stack_name"] != "demo" || sock["source"] != "stack" {
		t.Errorf("source %v, stack_name %v", sock["source"], sock["stack_name"])
	}
}

func BenchmarkSocketsJSON100k(b *testing.B) {
	env := Envelope{Host: "h", Sockets: collecttest.Sockets(100000)}
	b.ReportAllocs()
	for b.Loop() {
		if err := SocketsJSON(io.Discard, env); err != nil {
			b.Fatal(err)
		}
	}
}

func TestJSONNamespaceAndContainer(t *testing.T) {
	s := collect.Socket{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
		Local: netip.MustParseAddrPort("127.0.0.1:5432"), Remote: netip.MustParseAddrPort("0.0.0.0:0"), State: collect.StateListen,
		Owner: &collect.Process{PID: 812}}
	s.NetNS = &collect.Namespace{Inode: 4026532712, Name: "gnst-ns-a"}
	s.Owner.Container = &collect.Container{Runtime: "podman", ID: strings.Repeat("ab", 32), Name: "pg\"1"}
	var out bytes.Buffer
	if err := SocketsNDJSON(&out, Envelope{Sockets: []collect.Socket{s}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"net_namespace":4026532712,"net_namespace_name":"gnst-ns-a","proto":"tcp"`,
		`"pid":812,"container":{"runtime":"podman","id":"` + strings.Repeat("ab", 32) + `","name":"pg\"1"},"send_queue"`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %s in %s", want, out.String())
		}
	}
}
