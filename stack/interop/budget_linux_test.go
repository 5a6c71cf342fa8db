// budget_linux_test.go puts the mini-stack's shared memory budget under
// the loads of issue 17 item 2, each from the kernel's side of the TAP,
// and checks the target: after each, a legitimate client (curl in the
// namespace) fetches a page within 2 s. The loads: downloads stalled
// behind zero windows, orphans with unsent data, out-of-order data
// behind holes (a crafted peer), and HTTP/1.0 connections that leave
// TIME_WAITs.

package interop

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack/header"
)

// legitFetch has curl in the namespace fetch the stack's page, bounded
// at 2 s: the target, a bound on the event and not a sleep.
func (e *env) legitFetch(t testing.TB, after string) {
	t.Helper()
	out, err := e.tryInNS(10*time.Second, "curl", "-sS", "--fail", "--max-time", "2", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", e.url("/"))
	b := e.s.Budget
	if err != nil || !strings.HasPrefix(out, "200 ") {
		c := &e.s.Counters
		t.Fatalf("after %s a legitimate fetch failed: %v %q; budget %d of %d (pressure mark %d); listen drops %d, receive drops %d, states %v",
			after, err, out, b.Used(), b.Limit(), b.PressureMark(), c.TCPListenDrops.Load(), c.TCPRcvQDrops.Load(), e.states())
	}
	t.Logf("after %s: a legitimate fetch took %s s; budget %d of %d bytes (pressure mark %d)", after, strings.Fields(out)[1], b.Used(), b.Limit(), b.PressureMark())
}

// stalledClient opens a kernel connection from the namespace whose
// receive buffer is a few kilobytes, sends req, and never reads: the
// kernel soon advertises a zero window.
func (e *env) stalledClient(t *testing.T, req string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 10 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return serr
	}}
	var c net.Conn
	var err error
	testenv.InNetns(t, e.ns, func() { c, err = d.Dial("tcp4", stackAddr.Addr().String()+":80") })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	return c
}

// stalledLoad opens n stalled clients that each send req, and waits
// until the stack has answered every one: each has its answer queued (a
// send queue), or has finished with it (FIN_WAIT_1 and on, or gone,
// reset). Then the load's work is done and what is measured next is the
// stack's state, not its race to answer the load.
func (e *env) stalledLoad(t *testing.T, n int, req string) {
	t.Helper()
	ports := map[uint16]bool{}
	for range n {
		c := e.stalledClient(t, req)
		ports[uint16(c.LocalAddr().(*net.TCPAddr).Port)] = true
	}
	testenv.WaitFor(t, fmt.Sprintf("the stack to answer the %d load connections", len(ports)), func() bool {
		waiting := 0
		for _, r := range e.s.Snapshot() {
			if ports[r.Remote.Port()] && r.State == collect.StateEstablished && r.SendQ == 0 {
				waiting++
			}
		}
		return waiting == 0
	})
}

func (e *env) states() map[collect.State]int {
	m := map[collect.State]int{}
	for _, r := range e.s.Snapshot() {
		m[r.State]++
	}
	return m
}

func (e *env) countState(st collect.State) int {
	n := 0
	for _, r := range e.s.Snapshot() {
		if r.Proto == collect.ProtoTCP && r.State == st {
			n++
		}
	}
	return n
}

// 300 downloads stalled behind zero windows (264 filled the 64 MiB
// budget for good before the headroom): their send buffers stop at the
// pressure mark and a new connection is still served.
func TestIntegrationBudgetZeroWindowDownloads(t *testing.T) {
	e := newEnv(t, options{})
	needTools(t, "curl")
	e.stalledLoad(t, 300, "GET /bytes/1000000 HTTP/1.0\r\n\r\n")
	if !e.s.Budget.UnderPressure() {
		t.Fatalf("300 stalled downloads leave the budget at %d, without pressure", e.s.Budget.Used())
	}
	e.legitFetch(t, "300 downloads stalled behind zero windows")
}

