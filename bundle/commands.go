// commands.go runs the --with-commands tools (ss, nstat, nft): each in a
// process group of its own, killed whole at its deadline, its output
// headed by the command line, exit status and duration. None of them may
// load a kernel module: a tool that would is not run unless the module is
// already there.

package bundle

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// command is one --with-commands tool.
type command struct {
	name     string   // the file: commands/<name>.txt
	argv     []string // argv[0] is looked up in PATH
	estimate int64
	// needs returns why the command must not run here ("" when it may):
	// the kernel modules it would otherwise load.
	needs func() string
}

// commands are run in this order, in the namespace gonetstat runs in.
//
// ss asks sock_diag, whose protocol handlers (tcp_diag, udp_diag) the
// kernel loads on first use; the sockets collector has already asked
// for the same ones, so ss loads nothing new. It needs no check of its
// own beyond that order. nstat reads /proc/net files only. nft talks
// nfnetlink, and the kernel loads nf_tables for the first request
// (nfnl_get_subsys → request_module "nfnetlink-subsys-10"): it runs only
// when nf_tables is already loaded or built in.
var commands = []command{
	{name: "ss", argv: []string{"ss", "-tuanpie"}, estimate: 256 << 10},
	{name: "nstat", argv: []string{"nstat", "-zas"}, estimate: 16 << 10},
	{name: "nft", argv: []string{"nft", "list", "ruleset"}, estimate: 32 << 10, needs: needsModule("nf_tables")},
}

// needsModule refuses a command whose module is neither loaded nor built
// in: /sys/module/<name> exists for both.
func needsModule(name string) func() string {
	return func() string {
		if _, err := os.Stat("/sys/module/" + name); err == nil {
			return ""
		}
		return fmt.Sprintf("the %s kernel module is not loaded, and running it would load it", name)
	}
}

// runCommand runs one command, if it is installed and may run here, and
// writes its output headed by what ran and how it ended.
func (b *run) runCommand(ctx context.Context, w *work, c command) error {
	path, err := b.env.LookPath(c.argv[0])
	if err != nil {
		return unavailable("%s is not installed (not in PATH)", c.argv[0])
	}
	if c.needs != nil {
		if why := c.needs(); why != "" {
			return unavailable("%s", why)
		}
	}
	f, err := w.create(CommandPath(c.name), cutTail, true, "command", "text")
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, path, c.argv[1:]...)
	cmd.Env = []string{"LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	var out capture
	cmd.Stdout, cmd.Stderr = &out, &out
	ownGroup(cmd)
	// At the deadline the whole group is killed; WaitDelay bounds the
	// wait for pipes a grandchild may still hold.
	cmd.Cancel = func() error { return killGroup(cmd) }
	cmd.WaitDelay = time.Second
	t0 := time.Now()
	runErr := cmd.Run()
	took := time.Since(t0)

	status := "0"
	var ee *exec.ExitError
	switch {
	case runErr == nil:
	case ctx.Err() != nil:
		status = "killed at the deadline"
	case errors.As(runErr, &ee):
		status = fmt.Sprint(ee.ExitCode())
		if ee.ExitCode() < 0 {
			status = ee.String()
		}
	default:
		status = "did not run: " + runErr.Error()
	}
	fmt.Fprintf(f, "$ %s\n# exit status %s, %s\n", strings.Join(c.argv, " "), status, durationText(took.Milliseconds()))
	f.Write(out.bytes())
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case runErr != nil:
		return fmt.Errorf("%s: exit status %s", c.argv[0], status)
	}
	return nil
}

// capture collects a command's combined output, up to twice the per-file
// cap (the file keeps the tail of what it is given).
type capture struct{ buf []byte }

const maxCapture = 2 * DefaultMaxFile

func (c *capture) Write(p []byte) (int, error) {
	c.buf = append(c.buf, p...)
	if over := len(c.buf) - maxCapture; over > 0 {
		c.buf = append(c.buf[:0], c.buf[over:]...)
	}
	return len(p), nil
}

func (c *capture) bytes() []byte { return c.buf }
