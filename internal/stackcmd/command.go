// command.go holds the cobra commands and the flag checks of
// "gonetstat stack run".

package stackcmd

import (
	"errors"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/gonetstat/gonetstat/internal/subcmd"
)

// usagef is the usage error of a stack command (exit status 2).
var usagef = subcmd.Usagef

// euid is os.Geteuid, replaced in tests.
var euid = os.Geteuid

// Command returns "stack" with its "run" and "demo" children. Errors are returned, not
// printed: the caller says them and picks the exit code with subcmd.ExitCode.
func Command(stdout, stderr io.Writer) *cobra.Command {
	parent := &cobra.Command{
		Use:   "stack",
		Short: "run gonetstat's own TCP/IP stack",
		// The help's "Available Commands" lists the children's summaries,
		// as gonetstat --help does.
		Long: "Commands of gonetstat's own TCP/IP stack (the mini-stack).",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("stack: unknown command %q; there are: run, demo", args[0])
			}
			return nil
		},
		RunE: func(*cobra.Command, []string) error {
			return usagef("stack: a command is needed; there are: run, demo")
		},
	}
	if stderr == nil {
		stderr = io.Discard
	}
	if stdout == nil {
		stdout = io.Discard
	}
	parent.AddCommand(runCommand(stderr), demoCommand(stdout, stderr))
	subcmd.Setup(parent, stdout, stderr)
	return parent
}

const runLong = `Run a mini-stack on a TAP device: gonetstat's own userspace TCP/IP stack
as a host on the LAN whose other end is this machine's kernel. It creates
the TAP (or attaches to an existing one), optionally gives the kernel side
an address and brings it up, and serves HTTP, TCP echo and discard, and UDP
echo over the mini-stack's own sockets until Ctrl-C or SIGTERM; then it
stops the services and closes the TAP (which the kernel deletes if this
command created it). It needs root (CAP_NET_ADMIN).

  HTTP:  GET /             a page saying what this is
         GET /bytes/N      N deterministic bytes, SHA-256 in X-Content-SHA256
         POST /upload      answers the SHA-256 of the body

Example:
  sudo gonetstat stack run --tap gntap0 --addr 198.18.0.2/24 --host-addr 198.18.0.1/24
  curl http://198.18.0.2/bytes/1000000 | sha256sum; ping 198.18.0.2

A service whose address is empty is not started (--echo "").`