// 350 kernel clients fetch 200 KB over HTTP/1.0 and never read: the
// server answers and closes, leaving orphans in FIN_WAIT_1 with their
// data unsent behind zero windows, until memory runs short; then closes
// that would leave more than the minimum queued reset their connections
// (tcp_check_oom) until the budget is below its low mark.
func TestIntegrationBudgetOrphans(t *testing.T) {
	e := newEnv(t, options{})
	needTools(t, "curl")
	e.stalledLoad(t, 350, "GET /bytes/200000 HTTP/1.0\r\n\r\n")
	// The pressure itself is brief: the resets give memory back until
	// the budget falls below its low mark.
	if e.s.Counters.TCPAbortOnMemory.Load() == 0 {
		t.Fatalf("350 orphans with unsent data: no reset for memory; budget %d, states %v", e.s.Budget.Used(), e.states())
	}
	t.Logf("%d orphans in FIN_WAIT_1, %d reset for memory", e.countState(collect.StateFinWait1), e.s.Counters.TCPAbortOnMemory.Load())
	e.legitFetch(t, "350 stalled HTTP/1.0 downloads closed by the server")
}

// 200 crafted connections each send 350 KB behind a one-byte hole (they
// filled the budget for good before): under memory pressure the
// out-of-order data is pruned, and a new connection is still served.
func TestIntegrationBudgetOutOfOrder(t *testing.T) {
	e := newEnv(t, options{})
	needTools(t, "curl")
	peer := newRawPeer(t, e, netip.MustParseAddr("198.18.0.66"), header.MAC{2, 0, 0, 0, 0, 0x66})
	const conns, hold, mss = 200, 350_000, 1460
	for i := range conns {
		sport := uint16(20000 + i)
		isn := uint32(1_000_000 * (i + 1))
		iss := peer.connect(sport, 80, isn)
		// Byte isn+1 is the hole; what follows it is held out of order.
		segs := 0
		for off := 0; off < hold; off += mss {
			peer.send(sport, 80, isn+2+uint32(off), iss+1, header.TCPAck, header.TCPOptions{}, make([]byte, min(mss, hold-off)))
			segs++
		}
		// The stack answers every out-of-order segment at once (kept,
		// or dropped for memory): its ACKs pace the load.
		peer.waitACKs(sport, segs)
	}
	if e.s.Counters.TCPOFOPruned.Load() == 0 {
		t.Fatalf("%d connections x %d bytes behind a hole: nothing pruned; budget %d", conns, hold, e.s.Budget.Used())
	}
	t.Logf("%d connections x %d bytes behind a hole: OfoPruned %d, %d receive drops", conns, hold, e.s.Counters.TCPOFOPruned.Load(), e.s.Counters.TCPRcvQDrops.Load())
	e.legitFetch(t, "200 connections holding data behind a hole")
}

// clientAddrs gives the kernel's side of the TAP n addresses, the first
// the one it has (198.18.0.1), the others 198.18.0.3 on.
func (e *env) clientAddrs(t testing.TB, n int) []netip.Addr {
	t.Helper()
	addrs := []netip.Addr{kernelAddr.Addr()}
	for i := 3; len(addrs) < n; i++ {
		a := netip.AddrFrom4([4]byte{198, 18, 0, byte(i)})
		testenv.Run(t, "ip", "-n", e.ns, "addr", "add", netip.PrefixFrom(a, kernelAddr.Bits()).String(), "dev", e.tap.Name())
		addrs = append(addrs, a)
	}
	return addrs
}

// http10Load makes n HTTP/1.0 requests for / from the namespace,
// spread over the source addresses with perAddr connections at a time
// from each, every one on a connection of its own that the server
// closes first (so the server's side ends in TIME_WAIT). It returns how
// many failed, with the first failure.
func (e *env) http10Load(t testing.TB, srcs []netip.Addr, n, perAddr int) (int64, error) {
	t.Helper()
	var next, failed atomic.Int64
	var firstErr error
	var errOnce sync.Once
	fail := func(err error) {
		failed.Add(1)
		errOnce.Do(func() { firstErr = err })
	}
	var wg sync.WaitGroup
	for _, src := range srcs {
		for range perAddr {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, 0))}
				buf := make([]byte, 4096)
				testenv.InNetns(t, e.ns, func() {
					for next.Add(1) <= int64(n) {
						if err := get10(&d, buf); err != nil {
							fail(fmt.Errorf("from %v: %w", src, err))
						}
					}
				})
			}()
		}
	}
	wg.Wait()
	return failed.Load(), firstErr
}

