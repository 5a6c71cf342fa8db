// checksum.go computes the Internet checksum (RFC 1071) and the IPv4
// pseudo-header sum that TCP and UDP include.

package header

import (
	"encoding/binary"
	"net/netip"
)

// Sum adds b to a running one's-complement sum (RFC 1071 §4.1), as 16-bit
// big-endian words, the last odd byte padded with zero. Carries are kept in
// the upper bits of the uint32 and folded by Checksum.
func Sum(b []byte, initial uint32) uint32 {
	sum := uint64(initial)
	for len(b) >= 8 {
		sum += uint64(binary.BigEndian.Uint32(b)) + uint64(binary.BigEndian.Uint32(b[4:]))
		b = b[8:]
	}
	for len(b) >= 2 {
		sum += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint64(b[0]) << 8
	}
	// Fold 64 -> 32 bits; the value is the same modulo 0xffff.
	for sum > 0xffffffff {
		sum = sum&0xffffffff + sum>>32
	}
	return uint32(sum)
}

// Fold folds a running sum to 16 bits.
func Fold(sum uint32) uint16 {
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}

// Checksum returns the Internet checksum of b plus initial: the one's
// complement of the folded sum. Over data that includes a correct
// checksum field it returns 0.
func Checksum(b []byte, initial uint32) uint16 { return ^Fold(Sum(b, initial)) }

// PseudoHeaderSum is the running sum of the IPv4 pseudo-header that the
// TCP and UDP checksums cover (RFC 9293 §3.1, RFC 768): source, destination,
// zero, protocol, and the transport length.
func PseudoHeaderSum(proto uint8, src, dst netip.Addr, length uint16) uint32 {
	s, d := src.As4(), dst.As4()
	sum := uint32(binary.BigEndian.Uint16(s[0:])) + uint32(binary.BigEndian.Uint16(s[2:]))
	sum += uint32(binary.BigEndian.Uint16(d[0:])) + uint32(binary.BigEndian.Uint16(d[2:]))
	return sum + uint32(proto) + uint32(length)
}
