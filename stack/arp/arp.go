// Package arp resolves IPv4 next hops to Ethernet addresses (RFC 826) for
// the mini-stack: a bounded cache with expiry whose eviction order keeps a
// flood from locking out new neighbours, a bounded queue of frames waiting
// for an answer, and requests rate-limited and retried a bounded number
// of times.
package arp

import (
	"container/list"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/header"
)

// Options tune the protocol; zero values take Linux's defaults.
type Options struct {
	Reachable    time.Duration // how long an answer is trusted; 30 s (net.ipv4.neigh.*.base_reachable_time)
	Retrans      time.Duration // between requests for one address; 1 s (retrans_time_ms)
	MaxRequests  int           // requests before giving up; 3 (mcast_solicit)
	PendingLimit int           // frames queued per unresolved address; 64 (unres_qlen is 101 packets)
	CacheLimit   int           // entries; 1024 (gc_thresh3)
}

// Protocol is ARP registered into one stack.
//
// Lock order: core.Stack.mu, then Protocol.mu. Frames are sent with mu
// released.
type Protocol struct {
	stack *core.Stack
	opt   Options

	mu    sync.Mutex
	cache map[key]*entry
	// Every entry is in one of two lists, which say what a full cache
	// gives up for a new entry: first the entries learned from a peer's
	// request and never used since, oldest first (anyone can make the
	// stack learn thousands); then the others, least recently used first.
	// A flood of requests from spoofed senders so pushes out only its own
	// entries, the neighbours the stack talks to stay, and a new neighbour
	// always finds room.
	learned, used list.List
}

type key struct {
	nic int
	ip  netip.Addr
}

type entry struct {
	key      key
	mac      header.MAC
	resolved bool
	expires  time.Time // resolved entries
	requests int       // unresolved: requests sent so far
	pending  [][]byte  // unresolved: frames to send once resolved
	timer    clock.Timer
	learned  bool          // from a peer's request, not used since: in Protocol.learned
	elem     *list.Element // in Protocol.learned or Protocol.used
}

// New registers ARP into s as the EtherType 0x0806 handler and the IPv4
// next-hop resolver.
func New(s *core.Stack, opt Options) *Protocol {
	if opt.Reachable == 0 {
		opt.Reachable = 30 * time.Second
	}
	if opt.Retrans == 0 {
		opt.Retrans = time.Second
	}
	if opt.MaxRequests == 0 {
		opt.MaxRequests = 3
	}
	if opt.PendingLimit == 0 {
		opt.PendingLimit = 64
	}
	if opt.CacheLimit <= 0 {
		opt.CacheLimit = 1024
	}
	p := &Protocol{stack: s, opt: opt, cache: map[key]*entry{}}
	s.RegisterFrameHandler(header.EtherTypeARP, p)
	s.SetResolver(p)
	return p
}

// HandleFrame implements RFC 826's packet reception algorithm.
func (p *Protocol) HandleFrame(nic *core.NIC, eth header.Ethernet) {
	c := &p.stack.Counters
	a, err := header.ParseARP(eth.Payload())
	if err != nil {
		c.ARPInErrors.Add(1)
		return
	}
	switch a.Op() {
	case header.ARPRequest:
		c.ARPInRequests.Add(1)
	case header.ARPReply:
		c.ARPInReplies.Add(1)
	default:
		c.ARPInErrors.Add(1)
		return
	}
	sender, senderMAC := a.SenderIP(), a.SenderMAC()
	forUs := a.TargetIP() == nic.Addr()
	// RFC 826: update the sender's entry if we have one ("merge"); add it
	// only when the packet is for us.
	var flush [][]byte
	p.mu.Lock()
	k := key{nic.ID(), sender}
	e, ok := p.cache[k]
	if !ok && forUs {
		e, ok = p.addLocked(k, true), true
	}
	if ok {
		flush = p.resolveLocked(e, senderMAC)
	}
	p.mu.Unlock()
	for _, f := range flush {
		nic.WriteFrame(f, senderMAC, header.EtherTypeIPv4)
	}
	if forUs && a.Op() == header.ARPRequest {
		reply := core.AllocFrame(header.ARPLen)
		header.EncodeARP((*reply)[header.EthernetLen:], header.ARPReply, nic.MAC(), nic.Addr(), senderMAC, sender)
		c.ARPOutReplies.Add(1)
		nic.WriteFrame(*reply, senderMAC, header.EtherTypeARP)
		core.FreeFrame(reply)
	}
}

// addLocked makes a fresh entry for k, giving up another when the cache
// is full (see Protocol.learned); learned says a peer's request made it.
//
// Linux bounds its table the same way (gc_thresh3, 1024) but frees only
// entries not updated for 5 s and not in use (neigh_forced_gc), and fails
// a new neighbour ("neighbour table overflow") when none is: after a
// flood of requests from spoofed senders, for 4 s; while its incomplete
// entries wait, for up to 3 s. Here a new entry always finds room.
func (p *Protocol) addLocked(k key, learned bool) *entry {
	if len(p.cache) >= p.opt.CacheLimit {
		victim := p.learned.Front()
		if victim == nil {
			victim = p.used.Front()
		}
		p.evictLocked(victim.Value.(*entry))
	}
	e := &entry{key: k, learned: learned}
	if learned {
		e.elem = p.learned.PushBack(e)
	} else {
		e.elem = p.used.PushBack(e)
	}
	p.cache[k] = e
	return e
}

