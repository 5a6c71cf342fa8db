// main_linux.go holds the generator's processes: the parent that plans,
// starts and stops everything, and the worker mode it re-executes itself
// in.

package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// workerEnv carries a worker's share to the re-executed binary.
const workerEnv = "GNST_LOAD_WORKER"

func init() {
	// Children die with the thread that started them (PR_SET_PDEATHSIG).
	// Every child is started from the main goroutine, locked here to the
	// main thread, which lives as long as the process.
	runtime.LockOSThread()
}

func main() {
	if spec := os.Getenv(workerEnv); spec != "" {
		if err := worker(spec); err != nil {
			fmt.Fprintf(os.Stderr, "load worker: %v\n", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "load: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	tcp := fs.Int("tcp", 1000, "TCP sockets to hold")
	udp := fs.Int("udp", -1, "UDP sockets to hold (-1: a tenth of -tcp)")
	procs := fs.Int("procs", 0, "worker processes holding the sockets (0: one per 2000 sockets, at least 4 and at most 50)")
	idle := fs.Int("idle", 50, "idle processes with a few descriptors each")
	ready := fs.String("ready", "", "file to write the ready line to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *udp < 0 {
		*udp = *tcp / 10
	}
	if *procs == 0 && *tcp+*udp > 0 {
		*procs = min(50, max(4, (*tcp+*udp)/2000))
		if *tcp > 0 {
			*procs = max(1, min(*procs, *tcp/baseListeners))
		}
	}
	if *idle < 0 {
		return fmt.Errorf("-idle %d is negative", *idle)
	}
	shares, err := plan(*tcp, *udp, *procs)
	if err != nil {
		return err
	}
	need := 64
	for _, s := range shares {
		need = max(need, s.TCP()+s.UDP+64)
	}
	if err := raiseNoFile(uint64(need)); err != nil {
		return err
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)

	g := &group{}
	defer g.stop()
	start := time.Now()
	tcpN, udpN, err := g.startWorkers(shares)
	if err != nil {
		return err
	}
	if err := g.startIdle(*idle); err != nil {
		return err
	}
	line := fmt.Sprintf("ready tcp=%d udp=%d sockets=%d processes=%d seconds=%.1f", tcpN, udpN, tcpN+udpN, len(g.cmds), time.Since(start).Seconds())
	fmt.Println(line)
	if *ready != "" {
		if err := os.WriteFile(*ready, []byte(line+"\n"), 0o644); err != nil {
			return fmt.Errorf("writing the ready file: %w", err)
		}
	}
	select {
	case <-sigs:
		return nil
	case err := <-g.died:
		return err
	}
}

// raiseNoFile raises RLIMIT_NOFILE to at least need (the hard limit too,
// which root may do up to fs.nr_open). syscall.Setrlimit, not x/sys's, so
// the children exec'd later inherit the raised limit.
func raiseNoFile(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("reading RLIMIT_NOFILE: %w", err)
	}
	if lim.Cur >= need {
		return nil
	}
	lim.Cur = max(need, min(lim.Max, 1<<20))
	lim.Max = max(lim.Max, lim.Cur)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("raising RLIMIT_NOFILE to %d (a worker holds that many sockets): %w; use more -procs or raise the limit", need, err)
	}
	return nil
}

// group is every process the generator started.
type group struct {
	cmds    []*exec.Cmd
	holds   []io.Closer     // worker stdins: closing one tells it to exit
	idleFDs []*os.File      // what idle processes hold, shared by all of them
	done    []chan struct{} // closed when worker i has exited
	died    chan error      // a worker that exits before being told to
}

func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// startWorkers starts one worker per share and waits until each has opened
// its sockets; it returns the totals they report.
func (g *group) startWorkers(shares []share) (tcp, udp int, err error) {
	self, err := os.Executable()
	if err != nil {
		return 0, 0, fmt.Errorf("finding our own binary: %w", err)
	}
	g.died = make(chan error, len(shares))
	type report struct {
		line string
		err  error
	}
	reports := make(chan report, len(shares))
	for i, s := range shares {
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), workerEnv+"="+encodeShare(i, s))
		cmd.Stderr = os.Stderr
		cmd.SysProcAttr = childAttr()
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return 0, 0, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return 0, 0, err
		}
		if err := cmd.Start(); err != nil {
			return 0, 0, fmt.Errorf("starting worker %d: %w", i, err)
		}
		g.cmds = append(g.cmds, cmd)
		g.holds = append(g.holds, stdin)
		done := make(chan struct{})
		g.done = append(g.done, done)
		go func(i int, cmd *exec.Cmd) {
			defer close(done)
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil {
				err = fmt.Errorf("worker %d failed before it was ready", i)
			}
			reports <- report{strings.TrimSpace(line), err}
			werr := cmd.Wait()
			g.died <- fmt.Errorf("worker %d (PID %d) exited while holding its sockets: %v", i, cmd.Process.Pid, werr)
		}(i, cmd)
	}
	for range shares {
		r := <-reports
		if r.err != nil {
			return 0, 0, r.err
		}
		var t, u int
		if _, err := fmt.Sscanf(r.line, "ok %d %d", &t, &u); err != nil {
			return 0, 0, fmt.Errorf("worker said %q: %w", r.line, err)
		}
		tcp += t
		udp += u
	}
	return tcp, udp, nil
}

// startIdle starts n `sleep` processes holding /dev/null and both ends of
// a pipe besides stdin, stdout and stderr: processes the owner scan must
// walk and find no socket in.
func (g *group) startIdle(n int) error {
	if n == 0 {
		return nil
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		return fmt.Errorf("idle processes run sleep: %w", err)
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		null.Close()
		return err
	}
	g.idleFDs = []*os.File{null, r, w}
	for i := 0; i < n; i++ {
		cmd := exec.Command(sleep, "infinity")
		cmd.ExtraFiles = g.idleFDs
		cmd.SysProcAttr = childAttr()
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("starting idle process %d of %d: %w", i+1, n, err)
		}
		g.cmds = append(g.cmds, cmd)
	}
	return nil
}

// stop tells workers to exit (by closing their stdin), kills idle
// processes, and waits for all; a worker that has not exited within ten
// seconds is killed.
func (g *group) stop() {
	for _, h := range g.holds {
		h.Close()
	}
	deadline := time.After(10 * time.Second)
	for i, done := range g.done {
		select {
		case <-done:
		case <-deadline:
			g.cmds[i].Process.Kill()
			<-done
		}
	}
	for _, cmd := range g.cmds[len(g.done):] {
		cmd.Process.Kill()
		cmd.Wait()
	}
	for _, f := range g.idleFDs {
		f.Close()
	}
}

func encodeShare(i int, s share) string {
	return strings.Join([]string{
		strconv.Itoa(i), strconv.Itoa(s.BaseListens), strconv.Itoa(s.Listeners), strconv.Itoa(s.Pairs),
		strconv.Itoa(s.FinWait), strconv.Itoa(s.Unaccepted), strconv.Itoa(s.UDP),
	}, ",")
}

func decodeShare(spec string) (int, share, error) {
	f := strings.Split(spec, ",")
	if len(f) != 7 {
		return 0, share{}, fmt.Errorf("bad share %q", spec)
	}
	var v [7]int
	for i, x := range f {
		n, err := strconv.Atoi(x)
		if err != nil || n < 0 {
			return 0, share{}, fmt.Errorf("bad share %q", spec)
		}
		v[i] = n
	}
	return v[0], share{BaseListens: v[1], Listeners: v[2], Pairs: v[3], FinWait: v[4], Unaccepted: v[5], UDP: v[6]}, nil
}
