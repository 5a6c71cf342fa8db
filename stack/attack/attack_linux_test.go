// attack_linux_test.go sets up the two targets, the real "gonetstat stack
// run" binary and the Linux kernel, and runs the table of probes against
// both: each probe says what it expects of each, and the log shows them
// side by side.

package attack

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack/link"
)

// probe is one attack: run sends it at w and says what came back; stack
// and kernel are the outcomes expected of each target. A new probe is one
// more entry in probes.
type probe struct {
	name          string
	run           func(w *wire) string
	stack, kernel string
}

var probes = []probe{
	// Controls: the same probes unicast, so a "no answer" below is not a
	// probe that cannot draw one.
	{"control: UDP to a closed port", udpTo(false, 19), "ICMP DestinationUnreachable(Port)", "ICMP DestinationUnreachable(Port)"},
	{"control: echo request", echoFrom(nil, false), "ICMP EchoReply", "ICMP EchoReply"},

	// Item 1: LAND and martian sources (RFC 1122 §3.2.1.3).
	{"item 1: UDP LAND to the echo port", udpLand, "no answer", "no answer"},
	{"item 1: SYN LAND to port 80", synLand, "no answer", "no answer"},
	{"item 1: SYN from 127.0.0.1", synFrom(net.IPv4(127, 0, 0, 1)), "no answer", "no answer"},
	{"item 1: SYN from 224.0.0.1", synFrom(net.IPv4(224, 0, 0, 1)), "no answer", "no answer"},
	{"item 1: SYN from 255.255.255.255", synFrom(net.IPv4bcast), "no answer", "no answer"},
	{"item 1: SYN from 0.0.0.0", synFrom(net.IPv4zero), "no answer", "no answer"},
	// Linux with rp_filter 0, a new namespace's default, takes a subnet
	// broadcast source (fib_validate_source checks only with rp_filter
	// on); the stack drops it as RFC 1122 §3.2.1.3 says.
	{"item 1: SYN from the subnet broadcast", synFrom(nil), "no answer", "SYN,ACK, a connection to it"},
	{"item 1: echo from the subnet broadcast", echoFromBroadcast, "no answer", "ICMP EchoReply"},

	// Item 8: broadcast destinations (RFC 1122 §3.2.2, §3.2.2.6, §4.2.3.10).
	{"item 8: SYN to the subnet broadcast", synToBroadcast, "no answer", "no answer"},
	{"item 8: UDP to broadcast, closed port", udpTo(true, 19), "no answer", "no answer"},
	{"item 8: echo request to broadcast", echoFrom(nil, true), "no answer", "no answer"},

	// Item 4: the peer's MSS floored at 48 before the 12 bytes of
	// timestamps come off (tcp_min_snd_mss).
	{"item 4: MSS 1 with timestamps", mss(1), "largest of 4 data segments: 36 bytes", "largest of 4 data segments: 36 bytes"},
	{"item 4: MSS 12 with timestamps", mss(12), "largest of 4 data segments: 36 bytes", "largest of 4 data segments: 36 bytes"},

	// Item 5: ICMP errors trusted less (RFC 5927 §4.1, ip_rt_min_pmtu 552).
	// Out of window first: Linux keeps a learned path MTU for the
	// destination (a route exception, ip_rt_mtu_expires 600 s), so after
	// the in-window probe its next connection to the peer starts at 512;
	// the stack keeps it per connection.
	{"item 5: frag needed, MTU 68, out of window", fragNeeded(false), "new segments after it: 1460..1460 bytes", "new segments after it: 1460..1460 bytes"},
	{"item 5: frag needed, MTU 68, in window", fragNeeded(true), "new segments after it: 512..512 bytes", "new segments after it: 512..512 bytes"},

	// An error about a connection in SYN_RECV drops it only for net or
	// host unreachable, time exceeded or parameter problem, and only
	// quoting the ISN (tcp_v4_err, tcp_req_err).
	{"item 5: port unreachable in SYN_RECV, ISN quoted", synRecvError(layers.ICMPv4CodePort, true), "connection survives", "connection survives"},
	{"item 5: host unreachable in SYN_RECV, ISN quoted", synRecvError(layers.ICMPv4CodeHost, true), "RST", "RST"},
	{"item 5: host unreachable in SYN_RECV, bogus seq", synRecvError(layers.ICMPv4CodeHost, false), "connection survives", "connection survives"},

	// Passing since the issue was filed: RFC 5961, odd flags, checksums,
	// overlapping retransmissions.
	{"RFC 5961: RST outside the window", rst(1 << 30), "no answer", "no answer"},
	{"RFC 5961: RST in the window, not exact", rst(1), "ACK", "ACK"},
	{"RFC 5961: SYN in ESTABLISHED", synEstablished, "ACK", "ACK"},
	{"null flags with data", flags("null"), "no answer", "no answer"},
	{"FIN,PSH,URG (xmas) with data", flags("xmas"), "no answer", "no answer"},
	{"data with a bad TCP checksum", badChecksum, "no answer", "no answer"},
	{"overlapping retransmission of a request", overlap, "HTTP/1.x response", "HTTP/1.x response"},

	// Fragments (RFC 791, RFC 8900): a fragmented echo is answered (the
	// control, small enough that its reply fits the 552 bytes Linux has
	// learned for the peer from item 5's probe), one that reassembles
	// past 65,535 bytes (ping of death) is not.
	{"control: echo request in 2 fragments", fragmentedEcho(256, 400), "ICMP EchoReply", "ICMP EchoReply"},
	{"ping of death: 65,600 bytes in 45 fragments", fragmentedEcho(1480, 65600), "no answer", "no answer"},
	// RFC 5722 §4: a datagram with overlapping fragments is dropped whole
	// (Linux since 4.19, ip_frag_queue: "overlap", IPSTATS_MIB_REASM_OVERLAPS).
	{"echo in 2 fragments overlapping by 8 bytes", overlappingEcho(256, 400, 8), "no answer", "no answer"},
	// Item 7: an exact duplicate fragment is dropped alone and the
	// datagram completes (Linux's IPFRAG_DUP), unlike an overlap.
	{"item 7: echo in 2 fragments, the first sent twice", duplicateFragmentEcho, "ICMP EchoReply", "ICMP EchoReply"},

	// Item 3: challenge ACKs limited per connection, one per 500 ms
	// (tcp_invalid_ratelimit), so ten in-window RSTs in a burst draw one
	// (a stall of 500 ms inside the burst could let a second through:
	// "rate-limited" allows up to three).
	{"item 3: 10 in-window RSTs in a burst", rstBurst(10), "rate-limited", "rate-limited"},

	// Item 10: a listener drops SYN+FIN (tcp_rcv_state_process), and a
	// malformed option is skipped, not the segment (tcp_parse_options).
	{"item 10: SYN+FIN to the listener", synFin, "no answer", "no answer"},
	{"item 10: SYN with a 3-byte MSS option", synBadOption, "SYN,ACK", "SYN,ACK"},
}

