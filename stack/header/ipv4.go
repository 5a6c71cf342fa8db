// ipv4.go is the IPv4 header (RFC 791 §3.1).

package header

import (
	"encoding/binary"
	"net/netip"
)

// IPv4MinLen is the length of a header without options.
const IPv4MinLen = 20

// IP protocol numbers.
const (
	ProtoICMP uint8 = 1
	ProtoTCP  uint8 = 6
	ProtoUDP  uint8 = 17
)

// IPv4 flag bits, in the flags/fragment-offset word.
const (
	IPv4DontFragment  = 0x4000
	IPv4MoreFragments = 0x2000
	ipv4OffsetMask    = 0x1fff
)

// IPv4 is a view of one IPv4 datagram, header and payload, cut to its
// total length (an Ethernet frame may carry padding after it).
type IPv4 []byte

// ParseIPv4 checks version, header length and total length against b.
// The header checksum is checked separately (ChecksumValid) so that the
// stack can count a bad checksum apart from a truncated packet.
func ParseIPv4(b []byte) (IPv4, error) {
	if len(b) < IPv4MinLen {
		return nil, perr("ipv4", "%d bytes, want at least %d", len(b), IPv4MinLen)
	}
	if v := b[0] >> 4; v != 4 {
		return nil, perr("ipv4", "version %d", v)
	}
	hl := int(b[0]&0xf) * 4
	if hl < IPv4MinLen || hl > len(b) {
		return nil, perr("ipv4", "header length %d of %d bytes", hl, len(b))
	}
	total := int(binary.BigEndian.Uint16(b[2:]))
	if total < hl || total > len(b) {
		return nil, perr("ipv4", "total length %d, header %d, have %d", total, hl, len(b))
	}
	return IPv4(b[:total]), nil
}

func (h IPv4) HeaderLen() int      { return int(h[0]&0xf) * 4 }
func (h IPv4) TOS() uint8          { return h[1] }
func (h IPv4) TotalLen() uint16    { return binary.BigEndian.Uint16(h[2:]) }
func (h IPv4) ID() uint16          { return binary.BigEndian.Uint16(h[4:]) }
func (h IPv4) Flags() uint16       { return binary.BigEndian.Uint16(h[6:]) &^ ipv4OffsetMask }
func (h IPv4) MoreFragments() bool { return h.Flags()&IPv4MoreFragments != 0 }
func (h IPv4) DontFragment() bool  { return h.Flags()&IPv4DontFragment != 0 }
func (h IPv4) FragmentOffset() int { return int(binary.BigEndian.Uint16(h[6:])&ipv4OffsetMask) * 8 }
func (h IPv4) IsFragment() bool    { return h.MoreFragments() || h.FragmentOffset() != 0 }
func (h IPv4) TTL() uint8          { return h[8] }
func (h IPv4) Protocol() uint8     { return h[9] }
func (h IPv4) Checksum() uint16    { return binary.BigEndian.Uint16(h[10:]) }
func (h IPv4) Src() netip.Addr     { return netip.AddrFrom4([4]byte(h[12:16])) }
func (h IPv4) Dst() netip.Addr     { return netip.AddrFrom4([4]byte(h[16:20])) }
func (h IPv4) Options() []byte     { return h[IPv4MinLen:h.HeaderLen()] }
func (h IPv4) Payload() []byte     { return h[h.HeaderLen():] }
func (h IPv4) ChecksumValid() bool { return Checksum(h[:h.HeaderLen()], 0) == 0 }

// IPv4Fields are the values of a header to encode (no options).
type IPv4Fields struct {
	TOS        uint8
	TotalLen   uint16
	ID         uint16
	Flags      uint16 // IPv4DontFragment, IPv4MoreFragments
	FragOffset int    // bytes, a multiple of 8
	TTL        uint8
	Protocol   uint8
	Src, Dst   netip.Addr
}

// EncodeIPv4 writes a 20-byte header with its checksum into b.
func EncodeIPv4(b []byte, f IPv4Fields) {
	b[0] = 4<<4 | IPv4MinLen/4
	b[1] = f.TOS
	binary.BigEndian.PutUint16(b[2:], f.TotalLen)
	binary.BigEndian.PutUint16(b[4:], f.ID)
	binary.BigEndian.PutUint16(b[6:], f.Flags&^ipv4OffsetMask|uint16(f.FragOffset/8)&ipv4OffsetMask)
	b[8] = f.TTL
	b[9] = f.Protocol
	b[10], b[11] = 0, 0
	s, d := f.Src.As4(), f.Dst.As4()
	copy(b[12:16], s[:])
	copy(b[16:20], d[:])
	binary.BigEndian.PutUint16(b[10:], Checksum(b[:IPv4MinLen], 0))
}
