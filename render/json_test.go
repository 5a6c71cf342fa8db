// json_test.go checks the JSON document against docs/json.md: the field
// tables, the types, and the example, so neither can change alone.

package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

// docTables reads the field tables of docs/json.md: section heading ->
// field -> type.
func docTables(t *testing.T) (map[string]map[string]string, string) {
	t.Helper()
	data, err := os.ReadFile("../docs/json.md")
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]map[string]string{}
	section, example := "", ""
	inExample := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			section = strings.TrimPrefix(line, "## ")
		case line == "```json":
			inExample = true
		case line == "```":
			inExample = false
		case inExample:
			example += line + "\n"
		case strings.HasPrefix(line, "| `"):
			cells := strings.Split(line, "|")
			if len(cells) < 4 {
				t.Fatalf("bad table row %q", line)
			}
			if tables[section] == nil {
				tables[section] = map[string]string{}
			}
			tables[section][strings.Trim(strings.TrimSpace(cells[1]), "`")] = strings.TrimSpace(cells[2])
		}
	}
	return tables, example
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "integer"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// typesOf returns field -> type of one decoded object.
func typesOf(t *testing.T, obj map[string]any) map[string]string {
	m := map[string]string{}
	for k, v := range obj {
		m[k] = jsonType(v)
		if f, ok := v.(float64); ok && f != float64(int64(f)) {
			t.Errorf("%s = %v is not an integer", k, v)
		}
	}
	return m
}

func fullSocket() collect.Socket {
	return collect.Socket{
		Source: collect.Source{Kind: "stack", Name: "demo"}, NetNS: 4026531840,
		Proto: collect.ProtoTCP, Family: collect.FamilyIPv6,
		Local: netip.MustParseAddrPort("[fe80::1%eth0]:22"), Remote: netip.MustParseAddrPort("[fe80::2%eth0]:40100"),
		State: collect.StateEstablished, Owner: &collect.Process{PID: 9, Name: "sshd"}, UID: 1000, HasUID: true,
		Inode: 77, Cookie: 88, SendQ: 1, RecvQ: 2,
		TCP:   &collect.TCPInfo{RTT: time.Millisecond, Timer: collect.TimerRetrans, TimerExpires: time.Second},
		Stack: &collect.StackInfo{FD: 3, MemUsed: 4096, MemLimit: 1 << 20, Age: time.Minute, SndUna: 1, SndNxt: 2, RcvNxt: 3, SndWnd: 4, RcvWnd: 5},
	}
}

func minimalSocket() collect.Socket {
	return collect.Socket{Proto: collect.ProtoUDP, Family: collect.FamilyIPv4,
		Local: netip.MustParseAddrPort("0.0.0.0:53"), Remote: netip.MustParseAddrPort("0.0.0.0:0"), State: collect.StateClose}
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return doc
}

