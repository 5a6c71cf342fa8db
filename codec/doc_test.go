// doc_test.go checks docs/json.md against what SocketsJSON prints: the field
// tables (names, order, types, which are never omitted) and the example,
// so that neither the schema nor its page can change alone.

package codec

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

// docField is one row of a field table in docs/json.md.
type docField struct {
	Name, Type   string
	NeverOmitted bool
}

// jsonDoc is what docs/json.md says: section heading -> fields in table
// order, and the example document.
type jsonDoc struct {
	Tables  map[string][]docField
	Example string
}

// readJSONDoc parses docs/json.md.
func readJSONDoc(t *testing.T) jsonDoc {
	t.Helper()
	return readSchemaDoc(t, "docs/json.md")
}

// readSchemaDoc parses a schema's page (docs/json.md,
// docs/reports-json.md): each "## " section's markdown table whose header
// starts with "| field | type |", and the one ```json block.
func readSchemaDoc(t *testing.T, page string) jsonDoc {
	t.Helper()
	data, err := os.ReadFile("../" + page)
	if err != nil {
		t.Fatal(err)
	}
	doc := jsonDoc{Tables: map[string][]docField{}}
	section, inExample, inTable, examples := "", false, false, 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case inExample && line == "```":
			inExample = false
		case inExample:
			doc.Example += line + "\n"
		case line == "```json":
			inExample = true
			examples++
		case strings.HasPrefix(line, "## "):
			section, inTable = strings.TrimPrefix(line, "## "), false
		case strings.HasPrefix(line, "| field | type |"):
			inTable = true
		case inTable && strings.HasPrefix(line, "|---"):
		case inTable && strings.HasPrefix(line, "|"):
			cells := strings.Split(line, "|")
			if len(cells) != 6 {
				t.Fatalf("%s: table row %q has %d cells, want 4", page, line, len(cells)-2)
			}
			name := strings.TrimSpace(cells[1])
			if !strings.HasPrefix(name, "`") || !strings.HasSuffix(name, "`") {
				t.Fatalf("%s: field %q is not in backquotes", page, name)
			}
			doc.Tables[section] = append(doc.Tables[section], docField{
				Name:         strings.Trim(name, "`"),
				Type:         strings.TrimSpace(cells[2]),
				NeverOmitted: strings.HasPrefix(strings.TrimSpace(cells[4]), "never"),
			})
		default:
			inTable = false
		}
	}
	if examples != 1 {
		t.Fatalf("%s has %d json examples, want 1", page, examples)
	}
	return doc
}

func jsonType(v any) string {
	switch v := v.(type) {
	case string:
		return "string"
	case json.Number:
		if _, err := v.Int64(); err != nil {
			return "number " + v.String() // not an integer: no documented type matches
		}
		return "integer"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// orderedObject is a decoded JSON object that remembers its key order.
type orderedObject struct {
	Keys   []string
	Values map[string]any
}

// decodeOrdered reads one JSON object from dec, keeping the key order
// (encoding/json's map decoding loses it) and numbers as json.Number.
func decodeOrdered(t *testing.T, dec *json.Decoder) orderedObject {
	t.Helper()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("want an object, got %v (%v)", tok, err)
	}
	obj := orderedObject{Values: map[string]any{}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		key := tok.(string)
		if _, dup := obj.Values[key]; dup {
			t.Errorf("key %q appears twice", key)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		obj.Keys = append(obj.Keys, key)
		obj.Values[key] = v
	}
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	return obj
}

func ordered(t *testing.T, raw []byte) orderedObject {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return decodeOrdered(t, dec)
}

// socketObjects returns the socket objects of a document in output order,
// each with its key order.
func socketObjects(t *testing.T, raw []byte) []orderedObject {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var socks []orderedObject
	// Walk to the "sockets" array.
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			t.Fatal("no sockets array")
		}
		if err != nil {
			t.Fatal(err)
		}
		if tok == "sockets" {
			break
		}
	}
	if tok, _ := dec.Token(); tok != json.Delim('[') {
		t.Fatalf("sockets is not an array: %v", tok)
	}
	for dec.More() {
		socks = append(socks, decodeOrdered(t, dec))
	}
	return socks
}

