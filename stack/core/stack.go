// stack.go holds the Stack: NICs, routes and protocol registration.

package core

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/link"
)

// FrameHandler handles the frames of one EtherType (ARP, IPv4).
type FrameHandler interface {
	HandleFrame(nic *NIC, eth header.Ethernet)
}

// TransportHandler handles the IPv4 payloads of one IP protocol (ICMP,
// UDP, TCP). The IPv4 layer has checked the header, reassembled
// fragments and counted the packet before calling it.
type TransportHandler interface {
	HandleIPv4(nic *NIC, ip header.IPv4)
}

// IPv4Sender is what the IPv4 protocol offers the protocols above it; it
// is registered into the stack so that ICMP, UDP and TCP need not import
// the ipv4 package.
type IPv4Sender interface {
	// SendIPv4 routes and sends one datagram whose payload is payload,
	// fragmenting it when it exceeds the route's MTU (unless df). It adds
	// one to each of the sent counters once the datagram is routed and
	// before its first frame leaves, so that whoever sees the datagram
	// arrive also sees it counted (see Counters).
	SendIPv4(src, dst netip.Addr, proto uint8, ttl uint8, df bool, payload []byte, sent ...*atomic.Uint64) error
}

// IPv4Resolver sends an IPv4 frame to a next hop on a NIC, resolving the
// next hop's MAC first (ARP registers one).
type IPv4Resolver interface {
	SendIPv4Frame(nic *NIC, nexthop netip.Addr, frame []byte) error
}

// ICMPErrorSender sends ICMP errors about a received datagram (the icmp
// package registers one): port unreachable from UDP, time exceeded from
// IPv4.
type ICMPErrorSender interface {
	SendICMPError(nic *NIC, about header.IPv4, typ, code uint8)
}

// Route sends traffic for Dest through NIC, to Gateway when it is set
// (otherwise directly to the destination on the NIC's network).
type Route struct {
	Dest    netip.Prefix
	Gateway netip.Addr
	NIC     *NIC
}

// Options configure a Stack.
type Options struct {
	Clock        clock.Clock // clock.Real when nil
	MemoryBudget int64       // bytes for all socket buffers; 64 MiB when 0
	Name         string      // the instance name gonetstat shows
}

// Stack is one instance of the mini-stack.
type Stack struct {
	Clock    clock.Clock
	Name     string
	Counters Counters
	Budget   *Budget

	mu         sync.RWMutex
	nics       []*NIC
	routes     []Route // longest prefix first
	frames     map[uint16]FrameHandler
	transports map[uint8]TransportHandler
	ipv4       IPv4Sender
	resolver   IPv4Resolver
	icmpErr    ICMPErrorSender
}

// New returns a stack with no NICs and no protocols.
func New(opt Options) *Stack {
	if opt.Clock == nil {
		opt.Clock = clock.Real{}
	}
	if opt.MemoryBudget == 0 {
		opt.MemoryBudget = 64 << 20
	}
	return &Stack{
		Clock:      opt.Clock,
		Name:       opt.Name,
		Budget:     NewBudget(opt.MemoryBudget),
		frames:     map[uint16]FrameHandler{},
		transports: map[uint8]TransportHandler{},
	}
}

// RegisterFrameHandler routes frames of an EtherType to h.
func (s *Stack) RegisterFrameHandler(etherType uint16, h FrameHandler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.frames[etherType] = h
}

// RegisterTransport routes IPv4 payloads of a protocol to h.
func (s *Stack) RegisterTransport(proto uint8, h TransportHandler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.transports[proto] = h
}

// SetIPv4 registers the IPv4 protocol's sender.
func (s *Stack) SetIPv4(ip IPv4Sender) { s.mu.Lock(); s.ipv4 = ip; s.mu.Unlock() }

// SetResolver registers the next-hop resolver (ARP).
func (s *Stack) SetResolver(r IPv4Resolver) { s.mu.Lock(); s.resolver = r; s.mu.Unlock() }

