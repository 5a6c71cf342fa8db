// endpoint.go is one UDP socket's control block and its operations.

package udp

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

// Buffer accounting: what one endpoint costs the stack's budget.
const (
	// SocketMemory is the control block itself: the "memory area" a
	// socket is, taken when it is created.
	SocketMemory = 1024
	// datagramOverhead is charged per queued datagram besides its bytes,
	// as the kernel charges skb truesize.
	datagramOverhead = 256
	// DefaultRcvBuf bounds an endpoint's queue (net.core.rmem_default).
	DefaultRcvBuf = 208 << 10
)

// Endpoint is a UDP socket.
type Endpoint struct {
	proto   *Protocol
	id      uint64
	created time.Time

	mu       sync.Mutex
	local    netip.AddrPort // invalid until bound
	remote   netip.AddrPort // invalid unless connected
	closed   bool
	queue    []datagram
	queued   int // payload bytes in queue (what Recv-Q shows)
	rcvBuf   int
	memUsed  int64
	softErr  error
	ready    chan struct{} // closed and replaced whenever something changes
	deadline time.Time     // read deadline; zero: none
}

type datagram struct {
	from netip.AddrPort
	data []byte
}

// ErrNoBufs means the stack's memory budget cannot hold another socket.
var ErrNoBufs = fmt.Errorf("udp: stack memory budget exhausted: %w", syscall.ENOBUFS)

// NewEndpoint creates an unbound socket, charging its control block to the
// budget.
func (p *Protocol) NewEndpoint() (*Endpoint, error) {
	if !p.stack.Budget.Take(SocketMemory) {
		return nil, ErrNoBufs
	}
	return &Endpoint{proto: p, id: p.ids.Add(1), created: p.stack.Clock.Now(), rcvBuf: DefaultRcvBuf, memUsed: SocketMemory, ready: make(chan struct{})}, nil
}

// ID is the socket's never-reused identifier.
func (e *Endpoint) ID() uint64 { return e.id }

func (e *Endpoint) wakeLocked() {
	close(e.ready)
	e.ready = make(chan struct{})
}

// Bind gives the socket a local address; port 0 picks an ephemeral one.
func (e *Endpoint) Bind(addr netip.AddrPort) error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return net.ErrClosed
	}
	if e.local.IsValid() {
		e.mu.Unlock()
		return fmt.Errorf("udp: bind: already bound to %v: %w", e.local, syscall.EINVAL)
	}
	e.mu.Unlock()
	got, err := e.proto.bind(e, addr)
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.local = got
	e.mu.Unlock()
	return nil
}

func (e *Endpoint) autobind() error {
	e.mu.Lock()
	bound := e.local.IsValid()
	e.mu.Unlock()
	if bound {
		return nil
	}
	return e.Bind(netip.AddrPort{})
}