// checkAgainstTable compares one emitted object with a documented table:
// the keys in the table's order (a fully populated object has them all),
// each of the documented type.
func checkAgainstTable(t *testing.T, what string, obj orderedObject, table []docField, full bool) {
	t.Helper()
	var want []string
	types := map[string]string{}
	for _, f := range table {
		types[f.Name] = f.Type
		if full || f.NeverOmitted {
			want = append(want, f.Name)
		}
	}
	if diff := cmp.Diff(want, obj.Keys); diff != "" {
		t.Errorf("%s: keys differ from the field table (-doc +output):\n%s", what, diff)
	}
	for _, k := range obj.Keys {
		if got := jsonType(obj.Values[k]); types[k] != "" && got != types[k] {
			t.Errorf("%s: %s is %s, the field table says %s", what, k, got, types[k])
		}
	}
}

// fullSocket has every optional field set, so SocketsJSON prints every
// documented field.
func fullSocket() collect.Socket {
	return collect.Socket{
		Source: collect.Source{Kind: "stack", Name: "demo"}, NetNS: &collect.Namespace{Inode: 4026531840, Name: "gnst-ns-a"},
		Proto: collect.ProtoTCP, Family: collect.FamilyIPv6,
		Local: netip.MustParseAddrPort("[fe80::1%eth0]:22"), Remote: netip.MustParseAddrPort("[fe80::2%eth0]:40100"),
		State: collect.StateEstablished, Owner: &collect.Process{PID: 9, Name: "sshd", Services: []string{"sshd"},
			Container: &collect.Container{Runtime: "containerd", ID: strings.Repeat("ab", 32), Name: "postgres", PodName: "db-0", PodUID: "5a1f3c2e-7b9d-4e8f-a0b1-c2d3e4f5a6b7"}},
		Holders: 2, UID: 1000, HasUID: true,
		Inode: 77, Cookie: 88, SendQ: 1, RecvQ: 2,
		TCP:   &collect.TCPInfo{RTT: 1000, Timer: collect.TimerRetrans, TimerExpires: 1000},
		Stack: &collect.StackInfo{FD: 3, MemUsed: 4096, MemLimit: 1 << 20, Age: time.Minute, SndUna: 1, SndNxt: 2, RcvNxt: 3, SndWnd: 4, RcvWnd: 5},
	}
}

// minimalSocket has nothing optional: SocketsJSON prints only the fields
// documented as never omitted.
func minimalSocket() collect.Socket {
	return collect.Socket{Proto: collect.ProtoUDP, Family: collect.FamilyIPv4, NoSendQ: true, NoRecvQ: true,
		Local: netip.MustParseAddrPort("0.0.0.0:53"), Remote: netip.MustParseAddrPort("0.0.0.0:0"), State: collect.StateClose}
}

