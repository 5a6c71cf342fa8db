// manifest.go holds the gonetstat.bundle/v1 manifest (docs/bundle.md):
// its types, its encoder and its strict decoder, which a bundle reader
// uses before it trusts a single entry of an archive.

package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gonetstat/gonetstat/internal/safetext"
)

// Schema names the manifest's version. Adding a field keeps it; renaming,
// retyping or removing one, or giving one a new meaning, needs v2.
const Schema = "gonetstat.bundle/v1"

// Status is how a collector ended.
type Status string

// The statuses, in the order summaries list them.
const (
	StatusOK          Status = "ok"          // everything it reads was read
	StatusPartial     Status = "partial"     // some was read, some failed (Reason says what)
	StatusTimeout     Status = "timeout"     // its deadline ended it; what it wrote before is kept
	StatusError       Status = "error"       // it failed; nothing of it is trusted
	StatusSkipped     Status = "skipped"     // not run: the bundle cap was reached, or the run's deadline
	StatusUnavailable Status = "unavailable" // not on this system, or not with these rights (Reason says which)
)

// Statuses lists every status in summary order.
var Statuses = [...]Status{StatusOK, StatusPartial, StatusTimeout, StatusError, StatusSkipped, StatusUnavailable}

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Manifest is the first entry of every bundle: what is inside, how it was
// made and how each collector ended.
type Manifest struct {
	Schema     string      `json:"schema"`    // always Schema
	BundleID   string      `json:"bundle_id"` // random, 32 lower-case hex digits
	Created    time.Time   `json:"created"`   // the run began (UTC)
	Finished   time.Time   `json:"finished"`  // the last collector ended (UTC)
	Tool       Tool        `json:"tool"`
	Host       Host        `json:"host"`
	Invocation Invocation  `json:"invocation"`
	Redaction  Redaction   `json:"redaction"`
	Limits     Limits      `json:"limits"`
	Summary    Summary     `json:"summary"`
	Collectors []Collector `json:"collectors"` // in the order they ran
}

// Tool is the program that wrote the bundle.
type Tool struct {
	Name      string `json:"name"`               // "gonetstat"
	Version   string `json:"version"`            // the module version, "(devel)" for a source build
	Revision  string `json:"revision,omitempty"` // the VCS revision it was built from, when known
	GoVersion string `json:"go_version"`         // the Go toolchain that built it
}

// Host is the machine the bundle was collected on. Name, OS, Arch and
// Elevated are always known; the rest come from the host collector and
// are omitted when it could not read them.
type Host struct {
	Name     string `json:"name"`   // the host name (a pseudonym under --redact host)
	OS       string `json:"os"`     // GOOS: linux, windows, darwin, freebsd
	Arch     string `json:"arch"`   // GOARCH
	Kernel   string `json:"kernel"` // kernel version ("6.8.0-45-generic"), "" when unknown
	Elevated bool   `json:"elevated"`

	Platform        string    `json:"platform,omitempty"`         // distribution ("ubuntu")
	PlatformVersion string    `json:"platform_version,omitempty"` // its version ("24.04")
	BootTime        time.Time `json:"boot_time,omitzero"`
	UptimeSeconds   uint64    `json:"uptime_s,omitempty"`
	Virtualization  string    `json:"virtualization,omitempty"` // system and role: "kvm guest", "docker guest"
}

// Invocation is how the bundle was asked for.
type Invocation struct {
	Args []string `json:"args"` // the arguments after "gonetstat bundle"
	// NetNS lists the namespaces collected, by the name their files use
	// (reports/<netns>.json); one entry, "host", without namespaces.
	NetNS        []NetNS `json:"netns"`
	AllNetNS     bool    `json:"all_netns"`
	WithCommands bool    `json:"with_commands"`
	DurationMS   int64   `json:"duration_ms,omitempty"` // --duration; omitted without samples
	IntervalMS   int64   `json:"interval_ms,omitempty"` // --interval; omitted without samples
}

