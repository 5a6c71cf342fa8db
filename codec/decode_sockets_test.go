// decode_sockets_test.go checks DecodeSockets against the encoder: every field of
// collect.Socket round-trips, bad documents fail naming the row and
// field, and the fuzz target holds decode(encode(decode(x))) ==
// decode(x).

package codec

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/collect/collecttest"
)

// fullTable is a realistic table, at the units the schema carries (µs for
// RTTs, ms for timers and ages), and the fuzz target's seed;
// TestRoundTripEveryField sets every field of the model.
func fullTable() Envelope {
	pg := &collect.Container{Runtime: "docker", ID: strings.Repeat("3f", 32), Name: "pg-main"}
	sshd := &collect.Process{PID: 712, Name: "sshd", Container: pg}
	stackProc := &collect.Process{PID: 4242, Name: "gonetstat"}
	nsA := &collect.Namespace{Inode: 4026531840, Name: "gnst-ns-a"}
	return Envelope{
		Host:     "web1",
		Time:     time.Date(2026, 11, 25, 4, 10, 0, 123456789, time.UTC),
		Warnings: []string{"dumping tcp6: interrupted", "stack \"b\": no answer"},
		Sockets: []collect.Socket{
			{
				Source: collect.Kernel, NetNS: nsA, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
				Local: netip.MustParseAddrPort("198.18.0.10:22"), Remote: netip.MustParseAddrPort("198.18.0.20:50522"),
				State: collect.StateEstablished, Owner: sshd, Holders: 2, UID: 0, HasUID: true, Inode: 88120, Cookie: 8193,
				SendQ: 17, RecvQ: 4,
				TCP: &collect.TCPInfo{RTT: 1250, RTTVar: 480, RTO: 204000,
					SndCwnd: 10, SndSsthresh: 7, SndMSS: 1448, RcvMSS: 1448, Retransmits: 1, TotalRetrans: 3, Unacked: 2,
					BytesAcked: 1 << 40, BytesReceived: 8731, Timer: collect.TimerKeepalive, TimerExpires: 7187},
			},
			{
				Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv6,
				Local: netip.MustParseAddrPort("[fe80::1%eth0]:22"), Remote: netip.MustParseAddrPort("[fe80::2%eth0]:40100"),
				State: collect.StateTimeWait, HasUID: true, UID: 1000,
				TCP: &collect.TCPInfo{Timer: collect.TimerTimeWait, TimerExpires: 0}, // due now
			},
			{
				Source: collect.Source{Kind: "stack", Name: "tap0"}, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
				Local: netip.MustParseAddrPort("198.18.0.2:80"), Remote: netip.MustParseAddrPort("198.18.0.1:41234"),
				State: collect.StateFinWait1, Owner: stackProc, Cookie: 12, SendQ: 100, RecvQ: 0,
				TCP: &collect.TCPInfo{RTT: 2000, RTTVar: 1000, RTO: 1000000,
					SndCwnd: 4, SndMSS: 1460, RcvMSS: 1460, Unacked: 1, BytesAcked: 99, BytesReceived: 1,
					Timer: collect.TimerRetrans, TimerExpires: 998},
				Stack: &collect.StackInfo{FD: 3, MemUsed: 4096, MemLimit: 266240, Age: 61234 * time.Millisecond,
					SndUna: 4000000000, SndNxt: 4000000100, RcvNxt: 12, SndWnd: 65535, RcvWnd: 131072},
			},
			{
				Source: collect.Source{Kind: "stack", Name: "tap0"}, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
				Local: netip.MustParseAddrPort("198.18.0.2:80"), Remote: netip.MustParseAddrPort("198.18.0.1:41000"),
				State: collect.StateTimeWait, Cookie: 11,
				TCP:   &collect.TCPInfo{Timer: collect.TimerTimeWait, TimerExpires: 59000},
				Stack: &collect.StackInfo{FD: -1, MemUsed: 512, MemLimit: 512, Age: time.Second},
			},
			{
				Source: collect.Source{Kind: "stack", Name: "tap0"}, Proto: collect.ProtoUDP, Family: collect.FamilyIPv4,
				Local: netip.MustParseAddrPort("198.18.0.2:7"), Remote: netip.MustParseAddrPort("0.0.0.0:0"),
				State: collect.StateClose, Owner: stackProc, Cookie: 5, RecvQ: 1500,
				Stack: &collect.StackInfo{FD: 0, MemUsed: 2048, MemLimit: 65536, Age: 0},
			},
			{
				Source: collect.Kernel, NetNS: nsA, Proto: collect.ProtoUDP, Family: collect.FamilyIPv6,
				Local: netip.MustParseAddrPort("[::ffff:127.0.0.1]:53"), Remote: netip.MustParseAddrPort("[::]:0"),
				State: collect.StateClose, Owner: &collect.Process{PID: 455}, Inode: 1, Cookie: 1<<64 - 1,
				SendQ: 1<<32 - 1, RecvQ: 1<<32 - 1,
			},
			{
				// A listener read from /proc/net: its backlog limit
				// (send_queue) is unknown.
				Source: collect.Kernel, NetNS: nsA, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
				Local: netip.MustParseAddrPort("0.0.0.0:5432"), Remote: netip.MustParseAddrPort("0.0.0.0:0"),
				State: collect.StateListen, Owner: &collect.Process{PID: 713, Name: "postgres", Container: pg}, Holders: 1,
				Inode: 9, NoSendQ: true, RecvQ: 3,
			},
		},
	}
}

