// Package icmp is the mini-stack's ICMPv4 (RFC 792, RFC 1122 §3.2.2): it
// answers echo requests, delivers echo replies to pingers, sends rate-
// limited errors for the other layers, and hands received errors to the
// transport protocol they concern (a connected UDP socket then sees
// "connection refused").
package icmp

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"time"

	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/header"
)

// ErrorHandler is implemented by transports that want the ICMP errors
// about the datagrams they sent.
type ErrorHandler interface {
	// HandleICMPError reports that the datagram from local to remote was
	// refused or lost; mtu is set for "fragmentation needed", and quote
	// holds the start of the datagram's transport header as the error
	// quotes it (at least 8 bytes, RFC 792), for the transport to check
	// that it is one it sent (RFC 5927 §4.1).
	HandleICMPError(typ, code uint8, local, remote netip.AddrPort, mtu uint16, quote []byte)
}

// EchoReply is a received answer to Ping.
type EchoReply struct {
	From    netip.Addr
	ID, Seq uint16
	Payload []byte
	At      time.Time
}

// Options tune the protocol.
type Options struct {
	// ErrorsPerSecond bounds the errors sent (RFC 1812 §4.3.2.8; Linux's
	// icmp_ratelimit is one per ms with a burst); 1000 when 0.
	ErrorsPerSecond int
}

// Protocol is ICMPv4 registered into one stack.
type Protocol struct {
	stack *core.Stack
	opt   Options

	mu      sync.Mutex
	pingers map[uint16]func(EchoReply)
	tokens  float64
	last    time.Time
}

// New registers ICMP into s.
func New(s *core.Stack, opt Options) *Protocol {
	if opt.ErrorsPerSecond == 0 {
		opt.ErrorsPerSecond = 1000
	}
	p := &Protocol{stack: s, opt: opt, pingers: map[uint16]func(EchoReply){}, tokens: float64(opt.ErrorsPerSecond)}
	s.RegisterTransport(header.ProtoICMP, p)
	s.SetICMPErrors(p)
	return p
}

// HandleIPv4 handles one received message.
func (p *Protocol) HandleIPv4(nic *core.NIC, ip header.IPv4) {
	c := &p.stack.Counters
	c.ICMPInMsgs.Add(1)
	m, err := header.ParseICMPv4(ip.Payload())
	if err != nil || !m.ChecksumValid() {
		c.ICMPInErrors.Add(1)
		return
	}
	c.ICMPInType[m.Type()].Add(1)
	// A message to a broadcast or multicast address is not answered: RFC
	// 1122 §3.2.2.6 lets a host ignore a broadcast echo request, and one
	// ping must not draw an answer from every host of a subnet (smurf).
	// Linux's icmp_rcv drops these, counted as InErrors, with its default
	// icmp_echo_ignore_broadcasts = 1, and every other type but the
	// address-mask ones, which the stack does not handle.
	if dst := ip.Dst(); dst.IsMulticast() || p.stack.IsBroadcast(dst) {
		c.ICMPInErrors.Add(1)
		return
	}
	switch m.Type() {
	case header.ICMPEchoRequest:
		// RFC 1122 §3.2.2.6: reply with the same identifier, sequence and
		// data, from the address the request was sent to.
		reply := make([]byte, len(m))
		copy(reply, m)
		header.EncodeICMPv4(reply, header.ICMPEchoReply, 0, binary.BigEndian.Uint32(m[4:]))
		p.send(ip.Dst(), ip.Src(), reply, header.ICMPEchoReply)
	case header.ICMPEchoReply:
		p.mu.Lock()
		f := p.pingers[m.ID()]
		p.mu.Unlock()
		if f != nil {
			f(EchoReply{From: ip.Src(), ID: m.ID(), Seq: m.Seq(), Payload: append([]byte(nil), m.Payload()...), At: p.stack.Clock.Now()})
		}
	case header.ICMPDestUnreach, header.ICMPTimeExceeded, header.ICMPParamProblem:
		p.deliverError(m)
	}
}

