// timewait.go keeps TIME_WAIT cheap, as Linux does with its
// inet_timewait_sock: a connection that enters TIME_WAIT leaves its full
// control block (buffers, timers, congestion state: SocketMemory and up)
// for a time-wait block of a few words in a table of the protocol's,
// with one timer for the whole table; the number of such blocks is
// capped (tcp_max_tw_buckets), and a SYN may end one early to open a new
// incarnation of the connection (RFC 6191, Linux
// tcp_timewait_state_process).

package tcp

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/header"
)

// TimeWaitMemory is what one connection in TIME_WAIT costs the budget:
// its time-wait block in the table and its place in the expiry queue,
// which TestTimeWaitMemory measures on the heap at 89 to 136 bytes
// depending on how recently the table grew (a full control block costs
// SocketMemory, 2048 bytes, before any buffer).
const TimeWaitMemory = 144

// twKey is a connection's four-tuple, packed: the stack is IPv4 only.
type twKey struct {
	laddr, raddr [4]byte
	lport, rport uint16
}

func twKeyOf(local, remote netip.AddrPort) twKey {
	return twKey{local.Addr().As4(), remote.Addr().As4(), local.Port(), remote.Port()}
}

func (k twKey) local() netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4(k.laddr), k.lport)
}

func (k twKey) remote() netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4(k.raddr), k.rport)
}

// timeWait is what TIME_WAIT needs of a connection (RFC 9293 §3.6.1):
// enough to acknowledge a retransmitted FIN, to tell a new SYN from an
// old duplicate, and to show the connection in the socket table.
type timeWait struct {
	id             uint64 // the socket ID it had, so a table row keeps its identity
	expires        twTime // when it ends; a retransmitted FIN moves it
	lastOOW        twTime // when a segment outside the window was last answered; 0: never
	sndNxt, rcvNxt Seq
	tsRecent       uint32
	wnd            uint16 // the window field of its ACKs, scaled
	tsOK           bool
	paws           bool // TS.Recent is valid for PAWS: set, and not idle 24 days (RFC 7323 §5.5)
}

// twTime is the time-wait table's clock: milliseconds since the protocol
// started, in 32 bits to keep the blocks small, compared as sequence
// numbers are (a block lives a minute; the clock wraps after 49 days).
type twTime uint32

func (p *Protocol) twNow() twTime {
	return twTime(p.stack.Clock.Now().Sub(p.epoch).Milliseconds()) | 1 // never 0, which means "never"
}

func (a twTime) before(b twTime) bool { return int32(a-b) < 0 }

func twAfter(d time.Duration) twTime { return twTime(d.Milliseconds()) }

// twEntry is a time-wait block's place in the expiry queue. Every block
// lives 2*MSL from its last (re)start, so appending at each start keeps
// the queue in expiry order; an entry the block has since outlived (a
// restart appended a later one) is stale and skipped.
type twEntry struct {
	k  twKey
	at twTime
}

// twOOWInterval is how often a time-wait block answers segments outside
// its window: Linux's tcp_invalid_ratelimit (500 ms,
// tcp_timewait_check_oow_rate_limit), so that a flood at a TIME_WAIT
// connection draws no flood of ACKs.
const twOOWInterval = 500 * time.Millisecond

// enterTimeWaitLocked hands the connection to a time-wait block for 2*MSL,
// so that old duplicates die and the last ACK can be resent (RFC 9293
// §3.6.1), and releases the full control block, as Linux tcp_time_wait
// does. When the table is full (tcp_max_tw_buckets) or the budget under
// pressure, the connection closes without TIME_WAIT and
// TCPTimeWaitOverflow counts it, as Linux does.
func (e *Endpoint) enterTimeWaitLocked() {
	e.stopTimersLocked()
	if e.p.addTimeWait(e) {
		e.bound = false // the port is the time-wait block's now
	}
	e.releaseLocked()
	// Like a Linux socket that tcp_time_wait has replaced, the endpoint
	// is in no table any more: its descriptor, if the application still
	// holds one, reads what is left and then end of stream.
	e.p.forget(e)
}

// addTimeWait enters e's connection into the time-wait table, moving it
// out of the connection table and its port reservation into TIME_WAIT in
// one step, so that a segment never finds it in neither.
func (p *Protocol) addTimeWait(e *Endpoint) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.tw) >= p.opt.MaxTimeWait || !p.stack.Budget.Grow(TimeWaitMemory) {
		p.stack.Counters.TCPTimeWaitOverflow.Add(1)
		return false
	}
	k := twKeyOf(e.local, e.remote)
	tw := timeWait{
		id: e.id, expires: p.twNow() + twAfter(2*p.opt.MSL), sndNxt: e.sndMax, rcvNxt: e.rcvNxt,
		tsRecent: e.tsRecent, tsOK: e.tsOK, paws: e.tsOK && e.tsRecent != 0 && !e.tsRecentStaleLocked(),
		wnd: uint16(min(e.rcvWindowLocked()>>e.rcvWScale, 65535)),
	}
	p.tw[k] = tw
	if t := (tuple{e.local, e.remote}); p.conns[t] == e {
		delete(p.conns, t)
	}
	if u := p.ports[e.local.Port()]; u != nil {
		u.timeWait++
	}
	p.queueTimeWaitLocked(k, tw.expires)
	return true
}