// Connect fixes the peer: sends default to it and only its datagrams are
// received.
func (e *Endpoint) Connect(remote netip.AddrPort) error {
	if !remote.Addr().Is4() || remote.Port() == 0 {
		return fmt.Errorf("udp: connect %v: %w", remote, syscall.EINVAL)
	}
	if err := e.autobind(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.remote = remote
	return nil
}

// WriteTo sends one datagram; to may be zero on a connected socket.
func (e *Endpoint) WriteTo(b []byte, to netip.AddrPort) (int, error) {
	if len(b) > MaxPayload {
		return 0, fmt.Errorf("udp: %d bytes: %w", len(b), syscall.EMSGSIZE)
	}
	if err := e.autobind(); err != nil {
		return 0, err
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return 0, net.ErrClosed
	}
	if err := e.softErr; err != nil {
		e.softErr = nil
		e.mu.Unlock()
		return 0, err
	}
	if !to.IsValid() {
		to = e.remote
	}
	local := e.local
	e.mu.Unlock()
	if !to.IsValid() {
		return 0, fmt.Errorf("udp: send: %w", syscall.EDESTADDRREQ)
	}
	src := local.Addr()
	if src.IsUnspecified() {
		if nic, _, ok := e.proto.stack.FindRoute(to.Addr()); ok {
			src = nic.Addr()
		} else if e.proto.stack.IsLocal(to.Addr()) {
			src = to.Addr()
		}
	}
	dgram := make([]byte, header.UDPLen+len(b))
	copy(dgram[header.UDPLen:], b)
	header.EncodeUDP(dgram, local.Port(), to.Port(), src, to.Addr())
	if err := e.proto.stack.SendIPv4(src, to.Addr(), header.ProtoUDP, 0, false, dgram, &e.proto.stack.Counters.UDPOutDatagrams); err != nil {
		return 0, err
	}
	return len(b), nil
}

// enqueue stores and counts a received datagram, or reports false when
// the socket's buffer or the stack's budget is full.
func (e *Endpoint) enqueue(data []byte, from netip.AddrPort) bool {
	cost := int64(len(data) + datagramOverhead)
	e.mu.Lock()
	defer e.mu.Unlock()
	// The queue is bounded by what it costs (payload plus per-datagram
	// overhead), as the kernel bounds rmem by truesize: small datagrams
	// cannot hide their overhead. Datagrams are buffer growth: they stop
	// at the budget's pressure mark, so a flood cannot take the headroom
	// kept for control blocks (core.Budget).
	if e.closed || e.memUsed-SocketMemory+cost > int64(e.rcvBuf) || !e.proto.stack.Budget.Grow(cost) {
		return false
	}
	e.memUsed += cost
	e.queue = append(e.queue, datagram{from, append([]byte(nil), data...)})
	e.queued += len(data)
	// Counted before the reader can see it: a reader that got the
	// datagram finds it in InDatagrams.
	e.proto.stack.Counters.UDPInDatagrams.Add(1)
	e.wakeLocked()
	return true
}

func (e *Endpoint) setError(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.softErr = err
	e.wakeLocked()
}

// SetReadDeadline sets when a blocked ReadFrom gives up with
// os.ErrDeadlineExceeded; the zero time removes it.
func (e *Endpoint) SetReadDeadline(t time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.deadline = t
	e.wakeLocked()
}

// ReadFrom blocks until a datagram arrives, an error is pending, the
// deadline passes or the socket closes. A datagram longer than b is cut,
// as recvfrom does.
func (e *Endpoint) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	clk := e.proto.stack.Clock
	for {
		e.mu.Lock()
		if e.closed {
			e.mu.Unlock()
			return 0, netip.AddrPort{}, net.ErrClosed
		}
		if len(e.queue) > 0 {
			d := e.queue[0]
			e.queue[0] = datagram{}
			e.queue = e.queue[1:]
			e.queued -= len(d.data)
			cost := int64(len(d.data) + datagramOverhead)
			e.memUsed -= cost
			e.mu.Unlock()
			e.proto.stack.Budget.Release(cost)
			return copy(b, d.data), d.from, nil
		}
		if err := e.softErr; err != nil {
			e.softErr = nil
			e.mu.Unlock()
			return 0, netip.AddrPort{}, err
		}
		ready, deadline := e.ready, e.deadline
		e.mu.Unlock()
		var expired chan struct{}
		var timer interface{ Stop() bool }
		if !deadline.IsZero() {
			wait := deadline.Sub(clk.Now())
			if wait <= 0 {
				return 0, netip.AddrPort{}, os.ErrDeadlineExceeded
			}
			expired = make(chan struct{})
			timer = clk.AfterFunc(wait, func() { close(expired) })
		}
		select {
		case <-ready:
		case <-expired:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// Close releases the port, the queued datagrams and the control block.
func (e *Endpoint) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return net.ErrClosed
	}
	e.closed = true
	local, mem := e.local, e.memUsed
	e.queue, e.queued, e.memUsed = nil, 0, 0
	e.wakeLocked()
	e.mu.Unlock()
	if local.IsValid() {
		e.proto.unbind(e, local.Port())
	}
	e.proto.stack.Budget.Release(mem)
	return nil
}

// LocalAddr and RemoteAddr report the socket's addresses.
func (e *Endpoint) LocalAddr() netip.AddrPort {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.local
}

func (e *Endpoint) RemoteAddr() netip.AddrPort {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.remote
}

// Snapshot copies the control block under the lock into a table row.
func (e *Endpoint) Snapshot(fd int) collect.Socket {
	now := e.proto.stack.Clock.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	s := collect.Socket{
		Source: collect.Source{Kind: "stack", Name: e.proto.stack.Name},
		Proto:  collect.ProtoUDP, Family: collect.FamilyIPv4,
		Local: e.local, Remote: e.remote,
		State:  collect.StateClose,
		Cookie: e.id,
		RecvQ:  uint32(e.queued),
		Stack:  &collect.StackInfo{FD: fd, MemUsed: e.memUsed, MemLimit: int64(SocketMemory + e.rcvBuf), Age: now.Sub(e.created)},
	}
	if !s.Local.IsValid() {
		s.Local = netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	}
	if s.Remote.IsValid() {
		s.State = collect.StateEstablished
	} else {
		s.Remote = netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	}
	return s
}