// get10 fetches / over HTTP/1.0 and reads the answer to the server's
// close.
func get10(d *net.Dialer, buf []byte) error {
	c, err := d.Dial("tcp4", stackAddr.Addr().String()+":80")
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(testenv.Patience))
	if _, err := io.WriteString(c, "GET / HTTP/1.0\r\n\r\n"); err != nil {
		return err
	}
	got := 0
	for {
		n, err := c.Read(buf[min(got, len(buf)-1):])
		got += n
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("after %d bytes: %w", got, err)
		}
	}
	if got < 12 || !bytes.HasPrefix(buf, []byte("HTTP/1.0 200")) && !bytes.HasPrefix(buf, []byte("HTTP/1.1 200")) {
		return fmt.Errorf("answer %q", buf[:min(got, 40)])
	}
	return nil
}

// timeWaitLoad runs n HTTP/1.0 connections from four client addresses,
// 16 at a time from each, and checks the target: none fails, every
// TIME_WAIT the stack holds is a row of its socket table, and a
// legitimate client is served after them. It returns the figures.
func timeWaitLoad(t testing.TB, e *env, n int) string {
	srcs := e.clientAddrs(t, 4)
	start := time.Now()
	failed, err := e.http10Load(t, srcs, n, 16)
	elapsed := time.Since(start)
	// A client has its answer when the server's FIN arrives; the
	// server's end reaches TIME_WAIT when the client's FIN comes back.
	testenv.WaitFor(t, "every connection to reach TIME_WAIT or close", func() bool {
		for _, r := range e.s.Snapshot() {
			if r.Proto == collect.ProtoTCP && r.State != collect.StateListen && r.State != collect.StateTimeWait {
				return false
			}
		}
		return true
	})
	tw, c := e.s.TCP.TimeWaits(), &e.s.Counters
	figures := fmt.Sprintf("%d HTTP/1.0 connections from %d addresses in %v (%.0f/s): %d failed; %d in TIME_WAIT (the rest reopened by a newer SYN on a reused port), %d overflowed; budget %d of %d",
		n, len(srcs), elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), failed, tw, c.TCPTimeWaitOverflow.Load(), e.s.Budget.Used(), e.s.Budget.Limit())
	if failed != 0 {
		t.Errorf("%d of %d connections failed; the first: %v", failed, n, err)
	}
	if rows := e.countState(collect.StateTimeWait); rows != tw {
		t.Errorf("%d TIME_WAIT rows in the socket table, %d time-wait blocks", rows, tw)
	}
	e.legitFetch(t, fmt.Sprintf("%d HTTP/1.0 connections", n))
	return figures
}

// HTTP/1.0 connections, each closed by the server first and so leaving a
// TIME_WAIT on the stack's side, all complete; each TIME_WAIT holds a
// time-wait block of tcp.TimeWaitMemory bytes and shows in the socket
// table; a new connection is served after them. CI's size: 20,000
// connections into a 16 MiB budget, which 8,192 TIME_WAITs filled when
// each kept its 2 KiB control block (32,764 filled the default 64 MiB;
// Linux took 60,000 with no failure). BenchmarkHTTP10Connections runs
// the 60,000 into the default budget.
func TestIntegrationBudgetTimeWait(t *testing.T) {
	e := newEnv(t, options{budget: 16 << 20})
	needTools(t, "curl")
	t.Log(timeWaitLoad(t, e, 20_000))
}

// BenchmarkHTTP10Connections is the target at full size: 60,000
// HTTP/1.0 connections from four client addresses into the default
// 64 MiB budget, with 0 failures and a legitimate fetch within 2 s after
// them; it reports connections per second. scripts/test.sh runs it once
// (without -race: 9 to 30 s on this two-core machine, shared), as it runs
// every benchmark.
func BenchmarkHTTP10Connections(b *testing.B) {
	e := newEnv(b, options{})
	needTools(b, "curl")
	const n = 60_000
	for b.Loop() {
		b.Log(timeWaitLoad(b, e, n))
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "conns/s")
}
