// read_test.go checks the bundle reader against good archives, tar.gz
// and zip, and against hostile ones: names that reach outside the bundle,
// links, entries larger than they say, manifests that lie, and archives
// that decompress to more than their manifest accounts for. Each is a
// clear error, never a panic; the fuzz targets hold that for any bytes.

package bundle_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/bundle"
	"github.com/gonetstat/gonetstat/bundle/bundletest"
)

var t0 = time.Date(2026, 11, 25, 4, 10, 0, 0, time.UTC)

// sample is a small bundle: a socket table, a text file and a namespace's
// reports, and a collector that timed out and wrote nothing.
func sample() *bundletest.Builder {
	b := bundletest.New("web1", t0, bundle.NetNS{File: "host", Inode: 4026531840, Own: true}, bundle.NetNS{File: "blue", Name: "blue", Inode: 4026532001})
	b.Add("sockets", bundle.SocketsJSONPath, []byte(`{"schema":"gonetstat.sockets/v1","host":"web1","time":"2026-11-25T04:10:00Z","sockets":[]}`+"\n"))
	b.Add("sockets", bundle.SocketsTextPath, []byte("\nActive Connections\n\n  Proto  Local Address          Foreign Address        State\n"))
	b.Add("reports/blue", bundle.ReportsJSONPath("blue"), []byte(`{"schema":"gonetstat.reports/v1","host":"web1","time":"2026-11-25T04:10:00Z"}`+"\n"))
	c := b.Collector("sysctl/blue")
	c.Status, c.Reason = bundle.StatusTimeout, "deadline of 10s"
	return b
}

// formats writes a builder in each archive format.
var formats = map[string]func(*bundletest.Builder, testing.TB) []byte{
	"tar.gz": (*bundletest.Builder).TarGz,
	"zip":    (*bundletest.Builder).Zip,
}

func open(t *testing.T, data []byte) (*bundle.Archive, error) {
	t.Helper()
	return bundle.OpenReader(bytes.NewReader(data), int64(len(data)), "test.bundle")
}

func TestReadBack(t *testing.T) {
	for format, write := range formats {
		t.Run(format, func(t *testing.T) {
			b := sample()
			a, err := open(t, write(b, t))
			if err != nil {
				t.Fatal(err)
			}
			if a.Format.String() != format || a.Manifest.Host.Name != "web1" || len(a.Manifest.Collectors) != 3 {
				t.Errorf("opened %s %+v", a.Format, a.Manifest)
			}
			got, err := a.ReadEntries(bundle.ReportsJSONPath("blue"), bundle.SocketsJSONPath)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range b.Entries {
				if want, ok := got[e.Name]; ok && !bytes.Equal(want, e.Data) {
					t.Errorf("%s: read %q, wrote %q", e.Name, got[e.Name], e.Data)
				}
			}
			if len(got) != 2 {
				t.Errorf("read %d entries, asked 2", len(got))
			}
			checks, err := a.Verify()
			if err != nil {
				t.Fatal(err)
			}
			if len(checks) != 7 || !checks[3].Fixed || checks[3].File.Path != bundle.SummaryPath || checks[6].File.Path != bundle.LogPath {
				t.Errorf("checks %+v, want the 3 files listed then the 4 fixed entries", checks)
			}
			for _, c := range checks {
				if c.Problem != "" {
					t.Errorf("%s: %s", c.File.Path, c.Problem)
				}
			}
			if _, err := a.ReadEntry(bundle.SamplesPath); err == nil || !strings.Contains(err.Error(), "lists no entry sockets/samples.ndjson") {
				t.Errorf("an entry the manifest does not list: %v", err)
			}
		})
	}
}

// hostile is one way an archive can be wrong, and what the reader says.
type hostile struct {
	name string
	// edit changes the sample bundle's manifest or entries before they
	// are written; nil entries: build writes the archive itself.
	edit             func(b *bundletest.Builder)
	build            func(t testing.TB) []byte
	want             string // in the error of Open, ReadEntries or Verify
	tarOnly, zipOnly bool
}

