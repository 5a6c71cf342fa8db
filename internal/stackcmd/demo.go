// demo.go is "gonetstat stack demo": a network namespace of its own whose
// kernel is one host, a mini-stack on a TAP device as the other, live
// connections between them both ways, and one table with both ends of
// each connection side by side.

package stackcmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform"
	"github.com/gonetstat/gonetstat/platform/netns"
	"github.com/gonetstat/gonetstat/stack"
	"github.com/gonetstat/gonetstat/stack/control"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/link"
	"github.com/gonetstat/gonetstat/stack/services"
)

// The demo's addresses: inside a namespace it creates, never on a real
// network (198.18.0.0/15 is set aside for benchmarking, RFC 2544).
var (
	demoKernel = netip.MustParsePrefix("198.18.0.1/24")
	demoStack  = netip.MustParsePrefix("198.18.0.2/24")
)

const (
	demoHTTPPort   = 80
	demoKernelPort = 8080
	// demoUnread is what each side sends and the other does not read, so
	// the queues and windows in the table are not all zero.
	demoUnread = 4 << 20
)

// DemoConfig is a checked "stack demo" command line.
type DemoConfig struct {
	// Hold keeps everything running after the table until ctx ends, so
	// that other commands (gonetstat -ano --stack, curl) can look.
	Hold bool
}

// demo is one run's world; close takes it down in reverse order.
type demo struct {
	stderr  io.Writer
	ns      string
	nsMade  bool // ns was created by this run: close removes it
	tap     *link.TAP
	s       *stack.Stack
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closers []io.Closer
}

// errInterrupted is Demo's error when ctx ends (Ctrl-C) before the table.
var errInterrupted = errors.New("stack demo: interrupted before the table was printed")

// interrupted returns errInterrupted for an error that ctx's end caused.
func interrupted(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return errInterrupted
	}
	return err
}

// Demo runs the demo and writes its table to stdout; progress goes to
// stderr. Everything it made is removed before it returns, also when a
// step fails and when ctx ends early (Ctrl-C): then the error is
// errInterrupted, unless the table was printed.
func Demo(ctx context.Context, cfg DemoConfig, stdout, stderr io.Writer) (err error) {
	if euid() != 0 {
		return errors.New("stack demo: needs root: it creates a network namespace and a TAP device (try: sudo gonetstat stack demo)")
	}
	d := &demo{stderr: stderr, ns: "gonetstat-demo-" + strconv.Itoa(os.Getpid())}
	defer func() { err = errors.Join(err, d.close()) }()
	if err := d.setUp(ctx); err != nil {
		return interrupted(ctx, err)
	}
	conns, err := d.connect(ctx)
	if err != nil {
		return interrupted(ctx, err)
	}
	fmt.Fprintf(stderr, "gonetstat stack demo: letting the queues fill...\n")
	select {
	case <-time.After(500 * time.Millisecond):
	case <-ctx.Done():
		return errInterrupted
	}
	kernel, stackSocks, err := d.snapshot(ctx)
	if err != nil {
		return interrupted(ctx, err)
	}
	pairs := pairEnds(kernel, stackSocks)
	for i := range pairs {
		pairs[i].Title = conns.title(&pairs[i])
	}
	fmt.Fprintf(stdout, "One TCP/IP conversation, two hosts: the Linux kernel in network namespace %s\n"+
		"(%v) and gonetstat's mini-stack on TAP %s (%v), PID %d for both.\n\n",
		d.ns, demoKernel.Addr(), d.tap.Name(), demoStack.Addr(), os.Getpid())
	if err := writeSideBySide(stdout, pairs); err != nil {
		return err
	}
	writeExplanation(stdout)
	if cfg.Hold {
		// The kernel's ends are in the demo's namespace: the table shows
		// them only when --netns names it.
		fmt.Fprintf(stderr, "\ngonetstat stack demo: holding everything until Ctrl-C. From another terminal,\n"+
			"both ends of each connection (the kernel's are in namespace %s):\n"+
			"  %s\n"+
			"  %s --info -p tcp\n"+
			"and from inside the namespace:\n"+
			"  sudo ip netns exec %s curl -s http://%v/\n"+
			"  sudo ip netns exec %s ss -tin\n", d.ns, d.bothEnds(), d.bothEnds(), d.ns, demoStack.Addr(), d.ns)
		<-ctx.Done()
	}
	return nil
}

// bothEnds is the command that shows both ends of the demo's connections.
func (d *demo) bothEnds() string { return bothEnds(d.ns) }

