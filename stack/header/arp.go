// arp.go is the ARP packet for IPv4 over Ethernet (RFC 826).

package header

import (
	"encoding/binary"
	"net/netip"
)

// ARPLen is the length of an Ethernet/IPv4 ARP packet.
const ARPLen = 28

// ARP operations.
const (
	ARPRequest uint16 = 1
	ARPReply   uint16 = 2
)

// ARP is a view of an Ethernet/IPv4 ARP packet.
type ARP []byte

// ParseARP accepts only hardware type Ethernet (1), protocol IPv4
// (0x0800), address lengths 6 and 4 — the only kind RFC 826 gives us to
// answer.
func ParseARP(b []byte) (ARP, error) {
	if len(b) < ARPLen {
		return nil, perr("arp", "%d bytes, want %d", len(b), ARPLen)
	}
	a := ARP(b[:ARPLen])
	if binary.BigEndian.Uint16(a[0:]) != 1 || binary.BigEndian.Uint16(a[2:]) != EtherTypeIPv4 || a[4] != 6 || a[5] != 4 {
		return nil, perr("arp", "not Ethernet/IPv4 (htype %d, ptype %#x, hlen %d, plen %d)",
			binary.BigEndian.Uint16(a[0:]), binary.BigEndian.Uint16(a[2:]), a[4], a[5])
	}
	return a, nil
}

func (a ARP) Op() uint16           { return binary.BigEndian.Uint16(a[6:]) }
func (a ARP) SenderMAC() MAC       { return MAC(a[8:14]) }
func (a ARP) SenderIP() netip.Addr { return netip.AddrFrom4([4]byte(a[14:18])) }
func (a ARP) TargetMAC() MAC       { return MAC(a[18:24]) }
func (a ARP) TargetIP() netip.Addr { return netip.AddrFrom4([4]byte(a[24:28])) }

// EncodeARP writes an ARP packet into b[:ARPLen].
func EncodeARP(b []byte, op uint16, senderMAC MAC, senderIP netip.Addr, targetMAC MAC, targetIP netip.Addr) {
	binary.BigEndian.PutUint16(b[0:], 1)
	binary.BigEndian.PutUint16(b[2:], EtherTypeIPv4)
	b[4], b[5] = 6, 4
	binary.BigEndian.PutUint16(b[6:], op)
	copy(b[8:14], senderMAC[:])
	s := senderIP.As4()
	copy(b[14:18], s[:])
	copy(b[18:24], targetMAC[:])
	t := targetIP.As4()
	copy(b[24:28], t[:])
}
