// manifest_test.go checks the manifest's encoder and strict decoder, the
// entry-name rule and the namespace file names.

package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func sampleManifest() *Manifest {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	rows := int64(42)
	return &Manifest{
		Schema:   Schema,
		BundleID: "0123456789abcdef0123456789abcdef",
		Created:  t0,
		Finished: t0.Add(3 * time.Second),
		Tool:     Tool{Name: "gonetstat", Version: "(devel)", GoVersion: "go1.26.8"},
		Host:     Host{Name: "web-1\u202e", OS: "linux", Arch: "amd64", Kernel: "6.8.0", Elevated: true, BootTime: t0.Add(-time.Hour), UptimeSeconds: 3600},
		Invocation: Invocation{
			Args:  []string{"-o", "-"},
			NetNS: []NetNS{{File: "host", Inode: 4026531840, Own: true}, {File: "netns-a", Name: "netns-a", Inode: 4026532001}},
		},
		Redaction: Redaction{Secrets: true, Pseudonyms: []string{"ip"}, Replaced: map[string]int{"ip": 3}},
		Limits:    Limits{CollectorTimeoutMS: 10000, CommandTimeoutMS: 30000, RunTimeoutMS: 300000, MaxFileBytes: 25 << 20, MaxBundleBytes: 1 << 30},
		Summary:   Summary{OK: 1, Timeout: 1},
		Collectors: []Collector{
			{Name: "sockets", Status: StatusOK, Started: t0, DurationMS: 41, Files: []File{
				{Path: SocketsJSONPath, Tags: []string{"sockets", "json"}, Schema: "gonetstat.sockets/v1", Bytes: 10, SHA256: strings.Repeat("a", 64), Rows: &rows},
			}},
			{Name: "reports/netns-a", Status: StatusTimeout, Reason: "deadline of 10s", Started: t0, DurationMS: 10000, Files: []File{
				{Path: ReportsJSONPath("netns-a"), Omitted: "too large", Truncated: true, Rows: &rows},
			}},
		},
	}
}

func encode(t *testing.T, m *Manifest) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestManifestRoundTrip(t *testing.T) {
	m := sampleManifest()
	doc := encode(t, m)
	if bytes.Contains(doc, []byte("\u202e")) || !bytes.Contains(doc, []byte(`web-1\u202e`)) {
		t.Errorf("the bidi override in the host name is not escaped:\n%s", doc)
	}
	got, err := Decode(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, got); diff != "" {
		t.Errorf("Decode(Encode(m)) (-want +got):\n%s", diff)
	}
}

