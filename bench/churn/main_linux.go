// main_linux.go holds the parent: it starts the workers, runs the tools in
// turn while they churn, checks every row and prints the figures.

package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

func init() {
	// Children die with the thread that started them (PR_SET_PDEATHSIG):
	// every one is started from the main goroutine, locked to the main
	// thread, which lives as long as the process.
	runtime.LockOSThread()
}

func main() {
	if spec := os.Getenv(workerEnv); spec != "" {
		if err := worker(spec); err != nil {
			fmt.Fprintf(os.Stderr, "churn worker: %v\n", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "churn: %v\n", err)
		os.Exit(1)
	}
}

// tool is one command the parent runs and checks.
type tool struct {
	label string
	argv  []string
	parse func([]byte) ([]row, error)
	tally tally
	walls []time.Duration
	notes map[string]int // stderr lines, counts replaced by N, and how often
}

// gonetstats collects -gonetstat values: PATH or LABEL=PATH.
type gonetstats []string

func (g *gonetstats) String() string     { return strings.Join(*g, ",") }
func (g *gonetstats) Set(v string) error { *g = append(*g, v); return nil }

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("churn", flag.ContinueOnError)
	var gs gonetstats
	fs.Var(&gs, "gonetstat", "gonetstat binary to check, PATH or LABEL=PATH (repeatable; the first one is held to -target)")
	rate := fs.Float64("rate", 2000, "connections opened (and closed) per second, over all workers")
	life := fs.Duration("life", time.Second, "mean lifetime of a connection (uniform from 0 to twice this)")
	workers := fs.Int("workers", 4, "worker processes, each on its own address")
	runs := fs.Int("runs", 20, "runs of each tool")
	warmup := fs.Duration("warmup", 2*time.Second, "churn before the first run (twice -life reaches the steady state)")
	target := fs.Float64("target", 0.5, "fail when the first gonetstat shows no PID on this percentage of owned rows or more (0: no threshold)")
	ss := fs.String("ss", "ss", "the ss binary (iproute2)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case len(gs) == 0:
		return errors.New("-gonetstat PATH is required")
	case *rate <= 0 || *workers < 1 || *workers > 250 || *runs < 1 || *life <= 0 || *warmup < 0:
		return errors.New("-rate, -workers (1-250), -runs and -life must be positive, -warmup not negative")
	}

	var tools []*tool
	for _, g := range gs {
		label, path, ok := strings.Cut(g, "=")
		if !ok {
			label, path = "gonetstat", g
		}
		tools = append(tools, &tool{label: label + " -ano --json", argv: []string{path, "-ano", "--json"}, parse: parseJSON})
	}
	tools = append(tools, &tool{label: "ss -tuanpe", argv: []string{*ss, "-tuanpe"}, parse: parseSS})

	// The workers stop by themselves after this long, should we die
	// without closing their stdin and they survive us.
	bound := *warmup + time.Duration(*runs*len(tools))*30*time.Second + time.Minute
	g, owner, err := startWorkers(*workers, *rate, *life, bound)
	if err != nil {
		return err
	}
	defer g.stop()

	time.Sleep(*warmup) // a load test: let the churn reach its steady state
	begin := time.Now()
	for i := 0; i < *runs; i++ {
		// Each round in another order, so no tool always runs right
		// after another's load.
		for k := range tools {
			t := tools[(i+k)%len(tools)]
			if err := t.runOnce(owner); err != nil {
				return err
			}
		}
	}
	measured := time.Since(begin)
	load, _ := os.ReadFile("/proc/loadavg")
	done, err := g.stop()
	if err != nil {
		return err
	}
	report(stdout, tools, done, *rate, *life, *workers, measured, strings.Join(strings.Fields(string(load))[:3], " "))

	var fail []string
	for _, t := range tools {
		if t.tally.Wrong > 0 {
			fail = append(fail, fmt.Sprintf("%s showed %d wrong PIDs, e.g. %s", t.label, t.tally.Wrong, t.tally.Examples[0]))
		}
		if t.tally.Checked == 0 {
			fail = append(fail, fmt.Sprintf("%s showed no PID at the workers' addresses: nothing was checked", t.label))
		}
	}
	if first := tools[0]; *target > 0 {
		met := first.tally.share() < *target
		fmt.Fprintf(stdout, "\ntarget: %s shows no PID on %.3f%% of owned rows < %g%%: %s\n", first.label, first.tally.share(), *target, map[bool]string{true: "met", false: "NOT met"}[met])
		if !met {
			fail = append(fail, "the target is not met")
		}
	}
	if len(fail) > 0 {
		return errors.New(strings.Join(fail, "; "))
	}
	return nil
}

// runOnce runs the tool, checks its table and keeps its figures.
func (t *tool) runOnce(owner map[netip.Addr]int) error {
	cmd := exec.Command(t.argv[0], t.argv[1:]...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var exit *exec.ExitError
	// gonetstat exits 1 when a warning says the table is incomplete; its
	// rows are still checked, and the warning is shown with the notes.
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return fmt.Errorf("%s: %v\n%s", t.label, err, errOut.String())
	}
	rows, perr := t.parse(out.Bytes())
	if perr != nil {
		return fmt.Errorf("%s: %w", t.label, perr)
	}
	t.tally.add(rows, owner)
	t.walls = append(t.walls, wall)
	if t.notes == nil {
		t.notes = map[string]int{}
	}
	for _, l := range strings.Split(strings.TrimSpace(errOut.String()), "\n") {
		if l != "" {
			t.notes[numbersOut(l)]++
		}
	}
	return nil
}

