// Package ipv4 is the mini-stack's Internet Protocol (RFC 791): header and
// checksum checks on receipt, delivery to the registered transports,
// reassembly of fragments with bounded memory and a timeout, routing and
// fragmentation on send. It does not forward: a host, not a router.
package ipv4

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/header"
)

// Options tune the protocol; zero values take Linux's defaults.
type Options struct {
	DefaultTTL   uint8         // 64 (net.ipv4.ip_default_ttl)
	ReasmTimeout time.Duration // 30 s (net.ipv4.ipfrag_time)
	ReasmMemory  int           // bytes charged to all reassemblies (payload and overhead); 4 MiB (ipfrag_high_thresh)
}

// Protocol is IPv4 registered into one stack.
//
// Lock order: core.Stack.mu, then Protocol.mu. Transports are called with
// mu released.
type Protocol struct {
	stack *core.Stack
	opt   Options
	id    atomic.Uint32

	mu             sync.Mutex
	reasm          map[reasmKey]*reassembly
	reasmMem       int
	lruOld, lruNew *reassembly // reassemblies, least recently added to first
}

// ErrNoRoute means no route leads to the destination.
var ErrNoRoute = errors.New("ipv4: no route to host")

// ErrTooBig means a datagram with Don't Fragment set exceeds the MTU.
var ErrTooBig = errors.New("ipv4: message too long for the MTU with Don't Fragment set")

// New registers IPv4 into s.
func New(s *core.Stack, opt Options) *Protocol {
	if opt.DefaultTTL == 0 {
		opt.DefaultTTL = 64
	}
	if opt.ReasmTimeout == 0 {
		opt.ReasmTimeout = 30 * time.Second
	}
	if opt.ReasmMemory == 0 {
		opt.ReasmMemory = 4 << 20
	}
	p := &Protocol{stack: s, opt: opt, reasm: map[reasmKey]*reassembly{}}
	// RFC 791 leaves the Identification to the sender; a random start
	// keeps two runs of a stack from reusing the same IDs.
	p.id.Store(rand.Uint32())
	s.RegisterFrameHandler(header.EtherTypeIPv4, p)
	s.SetIPv4(p)
	return p
}

// HandleFrame checks a received datagram and delivers it.
func (p *Protocol) HandleFrame(nic *core.NIC, eth header.Ethernet) {
	p.receive(nic, eth.Payload(), true)
}

// receive checks a datagram and delivers it; wire is false for one the
// stack sent itself through the loopback, whose source is its own.
func (p *Protocol) receive(nic *core.NIC, b []byte, wire bool) {
	c := &p.stack.Counters
	c.IPInReceives.Add(1)
	ip, err := header.ParseIPv4(b)
	if err != nil || !ip.ChecksumValid() {
		c.IPInHdrErrors.Add(1)
		return
	}
	// A host accepts datagrams for its own address and for broadcast
	// (RFC 1122 §3.3.6); it does not forward (§3.3.1.2 is for gateways).
	dst := ip.Dst()
	if dst != nic.Addr() && !p.stack.IsLocal(dst) && dst != core.LimitedBroadcast && !core.IsSubnetBroadcast(nic.Prefix(), dst) {
		c.IPInAddrErrors.Add(1)
		return
	}
	// RFC 1122 §3.2.1.3: silently discard a datagram from a source no
	// host may use (Linux: ip_route_input_slow, "martian source").
	if wire && p.stack.IsMartianSource(ip.Src()) {
		c.IPInMartians.Add(1)
		return
	}
	if ip.HeaderLen() > header.IPv4MinLen && !p.optionsOK(ip) {
		return
	}
	if ip.IsFragment() {
		c.IPReasmReqds.Add(1)
		whole := p.reassemble(nic, ip)
		if whole == nil {
			return
		}
		ip = whole
	}
	t := p.stack.Transport(ip.Protocol())
	if t == nil {
		c.IPInUnknownProtos.Add(1)
		// RFC 1122 §3.2.2.1: protocol unreachable.
		p.stack.SendICMPError(nic, ip, header.ICMPDestUnreach, 2)
		return
	}
	c.IPInDelivers.Add(1)
	t.HandleIPv4(nic, ip)
}

