// reassembly.go puts fragmented datagrams back together (RFC 791 §3.2,
// RFC 815's hole idea, kept simple: fragments sorted by offset), with
// memory charged as Linux charges it and the oldest datagrams evicted
// when a flood of fragments that never complete fills the bound.

package ipv4

import (
	"net/netip"
	"slices"

	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/header"
)

// What reassembly charges against Options.ReasmMemory beyond the payload,
// so that the bound is on what fragments really cost, as Linux charges an
// skb's truesize and an ipq's size rather than the bytes of data: a flood
// of 8-byte fragments charged 8 bytes each held 300 MB under a 4 MiB
// bound. The figures cover the structures below, the map entry, the
// timer and the allocator's rounding: on the real clock a datagram of one
// 8-byte fragment took 489 bytes of heap (charged 540 with its header),
// each further 8-byte fragment about 45 (charged 72);
// TestReassemblyMemoryIsBounded checks the heap against the bound.
const (
	fragOverhead  = 64  // a fragment: its entry and its data's allocation
	reasmOverhead = 448 // a datagram: the reassembly, its map entry, its timer
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
	key   reasmKey
	frags []fragment // sorted by offset, none overlapping
	first []byte     // the header of the offset-0 fragment, for the rebuilt datagram and ICMP
	total int        // payload length, known once the last fragment came; -1 before
	end   int        // the highest end of a fragment received
	mem   int
	timer clock.Timer
	nic   *core.NIC
	// The LRU list, least recently added to first: the order in which
	// the evictor gives datagrams up.
	older, newer *reassembly
}