// duplicateFragmentEcho sends an echo request of 400 bytes in two
// fragments, the first one twice.
func duplicateFragmentEcho(w *wire) string {
	id := w.id()
	msg := serialize(w.t, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: id, Seq: 1},
		gopacket.Payload(bytes.Repeat([]byte{'d'}, 392)))
	first := func() {
		h := ip(w.peerIP, w.targetIP, layers.IPProtocolICMPv4)
		h.Id, h.Flags = id, layers.IPv4MoreFragments
		w.sendIP(h, gopacket.Payload(msg[:256]))
	}
	first()
	first()
	h := ip(w.peerIP, w.targetIP, layers.IPProtocolICMPv4)
	h.Id, h.FragOffset = id, 256/8
	w.sendIP(h, gopacket.Payload(msg[256:]))
	return classify(w.pingBarrier(), 0)
}

// rstBurst sends n resets one byte past RCV.NXT on one connection, at
// once, and counts the ACKs they draw.
func rstBurst(n int) func(w *wire) string {
	return func(w *wire) string {
		c := w.connect(1460, false)
		defer c.abort()
		for range n {
			s := c.tcp(c.sndNxt + 1)
			s.ACK, s.RST, s.Ack = false, true, 0
			c.send(s)
		}
		acks := 0
		for _, p := range w.pingBarrier() {
			if s := c.segment(p); s != nil && s.ACK && !s.RST && !s.SYN && len(s.Payload) == 0 {
				acks++
			}
		}
		if acks >= 1 && acks <= 3 {
			return "rate-limited"
		}
		return fmt.Sprintf("%d ACKs for %d RSTs", acks, n)
	}
}

