// redact.go applies --redact to the model before it is rendered: every
// address, MAC and host name field of a socket table and of a namespace's
// reports gets its pseudonym, so that the JSON document and the text
// rendered from the same values agree field for field. Free-text fields
// (warnings) go through the free-text scrubber.

package bundle

import (
	"net/netip"
	"slices"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/render"
)

// redactSockets replaces, in place, the host name, every socket's local
// and remote address, and the secrets and pseudonyms of the warnings.
func (b *run) redactSockets(env *render.Envelope) {
	p := b.pseudo
	env.Host = p.Host(env.Host)
	env.Warnings = b.cleanLines(env.Warnings)
	if !p.enabled() {
		return
	}
	// Names are free text: a namespace, container or pod may be named
	// after a host or an address. Each is cleaned once (rows share the
	// values), on copies: the caller's values are not changed.
	namespaces := map[*collect.Namespace]*collect.Namespace{}
	owners := map[*collect.Process]*collect.Process{}
	for i := range env.Sockets {
		s := &env.Sockets[i]
		s.Local = p.AddrPort(s.Local)
		s.Remote = p.AddrPort(s.Remote)
		if ns := s.NetNS; ns != nil {
			if namespaces[ns] == nil {
				c := *ns
				c.Name = p.Text(c.Name)
				namespaces[ns] = &c
			}
			s.NetNS = namespaces[ns]
		}
		if o := s.Owner; o != nil {
			if owners[o] == nil {
				c := *o
				c.Name = p.Text(c.Name)
				if ctr := c.Container; ctr != nil {
					cc := *ctr
					cc.Name, cc.PodName = p.Text(cc.Name), p.Text(cc.PodName)
					c.Container = &cc
				}
				owners[o] = &c
			}
			s.Owner = owners[o]
		}
	}
}

// redactReports replaces, in place, the host name and every address and
// MAC of a namespace's reports: interfaces, their addresses and peers,
// routes (destination, gateway, preferred source), neighbours and
// rules. The slices are copied first: the caller's table is not changed.
func (b *run) redactReports(doc *render.Reports) {
	p := b.pseudo
	doc.Host = p.Host(doc.Host)
	doc.Warnings = b.cleanLines(doc.Warnings)
	if !p.enabled() {
		return
	}
	if t := doc.Routes; t != nil {
		c := collect.RouteTable{
			Interfaces: slices.Clone(t.Interfaces),
			IPv4:       slices.Clone(t.IPv4),
			IPv6:       slices.Clone(t.IPv6),
		}
		for i := range c.Interfaces {
			ifc := &c.Interfaces[i]
			ifc.MAC = p.MAC(ifc.MAC)
			ifc.Addrs = slices.Clone(ifc.Addrs)
			for j := range ifc.Addrs {
				a := &ifc.Addrs[j]
				// The address keeps its own host bits: Prefix would mask them.
				a.Prefix = netip.PrefixFrom(p.Addr(a.Prefix.Addr()), a.Prefix.Bits())
				a.Peer = p.Addr(a.Peer)
			}
		}
		for _, rs := range [][]collect.Route{c.IPv4, c.IPv6} {
			for i := range rs {
				r := &rs[i]
				r.Dst = p.Prefix(r.Dst)
				r.Gateway = p.Addr(r.Gateway)
				r.Src = p.Addr(r.Src)
			}
		}
		doc.Routes = &c
	}
	doc.Neighbours = slices.Clone(doc.Neighbours)
	for i := range doc.Neighbours {
		n := &doc.Neighbours[i]
		n.Addr = p.Addr(n.Addr)
		n.MAC = p.MAC(n.MAC)
	}
	doc.Rules = slices.Clone(doc.Rules)
	for i := range doc.Rules {
		r := &doc.Rules[i]
		r.Src = p.Prefix(r.Src)
		r.Dst = p.Prefix(r.Dst)
	}
}

// cleanLines scrubs free-text lines (warnings) of secrets and, under
// --redact, of what they spell.
func (b *run) cleanLines(lines []string) []string {
	if len(lines) == 0 {
		return lines
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = b.cleanText(l)
	}
	return out
}