// equateAddrPort compares netip values by value (go-cmp cannot see into
// their unexported fields).
var equateAddrPort = cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })

func encode(t testing.TB, env Envelope, ndjson bool) []byte {
	t.Helper()
	var b bytes.Buffer
	write := SocketsJSON
	if ndjson {
		write = SocketsNDJSON
	}
	if err := write(&b, env); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodeRoundTrip(t *testing.T) {
	for _, ndjson := range []bool{false, true} {
		want := fullTable()
		got, err := DecodeSockets(encode(t, want, ndjson))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, equateAddrPort); diff != "" {
			t.Errorf("ndjson=%v: decode(encode(x)) (-want +got):\n%s", ndjson, diff)
		}
		// Rows of one process share one *Process, as collectors build them.
		if got.Sockets[2].Owner != got.Sockets[4].Owner {
			t.Errorf("the stack process's two rows have two *Process values")
		}
		// The processes of one container one *Container.
		if got.Sockets[0].Container() != got.Sockets[6].Container() {
			t.Errorf("container pg-main's two processes have two *Container values")
		}
		// And rows of one namespace one *Namespace.
		if got.Sockets[0].NetNS != got.Sockets[5].NetNS {
			t.Errorf("namespace gnst-ns-a's two rows have two *Namespace values")
		}
	}
	empty := Envelope{Host: "h", Time: time.Unix(0, 0).UTC(), Sockets: []collect.Socket{}}
	got, err := DecodeSockets(encode(t, empty, false))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(empty, got, equateAddrPort); diff != "" {
		t.Errorf("empty table (-want +got):\n%s", diff)
	}
}