func synFin(w *wire) string {
	port := w.id()
	w.sendIP(ip(w.peerIP, w.targetIP, layers.IPProtocolTCP),
		&layers.TCP{SrcPort: layers.TCPPort(port), DstPort: 80, Seq: 12345, SYN: true, FIN: true, Window: 65535})
	return classify(w.pingBarrier(), port)
}

// synBadOption sends a SYN whose MSS option says it is 3 bytes long (it
// is 4); the half-open connection is reset after, exactly, so its
// retransmitted SYN,ACKs do not reach the later probes.
func synBadOption(w *wire) string {
	port := w.id()
	w.sendIP(ip(w.peerIP, w.targetIP, layers.IPProtocolTCP),
		&layers.TCP{SrcPort: layers.TCPPort(port), DstPort: 80, Seq: 12345, SYN: true, Window: 65535,
			Options: []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 3, OptionData: []byte{5}}}})
	got := classify(w.pingBarrier(), port)
	w.sendIP(ip(w.peerIP, w.targetIP, layers.IPProtocolTCP),
		&layers.TCP{SrcPort: layers.TCPPort(port), DstPort: 80, Seq: 12346, RST: true, Window: 65535})
	return got
}

func TestAttackStackBesideKernel(t *testing.T) {
	testenv.SkipUnlessRoot(t)
	for _, tool := range []string{"ip", "go", "sysctl"} {
		_, err := exec.LookPath(tool)
		testenv.SkipWithout(t, err == nil, tool)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "gonetstat")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/gonetstat/gonetstat").CombinedOutput(); err != nil {
		t.Fatalf("building gonetstat: %v\n%s", err, out)
	}
	wires := []*wire{stackTarget(t, bin), kernelTarget(t, bin)}
	for _, p := range probes {
		got := make([]string, len(wires))
		for i, w := range wires {
			got[i] = p.run(w)
		}
		t.Logf("%-50s stack: %-40s kernel: %s", p.name, got[0], got[1])
		if got[0] != p.stack {
			t.Errorf("%s: the stack gave %q, want %q", p.name, got[0], p.stack)
		}
		if got[1] != p.kernel {
			t.Errorf("%s: the kernel gave %q, want %q", p.name, got[1], p.kernel)
		}
	}
}

