// tap_linux_test.go runs the TAP driver against the kernel, as root, in a
// network namespace the test makes: frames both ways through an AF_PACKET
// socket on the kernel side, no allocation per frame, and a Close that
// stops the reader at once and leaves no goroutine or interface behind.

package link

import (
	"encoding/binary"
	"fmt"
	"net"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack/header"
)

// etherTest is the IEEE "local experimental" EtherType: the kernel has no
// handler for it, so test frames reach the packet socket and nothing else.
const etherTest = 0x88b5

type tapRig struct {
	tap  *TAP
	ns   string
	sock int // AF_PACKET socket on the kernel side of the TAP, in ns
	peer header.MAC
}

// newTapRig opens a TAP, moves it into a fresh namespace and brings it up
// there (IPv6 off, so the kernel sends nothing of its own).
func newTapRig(t *testing.T, mtu int) *tapRig {
	t.Helper()
	testenv.SkipUnlessRoot(t)
	ns := testenv.NewNetns(t, "gnst-tap-")
	tap, err := OpenTAP(TAPConfig{Name: testenv.RandName("gntap", 6), MTU: mtu})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tap.Close() })
	r := &tapRig{tap: tap, ns: ns}
	testenv.Run(t, "ip", "link", "set", tap.Name(), "netns", ns)
	testenv.Run(t, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf."+tap.Name()+".disable_ipv6=1")
	testenv.Run(t, "ip", "-n", ns, "link", "set", tap.Name(), "up")
	testenv.InNetns(t, ns, func() {
		ifi, err := net.InterfaceByName(tap.Name())
		if err != nil {
			t.Fatal(err)
		}
		copy(r.peer[:], ifi.HardwareAddr)
		s, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(etherTest)))
		if err != nil {
			t.Fatal(err)
		}
		if err := unix.Bind(s, &unix.SockaddrLinklayer{Protocol: htons(etherTest), Ifindex: ifi.Index}); err != nil {
			unix.Close(s)
			t.Fatal(err)
		}
		// Reads wait for frames the test sent: only a lost one times out.
		tv := unix.NsecToTimeval(testenv.Patience.Nanoseconds())
		unix.SetsockoptTimeval(s, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
		r.sock = s
	})
	t.Cleanup(func() { unix.Close(r.sock) })
	return r
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// frame builds a test frame of n bytes from src to dst carrying seq.
func testFrame(dst, src header.MAC, seq uint32, n int) []byte {
	f := make([]byte, n)
	header.EncodeEthernet(f, dst, src, etherTest)
	binary.BigEndian.PutUint32(f[header.EthernetLen:], seq)
	return f
}

type counter struct{ n, bytes atomic.Uint64 }

func (c *counter) DeliverFrame(f []byte) { c.n.Add(1); c.bytes.Add(uint64(len(f))) }

func TestIntegrationTAPFramesBothWays(t *testing.T) {
	r := newTapRig(t, 1500)
	if !r.tap.Created() {
		t.Error("Created() is false for a TAP this test made")
	}
	rec := &recorder{clk: nil}
	r.tap.Attach(frameFunc(func(f []byte) {
		rec.mu.Lock()
		rec.frames = append(rec.frames, append([]byte(nil), f...))
		rec.mu.Unlock()
	}))

	// Stack to kernel: full-MTU frames arrive whole, one write each.
	for i := uint32(0); i < 3; i++ {
		if err := r.tap.WritePacket(testFrame(r.peer, r.tap.MAC(), i, 1500+header.EthernetLen)); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 9000)
	for i := uint32(0); i < 3; i++ {
		n, _, err := unix.Recvfrom(r.sock, buf, 0)
		if err != nil {
			t.Fatalf("kernel side, frame %d: %v", i, err)
		}
		if n != 1514 || binary.BigEndian.Uint32(buf[header.EthernetLen:]) != i {
			t.Errorf("kernel got %d bytes, seq %d; want 1514, %d", n, binary.BigEndian.Uint32(buf[header.EthernetLen:]), i)
		}
	}
	if err := r.tap.WritePacket(make([]byte, 1515)); err == nil {
		t.Error("a frame over the MTU was written")
	}

	// Kernel to stack.
	for i := uint32(0); i < 3; i++ {
		f := testFrame(r.tap.MAC(), r.peer, 100+i, 60)
		if err := unix.Sendto(r.sock, f, 0, &unix.SockaddrLinklayer{Ifindex: ifindex(t, r), Halen: 6}); err != nil {
			t.Fatal(err)
		}
	}
	testenv.WaitFor(t, "the stack to read the kernel's 3 frames", func() bool { rec.mu.Lock(); defer rec.mu.Unlock(); return len(rec.frames) >= 3 })
	rec.mu.Lock()
	for i, f := range rec.frames[:3] {
		if got := binary.BigEndian.Uint32(f[header.EthernetLen:]); got != uint32(100+i) || header.Ethernet(f).Src() != r.peer {
			t.Errorf("frame %d: seq %d from %v", i, got, header.Ethernet(f).Src())
		}
	}
	rec.mu.Unlock()
	st := r.tap.Stats()
	if st.TxFrames != 3 || st.TxErrors != 1 || st.RxFrames < 3 {
		t.Errorf("stats %+v", st)
	}
}

