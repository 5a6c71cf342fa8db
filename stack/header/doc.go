// Package header holds the wire formats of the mini-stack: Ethernet, ARP,
// IPv4, ICMPv4, UDP and TCP (with its options), and the Internet checksum.
//
// It is the leaf of the stack, as in gVisor's pkg/tcpip/header: every
// other layer imports it, it imports none of them. A header is a byte-slice
// view over a received frame, validated once by its Parse function — which
// checks every length before any accessor indexes — so accessors never
// fail and never copy. Encode functions write headers into caller-owned
// buffers, so the send path allocates nothing.
//
// References: IEEE 802.3 (Ethernet II), RFC 826 (ARP), RFC 791 (IPv4),
// RFC 792 (ICMP), RFC 768 (UDP), RFC 9293 (TCP), RFC 1071 (checksum),
// RFC 7323 (window scale, timestamps), RFC 2018 (SACK), RFC 6691 (MSS).
package header