// NetNS names one network namespace of the bundle.
type NetNS struct {
	File  string `json:"file"`            // the name in entry paths: reports/<file>.json, raw/<file>/…
	Name  string `json:"name,omitempty"`  // its name under /run/netns, when it has one
	Inode uint64 `json:"inode,omitempty"` // the nsfs inode, when known (net_namespace in sockets/v1)
	Own   bool   `json:"own"`             // the namespace gonetstat ran in
}

// Redaction says what was removed or replaced, bundle-wide.
type Redaction struct {
	// Secrets is always true: free-form text is always scrubbed of
	// secrets (docs/bundle.md, "Secrets").
	Secrets        bool `json:"secrets"`
	SecretsRemoved int  `json:"secrets_removed"` // how many were replaced
	// Pseudonyms lists the kinds replaced by --redact: "ip", "host",
	// "mac", in that order; empty when none.
	Pseudonyms []string `json:"pseudonyms"`
	MapReused  bool     `json:"map_reused"` // --map-file named a map an earlier run wrote
	// Replaced counts the distinct values given a pseudonym, by kind.
	Replaced map[string]int `json:"replaced,omitempty"`
	// Failed lists the files left out because they could not be scrubbed
	// (fail closed); a bundle with any is not clean for --strict.
	Failed []string `json:"failed,omitempty"`
}

// Limits are the bounds the run worked under.
type Limits struct {
	CollectorTimeoutMS int64 `json:"collector_timeout_ms"`
	CommandTimeoutMS   int64 `json:"command_timeout_ms"`
	RunTimeoutMS       int64 `json:"run_timeout_ms"`
	MaxFileBytes       int64 `json:"max_file_bytes"`
	MaxBundleBytes     int64 `json:"max_bundle_bytes"`
}

// Summary counts the collectors by status.
type Summary struct {
	OK          int `json:"ok"`
	Partial     int `json:"partial"`
	Timeout     int `json:"timeout"`
	Error       int `json:"error"`
	Skipped     int `json:"skipped"`
	Unavailable int `json:"unavailable"`
}

// Count returns the summary's count for s.
func (s *Summary) Count(st Status) *int {
	switch st {
	case StatusOK:
		return &s.OK
	case StatusPartial:
		return &s.Partial
	case StatusTimeout:
		return &s.Timeout
	case StatusError:
		return &s.Error
	case StatusSkipped:
		return &s.Skipped
	case StatusUnavailable:
		return &s.Unavailable
	}
	return nil
}

// Collector is one collector's record.
type Collector struct {
	Name       string    `json:"name"` // "sockets", "reports/host", "raw/netns-a", …
	Status     Status    `json:"status"`
	Reason     string    `json:"reason,omitempty"` // why it is not ok; omitted when ok
	Started    time.Time `json:"started"`
	DurationMS int64     `json:"duration_ms"`
	Files      []File    `json:"files"` // what it wrote, in archive order (may be empty)
}

// File is one file a collector wrote, or would have: a file left out
// (Omitted) is listed with why, and is not in the archive.
type File struct {
	Path   string   `json:"path"`             // the archive entry name, see layout.go
	Tags   []string `json:"tags,omitempty"`   // what it holds: "sockets", "json", "text", "raw", "netns:<file>", …
	Schema string   `json:"schema,omitempty"` // a JSON document's schema ("gonetstat.sockets/v1")
	Bytes  int64    `json:"bytes"`            // its size in the archive
	SHA256 string   `json:"sha256,omitempty"` // lower-case hex of its bytes; omitted only when Omitted
	Rows   *int64   `json:"rows,omitempty"`   // rows of a table (sockets, samples); omitted for other files
	// Truncated says the file was cut at the per-file cap (text keeps its
	// tail) or, with Omitted, left out for its size.
	Truncated bool `json:"truncated"`
	// Redacted lists what was replaced in it: "secrets", "ip", "host",
	// "mac"; omitted when nothing was.
	Redacted []string `json:"redacted,omitempty"`
	// Omitted says why the file is not in the archive (too large, could
	// not be scrubbed); "" when it is.
	Omitted string `json:"omitted,omitempty"`
}