// group is the running workers.
type group struct {
	cmds   []*exec.Cmd
	stdins []io.Closer
	outs   []*bufio.Reader
}

// workerDone is what a worker said when it stopped.
type workerDone struct {
	opened, failed int
	seconds        float64
}

// startWorkers starts n workers sharing rate and waits until each
// listens; it returns each worker's address and PID.
func startWorkers(n int, rate float64, life, bound time.Duration) (*group, map[netip.Addr]int, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, nil, fmt.Errorf("finding our own binary: %w", err)
	}
	g := &group{}
	owner := map[netip.Addr]int{}
	for i := 0; i < n; i++ {
		spec := workerSpec{Index: i, Rate: rate / float64(n), Life: life, Duration: bound}
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), workerEnv+"="+spec.encode())
		cmd.Stderr = os.Stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		stdin, err := cmd.StdinPipe()
		if err != nil {
			g.stop()
			return nil, nil, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			g.stop()
			return nil, nil, err
		}
		if err := cmd.Start(); err != nil {
			g.stop()
			return nil, nil, fmt.Errorf("starting worker %d: %w", i, err)
		}
		g.cmds = append(g.cmds, cmd)
		g.stdins = append(g.stdins, stdin)
		r := bufio.NewReader(stdout)
		g.outs = append(g.outs, r)
		line, err := r.ReadString('\n')
		var pid, port int
		var addr string
		if err == nil {
			_, err = fmt.Sscanf(line, "ready %d %s %d", &pid, &addr, &port)
		}
		if err != nil {
			g.stop()
			return nil, nil, fmt.Errorf("worker %d did not start (is this a network namespace of its own with lo up?): %q: %v", i, line, err)
		}
		a, err := netip.ParseAddr(addr)
		if err != nil || pid != cmd.Process.Pid {
			g.stop()
			return nil, nil, fmt.Errorf("worker %d said %q (its PID is %d)", i, line, cmd.Process.Pid)
		}
		owner[a] = pid
	}
	return g, owner, nil
}

// stop tells every worker to stop, and returns what each reported. It may
// be called again: the second call does nothing.
func (g *group) stop() ([]workerDone, error) {
	for _, c := range g.stdins {
		c.Close()
	}
	g.stdins = nil
	var done []workerDone
	var errs []error
	for i, cmd := range g.cmds {
		var d workerDone
		line, err := g.outs[i].ReadString('\n')
		if err == nil {
			_, err = fmt.Sscanf(line, "done opened=%d failed=%d seconds=%g", &d.opened, &d.failed, &d.seconds)
		}
		if werr := cmd.Wait(); werr != nil || err != nil {
			errs = append(errs, fmt.Errorf("worker %d: %q: %v %v", i, line, err, werr))
		}
		done = append(done, d)
	}
	g.cmds = nil
	return done, errors.Join(errs...)
}

// report prints the figures.
func report(w io.Writer, tools []*tool, done []workerDone, rate float64, life time.Duration, workers int, measured time.Duration, load string) {
	opened, failed, secs := 0, 0, 0.0
	for _, d := range done {
		opened += d.opened
		failed += d.failed
		secs = max(secs, d.seconds)
	}
	fmt.Fprintf(w, "churn: %d workers, %.0f connections/s asked, %.0f/s opened (%d in %.1f s, %d failed), lifetime uniform 0-%v; %d runs of each tool in %.1f s; load average %s\n",
		workers, rate, float64(opened)/max(secs, 1e-9), opened, secs, failed, 2*life, tools[0].tally.Runs, measured.Seconds(), load)
	fmt.Fprintf(w, "\n| tool | runs | owned rows | without PID | share | PIDs checked | wrong | median wall |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, t := range tools {
		slices.Sort(t.walls)
		fmt.Fprintf(w, "| %s | %d | %d | %d | %.3f%% | %d | %d | %.3f s |\n", t.label, t.tally.Runs, t.tally.Owned, t.tally.NoPID,
			t.tally.share(), t.tally.Checked, t.tally.Wrong, t.walls[len(t.walls)/2].Seconds())
	}
	for _, t := range tools {
		if t.tally.Foreign > 0 {
			fmt.Fprintf(w, "\n%s listed %d owned rows at addresses no worker has, not checked (bench/churn.sh --load's static sockets, or another process's in this namespace)\n", t.label, t.tally.Foreign)
		}
		if len(t.notes) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s said on stderr (N stands for a number):\n", t.label)
		for _, n := range slices.Sorted(func(yield func(string) bool) {
			for n := range t.notes {
				if !yield(n) {
					return
				}
			}
		}) {
			fmt.Fprintf(w, "  %d× %s\n", t.notes[n], n)
		}
	}
}
