// run.go runs a mini-stack on a TAP device with its services until the
// context ends, then takes everything down in reverse order.

package stackcmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/gonetstat/gonetstat/stack"
	"github.com/gonetstat/gonetstat/stack/control"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/link"
	"github.com/gonetstat/gonetstat/stack/services"
)

// Config is a checked "stack run" command line.
type Config struct {
	TAP      string
	Addr     netip.Prefix // the mini-stack's address
	HostAddr netip.Prefix // the kernel side's; invalid: leave it alone
	Gateway  netip.Addr   // invalid: none
	MTU      int
	// Service addresses ("host:port", host optional); "" is off.
	HTTP, Echo, Discard, UDPEcho string
	PCAP                         string
	Faults                       link.Faults // applied each way when non-zero
	Seed                         uint64
	// ControlDir is where the control socket goes; "" is control's
	// default (/run/gonetstat for root).
	ControlDir string
	// Extra services run beside the built-in ones, on the same stack and
	// context (the control socket server goes here).
	Extra []Service
}

// Service is something that serves on a stack until its context ends.
type Service struct {
	Name  string
	Serve func(ctx context.Context, s *stack.Stack) error
}

func (c *Config) check() error {
	for _, a := range []struct{ name, v string }{{"http", c.HTTP}, {"echo", c.Echo}, {"discard", c.Discard}, {"udp-echo", c.UDPEcho}} {
		if a.v == "" {
			continue
		}
		if _, err := c.listenAddr(a.v); err != nil {
			return usagef("stack run: --%s %q: %v", a.name, a.v, err)
		}
	}
	if c.MTU < 68 || c.MTU > 65535 {
		return usagef("stack run: --mtu %d: want 68..65535", c.MTU)
	}
	if len(c.TAP) > 15 {
		return usagef("stack run: --tap %q: interface names have at most 15 bytes", c.TAP)
	}
	return nil
}

// listenAddr reads ":80" or "198.18.0.2:80"; the host, when given, must
// be the stack's own address.
func (c *Config) listenAddr(s string) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, err
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p == 0 {
		return netip.AddrPort{}, fmt.Errorf("port %q: want 1..65535", port)
	}
	a := netip.IPv4Unspecified()
	if host != "" {
		if a, err = netip.ParseAddr(host); err != nil {
			return netip.AddrPort{}, err
		}
		if a != c.Addr.Addr() && !a.IsUnspecified() {
			return netip.AddrPort{}, fmt.Errorf("%v is not the mini-stack's address %v", a, c.Addr.Addr())
		}
	}
	return netip.AddrPortFrom(a, uint16(p)), nil
}

// Run starts the stack and its services, says on stderr where each
// listens, and returns when ctx ends (nil) or when the TAP or a service
// fails (the error). Everything it opened is closed before it returns.
func Run(ctx context.Context, cfg Config, stderr io.Writer) (err error) {
	if err := cfg.check(); err != nil {
		return err
	}
	tap, err := link.OpenTAP(link.TAPConfig{Name: cfg.TAP, MTU: cfg.MTU})
	if err != nil {
		return fmt.Errorf("stack run: %w", err)
	}
	defer func() {
		if cerr := tap.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("stack run: closing %s: %w", tap.Name(), cerr)
		}
	}()
	var ep link.Endpoint = tap
	if cfg.Faults != (link.Faults{}) {
		ep = link.WithFaults(ep, cfg.Faults, cfg.Seed, nil)
	}
	if cfg.PCAP != "" {
		f, err := os.Create(cfg.PCAP)
		if err != nil {
			return fmt.Errorf("stack run: %w", err)
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		snif, err := link.NewSniffer(ep, bw, nil)
		if err != nil {
			f.Close()
			return fmt.Errorf("stack run: %s: %w", cfg.PCAP, err)
		}
		ep = snif
		// Runs after the TAP is closed (defers run last-in first-out), so
		// no frame is recorded while the file is flushed.
		defer func() {
			werr := errors.Join(snif.Err(), bw.Flush(), f.Close())
			if werr != nil && err == nil {
				err = fmt.Errorf("stack run: writing %s: %w", cfg.PCAP, werr)
			}
		}()
	}
	// The stack is named after its TAP: its rows read "stack:NAME" in
	// gonetstat -ano --stack, and its control socket is stack-PID-NAME.sock.
	s := stack.New(stack.Options{Options: core.Options{Name: tap.Name()}})
	nic, err := s.AddNIC(ep, cfg.Addr)
	if err != nil {
		return fmt.Errorf("stack run: %w", err)
	}
	if cfg.Gateway.IsValid() {
		s.AddRoute(core.Route{Dest: netip.PrefixFrom(netip.IPv4Unspecified(), 0), Gateway: cfg.Gateway, NIC: nic})
	}
	verb := "attached to"
	if tap.Created() {
		verb = "created"
	}
	fmt.Fprintf(stderr, "gonetstat stack: %s TAP %s (MTU %d); mini-stack %v at %v\n", verb, tap.Name(), cfg.MTU, cfg.Addr, tap.MAC())
	if cfg.HostAddr.IsValid() {
		if err := tap.HostUp(cfg.HostAddr); err != nil {
			return fmt.Errorf("stack run: %w", err)
		}
		fmt.Fprintf(stderr, "gonetstat stack: kernel side of %s is %v, up\n", tap.Name(), cfg.HostAddr)
	}
	if cfg.Faults != (link.Faults{}) {
		fmt.Fprintf(stderr, "gonetstat stack: faults each way: loss %g%%, reorder %g%%, duplicate %g%%, corrupt %g%% (seed %d)\n",
			cfg.Faults.Loss*100, cfg.Faults.Reorder*100, cfg.Faults.Duplicate*100, cfg.Faults.Corrupt*100, cfg.Seed)
	}

	ctl, err := cfg.controlServer(s, tap)
	if err != nil {
		return err
	}
	// The kernel's side of the TAP is in this process's namespace.
	page := services.Page{BothEnds: bothEnds(ownNetnsArg())}
	svcs, err := cfg.services(s, page, stderr)
	if err != nil {
		ctl.Close()
		return err
	}
	fmt.Fprintf(stderr, "gonetstat stack: socket table served on %s; both ends of each connection: %s\n", ctl.Path(), page.BothEnds)
	svcs = append(svcs, Service{Name: "control", Serve: func(ctx context.Context, _ *stack.Stack) error { return ctl.Serve(ctx) }})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(svcs))
	var wg sync.WaitGroup
	for _, sv := range svcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := sv.Serve(ctx, s); err != nil {
				errc <- fmt.Errorf("stack run: %s: %w", sv.Name, err)
			}
		}()
	}
	select {
	case <-ctx.Done():
	case <-tap.Done():
		err = fmt.Errorf("stack run: %w", tap.Err())
	case err = <-errc:
	}
	cancel()
	wg.Wait()
	fmt.Fprintf(stderr, "gonetstat stack: stopped\n")
	return err
}