func TestJSONMatchesDocs(t *testing.T) {
	doc := readJSONDoc(t)
	for _, sec := range []string{"Envelope", "Socket", "container", "tcp_info", "stack_info"} {
		if len(doc.Tables[sec]) == 0 {
			t.Fatalf("docs/json.md has no field table under ## %s", sec)
		}
	}
	if len(doc.Tables) != 5 {
		t.Errorf("docs/json.md has field tables %v; this test knows 5", slices.Sorted(func(yield func(string) bool) {
			for k := range doc.Tables {
				if !yield(k) {
					return
				}
			}
		}))
	}

	for name, env := range map[string]Envelope{
		"full":    {Host: "h", Time: time.Unix(0, 0), Sockets: []collect.Socket{fullSocket()}, Warnings: []string{"w"}},
		"minimal": {Host: "h", Time: time.Unix(0, 0), Sockets: []collect.Socket{minimalSocket()}},
	} {
		t.Run(name, func(t *testing.T) {
			full := name == "full"
			for format, write := range map[string]func(io.Writer, Envelope) error{"JSON": SocketsJSON, "NDJSON": SocketsNDJSON} {
				var buf bytes.Buffer
				if err := write(&buf, env); err != nil {
					t.Fatal(err)
				}
				checkAgainstTable(t, format+" envelope", ordered(t, buf.Bytes()), doc.Tables["Envelope"], full)
				sock := socketObjects(t, buf.Bytes())[0]
				checkAgainstTable(t, format+" socket", sock, doc.Tables["Socket"], full)
				if full {
					checkAgainstTable(t, format+" container", objectAtOrdered(t, buf.Bytes(), "container"), doc.Tables["container"], true)
					checkAgainstTable(t, format+" tcp_info", objectAtOrdered(t, buf.Bytes(), "tcp_info"), doc.Tables["tcp_info"], true)
					checkAgainstTable(t, format+" stack_info", objectAtOrdered(t, buf.Bytes(), "stack_info"), doc.Tables["stack_info"], true)
				}
			}
		})
	}
	// A tcp_info and a stack_info with nothing optional set hold exactly
	// their never-omitted fields.
	s := minimalSocket()
	s.Proto, s.State = collect.ProtoTCP, collect.StateListen
	s.Source = collect.Source{Kind: "stack", Name: "demo"}
	s.TCP = &collect.TCPInfo{}
	s.Stack = &collect.StackInfo{FD: -1}
	var buf bytes.Buffer
	if err := SocketsJSON(&buf, Envelope{Sockets: []collect.Socket{s}}); err != nil {
		t.Fatal(err)
	}
	checkAgainstTable(t, "minimal tcp_info", objectAtOrdered(t, buf.Bytes(), "tcp_info"), doc.Tables["tcp_info"], false)
	// A container known only by its pod holds runtime and pod_uid.
	s.Owner = &collect.Process{PID: 7}
	s.Owner.Container = &collect.Container{Runtime: "kubernetes", PodUID: "5a1f3c2e-7b9d-4e8f-a0b1-c2d3e4f5a6b7"}
	buf.Reset()
	if err := SocketsJSON(&buf, Envelope{Sockets: []collect.Socket{s}}); err != nil {
		t.Fatal(err)
	}
	if c := objectAtOrdered(t, buf.Bytes(), "container"); !slices.Equal(c.Keys, []string{"runtime", "pod_uid"}) {
		t.Errorf("pod-only container: keys %v", c.Keys)
	}
	// stack_info's TCP sequence variables are "omitted when UDP": on a
	// TCP socket they are present, so only fd is missing here.
	si := objectAtOrdered(t, buf.Bytes(), "stack_info")
	if slices.Contains(si.Keys, "fd") || len(si.Keys) != len(doc.Tables["stack_info"])-1 {
		t.Errorf("stack_info of a TCP socket without descriptor: keys %v", si.Keys)
	}
}

// objectAtOrdered finds the first object under key in raw and decodes it
// keeping its key order.
func objectAtOrdered(t *testing.T, raw []byte, key string) orderedObject {
	t.Helper()
	i := bytes.Index(raw, []byte(`"`+key+`":{`))
	if i < 0 {
		t.Fatalf("no %q object in %s", key, raw)
	}
	dec := json.NewDecoder(bytes.NewReader(raw[i+len(key)+3:]))
	dec.UseNumber()
	return decodeOrdered(t, dec)
}