// queueTimeWaitLocked appends a block's expiry, which the table already
// holds, to the queue and keeps the timer armed for the queue's head.
// Stale entries are dropped by rebuilding the queue from the table once
// they outnumber the live blocks, so restarts cannot grow it past about
// twice the table.
func (p *Protocol) queueTimeWaitLocked(k twKey, at twTime) {
	if len(p.twQ)-p.twHead >= 2*len(p.tw)+64 {
		q := make([]twEntry, 0, 2*len(p.tw))
		for k, tw := range p.tw {
			q = append(q, twEntry{k, tw.expires})
		}
		slices.SortFunc(q, func(a, b twEntry) int { return cmp.Compare(int32(a.at-b.at), 0) })
		p.twQ, p.twHead = q, 0
	} else {
		if p.twHead > len(p.twQ)/2 {
			p.twQ = append(p.twQ[:0], p.twQ[p.twHead:]...)
			p.twHead = 0
		}
		p.twQ = append(p.twQ, twEntry{k, at})
	}
	p.armTimeWaitLocked()
}

// armTimeWaitLocked arms the table's one timer for the queue's head.
func (p *Protocol) armTimeWaitLocked() {
	if p.twHead == len(p.twQ) {
		return
	}
	at := p.twQ[p.twHead].at
	if p.twArmed && !at.before(p.twAt) {
		return
	}
	d := time.Duration(int32(at-p.twNow())) * time.Millisecond
	p.twArmed, p.twAt = true, at
	if p.twTimer == nil {
		p.twTimer = p.stack.Clock.AfterFunc(d, p.onTimeWaitTimer)
		return
	}
	p.twTimer.Reset(d)
}

// onTimeWaitTimer ends the blocks whose 2*MSL has passed.
func (p *Protocol) onTimeWaitTimer() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.twNow()
	if !p.twArmed || now.before(p.twAt) {
		return // a stale run: the timer was re-armed since
	}
	p.twArmed = false
	for p.twHead < len(p.twQ) && !now.before(p.twQ[p.twHead].at) {
		ent := p.twQ[p.twHead]
		p.twQ[p.twHead] = twEntry{}
		p.twHead++
		if tw, ok := p.tw[ent.k]; ok && !now.before(tw.expires) {
			p.dropTimeWaitLocked(ent.k)
		}
	}
	if p.twHead == len(p.twQ) {
		p.twQ, p.twHead = p.twQ[:0], 0
	}
	p.armTimeWaitLocked()
}

// dropTimeWaitLocked ends a block: its port reservation and its memory go
// back. Its queue entry, if any, is left to go stale.
func (p *Protocol) dropTimeWaitLocked(k twKey) {
	delete(p.tw, k)
	p.releasePortLocked(k.lport, true)
	p.stack.Budget.Release(TimeWaitMemory)
}

// twReply is what a time-wait block answers to a segment.
type twReply struct {
	local, remote  netip.AddrPort
	seq, ack       Seq
	wnd            uint16
	opts           header.TCPOptions
	send, reopened bool
}

