// tap_linux_test.go: gVisor netstack on a TAP device against the Linux
// kernel in a network namespace, the same workload as the mini-stack's
// BenchmarkTAP (stack/interop): 64 KiB writes over one TCP connection,
// kernel to stack and stack to kernel, at MTU 1500 and 9000. Root only.

package gvisor

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/link/fdbased"
	"gvisor.dev/gvisor/pkg/tcpip/link/tun"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

// The kernel's side of the TAP, inside the namespace, and the stack's.
var (
	kernelAddr = "198.18.0.1"
	stackAddr  = tcpip.AddrFrom4([4]byte{198, 18, 0, 2})
)

func ip(b *testing.B, args ...string) {
	b.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		b.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// tapRig is a TAP device whose kernel side lives in a namespace of its
// own, and a gVisor stack on its file descriptor.
type tapRig struct {
	ns string
	s  *stack.Stack
}

func newTapRig(b *testing.B, mtu int) *tapRig {
	if os.Geteuid() != 0 {
		// internal/testenv's rule, inlined: this module cannot import it.
		if os.Getenv("GONETSTAT_REQUIRE_PRIV") == "1" {
			b.Fatal("GONETSTAT_REQUIRE_PRIV=1 but this benchmark needs root: it creates a network namespace and a TAP device")
		}
		b.Skip("needs root: creates a network namespace and a TAP device")
	}
	var rnd [3]byte
	rand.Read(rnd[:])
	suffix := hex.EncodeToString(rnd[:])
	r := &tapRig{ns: "gnst-bench-" + suffix}
	dev := "gnbg" + suffix
	ip(b, "netns", "add", r.ns)
	b.Cleanup(func() { exec.Command("ip", "netns", "del", r.ns).Run() })
	fd, err := tun.OpenTAP(dev)
	if err != nil {
		b.Fatalf("open TAP %s: %v", dev, err)
	}
	// The device lives as long as this descriptor; once it has moved into
	// the namespace, deleting the namespace deletes it as well.
	ip(b, "link", "set", "dev", dev, "mtu", strconv.Itoa(mtu))
	ip(b, "link", "set", "dev", dev, "netns", r.ns)
	ip(b, "-n", r.ns, "addr", "add", kernelAddr+"/24", "dev", dev)
	ip(b, "-n", r.ns, "link", "set", "dev", dev, "up")
	ip(b, "-n", r.ns, "link", "set", "dev", "lo", "up")
	ep, err := fdbased.New(&fdbased.Options{FDs: []int{fd}, MTU: uint32(mtu), EthernetHeader: true, Address: "\x02\x00\x00\x00\x00\x02"})
	if err != nil {
		b.Fatal(err)
	}
	s := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, arp.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol},
	})
	if err := s.CreateNIC(1, ep); err != nil {
		b.Fatal(err)
	}
	if err := s.AddProtocolAddress(1, tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: stackAddr.WithPrefix()}, stack.AddressProperties{}); err != nil {
		b.Fatal(err)
	}
	subnet, _ := tcpip.NewSubnet(tcpip.AddrFrom4([4]byte{198, 18, 0, 0}), tcpip.MaskFromBytes([]byte{255, 255, 255, 0}))
	s.SetRouteTable([]tcpip.Route{{Destination: subnet, NIC: 1}})
	b.Cleanup(func() { s.Close(); unix.Close(fd) })
	r.s = s
	return r
}

// inNetns runs f on an OS thread that has entered the rig's namespace, so
// the sockets f makes are the namespace's. The thread stays locked and is
// thrown away when f returns, never reused in the wrong namespace.
func (r *tapRig) inNetns(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		ns, err := os.Open("/run/netns/" + r.ns)
		if err != nil {
			errc <- err
			return
		}
		defer ns.Close()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", r.ns, err)
			return
		}
		errc <- f()
	}()
	return <-errc
}

// BenchmarkTAP reports Mbit/s of one TCP connection over the TAP.
func BenchmarkTAP(b *testing.B) {
	for _, mtu := range []int{1500, 9000} {
		for _, dir := range []string{"kernel-to-stack", "stack-to-kernel"} {
			b.Run(fmt.Sprintf("mtu=%d/%s", mtu, dir), func(b *testing.B) {
				r := newTapRig(b, mtu)
				var src io.WriteCloser
				var dst io.ReadCloser
				if dir == "kernel-to-stack" {
					ln, err := gonet.ListenTCP(r.s, tcpip.FullAddress{NIC: 1, Port: 9}, ipv4.ProtocolNumber)
					if err != nil {
						b.Fatal(err)
					}
					defer ln.Close()
					var c net.Conn
					if err := r.inNetns(func() (err error) {
						c, err = net.DialTimeout("tcp", net.JoinHostPort(stackAddr.String(), "9"), 10*time.Second)
						return err
					}); err != nil {
						b.Fatal(err)
					}
					a, err := ln.Accept()
					if err != nil {
						b.Fatal(err)
					}
					src, dst = c, a
				} else {
					var ln net.Listener
					if err := r.inNetns(func() (err error) {
						ln, err = net.Listen("tcp", net.JoinHostPort(kernelAddr, "5001"))
						return err
					}); err != nil {
						b.Fatal(err)
					}
					defer ln.Close()
					c, err := gonet.DialTCP(r.s, tcpip.FullAddress{NIC: 1, Addr: tcpip.AddrFrom4([4]byte{198, 18, 0, 1}), Port: 5001}, ipv4.ProtocolNumber)
					if err != nil {
						b.Fatal(err)
					}
					a, err := ln.Accept()
					if err != nil {
						b.Fatal(err)
					}
					src, dst = c, a
				}
				bulkOver(b, src, dst)
			})
		}
	}
}

// bulkOver writes b.N chunks of 64 KiB from src and counts them out of
// dst.
func bulkOver(b *testing.B, src io.WriteCloser, dst io.ReadCloser) {
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