// TestDecodeIgnoresUnknownFields: v1 readers must ignore what they do not
// know (docs/json.md, Versioning), in the envelope and in a row.
func TestDecodeIgnoresUnknownFields(t *testing.T) {
	doc := `{"schema":"gonetstat.sockets/v1","host":"h","time":"2026-01-01T00:00:00Z","future":[1,2],"sockets":[
{"source":"kernel","proto":"udp","protocol":17,"family":2,"local_address":"127.0.0.1","local_port":53,"remote_address":"0.0.0.0","remote_port":0,"state":"CLOSE","send_queue":0,"recv_queue":0,"new_field":{"x":1}}]}`
	env, err := DecodeSockets([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(env.Sockets) != 1 || env.Sockets[0].Local != netip.MustParseAddrPort("127.0.0.1:53") {
		t.Errorf("got %+v", env.Sockets)
	}
}

func TestDecodeErrors(t *testing.T) {
	const head = `{"schema":"gonetstat.sockets/v1","host":"h","time":"2026-01-01T00:00:00Z","sockets":[`
	const good = `{"source":"kernel","proto":"tcp","protocol":6,"family":2,"local_address":"127.0.0.1","local_port":22,"remote_address":"0.0.0.0","remote_port":0,"state":"LISTEN","send_queue":128,"recv_queue":0}`
	row := func(edit func(string) string) string { return head + good + "," + edit(good) + "]}" }
	repl := func(old, new string) func(string) string {
		return func(s string) string {
			if !strings.Contains(s, old) {
				panic("test edit does not apply: " + old)
			}
			return strings.Replace(s, old, new, 1)
		}
	}
	tests := []struct {
		name, doc string
		want      string // substring of the error
		schema    bool   // errors.Is(err, ErrSchema)
	}{
		{name: "v2", doc: `{"schema":"gonetstat.sockets/v2","host":"h","time":"x","sockets":[]}`, want: `schema is "gonetstat.sockets/v2"`, schema: true},
		{name: "v2 other shape", doc: `{"schema":"gonetstat.sockets/v2","host":7,"sockets":{}}`, want: `schema is "gonetstat.sockets/v2"`, schema: true},
		{name: "no schema", doc: `{"host":"h","time":"2026-01-01T00:00:00Z","sockets":[]}`, want: "no schema field", schema: true},
		{name: "not json", doc: `{"schema":`, want: "decoding gonetstat.sockets/v1: envelope: unexpected end of JSON input"},
		{name: "no sockets", doc: `{"schema":"gonetstat.sockets/v1","host":"h","time":"2026-01-01T00:00:00Z"}`, want: "envelope field sockets: missing"},
		{name: "no host", doc: `{"schema":"gonetstat.sockets/v1","time":"2026-01-01T00:00:00Z","sockets":[]}`, want: "envelope field host: missing"},
		{name: "bad time", doc: `{"schema":"gonetstat.sockets/v1","host":"h","time":"yesterday","sockets":[]}`, want: "envelope field time: parsing time"},
		{name: "row missing port", doc: row(repl(`"local_port":22,`, "")), want: "socket 1 field local_port: missing"},
		{name: "row null port", doc: row(repl(`"local_port":22`, `"local_port":null`)), want: "socket 1 field local_port: missing"},
		{name: "port too big", doc: row(repl(`"local_port":22`, `"local_port":65536`)), want: "socket 1 field local_port: 65536 is out of range"},
		{name: "negative queue", doc: row(repl(`"send_queue":128`, `"send_queue":-1`)), want: "socket 1 field send_queue: number -1 where the schema has uint64"},
		{name: "string port", doc: row(repl(`"local_port":22`, `"local_port":"22"`)), want: "socket 1 field local_port: string where the schema has uint64"},
		{name: "fraction", doc: row(repl(`"recv_queue":0`, `"recv_queue":0.5`)), want: "socket 1 field recv_queue"},
		{name: "bad state", doc: row(repl(`"LISTEN"`, `"LISTENING"`)), want: `socket 1 field state: "LISTENING" is not a state name`},
		{name: "bad source", doc: row(repl(`"kernel"`, `"bsd"`)), want: `socket 1 field source: "bsd" is neither kernel nor stack`},
		{name: "stack without name", doc: row(repl(`"kernel"`, `"stack"`)), want: "socket 1 field stack_name: missing on a stack socket"},
		{name: "kernel with name", doc: row(repl(`"kernel"`, `"kernel","stack_name":"x"`)), want: "socket 1 field stack_name: set on a kernel socket"},
		{name: "proto mismatch", doc: row(repl(`"protocol":6`, `"protocol":17`)), want: `socket 1 field protocol: 17 does not match proto "tcp"`},
		{name: "bad proto", doc: row(repl(`"tcp"`, `"sctp"`)), want: `socket 1 field proto: "sctp" is neither tcp nor udp`},
		{name: "bad family", doc: row(repl(`"family":2`, `"family":258`)), want: "socket 1 field family: 258 is neither"},
		{name: "family mismatch", doc: row(repl(`"127.0.0.1"`, `"::1"`)), want: "socket 1 field local_address: ::1 is not of family 2"},
		{name: "bad address", doc: row(repl(`"0.0.0.0"`, `"0.0.0"`)), want: "socket 1 field remote_address: ParseAddr"},
		{name: "name without pid", doc: row(repl(`"state"`, `"process_name":"x","state"`)), want: "socket 1 field process_name: set without a pid"},
		{name: "holders without pid", doc: row(repl(`"state"`, `"holders":2,"state"`)), want: "socket 1 field holders: set without a pid"},
		{name: "container without pid", doc: row(repl(`"state"`, `"container":{"runtime":"docker"},"state"`)), want: "socket 1 field container: set without a pid"},
		{name: "holders zero", doc: row(repl(`"state"`, `"pid":7,"holders":0,"state"`)), want: "socket 1 field holders: 0 beside a pid"},
		{name: "holders too big", doc: row(repl(`"state"`, `"pid":7,"holders":4294967296,"state"`)), want: "socket 1 field holders: 4294967296 is out of range"},
		{name: "container without runtime", doc: row(repl(`"state"`, `"pid":7,"container":{"name":"pg"},"state"`)), want: "socket 1 field container.runtime: missing"},
		{name: "container not object", doc: row(repl(`"state"`, `"pid":7,"container":"pg","state"`)), want: "socket 1 field container: string where the schema has"},
		{name: "pid too big", doc: row(repl(`"state"`, `"pid":4294967296,"state"`)), want: "socket 1 field pid: 4294967296 is out of range"},
		{name: "tcp_info missing", doc: row(repl(`"recv_queue":0`, `"recv_queue":0,"tcp_info":{"rtt_us":1}`)), want: "socket 1 field tcp_info.rttvar_us: missing"},
		{name: "rtt overflow", doc: row(repl(`"recv_queue":0`, `"recv_queue":0,"tcp_info":{"rtt_us":9223372036854775807}`)), want: "socket 1 field tcp_info.rtt_us: 9223372036854775807 is out of range"},
		{name: "rtt past 32 bits", doc: row(repl(`"recv_queue":0`, `"recv_queue":0,"tcp_info":{"rtt_us":4294967296}`)), want: "socket 1 field tcp_info.rtt_us: 4294967296 is out of range (0 to 4294967295)"},
		{name: "negative rttvar", doc: row(repl(`"recv_queue":0`, `"recv_queue":0,"tcp_info":{"rtt_us":0,"rttvar_us":-1}`)), want: "socket 1 field tcp_info.rttvar_us: -1 is out of range (0 to 4294967295)"},
		{name: "rto past 32 bits", doc: row(repl(`"recv_queue":0`, `"recv_queue":0,"tcp_info":{"rtt_us":0,"rttvar_us":0,"rto_us":7200000000}`)), want: "socket 1 field tcp_info.rto_us: 7200000000 is out of range (0 to 4294967295)"},
		{name: "expiry past 32 bits", doc: row(repl(`"recv_queue":0`, `"recv_queue":0,"tcp_info":{"rtt_us":0,"rttvar_us":0,"rto_us":0,"snd_cwnd":0,"snd_ssthresh":0,"snd_mss":0,"rcv_mss":0,"retransmits":0,"total_retrans":0,"unacked":0,"bytes_acked":0,"bytes_received":0,"timer":"keepalive","timer_expires_ms":4294967296}`)), want: "socket 1 field tcp_info.timer_expires_ms: 4294967296 is out of range (0 to 4294967295)"},
		{name: "negative expiry", doc: row(repl(`"recv_queue":0`, `"recv_queue":0,"tcp_info":{"rtt_us":0,"rttvar_us":0,"rto_us":0,"snd_cwnd":0,"snd_ssthresh":0,"snd_mss":0,"rcv_mss":0,"retransmits":0,"total_retrans":0,"unacked":0,"bytes_acked":0,"bytes_received":0,"timer":"on","timer_expires_ms":-5}`)), want: "socket 1 field tcp_info.timer_expires_ms: -5 is out of range (0 to 4294967295)"},
		{name: "bad timer", doc: row(repl(`"recv_queue":0`, `"recv_queue":0,"tcp_info":{"rtt_us":0,"rttvar_us":0,"rto_us":0,"snd_cwnd":0,"snd_ssthresh":0,"snd_mss":0,"rcv_mss":0,"retransmits":0,"total_retrans":0,"unacked":0,"bytes_acked":0,"bytes_received":0,"timer":"off","timer_expires_ms":1}`)), want: `socket 1 field tcp_info.timer: "off" is not a timer name`},
		{name: "timer without expiry", doc: row(repl(`"recv_queue":0`, `"recv_queue":0,"tcp_info":{"rtt_us":0,"rttvar_us":0,"rto_us":0,"snd_cwnd":0,"snd_ssthresh":0,"snd_mss":0,"rcv_mss":0,"retransmits":0,"total_retrans":0,"unacked":0,"bytes_acked":0,"bytes_received":0,"timer":"on"}`)), want: "socket 1 field tcp_info.timer_expires_ms: missing"},
		{name: "stack_info on kernel", doc: row(repl(`"recv_queue":0`, `"recv_queue":0,"stack_info":{"mem_used":0,"mem_limit":0,"age_ms":0}`)), want: "socket 1 field stack_info: set on a kernel socket"},
		{name: "stack_info no seq", doc: row(repl(`"source":"kernel"`, `"source":"stack","stack_name":"s","stack_info":{"mem_used":0,"mem_limit":0,"age_ms":0}`)), want: "socket 1 field stack_info.snd_una: missing"},
		{name: "negative fd", doc: row(repl(`"source":"kernel"`, `"source":"stack","stack_name":"s","stack_info":{"fd":-1,"mem_used":0,"mem_limit":0,"age_ms":0}`)), want: "socket 1 field stack_info.fd: -1 is not a descriptor"},
		{name: "row not object", doc: head + good + `,[1]]}`, want: "socket 1: array where the schema has an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeSockets([]byte(tt.doc))
			if err == nil {
				t.Fatalf("no error for %s", tt.doc)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if errors.Is(err, ErrSchema) != tt.schema {
				t.Errorf("errors.Is(err, ErrSchema) = %v, want %v", !tt.schema, tt.schema)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Errorf("error %T is not a *DecodeError", err)
			}
		})
	}
}

// TestDecodeDurationLimits: the longest RTT and timer the model holds
// (2^32-1 µs and ms) decode exactly and encode back the same.
func TestDecodeDurationLimits(t *testing.T) {
	doc := `{"schema":"gonetstat.sockets/v1","host":"h","time":"2026-01-01T00:00:00Z","sockets":[` +
		`{"source":"kernel","proto":"tcp","protocol":6,"family":2,"local_address":"127.0.0.1","local_port":22,"remote_address":"127.0.0.1","remote_port":40000,"state":"ESTABLISHED","send_queue":0,"recv_queue":0,` +
		`"tcp_info":{"rtt_us":4294967295,"rttvar_us":4294967295,"rto_us":4294967295,"snd_cwnd":0,"snd_ssthresh":0,"snd_mss":0,"rcv_mss":0,"retransmits":0,"total_retrans":0,"unacked":0,"bytes_acked":0,"bytes_received":0,"timer":"keepalive","timer_expires_ms":4294967295}}]}`
	env, err := DecodeSockets([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := collect.TCPInfo{RTT: collect.MaxMicros, RTTVar: collect.MaxMicros, RTO: collect.MaxMicros,
		Timer: collect.TimerKeepalive, TimerExpires: collect.MaxMillis}
	if diff := cmp.Diff(&want, env.Sockets[0].TCP); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := encode(t, env, false); !bytes.Contains(got, []byte(`"rtt_us":4294967295,"rttvar_us":4294967295,"rto_us":4294967295,`)) ||
		!bytes.Contains(got, []byte(`"timer_expires_ms":4294967295}`)) {
		t.Errorf("re-encoded: %s", got)
	}
}

// FuzzDecodeSockets: no input panics, and what decodes survives the round
// trip through the encoder unchanged.
func FuzzDecodeSockets(f *testing.F) {
	f.Add(encode(f, fullTable(), false))
	f.Add(encode(f, fullTable(), true))
	f.Add([]byte(`{"schema":"gonetstat.sockets/v1","host":"","time":"2026-01-01T00:00:00+02:00","sockets":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeRoundTrip(t, data, DecodeSockets, func(env Envelope) []byte { return encode(t, env, false) }, equateAddrPort)
	})
}

// checkDecodeRoundTrip is the fuzz targets' invariant: decoding data fails
// with a *DecodeError, or what it gives survives the encoder unchanged,
// decode(encode(decode(x))) == decode(x).
func checkDecodeRoundTrip[T any](t *testing.T, data []byte, decode func([]byte) (T, error), encode func(T) []byte, opts ...cmp.Option) {
	t.Helper()
	first, err := decode(data)
	if err != nil {
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Fatalf("error %T is not a *DecodeError: %v", err, err)
		}
		return
	}
	again, err := decode(encode(first))
	if err != nil {
		t.Fatalf("re-encoded document does not decode: %v", err)
	}
	if diff := cmp.Diff(first, again, opts...); diff != "" {
		t.Fatalf("decode(encode(decode(x))) != decode(x) (-first +second):\n%s", diff)
	}
}

// BenchmarkDecodeSockets100k: what --from pays to read a bundle of a busy
// host's table.
func BenchmarkDecodeSockets100k(b *testing.B) {
	doc := encode(b, Envelope{Host: "h", Sockets: collecttest.Sockets(100000)}, false)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeSockets(doc); err != nil {
			b.Fatal(err)
		}
	}
}