// SendIPv4 routes and sends one datagram, fragmenting it when needed. A
// zero src takes the outgoing NIC's address; a zero ttl the default. The
// sent counters move once the datagram is routed, before its first frame
// leaves: a datagram that cannot be routed is not counted by its
// transport, and one that is seen arriving always is.
func (p *Protocol) SendIPv4(src, dst netip.Addr, proto uint8, ttl uint8, df bool, payload []byte, sent ...*atomic.Uint64) error {
	c := &p.stack.Counters
	c.IPOutRequests.Add(1)
	if ttl == 0 {
		ttl = p.opt.DefaultTTL
	}
	if nic := p.stack.NICFor(dst); nic != nil {
		count(sent)
		return p.loopback(nic, src, dst, proto, ttl, payload)
	}
	nic, nexthop, ok := p.stack.FindRoute(dst)
	if !ok {
		c.IPOutNoRoutes.Add(1)
		return fmt.Errorf("%w: %v", ErrNoRoute, dst)
	}
	if !src.IsValid() {
		src = nic.Addr()
	}
	id := uint16(p.id.Add(1))
	mtu := nic.MTU()
	if header.IPv4MinLen+len(payload) <= mtu {
		count(sent)
		return p.sendOne(nic, nexthop, header.IPv4Fields{TTL: ttl, Protocol: proto, Src: src, Dst: dst, ID: id, Flags: dfFlag(df)}, payload)
	}
	if df {
		c.IPFragFails.Add(1)
		return fmt.Errorf("%w: %d bytes, MTU %d", ErrTooBig, header.IPv4MinLen+len(payload), mtu)
	}
	// RFC 791 §3.2 fragmentation: every fragment but the last carries a
	// multiple of 8 bytes and More Fragments. Each fragment is counted
	// before it leaves, and the datagram as fragmented before its last
	// fragment does (the peer can reassemble it from then on).
	count(sent)
	chunk := (mtu - header.IPv4MinLen) &^ 7
	for off := 0; off < len(payload); off += chunk {
		end := min(off+chunk, len(payload))
		f := header.IPv4Fields{TTL: ttl, Protocol: proto, Src: src, Dst: dst, ID: id, FragOffset: off}
		if end < len(payload) {
			f.Flags = header.IPv4MoreFragments
		} else {
			c.IPFragOKs.Add(1)
		}
		c.IPFragCreates.Add(1)
		if err := p.sendOne(nic, nexthop, f, payload[off:end]); err != nil {
			c.IPFragFails.Add(1)
			return err
		}
	}
	return nil
}

// count adds one to each of a sender's counters.
func count(sent []*atomic.Uint64) {
	for _, c := range sent {
		c.Add(1)
	}
}

func dfFlag(df bool) uint16 {
	if df {
		return header.IPv4DontFragment
	}
	return 0
}

func (p *Protocol) sendOne(nic *core.NIC, nexthop netip.Addr, f header.IPv4Fields, payload []byte) error {
	f.TotalLen = uint16(header.IPv4MinLen + len(payload))
	buf := core.AllocFrame(int(f.TotalLen))
	defer core.FreeFrame(buf)
	b := *buf
	header.EncodeIPv4(b[header.EthernetLen:], f)
	copy(b[header.EthernetLen+header.IPv4MinLen:], payload)
	return p.stack.SendIPv4Frame(nic, nexthop, b)
}

// loopback delivers a datagram addressed to the stack itself, on the
// clock rather than on the caller's stack, so a sender holding its own
// locks never re-enters itself.
func (p *Protocol) loopback(nic *core.NIC, src, dst netip.Addr, proto, ttl uint8, payload []byte) error {
	if !src.IsValid() {
		src = dst
	}
	b := make([]byte, header.IPv4MinLen+len(payload))
	header.EncodeIPv4(b, header.IPv4Fields{TotalLen: uint16(len(b)), ID: uint16(p.id.Add(1)), TTL: ttl, Protocol: proto, Src: src, Dst: dst})
	copy(b[header.IPv4MinLen:], payload)
	p.stack.Clock.AfterFunc(0, func() { p.receive(nic, b, false) })
	return nil
}

// ReasmInUse returns the bytes held by reassemblies in progress.
func (p *Protocol) ReasmInUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reasmMem
}
