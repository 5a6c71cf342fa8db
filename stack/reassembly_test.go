// reassembly_test.go attacks IPv4 reassembly (RFC 791 §3.2): fragments
// that never complete must not hold more memory than the bound says
// (Linux's ipfrag_high_thresh, charged by skb truesize), the oldest
// datagrams make way for new ones, an exact duplicate fragment is
// dropped alone, and a datagram that would exceed 65,535 bytes once
// reassembled (the ping of death) is dropped.

package stack

import (
	"bytes"
	"math/rand/v2"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/ipv4"
	"github.com/gonetstat/gonetstat/stack/link"
)

// lone is a stack on the manual clock whose NIC is fed frames directly.
type lone struct {
	clk *clock.Manual
	s   *Stack
	nic *core.NIC
}

func newLone(t *testing.T, opt ipv4.Options) *lone {
	t.Helper()
	l := &lone{clk: clock.NewManual(epoch)}
	ep, _ := link.Pair(link.PairConfig{Clock: l.clk, MACA: macB, MACB: macA})
	l.s = New(Options{Options: core.Options{Clock: l.clk}, IPv4: opt})
	nic, err := l.s.AddNIC(ep, addrB)
	if err != nil {
		t.Fatal(err)
	}
	l.nic = nic
	return l
}

