// icmp.go is the ICMPv4 message (RFC 792).

package header

import "encoding/binary"

// ICMPv4MinLen is the fixed part of every ICMPv4 message.
const ICMPv4MinLen = 8

// ICMPv4 types and codes the stack sends or understands.
const (
	ICMPEchoReply       uint8 = 0
	ICMPDestUnreach     uint8 = 3
	ICMPEchoRequest     uint8 = 8
	ICMPTimeExceeded    uint8 = 11
	ICMPParamProblem    uint8 = 12
	ICMPCodePortUnreach uint8 = 3 // with ICMPDestUnreach
	ICMPCodeFragNeeded  uint8 = 4 // with ICMPDestUnreach: the next-hop MTU is in bytes 6-7
)

// ICMPv4 is a view of an ICMPv4 message.
type ICMPv4 []byte

// ParseICMPv4 checks the fixed part is present.
func ParseICMPv4(b []byte) (ICMPv4, error) {
	if len(b) < ICMPv4MinLen {
		return nil, perr("icmpv4", "%d bytes, want at least %d", len(b), ICMPv4MinLen)
	}
	return ICMPv4(b), nil
}

func (m ICMPv4) Type() uint8         { return m[0] }
func (m ICMPv4) Code() uint8         { return m[1] }
func (m ICMPv4) Checksum() uint16    { return binary.BigEndian.Uint16(m[2:]) }
func (m ICMPv4) ID() uint16          { return binary.BigEndian.Uint16(m[4:]) } // echo
func (m ICMPv4) Seq() uint16         { return binary.BigEndian.Uint16(m[6:]) } // echo
func (m ICMPv4) MTU() uint16         { return binary.BigEndian.Uint16(m[6:]) } // fragmentation needed
func (m ICMPv4) Payload() []byte     { return m[ICMPv4MinLen:] }
func (m ICMPv4) ChecksumValid() bool { return Checksum(m, 0) == 0 }

// EncodeICMPv4 writes the fixed part into b[:8] and the checksum over all
// of b, which must already hold the payload after it.
func EncodeICMPv4(b []byte, typ, code uint8, rest uint32) {
	b[0], b[1] = typ, code
	b[2], b[3] = 0, 0
	binary.BigEndian.PutUint32(b[4:], rest)
	binary.BigEndian.PutUint16(b[2:], Checksum(b, 0))
}
