// udp_test.go tests UDP sockets on descriptors between two stacks, the
// memory budget, Snapshot, the /proc/net writer and the PacketConn adapter.

package stack

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/platform/procnet"
	"github.com/gonetstat/gonetstat/render"
	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/link"
	"github.com/gonetstat/gonetstat/stack/udp"
)

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// recvAsync runs a blocking receive in a goroutine, so the test can drive
// the manual clock meanwhile.
func recvAsync(s *Stack, fd FD) <-chan recvResult {
	ch := make(chan recvResult, 1)
	go func() {
		b := make([]byte, 2048)
		n, from, err := s.RecvFrom(fd, b)
		ch <- recvResult{b[:n], from, err}
	}()
	return ch
}

type recvResult struct {
	data []byte
	from netip.AddrPort
	err  error
}

// await advances the clock in small steps until the receive completes.
func await(t *testing.T, clk *clock.Manual, ch <-chan recvResult) recvResult {
	t.Helper()
	for i := 0; i < 100000; i++ {
		select {
		case r := <-ch:
			return r
		default:
		}
		clk.Advance(time.Millisecond)
		runtime.Gosched() // let the receiving goroutine run
	}
	t.Fatal("receive never completed")
	return recvResult{}
}

func TestUDPEchoOnDescriptors(t *testing.T) {
	w := newWorld(t, link.PairConfig{AtoB: link.Faults{Delay: time.Millisecond}, BtoA: link.Faults{Delay: time.Millisecond}})
	srv := must[FD](t)(w.b.Socket(collect.ProtoUDP))
	if err := w.b.Bind(srv, netip.MustParseAddrPort("0.0.0.0:7")); err != nil {
		t.Fatal(err)
	}
	cli := must[FD](t)(w.a.Socket(collect.ProtoUDP))
	if srv.Int() != 3 || cli.Int() != 3 {
		t.Errorf("first descriptors %v %v, want 3", srv, cli)
	}
	if err := w.a.Connect(cli, netip.AddrPortFrom(addrB.Addr(), 7)); err != nil {
		t.Fatal(err)
	}
	got := recvAsync(w.b, srv)
	if _, err := w.a.Send(cli, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	r := await(t, w.clk, got)
	if r.err != nil || string(r.data) != "ping" || r.from.Addr() != addrA.Addr() {
		t.Fatalf("server got %+v", r)
	}
	back := recvAsync(w.a, cli)
	if _, err := w.b.SendTo(srv, []byte("pong"), r.from); err != nil {
		t.Fatal(err)
	}
	if r := await(t, w.clk, back); r.err != nil || string(r.data) != "pong" {
		t.Fatalf("client got %+v", r)
	}
	if w.b.Counters.UDPInDatagrams.Load() != 1 || w.a.Counters.UDPOutDatagrams.Load() != 1 {
		t.Errorf("counters: in %d out %d", w.b.Counters.UDPInDatagrams.Load(), w.a.Counters.UDPOutDatagrams.Load())
	}
	checkCapture(t, w)
}

func TestUDPClosedPortIsRefused(t *testing.T) {
	w := newWorld(t, link.PairConfig{})
	cli := must[FD](t)(w.a.Socket(collect.ProtoUDP))
	w.a.Connect(cli, netip.AddrPortFrom(addrB.Addr(), 9999))
	got := recvAsync(w.a, cli)
	w.a.Send(cli, []byte("anyone?"))
	r := await(t, w.clk, got)
	if !errors.Is(r.err, syscall.ECONNREFUSED) {
		t.Fatalf("receive on a refused connected socket: %v, want ECONNREFUSED", r.err)
	}
	if w.b.Counters.UDPNoPorts.Load() != 1 || w.a.Counters.ICMPInType[3].Load() != 1 {
		t.Errorf("NoPorts %d, unreachables received %d", w.b.Counters.UDPNoPorts.Load(), w.a.Counters.ICMPInType[3].Load())
	}
	// An unconnected socket is not told (Linux without IP_RECVERR).
	un := must[FD](t)(w.a.Socket(collect.ProtoUDP))
	w.a.SendTo(un, []byte("x"), netip.AddrPortFrom(addrB.Addr(), 9998))
	w.clk.Advance(time.Second)
	w.a.SetReadDeadline(un, w.clk.Now().Add(time.Second))
	r = await(t, w.clk, recvAsync(w.a, un))
	if !errors.Is(r.err, os.ErrDeadlineExceeded) {
		t.Errorf("unconnected socket: %v, want only the deadline", r.err)
	}
}

func TestMemoryBudget(t *testing.T) {
	clk := clock.NewManual(epoch)
	ea, eb := link.Pair(link.PairConfig{Clock: clk, MACA: macA, MACB: macB})
	a := New(Options{Options: core.Options{Clock: clk, MemoryBudget: 4 * udp.SocketMemory}})
	b := New(Options{Options: core.Options{Clock: clk}})
	a.AddNIC(ea, addrA)
	b.AddNIC(eb, addrB)
	var fds []FD
	for i := 0; i < 4; i++ {
		fds = append(fds, must[FD](t)(a.Socket(collect.ProtoUDP)))
	}
	if _, err := a.Socket(collect.ProtoUDP); !errors.Is(err, syscall.ENOBUFS) {
		t.Fatalf("fifth socket: %v, want ENOBUFS", err)
	}
	// The stack runs on: it still answers ping, and a closed socket's
	// memory makes room again.
	got := replies(b, 1)
	b.ICMP.Ping(addrA.Addr(), 1, 1, nil)
	clk.Advance(time.Second)
	if len(*got) != 1 {
		t.Error("an exhausted budget stopped the stack")
	}
	a.Close(fds[0])
	if _, err := a.Socket(collect.ProtoUDP); err != nil {
		t.Errorf("after a close: %v", err)
	}
	if a.Budget.Used() != 4*udp.SocketMemory {
		t.Errorf("budget used %d", a.Budget.Used())
	}
	// With the budget full, received datagrams are dropped and counted.
	a.Bind(fds[1], netip.MustParseAddrPort("0.0.0.0:53"))
	bs := must[FD](t)(b.Socket(collect.ProtoUDP))
	b.SendTo(bs, []byte("query"), netip.AddrPortFrom(addrA.Addr(), 53))
	clk.Advance(time.Second)
	if a.Counters.UDPRcvbufErrors.Load() != 1 {
		t.Errorf("RcvbufErrors %d, want 1", a.Counters.UDPRcvbufErrors.Load())
	}
}

func TestReceiveBufferBound(t *testing.T) {
	w := newWorld(t, link.PairConfig{})
	srv := must[FD](t)(w.b.Socket(collect.ProtoUDP))
	w.b.Bind(srv, netip.MustParseAddrPort("0.0.0.0:9"))
	cli := must[FD](t)(w.a.Socket(collect.ProtoUDP))
	for i := 0; i < 1000; i++ {
		w.a.SendTo(cli, []byte{1}, netip.AddrPortFrom(addrB.Addr(), 9))
		w.clk.Advance(time.Millisecond)
	}
	// Each 1-byte datagram costs 257 bytes of a 208 KiB buffer: 828 fit.
	snap := w.b.Snapshot()
	if len(snap) != 1 || snap[0].RecvQ != 828 || w.b.Counters.UDPRcvbufErrors.Load() != 1000-828 {
		t.Errorf("queued %d, dropped %d; want 828 and 172", snap[0].RecvQ, w.b.Counters.UDPRcvbufErrors.Load())
	}
	if si := snap[0].Stack; si.MemUsed > si.MemLimit {
		t.Errorf("memory %d over its limit %d", si.MemUsed, si.MemLimit)
	}
}

func TestSnapshotAndProcNet(t *testing.T) {
	w := newWorld(t, link.PairConfig{})
	w.clk.Advance(time.Minute)
	srv := must[FD](t)(w.b.Socket(collect.ProtoUDP))
	w.b.Bind(srv, netip.MustParseAddrPort("0.0.0.0:5353"))
	conn := must[FD](t)(w.b.Socket(collect.ProtoUDP))
	w.b.Bind(conn, netip.AddrPortFrom(addrB.Addr(), 4000))
	w.b.Connect(conn, netip.AddrPortFrom(addrA.Addr(), 53))
	cli := must[FD](t)(w.a.Socket(collect.ProtoUDP))
	w.a.SendTo(cli, []byte("hello"), netip.AddrPortFrom(addrB.Addr(), 5353))
	w.clk.Advance(2 * time.Second)

	rows := w.b.Snapshot()
	stack := collect.Source{Kind: "stack", Name: "b"}
	want := []collect.Socket{
		{Source: stack, Proto: collect.ProtoUDP, Family: collect.FamilyIPv4, Local: netip.MustParseAddrPort("0.0.0.0:5353"), Remote: netip.MustParseAddrPort("0.0.0.0:0"),
			State: collect.StateClose, RecvQ: 5, Stack: &collect.StackInfo{FD: 3, MemUsed: udp.SocketMemory + 5 + 256, MemLimit: udp.SocketMemory + udp.DefaultRcvBuf, Age: 2 * time.Second}},
		{Source: stack, Proto: collect.ProtoUDP, Family: collect.FamilyIPv4, Local: netip.MustParseAddrPort("198.18.0.2:4000"), Remote: netip.MustParseAddrPort("198.18.0.1:53"),
			State: collect.StateEstablished, Stack: &collect.StackInfo{FD: 4, MemUsed: udp.SocketMemory, MemLimit: udp.SocketMemory + udp.DefaultRcvBuf, Age: 2 * time.Second}},
	}
	ignoreCookie := cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })
	for i := range rows {
		if rows[i].Cookie == 0 {
			t.Errorf("row %d has no socket ID", i)
		}
		rows[i].Cookie = 0
	}
	if diff := cmp.Diff(want, rows, ignoreCookie); diff != "" {
		t.Errorf("Snapshot (-want +got):\n%s", diff)
	}

	// The /proc/net/udp text reads back with gonetstat's own parser.
	var buf bytes.Buffer
	if err := w.b.WriteProcNet(&buf, collect.UDP4); err != nil {
		t.Fatal(err)
	}
	parsed, err := procnet.Parse(buf.Bytes(), collect.UDP4, nil)
	if err != nil {
		t.Fatalf("procnet cannot read the stack's table: %v\n%s", err, buf.String())
	}
	rows = w.b.Snapshot()
	if len(parsed) != 2 {
		t.Fatalf("parsed %d rows:\n%s", len(parsed), buf.String())
	}
	for i, p := range parsed {
		if p.Local != rows[i].Local || p.Remote != rows[i].Remote || p.State != rows[i].State || p.RecvQ != rows[i].RecvQ || p.Inode != rows[i].Cookie {
			t.Errorf("row %d: procnet read %+v from\n%s", i, p, buf.String())
		}
	}

	// And it renders in the -ano table like any socket.
	var text bytes.Buffer
	render.Text(&text, rows, render.TextOptions{})
	if !bytes.Contains(text.Bytes(), []byte("  UDP    198.18.0.2:4000        198.18.0.1:53")) {
		t.Errorf("table:\n%s", text.String())
	}
	// Descriptors close and go stale.
	w.b.Close(srv)
	if _, err := w.b.Send(srv, nil); !errors.Is(err, syscall.EBADF) {
		t.Errorf("send on a closed descriptor: %v", err)
	}
	if fd := must[FD](t)(w.b.Socket(collect.ProtoUDP)); fd.Int() != 3 {
		t.Errorf("new socket got %v, want the freed 3", fd)
	}
	if _, err := w.b.Socket(collect.Proto(132)); !errors.Is(err, syscall.EPROTONOSUPPORT) {
		t.Errorf("SCTP socket: %v", err)
	}
}

