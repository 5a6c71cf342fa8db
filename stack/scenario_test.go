// scenario_test.go is a small script DSL for TCP scenarios on a manual
// clock: the test plays the remote host, injecting segments at exact
// instants and expecting the stack's answers within a bound, so RFC rules
// are checked segment by segment, with no sleeps.

package stack

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/link"
	"github.com/gonetstat/gonetstat/stack/tcp"
)

// seg is a segment the script injects or expects. In an expectation,
// zero Seq/Ack/Wnd/Len mean "any", unless the matching has* flag is set.
type seg struct {
	Flags    uint8
	Seq, Ack uint32
	Wnd      uint16
	Data     []byte
	Len      int // expected payload length (when Data is nil)
	HasSeq   bool
	HasAck   bool
	Opts     header.TCPOptions
	RawOpts  []byte // injected: the options field as given (NOP-padded to 4 bytes), instead of Opts
	Urgent   uint16 // injected: the urgent pointer
	IP       []byte // received: the whole IPv4 datagram, to quote in ICMP errors
	SrcPort  uint16 // injected: the peer's port (the scenario's default when 0); received: the stack's port
	DstPort  uint16 // received: the peer's port it went to
}

func (s seg) String() string {
	return fmt.Sprintf("%s seq=%d ack=%d wnd=%d len=%d", header.TCPFlagsString(s.Flags), s.Seq, s.Ack, s.Wnd, max(len(s.Data), s.Len))
}

// scenario is one stack under test and a scripted peer on the other end
// of an in-memory wire.
type scenario struct {
	t     *testing.T
	clk   *clock.Manual
	s     *Stack
	peer  *link.PairEndpoint
	port  uint16 // the peer's default port
	mu    sync.Mutex
	inbox []seg // what the stack sent, oldest first
	start time.Time
}

var peerAddr = addrB.Addr()

func newScenario(t *testing.T, opt tcp.Options) *scenario {
	t.Helper()
	return newScenarioWith(t, Options{TCP: opt})
}

// newScenarioWith is newScenario with the stack's options (its clock and
// name are the scenario's).
func newScenarioWith(t *testing.T, opt Options) *scenario {
	t.Helper()
	sc := &scenario{t: t, clk: clock.NewManual(epoch), port: 40000, start: epoch}
	ea, eb := link.Pair(link.PairConfig{MACA: macA, MACB: macB, Clock: sc.clk})
	opt.Clock, opt.Name = sc.clk, "sut"
	sc.s = New(opt)
	if _, err := sc.s.AddNIC(ea, addrA); err != nil {
		t.Fatal(err)
	}
	sc.peer = eb
	eb.Attach(dispatchFunc(sc.receive))
	return sc
}

type dispatchFunc func([]byte)

func (f dispatchFunc) DeliverFrame(b []byte) { f(b) }

// receive is the peer's NIC: it answers ARP and keeps TCP segments.
func (sc *scenario) receive(frame []byte) {
	e, err := header.ParseEthernet(frame)
	if err != nil {
		return
	}
	switch e.Type() {
	case header.EtherTypeARP:
		a, err := header.ParseARP(e.Payload())
		if err == nil && a.Op() == header.ARPRequest && a.TargetIP() == peerAddr {
			r := make([]byte, header.EthernetLen+header.ARPLen)
			header.EncodeEthernet(r, a.SenderMAC(), macB, header.EtherTypeARP)
			header.EncodeARP(r[header.EthernetLen:], header.ARPReply, macB, peerAddr, a.SenderMAC(), a.SenderIP())
			sc.peer.WritePacket(r)
		}
	case header.EtherTypeIPv4:
		ip, err := header.ParseIPv4(e.Payload())
		if err != nil || ip.Protocol() != header.ProtoTCP {
			return
		}
		tc, err := header.ParseTCP(ip.Payload())
		if err != nil || !tc.ChecksumValid(ip.Src(), ip.Dst()) {
			sc.t.Errorf("the stack sent a malformed segment: %v", err)
			return
		}
		o, _ := header.ParseTCPOptions(tc.Options())
		sc.mu.Lock()
		sc.inbox = append(sc.inbox, seg{Flags: tc.Flags(), Seq: tc.Seq(), Ack: tc.Ack(), Wnd: tc.Window(), Data: append([]byte(nil), tc.Payload()...), Opts: o, SrcPort: tc.SrcPort(), DstPort: tc.DstPort(), IP: append([]byte(nil), ip...)})
		sc.mu.Unlock()
	}
}