// evictLocked removes e from the cache, dropping the frames that waited
// for it.
func (p *Protocol) evictLocked(e *entry) {
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
	p.stack.Counters.ARPPendingDrops.Add(uint64(len(e.pending)))
	e.pending = nil
	if e.learned {
		p.learned.Remove(e.elem)
	} else {
		p.used.Remove(e.elem)
	}
	delete(p.cache, e.key)
}

// touchLocked records that the stack is sending to e: it becomes the most
// recently used entry.
func (p *Protocol) touchLocked(e *entry) {
	if e.learned {
		p.learned.Remove(e.elem)
		e.learned = false
		e.elem = p.used.PushBack(e)
		return
	}
	p.used.MoveToBack(e.elem)
}

// resolveLocked records mac for e and returns the frames that waited for it.
func (p *Protocol) resolveLocked(e *entry, mac header.MAC) [][]byte {
	e.mac, e.resolved = mac, true
	e.expires = p.stack.Clock.Now().Add(p.opt.Reachable)
	e.requests = 0
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
	flush := e.pending
	e.pending = nil
	return flush
}

// SendIPv4Frame sends frame to nexthop, resolving its MAC first; while
// unresolved, a copy of the frame waits (up to PendingLimit per address).
func (p *Protocol) SendIPv4Frame(nic *core.NIC, nexthop netip.Addr, frame []byte) error {
	if nexthop == netip.AddrFrom4([4]byte{255, 255, 255, 255}) || core.IsSubnetBroadcast(nic.Prefix(), nexthop) {
		return nic.WriteFrame(frame, header.Broadcast, header.EtherTypeIPv4)
	}
	now := p.stack.Clock.Now()
	p.mu.Lock()
	k := key{nic.ID(), nexthop}
	e, ok := p.cache[k]
	if ok {
		p.touchLocked(e)
	}
	if ok && e.resolved && now.Before(e.expires) {
		mac := e.mac
		p.mu.Unlock()
		return nic.WriteFrame(frame, mac, header.EtherTypeIPv4)
	}
	switch {
	case !ok:
		e = p.addLocked(k, false)
	case e.resolved:
		// Expired: ask again (RFC 1122 §2.3.2.1 allows either probing or
		// re-requesting; we re-request).
		e.resolved = false
	}
	if len(e.pending) >= p.opt.PendingLimit {
		p.mu.Unlock()
		p.stack.Counters.ARPPendingDrops.Add(1)
		return nil // dropped like a lost packet; the sender's retransmission copes
	}
	e.pending = append(e.pending, append([]byte(nil), frame...))
	send := e.timer == nil // no request in flight: send one now
	if send {
		e.requests = 1
		e.timer = p.stack.Clock.AfterFunc(p.opt.Retrans, func() { p.retry(nic, e) })
	} else {
		p.stack.Counters.ARPRateLimited.Add(1)
	}
	p.mu.Unlock()
	if send {
		p.request(nic, nexthop)
	}
	return nil
}

// retry resends a request, or gives up after MaxRequests and drops the
// frames that waited (RFC 1122 §2.3.2.1: at most one request per second
// per address, and a bounded number of them; Linux's retrans_time_ms and
// mcast_solicit).
func (p *Protocol) retry(nic *core.NIC, e *entry) {
	p.mu.Lock()
	if p.cache[e.key] != e || e.resolved {
		p.mu.Unlock() // answered, or evicted and perhaps asked for anew
		return
	}
	if e.requests >= p.opt.MaxRequests {
		e.timer = nil
		p.evictLocked(e)
		p.mu.Unlock()
		return
	}
	e.requests++
	e.timer = p.stack.Clock.AfterFunc(p.opt.Retrans, func() { p.retry(nic, e) })
	p.mu.Unlock()
	p.request(nic, e.key.ip)
}

func (p *Protocol) request(nic *core.NIC, ip netip.Addr) {
	f := core.AllocFrame(header.ARPLen)
	header.EncodeARP((*f)[header.EthernetLen:], header.ARPRequest, nic.MAC(), nic.Addr(), header.MAC{}, ip)
	p.stack.Counters.ARPOutRequests.Add(1)
	nic.WriteFrame(*f, header.Broadcast, header.EtherTypeARP)
	core.FreeFrame(f)
}

// Neighbor is one cache entry, as `ip neigh` shows it.
type Neighbor struct {
	NIC     int
	IP      netip.Addr
	MAC     header.MAC
	State   string // REACHABLE, STALE (expired), INCOMPLETE (waiting for a reply)
	Pending int    // frames waiting for the answer
}

// Neighbors returns the cache, ordered by NIC then address.
func (p *Protocol) Neighbors() []Neighbor {
	now := p.stack.Clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Neighbor
	for k, e := range p.cache {
		n := Neighbor{NIC: k.nic, IP: k.ip, MAC: e.mac, Pending: len(e.pending)}
		switch {
		case !e.resolved:
			n.State = "INCOMPLETE"
		case now.Before(e.expires):
			n.State = "REACHABLE"
		default:
			n.State = "STALE"
		}
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].NIC != out[j].NIC {
			return out[i].NIC < out[j].NIC
		}
		return out[i].IP.Less(out[j].IP)
	})
	return out
}