// TestPacketConnRunsOrdinaryGoCode serves and queries over net.PacketConn
// on two stacks joined by a real-clock wire: code written for the kernel's
// sockets runs unchanged.
func TestPacketConnRunsOrdinaryGoCode(t *testing.T) {
	ea, eb := link.Pair(link.PairConfig{MACA: macA, MACB: macB})
	a := New(Options{Options: core.Options{Name: "a"}})
	b := New(Options{Options: core.Options{Name: "b"}})
	a.AddNIC(ea, addrA)
	b.AddNIC(eb, addrB)
	srv, err := b.ListenPacket(netip.MustParseAddrPort("0.0.0.0:7"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	go echoServer(srv)
	cli, err := a.ListenPacket(netip.AddrPort{})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if err := query(cli, &net.UDPAddr{IP: addrB.Addr().AsSlice(), Port: 7}); err != nil {
		t.Fatal(err)
	}
	cli.SetReadDeadline(time.Now().Add(-time.Second))
	if _, _, err := cli.ReadFrom(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("past deadline: %v", err)
	}
}

// echoServer and query are plain net.PacketConn code, as one would write
// for the kernel.
func echoServer(pc net.PacketConn) {
	buf := make([]byte, 1500)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		pc.WriteTo(buf[:n], from)
	}
}

func query(pc net.PacketConn, to net.Addr) error {
	pc.SetReadDeadline(time.Now().Add(testenv.Patience))
	for i := 0; i < 10; i++ {
		msg := []byte{byte(i), 'q'}
		if _, err := pc.WriteTo(msg, to); err != nil {
			return err
		}
		buf := make([]byte, 10)
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return err
		}
		if !bytes.Equal(buf[:n], msg) || from.String() != to.String() {
			return errors.New("wrong echo " + string(buf[:n]) + " from " + from.String())
		}
	}
	return nil
}
