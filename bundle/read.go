// read.go opens a bundle for reading (gonetstat --from, bundle inspect):
// the archive's first entry must be the manifest, and every entry read
// afterwards is held to it, since a bundle comes from another machine and
// may have been made or edited by anyone.

package bundle

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/gonetstat/gonetstat/internal/safetext"
)

// MaxEntryBytes bounds an entry a reader takes into memory. A bundle's
// files are at most its per-file cap (25 MiB by default, Limits); a
// manifest listing a larger one is refused before anything is read.
const MaxEntryBytes = 256 << 20

// maxListedBytes bounds what a manifest may list in all: a reader walks
// the archive from its start for each pass and decompresses what it
// passes, so this bounds the work a pass can be made to do.
const maxListedBytes = 4 << 30

// ErrArchive is wrapped by every error that says an archive does not
// hold what its manifest says, or is not a bundle at all.
var ErrArchive = errors.New("not a valid bundle")

// Archive is an opened bundle: its checked manifest, and the archive it
// describes, read again from its start for each pass (a gzip stream
// cannot seek). Nothing is extracted to disk.
type Archive struct {
	Name     string // the archive's file name, for messages
	Manifest *Manifest
	Format   Format

	r      io.ReaderAt
	size   int64
	file   *os.File        // what Open opened, closed by Close
	listed map[string]File // the files in the archive by path (Omitted ones are not)
	// fixedCap bounds each fixed entry (summary.txt, README.txt,
	// version.json, gonetstat.log): the manifest cannot list them with
	// a size, since they describe its run.
	fixedCap int64
	budget   int64 // what a pass may decompress: the manifest, its files and the fixed entries, headers included
}

// String names the format as the extension does: "tar.gz", "zip".
func (f Format) String() string { return strings.TrimPrefix(f.Ext(), ".") }

// fixedEntries are the entries every bundle holds beside the manifest
// and outside its list (docs/bundle.md, Layout), in archive order. They
// have no digest to check; --from reads none of them.
var fixedEntries = [...]string{SummaryPath, ReadmePath, VersionPath, LogPath}

// Open opens the bundle at path and reads its manifest (OpenReader).
// The file stays open until Close.
func Open(path string) (*Archive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: %w: not a regular file", path, ErrArchive)
	}
	a, err := OpenReader(f, st.Size(), path)
	if err != nil {
		f.Close()
		return nil, err
	}
	a.file = f
	return a, nil
}

// Close closes the file Open opened; an Archive of OpenReader leaves its
// reader to its caller.
func (a *Archive) Close() error {
	if a.file != nil {
		return a.file.Close()
	}
	return nil
}

// OpenReader reads the manifest of the bundle of size bytes in r, a
// gzip-compressed tar or a zip file (told by their first bytes, not by
// the name): it must be the archive's first entry, a regular file named
// manifest.json no larger than MaxManifestBytes, and decode strictly
// (Decode). name is the archive's name for messages.
func OpenReader(r io.ReaderAt, size int64, name string) (*Archive, error) {
	a := &Archive{Name: name, r: r, size: size, budget: MaxManifestBytes + 64<<10}
	var magic [4]byte
	n, _ := r.ReadAt(magic[:], 0)
	var err error
	if a.Format, err = DetectFormat(magic[:n]); err != nil {
		return nil, a.errf("%v", err)
	}
	w, err := a.walk()
	if err != nil {
		return nil, err
	}
	defer w.close()
	e, err := w.next()
	if err == io.EOF {
		return nil, a.errf("the archive is empty")
	}
	if err != nil {
		return nil, err
	}
	if e.name != ManifestPath {
		return nil, a.errf("the first entry is %q, not %s", safetext.Text(e.name), ManifestPath)
	}
	if err := e.regular(); err != nil {
		return nil, a.errf("%s: %v", ManifestPath, err)
	}
	if e.size > MaxManifestBytes {
		return nil, a.errf("%s is %d bytes, more than the %d a manifest may be", ManifestPath, e.size, MaxManifestBytes)
	}
	body, err := e.open()
	if err != nil {
		return nil, a.errf("%s: %v", ManifestPath, err)
	}
	m, err := Decode(io.LimitReader(body, e.size))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a.Name, err)
	}
	a.Manifest = m
	a.listed = map[string]File{}
	a.fixedCap = min(max(m.Limits.MaxFileBytes, DefaultMaxFile), MaxEntryBytes)
	// The fixed entries' headers; their bytes are allowed as each is met
	// (pass), at the size its header declares.
	total := int64(e.size) + int64(len(fixedEntries))*3*512
	for _, c := range m.Collectors {
		for _, f := range c.Files {
			if f.Omitted != "" {
				continue
			}
			if f.Bytes > MaxEntryBytes {
				return nil, a.errf("the manifest lists %s at %d bytes, more than the %d a reader takes", safetext.Text(f.Path), f.Bytes, MaxEntryBytes)
			}
			a.listed[f.Path] = f
			// Each entry costs a header (512 bytes, and the PAX
			// records of a long name) and the padding to 512.
			total += f.Bytes + 3*512
		}
	}
	if total > maxListedBytes {
		return nil, a.errf("the manifest lists %d bytes in all, more than the %d a reader takes", total, int64(maxListedBytes))
	}
	a.budget = total + 64<<10
	return a, nil
}

