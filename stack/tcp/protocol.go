// protocol.go registers TCP into a stack: port allocation, demultiplexing
// of segments to endpoints, and the answer for segments no endpoint wants.

package tcp

import (
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/header"
)

// Options tune TCP; zero values take Linux's defaults.
type Options struct {
	MSL             time.Duration // 30 s: TIME_WAIT lasts 2*MSL = 60 s, as Linux's TCP_TIMEWAIT_LEN
	SndBuf, RcvBuf  int           // per-socket buffers; 256 KiB and 1 MiB
	SynRetries      int           // 6 (net.ipv4.tcp_syn_retries)
	Retries         int           // 15 (net.ipv4.tcp_retries2)
	DelayedAck      time.Duration // 40 ms (TCP_DELACK_MIN)
	KeepaliveIdle   time.Duration // 2 h (tcp_keepalive_time)
	KeepaliveIntvl  time.Duration // 75 s (tcp_keepalive_intvl)
	KeepaliveProbes int           // 9 (tcp_keepalive_probes)
	MinRTO          time.Duration // 200 ms (TCP_RTO_MIN)
	// NoTimestamps and NoWindowScale turn the RFC 7323 options off.
	NoTimestamps, NoWindowScale bool
	// NoSACK keeps SACK-permitted (RFC 2018) off our SYNs and refuses the
	// peer's: loss recovery is then NewReno's.
	NoSACK bool
	// NoSYNCookies drops SYNs when a listener's SYN queue is full instead
	// of answering them with SYN cookies (net.ipv4.tcp_syncookies=0; the
	// default is Linux's 1: cookies only when the queue is full).
	NoSYNCookies bool
	// OrphanRetries is net.ipv4.tcp_orphan_retries: how many times a
	// connection its application has closed retransmits or probes before
	// it gives up. 0, Linux's default, means 8 while the backed-off RTO
	// is below TCP_RTO_MAX, and none beyond (tcp_orphan_retries()).
	OrphanRetries int
	// MaxOrphans is net.ipv4.tcp_max_orphans: past it an orphan is reset
	// instead of finishing its close. 0 scales it with the memory budget,
	// one orphan per 64 KiB ("each orphan eats up to ~64K of unswappable
	// memory", Linux's ip-sysctl documentation): 1024 for 64 MiB.
	MaxOrphans int
	// MaxTimeWait is net.ipv4.tcp_max_tw_buckets: past it a connection
	// closes without TIME_WAIT (TCPTimeWaitOverflow counts it). 0 scales
	// it with the memory budget, a quarter of it in time-wait blocks:
	// 116,508 for 64 MiB (Linux sized it 131,072 on a 24 GiB machine).
	MaxTimeWait int
}

// Protocol is TCP registered into one stack.
//
// Lock order: pruneMu, then Endpoint.mu (a listener's before its
// children's), then Protocol.mu, which is a leaf: nothing takes an
// endpoint lock while holding it. Sending takes no TCP lock, so it
// happens under Endpoint.mu.
type Protocol struct {
	stack   *core.Stack
	opt     Options
	ids     *atomic.Uint64
	isn     *ISNGenerator
	cookies *cookieJar

	mu        sync.Mutex
	conns     map[tuple]*Endpoint // synchronized and handshaking endpoints
	listeners map[uint16][]*Endpoint
	all       map[*Endpoint]struct{} // every live endpoint, for Snapshot
	ports     map[uint16]*portUse
	ephemeral core.Ephemeral

	orphans atomic.Int64 // connections closed by their application and not yet gone

	// TIME_WAIT (timewait.go): the time-wait blocks, their expiry queue
	// (live from twHead) and its one timer, due at twAt when twArmed.
	tw      map[twKey]timeWait
	twQ     []twEntry
	twHead  int
	twTimer clock.Timer
	twAt    twTime
	twArmed bool
	epoch   time.Time // the time-wait table's clock starts here

	oooTotal   atomic.Int64 // out-of-order bytes held by all endpoints
	pruneAsked atomic.Bool  // a receive was refused memory: prune (prune.go)
	pruneMu    sync.Mutex   // one prune at a time
}

// portUse counts the endpoints holding a local port, and how many of them
// are in TIME_WAIT (which a new bind may reuse, as SO_REUSEADDR allows).
type portUse struct{ total, timeWait int }

type tuple struct {
	local, remote netip.AddrPort
}