func runCommand(stderr io.Writer) *cobra.Command {
	var f struct {
		tap, addr, hostAddr, gw, pcap     string
		http, echo, discard, udpEcho      string
		mtu                               int
		loss, reorder, duplicate, corrupt float64
		seed                              uint64
	}
	c := &cobra.Command{
		Use:   "run --tap NAME --addr 198.18.0.2/24 [flags]",
		Short: "a mini-stack on a TAP device, serving HTTP and echo (root)",
		Long:  runLong,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("stack run: unexpected argument %q (every setting is a flag)", args[0])
			}
			return nil
		},
	}
	fs := c.Flags()
	fs.SortFlags = false
	fs.StringVar(&f.tap, "tap", "", "TAP interface to create or attach to (at most 15 bytes)")
	fs.StringVar(&f.addr, "addr", "", "the mini-stack's address and prefix, e.g. 198.18.0.2/24")
	fs.StringVar(&f.hostAddr, "host-addr", "", "give the kernel's side of the TAP this address and bring it up")
	fs.StringVar(&f.gw, "gw", "", "default gateway of the mini-stack")
	fs.IntVar(&f.mtu, "mtu", 1500, "MTU of the TAP")
	fs.StringVar(&f.http, "http", ":80", "HTTP service address")
	fs.StringVar(&f.echo, "echo", ":7", "TCP echo service address")
	fs.StringVar(&f.discard, "discard", ":9", "TCP discard service address")
	fs.StringVar(&f.udpEcho, "udp-echo", ":7", "UDP echo service address")
	fs.StringVar(&f.pcap, "pcap", "", "write every frame the mini-stack sends and receives to this pcap file")
	fs.Float64Var(&f.loss, "loss", 0, "drop this percentage of frames, each way")
	fs.Float64Var(&f.reorder, "reorder", 0, "hold back this percentage of frames, each way, so later ones pass them")
	fs.Float64Var(&f.duplicate, "duplicate", 0, "deliver this percentage of frames twice, each way")
	fs.Float64Var(&f.corrupt, "corrupt", 0, "flip a bit in this percentage of frames, each way")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the fault decisions (the same seed, the same faults)")
	c.RunE = func(c *cobra.Command, _ []string) error {
		cfg := Config{TAP: f.tap, MTU: f.mtu, PCAP: f.pcap, Seed: f.seed,
			HTTP: f.http, Echo: f.echo, Discard: f.discard, UDPEcho: f.udpEcho}
		var err error
		if f.tap == "" || f.addr == "" {
			return usagef("stack run: --tap and --addr are required (e.g. --tap gntap0 --addr 198.18.0.2/24)")
		}
		if cfg.Addr, err = netip.ParsePrefix(f.addr); err != nil || !cfg.Addr.Addr().Is4() {
			return usagef("stack run: --addr %q: want an IPv4 address with its prefix length, e.g. 198.18.0.2/24", f.addr)
		}
		if f.hostAddr != "" {
			if cfg.HostAddr, err = netip.ParsePrefix(f.hostAddr); err != nil || !cfg.HostAddr.Addr().Is4() {
				return usagef("stack run: --host-addr %q: want an IPv4 address with its prefix length, e.g. 198.18.0.1/24", f.hostAddr)
			}
			if cfg.HostAddr.Addr() == cfg.Addr.Addr() {
				return usagef("stack run: --host-addr and --addr are both %v: the kernel and the mini-stack need different addresses", cfg.Addr.Addr())
			}
		}
		if f.gw != "" {
			if cfg.Gateway, err = netip.ParseAddr(f.gw); err != nil || !cfg.Gateway.Is4() {
				return usagef("stack run: --gw %q: want an IPv4 address", f.gw)
			}
			if !cfg.Addr.Masked().Contains(cfg.Gateway) {
				return usagef("stack run: --gw %v is not on the mini-stack's network %v", cfg.Gateway, cfg.Addr.Masked())
			}
		}
		for _, p := range []struct {
			name string
			v    float64
			dst  *float64
		}{{"loss", f.loss, &cfg.Faults.Loss}, {"reorder", f.reorder, &cfg.Faults.Reorder}, {"duplicate", f.duplicate, &cfg.Faults.Duplicate}, {"corrupt", f.corrupt, &cfg.Faults.Corrupt}} {
			if p.v < 0 || p.v > 100 || p.v != p.v {
				return usagef("stack run: --%s %v: want a percentage from 0 to 100", p.name, p.v)
			}
			*p.dst = p.v / 100
		}
		if err := cfg.check(); err != nil {
			return err
		}
		if euid() != 0 {
			return errors.New("stack run: needs root (CAP_NET_ADMIN) to create a TAP device; run it with sudo")
		}
		ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return Run(ctx, cfg, stderr)
	}
	return c
}

const demoLong = `Show what a socket is, from both ends of live connections. As root, it
makes a network namespace of its own whose kernel is one host, puts a
mini-stack on a TAP device inside it as the other, and opens connections
both ways: the kernel fetches a page from the mini-stack's HTTP server,
asks it for 4 MiB that it does not read, and the mini-stack sends 4 MiB to
a kernel listener whose program does not read either. Then it prints one
table with the kernel's socket and the mini-stack's side by side for each
connection — queues, sequence numbers, windows, RTT, congestion window,
timers — and says what each field is. Everything it made is removed on
exit and on Ctrl-C. Addresses: 198.18.0.1 (kernel) and 198.18.0.2
(mini-stack), inside the namespace only.

  sudo gonetstat stack demo
  sudo gonetstat stack demo --hold     keep it running for other commands

While it holds, both ends of each connection (the kernel's are in the
demo's namespace, so --netns names it):
  sudo gonetstat -ano --stack --netns gonetstat-demo-PID`

func demoCommand(stdout, stderr io.Writer) *cobra.Command {
	var cfg DemoConfig
	c := &cobra.Command{
		Use:   "demo [--hold]",
		Short: "one connection from both ends, kernel and mini-stack (root)",
		Long:  demoLong,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("stack demo: unexpected argument %q", args[0])
			}
			return nil
		},
	}
	c.Flags().BoolVar(&cfg.Hold, "hold", false, "after the table, keep everything running until Ctrl-C")
	c.RunE = func(c *cobra.Command, _ []string) error {
		ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return Demo(ctx, cfg, stdout, stderr)
	}
	return c
}