// timeWaitLocked handles a segment for a connection in TIME_WAIT and
// reports false when there is none; the caller holds p.mu, and sends the
// answer (answerTimeWait) once it has let go of it. Linux
// tcp_timewait_state_process, in RFC 9293's terms (§3.10.7.4):
//   - a SYN newer than the old connection (RFC 6191 §2: a newer
//     timestamp when both have them, else a sequence number beyond what
//     the old one received, RFC 1122 §4.2.2.13) ends TIME_WAIT and opens
//     a new incarnation, its ISS above every sequence number the old one
//     used (seg.isnFloor: Linux's old SND.NXT + 65535 + 2), so its old
//     duplicates cannot pass for new data; without this a client that
//     cycles through its ephemeral ports while the server holds
//     TIME_WAITs has its SYN answered by an ACK and waits a SYN RTO;
//   - a RST exactly at RCV.NXT ends it (Linux's default, tcp_rfc1337=0);
//     any other RST is dropped;
//   - a segment whose timestamp is older than TS.Recent fails PAWS (RFC
//     7323 §5, Linux's tcp_paws_reject with no tolerance in TIME_WAIT):
//     it reopens nothing and is not taken at RCV.NXT, only answered; a
//     RST is exempt, as on a synchronized connection;
//   - a bare ACK at RCV.NXT is taken silently (a newer timestamp noted);
//   - anything else (a retransmitted FIN, an old duplicate SYN) is
//     answered with an ACK, and a FIN restarts the 2*MSL. As Linux's
//     tcp_oow_rate_limited, a segment that occupies sequence space (data
//     or a FIN) without a SYN is always answered: it is the peer's
//     retransmission, not part of an ACK loop; any other is answered at
//     most once per twOOWInterval (TCPACKSkippedTimeWait counts the
//     rest).
func (p *Protocol) timeWaitLocked(seg *segment) (twReply, bool) {
	k := twKeyOf(seg.dst, seg.src)
	tw, ok := p.tw[k]
	if !ok {
		return twReply{}, false
	}
	now := p.twNow()
	paws := tw.paws && seg.opts.HasTS && !seg.has(header.TCPRst) && int32(tw.tsRecent-seg.opts.TSVal) > 0
	if paws {
		p.stack.Counters.TCPPAWSEstab.Add(1)
	}
	if !paws && seg.has(header.TCPSyn) && !seg.has(header.TCPAck|header.TCPRst|header.TCPFin) {
		newer := tw.rcvNxt.LessThan(seg.seq)
		if tw.tsOK && seg.opts.HasTS {
			newer = int32(seg.opts.TSVal-tw.tsRecent) > 0
		}
		if newer {
			seg.isnFloor, seg.hasISNFloor = tw.sndNxt.Add(65535+2), true
			p.dropTimeWaitLocked(k)
			return twReply{reopened: true}, true
		}
	}
	if !paws && seg.seq == tw.rcvNxt && (seg.length() == 0 || seg.has(header.TCPRst)) {
		if seg.has(header.TCPRst) {
			p.dropTimeWaitLocked(k)
			return twReply{}, true
		}
		if tw.tsOK && seg.opts.HasTS && int32(seg.opts.TSVal-tw.tsRecent) > 0 {
			tw.tsRecent = seg.opts.TSVal
			p.tw[k] = tw
		}
		return twReply{}, true
	}
	if seg.has(header.TCPRst) {
		return twReply{}, true
	}
	r := twReply{local: k.local(), remote: k.remote(), seq: tw.sndNxt, ack: tw.rcvNxt, wnd: tw.wnd}
	switch {
	case seg.length() > 0 && !seg.has(header.TCPSyn):
		r.send = true
	case tw.lastOOW == 0 || !now.before(tw.lastOOW+twAfter(twOOWInterval)):
		tw.lastOOW = now
		r.send = true
	default:
		p.stack.Counters.TCPACKSkippedTimeWait.Add(1)
	}
	if r.send {
		if tw.tsOK {
			r.opts = header.TCPOptions{HasTS: true, TSVal: uint32(p.stack.Clock.Now().UnixMilli()), TSEcr: tw.tsRecent}
		}
	}
	restart := seg.has(header.TCPFin)
	if restart {
		// "The only thing that can arrive in this state is a
		// retransmission of the remote FIN. Acknowledge it, and restart
		// the 2 MSL timeout" (§3.10.7.4).
		tw.expires = now + twAfter(2*p.opt.MSL)
	}
	p.tw[k] = tw
	if restart {
		p.queueTimeWaitLocked(k, tw.expires)
	}
	return r, true
}

// answerTimeWait sends a time-wait block's answer, or hands a SYN that
// reopened the connection on to the listener; the caller holds no lock.
func (p *Protocol) answerTimeWait(r twReply, seg *segment) {
	if r.send {
		p.sendRaw(r.local, r.remote, r.seq, r.ack, header.TCPAck, r.wnd, r.opts, nil)
	}
	if r.reopened {
		p.demux(seg)
	}
}

// TimeWaitRows returns a table row for each connection in TIME_WAIT: it
// is in the stack's socket table as in Linux's, with its timer.
func (p *Protocol) TimeWaitRows() []collect.Socket {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.twNow()
	rows := make([]collect.Socket, 0, len(p.tw))
	for k, tw := range p.tw {
		rows = append(rows, collect.Socket{
			Source: collect.Source{Kind: "stack", Name: p.stack.Name},
			Proto:  collect.ProtoTCP, Family: collect.FamilyIPv4,
			Local: k.local(), Remote: k.remote(), State: collect.StateTimeWait,
			Cookie: tw.id,
			Stack: &collect.StackInfo{
				FD: -1, MemUsed: TimeWaitMemory, MemLimit: TimeWaitMemory,
				SndUna: uint32(tw.sndNxt), SndNxt: uint32(tw.sndNxt), RcvNxt: uint32(tw.rcvNxt),
				RcvWnd: uint32(tw.wnd),
			},
			TCP: &collect.TCPInfo{
				Timer: collect.TimerTimeWait, TimerExpires: collect.MillisOf(time.Duration(max(int32(tw.expires-now), 0)) * time.Millisecond),
			},
		})
	}
	return rows
}

// TimeWaits returns how many connections are in TIME_WAIT.
func (p *Protocol) TimeWaits() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.tw)
}
