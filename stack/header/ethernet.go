// ethernet.go is the Ethernet II frame header (IEEE 802.3 with EtherType).

package header

import (
	"encoding/binary"
	"net"
)

// EthernetLen is the length of an Ethernet II header (no 802.1Q tag).
const EthernetLen = 14

// EtherTypes the stack handles.
const (
	EtherTypeIPv4 uint16 = 0x0800
	EtherTypeARP  uint16 = 0x0806
)

// MAC is a link-layer address.
type MAC [6]byte

// Broadcast is ff:ff:ff:ff:ff:ff.
var Broadcast = MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

func (m MAC) String() string { return net.HardwareAddr(m[:]).String() }

// Ethernet is a view of an Ethernet II frame.
type Ethernet []byte

// ParseEthernet validates that b holds a whole header.
func ParseEthernet(b []byte) (Ethernet, error) {
	if len(b) < EthernetLen {
		return nil, perr("ethernet", "%d bytes, want at least %d", len(b), EthernetLen)
	}
	return Ethernet(b), nil
}

func (e Ethernet) Dst() MAC        { return MAC(e[0:6]) }
func (e Ethernet) Src() MAC        { return MAC(e[6:12]) }
func (e Ethernet) Type() uint16    { return binary.BigEndian.Uint16(e[12:]) }
func (e Ethernet) Payload() []byte { return e[EthernetLen:] }

// EncodeEthernet writes a header into b[:EthernetLen].
func EncodeEthernet(b []byte, dst, src MAC, etherType uint16) {
	copy(b[0:6], dst[:])
	copy(b[6:12], src[:])
	binary.BigEndian.PutUint16(b[12:], etherType)
}
