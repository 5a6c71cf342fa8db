// env_linux_test.go builds one test's world: a namespace, a TAP moved into
// it, the kernel's side addressed and up, and a mini-stack with its
// services on the other side.

package interop

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/link"
	"github.com/gonetstat/gonetstat/stack/services"
)

var (
	kernelAddr = netip.MustParsePrefix("198.18.0.1/24")
	stackAddr  = netip.MustParsePrefix("198.18.0.2/24")
)

type options struct {
	faults  link.Faults // each way, in the stack's link
	seed    uint64
	capture bool // record the stack's frames with link.Sniffer
	mtu     int
	budget  int64 // the stack's memory budget; 0: its default
}

type env struct {
	t         testing.TB
	ns        string
	tap       *link.TAP
	faulty    *link.FaultyEndpoint
	s         *stack.Stack
	kernelMAC header.MAC

	capMu   sync.Mutex
	capture bytes.Buffer
	closeMu sync.Once
	stop    func()
}

// capWriter serializes the sniffer's writes with the test's reads.
type capWriter struct{ e *env }

func (w capWriter) Write(p []byte) (int, error) {
	w.e.capMu.Lock()
	defer w.e.capMu.Unlock()
	return w.e.capture.Write(p)
}

func needTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		_, err := exec.LookPath(tool)
		testenv.SkipWithout(t, err == nil, tool+" (scripts/test.sh installs it)")
	}
}

func newEnv(t testing.TB, o options) *env {
	t.Helper()
	testenv.SkipUnlessRoot(t)
	needTools(t, "ip")
	if o.mtu == 0 {
		o.mtu = 1500
	}
	e := &env{t: t}
	e.ns = testenv.NewNetns(t, "gnst-tap-")
	tap, err := link.OpenTAP(link.TAPConfig{Name: testenv.RandName("gntap", 6), MTU: o.mtu})
	if err != nil {
		t.Fatal(err)
	}
	e.tap = tap
	// Registered after the namespace's cleanup, so it runs before it: the
	// TAP is gone before the namespace is deleted.
	t.Cleanup(e.close)
	testenv.Run(t, "ip", "link", "set", tap.Name(), "netns", e.ns)
	// No IPv6: the kernel would send router solicitations and MLD reports
	// of its own, which are noise here.
	testenv.Run(t, "ip", "netns", "exec", e.ns, "sysctl", "-qw", "net.ipv6.conf."+tap.Name()+".disable_ipv6=1")
	testenv.Run(t, "ip", "-n", e.ns, "addr", "add", kernelAddr.String(), "dev", tap.Name())
	testenv.Run(t, "ip", "-n", e.ns, "link", "set", tap.Name(), "up")
	testenv.InNetns(t, e.ns, func() {
		ifi, err := net.InterfaceByName(tap.Name())
		if err != nil {
			t.Fatal(err)
		}
		copy(e.kernelMAC[:], ifi.HardwareAddr)
	})

	var ep link.Endpoint = tap
	if o.faults != (link.Faults{}) {
		e.faulty = link.WithFaults(ep, o.faults, o.seed, nil)
		ep = e.faulty
	}
	if o.capture {
		snif, err := link.NewSniffer(ep, capWriter{e}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ep = snif
	}
	e.s = stack.New(stack.Options{Options: core.Options{Name: "interop", MemoryBudget: o.budget}})
	if _, err := e.s.AddNIC(ep, stackAddr); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	hl, err := e.s.Listen(netip.MustParseAddrPort("0.0.0.0:80"), 256)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := e.s.ListenPacket(netip.MustParseAddrPort("0.0.0.0:7"))
	if err != nil {
		t.Fatal(err)
	}
	wg.Add(2)
	go func() { defer wg.Done(); services.HTTP(ctx, hl, services.Page{}) }()
	go func() { defer wg.Done(); services.UDPEcho(ctx, pc) }()
	e.stop = func() { cancel(); wg.Wait() }
	return e
}

// close stops the services and the TAP (the kernel deletes the device).
func (e *env) close() {
	e.closeMu.Do(func() {
		if e.stop != nil {
			e.stop()
		}
		if err := e.tap.Close(); err != nil {
			e.t.Errorf("closing the TAP: %v", err)
		}
	})
}

// pcap returns what the sniffer recorded so far.
func (e *env) pcap() []byte {
	e.capMu.Lock()
	defer e.capMu.Unlock()
	return append([]byte(nil), e.capture.Bytes()...)
}

// inNS runs a command inside the namespace, bounded in time, and returns
// its standard output; it fails the test when the command fails.
func (e *env) inNS(timeout time.Duration, name string, args ...string) string {
	e.t.Helper()
	out, err := e.tryInNS(timeout, name, args...)
	if err != nil {
		e.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func (e *env) tryInNS(timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", e.ns, name}, args...)...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	if err != nil {
		return out.String() + stderr.String(), err
	}
	return out.String(), nil
}

// kernelListen opens a kernel TCP listener inside the namespace.
func (e *env) kernelListen() net.Listener {
	e.t.Helper()
	var l net.Listener
	var err error
	testenv.InNetns(e.t, e.ns, func() { l, err = net.Listen("tcp4", kernelAddr.Addr().String()+":0") })
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { l.Close() })
	return l
}

func (e *env) url(path string) string { return "http://" + stackAddr.Addr().String() + path }

// htons puts a 16-bit value in network byte order, as AF_PACKET's
// protocol fields want it.
func htons(v uint16) uint16 { return v<<8 | v>>8 }
