// Package stack is gonetstat's mini-stack: a userspace TCP/IP stack whose
// sockets are memory areas of control information reached through
// descriptors, as the seed article describes them, and which gonetstat
// can show beside the kernel's.
//
// This package wires the layers together; each lives in its own package,
// in gVisor's dependency direction: header (wire formats, the leaf),
// clock, link (LAN drivers), core (NICs, routes, registration, counters,
// memory budget; imports no protocol), then the protocols that register
// into it: arp, ipv4, icmp, udp, tcp; socket (the descriptor table) sits on
// top, and this package offers the socket API on descriptors.
package stack

import (
	"sync/atomic"

	"github.com/gonetstat/gonetstat/stack/arp"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/icmp"
	"github.com/gonetstat/gonetstat/stack/ipv4"
	"github.com/gonetstat/gonetstat/stack/socket"
	"github.com/gonetstat/gonetstat/stack/tcp"
	"github.com/gonetstat/gonetstat/stack/udp"
)

// Options configure a stack and its protocols.
type Options struct {
	core.Options
	ARP  arp.Options
	IPv4 ipv4.Options
	ICMP icmp.Options
	TCP  tcp.Options
}

// Stack is a mini-stack with every protocol registered.
type Stack struct {
	*core.Stack
	ARP  *arp.Protocol
	IPv4 *ipv4.Protocol
	ICMP *icmp.Protocol
	UDP  *udp.Protocol
	TCP  *tcp.Protocol

	fds socket.Table
	ids atomic.Uint64 // socket IDs, shared by every protocol, never reused
}

// New returns a stack with ARP, IPv4, ICMP, UDP and TCP; add NICs with
// AddNIC.
func New(opt Options) *Stack {
	s := &Stack{Stack: core.New(opt.Options)}
	s.ARP = arp.New(s.Stack, opt.ARP)
	s.IPv4 = ipv4.New(s.Stack, opt.IPv4)
	s.ICMP = icmp.New(s.Stack, opt.ICMP)
	s.UDP = udp.New(s.Stack, &s.ids)
	s.TCP = tcp.New(s.Stack, &s.ids, opt.TCP)
	return s
}
