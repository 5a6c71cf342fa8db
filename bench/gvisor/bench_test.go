// bench_test.go: two gVisor stacks joined by link/pipe with Ethernet and
// ARP, the same shape as the mini-stack's link.Pair, running the same
// BenchmarkBulk and BenchmarkConnEcho.

package gvisor

import (
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/link/ethernet"
	"gvisor.dev/gvisor/pkg/tcpip/link/pipe"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

var (
	addrA = tcpip.AddrFrom4([4]byte{198, 18, 0, 1})
	addrB = tcpip.AddrFrom4([4]byte{198, 18, 0, 2})
)

func newStack(b *testing.B, ep stack.LinkEndpoint, addr tcpip.Address) *stack.Stack {
	s := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, arp.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol},
	})
	if err := s.CreateNIC(1, ethernet.New(ep)); err != nil {
		b.Fatal(err)
	}
	if err := s.AddProtocolAddress(1, tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: addr.WithPrefix()}, stack.AddressProperties{}); err != nil {
		b.Fatal(err)
	}
	subnet, _ := tcpip.NewSubnet(tcpip.AddrFrom4([4]byte{198, 18, 0, 0}), tcpip.MaskFromBytes([]byte{255, 255, 255, 0}))
	s.SetRouteTable([]tcpip.Route{{Destination: subnet, NIC: 1}})
	b.Cleanup(s.Close)
	return s
}

func pair(b *testing.B, mtu uint32) (*stack.Stack, *stack.Stack) {
	ea, eb := pipe.New("\x02\x00\x00\x00\x00\x0a", "\x02\x00\x00\x00\x00\x0b", mtu)
	return newStack(b, ea, addrA), newStack(b, eb, addrB)
}

func BenchmarkBulk(b *testing.B) {
	for _, mtu := range []uint32{1500, 65535} {
		b.Run("mtu="+strconv.Itoa(int(mtu)), func(b *testing.B) {
			a, sb := pair(b, mtu)
			ln, err := gonet.ListenTCP(sb, tcpip.FullAddress{NIC: 1, Port: 9}, ipv4.ProtocolNumber)
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
			c, err := gonet.DialTCP(a, tcpip.FullAddress{NIC: 1, Addr: addrB, Port: 9}, ipv4.ProtocolNumber)
			if err != nil {
				b.Fatal(err)
			}
			chunk := make([]byte, 64<<10)
			b.SetBytes(int64(len(chunk)))
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if _, err := c.Write(chunk); err != nil {
					b.Fatal(err)
				}
			}
			c.CloseWrite()
			n := <-got
			elapsed := time.Since(start)
			b.StopTimer()
			c.Close()
			if n != int64(b.N*len(chunk)) {
				b.Fatalf("received %d of %d bytes", n, b.N*len(chunk))
			}
			b.ReportMetric(float64(n)*8/elapsed.Seconds()/1e6, "Mbit/s")
		})
	}
}

func BenchmarkConnEcho(b *testing.B) {
	a, sb := pair(b, 1500)
	ln, err := gonet.ListenTCP(sb, tcpip.FullAddress{NIC: 1, Port: 7}, ipv4.ProtocolNumber)
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
		c, err := gonet.DialTCP(a, tcpip.FullAddress{NIC: 1, Addr: addrB, Port: 7}, ipv4.ProtocolNumber)
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