// errf makes an error of this archive wrapping ErrArchive.
func (a *Archive) errf(format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", a.Name, ErrArchive, fmt.Sprintf(format, args...))
}

// Listed returns the manifest's record of an entry in the archive, and
// whether it lists one (a file it lists as left out is not in the
// archive, and not Listed).
func (a *Archive) Listed(path string) (File, bool) {
	f, ok := a.listed[path]
	return f, ok
}

// ReadEntries reads the named entries in one pass over the archive,
// stopping after the last of them, and checks each against the manifest:
// its size before its bytes are read, then its SHA-256. Every entry
// passed on the way must be a regular file the manifest lists, met once.
// A name the manifest does not list in the archive, or that the archive
// lacks, is an error.
func (a *Archive) ReadEntries(names ...string) (map[string][]byte, error) {
	want := map[string]bool{}
	for _, n := range names {
		if _, ok := a.listed[n]; !ok {
			return nil, fmt.Errorf("%s: the manifest lists no entry %s in the archive", a.Name, safetext.Text(n))
		}
		want[n] = true
	}
	out := map[string][]byte{}
	err := a.pass(func(e *archiveEntry, f File, listed bool) (bool, error) {
		if !listed || !want[e.name] {
			return true, nil
		}
		data, err := readChecked(e, f)
		if err != nil {
			return false, a.errf("%v", err)
		}
		out[e.name] = data
		delete(want, e.name)
		return len(want) > 0, nil
	})
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if want[n] {
			return nil, a.errf("%s is listed in the manifest but not in the archive", safetext.Text(n))
		}
	}
	return out, nil
}

// ReadEntry is ReadEntries of one entry.
func (a *Archive) ReadEntry(name string) ([]byte, error) {
	m, err := a.ReadEntries(name)
	return m[name], err
}

// EntryCheck is what Verify found of one file the manifest lists, or of
// a fixed entry.
type EntryCheck struct {
	Collector string // "" for a fixed entry
	File      File   // a fixed entry's has its path and the size found
	// Fixed marks a fixed entry (summary.txt, README.txt, version.json,
	// gonetstat.log): not in the manifest, no digest to check.
	Fixed bool
	// Problem is "" when the entry is in the archive with the listed
	// size and SHA-256 (a fixed entry: when it is there), or, for a
	// file listed as left out, absent from it; else what is wrong,
	// naming the entry.
	Problem string
}

// Verify reads the whole archive and checks every entry against the
// manifest: each listed file is there once, a regular file of its size
// and SHA-256, the fixed entries are there, and nothing else is. It
// returns one EntryCheck per file the manifest lists, in manifest order,
// then one per fixed entry, and an error when the archive cannot be read
// to its end (a name outside the layout, a link, an entry the manifest
// does not list, one met twice, more decompressed bytes than the
// manifest accounts for). A file whose size or digest differs, or that
// is missing, is a Problem, not an error: the rest is still checked.
func (a *Archive) Verify() ([]EntryCheck, error) {
	problem := map[string]string{}
	seen := map[string]int64{}
	err := a.pass(func(e *archiveEntry, f File, listed bool) (bool, error) {
		seen[e.name] = e.size
		if !listed {
			return true, nil
		}
		if _, err := readChecked(e, f); err != nil {
			problem[e.name] = err.Error()
		}
		return true, nil
	})
	var checks []EntryCheck
	for _, c := range a.Manifest.Collectors {
		for _, f := range c.Files {
			ec := EntryCheck{Collector: c.Name, File: f, Problem: problem[f.Path]}
			_, inArchive := a.listed[f.Path]
			if _, met := seen[f.Path]; inArchive && !met && err == nil {
				ec.Problem = safetext.Text(f.Path) + " is listed in the manifest but not in the archive"
			}
			checks = append(checks, ec)
		}
	}
	for _, name := range fixedEntries {
		size, in := seen[name]
		ec := EntryCheck{File: File{Path: name, Bytes: size}, Fixed: true}
		if !in && err == nil {
			ec.Problem = name + " is missing from the archive (every bundle holds it)"
		}
		checks = append(checks, ec)
	}
	return checks, err
}