// inject sends a segment from the peer (port sc.port unless SrcPort) to
// the stack's dport, now.
func (sc *scenario) inject(dport uint16, s seg) {
	var opts [40]byte
	n := header.EncodeTCPOptions(opts[:], s.Opts)
	if s.RawOpts != nil {
		n = copy(opts[:], s.RawOpts)
		for ; n%4 != 0; n++ {
			opts[n] = 1 // NOP
		}
	}
	sport := s.SrcPort
	if sport == 0 {
		sport = sc.port
	}
	b := make([]byte, header.EthernetLen+header.IPv4MinLen+header.TCPMinLen+n+len(s.Data))
	header.EncodeEthernet(b, macA, macB, header.EtherTypeIPv4)
	header.EncodeIPv4(b[header.EthernetLen:], header.IPv4Fields{TotalLen: uint16(len(b) - header.EthernetLen), TTL: 64, Protocol: header.ProtoTCP, Src: peerAddr, Dst: addrA.Addr()})
	t := b[header.EthernetLen+header.IPv4MinLen:]
	copy(t[header.TCPMinLen:], opts[:n])
	copy(t[header.TCPMinLen+n:], s.Data)
	header.EncodeTCP(t, header.TCPFields{SrcPort: sport, DstPort: dport, Seq: s.Seq, Ack: s.Ack, Flags: s.Flags, Window: s.Wnd, Urgent: s.Urgent, OptionsLen: n}, peerAddr, addrA.Addr())
	sc.peer.WritePacket(b)
	sc.clk.Advance(0)
}

// next advances the clock in 1 ms steps until the stack sends a segment
// or within passes; it returns the segment and when it came.
func (sc *scenario) next(within time.Duration) (seg, time.Duration, bool) {
	for waited := time.Duration(0); ; waited += time.Millisecond {
		if s, at, ok := sc.pop(); ok {
			return s, at, true
		}
		if waited >= within {
			return seg{}, 0, false
		}
		sc.clk.Advance(time.Millisecond)
	}
}

// pop delivers what is due now and returns the oldest segment the stack
// has sent, if any, with the time.
func (sc *scenario) pop() (seg, time.Duration, bool) {
	sc.clk.Advance(0)
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if len(sc.inbox) == 0 {
		return seg{}, 0, false
	}
	s := sc.inbox[0]
	sc.inbox = sc.inbox[1:]
	return s, sc.clk.Now().Sub(sc.start), true
}

// expect requires the stack's next segment, within d, to match want.
func (sc *scenario) expect(d time.Duration, want seg) seg {
	sc.t.Helper()
	got, _, ok := sc.next(d)
	if !ok {
		sc.t.Fatalf("at %v: expected %v within %v, the stack sent nothing", sc.clk.Now().Sub(sc.start), want, d)
	}
	var bad []string
	if got.Flags != want.Flags {
		bad = append(bad, "flags")
	}
	if (want.HasSeq || want.Seq != 0) && got.Seq != want.Seq {
		bad = append(bad, "seq")
	}
	if (want.HasAck || want.Ack != 0) && got.Ack != want.Ack {
		bad = append(bad, "ack")
	}
	if want.Wnd != 0 && got.Wnd != want.Wnd {
		bad = append(bad, "window")
	}
	if want.Data != nil && string(got.Data) != string(want.Data) || want.Len != 0 && len(got.Data) != want.Len {
		bad = append(bad, "data")
	}
	if len(bad) > 0 {
		sc.t.Fatalf("at %v: expected %v, got %v (%s differ)", sc.clk.Now().Sub(sc.start), want, got, strings.Join(bad, ", "))
	}
	return got
}

// quiet requires that the stack sends nothing for d.
func (sc *scenario) quiet(d time.Duration) {
	sc.t.Helper()
	if got, at, ok := sc.next(d); ok {
		sc.t.Fatalf("expected silence, the stack sent %v at %v", got, at)
	}
}

// state returns the state of the stack's socket with local port lport and
// the peer's port (listeners: peer port 0).
func (sc *scenario) state(lport, pport uint16) collect.State {
	for _, r := range sc.s.Snapshot() {
		if r.Local.Port() == lport && r.Remote.Port() == pport {
			return r.State
		}
	}
	return collect.StateUnknown
}

func (sc *scenario) wantState(lport, pport uint16, want collect.State) {
	sc.t.Helper()
	if got := sc.state(lport, pport); got != want {
		sc.t.Fatalf("at %v: socket :%d<->:%d is %v, want %v", sc.clk.Now().Sub(sc.start), lport, pport, got, want)
	}
}

