// bench_test.go measures the stack on two instances joined by the
// in-memory wire: bulk throughput, connection rate, allocations.

package stack

import (
	"io"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/link"
)

func benchPair(b *testing.B, mtu int) (*Stack, *Stack) {
	ea, eb := link.Pair(link.PairConfig{MTU: mtu, MACA: macA, MACB: macB})
	a := New(Options{Options: core.Options{Name: "a", MemoryBudget: 1 << 30}})
	sb := New(Options{Options: core.Options{Name: "b", MemoryBudget: 1 << 30}})
	a.AddNIC(ea, addrA)
	sb.AddNIC(eb, addrB)
	b.Cleanup(func() { ea.Close(); eb.Close() })
	return a, sb
}

// BenchmarkBulk sends b.N chunks of 64 KiB one way over one connection.
func BenchmarkBulk(b *testing.B) {
	for _, mtu := range []int{1500, 65535} {
		b.Run("mtu="+strconv.Itoa(mtu), func(b *testing.B) {
			a, sb := benchPair(b, mtu)
			ln, err := sb.Listen(netip.MustParseAddrPort("0.0.0.0:9"), 4)
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			got := make(chan int64, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					got <- -1
					return
				}
				n, _ := io.Copy(io.Discard, c)
				c.Close()
				got <- n
			}()
			c, err := a.Dial(netip.AddrPortFrom(addrB.Addr(), 9))
			if err != nil {
				b.Fatal(err)
			}
			chunk := make([]byte, 64<<10)
			segsBefore := a.Counters.TCPOutSegs.Load()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			mallocsBefore := ms.Mallocs
			b.SetBytes(int64(len(chunk)))
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if _, err := c.Write(chunk); err != nil {
					b.Fatal(err)
				}
			}
			c.(interface{ CloseWrite() error }).CloseWrite()
			n := <-got
			elapsed := time.Since(start)
			b.StopTimer()
			runtime.ReadMemStats(&ms)
			mallocs := ms.Mallocs - mallocsBefore
			c.Close()
			if n != int64(b.N*len(chunk)) {
				b.Fatalf("received %d of %d bytes", n, b.N*len(chunk))
			}
			b.ReportMetric(float64(n)*8/elapsed.Seconds()/1e6, "Mbit/s")
			if segs := a.Counters.TCPOutSegs.Load() - segsBefore; segs > 0 {
				b.ReportMetric(float64(segs)/float64(b.N), "segs/op")
				// Both stacks' allocations (sender and receiver, the ACKs
				// included) per data segment sent.
				b.ReportMetric(float64(mallocs)/float64(segs), "allocs/seg")
			}
		})
	}
}

// BenchmarkConnEcho opens a connection, echoes one byte, and closes.
func BenchmarkConnEcho(b *testing.B) {
	a, sb := benchPair(b, 1500)
	ln, err := sb.Listen(netip.MustParseAddrPort("0.0.0.0:7"), 1024)
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				buf := make([]byte, 1)
				if _, err := io.ReadFull(c, buf); err == nil {
					c.Write(buf)
				}
				c.Close()
			}(c)
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	buf := make([]byte, 1)
	for i := 0; i < b.N; i++ {
		c, err := a.Dial(netip.AddrPortFrom(addrB.Addr(), 7))
		if err != nil {
			b.Fatal(err)
		}
		c.Write([]byte{byte(i)})
		if _, err := io.ReadFull(c, buf); err != nil || buf[0] != byte(i) {
			b.Fatalf("echo %d: %v", i, err)
		}
		c.Close()
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "conn/s")
}