func ifindex(t *testing.T, r *tapRig) int {
	var idx int
	testenv.InNetns(t, r.ns, func() {
		ifi, err := net.InterfaceByName(r.tap.Name())
		if err != nil {
			t.Fatal(err)
		}
		idx = ifi.Index
	})
	return idx
}

func TestIntegrationTAPNoAllocationPerFrame(t *testing.T) {
	r := newTapRig(t, 1500)
	c := &counter{}
	r.tap.Attach(c)
	out := testFrame(r.peer, r.tap.MAC(), 1, 1000)
	if a := testing.AllocsPerRun(200, func() {
		if err := r.tap.WritePacket(out); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("WritePacket allocates %v times per frame", a)
	}

	const n = 2000
	in := testFrame(r.tap.MAC(), r.peer, 2, 1000)
	sa := &unix.SockaddrLinklayer{Ifindex: ifindex(t, r), Halen: 6}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < n; i++ {
		if err := unix.Sendto(r.sock, in, 0, sa); err != nil {
			t.Fatal(err)
		}
		if i%100 == 99 { // keep the TAP's queue (500 frames) from overflowing
			testenv.WaitFor(t, fmt.Sprintf("frame %d", i+1), func() bool { return c.n.Load() >= uint64(i+1) })
		}
	}
	testenv.WaitFor(t, fmt.Sprintf("all %d frames", n), func() bool { return c.n.Load() >= n })
	runtime.ReadMemStats(&after)
	// The reader's buffer is reused; what little the runtime and the
	// test's own waiting allocate stays far below one per frame.
	if m := after.Mallocs - before.Mallocs; m > n/10 {
		t.Errorf("%d allocations for %d received frames", m, n)
	}
}

func TestIntegrationTAPCloseStopsReaderAndDeletesDevice(t *testing.T) {
	testenv.SkipUnlessRoot(t)
	base := runtime.NumGoroutine()
	tap, err := OpenTAP(TAPConfig{Name: testenv.RandName("gntap", 6), MTU: 9000})
	if err != nil {
		t.Fatal(err)
	}
	name := tap.Name()
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		t.Fatal(err)
	}
	if ifi.MTU != 9000 {
		t.Errorf("interface MTU %d, want 9000", ifi.MTU)
	}
	if tap.MAC()[0]&3 != 2 {
		t.Errorf("picked MAC %v is not locally administered unicast", tap.MAC())
	}
	// Close ends the reader blocked in read(2) and waits for it: that it
	// returns at all, with Done closed, is the check (no stopwatch).
	var err2 error
	testenv.NoHang(t, "Close of a TAP with its reader blocked", func() { err2 = tap.Close() })
	if err2 != nil {
		t.Fatal(err2)
	}
	select {
	case <-tap.Done():
	default:
		t.Fatal("Done is open after Close returned")
	}
	if err := tap.Err(); err != nil {
		t.Errorf("Err after Close: %v", err)
	}
	if err := tap.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := tap.WritePacket(make([]byte, 60)); err == nil {
		t.Error("write after Close succeeded")
	}
	if _, err := net.InterfaceByName(name); err == nil {
		t.Errorf("interface %s still exists after Close", name)
	}
	testenv.WaitFor(t, "the TAP's goroutines to end", func() bool { return runtime.NumGoroutine() <= base })
}

func TestIntegrationTAPAttachesToExisting(t *testing.T) {
	testenv.SkipUnlessRoot(t)
	name := testenv.RandName("gntap", 6)
	testenv.Run(t, "ip", "tuntap", "add", "mode", "tap", "name", name)
	t.Cleanup(func() { exec.Command("ip", "link", "delete", name).Run() })
	tap, err := OpenTAP(TAPConfig{Name: name, MAC: header.MAC{2, 0, 0, 0, 0, 7}})
	if err != nil {
		t.Fatal(err)
	}
	if tap.Created() || tap.MAC() != (header.MAC{2, 0, 0, 0, 0, 7}) {
		t.Errorf("Created %v, MAC %v", tap.Created(), tap.MAC())
	}
	tap.Close()
	if _, err := net.InterfaceByName(name); err != nil {
		t.Errorf("a persistent TAP we only attached to is gone after Close: %v", err)
	}
}

func TestOpenTAPRejectsBadConfig(t *testing.T) {
	for _, cfg := range []TAPConfig{
		{Name: strings.Repeat("x", 16)},
		{MTU: 67},
		{MTU: 70000},
		{MAC: header.MAC{1, 0, 0, 0, 0, 1}},
	} {
		if tap, err := OpenTAP(cfg); err == nil {
			tap.Close()
			t.Errorf("OpenTAP(%+v) succeeded", cfg)
		}
	}
}