// Verify reads the archive of size bytes in ra through and checks it
// against its manifest (Archive.Verify): nil when every entry is there,
// once, of its listed size and SHA-256, and nothing else is. It is what
// a bundle run checks before it says the bundle was written.
func Verify(ra io.ReaderAt, size int64) error {
	a, err := OpenReader(ra, size, "the archive")
	if err != nil {
		return err
	}
	checks, err := a.Verify()
	if err != nil {
		return err
	}
	for _, c := range checks {
		if c.Problem != "" {
			return a.errf("%s", c.Problem)
		}
	}
	return nil
}

// pass walks the archive from its start, after the manifest, checking
// each entry's name, type and uniqueness and that the manifest lists it
// (or that it is a fixed entry, within its bound) before handing it to f
// with its record and whether it is listed; f returns whether to go on.
// An entry that fails a check ends the pass with an error. An entry f
// does not read is skipped, its bytes decompressed within the budget.
func (a *Archive) pass(f func(e *archiveEntry, rec File, listed bool) (bool, error)) error {
	w, err := a.walk()
	if err != nil {
		return err
	}
	defer w.close()
	seen := map[string]bool{}
	for i := 0; ; i++ {
		e, err := w.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if i == 0 {
			continue // the manifest, checked by OpenReader
		}
		if err := CheckEntryName(e.name); err != nil {
			return a.errf("entry %d: %v", i, err)
		}
		if err := e.regular(); err != nil {
			return a.errf("%s: %v", safetext.Text(e.name), err)
		}
		if seen[e.name] || e.name == ManifestPath {
			return a.errf("%s is in the archive twice", safetext.Text(e.name))
		}
		seen[e.name] = true
		rec, listed := a.listed[e.name]
		switch {
		case !listed && !isFixed(e.name):
			return a.errf("%s is in the archive but not in the manifest", safetext.Text(e.name))
		case !listed && e.size > a.fixedCap:
			return a.errf("%s is %d bytes, more than the %d a file of this bundle may be", e.name, e.size, a.fixedCap)
		case !listed:
			w.allow(e.size)
		}
		more, err := f(e, rec, listed)
		if err != nil || !more {
			return err
		}
	}
}

// readChecked reads an entry and checks it against its record: the size
// its header declares before reading, then, reading at most one byte past
// that size, the size it holds and its SHA-256.
func readChecked(e *archiveEntry, f File) ([]byte, error) {
	if e.size != f.Bytes {
		return nil, fmt.Errorf("%s is %d bytes in the archive, %d in the manifest", safetext.Text(e.name), e.size, f.Bytes)
	}
	body, err := e.open()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", safetext.Text(e.name), err)
	}
	// Grown as the bytes come, not to the size listed: a few bytes of
	// archive may claim 256 MiB and hold nothing.
	var buf bytes.Buffer
	buf.Grow(int(min(f.Bytes, 1<<20)))
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(&buf, h), io.LimitReader(body, f.Bytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", safetext.Text(e.name), err)
	}
	if n != f.Bytes {
		return nil, fmt.Errorf("%s holds %d bytes, %d listed", safetext.Text(e.name), n, f.Bytes)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != f.SHA256 {
		return nil, fmt.Errorf("%s: sha256 %s, %s listed", safetext.Text(e.name), sum, f.SHA256)
	}
	return buf.Bytes(), nil
}

// archiveEntry is one entry met in a pass.
type archiveEntry struct {
	name string
	size int64
	kind string // "" for a regular file, else what it is ("a symbolic link")
	open func() (io.Reader, error)
}

// regular returns an error unless the entry is a regular file: a bundle
// holds no directories, links or devices, and a reader follows none.
func (e *archiveEntry) regular() error {
	if e.kind != "" {
		return fmt.Errorf("%s, where a bundle holds only regular files", e.kind)
	}
	if e.size < 0 {
		return fmt.Errorf("negative size %d", e.size)
	}
	return nil
}