var hostiles = []hostile{
	{name: "not an archive", build: func(testing.TB) []byte { return []byte("#!/bin/sh\nrm -rf /\n") }, want: "neither a gzip nor a zip file"},
	{name: "empty gzip", build: func(t testing.TB) []byte { return bundletest.TarGz(t, nil) }, want: "the archive is empty"},
	{name: "manifest not first", build: func(t testing.TB) []byte {
		all := sample().All(t)
		all[0], all[1] = all[1], all[0]
		return bundletest.TarGz(t, all)
	}, want: `the first entry is "summary.txt", not manifest.json`},
	{name: "zip manifest not first", build: func(t testing.TB) []byte {
		all := sample().All(t)
		all[0], all[1] = all[1], all[0]
		return bundletest.Zip(t, all)
	}, want: `the first entry is "summary.txt", not manifest.json`},
	{name: "no manifest", build: func(t testing.TB) []byte {
		return bundletest.TarGz(t, sample().Entries)
	}, want: `the first entry is "sockets/sockets.json", not manifest.json`},
	{name: "manifest twice", edit: func(b *bundletest.Builder) {
		b.Entries = append(b.Entries, bundletest.Entry{Name: bundle.ManifestPath, Data: []byte("{}")})
	}, want: "manifest.json is in the archive twice"},
	{name: "manifest a symlink", build: func(t testing.TB) []byte {
		return bundletest.TarGz(t, []bundletest.Entry{{Name: bundle.ManifestPath, Type: tar.TypeSymlink, Linkname: "/etc/passwd"}})
	}, want: "manifest.json: a symbolic link to /etc/passwd, where a bundle holds only regular files"},
	{name: "manifest of 5 MiB", build: func(t testing.TB) []byte {
		return bundletest.TarGz(t, []bundletest.Entry{{Name: bundle.ManifestPath, Data: []byte("{"), Size: 5 << 20}})
	}, want: "manifest.json is 5242880 bytes, more than the 4194304 a manifest may be"},
	{name: "manifest lies about its schema", build: func(t testing.TB) []byte {
		return bundletest.TarGz(t, []bundletest.Entry{{Name: bundle.ManifestPath, Data: []byte(`{"schema":"gonetstat.bundle/v9"}`)}})
	}, want: `not a gonetstat.bundle/v1 manifest: its schema is "gonetstat.bundle/v9"`},
	{name: "path traversal", edit: extra("../../etc/cron.d/x"), want: `entry name "../../etc/cron.d/x" is not a clean relative path`},
	{name: "traversal inside a directory", edit: extra("sockets/../../x"), want: `entry name "sockets/../../x" is not a clean relative path`},
	{name: "absolute name", edit: extra("/etc/passwd"), want: `entry name "/etc/passwd" is not a clean relative path`},
	{name: "backslashes", edit: extra(`sockets\..\..\x`), want: "a backslash"},
	{name: "drive letter", edit: extra("C:/Windows/x"), want: "a colon"},
	{name: "control in a name", edit: extra("sockets/\x1b[2Jx"), want: `entry name "sockets/?[2Jx" holds a character outside printable ASCII`},
	{name: "name outside the layout", edit: extra("etc/passwd"), want: `entry name "etc/passwd" is not in the bundle layout`},
	{name: "unlisted entry", edit: extra("sockets/extra.json"), want: "sockets/extra.json is in the archive but not in the manifest"},
	{name: "symlink", edit: func(b *bundletest.Builder) {
		b.Entries[0] = bundletest.Entry{Name: bundle.SocketsJSONPath, Type: tar.TypeSymlink, Linkname: "/etc/shadow"}
	}, want: "sockets/sockets.json: a symbolic link"},
	{name: "hard link", tarOnly: true, edit: func(b *bundletest.Builder) {
		b.Entries[0] = bundletest.Entry{Name: bundle.SocketsJSONPath, Type: tar.TypeLink, Linkname: "/etc/shadow"}
	}, want: "sockets/sockets.json: a hard link to /etc/shadow, where a bundle holds only regular files"},
	{name: "directory", edit: func(b *bundletest.Builder) {
		b.Entries = append([]bundletest.Entry{{Name: "sockets/", Type: tar.TypeDir}}, b.Entries...)
	}, want: `entry name "sockets/" is not a clean relative path`},
	{name: "device", tarOnly: true, edit: func(b *bundletest.Builder) {
		b.Entries[0] = bundletest.Entry{Name: bundle.SocketsJSONPath, Type: tar.TypeChar}
	}, want: "sockets/sockets.json: an entry of tar type '3'"},
	{name: "duplicate entry", edit: func(b *bundletest.Builder) {
		b.Entries = append(b.Entries, b.Entries[0])
	}, want: "sockets/sockets.json is in the archive twice"},
	{name: "listed file missing", edit: func(b *bundletest.Builder) { b.Entries = b.Entries[1:] },
		want: "sockets/sockets.json is listed in the manifest but not in the archive"},
	{name: "sha256 lies", edit: func(b *bundletest.Builder) {
		b.Entries[0].Data = bytes.Replace(b.Entries[0].Data, []byte("web1"), []byte("evil"), 1)
	}, want: "sockets/sockets.json: sha256 "},
	{name: "bytes lie", edit: func(b *bundletest.Builder) { b.Manifest.Collectors[0].Files[0].Bytes-- },
		want: "sockets/sockets.json is 91 bytes in the archive, 90 in the manifest"},
	{name: "huge entry", tarOnly: true, edit: func(b *bundletest.Builder) {
		b.Entries[0].Size, b.Entries[0].Cut = 1<<40, true
	}, want: "sockets/sockets.json is 1099511627776 bytes in the archive, 91 in the manifest"},
	{name: "zip entry larger than it holds", zipOnly: true, edit: func(b *bundletest.Builder) {
		b.Entries[0].Size = 1 << 40
	}, want: "sockets/sockets.json is 1099511627776 bytes in the archive, 91 in the manifest"},
	{name: "zip entry holding more than it says", zipOnly: true, edit: func(b *bundletest.Builder) {
		// The header and the manifest agree on 10 bytes; the data is
		// 91: archive/zip stops at 10 and the digest differs.
		b.Entries[0].Size = 10
		b.Manifest.Collectors[0].Files[0].Bytes = 10
	}, want: "sockets/sockets.json: "},
	{name: "fixed entry missing", edit: func(b *bundletest.Builder) { b.Fixed = b.Fixed[1:] },
		want: "summary.txt is missing from the archive (every bundle holds it)"},
	{name: "fixed entry twice", edit: func(b *bundletest.Builder) { b.Entries = append(b.Entries, b.Fixed[3]) },
		want: "gonetstat.log is in the archive twice"},
	{name: "fixed entry a symlink", edit: func(b *bundletest.Builder) {
		b.Fixed[1] = bundletest.Entry{Name: bundle.ReadmePath, Type: tar.TypeSymlink, Linkname: "/etc/shadow"}
	}, want: "README.txt: a symbolic link"},
	{name: "fixed entry past the file cap", tarOnly: true, edit: func(b *bundletest.Builder) {
		b.Fixed[3].Size, b.Fixed[3].Cut = 1<<40, true
	}, want: "gonetstat.log is 1099511627776 bytes, more than the 26214400 a file of this bundle may be"},
	{name: "manifest lists a huge entry", edit: func(b *bundletest.Builder) {
		b.Manifest.Collectors[0].Files[0].Bytes = 1 << 40
	}, want: "the manifest lists sockets/sockets.json at 1099511627776 bytes, more than the 268435456 a reader takes"},
	{name: "manifest lists too much in all", edit: func(b *bundletest.Builder) {
		c := b.Collector("raw/host")
		for i := range 20 {
			c.Files = append(c.Files, bundle.File{Path: fmt.Sprintf("raw/host/proc/net/f%d", i), Bytes: 250 << 20, SHA256: strings.Repeat("0", 64)})
		}
	}, want: "more than the 4294967296 a reader takes"},
	{name: "pax headers past the budget", tarOnly: true, edit: func(b *bundletest.Builder) {
		// Each entry carries 900 KiB of PAX records the manifest does
		// not account for: the decompressed stream outgrows it.
		big := strings.Repeat("x", 900<<10)
		for i := range b.Entries {
			b.Entries[i].PAX = map[string]string{"comment": big}
		}
	}, want: "it decompresses to more than its manifest accounts for"},
}

