// archive.go writes and reads the container of a bundle: a gzip-compressed
// tar file, or a zip file (Windows' default), whose entries are regular
// files of mode 0600 in the order they were added, manifest first.

package bundle

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"
)

// Format is an archive format.
type Format uint8

const (
	TarGz Format = iota // .tar.gz: gzip (RFC 1952) around a POSIX tar
	Zip                 // .zip, deflated entries
)

// DefaultFormat is the format of this system: zip on Windows, which opens
// it without a tool, tar.gz elsewhere.
func DefaultFormat() Format {
	if runtime.GOOS == "windows" {
		return Zip
	}
	return TarGz
}

// Ext is the file name extension of f, with its dot.
func (f Format) Ext() string {
	if f == Zip {
		return ".zip"
	}
	return ".tar.gz"
}

// DetectFormat tells the format from an archive's first bytes: gzip's
// magic 1f 8b (RFC 1952 §2.3.1) or a zip local file header "PK\x03\x04"
// (APPNOTE 4.3.7).
func DetectFormat(head []byte) (Format, error) {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return TarGz, nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return Zip, nil
	}
	return 0, errors.New("not a gonetstat bundle: neither a gzip nor a zip file")
}

// entryMode is the permission of every entry: the bundle describes the
// machine, and whoever unpacks it should not widen that by accident.
const entryMode = 0o600

// archiveWriter adds entries in order.
type archiveWriter interface {
	add(name string, size int64, mod time.Time, r io.Reader) error
	close() error
}

func newArchiveWriter(w io.Writer, f Format) archiveWriter {
	if f == Zip {
		return &zipWriter{zw: zip.NewWriter(w)}
	}
	gz, _ := gzip.NewWriterLevel(w, gzip.DefaultCompression)
	return &tarGzWriter{gz: gz, tw: tar.NewWriter(gz)}
}

type tarGzWriter struct {
	gz *gzip.Writer
	tw *tar.Writer
}

func (t *tarGzWriter) add(name string, size int64, mod time.Time, r io.Reader) error {
	h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: entryMode, ModTime: mod.UTC().Truncate(time.Second)}
	if err := t.tw.WriteHeader(h); err != nil {
		return err
	}
	n, err := io.Copy(t.tw, r)
	if err == nil && n != size {
		err = fmt.Errorf("%s: %d bytes where %d were announced", name, n, size)
	}
	return err
}

func (t *tarGzWriter) close() error {
	return errors.Join(t.tw.Close(), t.gz.Close())
}

type zipWriter struct{ zw *zip.Writer }

func (z *zipWriter) add(name string, size int64, mod time.Time, r io.Reader) error {
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mod.UTC()}
	h.SetMode(entryMode)
	w, err := z.zw.CreateHeader(h)
	if err != nil {
		return err
	}
	n, err := io.Copy(w, r)
	if err == nil && n != size {
		err = fmt.Errorf("%s: %d bytes where %d were announced", name, n, size)
	}
	return err
}

func (z *zipWriter) close() error { return z.zw.Close() }

// walkArchive calls f for each entry of the archive in ra (size bytes), in
// order, with a reader of its contents, and stops at f's first error. A
// tar entry that is not a regular file is an error. It reads at most
// limit bytes of any entry.
func walkArchive(ra io.ReaderAt, size int64, limit int64, f func(name string, size int64, r io.Reader) error) error {
	head := make([]byte, 4)
	if _, err := ra.ReadAt(head, 0); err != nil {
		return fmt.Errorf("reading the archive: %w", err)
	}
	format, err := DetectFormat(head)
	if err != nil {
		return err
	}
	if format == Zip {
		zr, err := zip.NewReader(ra, size)
		if err != nil {
			return err
		}
		for _, e := range zr.File {
			if e.Mode()&^0o777 != 0 {
				return fmt.Errorf("entry %q is not a regular file", e.Name)
			}
			rc, err := e.Open()
			if err != nil {
				return err
			}
			err = f(e.Name, int64(e.UncompressedSize64), io.LimitReader(rc, limit))
			rc.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}
	gz, err := gzip.NewReader(bufio.NewReader(io.NewSectionReader(ra, 0, size)))
	if err != nil {
		return err
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			return fmt.Errorf("entry %q is not a regular file", h.Name)
		}
		if err := f(h.Name, h.Size, io.LimitReader(tr, limit)); err != nil {
			return err
		}
	}
}
