// interop_linux_test.go: the Linux kernel and the mini-stack talk over a
// TAP device — ping, HTTP both small and 50 MB, a 50 MB upload to a kernel
// listener, UDP echo and refused connections both ways, ARP both ways,
// and 200 concurrent kernel connections.

package interop

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack/icmp"
	"github.com/gonetstat/gonetstat/stack/services"
)

const big = 50 << 20

func TestIntegrationKernelPingsStack(t *testing.T) {
	e := newEnv(t, options{})
	needTools(t, "ping")
	out := e.inNS(20*time.Second, "ping", "-c", "5", "-i", "0.2", "-W", "2", "-s", "1400", stackAddr.Addr().String())
	if !strings.Contains(out, "5 packets transmitted, 5 received") {
		t.Errorf("ping:\n%s", out)
	}
}

// curlBytes GETs /bytes/n with curl in the namespace and checks the body
// against the X-Content-SHA256 header and against the pattern itself.
func curlBytes(t *testing.T, e *env, n int64) {
	t.Helper()
	dir := t.TempDir()
	hdr, body := filepath.Join(dir, "headers"), filepath.Join(dir, "body")
	e.inNS(120*time.Second, "curl", "-sS", "--fail", "--max-time", "100", "-D", hdr, "-o", body, e.url("/bytes/"+strconv.FormatInt(n, 10)))
	h, err := os.ReadFile(hdr)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?mi)^x-content-sha256: ([0-9a-f]{64})\r?$`).FindSubmatch(h)
	if m == nil {
		t.Fatalf("no X-Content-SHA256 in:\n%s", h)
	}
	f, err := os.Open(body)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hs := sha256.New()
	got, _ := io.Copy(hs, f)
	want := services.PatternSHA256(n)
	if sum := hs.Sum(nil); got != n || hex.EncodeToString(sum) != string(m[1]) || !bytes.Equal(sum, want[:]) {
		t.Errorf("GET /bytes/%d: %d bytes, sha256 %x; header says %s, pattern is %x", n, got, sum, m[1], want)
	}
}

func TestIntegrationCurlSmallAndLarge(t *testing.T) {
	e := newEnv(t, options{})
	needTools(t, "curl")
	page := e.inNS(10*time.Second, "curl", "-sS", "--fail", "--max-time", "5", e.url("/"))
	if !strings.Contains(page, "mini-stack") {
		t.Errorf("GET /:\n%s", page)
	}
	curlBytes(t, e, 1000)
	curlBytes(t, e, big)
}

// upload sends n pattern bytes from the stack to a kernel listener in the
// namespace and checks what the kernel received.
func upload(t *testing.T, e *env, n int64) {
	t.Helper()
	l := e.kernelListen()
	type result struct {
		n   int64
		sum []byte
		err error
	}
	got := make(chan result, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- result{err: err}
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(testenv.Patience))
		h := sha256.New()
		m, err := io.Copy(h, c)
		got <- result{m, h.Sum(nil), err}
	}()
	c, err := e.s.Dial(netip.MustParseAddrPort(l.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetWriteDeadline(time.Now().Add(testenv.Patience))
	if _, err := io.CopyBuffer(c, services.NewPatternReader(n), make([]byte, 64<<10)); err != nil {
		t.Fatal(err)
	}
	if err := c.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		want := services.PatternSHA256(n)
		if r.err != nil || r.n != n || !bytes.Equal(r.sum, want[:]) {
			t.Errorf("kernel received %d of %d bytes (%v), sha256 %x, want %x", r.n, n, r.err, r.sum, want)
		}
	case <-time.After(testenv.Patience):
		t.Fatal("the kernel never finished receiving")
	}
}

func TestIntegrationStackUploadsToKernel(t *testing.T) {
	upload(t, newEnv(t, options{}), big)
}

func TestIntegrationUDPEchoBothWays(t *testing.T) {
	e := newEnv(t, options{})
	// Kernel to the stack's UDP echo.
	var kc net.Conn
	var err error
	testenv.InNetns(t, e.ns, func() { kc, err = net.Dial("udp4", stackAddr.Addr().String()+":7") })
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	for i, msg := range []string{"one", strings.Repeat("x", 1400), strings.Repeat("y", 4000)} { // the last one fragments
		kc.SetDeadline(time.Now().Add(testenv.Patience))
		if _, err := kc.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 8000)
		n, err := kc.Read(buf)
		if err != nil || string(buf[:n]) != msg {
			t.Errorf("kernel→stack echo %d: %d bytes back, %v", i, n, err)
		}
	}

	// The stack to a kernel UDP echo server.
	var ks net.PacketConn
	testenv.InNetns(t, e.ns, func() { ks, err = net.ListenPacket("udp4", kernelAddr.Addr().String()+":0") })
	if err != nil {
		t.Fatal(err)
	}
	defer ks.Close()
	go func() {
		buf := make([]byte, 65536)
		for {
			n, from, err := ks.ReadFrom(buf)
			if err != nil {
				return
			}
			ks.WriteTo(buf[:n], from)
		}
	}()
	sc, err := e.s.ListenPacket(netip.AddrPortFrom(stackAddr.Addr(), 0))
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	for i, msg := range []string{"hello kernel", strings.Repeat("z", 3000)} {
		if _, err := sc.WriteTo([]byte(msg), ks.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		sc.SetReadDeadline(time.Now().Add(testenv.Patience))
		buf := make([]byte, 8000)
		n, from, err := sc.ReadFrom(buf)
		if err != nil || string(buf[:n]) != msg || from.String() != ks.LocalAddr().String() {
			t.Errorf("stack→kernel echo %d: %d bytes from %v, %v", i, n, from, err)
		}
	}
}

func TestIntegrationRefusedWithRSTBothWays(t *testing.T) {
	e := newEnv(t, options{capture: true})
	// Kernel to a closed port of the stack.
	var err error
	testenv.InNetns(t, e.ns, func() { _, err = net.DialTimeout("tcp4", stackAddr.Addr().String()+":4242", 5*time.Second) })
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("kernel connecting to a closed stack port: %v, want ECONNREFUSED", err)
	}
	// The stack to a closed port of the kernel.
	_, err = e.s.Dial(netip.AddrPortFrom(kernelAddr.Addr(), 4243))
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("stack connecting to a closed kernel port: %v, want ECONNREFUSED", err)
	}
	e.close()
	// On the wire: each SYN to a closed port answered by RST+ACK
	// (RFC 9293 §3.10.7.1), from the right side.
	var rsts []string
	for _, p := range packets(t, e.pcap()) {
		ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if ip != nil && tcp != nil && tcp.RST {
			rsts = append(rsts, fmt.Sprintf("%v:%d rst ack=%v", ip.SrcIP, tcp.SrcPort, tcp.ACK))
		}
	}
	want := []string{"198.18.0.2:4242 rst ack=true", "198.18.0.1:4243 rst ack=true"}
	if strings.Join(rsts, ",") != strings.Join(want, ",") {
		t.Errorf("RSTs on the wire: %q, want %q", rsts, want)
	}
}

func packets(t *testing.T, capture []byte) []gopacket.Packet {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(capture))
	if err != nil {
		t.Fatal(err)
	}
	var out []gopacket.Packet
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			return out
		}
		out = append(out, gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default))
	}
}

func TestIntegrationARPBothWays(t *testing.T) {
	e := newEnv(t, options{})
	needTools(t, "ping")
	// The stack asks first: its cache learns the kernel's MAC from the reply.
	replied := make(chan struct{}, 1)
	e.s.ICMP.OnEchoReply(77, func(icmp.EchoReply) { replied <- struct{}{} })
	if err := e.s.ICMP.Ping(kernelAddr.Addr(), 77, 1, []byte("arp me")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-replied:
	case <-time.After(testenv.Patience):
		t.Fatal("the kernel never answered the stack's ping")
	}
	found := false
	for _, n := range e.s.ARP.Neighbors() {
		if n.IP == kernelAddr.Addr() {
			found = n.MAC == e.kernelMAC && n.State == "REACHABLE"
			if !found {
				t.Errorf("stack's ARP entry for the kernel: %+v, want MAC %v REACHABLE", n, e.kernelMAC)
			}
		}
	}
	if !found {
		t.Errorf("stack's ARP cache has no entry for %v: %+v", kernelAddr.Addr(), e.s.ARP.Neighbors())
	}
	// Then the kernel asks: flush what it learned from the stack's request
	// and ping, so its own ARP request must be answered by the stack.
	e.inNS(5*time.Second, "ip", "neigh", "flush", "dev", e.tap.Name())
	e.inNS(10*time.Second, "ping", "-c", "1", "-W", "2", stackAddr.Addr().String())
	neigh := e.inNS(5*time.Second, "ip", "neigh", "show", stackAddr.Addr().String(), "dev", e.tap.Name())
	if !strings.Contains(neigh, "lladdr "+e.tap.MAC().String()) || !strings.Contains(neigh, "REACHABLE") {
		t.Errorf("ip neigh in the namespace: %q; want lladdr %v REACHABLE", neigh, e.tap.MAC())
	}
}

func TestIntegration200ConcurrentKernelConnections(t *testing.T) {
	e := newEnv(t, options{})
	needTools(t, "curl")
	dir := t.TempDir()
	// One curl, 200 transfers at once: /bytes/1000 … /bytes/1199, each
	// body saved under its N so every one is checked.
	out := e.inNS(60*time.Second, "curl", "-sS", "--fail", "--max-time", "50", "--parallel", "--parallel-immediate", "--parallel-max", "200",
		"-o", filepath.Join(dir, "#1"), "-w", "%{http_code}\n", e.url("/bytes/[1000-1199]"))
	if codes := strings.Fields(out); len(codes) != 200 || strings.Count(out, "200\n") != 200 {
		t.Errorf("want 200 answers of 200 OK; got %d: %q…", len(codes), out[:min(len(out), 200)])
	}
	for n := 1000; n < 1200; n++ {
		b, err := os.ReadFile(filepath.Join(dir, strconv.Itoa(n)))
		want := make([]byte, n)
		services.FillPattern(want, 0)
		if err != nil || !bytes.Equal(b, want) {
			t.Errorf("body of /bytes/%d: %d bytes, %v", n, len(b), err)
		}
	}
}