// newLoneUDP is newLone with a UDP socket on port 9, closed when the test
// ends.
func newLoneUDP(t *testing.T) (*lone, net.PacketConn) {
	t.Helper()
	l := newLone(t, ipv4.Options{})
	pc, err := l.s.ListenPacket(netip.MustParseAddrPort("0.0.0.0:9"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return l, pc
}

// ipFrame builds a frame from A to B holding one IPv4 datagram whose
// header carries opts (a multiple of 4 bytes) after the fixed 20.
func ipFrame(f header.IPv4Fields, opts, payload []byte) []byte {
	hl := header.IPv4MinLen + len(opts)
	b := make([]byte, header.EthernetLen+hl+len(payload))
	header.EncodeEthernet(b, macB, macA, header.EtherTypeIPv4)
	ip := b[header.EthernetLen:]
	if !f.Src.IsValid() {
		f.Src, f.Dst = addrA.Addr(), addrB.Addr()
	}
	if f.TTL == 0 {
		f.TTL = 64
	}
	f.TotalLen = uint16(hl + len(payload))
	header.EncodeIPv4(ip, f)
	copy(ip[header.IPv4MinLen:], opts)
	copy(ip[hl:], payload)
	ip[0] = 0x40 | byte(hl/4)
	ip[10], ip[11] = 0, 0
	sum := header.Checksum(ip[:hl], 0)
	ip[10], ip[11] = byte(sum>>8), byte(sum)
	return b
}

// frag delivers one fragment of datagram id: payload at offset off, with
// More Fragments unless last.
func (l *lone) frag(id uint16, off int, payload []byte, last bool) {
	l.fragFrom(addrA.Addr(), id, off, payload, last)
}

// fragFrom is frag from another source address.
func (l *lone) fragFrom(src netip.Addr, id uint16, off int, payload []byte, last bool) {
	f := header.IPv4Fields{Protocol: header.ProtoUDP, ID: id, FragOffset: off, Src: src, Dst: addrB.Addr()}
	if !last {
		f.Flags = header.IPv4MoreFragments
	}
	l.nic.DeliverFrame(ipFrame(f, nil, payload))
	l.clk.Advance(0)
}

// liveHeap is the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestReassemblyMemoryIsBounded: 100,000 first fragments of 8 bytes that
// never complete, each its own datagram, must not grow the heap by much
// more than the bound, because every fragment and datagram is charged for
// what it really costs, not its payload alone. Before, 8-byte fragments
// were charged 8 bytes: 560,000 of them took a stack from 11 MB to 316 MB
// under a 4 MiB bound; Linux stays at 4 MiB.
func TestReassemblyMemoryIsBounded(t *testing.T) {
	const bound = 1 << 20
	l := newLone(t, ipv4.Options{ReasmMemory: bound})
	payload := make([]byte, 8)
	for i := 0; i < 1000; i++ { // warm up maps, pools and the clock's heap
		l.frag(uint16(i), 0, payload, false)
	}
	before := liveHeap()
	for i := 0; i < 100_000; i++ {
		// Each its own datagram: the ID and, past 65,536, the source.
		l.fragFrom(netip.AddrFrom4([4]byte{198, 19, byte(i >> 16), 1}), uint16(i), 0, payload, false)
		if used := l.s.IPv4.ReasmInUse(); used > bound {
			t.Fatalf("reassembly charges %d bytes, over the bound %d", used, bound)
		}
	}
	grown := int64(liveHeap()) - int64(before)
	t.Logf("heap grew by %d bytes for a reassembly bound of %d (%d bytes charged)", grown, bound, l.s.IPv4.ReasmInUse())
	if grown > 2*bound {
		t.Errorf("100,000 incomplete 8-byte fragments grew the heap by %d bytes, over twice the %d-byte bound", grown, bound)
	}
	runtime.KeepAlive(l)
}

// TestReassemblyEvictsOldest: when incomplete datagrams fill the bound,
// the oldest make way (Linux's inet_frag evictor, down to
// ipfrag_low_thresh), so a datagram that is arriving now is reassembled.
func TestReassemblyEvictsOldest(t *testing.T) {
	l := newLone(t, ipv4.Options{})
	c := &l.s.Counters
	for i := 0; i < 5000; i++ { // 7 MB of first fragments: well over 4 MiB
		l.frag(uint16(i), 0, make([]byte, 1400), false)
		l.clk.Advance(time.Millisecond)
	}
	// The newest flood datagram is still held: its last fragment
	// completes it.
	l.frag(4999, 1400, make([]byte, 8), true)
	if c.IPReasmOKs.Load() != 1 {
		t.Fatalf("the newest incomplete datagram was not kept: reassembled %d", c.IPReasmOKs.Load())
	}
	// A new two-fragment datagram is reassembled.
	l.frag(60000, 0, make([]byte, 1400), false)
	l.frag(60000, 1400, make([]byte, 100), true)
	if c.IPReasmOKs.Load() != 2 {
		t.Errorf("a new datagram arriving during the flood was not reassembled (reassembled %d)", c.IPReasmOKs.Load())
	}
	// The oldest is gone: its last fragment completes nothing.
	l.frag(0, 1400, make([]byte, 8), true)
	if c.IPReasmOKs.Load() != 2 {
		t.Errorf("the oldest incomplete datagram was kept over newer ones")
	}
	if used := l.s.IPv4.ReasmInUse(); used > 4<<20 {
		t.Errorf("reassembly holds %d bytes, over the 4 MiB bound", used)
	}
}

// TestReassemblyDuplicateFragment: an exact duplicate of a fragment is
// dropped alone and the datagram still completes (Linux's
// inet_frag_queue_insert returns IPFRAG_DUP for it, and only a true
// overlap, RFC 5722 §4, drops the whole datagram).
func TestReassemblyDuplicateFragment(t *testing.T) {
	l := newLone(t, ipv4.Options{})
	c := &l.s.Counters
	l.frag(7, 0, make([]byte, 16), false)
	l.frag(7, 0, make([]byte, 16), false)
	l.frag(7, 16, make([]byte, 16), true)
	if c.IPReasmOKs.Load() != 1 || l.s.IPv4.ReasmInUse() != 0 {
		t.Errorf("after a duplicate fragment: reassembled %d (want 1), %d bytes held", c.IPReasmOKs.Load(), l.s.IPv4.ReasmInUse())
	}
	// An overlap that is not a duplicate still drops the datagram: the
	// last fragment then starts a new one, which never completes.
	l.frag(8, 0, make([]byte, 16), false)
	l.frag(8, 8, make([]byte, 16), false)
	if c.IPReasmFails.Load() != 1 || l.s.IPv4.ReasmInUse() != 0 {
		t.Errorf("after an overlap: %d failed (want 1), %d bytes held (want 0)", c.IPReasmFails.Load(), l.s.IPv4.ReasmInUse())
	}
	l.frag(8, 16, make([]byte, 16), true)
	if c.IPReasmOKs.Load() != 1 {
		t.Errorf("after an overlap: reassembled %d, want still 1", c.IPReasmOKs.Load())
	}
}

// TestReassemblyPingOfDeath: fragments whose offsets fit in 16 bits but
// whose datagram, header included, would be longer than 65,535 bytes (RFC
// 791's limit): here a first fragment with 40 bytes of options and a last
// one ending at 65,512. Linux's ip_frag_reasm drops it ("Oversized IP
// packet"); it must not be rebuilt with a wrapped total length.
func TestReassemblyPingOfDeath(t *testing.T) {
	l := newLone(t, ipv4.Options{})
	c := &l.s.Counters
	nops := make([]byte, 40)
	for i := range nops {
		nops[i] = 1 // NOP
	}
	const chunk = 1400
	for off := 0; off < 65512; off += chunk {
		n := min(chunk, 65512-off)
		f := header.IPv4Fields{Protocol: header.ProtoUDP, ID: 99, FragOffset: off}
		if off+n < 65512 {
			f.Flags = header.IPv4MoreFragments
		}
		var opts []byte
		if off == 0 {
			opts = nops
		}
		l.nic.DeliverFrame(ipFrame(f, opts, make([]byte, n)))
	}
	l.clk.Advance(0)
	if c.IPReasmOKs.Load() != 0 || c.IPInDelivers.Load() != 0 || c.IPReasmFails.Load() != 1 {
		t.Errorf("a 65,572-byte datagram: reassembled %d, delivered %d, failed %d; want 0, 0, 1", c.IPReasmOKs.Load(), c.IPInDelivers.Load(), c.IPReasmFails.Load())
	}
	// Duplicates that came after their datagram completed start new
	// ones, which expire (as in Linux).
	l.clk.Advance(31 * time.Second)
	if l.s.IPv4.ReasmInUse() != 0 {
		t.Errorf("%d bytes still held", l.s.IPv4.ReasmInUse())
	}
}

// TestReassemblyShuffledWithDuplicates: a UDP datagram cut into 8-byte
// multiples, delivered in a random order with random exact duplicates,
// arrives whole and intact (RFC 791 §3.2: fragments in any order).
func TestReassemblyShuffledWithDuplicates(t *testing.T) {
	l, pc := newLoneUDP(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 50; round++ {
		msg := make([]byte, 100+rng.IntN(3000))
		for i := range msg {
			msg[i] = byte(rng.Uint32())
		}
		dgram := make([]byte, header.UDPLen+len(msg))
		copy(dgram[header.UDPLen:], msg)
		header.EncodeUDP(dgram, 5000, 9, addrA.Addr(), addrB.Addr())
		type piece struct{ off, end int }
		var pieces []piece
		for off := 0; off < len(dgram); {
			end := min(off+8*(1+rng.IntN(40)), len(dgram))
			pieces = append(pieces, piece{off, end})
			if rng.IntN(3) == 0 {
				pieces = append(pieces, piece{off, end}) // a duplicate
			}
			off = end
		}
		rng.Shuffle(len(pieces), func(i, j int) { pieces[i], pieces[j] = pieces[j], pieces[i] })
		for _, p := range pieces {
			l.frag(uint16(round), p.off, dgram[p.off:p.end], p.end == len(dgram))
		}
		pc.SetReadDeadline(l.clk.Now())
		buf := make([]byte, 4000)
		n, _, err := pc.ReadFrom(buf)
		if err != nil || !bytes.Equal(buf[:n], msg) {
			t.Fatalf("round %d (%d pieces): read %d bytes, %v; want the %d sent", round, len(pieces), n, err, len(msg))
		}
	}
	// Duplicates that came after their datagram completed start new
	// ones, which expire (as in Linux).
	l.clk.Advance(31 * time.Second)
	if l.s.IPv4.ReasmInUse() != 0 {
		t.Errorf("%d bytes still held", l.s.IPv4.ReasmInUse())
	}
}