// stackTarget runs gonetstat stack run at 198.18.0.2/24 on a TAP in a
// namespace of its own, the kernel's side 198.18.0.1/24, and attacks it
// from 198.18.0.3 through an AF_PACKET socket on the kernel's side.
func stackTarget(t *testing.T, bin string) *wire {
	dir := t.TempDir()
	ns := testenv.NewNetns(t, "gnst-atk-")
	name := testenv.RandName("gnatk", 6)
	cmd := exec.Command("ip", "netns", "exec", ns, bin, "stack", "run", "--tap", name,
		"--addr", "198.18.0.2/24", "--host-addr", "198.18.0.1/24")
	cmd.Env = append(os.Environ(), "GONETSTAT_RUNTIME_DIR="+filepath.Join(dir, "run"))
	var stderr testenv.SyncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	// Registered after the namespace's cleanup, so it runs first: the
	// stack exits (0, or the test fails) and its TAP goes with it.
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
			if waitErr != nil {
				t.Errorf("gonetstat stack run after SIGTERM: %v\n%s", waitErr, stderr.String())
			}
		case <-time.After(testenv.Patience):
			cmd.Process.Kill()
			<-exited
			t.Errorf("gonetstat stack run did not exit within %v of SIGTERM", testenv.Patience)
		}
	})
	if !stderr.Await(func(s string) bool { return strings.Contains(s, "udp-echo listening") }, exited) {
		t.Fatalf("gonetstat stack run did not come up:\n%s", stderr.String())
	}
	// No IPv6 on the kernel's side: its router solicitations are noise.
	testenv.Run(t, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf."+name+".disable_ipv6=1")
	send, start := packetSocket(t, ns, name)
	w := newWire(t, "stack", send, net.IPv4(198, 18, 0, 2), net.IPv4(198, 18, 0, 3), net.IPv4(198, 18, 0, 255))
	w.sockets = func() string {
		ano := exec.Command(bin, "-an", "--stack")
		ano.Env = cmd.Env
		out, err := ano.CombinedOutput()
		if err != nil {
			t.Fatalf("gonetstat -an --stack: %v\n%s", err, out)
		}
		return string(out)
	}
	start(w)
	w.resolve()
	return w
}

type deliverFunc func([]byte)

func (f deliverFunc) DeliverFrame(b []byte) { f(b) }

// kernelTarget gives the kernel 198.18.1.2/24 on a TAP whose other end
// this test holds, in a second namespace, with a UDP echo on port 7 and
// a server on port 80 answering "GET /bytes/N" as the stack's does, and
// attacks it from 198.18.1.3. A TAP rather than a veth: the kernel
// segments what it sends into it (no GSO), so segment sizes are the
// kernel's own on the wire.
func kernelTarget(t *testing.T, bin string) *wire {
	ns := testenv.NewNetns(t, "gnst-atk-")
	tap, err := link.OpenTAP(link.TAPConfig{Name: testenv.RandName("gnatk", 6), MTU: 1500})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tap.Close(); err != nil {
			t.Errorf("closing the TAP: %v", err)
		}
	})
	testenv.Run(t, "ip", "link", "set", tap.Name(), "netns", ns)
	testenv.Run(t, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf."+tap.Name()+".disable_ipv6=1")
	testenv.Run(t, "ip", "-n", ns, "addr", "add", "198.18.1.2/24", "dev", tap.Name())
	testenv.Run(t, "ip", "-n", ns, "link", "set", tap.Name(), "up")
	var pc net.PacketConn
	var l net.Listener
	testenv.InNetns(t, ns, func() {
		if pc, err = net.ListenPacket("udp4", "198.18.1.2:7"); err != nil {
			return
		}
		if l, err = net.Listen("tcp4", "198.18.1.2:80"); err != nil {
			pc.Close()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	t.Cleanup(func() {
		pc.Close()
		l.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(2)
	go func() {
		defer wg.Done()
		buf := make([]byte, 65536)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(buf[:n], from)
		}
	}()
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				serveBytes(c)
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
				c.Close()
			}()
		}
	}()
	w := newWire(t, "kernel", tap.WritePacket, net.IPv4(198, 18, 1, 2), net.IPv4(198, 18, 1, 3), net.IPv4(198, 18, 1, 255))
	w.sockets = func() string { return testenv.Run(t, "ip", "netns", "exec", ns, bin, "-an") }
	tap.Attach(deliverFunc(w.deliver))
	w.resolve()
	return w
}

// serveBytes answers one "GET /bytes/N" with N bytes, as the stack's HTTP
// service does, then reads until the peer goes.
func serveBytes(c net.Conn) {
	r := bufio.NewReader(io.LimitReader(c, 4096))
	line, err := r.ReadString('\n')
	if err != nil {
		return
	}
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if l == "\r\n" {
			break
		}
	}
	n := 100
	if f := strings.Fields(line); len(f) > 1 && strings.HasPrefix(f[1], "/bytes/") {
		if v, err := strconv.Atoi(strings.TrimPrefix(f[1], "/bytes/")); err == nil && v >= 0 && v <= 1<<20 {
			n = v
		}
	}
	fmt.Fprintf(c, "HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s", n, bytes.Repeat([]byte("x"), n))
	io.Copy(io.Discard, c)
}

