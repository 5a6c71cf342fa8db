// Package names turns addresses and ports into the names netstat prints
// when it is not run with -n: host names by reverse DNS, service names
// from the services database.
//
// Every name is looked up before the table is printed, concurrently and
// under one total time bound, so the command never hangs on DNS: what is
// not resolved by then prints as a number. Answers are cached for the life
// of the Resolver, which spans the redisplays of an interval loop.
package names

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/safetext"
	"github.com/gonetstat/gonetstat/render"
)

// Options configure a Resolver.
type Options struct {
	FQDN     bool          // keep the whole DNS name (-f); otherwise the first label
	Timeout  time.Duration // total bound of one Prepare; 2 s when 0
	Workers  int           // concurrent lookups; 16 when 0
	Services string        // services database; /etc/services when ""
	// LookupAddr does reverse DNS; net.DefaultResolver.LookupAddr when nil.
	LookupAddr func(ctx context.Context, addr string) ([]string, error)
}

// Resolver names endpoints. It implements render.Namer.
type Resolver struct {
	opt      Options
	services services

	mu    sync.Mutex
	hosts map[netip.Addr]string // "" means looked up, no name
}

var _ render.Namer = (*Resolver)(nil)

// New returns a Resolver; a missing services database means numeric ports.
func New(opt Options) *Resolver {
	if opt.Timeout <= 0 {
		opt.Timeout = 2 * time.Second
	}
	if opt.Workers <= 0 {
		opt.Workers = 16
	}
	if opt.Services == "" {
		opt.Services = "/etc/services"
	}
	if opt.LookupAddr == nil {
		opt.LookupAddr = net.DefaultResolver.LookupAddr
	}
	return &Resolver{opt: opt, services: loadServices(opt.Services), hosts: map[netip.Addr]string{}}
}

// Prepare resolves every address of socks not yet in the cache, returning
// when all are done or the time bound has passed, whichever is first.
// Lookups still running then finish in the background into the cache.
func (r *Resolver) Prepare(ctx context.Context, socks []collect.Socket) {
	var todo []netip.Addr
	seen := map[netip.Addr]bool{}
	r.mu.Lock()
	for i := range socks {
		for _, a := range [2]netip.Addr{socks[i].Local.Addr(), socks[i].Remote.Addr()} {
			if !a.IsValid() || a.IsUnspecified() || seen[a] {
				continue
			}
			seen[a] = true
			if _, ok := r.hosts[a]; !ok {
				todo = append(todo, a)
			}
		}
	}
	r.mu.Unlock()
	if len(todo) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, r.opt.Timeout)
	jobs := make(chan netip.Addr, len(todo))
	for _, a := range todo {
		jobs <- a
	}
	close(jobs)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < min(r.opt.Workers, len(todo)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range jobs {
				if ctx.Err() != nil {
					return
				}
				names, err := r.opt.LookupAddr(ctx, a.String())
				if err != nil && ctx.Err() != nil {
					return // timed out: try again next time, not cached as nameless
				}
				name := ""
				if err == nil && len(names) > 0 {
					name = r.shorten(names[0])
				}
				r.mu.Lock()
				r.hosts[a] = name
				r.mu.Unlock()
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	cancel()
}

// shorten turns a PTR answer into what the table prints: without the
// trailing dot, and cut to the first label without FQDN (as Windows
// netstat does without -f). A name that internal/safetext calls unsafe
// (a control or bidi character, bytes that are not UTF-8) is refused
// (""), and the row keeps the address: it comes from whoever controls the
// reverse zone, and a name shown with '?' in it would still be that
// person's text where the number is the truth.
func (r *Resolver) shorten(name string) string {
	if !safetext.Safe(name) {
		return ""
	}
	name = strings.TrimSuffix(name, ".")
	if !r.opt.FQDN {
		if i := strings.IndexByte(name, '.'); i > 0 {
			name = name[:i]
		}
	}
	return name
}

// Endpoint returns "host:service", each part numeric when it has no name.
func (r *Resolver) Endpoint(ep netip.AddrPort, proto collect.Proto, local bool) string {
	if !ep.IsValid() {
		return "*:*"
	}
	r.mu.Lock()
	host := r.hosts[ep.Addr()]
	r.mu.Unlock()
	// Sized for "[v6-address%zone]:service", the buffer stays on the
	// stack: the returned string is the call's one allocation.
	b := make([]byte, 0, 64)
	if host != "" {
		b = append(b, host...)
	} else if ep.Addr().Is6() {
		b = append(b, '[')
		b = ep.Addr().AppendTo(b)
		b = append(b, ']')
	} else {
		b = ep.Addr().AppendTo(b)
	}
	b = append(b, ':')
	if svc := r.services.name(proto, ep.Port()); svc != "" && ep.Port() != 0 {
		b = append(b, svc...)
	} else {
		b = strconv.AppendUint(b, uint64(ep.Port()), 10)
	}
	return string(b)
}
