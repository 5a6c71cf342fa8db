// tcp.go holds the TCP echo (RFC 862) and discard (RFC 863) services and
// the accept loop they share.

package services

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
)

// Echo sends back every byte each connection sends (RFC 862 §"TCP Based
// Echo Service") until ctx ends.
func Echo(ctx context.Context, l net.Listener) error {
	return serveConns(ctx, l, func(c net.Conn) {
		io.CopyBuffer(c, c, make([]byte, 32<<10))
	})
}

// Discard reads and throws away what each connection sends (RFC 863)
// until ctx ends.
func Discard(ctx context.Context, l net.Listener) error {
	return serveConns(ctx, l, func(c net.Conn) {
		io.CopyBuffer(io.Discard, c, make([]byte, 32<<10))
	})
}

// serveConns accepts until ctx ends, running handle for each connection
// and closing it afterwards. When ctx ends it closes l and every open
// connection, and waits for the handlers.
func serveConns(ctx context.Context, l net.Listener, handle func(net.Conn)) error {
	var (
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
		wg    sync.WaitGroup
	)
	stop := context.AfterFunc(ctx, func() {
		l.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	defer stop()
	var err error
	for {
		c, aerr := l.Accept()
		if aerr != nil {
			if ctx.Err() == nil {
				err = fmt.Errorf("accepting on %v: %w", l.Addr(), aerr)
				l.Close()
			}
			break
		}
		mu.Lock()
		if ctx.Err() != nil { // raced with the stop: do not serve it
			mu.Unlock()
			c.Close()
			continue
		}
		conns[c] = struct{}{}
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			handle(c)
			c.Close()
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
		}()
	}
	if err != nil {
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
	}
	wg.Wait()
	return err
}