// listen opens a listener on port with a backlog.
func (sc *scenario) listen(port uint16, backlog int) FD {
	fd, err := sc.s.Socket(collect.ProtoTCP)
	if err != nil {
		sc.t.Fatal(err)
	}
	if err := sc.s.Bind(fd, netip.AddrPortFrom(netip.IPv4Unspecified(), port)); err != nil {
		sc.t.Fatal(err)
	}
	if err := sc.s.ListenFD(fd, backlog); err != nil {
		sc.t.Fatal(err)
	}
	return fd
}

const peerISS = 1000

var synOpts = header.TCPOptions{HasMSS: true, MSS: 1460, HasWS: true, WindowScale: 7, HasTS: true, TSVal: 100}

// handshake completes a passive open on port and returns the stack's ISS.
func (sc *scenario) handshake(port uint16) uint32 {
	sc.t.Helper()
	sc.inject(port, seg{Flags: header.TCPSyn, Seq: peerISS, Wnd: 65535, Opts: synOpts})
	sa := sc.expect(10*time.Millisecond, seg{Flags: header.TCPSyn | header.TCPAck, Ack: peerISS + 1})
	sc.inject(port, seg{Flags: header.TCPAck, Seq: peerISS + 1, Ack: sa.Seq + 1, Wnd: 1024, Opts: header.TCPOptions{HasTS: true, TSVal: 101, TSEcr: sa.Opts.TSVal}})
	sc.wantState(port, sc.port, collect.StateEstablished)
	return sa.Seq
}

// accepted returns the descriptor of the connection the listener has.
func (sc *scenario) accepted(lfd FD) FD {
	sc.t.Helper()
	fd, _, err := sc.s.Accept(lfd)
	if err != nil {
		sc.t.Fatal(err)
	}
	return fd
}

// ts is the timestamp option the peer puts on established segments.
func ts(val, ecr uint32) header.TCPOptions {
	return header.TCPOptions{HasTS: true, TSVal: val, TSEcr: ecr}
}

// injectICMP sends the stack an ICMP error about one of its datagrams,
// quoting its IP header and first 8 bytes (RFC 792); rest is the second
// word (the MTU for fragmentation needed).
func (sc *scenario) injectICMP(typ, code uint8, rest uint32, about []byte) {
	quote := about[:min(len(about), header.IPv4MinLen+8)]
	b := make([]byte, header.EthernetLen+header.IPv4MinLen+header.ICMPv4MinLen+len(quote))
	header.EncodeEthernet(b, macA, macB, header.EtherTypeIPv4)
	header.EncodeIPv4(b[header.EthernetLen:], header.IPv4Fields{TotalLen: uint16(len(b) - header.EthernetLen), TTL: 64, Protocol: header.ProtoICMP, Src: peerAddr, Dst: addrA.Addr()})
	m := b[header.EthernetLen+header.IPv4MinLen:]
	copy(m[header.ICMPv4MinLen:], quote)
	header.EncodeICMPv4(m, typ, code, rest)
	sc.peer.WritePacket(b)
	sc.clk.Advance(0)
}

// TestCloseStopsDeadlineTimers: a deadline left on a descriptor must not
// keep its timer, and the control block the timer holds, alive after the
// descriptor is closed; a listener's and an aborted connection's timers
// are otherwise all stopped, so nothing at all may stay pending.
func TestCloseStopsDeadlineTimers(t *testing.T) {
	sc := newScenario(t, tcp.Options{})
	lfd := sc.listen(80, 4)
	iss := sc.handshake(80)
	fd := sc.accepted(lfd)
	// Unread data makes Close abort with a reset (RFC 2525 §2.17).
	sc.inject(80, seg{Flags: header.TCPAck | header.TCPPsh, Seq: peerISS + 1, Ack: iss + 1, Wnd: 1024, Data: []byte("unread")})
	before := sc.clk.Pending()
	far := epoch.Add(time.Hour)
	for _, set := range []func() error{
		func() error { return sc.s.SetReadDeadline(fd, far) },
		func() error { return sc.s.SetWriteDeadline(fd, far) },
		func() error { return sc.s.SetReadDeadline(lfd, far) },
	} {
		if err := set(); err != nil {
			t.Fatal(err)
		}
	}
	if got := sc.clk.Pending(); got != before+3 {
		t.Fatalf("%d timers pending after setting three deadlines, want %d", got, before+3)
	}
	sc.s.Close(fd)
	sc.s.Close(lfd)
	sc.clk.Advance(ms) // the link delivers the reset
	if got := sc.clk.Pending(); got != 0 {
		t.Errorf("%d timers still pending after closing every descriptor, want 0", got)
	}
}