// services opens the built-in services' sockets (so a port in use fails
// before anything runs) and returns them with the extra ones; page is what
// the web page's GET / says.
func (cfg *Config) services(s *stack.Stack, page services.Page, stderr io.Writer) ([]Service, error) {
	var out []Service
	var opened []io.Closer
	fail := func(err error) ([]Service, error) {
		for _, c := range opened {
			c.Close()
		}
		return nil, err
	}
	tcp := []struct {
		name, addr string
		serve      func(context.Context, net.Listener) error
	}{{"http", cfg.HTTP, func(ctx context.Context, l net.Listener) error { return services.HTTP(ctx, l, page) }},
		{"echo", cfg.Echo, services.Echo}, {"discard", cfg.Discard, services.Discard}}
	for _, t := range tcp {
		if t.addr == "" {
			continue
		}
		ap, _ := cfg.listenAddr(t.addr) // checked by check
		l, err := s.Listen(ap, 256)
		if err != nil {
			return fail(fmt.Errorf("stack run: %s on %v: %w", t.name, ap, err))
		}
		opened = append(opened, l)
		fmt.Fprintf(stderr, "gonetstat stack: %s listening on tcp %v\n", t.name, shown(ap, cfg.Addr))
		serve := t.serve
		out = append(out, Service{Name: t.name, Serve: func(ctx context.Context, _ *stack.Stack) error { return serve(ctx, l) }})
	}
	if cfg.UDPEcho != "" {
		ap, _ := cfg.listenAddr(cfg.UDPEcho)
		pc, err := s.ListenPacket(ap)
		if err != nil {
			return fail(fmt.Errorf("stack run: udp-echo on %v: %w", ap, err))
		}
		fmt.Fprintf(stderr, "gonetstat stack: udp-echo listening on udp %v\n", shown(ap, cfg.Addr))
		out = append(out, Service{Name: "udp-echo", Serve: func(ctx context.Context, _ *stack.Stack) error { return services.UDPEcho(ctx, pc) }})
	}
	return append(out, cfg.Extra...), nil
}

// shown prints a wildcard listen address as the one address it reaches.
func shown(ap netip.AddrPort, own netip.Prefix) netip.AddrPort {
	if ap.Addr().IsUnspecified() {
		return netip.AddrPortFrom(own.Addr(), ap.Port())
	}
	return ap
}

// controlServer binds the control socket through which gonetstat -ano
// --stack, from any terminal or namespace, reads this stack's sockets
// (docs/control.md): in ControlDir, else the default directory.
func (cfg *Config) controlServer(s *stack.Stack, tap *link.TAP) (*control.Server, error) {
	var path string
	var err error
	if cfg.ControlDir != "" {
		path, err = control.SocketPath(cfg.ControlDir, os.Getpid(), tap.Name())
	} else {
		path, err = control.DefaultPath(tap.Name())
	}
	if err != nil {
		return nil, fmt.Errorf("stack run: control socket: %w", err)
	}
	srv, err := control.Listen(path, s.Snapshot, control.Info{
		Name: tap.Name(), Started: time.Now(),
		NICs: []control.NIC{{Name: tap.Name(), MAC: tap.MAC().String(), MTU: tap.MTU(), Addr: cfg.Addr}},
	})
	if err != nil {
		return nil, fmt.Errorf("stack run: control socket: %w", err)
	}
	return srv, nil
}
