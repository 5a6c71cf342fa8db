// bench_tap_linux_test.go measures TCP throughput between the mini-stack
// and the Linux kernel over a TAP device, each way, at MTU 1500 and 9000:
// the same workload as bench/gvisor's BenchmarkTAP, so the two are
// compared in one run (bench/tap.sh). Root only.

package interop

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/link"
)

// benchRig is a TAP whose kernel side is in a namespace of its own, and a
// mini-stack on the other side.
func benchRig(b *testing.B, mtu int) (*stack.Stack, string) {
	ns := testenv.NewNetns(b, "gnst-tapb-")
	tap, err := link.OpenTAP(link.TAPConfig{Name: testenv.RandName("gntapb", 6), MTU: mtu})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tap.Close() }) // before the namespace goes (cleanups run last first)
	testenv.Run(b, "ip", "link", "set", tap.Name(), "netns", ns)
	testenv.Run(b, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf."+tap.Name()+".disable_ipv6=1")
	testenv.Run(b, "ip", "-n", ns, "addr", "add", kernelAddr.String(), "dev", tap.Name())
	testenv.Run(b, "ip", "-n", ns, "link", "set", tap.Name(), "up")
	s := stack.New(stack.Options{Options: core.Options{Name: "bench"}})
	if _, err := s.AddNIC(tap, stackAddr); err != nil {
		b.Fatal(err)
	}
	return s, ns
}

// BenchmarkTAP reports Mbit/s of one TCP connection over the TAP.
func BenchmarkTAP(b *testing.B) {
	for _, mtu := range []int{1500, 9000} {
		for _, dir := range []string{"kernel-to-stack", "stack-to-kernel"} {
			b.Run(fmt.Sprintf("mtu=%d/%s", mtu, dir), func(b *testing.B) {
				s, ns := benchRig(b, mtu)
				var src, dst net.Conn
				if dir == "kernel-to-stack" {
					ln, err := s.Listen(netip.AddrPortFrom(stackAddr.Addr(), 9), 4)
					if err != nil {
						b.Fatal(err)
					}
					defer ln.Close()
					testenv.InNetns(b, ns, func() {
						src, err = net.DialTimeout("tcp4", netip.AddrPortFrom(stackAddr.Addr(), 9).String(), 10*time.Second)
					})
					if err != nil {
						b.Fatal(err)
					}
					if dst, err = ln.Accept(); err != nil {
						b.Fatal(err)
					}
				} else {
					var ln net.Listener
					var err error
					testenv.InNetns(b, ns, func() { ln, err = net.Listen("tcp4", kernelAddr.Addr().String()+":0") })
					if err != nil {
						b.Fatal(err)
					}
					defer ln.Close()
					if src, err = s.Dial(netip.MustParseAddrPort(ln.Addr().String())); err != nil {
						b.Fatal(err)
					}
					if dst, err = ln.Accept(); err != nil {
						b.Fatal(err)
					}
				}
				bulkOver(b, src, dst)
			})
		}
	}
}

// bulkOver writes b.N chunks of 64 KiB into src and counts them out of dst.
func bulkOver(b *testing.B, src, dst net.Conn) {
	got := make(chan int64, 1)
	var readErr error
	go func() {
		n, err := io.Copy(io.Discard, dst)
		readErr = err
		dst.Close()
		got <- n
	}()
	// A stall (a connection that stops moving) fails the run instead of
	// hanging it: the whole transfer takes well under a second.
	deadline := time.Now().Add(30 * time.Second)
	src.(interface{ SetDeadline(time.Time) error }).SetDeadline(deadline)
	dst.(interface{ SetDeadline(time.Time) error }).SetDeadline(deadline)
	chunk := make([]byte, 64<<10)
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := src.Write(chunk); err != nil {
			<-got
			b.Fatalf("write: %v (the reader had stopped with %v)", err, readErr)
		}
	}
	src.(interface{ CloseWrite() error }).CloseWrite()
	n := <-got
	elapsed := time.Since(start)
	b.StopTimer()
	src.Close()
	if n != int64(b.N*len(chunk)) {
		b.Fatalf("received %d of %d bytes: %v", n, b.N*len(chunk), readErr)
	}
	b.ReportMetric(float64(n)*8/elapsed.Seconds()/1e6, "Mbit/s")
}