// TestDecodeStrict: each way a manifest can be wrong is an error that
// says so, and additive fields are not.
func TestDecodeStrict(t *testing.T) {
	edit := func(f func(map[string]any)) []byte {
		var v map[string]any
		if err := json.Unmarshal(encode(t, sampleManifest()), &v); err != nil {
			t.Fatal(err)
		}
		f(v)
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	coll := func(v map[string]any, i int) map[string]any { return v["collectors"].([]any)[i].(map[string]any) }
	file := func(v map[string]any, i, j int) map[string]any {
		return coll(v, i)["files"].([]any)[j].(map[string]any)
	}
	for _, tc := range []struct {
		name string
		doc  []byte
		want string
	}{
		{"not json", []byte("{"), "unexpected end"},
		{"no schema", edit(func(v map[string]any) { delete(v, "schema") }), "no schema field"},
		{"v2", edit(func(v map[string]any) { v["schema"] = "gonetstat.bundle/v2" }), `"gonetstat.bundle/v2"`},
		{"no collectors", edit(func(v map[string]any) { delete(v, "collectors") }), `"collectors"`},
		{"no host name", edit(func(v map[string]any) { delete(v["host"].(map[string]any), "name") }), `"name"`},
		{"bad id", edit(func(v map[string]any) { v["bundle_id"] = "../x" }), "bundle_id"},
		{"unknown status", edit(func(v map[string]any) { coll(v, 0)["status"] = "fine" }), `unknown status "fine"`},
		{"summary lies", edit(func(v map[string]any) { v["summary"].(map[string]any)["ok"] = 2.0 }), "summary"},
		{"traversal", edit(func(v map[string]any) { file(v, 0, 0)["path"] = "../../etc/passwd" }), "clean relative path"},
		{"absolute", edit(func(v map[string]any) { file(v, 0, 0)["path"] = "/etc/passwd" }), "clean relative path"},
		{"outside layout", edit(func(v map[string]any) { file(v, 0, 0)["path"] = "etc/passwd" }), "not in the bundle layout"},
		{"backslash", edit(func(v map[string]any) { file(v, 0, 0)["path"] = `raw\..\x` }), "backslash"},
		{"twice", edit(func(v map[string]any) { file(v, 1, 0)["path"] = SocketsJSONPath }), "listed twice"},
		{"manifest listed", edit(func(v map[string]any) { file(v, 0, 0)["path"] = ManifestPath }), "listed twice"},
		{"short sha", edit(func(v map[string]any) { file(v, 0, 0)["sha256"] = "abc" }), "sha256"},
		{"negative bytes", edit(func(v map[string]any) { file(v, 0, 0)["bytes"] = -1.0 }), "negative bytes"},
		{"omitted with sha", edit(func(v map[string]any) { file(v, 1, 0)["sha256"] = strings.Repeat("b", 64) }), "left out"},
		{"no truncated", edit(func(v map[string]any) { delete(file(v, 0, 0), "truncated") }), `"truncated"`},
		{"bad netns file", edit(func(v map[string]any) {
			v["invocation"].(map[string]any)["netns"].([]any)[0].(map[string]any)["file"] = "../x"
		}), "namespace file name"},
		{"time travel", edit(func(v map[string]any) { v["finished"] = "2000-01-01T00:00:00Z" }), "before created"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(bytes.NewReader(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Decode: %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// A field v1 does not know is additive: ignored.
	doc := edit(func(v map[string]any) { v["later"] = 1.0; file(v, 0, 0)["later"] = "x" })
	if _, err := Decode(bytes.NewReader(doc)); err != nil {
		t.Errorf("Decode with additive fields: %v", err)
	}
	_, err := Decode(bytes.NewReader(edit(func(v map[string]any) { v["schema"] = 1.0 })))
	if err == nil {
		t.Error("a numeric schema was accepted")
	}
	_, err = Decode(bytes.NewReader(edit(func(v map[string]any) { v["schema"] = "x" })))
	if !errors.Is(err, ErrSchema) {
		t.Errorf("Decode of another schema: %v, want ErrSchema", err)
	}
}

func TestDecodeTooLarge(t *testing.T) {
	doc := append([]byte(`{"schema":"`+Schema+`","pad":"`), bytes.Repeat([]byte{'x'}, MaxManifestBytes)...)
	if _, err := Decode(bytes.NewReader(doc)); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Decode of a huge manifest: %v", err)
	}
}

func TestCheckEntryName(t *testing.T) {
	for _, ok := range []string{ManifestPath, SummaryPath, LogPath, SocketsJSONPath, SamplesPath,
		ReportsJSONPath("netns-a"), RawProcNetPath("ns-4026532001", "tcp6"), SysctlPath("host"), CommandPath("ss")} {
		if err := CheckEntryName(ok); err != nil {
			t.Errorf("CheckEntryName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/../b", "/x", "sockets/", "sockets", "sockets//x", "./manifest.json",
		"manifest.json/x", "raw/a b", "raw/a\x00", "raw/\u00e9", "C:/x", "reports/x\\y", "other.txt"} {
		if err := CheckEntryName(bad); err == nil {
			t.Errorf("CheckEntryName(%q) accepted it", bad)
		}
	}
}

func TestNSFiles(t *testing.T) {
	got := NSFiles(
		[]string{"", "netns-a", "host", "", "a/b", "a?b", "..."},
		[]uint64{1, 2, 3, 4, 5, 6, 7},
		[]bool{true, false, false, false, false, false, false})
	want := []string{"host", "netns-a", "host-3", "ns-4", "a_b", "a_b-6", "-7"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("NSFiles (-want +got):\n%s", diff)
	}
	for _, f := range got {
		if !validNSFile(f) {
			t.Errorf("%q is not a valid namespace file name", f)
		}
	}
}

// FuzzDecode: any bytes decode or fail without a panic, and what decodes
// encodes and decodes again to the same manifest.
func FuzzDecode(f *testing.F) {
	var b bytes.Buffer
	if err := Encode(&b, sampleManifest()); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte(`{"schema":"gonetstat.bundle/v1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		var again bytes.Buffer
		if err := Encode(&again, m); err != nil {
			t.Fatal(err)
		}
		m2, err := Decode(&again)
		if err != nil {
			t.Fatalf("re-decoding what Encode wrote: %v\n%s", err, again.Bytes())
		}
		if diff := cmp.Diff(m, m2); diff != "" {
			t.Errorf("round trip (-first +second):\n%s", diff)
		}
	})
}