// reassemble adds a fragment and returns the whole datagram when it is
// complete. A fragment that only repeats data already held (an exact
// duplicate, as links that duplicate frames deliver) is dropped alone;
// one that overlaps held data otherwise drops the datagram, as Linux
// does since FragmentSmack (inet_frag_queue_insert: IPFRAG_DUP against
// IPFRAG_OVERLAP; RFC 5722 §4 for IPv6): overlaps have no honest use and
// are a classic way to smuggle past filters.
func (p *Protocol) reassemble(nic *core.NIC, ip header.IPv4) header.IPv4 {
	c := &p.stack.Counters
	k := reasmKey{ip.Src(), ip.Dst(), ip.Protocol(), ip.ID()}
	off, data := ip.FragmentOffset(), ip.Payload()
	end := off + len(data)
	if end > 65535-header.IPv4MinLen || (ip.MoreFragments() && len(data)%8 != 0) || len(data) == 0 {
		c.IPReasmFails.Add(1)
		return nil
	}
	cost := len(data) + fragOverhead
	if off == 0 {
		cost += ip.HeaderLen()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.reasm[k]
	if r == nil {
		cost += reasmOverhead
	}
	if cost > p.lowThresh() {
		c.IPReasmFails.Add(1)
		return nil
	}
	if p.reasmMem+cost > p.opt.ReasmMemory {
		// Linux's inet_frag evictor (before 4.17; ip_evictor): past
		// ipfrag_high_thresh, give up the datagrams least recently added
		// to until ipfrag_low_thresh, so that fragments that never
		// complete make way for those arriving now.
		p.evictLocked(p.lowThresh() - cost)
		if r != nil && p.reasm[k] == nil {
			r = nil // evicted itself: this fragment starts over
			cost += reasmOverhead
		}
	}
	if r == nil {
		r = &reassembly{key: k, total: -1, nic: nic}
		p.reasm[k] = r
		rr := r
		r.timer = p.stack.Clock.AfterFunc(p.opt.ReasmTimeout, func() { p.expire(rr) })
	}
	p.touchLocked(r)
	// RFC 791: the last fragment fixes the length; nothing may lie
	// beyond it, nor may two last fragments disagree (Linux's
	// ip_frag_queue: "some bits beyond end -> corruption").
	switch {
	case !ip.MoreFragments() && (end < r.end || r.total >= 0 && r.total != end),
		ip.MoreFragments() && r.total >= 0 && end > r.total:
		p.dropLocked(r)
		c.IPReasmFails.Add(1)
		return nil
	}
	i, dup, overlap := r.place(off, end)
	if overlap {
		p.dropLocked(r)
		c.IPReasmFails.Add(1)
		return nil
	}
	if dup {
		return nil
	}
	if !ip.MoreFragments() {
		r.total = end
	}
	r.end = max(r.end, end)
	if off == 0 {
		r.first = append([]byte(nil), ip[:ip.HeaderLen()]...)
	}
	r.frags = slices.Insert(r.frags, i, fragment{off, append([]byte(nil), data...)})
	r.mem += cost
	p.reasmMem += cost
	if r.total < 0 || r.first == nil || !r.complete() {
		return nil
	}
	hl := len(r.first)
	if hl+r.total > 65535 {
		// The ping of death: offsets that fit in 16 bits, a datagram
		// that does not (RFC 791: total length is 16 bits). Linux's
		// ip_frag_reasm drops it ("Oversized IP packet").
		p.dropLocked(r)
		c.IPReasmFails.Add(1)
		return nil
	}
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
	p.dropLocked(r)
	c.IPReasmOKs.Add(1)
	return header.IPv4(whole)
}

// place finds where a fragment [off, end) goes in the sorted list: dup
// when held data already covers all of it, overlap when it covers only
// part.
func (r *reassembly) place(off, end int) (i int, dup, overlap bool) {
	i, _ = slices.BinarySearchFunc(r.frags, off, func(f fragment, off int) int { return f.off - off })
	covered := off // held data covers [off, covered)
	touched := false
	for j := max(i-1, 0); j < len(r.frags) && r.frags[j].off < end; j++ {
		f := r.frags[j]
		fend := f.off + len(f.data)
		if fend <= off {
			continue
		}
		touched = true
		if f.off > covered {
			return i, false, true // a hole, then held data: a partial overlap
		}
		covered = max(covered, fend)
	}
	switch {
	case !touched:
		return i, false, false
	case covered >= end:
		return i, true, false
	default:
		return i, false, true
	}
}

// complete says whether the sorted fragments cover [0, total) with no
// hole.
func (r *reassembly) complete() bool {
	next := 0
	for _, f := range r.frags {
		if f.off != next {
			return false
		}
		next += len(f.data)
	}
	return next == r.total
}

// lowThresh is ipfrag_low_thresh: where the evictor stops, 3/4 of the
// bound (Linux's 3 MiB of 4 MiB).
func (p *Protocol) lowThresh() int { return p.opt.ReasmMemory / 4 * 3 }

// evictLocked gives up the least recently added-to datagrams until at
// most target bytes are held, counting each as a failed reassembly.
func (p *Protocol) evictLocked(target int) {
	for p.lruOld != nil && p.reasmMem > target {
		p.dropLocked(p.lruOld)
		p.stack.Counters.IPReasmFails.Add(1)
	}
}

// touchLocked moves r to the new end of the LRU list.
func (p *Protocol) touchLocked(r *reassembly) {
	if p.lruNew == r {
		return
	}
	p.unlinkLocked(r)
	r.older = p.lruNew
	if p.lruNew != nil {
		p.lruNew.newer = r
	}
	p.lruNew = r
	if p.lruOld == nil {
		p.lruOld = r
	}
}

func (p *Protocol) unlinkLocked(r *reassembly) {
	if r.older != nil {
		r.older.newer = r.newer
	} else if p.lruOld == r {
		p.lruOld = r.newer
	}
	if r.newer != nil {
		r.newer.older = r.older
	} else if p.lruNew == r {
		p.lruNew = r.older
	}
	r.older, r.newer = nil, nil
}

func (p *Protocol) dropLocked(r *reassembly) {
	if r.timer != nil {
		r.timer.Stop()
	}
	p.reasmMem -= r.mem
	p.unlinkLocked(r)
	delete(p.reasm, r.key)
}

// expire gives up on a datagram whose fragments did not all arrive in
// time, telling the sender when its first fragment is here (RFC 792: time
// exceeded, code 1; RFC 1122 §3.3.2).
// A timer that fires as its datagram is dropped finds it gone (or another
// datagram under its key, which it leaves alone).
func (p *Protocol) expire(r *reassembly) {
	p.mu.Lock()
	if p.reasm[r.key] != r {
		p.mu.Unlock()
		return
	}
	r.timer = nil
	p.dropLocked(r)
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
