// stage.go holds the files collectors write, staged in the run's private
// directory until the archive is made: the per-file cap (a text keeps its
// tail, a table is never cut but left out), the free-text scrubbing, and
// each file's size and SHA-256 for the manifest.

package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// cutPolicy says what the per-file cap does to a file.
type cutPolicy uint8

const (
	// cutTail keeps the last max bytes (from a line start) of a text:
	// the end of a log or of a command's output is what explains it.
	cutTail cutPolicy = iota
	// cutOmit leaves a file over the cap out whole: a table (sockets, a
	// JSON document, a raw /proc/net file) cut anywhere would read as a
	// smaller table. The manifest keeps its rows and marks it truncated.
	cutOmit
)

// errFileClosed is what a collector gets for writing after its file was
// closed: its deadline passed and the run went on without it.
var errFileClosed = errors.New("the file was closed: the collector's deadline passed")

// staged is one file a collector writes. It is an io.Writer; every method
// is safe for concurrent use, since a collector cut off by its deadline
// may still be writing while the run closes its files.
type staged struct {
	File        // what the manifest says; filled by finish
	tmp  string // its path in the staging directory
	cut  cutPolicy
	text bool // free-form text: scrubbed of secrets (and pseudonyms) by finish
	max  int64

	mu      sync.Mutex
	f       *os.File
	written int64 // bytes the collector wrote
	dropped int64 // bytes cutTail dropped from the head
	over    bool  // cutOmit: the file passed the cap; the rest is counted, not written
	closed  bool
	err     error // the first write error
}

func (s *staged) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, errFileClosed
	}
	if s.err != nil {
		return 0, s.err
	}
	s.written += int64(len(p))
	if s.over {
		return len(p), nil
	}
	if s.cut == cutOmit && s.written > s.max {
		s.over = true
		return len(p), nil
	}
	if _, err := s.f.Write(p); err != nil {
		s.err = err
		return 0, err
	}
	// A text keeps at most twice the cap on disk: then its last max
	// bytes are kept and the rest dropped, so a runaway command cannot
	// fill the disk.
	if s.cut == cutTail && s.written-s.dropped > 2*s.max {
		if err := s.keepTail(); err != nil {
			s.err = err
			return 0, err
		}
	}
	return len(p), nil
}

// keepTail rewrites the file to its last max bytes.
func (s *staged) keepTail() error {
	size := s.written - s.dropped
	if size <= s.max {
		return nil
	}
	tail := make([]byte, s.max)
	if _, err := s.f.ReadAt(tail, size-s.max); err != nil {
		return err
	}
	if err := s.f.Truncate(0); err != nil {
		return err
	}
	if _, err := s.f.WriteAt(tail, 0); err != nil {
		return err
	}
	if _, err := s.f.Seek(s.max, io.SeekStart); err != nil {
		return err
	}
	s.dropped += size - s.max
	return nil
}

// markOver records that the file's contents, n bytes, are over the cap
// without writing them (a cutOmit file read whole elsewhere).
func (s *staged) markOver(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.written, s.over = n, true
}

// close ends writing; later writes fail with errFileClosed.
func (s *staged) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return errors.Join(s.err, s.f.Close())
}

// finish applies the cap and, for free text, the scrubbing, then sets
// Bytes and SHA256 (or Omitted). It returns the number of secrets
// scrubbed and whether the file had to be left out because it could not
// be scrubbed. The file must be closed.
func (s *staged) finish(scrub func([]byte) ([]byte, int, error)) (secrets int, failed bool, err error) {
	if s.Omitted != "" {
		return 0, false, nil // left out already, by its collector
	}
	if s.err != nil {
		return 0, false, s.err
	}
	if s.over {
		s.omit(fmt.Sprintf("larger than the per-file cap of %s (at least %s)", sizeText(s.max), sizeText(s.written)))
		s.Truncated = true
		return 0, false, nil
	}
	data, err := os.ReadFile(s.tmp)
	if err != nil {
		return 0, false, err
	}
	if s.cut == cutTail && int64(len(data)) > s.max {
		s.dropped += int64(len(data)) - s.max
		data = data[int64(len(data))-s.max:]
	}
	if s.dropped > 0 {
		// Start at a whole line, and say what is missing.
		if i := bytes.IndexByte(data, '\n'); i >= 0 && i < len(data)-1 {
			s.dropped += int64(i + 1)
			data = data[i+1:]
		}
		head := fmt.Sprintf("[gonetstat: the first %s of this file were left out: it was larger than the per-file cap of %s]\n",
			sizeText(s.dropped), sizeText(s.max))
		data = append([]byte(head), data...)
		s.Truncated = true
	}
	if s.text && scrub != nil {
		clean, n, err := scrub(data)
		if err != nil {
			s.omit("could not be scrubbed: " + err.Error())
			return 0, true, nil
		}
		secrets = n
		if n > 0 {
			s.Redacted = appendOnce(s.Redacted, "secrets")
		}
		data = clean
	}
	if err := os.WriteFile(s.tmp, data, 0o600); err != nil {
		return 0, false, err
	}
	sum := sha256.Sum256(data)
	s.Bytes, s.SHA256 = int64(len(data)), hex.EncodeToString(sum[:])
	return secrets, false, nil
}

// omit leaves the file out of the archive, saying why.
func (s *staged) omit(why string) {
	s.Omitted, s.Bytes, s.SHA256 = why, 0, ""
	os.Remove(s.tmp)
}

func appendOnce(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// sizeText prints a byte count for a person: 512 B, 41.0 KiB, 25.0 MiB.
func sizeText(n int64) string {
	switch {
	case n < 1<<10:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	case n < 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	}
	return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GiB"
}

// newStaged creates the staging file of entry path under dir.
func newStaged(dir, path string, n int, max int64) (*staged, error) {
	tmp := filepath.Join(dir, strconv.Itoa(n))
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	return &staged{File: File{Path: path}, tmp: tmp, f: f, max: max}, nil
}