// deliverError hands an error to the transport of the datagram it quotes
// (RFC 1122 §3.2.2: the quoted IP header and first 8 bytes identify it).
func (p *Protocol) deliverError(m header.ICMPv4) {
	about := m.Payload()
	if len(about) < header.IPv4MinLen {
		return
	}
	hl := int(about[0]&0xf) * 4
	if about[0]>>4 != 4 || hl < header.IPv4MinLen || len(about) < hl+8 {
		return
	}
	src := netip.AddrFrom4([4]byte(about[12:16]))
	dst := netip.AddrFrom4([4]byte(about[16:20]))
	sport := binary.BigEndian.Uint16(about[hl:])
	dport := binary.BigEndian.Uint16(about[hl+2:])
	h, ok := p.stack.Transport(about[9]).(ErrorHandler)
	if !ok {
		return
	}
	var mtu uint16
	if m.Type() == header.ICMPDestUnreach && m.Code() == header.ICMPCodeFragNeeded {
		mtu = m.MTU()
	}
	h.HandleICMPError(m.Type(), m.Code(), netip.AddrPortFrom(src, sport), netip.AddrPortFrom(dst, dport), mtu, about[hl:])
}

// SendICMPError sends an error about a received datagram, within the
// rules of RFC 1122 §3.2.2: never about an ICMP error, a non-first
// fragment, or a datagram to or from a broadcast or multicast address
// (limited or directed: Linux's icmp_send gives up on RTCF_BROADCAST),
// and rate-limited.
func (p *Protocol) SendICMPError(nic *core.NIC, about header.IPv4, typ, code uint8) {
	if about.FragmentOffset() != 0 || about.Dst().IsMulticast() || p.stack.IsBroadcast(about.Dst()) ||
		about.Src().IsUnspecified() || about.Src().IsMulticast() || p.stack.IsBroadcast(about.Src()) {
		return
	}
	if about.Protocol() == header.ProtoICMP {
		if inner := about.Payload(); len(inner) > 0 && !isQuery(inner[0]) {
			return
		}
	}
	if !p.allow() {
		return
	}
	// Quote the header and as much data as fits in 576 bytes (RFC 1812
	// §4.3.2.3), at least the 8 bytes RFC 792 asks for.
	quote := about[:min(len(about), 576-header.IPv4MinLen-header.ICMPv4MinLen)]
	b := make([]byte, header.ICMPv4MinLen+len(quote))
	copy(b[header.ICMPv4MinLen:], quote)
	header.EncodeICMPv4(b, typ, code, 0)
	p.send(nic.Addr(), about.Src(), b, typ)
}

func isQuery(t uint8) bool {
	return t == header.ICMPEchoRequest || t == header.ICMPEchoReply || t == 13 || t == 14
}

// allow takes a token from the error bucket.
func (p *Protocol) allow() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.stack.Clock.Now()
	rate := float64(p.opt.ErrorsPerSecond)
	if !p.last.IsZero() {
		p.tokens = min(rate, p.tokens+now.Sub(p.last).Seconds()*rate)
	}
	p.last = now
	if p.tokens < 1 {
		return false
	}
	p.tokens--
	return true
}

func (p *Protocol) send(src, dst netip.Addr, msg []byte, typ uint8) {
	c := &p.stack.Counters
	if err := p.stack.SendIPv4(src, dst, header.ProtoICMP, 0, false, msg, &c.ICMPOutMsgs, &c.ICMPOutType[typ]); err != nil {
		c.ICMPOutErrors.Add(1)
	}
}

// Ping sends an echo request; replies with this id go to the function
// given to OnEchoReply.
func (p *Protocol) Ping(dst netip.Addr, id, seq uint16, payload []byte) error {
	b := make([]byte, header.ICMPv4MinLen+len(payload))
	copy(b[header.ICMPv4MinLen:], payload)
	header.EncodeICMPv4(b, header.ICMPEchoRequest, 0, uint32(id)<<16|uint32(seq))
	c := &p.stack.Counters
	if err := p.stack.SendIPv4(netip.Addr{}, dst, header.ProtoICMP, 0, false, b, &c.ICMPOutMsgs, &c.ICMPOutType[header.ICMPEchoRequest]); err != nil {
		c.ICMPOutErrors.Add(1)
		return err
	}
	return nil
}

// OnEchoReply routes echo replies with identifier id to f (nil removes).
func (p *Protocol) OnEchoReply(id uint16, f func(EchoReply)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f == nil {
		delete(p.pingers, id)
		return
	}
	p.pingers[id] = f
}
