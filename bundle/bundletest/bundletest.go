// Package bundletest assembles bundle archives for the tests of their
// readers (gonetstat --from, bundle inspect): a manifest whose files'
// sizes and digests are computed from the entries given, written as a
// gzip-compressed tar or a zip with every header under the test's
// control, so that a test can make an archive lie in any one way.
package bundletest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"hash/crc32"
	"io/fs"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/bundle"
)

// Entry is one entry of an archive, as its header will say.
type Entry struct {
	Name string
	Data []byte
	// Type is the tar type flag (tar.TypeReg when 0); in a zip, a
	// symlink or directory is told by the mode.
	Type     byte
	Linkname string
	// Size is the size the header declares when not 0 (-1: 0); else
	// len(Data). A tar entry declaring more than Data is padded with
	// zeros up to it.
	Size int64
	// PAX records added to a tar entry's header.
	PAX map[string]string
	// Cut ends the archive inside this entry, after Data: a header may
	// then declare any size (a terabyte) without its bytes.
	Cut bool
}

// Builder is a bundle being assembled: Manifest, Fixed and Entries may
// be edited before the archive is written.
type Builder struct {
	Manifest *bundle.Manifest
	// Fixed are the entries every bundle holds after the manifest and
	// outside its list (summary.txt, README.txt, version.json,
	// gonetstat.log).
	Fixed   []Entry
	Entries []Entry // after those, in archive order
}

// New starts a bundle of host, made at t, of the namespaces nss (the
// first one gonetstat's own when none says Own).
func New(host string, t time.Time, nss ...bundle.NetNS) *Builder {
	if len(nss) == 0 {
		nss = []bundle.NetNS{{File: bundle.OwnNSFile, Own: true}}
	}
	return &Builder{Manifest: &bundle.Manifest{
		Schema: bundle.Schema, BundleID: "0123456789abcdef0123456789abcdef",
		Created: t.UTC(), Finished: t.UTC().Add(2 * time.Second),
		Tool:       bundle.Tool{Name: "gonetstat", Version: "(devel)", GoVersion: "go1.26.8"},
		Host:       bundle.Host{Name: host, OS: "linux", Arch: "amd64", Kernel: "6.8.0", Elevated: true},
		Invocation: bundle.Invocation{Args: []string{}, NetNS: nss},
		Redaction:  bundle.Redaction{Secrets: true, Pseudonyms: []string{}},
		Limits: bundle.Limits{CollectorTimeoutMS: 10000, CommandTimeoutMS: 30000, RunTimeoutMS: 300000,
			MaxFileBytes: 25 << 20, MaxBundleBytes: 1 << 30},
		Collectors: []bundle.Collector{},
	}, Fixed: []Entry{
		{Name: bundle.SummaryPath, Data: []byte("sockets ok\n")},
		{Name: bundle.ReadmePath, Data: []byte("A gonetstat bundle made for a test.\n")},
		{Name: bundle.VersionPath, Data: []byte(`{"name":"gonetstat","version":"(devel)"}` + "\n")},
		{Name: bundle.LogPath, Data: []byte("")},
	}}
}

// Add records that collector (made ok on first use) wrote path holding
// data, and appends the entry.
func (b *Builder) Add(collector, path string, data []byte) *bundle.File {
	sum := sha256.Sum256(data)
	c := b.Collector(collector)
	c.Files = append(c.Files, bundle.File{Path: path, Bytes: int64(len(data)), SHA256: hex.EncodeToString(sum[:])})
	b.Entries = append(b.Entries, Entry{Name: path, Data: data})
	return &c.Files[len(c.Files)-1]
}

// Collector returns the record of the collector named name, appending
// one (ok, no files) when there is none.
func (b *Builder) Collector(name string) *bundle.Collector {
	m := b.Manifest
	for i := range m.Collectors {
		if m.Collectors[i].Name == name {
			return &m.Collectors[i]
		}
	}
	m.Collectors = append(m.Collectors, bundle.Collector{Name: name, Status: bundle.StatusOK, Started: m.Created, DurationMS: 5, Files: []bundle.File{}})
	return &m.Collectors[len(m.Collectors)-1]
}

