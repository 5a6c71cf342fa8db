// endpoint.go is one TCP socket's control block (RFC 9293 §3.3.1's TCB)
// and the calls an application makes on it.

package tcp

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/header"
)

// States, numbered as collect.State (Linux tcp_states.h).
const (
	stateClosed      = collect.StateClose
	stateListen      = collect.StateListen
	stateSynSent     = collect.StateSynSent
	stateSynRecv     = collect.StateSynRecv
	stateEstablished = collect.StateEstablished
	stateFinWait1    = collect.StateFinWait1
	stateFinWait2    = collect.StateFinWait2
	stateCloseWait   = collect.StateCloseWait
	stateClosing     = collect.StateClosing
	stateLastAck     = collect.StateLastAck
	stateTimeWait    = collect.StateTimeWait
)

// SocketMemory is what a control block costs the stack's budget.
const SocketMemory = 2048

// finTimeout bounds how long an orphaned connection (closed by its
// application) may wait in FIN_WAIT_2 for the peer's FIN, as Linux's
// net.ipv4.tcp_fin_timeout.
const finTimeout = 60 * time.Second

// ErrNoBufs means the stack's memory budget cannot hold another socket or
// more buffered data.
var ErrNoBufs = fmt.Errorf("tcp: stack memory budget exhausted: %w", syscall.ENOBUFS)

// segment is a received segment, parsed.
type segment struct {
	src, dst netip.AddrPort
	seq, ack Seq
	flags    uint8
	wnd      uint16
	opts     header.TCPOptions
	data     []byte
	// isnFloor, when set, is the lowest ISS a listener may give the
	// connection this SYN opens: it reopens one that was in TIME_WAIT.
	isnFloor    Seq
	hasISNFloor bool
}

func (s *segment) has(f uint8) bool { return s.flags&f != 0 }

// length is SEG.LEN: data plus one for SYN and one for FIN.
func (s *segment) length() uint32 {
	n := uint32(len(s.data))
	if s.has(header.TCPSyn) {
		n++
	}
	if s.has(header.TCPFin) {
		n++
	}
	return n
}

type oooSegment struct {
	seq  Seq
	data []byte
}

// Endpoint is a TCP socket.
type Endpoint struct {
	p       *Protocol
	id      uint64
	created time.Time

	mu     sync.Mutex
	state  collect.State
	local  netip.AddrPort
	remote netip.AddrPort
	bound  bool // holds a port reservation
	fd     int  // descriptor number; -1 when none refers to it

	// Send sequence variables (RFC 9293 §3.3.1).
	iss, sndUna, sndNxt Seq
	sndMax              Seq // highest sequence sent + 1; above SND.NXT after a timeout rewinds it
	sndWnd, maxSndWnd   uint32
	sndWl1, sndWl2      Seq
	sndBuf              byteQueue // from SND.UNA: unacknowledged, then unsent data
	sndBufLimit         int
	finQueued, finSent  bool
	finSeq              Seq

	// Receive sequence variables.
	irs, rcvNxt Seq
	rcvBuf      byteQueue
	rcvBufLimit int
	ooo         []oooSegment
	oooBytes    int
	rcvSack     rcvSACK // the blocks our ACKs report (sack.go)
	finRcvd     bool
	lastAdvWnd  uint32 // the window last advertised

	// Negotiated options.
	mss                  uint32 // what we put in one segment
	sndWScale, rcvWScale uint8
	tsOK                 bool
	tsRecent             uint32
	tsRecentAt           time.Time // when TS.Recent was last set (PAWS, RFC 7323 §5.5)
	sackOK               bool      // both SYNs carried SACK-permitted (RFC 2018 §2)
	tsRewind             uint32    // our timestamp clock at the last timeout rewind

	rto        *RTO
	cc         *NewReno
	sb         scoreboard // SACK: the segments in flight (scoreboard.go)
	rec        recovery   // SACK: loss recovery (recovery.go)
	rttTiming  bool
	rttSeq     Seq
	rttStart   time.Time
	retransCur uint32 // retransmissions of the current segment
	totRetrans uint32
	bytesAcked uint64
	bytesRcvd  uint64
	pendingAck int // segments received and not yet acknowledged

	retrans, delack, persist, keep epTimer
	closeT                         epTimer // the orphaned FIN_WAIT_2 bound
	rdTimer, wrTimer               epTimer // wake blocked callers at their deadline
	timerKind                      collect.Timer
	timerAt                        time.Time
	persistBackoff                 uint
	probesOut                      int // zero-window probes sent since the peer's last ACK

	keepalive  bool
	keepProbes int
	lastRecv   time.Time
	lastOOWAck time.Time // when the last ACK for an unacceptable segment left (Linux's last_oow_ack_time)

	// Listener.
	backlog int
	acceptQ []*Endpoint
	synRcvd int
	// synqOverflow is when the SYN queue last overflowed and a SYN cookie
	// was sent (Linux's tcp_synq_overflow); ACKs are checked as cookies
	// only for a while after it.
	synqOverflow time.Time
	parent       *Endpoint // the listener of a passively opened connection
	accepted     bool      // handed to the application by Accept

	err            error // the connection's fatal error (reset, refused, timed out)
	softErr        error // an ICMP error that was not fatal; reported instead of ETIMEDOUT
	rdShut, wrShut bool
	userClosed     bool
	orphaned       bool      // counted in Protocol.orphans
	lastSend       time.Time // when data was last sent (Linux's lsndtime)
	memUsed        int64
	cond           sync.Cond // blocked callers wait here; L is &mu
	rdDeadline     time.Time
	wrDeadline     time.Time
}