// echoFrom sends an echo request from src (the peer when nil) to the
// target, or to its subnet's broadcast address.
func echoFrom(src net.IP, toBroadcast bool) func(w *wire) string {
	return func(w *wire) string {
		from := src
		if from == nil {
			from = w.peerIP
		}
		dst := w.targetIP
		if toBroadcast {
			dst = w.bcast
		}
		w.sendIP(ip(from, dst, layers.IPProtocolICMPv4),
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: w.id(), Seq: 1},
			gopacket.Payload("probe"))
		return classify(w.pingBarrier(), 0)
	}
}

// udpTo sends a datagram to port of the target or of its broadcast.
func udpTo(toBroadcast bool, port uint16) func(w *wire) string {
	return func(w *wire) string {
		dst := w.targetIP
		if toBroadcast {
			dst = w.bcast
		}
		w.sendIP(ip(w.peerIP, dst, layers.IPProtocolUDP),
			&layers.UDP{SrcPort: layers.UDPPort(w.id()), DstPort: layers.UDPPort(port)}, gopacket.Payload("probe"))
		return classify(w.pingBarrier(), 0)
	}
}

// udpLand sends the echo service a datagram from itself: a stack that
// took it would echo it to itself, not to the wire, so the probe wants
// no answer before a legitimate echo's, and that echo answered.
func udpLand(w *wire) string {
	w.sendIP(ip(w.targetIP, w.targetIP, layers.IPProtocolUDP),
		&layers.UDP{SrcPort: 7, DstPort: 7}, gopacket.Payload("land"))
	return classify(w.udpBarrier(), 0)
}

// synLand sends the HTTP listener a SYN from itself: its SYN,ACK would go
// to itself, not to the wire, so beside the wire the probe reads the
// target's socket table for a connection from its own address to itself.
func synLand(w *wire) string {
	w.sendIP(ip(w.targetIP, w.targetIP, layers.IPProtocolTCP),
		&layers.TCP{SrcPort: 80, DstPort: 80, Seq: 12345, SYN: true, Window: 65535})
	got := classify(w.pingBarrier(), 80)
	self := regexp.MustCompile(`(?m)^\s*TCP\s+` + regexp.QuoteMeta(w.targetIP.String()) + `:80\s+` + regexp.QuoteMeta(w.targetIP.String()) + `:80\s`)
	if self.MatchString(w.sockets()) {
		got += ", a connection to itself"
	}
	return got
}

// synFrom sends the HTTP listener a SYN from a martian source (the
// subnet's broadcast when src is nil). An answer to most of them could
// not leave on the wire, so beside the wire the probe reads the target's
// socket table for a connection to the source.
func synFrom(src net.IP) func(w *wire) string {
	return func(w *wire) string {
		from := src
		if from == nil {
			from = w.bcast
		}
		port := w.id()
		w.sendIP(ip(from, w.targetIP, layers.IPProtocolTCP),
			&layers.TCP{SrcPort: layers.TCPPort(port), DstPort: 80, Seq: 12345, SYN: true, Window: 65535})
		got := classify(w.pingBarrier(), port)
		if strings.Contains(w.sockets(), " "+from.String()+":"+strconv.Itoa(int(port))+" ") {
			got += ", a connection to it"
		}
		return got
	}
}

