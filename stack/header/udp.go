// udp.go is the UDP header (RFC 768).

package header

import (
	"encoding/binary"
	"net/netip"
)

// UDPLen is the length of the UDP header.
const UDPLen = 8

// UDP is a view of a UDP datagram cut to its length field.
type UDP []byte

// ParseUDP checks the length field against the bytes the IP layer gave.
func ParseUDP(b []byte) (UDP, error) {
	if len(b) < UDPLen {
		return nil, perr("udp", "%d bytes, want at least %d", len(b), UDPLen)
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	if n < UDPLen || n > len(b) {
		return nil, perr("udp", "length field %d of %d bytes", n, len(b))
	}
	return UDP(b[:n]), nil
}

func (u UDP) SrcPort() uint16  { return binary.BigEndian.Uint16(u[0:]) }
func (u UDP) DstPort() uint16  { return binary.BigEndian.Uint16(u[2:]) }
func (u UDP) Length() uint16   { return binary.BigEndian.Uint16(u[4:]) }
func (u UDP) Checksum() uint16 { return binary.BigEndian.Uint16(u[6:]) }
func (u UDP) Payload() []byte  { return u[UDPLen:] }

// ChecksumValid checks the checksum with the IPv4 pseudo-header; a zero
// checksum means the sender computed none, which IPv4 allows (RFC 768).
func (u UDP) ChecksumValid(src, dst netip.Addr) bool {
	if u.Checksum() == 0 {
		return true
	}
	return Checksum(u, PseudoHeaderSum(ProtoUDP, src, dst, uint16(len(u)))) == 0
}

// EncodeUDP writes the header into b[:8] and the checksum over all of b,
// which must already hold the payload after it.
func EncodeUDP(b []byte, srcPort, dstPort uint16, src, dst netip.Addr) {
	binary.BigEndian.PutUint16(b[0:], srcPort)
	binary.BigEndian.PutUint16(b[2:], dstPort)
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)))
	b[6], b[7] = 0, 0
	c := Checksum(b, PseudoHeaderSum(ProtoUDP, src, dst, uint16(len(b))))
	if c == 0 {
		c = 0xffff // RFC 768: a computed zero is sent as all ones
	}
	binary.BigEndian.PutUint16(b[6:], c)
}