func TestJSONMatchesDocs(t *testing.T) {
	tables, _ := docTables(t)
	for _, sec := range []string{"Envelope", "Socket", "tcp_info", "stack_info"} {
		if len(tables[sec]) == 0 {
			t.Fatalf("docs/json.md has no %s table", sec)
		}
	}
	var buf bytes.Buffer
	env := Envelope{Host: "h", Time: time.Unix(0, 0), Sockets: []collect.Socket{fullSocket(), minimalSocket()}, Warnings: []string{"w"}}
	if err := JSON(&buf, env); err != nil {
		t.Fatal(err)
	}
	doc := decode(t, buf.Bytes())
	if diff := cmp.Diff(tables["Envelope"], typesOf(t, doc)); diff != "" {
		t.Errorf("envelope vs docs (-doc +output):\n%s", diff)
	}
	socks := doc["sockets"].([]any)
	full := socks[0].(map[string]any)
	tcpInfo := full["tcp_info"].(map[string]any)
	if diff := cmp.Diff(tables["tcp_info"], typesOf(t, tcpInfo)); diff != "" {
		t.Errorf("tcp_info vs docs (-doc +output):\n%s", diff)
	}
	if diff := cmp.Diff(tables["stack_info"], typesOf(t, full["stack_info"].(map[string]any))); diff != "" {
		t.Errorf("stack_info vs docs (-doc +output):\n%s", diff)
	}
	if diff := cmp.Diff(tables["Socket"], typesOf(t, full)); diff != "" {
		t.Errorf("full socket vs docs (-doc +output):\n%s", diff)
	}
	// The minimal socket has exactly the fields documented as never omitted.
	var never []string
	for sec, obj := range map[string]map[string]any{"Socket": socks[1].(map[string]any)} {
		for k := range obj {
			if _, ok := tables[sec][k]; !ok {
				t.Errorf("minimal socket has undocumented %q", k)
			}
		}
	}
	data, _ := os.ReadFile("../docs/json.md")
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "| `") && strings.HasSuffix(line, "| never |") {
			never = append(never, strings.Trim(strings.TrimSpace(strings.Split(line, "|")[1]), "`"))
		}
	}
	minimal := socks[1].(map[string]any)
	for _, k := range never {
		_, inSocket := tables["Socket"][k]
		if _, ok := minimal[k]; inSocket && !ok {
			t.Errorf("minimal socket lacks %q, documented as never omitted", k)
		}
	}
	for k := range minimal {
		if !slices.Contains(never, k) {
			t.Errorf("minimal socket has %q, documented as sometimes omitted", k)
		}
	}
}

// exampleEnvelope holds the sockets of the example in docs/json.md.
func exampleEnvelope() Envelope {
	ts, _ := time.Parse(time.RFC3339Nano, "2026-11-25T04:10:00.123456789Z")
	tcpInfo := func(t collect.TCPInfo) *collect.TCPInfo { return &t }
	return Envelope{Host: "web1", Time: ts, Sockets: []collect.Socket{
		{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4, Local: netip.MustParseAddrPort("0.0.0.0:22"), Remote: netip.MustParseAddrPort("0.0.0.0:0"),
			State: collect.StateListen, Owner: &collect.Process{PID: 712, Name: "sshd"}, HasUID: true, Inode: 21344, Cookie: 4097, SendQ: 128,
			TCP: tcpInfo(collect.TCPInfo{RTO: time.Second, SndCwnd: 10, SndMSS: 536, RcvMSS: 88})},
		{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4, Local: netip.MustParseAddrPort("198.18.0.10:22"), Remote: netip.MustParseAddrPort("198.18.0.20:50522"),
			State: collect.StateEstablished, Owner: &collect.Process{PID: 9120, Name: "sshd"}, HasUID: true, Inode: 88120, Cookie: 8193,
			TCP: tcpInfo(collect.TCPInfo{RTT: 1250 * time.Microsecond, RTTVar: 480 * time.Microsecond, RTO: 204 * time.Millisecond, SndCwnd: 10, SndMSS: 1448, RcvMSS: 1448,
				BytesAcked: 51234, BytesReceived: 8731, Timer: collect.TimerKeepalive, TimerExpires: 7187 * time.Millisecond})},
		{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv6, Local: netip.MustParseAddrPort("[fe80::1%eth0]:22"), Remote: netip.MustParseAddrPort("[fe80::2%eth0]:40100"),
			State: collect.StateTimeWait, HasUID: true, Cookie: 8200,
			TCP: tcpInfo(collect.TCPInfo{Timer: collect.TimerTimeWait, TimerExpires: 41230 * time.Millisecond})},
		{Source: collect.Kernel, Proto: collect.ProtoUDP, Family: collect.FamilyIPv4, Local: netip.MustParseAddrPort("127.0.0.53:53"), Remote: netip.MustParseAddrPort("0.0.0.0:0"),
			State: collect.StateClose, Owner: &collect.Process{PID: 455, Name: "systemd-resolved"}, UID: 102, HasUID: true, Inode: 17720, Cookie: 3},
	}}
}

