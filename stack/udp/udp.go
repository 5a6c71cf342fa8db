// Package udp is the mini-stack's User Datagram Protocol (RFC 768, RFC
// 1122 §4.1): endpoints bound to ports, demultiplexing, a receive queue
// whose memory comes from the stack's budget, and ICMP errors delivered to
// connected endpoints as ECONNREFUSED, as Linux does.
package udp

import (
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/header"
)

// MaxPayload is the largest datagram payload over IPv4 (65535 - 20 - 8).
const MaxPayload = 65507

// Protocol is UDP registered into one stack.
//
// Lock order: Protocol.mu, then Endpoint.mu.
type Protocol struct {
	stack *core.Stack
	ids   *atomic.Uint64

	mu        sync.Mutex
	ports     map[uint16][]*Endpoint
	ephemeral core.Ephemeral
}

// New registers UDP into s. ids numbers endpoints; the socket layer shares
// one counter among protocols so that IDs are never reused.
func New(s *core.Stack, ids *atomic.Uint64) *Protocol {
	p := &Protocol{stack: s, ids: ids, ports: map[uint16][]*Endpoint{}, ephemeral: core.NewEphemeral()}
	s.RegisterTransport(header.ProtoUDP, p)
	return p
}

// HandleIPv4 delivers a received datagram to the endpoint it is for, or
// answers port unreachable.
func (p *Protocol) HandleIPv4(nic *core.NIC, ip header.IPv4) {
	c := &p.stack.Counters
	u, err := header.ParseUDP(ip.Payload())
	if err != nil || !u.ChecksumValid(ip.Src(), ip.Dst()) {
		c.UDPInErrors.Add(1)
		return
	}
	from := netip.AddrPortFrom(ip.Src(), u.SrcPort())
	ep := p.lookup(ip.Dst(), u.DstPort(), from)
	if ep == nil {
		// RFC 1122 §3.2.2: no ICMP error about a datagram to a broadcast
		// or multicast address; Linux counts it as IgnoredMulti
		// (__udp4_lib_mcast_deliver), not NoPorts.
		if dst := ip.Dst(); dst.IsMulticast() || p.stack.IsBroadcast(dst) {
			c.UDPIgnoredMulti.Add(1)
			return
		}
		c.UDPNoPorts.Add(1)
		// RFC 1122 §4.1.3.1: port unreachable.
		p.stack.SendICMPError(nic, ip, header.ICMPDestUnreach, header.ICMPCodePortUnreach)
		return
	}
	if !ep.enqueue(u.Payload(), from) {
		c.UDPRcvbufErrors.Add(1)
		c.UDPInErrors.Add(1)
	}
}

// lookup finds the best endpoint for a datagram: a connected one whose
// peer matches, then one bound to the address, then a wildcard one.
func (p *Protocol) lookup(dst netip.Addr, port uint16, from netip.AddrPort) *Endpoint {
	p.mu.Lock()
	defer p.mu.Unlock()
	var best *Endpoint
	bestScore := -1
	for _, ep := range p.ports[port] {
		ep.mu.Lock()
		local, remote := ep.local.Addr(), ep.remote
		ep.mu.Unlock()
		score := 0
		if remote.IsValid() {
			if remote != from {
				continue
			}
			score += 2
		}
		if local.IsValid() && !local.IsUnspecified() {
			if local != dst {
				continue
			}
			score++
		}
		if score > bestScore {
			best, bestScore = ep, score
		}
	}
	return best
}

// HandleICMPError hands an ICMP error about a datagram we sent to the
// connected endpoint that sent it (unconnected ones cannot tell, as on
// Linux without IP_RECVERR). The quoted UDP header carries nothing the
// four-tuple did not already match.
func (p *Protocol) HandleICMPError(typ, code uint8, local, remote netip.AddrPort, mtu uint16, _ []byte) {
	p.mu.Lock()
	var target *Endpoint
	for _, ep := range p.ports[local.Port()] {
		ep.mu.Lock()
		if ep.remote == remote {
			target = ep
		}
		ep.mu.Unlock()
	}
	p.mu.Unlock()
	if target == nil {
		return
	}
	err := syscall.EHOSTUNREACH
	switch {
	case typ == header.ICMPDestUnreach && (code == header.ICMPCodePortUnreach || code == 2):
		err = syscall.ECONNREFUSED
	case typ == header.ICMPDestUnreach && code == header.ICMPCodeFragNeeded:
		err = syscall.EMSGSIZE
	case typ == header.ICMPTimeExceeded:
		err = syscall.EHOSTUNREACH
	}
	target.setError(err)
}

// bind reserves a local address for ep; port 0 picks an ephemeral port.
func (p *Protocol) bind(ep *Endpoint, addr netip.AddrPort) (netip.AddrPort, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.stack.BindAddr(addr.Addr())
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("udp: bind %v: %w", addr, syscall.EADDRNOTAVAIL)
	}
	port := addr.Port()
	if port == 0 {
		port = p.ephemeral.Pick(func(cand uint16) bool { return !p.inUseLocked(a, cand) })
		if port == 0 {
			return netip.AddrPort{}, fmt.Errorf("udp: no free ephemeral port: %w", syscall.EADDRINUSE)
		}
	} else if p.inUseLocked(a, port) {
		return netip.AddrPort{}, fmt.Errorf("udp: bind %v: %w", netip.AddrPortFrom(a, port), syscall.EADDRINUSE)
	}
	p.ports[port] = append(p.ports[port], ep)
	return netip.AddrPortFrom(a, port), nil
}

// inUseLocked reports whether a bind to a:port would overlap an existing
// one (the same address, or either is the wildcard).
func (p *Protocol) inUseLocked(a netip.Addr, port uint16) bool {
	for _, ep := range p.ports[port] {
		ep.mu.Lock()
		b := ep.local.Addr()
		ep.mu.Unlock()
		if a.IsUnspecified() || b.IsUnspecified() || a == b {
			return true
		}
	}
	return false
}

func (p *Protocol) unbind(ep *Endpoint, port uint16) {
	p.mu.Lock()
	defer p.mu.Unlock()
	eps := p.ports[port]
	for i, e := range eps {
		if e == ep {
			p.ports[port] = append(eps[:i:i], eps[i+1:]...)
			break
		}
	}
	if len(p.ports[port]) == 0 {
		delete(p.ports, port)
	}
}