// New registers TCP into s; ids is the stack's socket ID counter.
func New(s *core.Stack, ids *atomic.Uint64, opt Options) *Protocol {
	if opt.MSL == 0 {
		opt.MSL = 30 * time.Second
	}
	if opt.SndBuf == 0 {
		opt.SndBuf = 256 << 10
	}
	if opt.RcvBuf == 0 {
		opt.RcvBuf = 1 << 20
	}
	if opt.SynRetries == 0 {
		opt.SynRetries = 6
	}
	if opt.Retries == 0 {
		opt.Retries = 15
	}
	if opt.DelayedAck == 0 {
		opt.DelayedAck = 40 * time.Millisecond
	}
	if opt.KeepaliveIdle == 0 {
		opt.KeepaliveIdle = 2 * time.Hour
	}
	if opt.KeepaliveIntvl == 0 {
		opt.KeepaliveIntvl = 75 * time.Second
	}
	if opt.KeepaliveProbes == 0 {
		opt.KeepaliveProbes = 9
	}
	if opt.MinRTO == 0 {
		opt.MinRTO = DefaultMinRTO
	}
	if opt.MaxOrphans == 0 {
		opt.MaxOrphans = int(max(s.Budget.Limit()/(64<<10), 1))
	}
	if opt.MaxTimeWait == 0 {
		opt.MaxTimeWait = int(max(s.Budget.Limit()/4/TimeWaitMemory, 1))
	}
	p := &Protocol{
		stack: s, opt: opt, ids: ids, isn: NewISNGenerator(s.Clock.Now()), cookies: newCookieJar(), epoch: s.Clock.Now(),
		conns: map[tuple]*Endpoint{}, tw: map[twKey]timeWait{}, listeners: map[uint16][]*Endpoint{}, all: map[*Endpoint]struct{}{},
		ports: map[uint16]*portUse{}, ephemeral: core.NewEphemeral(),
	}
	s.RegisterTransport(header.ProtoTCP, p)
	return p
}

// HandleIPv4 checks a segment and hands it to its endpoint: the connection
// with its exact 4-tuple, else a listener on its port, else it is answered
// with a reset (RFC 9293 §3.10.7.1).
func (p *Protocol) HandleIPv4(nic *core.NIC, ip header.IPv4) {
	c := &p.stack.Counters
	c.TCPInSegs.Add(1)
	// RFC 1122 §4.2.3.10: a SYN to a broadcast or multicast address is
	// silently discarded, and so is any other segment to one, since no
	// connection has such an address and the reset that a segment for no
	// connection draws must not come from it. Linux: tcp_v4_conn_request
	// ("never answer to SYNs send to broadcast or multicast"),
	// tcp_v4_send_reset (only for a local destination).
	if dst := ip.Dst(); dst.IsMulticast() || p.stack.IsBroadcast(dst) {
		return
	}
	t, err := header.ParseTCP(ip.Payload())
	if err != nil || !t.ChecksumValid(ip.Src(), ip.Dst()) {
		c.TCPInErrs.Add(1)
		return
	}
	// A malformed option is ignored, not the segment (Linux's
	// tcp_parse_options): what parsed before and around it is used.
	opts, _ := header.ParseTCPOptions(t.Options())
	seg := segment{
		src: netip.AddrPortFrom(ip.Src(), t.SrcPort()), dst: netip.AddrPortFrom(ip.Dst(), t.DstPort()),
		seq: Seq(t.Seq()), ack: Seq(t.Ack()), flags: t.Flags(), wnd: t.Window(), opts: opts, data: t.Payload(),
	}
	p.demux(&seg)
}

// demux hands a segment to the connection with its exact 4-tuple, else
// to its time-wait block, else to a listener on its port, else answers
// it with a reset. A SYN that ended a TIME_WAIT early comes back here
// (answerTimeWait), and so finds the listener as if the old connection
// were gone.
func (p *Protocol) demux(seg *segment) {
	p.mu.Lock()
	ep := p.conns[tuple{seg.dst, seg.src}]
	if ep == nil {
		if r, ok := p.timeWaitLocked(seg); ok {
			p.mu.Unlock()
			p.answerTimeWait(r, seg)
			return
		}
		ep = p.listenerLocked(seg.dst)
	}
	p.mu.Unlock()
	if ep == nil {
		p.resetClosed(seg)
		return
	}
	ep.input(seg)
}

func (p *Protocol) listenerLocked(local netip.AddrPort) *Endpoint {
	var wild *Endpoint
	for _, l := range p.listeners[local.Port()] {
		if l.local.Addr() == local.Addr() {
			return l
		}
		if l.local.Addr().IsUnspecified() {
			wild = l
		}
	}
	return wild
}

// resetClosed answers a segment for a connection that does not exist
// (RFC 9293 §3.10.7.1): an incoming RST is dropped; otherwise if ACK is
// on, <SEQ=SEG.ACK><CTL=RST>, else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
// The RST is counted before it leaves: the peer's connect fails as soon as
// it arrives, and whoever sees that must see the count.
func (p *Protocol) resetClosed(seg *segment) {
	if seg.flags&header.TCPRst != 0 {
		return
	}
	p.stack.Counters.TCPOutRsts.Add(1)
	if seg.flags&header.TCPAck != 0 {
		p.sendRaw(seg.dst, seg.src, seg.ack, 0, header.TCPRst, 0, header.TCPOptions{}, nil)
	} else {
		p.sendRaw(seg.dst, seg.src, 0, seg.seq.Add(seg.length()), header.TCPRst|header.TCPAck, 0, header.TCPOptions{}, nil)
	}
}