// NewEndpoint creates a closed socket, charging its control block.
func (p *Protocol) NewEndpoint() (*Endpoint, error) {
	if !p.stack.Budget.Take(SocketMemory) {
		return nil, ErrNoBufs
	}
	e := p.newEndpoint()
	e.memUsed = SocketMemory
	p.mu.Lock()
	p.all[e] = struct{}{}
	p.mu.Unlock()
	return e, nil
}

func (p *Protocol) newEndpoint() *Endpoint {
	rto := NewRTO()
	rto.Min = p.opt.MinRTO
	now := p.stack.Clock.Now()
	e := &Endpoint{
		p: p, id: p.ids.Add(1), created: now, state: stateClosed, fd: -1,
		sndBufLimit: p.opt.SndBuf, rcvBufLimit: p.opt.RcvBuf, rto: rto,
		// Timestamps are compared modulo 2^32, so the rewind mark starts
		// at our clock, not at 0 (which half of all clocks would be
		// "before").
		tsRewind: uint32(now.UnixMilli()),
		rec:      recovery{reoMult: 1},
	}
	e.cond.L = &e.mu
	return e
}

// ID is the socket's never-reused identifier.
func (e *Endpoint) ID() uint64 { return e.id }

// SetFD records the descriptor that refers to the socket (-1: none).
func (e *Endpoint) SetFD(fd int) { e.mu.Lock(); e.fd = fd; e.mu.Unlock() }

// wakeLocked wakes every caller blocked on the endpoint to look again.
// A condition variable, not a channel closed and remade per event: a
// bulk transfer wakes its writer on every ACK.
func (e *Endpoint) wakeLocked() { e.cond.Broadcast() }

// waitLocked blocks until woken, or fails once the deadline has passed;
// it is called with mu held and returns with it held. Callers loop:
// check, wait, check again. The deadline timers (armed by
// Set*Deadline) wake them when it passes.
func (e *Endpoint) waitLocked(deadline time.Time) error {
	if !deadline.IsZero() && !e.p.stack.Clock.Now().Before(deadline) {
		return os.ErrDeadlineExceeded
	}
	e.cond.Wait()
	return nil
}