// Encode writes m as an indented JSON document ending with a newline.
// Every string is escaped as internal/safetext escapes JSON: a host name,
// a reason or an argument carrying a control or a bidi character reaches
// whoever cats the file as \uXXXX.
func Encode(w io.Writer, m *Manifest) error {
	if m.Schema != Schema {
		return fmt.Errorf("encoding a manifest of schema %q, not %s", m.Schema, Schema)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("encoding the manifest: %w", err)
	}
	_, err := w.Write(escapeUnsafe(buf.Bytes()))
	return err
}

// escapeUnsafe rewrites, in a document encoding/json wrote, the runes
// safetext classes unsafe that encoding/json leaves raw (DEL, the C1
// controls, the Bidi_Control characters) as \uXXXX. encoding/json has
// already escaped the C0 controls, quotes and backslashes and replaced
// invalid UTF-8 with U+FFFD, and such runes can only be inside strings
// (JSON's syntax outside strings is ASCII), so the result decodes to the
// same document.
func escapeUnsafe(doc []byte) []byte {
	var out []byte
	start := 0
	for i := 0; i < len(doc); {
		r, size := utf8.DecodeRune(doc[i:])
		if r == 0x7f || r >= utf8.RuneSelf && safetext.Unsafe(r) {
			if out == nil {
				out = make([]byte, 0, len(doc)+16)
			}
			out = append(out, doc[start:i]...)
			out = fmt.Appendf(out, `\u%04x`, r)
			start = i + size
		}
		i += size
	}
	if out == nil {
		return doc
	}
	return append(out, doc[start:]...)
}

// ErrSchema is wrapped by Decode's error when the document names a schema
// other than Schema, or none.
var ErrSchema = errors.New("not a " + Schema + " manifest")

// MaxManifestBytes bounds the manifest a reader accepts: a manifest lists
// files, not their contents, and one of a large bundle is tens of KiB.
const MaxManifestBytes = 4 << 20

// Decode reads a manifest and checks it, strictly: the schema must be
// Schema; every field the schema never omits must be there; statuses are
// the six known; each file's path is a clean relative entry name under
// the layout's directories, listed once; a file in the archive has a
// 64-digit sha256 and a size of at least 0, one left out has neither; the
// summary matches the collectors. Fields a v1 reader does not know are
// ignored, as additive fields must be. The result can still lie about
// the archive's contents: the reader checks each entry against it.
func Decode(r io.Reader) (*Manifest, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the manifest: %w", err)
	}
	if len(data) > MaxManifestBytes {
		return nil, fmt.Errorf("the manifest is larger than %d bytes", MaxManifestBytes)
	}
	var head struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("decoding the manifest: %w", err)
	}
	if head.Schema == nil {
		return nil, fmt.Errorf("%w: it has no schema field", ErrSchema)
	}
	if *head.Schema != Schema {
		return nil, fmt.Errorf("%w: its schema is %q", ErrSchema, safetext.Text(*head.Schema))
	}
	var w wireManifest
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("decoding the manifest: %w", err)
	}
	m, err := w.check()
	if err != nil {
		return nil, fmt.Errorf("decoding the manifest: %w", err)
	}
	return m, nil
}

// wireManifest mirrors Manifest with pointers for the fields the schema
// never omits, so that a missing one is an error rather than a zero.
type wireManifest struct {
	BundleID   *string          `json:"bundle_id"`
	Created    *time.Time       `json:"created"`
	Finished   *time.Time       `json:"finished"`
	Tool       *Tool            `json:"tool"`
	Host       *wireHost        `json:"host"`
	Invocation *Invocation      `json:"invocation"`
	Redaction  *Redaction       `json:"redaction"`
	Limits     *Limits          `json:"limits"`
	Summary    *Summary         `json:"summary"`
	Collectors *[]wireCollector `json:"collectors"`
}