// segBufs holds the buffers segments are built in: IPv4 copies the
// segment into its frame before SendIPv4 returns, so the buffer goes back
// at once and a steady transfer reuses a few of them.
var segBufs = sync.Pool{New: func() any { return new([]byte) }}

// sendRaw builds and sends one segment; it takes no TCP lock.
func (p *Protocol) sendRaw(local, remote netip.AddrPort, seq, ack Seq, flags uint8, wnd uint16, o header.TCPOptions, data []byte) error {
	var optBuf [header.TCPMaxLen - header.TCPMinLen]byte
	n := header.EncodeTCPOptions(optBuf[:], o)
	bp := segBufs.Get().(*[]byte)
	defer segBufs.Put(bp)
	size := header.TCPMinLen + n + len(data)
	if cap(*bp) < size {
		*bp = make([]byte, size)
	}
	b := (*bp)[:size]
	copy(b[header.TCPMinLen:], optBuf[:n])
	copy(b[header.TCPMinLen+n:], data)
	header.EncodeTCP(b, header.TCPFields{SrcPort: local.Port(), DstPort: remote.Port(), Seq: uint32(seq), Ack: uint32(ack), Flags: flags, Window: wnd, OptionsLen: n}, local.Addr(), remote.Addr())
	p.stack.Counters.TCPOutSegs.Add(1)
	// DF on every segment: TCP picks its segment size from the MSS, and
	// fragments would only hide a bad MSS.
	return p.stack.SendIPv4(local.Addr(), remote.Addr(), header.ProtoTCP, 0, true, b)
}

// bind reserves a local port (0: ephemeral) for an endpoint.
func (p *Protocol) bind(addr netip.AddrPort) (netip.AddrPort, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.stack.BindAddr(addr.Addr())
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("tcp: bind %v: %w", addr, syscall.EADDRNOTAVAIL)
	}
	port := addr.Port()
	if port == 0 {
		port = p.ephemeral.Pick(func(cand uint16) bool { return p.ports[cand] == nil })
		if port == 0 {
			return netip.AddrPort{}, fmt.Errorf("tcp: no free ephemeral port: %w", syscall.EADDRINUSE)
		}
	} else if u := p.ports[port]; u != nil && u.total > u.timeWait {
		// Like SO_REUSEADDR on Linux: a port whose connections are all in
		// TIME_WAIT may be bound again, so a restarted server can listen
		// at once.
		return netip.AddrPort{}, fmt.Errorf("tcp: bind %v: %w", netip.AddrPortFrom(a, port), syscall.EADDRINUSE)
	}
	u := p.ports[port]
	if u == nil {
		u = &portUse{}
		p.ports[port] = u
	}
	u.total++
	return netip.AddrPortFrom(a, port), nil
}

// releasePort gives back a port reservation; timeWait says the holder was
// counted as in TIME_WAIT.
func (p *Protocol) releasePort(port uint16, timeWait bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.releasePortLocked(port, timeWait)
}

func (p *Protocol) releasePortLocked(port uint16, timeWait bool) {
	u := p.ports[port]
	if u == nil {
		return
	}
	u.total--
	if timeWait {
		u.timeWait--
	}
	if u.total <= 0 {
		delete(p.ports, port)
	}
}

// register enters a connection in the demultiplexing table; false when
// the 4-tuple is taken.
func (p *Protocol) register(e *Endpoint) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := tuple{e.local, e.remote}
	if p.conns[t] != nil {
		return false
	}
	if _, ok := p.tw[twKeyOf(e.local, e.remote)]; ok {
		return false
	}
	p.conns[t] = e
	return true
}

// unregister removes a connection from the demultiplexing table.
func (p *Protocol) unregister(e *Endpoint, t tuple) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns[t] == e {
		delete(p.conns, t)
	}
}

// forget drops an endpoint from the set Snapshot walks.
func (p *Protocol) forget(e *Endpoint) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.all, e)
}

// remember adds an endpoint (an accepted child) to the set Snapshot walks.
func (p *Protocol) remember(e *Endpoint) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.all[e] = struct{}{}
}

func (p *Protocol) unlisten(e *Endpoint) {
	p.mu.Lock()
	defer p.mu.Unlock()
	port := e.local.Port()
	ls := p.listeners[port]
	for i, l := range ls {
		if l == e {
			p.listeners[port] = append(ls[:i:i], ls[i+1:]...)
			break
		}
	}
	if len(p.listeners[port]) == 0 {
		delete(p.listeners, port)
	}
}

// Endpoints returns every live endpoint, for Snapshot.
func (p *Protocol) Endpoints() []*Endpoint {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*Endpoint, 0, len(p.all))
	for e := range p.all {
		out = append(out, e)
	}
	return out
}

// sharePort counts one more holder of a port already reserved (a child
// connection of a listener).
func (p *Protocol) sharePort(port uint16) {
	p.mu.Lock()
	defer p.mu.Unlock()
	u := p.ports[port]
	if u == nil {
		u = &portUse{}
		p.ports[port] = u
	}
	u.total++
}