// extra adds an entry named name after the others.
func extra(name string) func(*bundletest.Builder) {
	return func(b *bundletest.Builder) {
		b.Entries = append(b.Entries, bundletest.Entry{Name: name, Data: []byte("pwned")})
	}
}

// readAll opens data and reads everything a reader may: the manifest,
// every listed entry, and the whole archive through Verify. It returns
// the first error, a Verify problem counting as one.
func readAll(t *testing.T, data []byte) error {
	t.Helper()
	a, err := open(t, data)
	if err != nil {
		return err
	}
	var names []string
	for _, c := range a.Manifest.Collectors {
		for _, f := range c.Files {
			if _, ok := a.Listed(f.Path); ok {
				names = append(names, f.Path)
			}
		}
	}
	got, rerr := a.ReadEntries(names...)
	checks, verr := a.Verify()
	// ReadEntries stops after its last entry, so only Verify sees what
	// follows it; what Verify passes, ReadEntries reads.
	if rerr != nil && verr == nil && problems(checks) == "" {
		t.Errorf("ReadEntries says %v, Verify finds nothing wrong", rerr)
	}
	if rerr == nil && len(got) != len(names) {
		t.Errorf("ReadEntries gave %d of %d entries", len(got), len(names))
	}
	switch {
	case rerr != nil:
		return rerr
	case verr != nil:
		return verr
	case problems(checks) != "":
		return errors.New(problems(checks))
	}
	return nil
}

func problems(checks []bundle.EntryCheck) string {
	var p []string
	for _, c := range checks {
		if c.Problem != "" {
			p = append(p, c.Problem)
		}
	}
	return strings.Join(p, "; ")
}