type wireHost struct {
	Host
	Name     *string `json:"name"`
	OS       *string `json:"os"`
	Arch     *string `json:"arch"`
	Elevated *bool   `json:"elevated"`
}

type wireCollector struct {
	Name       *string     `json:"name"`
	Status     *Status     `json:"status"`
	Reason     string      `json:"reason"`
	Started    *time.Time  `json:"started"`
	DurationMS *int64      `json:"duration_ms"`
	Files      *[]wireFile `json:"files"`
}

type wireFile struct {
	Path      *string  `json:"path"`
	Tags      []string `json:"tags"`
	Schema    string   `json:"schema"`
	Bytes     *int64   `json:"bytes"`
	SHA256    string   `json:"sha256"`
	Rows      *int64   `json:"rows"`
	Truncated *bool    `json:"truncated"`
	Redacted  []string `json:"redacted"`
	Omitted   string   `json:"omitted"`
}

// missing is the error of a field the schema never omits.
func missing(where, field string) error {
	return fmt.Errorf("%s has no %q (the schema never omits it)", where, field)
}

func (w *wireManifest) check() (*Manifest, error) {
	switch {
	case w.BundleID == nil:
		return nil, missing("the manifest", "bundle_id")
	case w.Created == nil:
		return nil, missing("the manifest", "created")
	case w.Finished == nil:
		return nil, missing("the manifest", "finished")
	case w.Tool == nil:
		return nil, missing("the manifest", "tool")
	case w.Host == nil:
		return nil, missing("the manifest", "host")
	case w.Invocation == nil:
		return nil, missing("the manifest", "invocation")
	case w.Redaction == nil:
		return nil, missing("the manifest", "redaction")
	case w.Limits == nil:
		return nil, missing("the manifest", "limits")
	case w.Summary == nil:
		return nil, missing("the manifest", "summary")
	case w.Collectors == nil:
		return nil, missing("the manifest", "collectors")
	}
	h := w.Host
	switch {
	case h.Name == nil:
		return nil, missing("host", "name")
	case h.OS == nil:
		return nil, missing("host", "os")
	case h.Arch == nil:
		return nil, missing("host", "arch")
	case h.Elevated == nil:
		return nil, missing("host", "elevated")
	}
	if !validID(*w.BundleID) {
		return nil, fmt.Errorf("bundle_id %q is not 32 lower-case hex digits", safetext.Text(*w.BundleID))
	}
	if w.Finished.Before(*w.Created) {
		return nil, fmt.Errorf("finished (%s) is before created (%s)", w.Finished.Format(time.RFC3339), w.Created.Format(time.RFC3339))
	}
	m := &Manifest{
		Schema:     Schema,
		BundleID:   *w.BundleID,
		Created:    *w.Created,
		Finished:   *w.Finished,
		Tool:       *w.Tool,
		Host:       h.Host,
		Invocation: *w.Invocation,
		Redaction:  *w.Redaction,
		Limits:     *w.Limits,
		Summary:    *w.Summary,
	}
	m.Host.Name, m.Host.OS, m.Host.Arch, m.Host.Elevated = *h.Name, *h.OS, *h.Arch, *h.Elevated
	for i, ns := range m.Invocation.NetNS {
		if !validNSFile(ns.File) {
			return nil, fmt.Errorf("invocation netns %d: file %q is not a namespace file name", i, safetext.Text(ns.File))
		}
	}

	var counted Summary
	seenName := map[string]bool{}
	seenPath := map[string]bool{ManifestPath: true}
	for i, wc := range *w.Collectors {
		where := fmt.Sprintf("collector %d", i)
		switch {
		case wc.Name == nil:
			return nil, missing(where, "name")
		case wc.Status == nil:
			return nil, missing(where, "status")
		case wc.Started == nil:
			return nil, missing(where, "started")
		case wc.DurationMS == nil:
			return nil, missing(where, "duration_ms")
		case wc.Files == nil:
			return nil, missing(where, "files")
		}
		name := *wc.Name
		where = fmt.Sprintf("collector %q", safetext.Text(name))
		if name == "" || seenName[name] {
			return nil, fmt.Errorf("%s: its name is empty or not unique", where)
		}
		seenName[name] = true
		if !wc.Status.Valid() {
			return nil, fmt.Errorf("%s: unknown status %q", where, safetext.Text(string(*wc.Status)))
		}
		*counted.Count(*wc.Status)++
		if *wc.DurationMS < 0 {
			return nil, fmt.Errorf("%s: negative duration_ms", where)
		}
		c := Collector{Name: name, Status: *wc.Status, Reason: wc.Reason, Started: *wc.Started, DurationMS: *wc.DurationMS, Files: []File{}}
		for j, wf := range *wc.Files {
			f, err := wf.check()
			if err != nil {
				return nil, fmt.Errorf("%s: file %d: %w", where, j, err)
			}
			if seenPath[f.Path] {
				return nil, fmt.Errorf("%s: file %q is listed twice", where, safetext.Text(f.Path))
			}
			seenPath[f.Path] = true
			c.Files = append(c.Files, f)
		}
		m.Collectors = append(m.Collectors, c)
	}
	if counted != m.Summary {
		return nil, fmt.Errorf("the summary %+v does not count the collectors' statuses %+v", m.Summary, counted)
	}
	if m.Collectors == nil {
		m.Collectors = []Collector{}
	}
	return m, nil
}