// archiveWalker yields the entries of one pass in archive order.
type archiveWalker interface {
	next() (*archiveEntry, error)
	// allow adds n bytes to what the pass may decompress: a fixed
	// entry's, which the manifest does not list.
	allow(n int64)
	close()
}

// walk starts a pass over the archive from its first entry.
func (a *Archive) walk() (archiveWalker, error) {
	if a.Format == Zip {
		return a.walkZip()
	}
	return a.walkTar()
}

// budgetReader counts the bytes a pass decompresses and fails past the
// budget: a gzip bomb, or headers the manifest does not account for,
// end the pass instead of the machine's memory or time.
type budgetReader struct {
	r    io.Reader
	left int64
	name string
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, fmt.Errorf("%s: %w: it decompresses to more than its manifest accounts for", b.name, ErrArchive)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

type tarWalker struct {
	a      *Archive
	gz     *gzip.Reader
	budget *budgetReader
	tr     *tar.Reader
}

func (a *Archive) walkTar() (archiveWalker, error) {
	gz, err := gzip.NewReader(io.NewSectionReader(a.r, 0, a.size))
	if err != nil {
		return nil, a.errf("gzip: %v", err)
	}
	w := &tarWalker{a: a, gz: gz, budget: &budgetReader{r: gz, left: a.budget, name: a.Name}}
	w.tr = tar.NewReader(w.budget)
	return w, nil
}

func (w *tarWalker) next() (*archiveEntry, error) {
	h, err := w.tr.Next()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
		// ErrInsecurePath (GODEBUG=tarinsecurepath=0) comes with the
		// header: CheckEntryName says what is wrong with the name.
		if errors.Is(err, ErrArchive) {
			return nil, err
		}
		return nil, w.a.errf("tar: %v", err)
	}
	e := &archiveEntry{name: h.Name, size: h.Size, open: func() (io.Reader, error) { return w.tr, nil }}
	switch h.Typeflag {
	case tar.TypeReg: // the reader turns the old TypeRegA into TypeReg
	case tar.TypeSymlink:
		e.kind = "a symbolic link to " + safetext.Text(h.Linkname)
	case tar.TypeLink:
		e.kind = "a hard link to " + safetext.Text(h.Linkname)
	case tar.TypeDir:
		e.kind = "a directory"
	default:
		e.kind = fmt.Sprintf("an entry of tar type %q", h.Typeflag)
	}
	return e, nil
}

func (w *tarWalker) allow(n int64) { w.budget.left += n }

func (w *tarWalker) close() { w.gz.Close() }

type zipWalker struct {
	a     *Archive
	files []*zip.File
	i     int
	left  int64 // the pass's budget, shared by its entries
}

func (a *Archive) walkZip() (archiveWalker, error) {
	zr, err := zip.NewReader(a.r, a.size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, a.errf("zip: %v", err)
	}
	// Archive order: by where each entry's data starts, the order a
	// writer streamed them in (the central directory may list them in
	// another).
	files := append([]*zip.File(nil), zr.File...)
	sort.SliceStable(files, func(i, j int) bool {
		oi, _ := files[i].DataOffset()
		oj, _ := files[j].DataOffset()
		return oi < oj
	})
	return &zipWalker{a: a, files: files, left: a.budget}, nil
}

func (w *zipWalker) next() (*archiveEntry, error) {
	if w.i == len(w.files) {
		return nil, io.EOF
	}
	f := w.files[w.i]
	w.i++
	size := int64(f.UncompressedSize64)
	if f.UncompressedSize64 > 1<<62 {
		size = -1
	}
	e := &archiveEntry{name: f.Name, size: size}
	switch mode := f.Mode(); {
	case mode&fs.ModeSymlink != 0:
		e.kind = "a symbolic link"
	case mode.IsDir():
		e.kind = "a directory"
	case !mode.IsRegular():
		e.kind = "an entry of mode " + mode.String()
	}
	e.open = func() (io.Reader, error) {
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		// archive/zip stops at the declared size and checks the
		// CRC; the budget bounds the pass as for tar.
		br := &budgetReader{r: rc, left: w.left, name: w.a.Name}
		return readerFunc(func(p []byte) (int, error) {
			n, err := br.Read(p)
			w.left = br.left
			return n, err
		}), nil
	}
	return e, nil
}

func (w *zipWalker) allow(n int64) { w.left += n }

func (w *zipWalker) close() {}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