// Bind reserves a local address; port 0 picks an ephemeral port.
func (e *Endpoint) Bind(addr netip.AddrPort) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.bound {
		return fmt.Errorf("tcp: bind: already bound to %v: %w", e.local, syscall.EINVAL)
	}
	if e.userClosed {
		return net.ErrClosed
	}
	got, err := e.p.bind(addr)
	if err != nil {
		return err
	}
	e.local, e.bound = got, true
	return nil
}

// Listen makes a bound socket passive, with at most backlog connections
// waiting for Accept (RFC 9293 §3.10.1; the bound is what keeps a SYN
// flood from taking unbounded memory).
func (e *Endpoint) Listen(backlog int) error {
	if backlog <= 0 {
		backlog = 128 // SOMAXCONN's old value
	}
	if !e.isBound() {
		if err := e.Bind(netip.AddrPort{}); err != nil {
			return err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state != stateClosed {
		return fmt.Errorf("tcp: listen in state %v: %w", e.state, syscall.EINVAL)
	}
	e.state, e.backlog = stateListen, backlog
	e.p.mu.Lock()
	e.p.listeners[e.local.Port()] = append(e.p.listeners[e.local.Port()], e)
	e.p.mu.Unlock()
	return nil
}

func (e *Endpoint) isBound() bool { e.mu.Lock(); defer e.mu.Unlock(); return e.bound }

// Accept blocks for an established connection and returns it.
func (e *Endpoint) Accept() (*Endpoint, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for {
		if e.state != stateListen {
			return nil, fmt.Errorf("tcp: accept: not listening: %w", syscall.EINVAL)
		}
		if len(e.acceptQ) > 0 {
			c := e.acceptQ[0]
			e.acceptQ[0] = nil
			e.acceptQ = e.acceptQ[1:]
			c.mu.Lock()
			c.accepted = true
			c.mu.Unlock()
			return c, nil
		}
		if err := e.waitLocked(e.rdDeadline); err != nil {
			return nil, err
		}
	}
}

// Connect opens a connection actively (RFC 9293 §3.10.1) and blocks until
// it is established, refused or timed out.
func (e *Endpoint) Connect(remote netip.AddrPort) error {
	if !remote.Addr().Is4() || remote.Port() == 0 {
		return fmt.Errorf("tcp: connect %v: %w", remote, syscall.EINVAL)
	}
	nic, _, ok := e.p.stack.FindRoute(remote.Addr())
	src := netip.Addr{}
	switch {
	case ok:
		src = nic.Addr()
	case e.p.stack.IsLocal(remote.Addr()):
		src = remote.Addr()
	default:
		return fmt.Errorf("tcp: connect %v: %w", remote, syscall.ENETUNREACH)
	}
	e.mu.Lock()
	if e.state != stateClosed || e.userClosed {
		e.mu.Unlock()
		return fmt.Errorf("tcp: connect in state %v: %w", e.state, syscall.EISCONN)
	}
	if !e.bound {
		got, err := e.p.bind(netip.AddrPortFrom(netip.IPv4Unspecified(), 0))
		if err != nil {
			e.mu.Unlock()
			return err
		}
		e.local, e.bound = got, true
	}
	if e.local.Addr().IsUnspecified() {
		e.local = netip.AddrPortFrom(src, e.local.Port())
	}
	e.remote = remote
	if !e.p.register(e) {
		e.mu.Unlock()
		return fmt.Errorf("tcp: connect %v from %v: %w", remote, e.local, syscall.EADDRINUSE)
	}
	now := e.p.stack.Clock.Now()
	e.iss = e.p.isn.ISN(e.local, e.remote, now)
	e.sndUna, e.sndNxt = e.iss, e.iss.Add(1)
	e.sndMax = e.sndNxt
	e.initOptionsLocked(nic)
	e.state = stateSynSent
	e.p.stack.Counters.TCPActiveOpens.Add(1)
	e.sendSynLocked(false)
	for e.state == stateSynSent || e.state == stateSynRecv {
		if err := e.waitLocked(e.wrDeadline); err != nil {
			e.abortLocked(nil, false)
			e.mu.Unlock()
			return err
		}
	}
	err := e.err
	e.mu.Unlock()
	if err != nil {
		return err
	}
	return nil
}

// Write queues data for sending, blocking while the send buffer is full.
func (e *Endpoint) Write(b []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	written := 0
	for written < len(b) {
		if e.err != nil {
			return written, e.err
		}
		if e.wrShut || e.userClosed {
			return written, fmt.Errorf("tcp: write after shutdown: %w", syscall.EPIPE)
		}
		switch e.state {
		case stateEstablished, stateCloseWait:
		default:
			return written, fmt.Errorf("tcp: write in state %v: %w", e.state, syscall.ENOTCONN)
		}
		room := e.sndBufLimit - e.sndBuf.Len()
		if room <= 0 {
			if err := e.waitLocked(e.wrDeadline); err != nil {
				return written, err
			}
			continue
		}
		n := e.chargeSendLocked(min(room, len(b)-written))
		if n == 0 {
			if e.sndBuf.Len() > 0 {
				// Under memory pressure with our minimum queued: wait, as
				// Linux's sk_stream_wait_memory does, for the peer's ACKs
				// to drain the queue.
				if err := e.waitLocked(e.wrDeadline); err != nil {
					return written, err
				}
				continue
			}
			// Nothing queued and not even the minimum to be had: the
			// whole budget is spent, and no ACK of ours will come to
			// wake us.
			if written > 0 {
				return written, nil
			}
			return 0, ErrNoBufs
		}
		e.sndBuf.Append(b[written : written+n])
		written += n
		e.trySendLocked()
	}
	return written, nil
}

// Read returns received data, blocking until some arrives; it returns
// io.EOF-style (0, nil) never: (0, EOF) is reported as n == 0 with err
// io.EOF by the adapter. Here EOF is ErrEOF.
func (e *Endpoint) Read(b []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for {
		// A Close from another goroutine ends a blocked Read, as net.Conn
		// promises (and close(2) does for a blocked recv on Linux).
		if e.userClosed {
			return 0, net.ErrClosed
		}
		if e.rcvBuf.Len() > 0 {
			n := copy(b, e.rcvBuf.Bytes())
			e.rcvBuf.Consume(n)
			e.memUsed -= int64(n)
			e.p.stack.Budget.Release(int64(n))
			e.maybeWindowUpdateLocked()
			return n, nil
		}
		if e.finRcvd || e.rdShut {
			return 0, ErrEOF
		}
		if e.err != nil {
			return 0, e.err
		}
		if e.state == stateClosed || e.state == stateListen || e.state == stateSynSent {
			return 0, fmt.Errorf("tcp: read in state %v: %w", e.state, syscall.ENOTCONN)
		}
		if err := e.waitLocked(e.rdDeadline); err != nil {
			return 0, err
		}
	}
}

// ErrEOF is returned by Read once the peer's FIN has been read.
var ErrEOF = fmt.Errorf("tcp: end of stream")

// Shutdown closes one or both halves (RFC 9293 §3.10.4 for the send half:
// a FIN follows the data already queued).
func (e *Endpoint) Shutdown(read, write bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if read {
		e.rdShut = true
		e.wakeLocked()
	}
	if write && !e.wrShut {
		e.wrShut = true
		e.closeSendLocked()
	}
	return nil
}

// closeSendLocked queues our FIN and moves the state on.
func (e *Endpoint) closeSendLocked() {
	switch e.state {
	case stateEstablished:
		e.state = stateFinWait1
	case stateCloseWait:
		e.state = stateLastAck
	case stateSynRecv:
		e.state = stateFinWait1
	default:
		return
	}
	e.finQueued = true
	e.trySendLocked()
	e.wakeLocked()
}

// Close releases the socket for the application. Queued data is still
// delivered and the connection closes gracefully, unless unread data was
// left behind: then the peer gets a reset, as RFC 2525 §2.17 and Linux do.
func (e *Endpoint) Close() error {
	e.mu.Lock()
	if e.userClosed {
		e.mu.Unlock()
		return net.ErrClosed
	}
	e.userClosed, e.fd = true, -1
	// No caller can block on this descriptor any more: a deadline timer
	// left armed would keep the endpoint reachable until it fired.
	e.rdTimer.stop()
	e.wrTimer.stop()
	switch e.state {
	case stateListen:
		e.closeListenerLocked()
	case stateClosed, stateSynSent:
		e.abortLocked(nil, false)
	default:
		if e.rcvBuf.Len() > 0 || (e.rdShut && e.state == stateEstablished && len(e.ooo) > 0) {
			e.sendRstLocked()
			e.abortLocked(nil, false)
			break
		}
		e.wrShut = true
		e.closeSendLocked()
		if e.state == stateFinWait2 {
			e.armCloseTimerLocked()
		}
		if e.state != stateClosed {
			e.orphanLocked()
		}
	}
	e.wakeLocked()
	e.mu.Unlock()
	return nil
}

// closeListenerLocked stops listening and resets every connection not
// yet accepted (lock order: the listener's lock, then each child's).
func (e *Endpoint) closeListenerLocked() {
	q := e.acceptQ
	e.acceptQ = nil
	e.state = stateClosed
	e.p.unlisten(e)
	for _, c := range q {
		c.mu.Lock()
		c.parent = nil
		c.sendRstLocked()
		c.abortLocked(nil, false)
		c.mu.Unlock()
	}
	e.releaseLocked()
}

// SetKeepAlive turns keepalive probes on or off (RFC 9293 §3.8.4).
func (e *Endpoint) SetKeepAlive(on bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.keepalive = on
	if on {
		e.armKeepaliveLocked(e.p.opt.KeepaliveIdle)
	} else {
		e.keep.stop()
	}
}

// SetReadDeadline and SetWriteDeadline bound blocking calls.
func (e *Endpoint) SetReadDeadline(t time.Time) {
	e.mu.Lock()
	e.rdDeadline = t
	e.armDeadlineLocked(&e.rdTimer, t, (*Endpoint).onReadDeadline)
	e.mu.Unlock()
}

func (e *Endpoint) SetWriteDeadline(t time.Time) {
	e.mu.Lock()
	e.wrDeadline = t
	e.armDeadlineLocked(&e.wrTimer, t, (*Endpoint).onWriteDeadline)
	e.mu.Unlock()
}

// armDeadlineLocked arms the timer that wakes blocked callers when a
// deadline passes, and wakes them now so they see the new deadline.
func (e *Endpoint) armDeadlineLocked(t *epTimer, at time.Time, f func(*Endpoint)) {
	if at.IsZero() {
		t.stop()
	} else {
		t.arm(e, max(at.Sub(e.p.stack.Clock.Now()), 0), f)
	}
	e.wakeLocked()
}

func (e *Endpoint) onReadDeadline()  { e.onDeadline(&e.rdTimer) }
func (e *Endpoint) onWriteDeadline() { e.onDeadline(&e.wrTimer) }

func (e *Endpoint) onDeadline(t *epTimer) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t.fired(e.p.stack.Clock.Now()) {
		e.wakeLocked()
	}
}

// LocalAddr and RemoteAddr report the connection's addresses.
func (e *Endpoint) LocalAddr() netip.AddrPort  { e.mu.Lock(); defer e.mu.Unlock(); return e.local }
func (e *Endpoint) RemoteAddr() netip.AddrPort { e.mu.Lock(); defer e.mu.Unlock(); return e.remote }

// State returns the connection's state.
func (e *Endpoint) State() collect.State { e.mu.Lock(); defer e.mu.Unlock(); return e.state }