func (wf *wireFile) check() (File, error) {
	switch {
	case wf.Path == nil:
		return File{}, missing("the file", "path")
	case wf.Bytes == nil:
		return File{}, missing("the file", "bytes")
	case wf.Truncated == nil:
		return File{}, missing("the file", "truncated")
	}
	f := File{Path: *wf.Path, Tags: wf.Tags, Schema: wf.Schema, Bytes: *wf.Bytes, SHA256: wf.SHA256,
		Rows: wf.Rows, Truncated: *wf.Truncated, Redacted: wf.Redacted, Omitted: wf.Omitted}
	if err := CheckEntryName(f.Path); err != nil {
		return File{}, err
	}
	if f.Bytes < 0 {
		return File{}, fmt.Errorf("%q: negative bytes", f.Path)
	}
	if f.Rows != nil && *f.Rows < 0 {
		return File{}, fmt.Errorf("%q: negative rows", f.Path)
	}
	if f.Omitted != "" {
		if f.SHA256 != "" || f.Bytes != 0 {
			return File{}, fmt.Errorf("%q is left out (%s) but has a size or a sha256", f.Path, safetext.Text(f.Omitted))
		}
		return f, nil
	}
	if !validSHA256(f.SHA256) {
		return File{}, fmt.Errorf("%q: sha256 %q is not 64 lower-case hex digits", f.Path, safetext.Text(f.SHA256))
	}
	return f, nil
}

// CheckEntryName returns an error unless name is an entry name a bundle
// may hold: a clean, relative, slash-separated path (fs.ValidPath: no
// "..", no "." element, no leading or trailing slash) of printable
// characters without a backslash or a colon, under one of the layout's
// top-level names. A reader checks every entry of an archive with it
// before looking further, so no name can reach outside the bundle.
func CheckEntryName(name string) error {
	if !fs.ValidPath(name) || name == "." || len(name) > 255 {
		return fmt.Errorf("entry name %q is not a clean relative path", safetext.Text(name))
	}
	for _, r := range name {
		if r < 0x21 || r == 0x7f || r == '\\' || r == ':' || r >= utf8.RuneSelf {
			return fmt.Errorf("entry name %q holds a character outside printable ASCII, a space, a backslash or a colon", safetext.Text(name))
		}
	}
	top, _, nested := strings.Cut(name, "/")
	for _, d := range topLevel {
		if d.name == top && d.dir == nested {
			return nil
		}
	}
	return fmt.Errorf("entry name %q is not in the bundle layout", safetext.Text(name))
}

func validID(s string) bool { return len(s) == 32 && lowerHex(s) }

func validSHA256(s string) bool { return len(s) == 64 && lowerHex(s) }

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