// setUp makes the namespace, the TAP inside it with the kernel's address,
// and the mini-stack with its HTTP server and control socket. Between
// steps it stops when ctx has ended; close removes what was made.
func (d *demo) setUp(ctx context.Context) error {
	if err := createNetns(d.ns); err != nil {
		return fmt.Errorf("stack demo: %w", err)
	}
	d.nsMade = true
	fmt.Fprintf(d.stderr, "gonetstat stack demo: network namespace %s created\n", d.ns)
	if err := ctx.Err(); err != nil {
		return err
	}
	tap, err := openTAPIn(d.ns, link.TAPConfig{Name: "gndemo" + strconv.Itoa(os.Getpid()%100000000), MTU: 1500}, demoKernel)
	if err != nil {
		return fmt.Errorf("stack demo: %w", err)
	}
	d.tap = tap
	fmt.Fprintf(d.stderr, "gonetstat stack demo: TAP %s created in it, kernel side %v\n", tap.Name(), demoKernel)
	if err := ctx.Err(); err != nil {
		return err
	}

	d.s = stack.New(stack.Options{Options: core.Options{Name: "demo"}})
	if _, err := d.s.AddNIC(tap, demoStack); err != nil {
		return fmt.Errorf("stack demo: %w", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	d.cancel = cancel
	hl, err := d.s.Listen(netip.AddrPortFrom(netip.IPv4Unspecified(), demoHTTPPort), 16)
	if err != nil {
		return fmt.Errorf("stack demo: %w", err)
	}
	d.wg.Add(1)
	go func() { defer d.wg.Done(); services.HTTP(sctx, hl, services.Page{BothEnds: d.bothEnds()}) }()
	fmt.Fprintf(d.stderr, "gonetstat stack demo: mini-stack at %v (MAC %v), HTTP on port %d\n", demoStack, tap.MAC(), demoHTTPPort)
	if path, err := control.DefaultPath("demo"); err == nil {
		srv, err := control.Listen(path, d.s.Snapshot, control.Info{
			Name: "demo", PID: os.Getpid(), Process: "gonetstat", Started: time.Now(),
			NICs: []control.NIC{{Name: tap.Name(), MAC: tap.MAC().String(), MTU: tap.MTU(), Addr: demoStack}},
		})
		if err != nil {
			fmt.Fprintf(d.stderr, "gonetstat stack demo: no control socket (gonetstat -ano --stack will not see this stack): %v\n", err)
		} else {
			d.wg.Add(1)
			go func() { defer d.wg.Done(); srv.Serve(sctx) }()
		}
	}
	return nil
}

// demoConns remembers which connection is which, for the table's titles.
type demoConns struct {
	fetchPort, idlePort uint16 // the kernel's ports of its two HTTP connections
	uploadPort          uint16 // the mini-stack's port of its upload
}

func (c demoConns) title(p *connection) string {
	var stackPort, peerPort uint16
	switch {
	case p.Stack != nil:
		stackPort, peerPort = p.Stack.Local.Port(), p.Stack.Remote.Port()
	case p.Kernel != nil:
		stackPort, peerPort = p.Kernel.Remote.Port(), p.Kernel.Local.Port()
	}
	switch {
	case p.Stack != nil && p.Stack.State == collect.StateListen:
		return "mini-stack's HTTP listener"
	case p.Kernel != nil && p.Kernel.State == collect.StateListen:
		return "kernel's listener"
	case stackPort == demoHTTPPort && peerPort == c.idlePort:
		return "kernel fetched / (keep-alive, idle)"
	case stackPort == demoHTTPPort && peerPort == c.fetchPort:
		return "kernel fetches 4 MiB, reads none"
	case stackPort == c.uploadPort:
		return "mini-stack sends 4 MiB, kernel reads none"
	}
	return "connection"
}

// connect opens the demo's connections: the kernel fetches a page from
// the mini-stack (and keeps the connection), the kernel asks for 4 MiB
// and reads only the headers, and the mini-stack sends 4 MiB to a kernel
// listener whose program never reads.
func (d *demo) connect(ctx context.Context) (demoConns, error) {
	var c demoConns
	ns, err := netns.Open(netns.Roots{}, netns.Spec{Kind: netns.ByName, Name: d.ns})
	if err != nil {
		return c, fmt.Errorf("stack demo: %w", err)
	}
	stackHTTP := netip.AddrPortFrom(demoStack.Addr(), demoHTTPPort).String()
	var idle, fetch net.Conn
	var ln net.Listener
	// Sockets belong to the namespace of the thread that creates them.
	if err := netns.Do(netns.Roots{}, ns, func() (err error) {
		dl := net.Dialer{Timeout: 5 * time.Second}
		if idle, err = dl.DialContext(ctx, "tcp4", stackHTTP); err != nil {
			return err
		}
		if fetch, err = dl.DialContext(ctx, "tcp4", stackHTTP); err != nil {
			return err
		}
		ln, err = net.Listen("tcp4", netip.AddrPortFrom(demoKernel.Addr(), demoKernelPort).String())
		return err
	}); err != nil {
		return c, fmt.Errorf("stack demo: connecting from the kernel's side: %w", err)
	}
	d.closers = append(d.closers, idle, fetch, ln)
	c.idlePort = uint16(idle.LocalAddr().(*net.TCPAddr).Port)
	c.fetchPort = uint16(fetch.LocalAddr().(*net.TCPAddr).Port)

	// The idle connection: one whole exchange, then nothing.
	fmt.Fprintf(idle, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", demoStack.Addr())
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := readResponse(bufio.NewReader(idle))
	if err != nil {
		return c, fmt.Errorf("stack demo: the kernel fetching / from the mini-stack: %w", err)
	}
	fmt.Fprintf(d.stderr, "gonetstat stack demo: the kernel fetched / from the mini-stack: %s\n", resp)
	// The stalled fetch: the request goes out, nobody reads the answer.
	fmt.Fprintf(fetch, "GET /bytes/%d HTTP/1.1\r\nHost: %s\r\n\r\n", demoUnread, demoStack.Addr())

	// The upload: the mini-stack connects to the kernel's listener and
	// writes more than both buffers hold; the kernel's program accepts
	// and never reads.
	accepted := make(chan net.Conn, 1)
	go func() {
		a, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- a
	}()
	up, err := d.s.Dial(netip.AddrPortFrom(demoKernel.Addr(), demoKernelPort))
	if err != nil {
		return c, fmt.Errorf("stack demo: the mini-stack connecting to the kernel: %w", err)
	}
	d.closers = append(d.closers, up)
	c.uploadPort = uint16(up.LocalAddr().(*net.TCPAddr).Port)
	select {
	case a, ok := <-accepted:
		if !ok {
			return c, errors.New("stack demo: the kernel's listener failed to accept")
		}
		d.closers = append(d.closers, a)
	case <-time.After(5 * time.Second):
		return c, errors.New("stack demo: the kernel did not accept the mini-stack's connection within 5 s")
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		up.SetWriteDeadline(time.Now().Add(time.Minute))
		up.Write(make([]byte, demoUnread)) // blocks once the windows close; Close ends it
	}()
	fmt.Fprintf(d.stderr, "gonetstat stack demo: the mini-stack connected to the kernel's %v and is sending\n", ln.Addr())
	return c, nil
}

// readResponse reads one HTTP response to a GET and its body, and
// returns its status line.
func readResponse(r *bufio.Reader) (string, error) {
	resp, err := http.ReadResponse(r, &http.Request{Method: http.MethodGet})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return "", err
	}
	return resp.Proto + " " + resp.Status, nil
}

// snapshot reads both hosts' TCP sockets on the demo's addresses: the
// kernel's from inside the namespace, with tcp_info and owners; the
// mini-stack's from its own control blocks.
func (d *demo) snapshot(ctx context.Context) (kernel, mini []collect.Socket, err error) {
	col, err := platform.Sockets(platform.Config{NetNS: d.ns, Source: platform.SourceNetlink})
	if err != nil {
		return nil, nil, fmt.Errorf("stack demo: %w", err)
	}
	all, err := col.Collect(ctx, collect.Query{Kinds: collect.TCP4, TCPInfo: true})
	if err != nil {
		return nil, nil, fmt.Errorf("stack demo: reading the kernel's sockets in %s: %w", d.ns, err)
	}
	if owners, err := platform.Owners(platform.Config{}); err == nil {
		if scan, err := owners.ScanOwners(ctx); err == nil {
			collect.AttachOwners(all, scan)
		}
	}
	for _, s := range all {
		if demoKernel.Contains(s.Local.Addr()) {
			kernel = append(kernel, s)
		}
	}
	for _, s := range d.s.Snapshot() {
		if s.Proto == collect.ProtoTCP {
			mini = append(mini, s)
		}
	}
	collect.Sort(kernel)
	collect.Sort(mini)
	return kernel, mini, nil
}

// close takes the demo down: connections, services, the TAP, the
// namespace; it reports what it could not remove.
func (d *demo) close() error {
	for _, c := range d.closers {
		c.Close()
	}
	if d.cancel != nil {
		d.cancel()
	}
	d.wg.Wait()
	var errs []error
	if d.tap != nil {
		if err := d.tap.Close(); err != nil {
			errs = append(errs, fmt.Errorf("stack demo: closing TAP %s: %w", d.tap.Name(), err))
		}
	}
	if d.nsMade {
		if err := deleteNetns(d.ns); err != nil {
			errs = append(errs, fmt.Errorf("stack demo: %w", err))
		} else {
			fmt.Fprintf(d.stderr, "gonetstat stack demo: removed namespace %s and its TAP\n", d.ns)
		}
	}
	return errors.Join(errs...)
}