// ManifestBytes encodes the manifest, its summary counted from its
// collectors.
func (b *Builder) ManifestBytes(t testing.TB) []byte {
	t.Helper()
	m := b.Manifest
	m.Summary = bundle.Summary{}
	for _, c := range m.Collectors {
		*m.Summary.Count(c.Status)++
	}
	var buf bytes.Buffer
	if err := bundle.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// All returns the manifest's entry followed by Fixed and Entries.
func (b *Builder) All(t testing.TB) []Entry {
	all := append([]Entry{{Name: bundle.ManifestPath, Data: b.ManifestBytes(t)}}, b.Fixed...)
	return append(all, b.Entries...)
}

// TarGz writes the bundle as a gzip-compressed tar.
func (b *Builder) TarGz(t testing.TB) []byte { return TarGz(t, b.All(t)) }

// Zip writes the bundle as a zip file.
func (b *Builder) Zip(t testing.TB) []byte { return Zip(t, b.All(t)) }

// TarGz writes entries, in order, as a gzip-compressed tar.
func TarGz(t testing.TB, entries []Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		typ := e.Type
		if typ == 0 {
			typ = tar.TypeReg
		}
		size := int64(len(e.Data))
		switch {
		case e.Size < 0:
			size = 0
		case e.Size > 0:
			size = e.Size
		}
		h := &tar.Header{Name: e.Name, Typeflag: typ, Linkname: e.Linkname, Size: size, Mode: 0o600,
			ModTime: time.Date(2026, 11, 25, 4, 10, 0, 0, time.UTC), PAXRecords: e.PAX}
		if typ != tar.TypeReg {
			h.Size = 0
		}
		if len(e.PAX) > 0 {
			h.Format = tar.FormatPAX
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("tar header %q: %v", e.Name, err)
		}
		if h.Size == 0 {
			continue
		}
		data := e.Data
		if int64(len(data)) > h.Size {
			data = data[:h.Size]
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
		if e.Cut {
			tw.Flush() // reports the missing bytes; the archive ends here anyway
			if err := gz.Close(); err != nil {
				t.Fatal(err)
			}
			return buf.Bytes()
		}
		for n := int64(len(data)); n < h.Size; {
			chunk := min(h.Size-n, 1<<20)
			if _, err := tw.Write(make([]byte, chunk)); err != nil {
				t.Fatal(err)
			}
			n += chunk
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Zip writes entries, in order, as a zip file (deflated).
func Zip(t testing.TB, entries []Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: time.Date(2026, 11, 25, 4, 10, 0, 0, time.UTC)}
		switch e.Type {
		case tar.TypeSymlink:
			h.SetMode(fs.ModeSymlink | 0o777)
		case tar.TypeDir:
			h.SetMode(fs.ModeDir | 0o700)
		default:
			h.SetMode(0o600)
		}
		if e.Size > 0 {
			// The header declares Size, whatever the data: written
			// raw, deflated here, its CRC that of the data.
			var z bytes.Buffer
			fw, _ := flate.NewWriter(&z, flate.DefaultCompression)
			fw.Write(e.Data)
			fw.Close()
			h.CRC32, h.CompressedSize64, h.UncompressedSize64 = crc32.ChecksumIEEE(e.Data), uint64(z.Len()), uint64(e.Size)
			w, err := zw.CreateRaw(h)
			if err != nil {
				t.Fatalf("zip header %q: %v", e.Name, err)
			}
			w.Write(z.Bytes())
			continue
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatalf("zip header %q: %v", e.Name, err)
		}
		data := e.Data
		if e.Type == tar.TypeSymlink {
			data = []byte(e.Linkname)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