// SetICMPErrors registers the ICMP error sender.
func (s *Stack) SetICMPErrors(e ICMPErrorSender) { s.mu.Lock(); s.icmpErr = e; s.mu.Unlock() }

// Transport returns the handler of an IP protocol, or nil.
func (s *Stack) Transport(proto uint8) TransportHandler {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.transports[proto]
}

// ErrNoIPv4 means no IPv4 protocol was registered.
var ErrNoIPv4 = errors.New("stack: no IPv4 protocol registered")

// SendIPv4 sends a datagram through the registered IPv4 protocol; sent
// are counted as IPv4Sender.SendIPv4 says.
func (s *Stack) SendIPv4(src, dst netip.Addr, proto uint8, ttl uint8, df bool, payload []byte, sent ...*atomic.Uint64) error {
	s.mu.RLock()
	ip := s.ipv4
	s.mu.RUnlock()
	if ip == nil {
		return ErrNoIPv4
	}
	return ip.SendIPv4(src, dst, proto, ttl, df, payload, sent...)
}

// SendIPv4Frame hands a frame to the resolver for its next hop.
func (s *Stack) SendIPv4Frame(nic *NIC, nexthop netip.Addr, frame []byte) error {
	s.mu.RLock()
	r := s.resolver
	s.mu.RUnlock()
	if r == nil {
		return errors.New("stack: no link address resolver registered")
	}
	return r.SendIPv4Frame(nic, nexthop, frame)
}

// SendICMPError reports a problem with a received datagram to its sender,
// when an ICMP protocol is registered.
func (s *Stack) SendICMPError(nic *NIC, about header.IPv4, typ, code uint8) {
	s.mu.RLock()
	e := s.icmpErr
	s.mu.RUnlock()
	if e != nil {
		e.SendICMPError(nic, about, typ, code)
	}
}

// AddNIC attaches a LAN driver with an address and a connected route.
func (s *Stack) AddNIC(ep link.Endpoint, addr netip.Prefix) (*NIC, error) {
	if !addr.Addr().Is4() {
		return nil, fmt.Errorf("stack: %v is not an IPv4 address", addr)
	}
	s.mu.Lock()
	nic := &NIC{stack: s, ep: ep, id: len(s.nics) + 1, addr: addr}
	s.nics = append(s.nics, nic)
	s.mu.Unlock()
	s.AddRoute(Route{Dest: addr.Masked(), NIC: nic})
	ep.Attach(nic)
	return nic, nil
}

// AddRoute adds a route; the longest matching prefix wins.
func (s *Stack) AddRoute(r Route) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes = append(s.routes, r)
	// Insertion sort keeps the table ordered by prefix length, longest
	// first; route tables here are a handful of entries.
	for i := len(s.routes) - 1; i > 0 && s.routes[i].Dest.Bits() > s.routes[i-1].Dest.Bits(); i-- {
		s.routes[i], s.routes[i-1] = s.routes[i-1], s.routes[i]
	}
}

// FindRoute returns the NIC and next hop for dst.
func (s *Stack) FindRoute(dst netip.Addr) (nic *NIC, nexthop netip.Addr, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, r := range s.routes {
		if r.Dest.Contains(dst) {
			if r.Gateway.IsValid() {
				return r.NIC, r.Gateway, true
			}
			return r.NIC, dst, true
		}
	}
	return nil, netip.Addr{}, false
}

// NICFor returns the NIC that owns addr, or nil.
func (s *Stack) NICFor(addr netip.Addr) *NIC {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, n := range s.nics {
		if n.addr.Addr() == addr {
			return n
		}
	}
	return nil
}

// IsLocal reports whether addr is one of the stack's addresses.
func (s *Stack) IsLocal(addr netip.Addr) bool { return s.NICFor(addr) != nil }

func (s *Stack) frameHandler(t uint16) FrameHandler {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.frames[t]
}
