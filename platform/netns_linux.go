// netns_linux.go collects sockets in other network namespaces: one
// (--netns) or all (--all-netns), each on a locked thread inside it, and
// labels every row with its namespace.

package platform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/netns"
)

// namespaced is the collector of --netns and --all-netns.
type namespaced struct {
	cfg   Config
	roots netns.Roots
	spec  *netns.Spec // nil: every namespace
	warn  func(string)
}

var _ collect.Collector = (*namespaced)(nil)

func newNamespaced(cfg Config) (collect.Collector, error) {
	n := &namespaced{cfg: cfg, roots: netns.Roots{Proc: cfg.ProcRoot}}
	if cfg.NetNS != "" {
		s, err := netns.ParseSpec(cfg.NetNS)
		if err != nil {
			return nil, err
		}
		n.spec = &s
	}
	// Each namespace gets its own sock_diag -> /proc/net fallback; say a
	// fallback once, not once per namespace.
	var mu sync.Mutex
	said := map[string]bool{}
	n.warn = func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		if !said[msg] {
			said[msg] = true
			cfg.Warn(msg)
		}
	}
	return n, nil
}

// Collect reads each namespace in parallel (at most GOMAXPROCS at once, at
// least two so one slow namespace does not hold the rest) and returns the
// rows in namespace order. A namespace that cannot be entered or read is
// a problem of the returned *collect.PartialError and its rows are left
// out; the others are returned. With --netns, whose one namespace is the
// whole table, such a failure is the error.
func (n *namespaced) Collect(ctx context.Context, q collect.Query) ([]collect.Socket, error) {
	var list []netns.Namespace
	var problems []error
	if n.spec != nil {
		ns, err := netns.Open(n.roots, *n.spec)
		if err != nil {
			return nil, err
		}
		list = []netns.Namespace{ns}
	} else {
		res, err := netns.List(ctx, n.roots)
		if err != nil {
			return nil, fmt.Errorf("listing network namespaces: %w", err)
		}
		list = res.Namespaces
		if res.Denied > 0 {
			// Without root, other users' namespaces are hidden: the table
			// is incomplete and the command says so (exit 1). As root a
			// denial is a process guarded beyond root (a sandbox's init, as
			// on our CI machine); its namespace is usually one another
			// process shows, and no privilege we could ask for would help,
			// so it is a notice, as for owners (docs/decisions.md).
			msg := fmt.Sprintf("could not see the network namespace of %d %s (e.g. PID %d: permission denied)",
				res.Denied, plural(res.Denied, "process", "processes"), res.DeniedExample)
			if os.Geteuid() != 0 {
				problems = append(problems, errors.New(msg+"; run as root to see them all"))
			} else {
				n.cfg.Warn(msg)
			}
		}
	}

	type result struct {
		socks []collect.Socket
		err   error
	}
	results := make([]result, len(list))
	workers := min(len(list), max(2, runtime.GOMAXPROCS(0)))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i].socks, results[i].err = n.collectOne(ctx, q, list[i])
			}
		}()
	}
	for i := range list {
		next <- i
	}
	close(next)
	wg.Wait()

	var socks []collect.Socket
	for i, r := range results {
		ns := list[i]
		label := &collect.Namespace{Inode: ns.Inode, Name: ns.Name}
		for j := range r.socks {
			r.socks[j].NetNS = label
		}
		if r.err == nil {
			socks = append(socks, r.socks...)
			continue
		}
		if n.spec != nil && !collect.IsPartial(r.err) {
			return nil, r.err
		}
		if errors.Is(r.err, netns.ErrGone) {
			continue // it no longer exists: nothing is missing
		}
		var ne *netns.Error
		var pe *collect.PartialError
		switch {
		case errors.As(r.err, &pe):
			socks = append(socks, r.socks...)
			for _, p := range pe.Problems {
				problems = append(problems, fmt.Errorf("network namespace %s: %w", ns.Label(), p))
			}
		case errors.As(r.err, &ne):
			problems = append(problems, r.err) // names the namespace itself
		default:
			problems = append(problems, fmt.Errorf("network namespace %s: %w", ns.Label(), r.err))
		}
	}
	if err := ctx.Err(); err != nil {
		return socks, err
	}
	return socks, collect.Partial(problems...)
}

// collectOne reads one namespace's table from inside it. The collector is
// made afresh inside, for this snapshot: /proc/net is read through
// /proc/thread-self, the locked thread's view, and IPv6 zones are named
// by the namespace's own interfaces (afresh in each snapshot, see zoned).
func (n *namespaced) collectOne(ctx context.Context, q collect.Query, ns netns.Namespace) ([]collect.Socket, error) {
	var socks []collect.Socket
	err := netns.Do(n.roots, ns, func() error {
		cfg := n.cfg
		cfg.ProcRoot = netns.ThreadProc(n.roots)
		cfg.Warn = n.warn
		c, err := kernelSockets(cfg)
		if err != nil {
			return err
		}
		socks, err = c.Collect(ctx, q)
		return err
	})
	return socks, err
}

// ownNamespace labels the rows of our own namespace's collector with its
// inode, so that JSON always says which namespace a row is from.
type ownNamespace struct {
	inner collect.Collector
}

func labelOwn(c collect.Collector) collect.Collector { return &ownNamespace{inner: c} }

func (o *ownNamespace) Collect(ctx context.Context, q collect.Query) ([]collect.Socket, error) {
	socks, err := o.inner.Collect(ctx, q)
	// Read in every snapshot: the namespace's name under /run/netns can
	// be given (ip netns attach) or taken away between two redisplays.
	self, serr := netns.Self(netns.Roots{})
	if serr != nil {
		return socks, err // the inode stays unknown (0), and JSON omits it
	}
	ns := &collect.Namespace{Inode: self.Inode, Name: self.Name}
	for i := range socks {
		if socks[i].NetNS == nil {
			socks[i].NetNS = ns
		}
	}
	return socks, err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
