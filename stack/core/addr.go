// addr.go holds the address helpers protocols share: the ephemeral port
// range and its round-robin picker, the check of a bind address, the
// broadcast addresses, and the sources no datagram may come from.

package core

import (
	"math/rand/v2"
	"net/netip"
)

// The ephemeral port range, as Linux's net.ipv4.ip_local_port_range.
const (
	EphemeralFirst = 32768
	EphemeralLast  = 60999
)

// Ephemeral hands out ephemeral ports round robin, from a random start so
// that two runs do not reuse the same ports. The caller serializes use.
type Ephemeral struct{ next uint16 }

// NewEphemeral starts at a random port of the range.
func NewEphemeral() Ephemeral {
	return Ephemeral{next: uint16(EphemeralFirst + rand.IntN(EphemeralLast-EphemeralFirst+1))}
}

// Pick returns the next port free accepts, or 0 when none in the range is.
func (e *Ephemeral) Pick(free func(port uint16) bool) uint16 {
	for i := 0; i <= EphemeralLast-EphemeralFirst; i++ {
		cand := e.next
		e.next++
		if e.next > EphemeralLast || e.next < EphemeralFirst {
			e.next = EphemeralFirst
		}
		if free(cand) {
			return cand
		}
	}
	return 0
}

// BindAddr checks a local address to bind: zero means the unspecified
// address; otherwise it must be one of the stack's.
func (s *Stack) BindAddr(a netip.Addr) (netip.Addr, bool) {
	if !a.IsValid() {
		return netip.IPv4Unspecified(), true
	}
	return a, a.IsUnspecified() || s.IsLocal(a)
}

// IsSubnetBroadcast reports whether a is the directed broadcast address of
// prefix p (all host bits set); /31 and /32 have none (RFC 3021).
func IsSubnetBroadcast(p netip.Prefix, a netip.Addr) bool {
	if !p.Contains(a) || p.Bits() >= 31 {
		return false
	}
	b := p.Masked().Addr().As4()
	for i := p.Bits(); i < 32; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	return netip.AddrFrom4(b) == a
}

// LimitedBroadcast is 255.255.255.255 (RFC 919 §7, RFC 1122 §3.2.1.3).
var LimitedBroadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// IsBroadcast reports whether a is the limited broadcast address or the
// directed broadcast address of one of the stack's subnets.
func (s *Stack) IsBroadcast(a netip.Addr) bool {
	if a == LimitedBroadcast {
		return true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, n := range s.nics {
		if IsSubnetBroadcast(n.addr, a) {
			return true
		}
	}
	return false
}

// IsMartianSource reports whether a datagram received from a network with
// source a must be dropped: RFC 1122 §3.2.1.3 says a host silently
// discards a datagram whose source is "this network" (0/8), loopback
// (127/8), a broadcast or a multicast address. Linux's
// ip_route_input_slow drops the same as "martian source", and also one
// from an address of the host itself (fib_validate_source finds a local
// route for it): no other host may use it, and a datagram from our own
// address to our own port (the LAND attack) would make a service answer
// itself for ever through the loopback.
func (s *Stack) IsMartianSource(a netip.Addr) bool {
	if !a.Is4() || a.As4()[0] == 0 || a.IsLoopback() || a.IsMulticast() || a == LimitedBroadcast {
		return true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, n := range s.nics {
		if n.addr.Addr() == a || IsSubnetBroadcast(n.addr, a) {
			return true
		}
	}
	return false
}
