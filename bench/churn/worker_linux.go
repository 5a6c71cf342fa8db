// worker_linux.go is one churn worker: a listener on its own address and
// a loop that opens connections to it at a fixed rate, holds each for a
// random lifetime and closes it, with raw descriptors (no finalizer, no
// keep-alive).

package main

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// workerEnv carries a worker's settings to the re-executed binary.
const workerEnv = "GNST_CHURN_WORKER"

// workerSpec is what one worker is told to do.
type workerSpec struct {
	Index    int           // its address is 127.77.0.<Index+1>
	Rate     float64       // connections opened per second
	Life     time.Duration // mean lifetime: each is uniform in [0, 2*Life)
	Duration time.Duration // stop opening after this long, whatever happens
}

func (s workerSpec) encode() string {
	return fmt.Sprintf("%d,%g,%d,%d", s.Index, s.Rate, s.Life, s.Duration)
}

func decodeSpec(v string) (workerSpec, error) {
	f := strings.Split(v, ",")
	if len(f) != 4 {
		return workerSpec{}, fmt.Errorf("bad worker spec %q", v)
	}
	var s workerSpec
	var err error
	var life, dur int64
	if s.Index, err = strconv.Atoi(f[0]); err != nil || s.Index < 0 || s.Index > 253 {
		return workerSpec{}, fmt.Errorf("bad worker index in %q", v)
	}
	if s.Rate, err = strconv.ParseFloat(f[1], 64); err != nil || s.Rate <= 0 {
		return workerSpec{}, fmt.Errorf("bad rate in %q", v)
	}
	if life, err = strconv.ParseInt(f[2], 10, 64); err != nil || life < 0 {
		return workerSpec{}, fmt.Errorf("bad lifetime in %q", v)
	}
	if dur, err = strconv.ParseInt(f[3], 10, 64); err != nil || dur <= 0 {
		return workerSpec{}, fmt.Errorf("bad duration in %q", v)
	}
	s.Life, s.Duration = time.Duration(life), time.Duration(dur)
	return s, nil
}

func workerAddr(i int) [4]byte { return [4]byte{127, 77, 0, byte(i + 1)} }

// conn is one open connection: both ends, and when to close them.
type conn struct {
	client, server int
	until          time.Time
}

// byUntil is a min-heap of connections by closing time.
type byUntil []conn

func (h byUntil) Len() int           { return len(h) }
func (h byUntil) Less(i, j int) bool { return h[i].until.Before(h[j].until) }
func (h byUntil) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *byUntil) Push(x any)        { *h = append(*h, x.(conn)) }
func (h *byUntil) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

// worker runs one worker until its stdin closes or its duration ends,
// then reports "done opened=N failed=F seconds=S" and exits.
func worker(v string) error {
	s, err := decodeSpec(v)
	if err != nil {
		return err
	}
	addr := workerAddr(s.Index)
	ln, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	if err := unix.Bind(ln, &unix.SockaddrInet4{Addr: addr}); err != nil {
		return fmt.Errorf("bind %v: %w", addr, err)
	}
	if err := unix.Listen(ln, 4096); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	sa, err := unix.Getsockname(ln)
	if err != nil {
		return fmt.Errorf("getsockname: %w", err)
	}
	port := sa.(*unix.SockaddrInet4).Port
	fmt.Printf("ready %d 127.77.0.%d %d\n", os.Getpid(), s.Index+1, port)

	stop := make(chan struct{})
	go func() {
		buf := make([]byte, 64)
		for {
			if _, err := os.Stdin.Read(buf); err != nil {
				close(stop)
				return
			}
		}
	}()

	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), uint64(s.Index)))
	open := &byUntil{}
	start := time.Now()
	opened, failed := 0, 0
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
loop:
	for {
		select {
		case <-stop:
			break loop
		case now := <-tick.C:
			elapsed := now.Sub(start)
			if elapsed >= s.Duration {
				break loop
			}
			for open.Len() > 0 && !(*open)[0].until.After(now) {
				closeConn(heap.Pop(open).(conn), rng)
			}
			// Open what is due by now: the rate holds on average even
			// when a tick comes late.
			for due := int(elapsed.Seconds() * s.Rate); opened+failed < due; {
				c, err := dial(ln, addr, sa)
				if err != nil {
					failed++
					continue
				}
				opened++
				c.until = now.Add(time.Duration(rng.Int64N(int64(2*s.Life) + 1)))
				heap.Push(open, c)
			}
		}
	}
	secs := time.Since(start).Seconds()
	for open.Len() > 0 {
		closeConn(heap.Pop(open).(conn), rng)
	}
	fmt.Printf("done opened=%d failed=%d seconds=%.3f\n", opened, failed, secs)
	return nil
}

// dial connects a client bound to the worker's address to its listener
// and accepts the server end. On loopback the handshake completes within
// connect, so accept does not wait.
func dial(ln int, addr [4]byte, to unix.Sockaddr) (conn, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return conn{}, err
	}
	// The port is chosen at connect time for the whole 4-tuple, so ports
	// in TIME_WAIT toward other destinations do not run the range out.
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1); err != nil {
		unix.Close(fd)
		return conn{}, err
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: addr}); err != nil {
		unix.Close(fd)
		return conn{}, err
	}
	if err := unix.Connect(fd, to); err != nil {
		unix.Close(fd)
		return conn{}, err
	}
	srv, _, err := unix.Accept4(ln, unix.SOCK_CLOEXEC)
	if err != nil {
		unix.Close(fd)
		return conn{}, err
	}
	return conn{client: fd, server: srv}, nil
}

// closeConn closes both ends: nine in ten with a reset (SO_LINGER 0), the
// rest with a FIN from the client, which then waits in TIME_WAIT.
func closeConn(c conn, rng *rand.Rand) {
	if rng.IntN(10) != 0 {
		unix.SetsockoptLinger(c.client, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	}
	unix.Close(c.client)
	unix.Close(c.server)
}
