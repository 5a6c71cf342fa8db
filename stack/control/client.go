// client.go finds every stack's control socket in a directory and reads
// their tables in parallel, each bounded in time.

package control

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/gonetstat/gonetstat/codec"
	"github.com/gonetstat/gonetstat/collect"
)

// DefaultTimeout bounds each stack's answer when ctx has no earlier
// deadline: a stack's table is a copy under its locks, milliseconds even
// for thousands of sockets, so a stack silent for this long is stuck.
const DefaultTimeout = 2 * time.Second

// defaultTimeout is DefaultTimeout; tests that end a wait by an event
// rather than the clock set it longer.
var defaultTimeout = DefaultTimeout

// ErrTimeout is wrapped by the error of a stack that did not answer in
// time.
var ErrTimeout = errors.New("control: timed out")

// Reply is one running stack's answer.
type Reply struct {
	Path    string
	Info    Info // Info.PID is the kernel's word (SO_PEERCRED) where it has one
	Time    time.Time
	Sockets []collect.Socket // every row's Owner is the stack's process
}

// StackError says which stack did not answer, and why.
type StackError struct {
	Path string
	Name string // from the socket's file name
	PID  int    // from the socket's file name
	Err  error
}

func (e *StackError) Error() string {
	return fmt.Sprintf("stack %q (PID %d, %s): %v", e.Name, e.PID, e.Path, e.Err)
}

func (e *StackError) Unwrap() error { return e.Err }

// Collect asks every stack serving in dir for its table, all at once,
// each within DefaultTimeout or ctx's deadline, whichever comes first.
// It returns the replies in file-name order and one error per stack that
// did not answer (a *StackError) or per problem with dir itself. A
// missing dir means no stack runs: no replies, no errors. A socket that
// nobody listens on is a stack that died: it is skipped, and removed when
// it is ours. Files that are not control sockets are left alone.
func Collect(ctx context.Context, dir string) ([]Reply, []error) {
	ok, err := checkDir(dir, false)
	if err != nil {
		return nil, []error{err}
	}
	if !ok {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, []error{fmt.Errorf("control: %w", err)}
	}
	start := time.Now()
	deadline := start.Add(defaultTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	// What a stack that does not answer is told it had: the whole
	// allowance, not what was left when its turn came.
	budget := max(deadline.Sub(start), 0)
	type result struct {
		reply Reply
		err   error
		stale bool
	}
	var names []string
	for _, e := range entries {
		if _, _, err := parseSocketName(e.Name()); err == nil {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	results := make([]result, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			pid, stack, _ := parseSocketName(name)
			path := filepath.Join(dir, name)
			r, stale, err := ask(ctx, path, deadline, budget)
			if err != nil {
				err = &StackError{Path: path, Name: stack, PID: pid, Err: err}
			}
			results[i] = result{r, err, stale}
		})
	}
	wg.Wait()
	var replies []Reply
	var errs []error
	for _, r := range results {
		switch {
		case r.err != nil:
			errs = append(errs, r.err)
		case !r.stale:
			replies = append(replies, r.reply)
		}
	}
	return replies, errs
}

// ask reads one stack's table. stale reports a socket nobody serves
// (removed when ours); that is not an error.
func ask(ctx context.Context, path string, deadline time.Time, budget time.Duration) (Reply, bool, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Reply{}, true, nil // its server closed since we listed the directory
	}
	if err != nil {
		return Reply{}, false, err
	}
	if err := ownSocket(fi); err != nil {
		return Reply{}, false, fmt.Errorf("refusing the socket: %w", err)
	}
	d := net.Dialer{Deadline: deadline}
	nc, err := d.DialContext(ctx, "unix", path)
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, fs.ErrNotExist) {
		// Nobody listens: the stack died without removing its
		// socket. It is ours (checked above), so clear it.
		os.Remove(path)
		return Reply{}, true, nil
	}
	if err != nil {
		return Reply{}, false, err
	}
	c := nc.(*net.UnixConn)
	defer c.Close()
	c.SetDeadline(deadline)
	// Ctrl-C ends the wait at once rather than at the deadline.
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	r, err := exchange(c)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			if errors.Is(ctx.Err(), context.Canceled) {
				return Reply{}, false, fmt.Errorf("interrupted: %w", ctx.Err())
			}
			return Reply{}, false, fmt.Errorf("no answer within %v: %w", budget.Round(time.Millisecond), ErrTimeout)
		}
		return Reply{}, false, err
	}
	r.Path = path
	return r, false, nil
}

// exchange sends the request and reads and checks the answer. The rows
// must all be the stack's own (source "stack", its name); each gets the
// stack's process as owner, with the PID the kernel reports for the peer
// where it can (a stack in another PID namespace states its own PID).
func exchange(c *net.UnixConn) (Reply, error) {
	if err := writeLine(c, request{Version: Version, Op: OpSnapshot}); err != nil {
		return Reply{}, err
	}
	h, body, err := readResponse(bufio.NewReaderSize(c, 64<<10))
	if err != nil {
		return Reply{}, err
	}
	info := *h.Info
	if err := ValidName(info.Name); err != nil {
		return Reply{}, protoErr("info: %v", err)
	}
	if pid, ok := peerPID(c); ok {
		info.PID = pid
	}
	env, err := codec.DecodeSockets(body)
	if err != nil {
		return Reply{}, err
	}
	owner := &collect.Process{PID: info.PID, Name: info.Process}
	if info.PID <= 0 {
		owner = nil
	}
	want := collect.Source{Kind: "stack", Name: info.Name}
	for i := range env.Sockets {
		s := &env.Sockets[i]
		if s.Source != want {
			return Reply{}, protoErr("socket %d is from %s %q, not from stack %q", i, s.Source.Kind, s.Source.Name, info.Name)
		}
		s.Owner = owner
	}
	return Reply{Info: info, Time: env.Time, Sockets: env.Sockets}, nil
}
