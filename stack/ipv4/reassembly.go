// reassembly.go puts fragmented datagrams back together (RFC 791 §3.2,
// RFC 815's hole idea, kept simple: fragments sorted by offset).

package ipv4

import (
	"net/netip"
	"sort"

	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/header"
)

// reasmKey identifies one datagram's fragments (RFC 791: source,
// destination, protocol and identification).
type reasmKey struct {
	src, dst netip.Addr
	proto    uint8
	id       uint16
}

type fragment struct {
	off  int
	data []byte
}

type reassembly struct {
	frags []fragment
	first []byte // the header of the offset-0 fragment, for the rebuilt datagram and ICMP
	total int    // payload length, known once the last fragment came; -1 before
	mem   int
	timer clock.Timer
	nic   *core.NIC
}

// reassemble adds a fragment and returns the whole datagram when it is
// complete. Overlapping fragments drop the datagram: overlaps have no
// honest use and are a classic way to smuggle past filters.
func (p *Protocol) reassemble(nic *core.NIC, ip header.IPv4) header.IPv4 {
	c := &p.stack.Counters
	k := reasmKey{ip.Src(), ip.Dst(), ip.Protocol(), ip.ID()}
	off, data := ip.FragmentOffset(), ip.Payload()
	end := off + len(data)
	if end > 65535-header.IPv4MinLen || (ip.MoreFragments() && len(data)%8 != 0) || len(data) == 0 {
		c.IPReasmFails.Add(1)
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.reasm[k]
	if !ok {
		r = &reassembly{total: -1, nic: nic}
		p.reasm[k] = r
		r.timer = p.stack.Clock.AfterFunc(p.opt.ReasmTimeout, func() { p.expire(k) })
	}
	if p.reasmMem+len(data) > p.opt.ReasmMemory {
		// Over the memory bound: give up on this datagram rather than
		// letting fragments that never complete exhaust the stack.
		p.dropLocked(k, r)
		c.IPReasmFails.Add(1)
		return nil
	}
	for _, f := range r.frags {
		if off < f.off+len(f.data) && f.off < end {
			p.dropLocked(k, r)
			c.IPReasmFails.Add(1)
			return nil
		}
	}
	if !ip.MoreFragments() {
		if r.total >= 0 && r.total != end {
			p.dropLocked(k, r)
			c.IPReasmFails.Add(1)
			return nil
		}
		r.total = end
	}
	if off == 0 {
		r.first = append([]byte(nil), ip[:ip.HeaderLen()]...)
	}
	r.frags = append(r.frags, fragment{off, append([]byte(nil), data...)})
	r.mem += len(data)
	p.reasmMem += len(data)
	if r.total < 0 || r.first == nil {
		return nil
	}
	sort.Slice(r.frags, func(i, j int) bool { return r.frags[i].off < r.frags[j].off })
	next := 0
	for _, f := range r.frags {
		if f.off != next {
			return nil // a hole remains
		}
		next += len(f.data)
	}
	if next != r.total {
		return nil
	}
	hl := len(r.first)
	whole := make([]byte, hl+r.total)
	copy(whole, r.first)
	for _, f := range r.frags {
		copy(whole[hl+f.off:], f.data)
	}
	// The rebuilt header: full length, no fragment bits, a fresh checksum.
	whole[2], whole[3] = byte((hl+r.total)>>8), byte(hl+r.total)
	whole[6], whole[7] = 0, 0
	whole[10], whole[11] = 0, 0
	sum := header.Checksum(whole[:hl], 0)
	whole[10], whole[11] = byte(sum>>8), byte(sum)
	p.dropLocked(k, r)
	c.IPReasmOKs.Add(1)
	return header.IPv4(whole)
}

func (p *Protocol) dropLocked(k reasmKey, r *reassembly) {
	if r.timer != nil {
		r.timer.Stop()
	}
	p.reasmMem -= r.mem
	delete(p.reasm, k)
}

// expire gives up on a datagram whose fragments did not all arrive in
// time, telling the sender when its first fragment is here (RFC 792: time
// exceeded, code 1; RFC 1122 §3.3.2).
func (p *Protocol) expire(k reasmKey) {
	p.mu.Lock()
	r, ok := p.reasm[k]
	if !ok {
		p.mu.Unlock()
		return
	}
	r.timer = nil
	p.dropLocked(k, r)
	first := r.first
	var firstData []byte
	for _, f := range r.frags {
		if f.off == 0 {
			firstData = f.data
		}
	}
	p.mu.Unlock()
	p.stack.Counters.IPReasmTimeout.Add(1)
	p.stack.Counters.IPReasmFails.Add(1)
	if first != nil {
		about := append(append([]byte(nil), first...), firstData...)
		about[2], about[3] = byte(len(about)>>8), byte(len(about))
		if ip, err := header.ParseIPv4(about); err == nil {
			p.stack.SendICMPError(r.nic, ip, header.ICMPTimeExceeded, 1)
		}
	}
}