func TestDocExampleIsOutput(t *testing.T) {
	_, example := docTables(t)
	var got bytes.Buffer
	if err := JSON(&got, exampleEnvelope()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(example, got.String()); diff != "" {
		t.Errorf("docs/json.md example vs JSON() (-doc +output):\n%s", diff)
	}
}

func TestNDJSONIsOneLine(t *testing.T) {
	var got bytes.Buffer
	if err := NDJSON(&got, exampleEnvelope()); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(got.String(), "\n"); n != 1 || !strings.HasSuffix(got.String(), "\n") {
		t.Fatalf("NDJSON has %d newlines:\n%s", n, got.String())
	}
	var compact bytes.Buffer
	var indented bytes.Buffer
	JSON(&indented, exampleEnvelope())
	json.Compact(&compact, indented.Bytes())
	if diff := cmp.Diff(compact.String()+"\n", got.String()); diff != "" {
		t.Errorf("NDJSON is not the JSON document on one line (-want +got):\n%s", diff)
	}
	var empty bytes.Buffer
	NDJSON(&empty, Envelope{Host: "h"})
	if doc := decode(t, empty.Bytes()); len(doc["sockets"].([]any)) != 0 {
		t.Errorf("empty table: %s", empty.String())
	}
}

func TestAppendString(t *testing.T) {
	for in, want := range map[string]string{
		"plain":         `"plain"`,
		"a\"b\\c":       `"a\"b\\c"`,
		"tab\tnl\n\x01": `"tab\tnl\n\u0001"`,
		"bad\xffutf8":   `"bad\ufffdutf8"`,
		"ünï€":          `"ünï€"`,
		"ls\u2028":      `"ls\u2028"`,
	} {
		if got := string(appendString(nil, in)); got != want {
			t.Errorf("appendString(%q) = %s, want %s", in, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "sshd", "a\"b\\c\n", "\xff\xfe", "€\u2029", "\x00\x1f\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendString(nil, s)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("appendString(%q) = %s: not JSON: %v", s, out, err)
		}
		if want := strings.ToValidUTF8(s, "\ufffd"); back != want && back != strings.Map(func(r rune) rune { return r }, want) {
			// ToValidUTF8 folds a run of bad bytes into one U+FFFD; we
			// replace each byte, as encoding/json does.
			if !utf8.ValidString(s) {
				if strings.ReplaceAll(back, "\ufffd", "") != strings.ReplaceAll(want, "\ufffd", "") {
					t.Fatalf("round trip of %q gave %q", s, back)
				}
				return
			}
			t.Fatalf("round trip of %q gave %q", s, back)
		}
	})
}

// TestStackInfoOmissions: a UDP stack socket has no sequence variables,
// and a socket no descriptor refers to has no fd.
func TestStackInfoOmissions(t *testing.T) {
	s := minimalSocket()
	s.Source = collect.Source{Kind: "stack", Name: "demo"}
	s.Stack = &collect.StackInfo{FD: -1, MemUsed: 10, MemLimit: 20, Age: 2 * time.Second}
	var buf bytes.Buffer
	if err := NDJSON(&buf, Envelope{Host: "h", Sockets: []collect.Socket{s}}); err != nil {
		t.Fatal(err)
	}
	sock := decode(t, buf.Bytes())["sockets"].([]any)[0].(map[string]any)
	want := map[string]any{"mem_used": 10.0, "mem_limit": 20.0, "age_ms": 2000.0}
	if diff := cmp.Diff(want, sock["stack_info"]); diff != "" {
		t.Errorf("stack_info (-want +got):\n%s", diff)
	}
	if sock["stack_name"] != "demo" || sock["source"] != "stack" {
		t.Errorf("source %v, stack_name %v", sock["source"], sock["stack_name"])
	}
}
