// pattern.go holds the deterministic bytes GET /bytes/N serves, so a
// client can check a body without trusting the server's hash.

package services

import (
	"crypto/sha256"
	"encoding/binary"
	"io"
)

// FillPattern fills p with the pattern bytes at offsets off, off+1, …:
// byte i is byte i%8 (little endian) of splitmix64(i/8). It never repeats
// within any body we serve, so a misplaced segment changes the hash.
func FillPattern(p []byte, off int64) {
	var word [8]byte
	for len(p) > 0 {
		idx := off / 8
		binary.LittleEndian.PutUint64(word[:], splitmix64(uint64(idx)))
		n := copy(p, word[off%8:])
		p = p[n:]
		off += int64(n)
	}
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// PatternReader reads n pattern bytes from offset 0.
type PatternReader struct {
	off, n int64
}

// NewPatternReader returns a reader of the first n pattern bytes.
func NewPatternReader(n int64) *PatternReader { return &PatternReader{n: n} }

func (r *PatternReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	if rem := r.n - r.off; int64(len(p)) > rem {
		p = p[:rem]
	}
	FillPattern(p, r.off)
	r.off += int64(len(p))
	return len(p), nil
}

// PatternSHA256 is the SHA-256 of the first n pattern bytes.
func PatternSHA256(n int64) [32]byte {
	h := sha256.New()
	buf := make([]byte, 64<<10)
	r := NewPatternReader(n)
	io.CopyBuffer(h, r, buf)
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}
