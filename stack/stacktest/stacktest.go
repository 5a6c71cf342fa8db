// Package stacktest runs mini-stacks for the tests of the packages that
// serve or show them (stack/control, internal/e2e): two stacks on an
// in-memory wire with a TCP connection that has carried data, waited for
// until their tables hold still, so that a table read now and one read
// over a control socket later are equal.
package stacktest

import (
	"io"
	"net"
	"net/netip"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/link"
)

// The two stacks' addresses, and the port B listens on.
var (
	AddrA = netip.MustParsePrefix("198.18.0.1/24")
	AddrB = netip.MustParsePrefix("198.18.0.2/24")
)

const Port = 80

// Connected starts stacks named nameA (AddrA) and nameB (AddrB, listening
// on Port) on an in-memory wire with the real clock, connects A to B,
// sends aToB bytes from A to B and then bToA bytes back, each read in
// full, and waits until both stacks have settled (see Settled). The
// stacks, the connection and the wire are closed when t ends.
func Connected(t testing.TB, nameA, nameB string, aToB, bToA int) (a, b *stack.Stack) {
	t.Helper()
	ea, eb := link.Pair(link.PairConfig{MACA: header.MAC{2, 0, 0, 0, 0, 0xa}, MACB: header.MAC{2, 0, 0, 0, 0, 0xb}})
	t.Cleanup(func() { ea.Close(); eb.Close() })
	a = stack.New(stack.Options{Options: core.Options{Name: nameA}})
	b = stack.New(stack.Options{Options: core.Options{Name: nameB}})
	if _, err := a.AddNIC(ea, AddrA); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddNIC(eb, AddrB); err != nil {
		t.Fatal(err)
	}
	ln, err := b.Listen(netip.AddrPortFrom(netip.IPv4Unspecified(), Port), 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	ca, err := a.Dial(netip.AddrPortFrom(AddrB.Addr(), Port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ca.Close() })
	cb, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { cb.Close() })
	for _, dir := range []struct {
		from, to net.Conn
		n        int
	}{{ca, cb, aToB}, {cb, ca, bToA}} {
		if dir.n == 0 {
			continue
		}
		if _, err := dir.from.Write(make([]byte, dir.n)); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(dir.to, make([]byte, dir.n)); err != nil {
			t.Fatal(err)
		}
	}
	testenv.WaitFor(t, "the stacks to settle (no frame in flight, every byte acknowledged)", func() bool {
		return Settled([]*link.PairEndpoint{ea, eb}, a, b)
	})
	return a, b
}

// Settled reports whether the stacks joined by the wire ends are idle: no
// frame on the wire or being received, and on every TCP socket nothing
// unacknowledged and no retransmission or probe timer. From then on their
// tables hold still until an application or a timer it set (keepalive,
// TIME_WAIT) sends again. A pending delayed ACK is not in a table, but it
// is always for data its peer still counts as unacknowledged.
func Settled(ends []*link.PairEndpoint, stacks ...*stack.Stack) bool {
	quiet := func() bool {
		for _, e := range ends {
			if e.InFlight() != 0 {
				return false
			}
		}
		return true
	}
	if !quiet() {
		return false
	}
	for _, s := range stacks {
		for _, r := range s.Snapshot() {
			if r.Proto != collect.ProtoTCP || r.Stack == nil || r.TCP == nil {
				continue
			}
			if r.Stack.SndUna != r.Stack.SndNxt || r.TCP.Timer == collect.TimerRetrans || r.TCP.Timer == collect.TimerProbe {
				return false
			}
		}
	}
	// Again: a frame delivered while the tables were read may have
	// changed them after they were read.
	return quiet()
}