// exampleEnvelope holds the sockets of the example in docs/json.md.
func exampleEnvelope() Envelope {
	ts, _ := time.Parse(time.RFC3339Nano, "2026-11-25T04:10:00.123456789Z")
	tcpInfo := func(t collect.TCPInfo) *collect.TCPInfo { return &t }
	return Envelope{Host: "web1", Time: ts, Sockets: []collect.Socket{
		{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4, Local: netip.MustParseAddrPort("0.0.0.0:22"), Remote: netip.MustParseAddrPort("0.0.0.0:0"),
			State: collect.StateListen, Owner: &collect.Process{PID: 712, Name: "sshd"}, Holders: 1, HasUID: true, Inode: 21344, Cookie: 4097, SendQ: 128,
			TCP: tcpInfo(collect.TCPInfo{RTO: 1000000, SndCwnd: 10, SndMSS: 536, RcvMSS: 88})},
		{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4, Local: netip.MustParseAddrPort("198.18.0.10:22"), Remote: netip.MustParseAddrPort("198.18.0.20:50522"),
			State: collect.StateEstablished, Owner: &collect.Process{PID: 9120, Name: "sshd"}, Holders: 1, HasUID: true, Inode: 88120, Cookie: 8193,
			TCP: tcpInfo(collect.TCPInfo{RTT: 1250, RTTVar: 480, RTO: 204000, SndCwnd: 10, SndMSS: 1448, RcvMSS: 1448,
				BytesAcked: 51234, BytesReceived: 8731, Timer: collect.TimerKeepalive, TimerExpires: 7187})},
		{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv6, Local: netip.MustParseAddrPort("[fe80::1%eth0]:22"), Remote: netip.MustParseAddrPort("[fe80::2%eth0]:40100"),
			State: collect.StateTimeWait, HasUID: true, Cookie: 8200,
			TCP: tcpInfo(collect.TCPInfo{Timer: collect.TimerTimeWait, TimerExpires: 41230})},
		{Source: collect.Kernel, Proto: collect.ProtoUDP, Family: collect.FamilyIPv4, Local: netip.MustParseAddrPort("127.0.0.53:53"), Remote: netip.MustParseAddrPort("0.0.0.0:0"),
			State: collect.StateClose, Owner: &collect.Process{PID: 455, Name: "systemd-resolved"}, Holders: 1, UID: 102, HasUID: true, Inode: 17720, Cookie: 3},
	}}
}

// TestDocExampleIsOutput: the example in docs/json.md is, byte for byte,
// what SocketsJSON prints for exampleEnvelope.
func TestDocExampleIsOutput(t *testing.T) {
	doc := readJSONDoc(t)
	var got bytes.Buffer
	if err := SocketsJSON(&got, exampleEnvelope()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(doc.Example, got.String()); diff != "" {
		t.Errorf("docs/json.md example vs SocketsJSON (-doc +output):\n%s", diff)
	}
}

// TestJSONStringsDoc: the examples of "## Strings" in docs/json.md are
// what the writer prints.
func TestJSONStringsDoc(t *testing.T) {
	data, err := os.ReadFile("../docs/json.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(data), "\n## Strings\n")
	if !ok {
		t.Fatal("docs/json.md has no ## Strings section")
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	rows := 0
	for _, line := range strings.Split(sec, "\n") {
		cells := strings.Split(line, " | ")
		if len(cells) != 2 || !strings.HasPrefix(line, "| `") {
			continue
		}
		in, zone := strings.CutSuffix(strings.TrimPrefix(cells[0], "| "), " (a zone)")
		want := strings.TrimSuffix(cells[1], " |")
		s, err := strconv.Unquote(strings.Trim(in, "`"))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		var got []byte
		if zone {
			a, err := netip.ParseAddr(s)
			if err != nil {
				t.Fatalf("%q: %v", s, err)
			}
			got = appendAddrJSON(nil, a)
		} else {
			got = appendString(nil, s)
		}
		if "`"+string(got)+"`" != want {
			t.Errorf("docs/json.md says %s is written %s; it is `%s`", in, want, got)
		}
		rows++
	}
	if rows < 10 {
		t.Errorf("%d examples in docs/json.md ## Strings, want 10", rows)
	}
}
