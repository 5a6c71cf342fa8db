// netsim_test.go moves data both ways between two stacks through a wire
// that loses, reorders and duplicates, on the manual clock. One goroutine
// drives everything: it reads and writes without blocking (a deadline at
// the manual clock's "now" makes a call return at once), then moves the
// clock — so a run is deterministic for its seed, waiting out an RTO costs
// no real time, and every byte is checked by hash.

package stack

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/link"
	"github.com/gonetstat/gonetstat/stack/tcp"
)

type netsimResult struct {
	virtual  time.Duration // simulated time to finish
	maxStall time.Duration // longest simulated time with no byte delivered
	retrans  uint64
}

// flow is one side's application: it writes data, then reads the peer's.
type flow struct {
	s        *Stack
	fd       FD
	sent     int
	shut     bool
	received int
	h        hash.Hash
	eof      bool
}

// pump moves what can move without blocking; it reports bytes moved.
func (f *flow) pump(t *testing.T, clk *clock.Manual, data []byte, buf []byte) int {
	moved := 0
	now := clk.Now()
	f.s.SetWriteDeadline(f.fd, now)
	f.s.SetReadDeadline(f.fd, now)
	if f.sent < len(data) {
		n, err := f.s.Send(f.fd, data[f.sent:])
		f.sent += n
		moved += n
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("write: %v", err)
		}
	}
	if f.sent == len(data) && !f.shut {
		f.s.Shutdown(f.fd, false, true)
		f.shut = true
	}
	for !f.eof {
		n, err := f.s.Recv(f.fd, buf)
		f.h.Write(buf[:n])
		f.received += n
		moved += n
		if errors.Is(err, tcp.ErrEOF) {
			f.eof = true
			break
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatalf("read after %d bytes: %v", f.received, err)
		}
	}
	return moved
}

// netsim sends size bytes each way and returns what happened.
func netsim(t *testing.T, f link.Faults, seed uint64, size int) netsimResult {
	t.Helper()
	clk := clock.NewManual(epoch)
	ea, eb := link.Pair(link.PairConfig{MACA: macA, MACB: macB, AtoB: f, BtoA: f, Seed: seed, Clock: clk})
	a := New(Options{Options: core.Options{Clock: clk, Name: "a", MemoryBudget: 1 << 30}})
	b := New(Options{Options: core.Options{Clock: clk, Name: "b", MemoryBudget: 1 << 30}})
	a.AddNIC(ea, addrA)
	b.AddNIC(eb, addrB)

	lfd, _ := b.Socket(collect.ProtoTCP)
	b.Bind(lfd, netip.MustParseAddrPort("0.0.0.0:5001"))
	b.ListenFD(lfd, 4)
	cfd, _ := a.Socket(collect.ProtoTCP)
	connected := make(chan error, 1)
	go func() { connected <- a.Connect(cfd, netip.AddrPortFrom(addrB.Addr(), 5001)) }()
	// The handshake: the only moment a goroutine runs beside the driver.
	// Connect sends its SYN, then waits; from then on everything happens
	// inside Advance, on this goroutine, at instants the seed decides.
	testenv.WaitFor(t, "Connect to send its SYN", func() bool {
		for _, r := range a.Snapshot() {
			if r.State == collect.StateSynSent {
				return true
			}
		}
		return false
	})
	var sfd FD
	for sfd.Int() == 0 {
		b.SetReadDeadline(lfd, clk.Now())
		if fd, _, err := b.Accept(lfd); err == nil {
			sfd = fd
			break
		}
		clk.Advance(time.Millisecond)
		if clk.Now().Sub(epoch) > time.Hour {
			t.Fatal("no connection after an hour simulated")
		}
	}
	if err := <-connected; err != nil {
		t.Fatalf("connect: %v", err)
	}

	data := pattern(size)
	want := sha256.Sum256(data)
	flows := []*flow{{s: a, fd: cfd, h: sha256.New()}, {s: b, fd: sfd, h: sha256.New()}}
	buf := make([]byte, 64<<10)
	const virtualLimit = 4 * time.Hour
	var res netsimResult
	lastProgress := clk.Now()
	for !(flows[0].eof && flows[1].eof) {
		moved := 0
		for _, fl := range flows {
			moved += fl.pump(t, clk, data, buf)
		}
		if moved > 0 {
			lastProgress = clk.Now()
		}
		if gap := clk.Now().Sub(lastProgress); gap > res.maxStall {
			res.maxStall = gap
		}
		// Nothing moved: jump to the next timer; otherwise take 1 ms.
		step := time.Millisecond
		if d, ok := clk.Next(); ok && moved == 0 && d > step {
			step = d
		}
		clk.Advance(step)
		if clk.Now().Sub(epoch) > virtualLimit {
			dumpControlBlocks(t, a, b)
			t.Fatalf("not done after %v simulated (%d and %d of %d bytes received)", virtualLimit, flows[0].received, flows[1].received, size)
		}
	}
	for i, fl := range flows {
		if fl.received != size || [32]byte(fl.h.Sum(nil)) != want {
			dumpControlBlocks(t, a, b)
			t.Fatalf("side %d received %d of %d bytes, hash equal %v", i, fl.received, size, [32]byte(fl.h.Sum(nil)) == want)
		}
	}
	res.virtual = clk.Now().Sub(epoch)
	res.retrans = a.Counters.TCPRetransSegs.Load() + b.Counters.TCPRetransSegs.Load()
	return res
}

// TestNetsim: 10 MiB both ways at 0, 1, 5 and 20% loss, each with as much
// reordering and half as much duplication. Every byte arrives (sha256),
// and no stall outlasts the largest RTO.
func TestNetsim(t *testing.T) {
	for _, loss := range []float64{0, 0.01, 0.05, 0.20} {
		t.Run(fmt.Sprintf("loss=%.0f%%", loss*100), func(t *testing.T) {
			f := link.Faults{Loss: loss, Reorder: loss, Duplicate: loss / 2, Delay: time.Millisecond, Jitter: 200 * time.Microsecond}
			start := time.Now()
			r := netsim(t, f, 11, 10<<20)
			if r.maxStall > tcp.DefaultMaxRTO {
				t.Errorf("stalled for %v, longer than the RTO bound %v", r.maxStall, tcp.DefaultMaxRTO)
			}
			t.Logf("10 MiB each way at %.0f%% loss: %v simulated (%v real), longest stall %v, %d retransmissions",
				loss*100, r.virtual.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), r.maxStall.Round(time.Millisecond), r.retrans)
		})
	}
}