func echoFromBroadcast(w *wire) string { return echoFrom(w.bcast, false)(w) }

func synToBroadcast(w *wire) string {
	port := w.id()
	w.sendIP(ip(w.peerIP, w.bcast, layers.IPProtocolTCP),
		&layers.TCP{SrcPort: layers.TCPPort(port), DstPort: 80, Seq: 12345, SYN: true, Window: 65535})
	return classify(w.pingBarrier(), port)
}

// mss connects announcing an MSS of m with timestamps, asks for 4,000
// bytes and measures the first four data segments, unacknowledged.
func mss(m uint16) func(w *wire) string {
	return func(w *wire) string {
		c := w.connect(m, true)
		defer c.abort()
		c.request("4000")
		largest := 0
		for range 4 {
			s, _ := c.data()
			largest = max(largest, len(s.Payload))
		}
		return fmt.Sprintf("largest of 4 data segments: %d bytes", largest)
	}
}

// fragNeeded connects with an MSS of 1460, asks for 200,000 bytes and,
// once data is in flight, sends "fragmentation needed" with a next-hop MTU
// of 68 quoting the first data segment (or, outside the window, a
// sequence number a million bytes before it). After a ping barrier (the
// error has been handled) it acknowledges that segment and measures the
// next four data segments.
func fragNeeded(inWindow bool) func(w *wire) string {
	return func(w *wire) string {
		c := w.connect(1460, false)
		defer c.abort()
		c.request("200000")
		first, p := c.data()
		var shift uint32
		if !inWindow {
			shift = 1<<32 - 1_000_000 // a million bytes back
		}
		w.icmpAbout(p, layers.ICMPv4CodeFragmentationNeeded, shift, 68)
		w.pingBarrier()
		c.rcvNxt = first.Seq + uint32(len(first.Payload))
		c.send(c.tcp(c.sndNxt))
		lo, hi := 1<<16, 0
		for range 4 {
			s, _ := c.data()
			lo, hi = min(lo, len(s.Payload)), max(hi, len(s.Payload))
		}
		return fmt.Sprintf("new segments after it: %d..%d bytes", lo, hi)
	}
}

// icmpAbout sends a destination unreachable with code about the target's
// segment in p (its IP header and 8 bytes of TCP), the quoted sequence
// number moved by shift, and the MTU field set to mtu.
func (w *wire) icmpAbout(p gopacket.Packet, code uint8, shift uint32, mtu uint16) {
	w.t.Helper()
	h := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	quote := append(append([]byte(nil), h.Contents...), p.Layer(layers.LayerTypeTCP).(*layers.TCP).Contents[:8]...)
	seq := quote[len(h.Contents)+4:]
	binary.BigEndian.PutUint32(seq, binary.BigEndian.Uint32(seq)+shift)
	w.sendIP(ip(w.peerIP, w.targetIP, layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeDestinationUnreachable, code), Seq: mtu},
		gopacket.Payload(quote))
}

// synRecvError half-opens a connection, sends an error about its SYN,ACK
// quoting the ISN (or a sequence number a million before it) and, after a
// ping barrier, completes the handshake with a request: answered, the
// connection survived; reset, it was dropped.
func synRecvError(code uint8, exact bool) func(w *wire) string {
	return func(w *wire) string {
		c, synack := w.halfOpen(1460, false)
		defer c.abort()
		var shift uint32
		if !exact {
			shift = 1<<32 - 1_000_000 // a million bytes back
		}
		w.icmpAbout(synack, code, shift, 0)
		w.pingBarrier()
		c.send(c.tcp(c.sndNxt))
		c.request("10")
		p, _ := w.await(func(p gopacket.Packet) bool {
			s := c.segment(p)
			return s != nil && (s.RST || len(s.Payload) > 0)
		})
		if c.segment(p).RST {
			return "RST"
		}
		return "connection survives"
	}
}