func TestHostileArchives(t *testing.T) {
	for _, h := range hostiles {
		for format, write := range formats {
			if h.tarOnly && format != "tar.gz" || h.zipOnly && format != "zip" || h.build != nil && format != "tar.gz" {
				continue
			}
			t.Run(h.name+"/"+format, func(t *testing.T) {
				var data []byte
				if h.build != nil {
					data = h.build(t)
				} else {
					b := sample()
					h.edit(b)
					data = write(b, t)
				}
				err := readAll(t, data)
				if err == nil {
					t.Fatal("read without an error")
				}
				if !strings.Contains(err.Error(), h.want) {
					t.Errorf("error %q\ndoes not say %q", err, h.want)
				}
				if strings.ContainsAny(err.Error(), "\x1b\n") {
					t.Errorf("error %q carries a control character", err)
				}
			})
		}
	}
}

// TestReadStopsAtWhatItNeeds: ReadEntries reads no further than its last
// entry, so an entry after it is not decompressed (nor checked).
func TestReadStopsAtWhatItNeeds(t *testing.T) {
	b := sample()
	b.Entries[len(b.Entries)-1].Data = []byte("changed after the manifest was made")
	a, err := open(t, b.TarGz(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ReadEntry(bundle.SocketsJSONPath); err != nil {
		t.Errorf("the first entry: %v", err)
	}
	if _, err := a.ReadEntry(bundle.ReportsJSONPath("blue")); err == nil {
		t.Error("the changed entry read without an error")
	}
}

// FuzzOpen: any bytes, as an archive: no panic, errors wrap ErrArchive or
// come from the manifest, and what reads whole matches its manifest.
func FuzzOpen(f *testing.F) {
	for _, write := range formats {
		f.Add(write(sample(), f))
	}
	for _, h := range hostiles {
		if h.build != nil {
			f.Add(h.build(f))
			continue
		}
		b := sample()
		h.edit(b)
		small := !strings.Contains(h.name, "pax") // 7 MiB of headers
		for _, e := range b.Entries {
			small = small && (e.Size < 1<<20 || e.Cut) // padded to its size otherwise
		}
		switch {
		case !small:
		case h.zipOnly:
			f.Add(b.Zip(f))
		default:
			f.Add(b.TarGz(f))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		readAll(t, data)
	})
}

// FuzzEntry builds a bundle around one fuzzed entry after the manifest:
// its name, tar type, declared size and bytes, listed in the manifest or
// not, as a tar.gz and as a zip. The reader accepts it only when it is a
// regular file under a layout name that the manifest lists with its size
// and digest.
func FuzzEntry(f *testing.F) {
	f.Add("sockets/sockets.json", byte(tar.TypeReg), int64(0), []byte("{}"), true)
	f.Add("../x", byte(tar.TypeReg), int64(0), []byte("x"), false)
	f.Add("raw/host/proc/net/tcp", byte(tar.TypeSymlink), int64(0), []byte(""), true)
	f.Add("sockets/sockets.json", byte(tar.TypeReg), int64(10), []byte("{}"), true)
	f.Fuzz(func(t *testing.T, name string, typ byte, size int64, data []byte, list bool) {
		if size < 0 || size > 1<<16 || len(data) > 1<<16 || bundle.CheckEntryName(name) != nil && list {
			return // the manifest decoder refuses such a listing; sizes stay small
		}
		if typ != tar.TypeReg && typ != tar.TypeSymlink && typ != tar.TypeLink && typ != tar.TypeDir && typ != tar.TypeChar && typ != tar.TypeFifo {
			typ = tar.TypeReg
		}
		b := bundletest.New("h", t0)
		b.Entries = nil
		if list {
			b.Add("sockets", name, data)
		}
		b.Entries = []bundletest.Entry{{Name: name, Data: data, Type: typ, Size: size}}
		valid := list && typ == tar.TypeReg && (size == 0 || size == int64(len(data))) && name != bundle.ManifestPath
		for format, write := range formats {
			if format == "zip" && (typ == tar.TypeLink || typ == tar.TypeChar || typ == tar.TypeFifo || size != 0) {
				continue // a zip has no such entries; its sizes are its own
			}
			archive := func() (out []byte) {
				defer func() {
					if recover() != nil {
						out = nil // the writer refused the header: nothing to read
					}
				}()
				return write(b, panicTB{t})
			}()
			if archive == nil {
				continue
			}
			err := readAll(t, archive)
			if (err == nil) != valid {
				t.Errorf("%s entry %q type %q size %d listed %v: error %v", format, name, typ, size, list, err)
			}
		}
	})
}

// panicTB is a testing.TB whose Fatal panics, so that FuzzEntry can tell
// an archive the writer refuses (a name tar cannot hold) from a bug.
type panicTB struct{ testing.TB }

func (p panicTB) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }
func (p panicTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (p panicTB) Helper()                           {}