// rst sends a reset off from RCV.NXT by off.
func rst(off uint32) func(w *wire) string {
	return func(w *wire) string {
		c := w.connect(1460, false)
		defer c.abort()
		s := c.tcp(c.sndNxt + off)
		s.ACK, s.RST, s.Ack = false, true, 0
		c.send(s)
		return classify(w.pingBarrier(), c.sport)
	}
}

func synEstablished(w *wire) string {
	c := w.connect(1460, false)
	defer c.abort()
	s := c.tcp(c.sndNxt + 1000)
	s.ACK, s.SYN, s.Ack = false, true, 0
	c.send(s)
	return classify(w.pingBarrier(), c.sport)
}

// flags sends a byte of data at RCV.NXT with no flags at all, or with
// FIN, PSH and URG but no ACK: RFC 793 drops a segment without ACK.
func flags(kind string) func(w *wire) string {
	return func(w *wire) string {
		c := w.connect(1460, false)
		defer c.abort()
		s := c.tcp(c.sndNxt)
		s.ACK, s.Ack = false, 0
		if kind == "xmas" {
			s.FIN, s.PSH, s.URG, s.Urgent = true, true, true, 1
		}
		c.send(s, 'x')
		return classify(w.pingBarrier(), c.sport)
	}
}

func badChecksum(w *wire) string {
	c := w.connect(1460, false)
	defer c.abort()
	s := c.tcp(c.sndNxt)
	s.PSH = true
	// The TCP checksum is 16 bytes into the TCP header, after 14 bytes of
	// Ethernet and 20 of IPv4.
	w.sendIPMut(ip(w.peerIP, w.targetIP, layers.IPProtocolTCP), func(f []byte) { f[14+20+16] ^= 0xff }, s, gopacket.Payload("x"))
	return classify(w.pingBarrier(), c.sport)
}

// overlap sends a request in two segments that overlap by five bytes;
// the target must answer the whole request.
func overlap(w *wire) string {
	c := w.connect(1460, false)
	defer c.abort()
	req := []byte("GET /bytes/64 HTTP/1.0\r\n\r\n")
	a := c.tcp(c.sndNxt)
	c.send(a, req[:10]...)
	b := c.tcp(c.sndNxt + 5)
	b.PSH = true
	c.send(b, req[5:]...)
	c.sndNxt += uint32(len(req))
	s, _ := c.data()
	if bytes.HasPrefix(s.Payload, []byte("HTTP/1.")) {
		return "HTTP/1.x response"
	}
	return fmt.Sprintf("data %q", s.Payload[:min(len(s.Payload), 16)])
}

// fragmentedEcho sends an echo request whose ICMP message is size bytes
// long in fragments of at most chunk bytes (a multiple of 8), in order.
func fragmentedEcho(chunk, size int) func(w *wire) string { return overlappingEcho(chunk, size, 0) }

// overlappingEcho is fragmentedEcho with each fragment after the first
// starting overlap bytes early, repeating bytes already sent (the same
// bytes: RFC 5722's case, teardrop's shape).
func overlappingEcho(chunk, size, overlap int) func(w *wire) string {
	return func(w *wire) string {
		id := w.id()
		msg := serialize(w.t, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: id, Seq: 1},
			gopacket.Payload(bytes.Repeat([]byte{'f'}, size-8)))
		for off := 0; off < len(msg); off += chunk {
			end := min(off+chunk, len(msg))
			start := off
			if off > 0 {
				start -= overlap
			}
			h := ip(w.peerIP, w.targetIP, layers.IPProtocolICMPv4)
			h.Id, h.FragOffset = id, uint16(start/8)
			if end < len(msg) {
				h.Flags = layers.IPv4MoreFragments
			}
			w.sendIP(h, gopacket.Payload(msg[start:end]))
		}
		return classify(w.pingBarrier(), 0)
	}
}
