// server.go serves a stack's socket table on its control socket.

package control

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/gonetstat/gonetstat/codec"
	"github.com/gonetstat/gonetstat/collect"
)

// connTimeout bounds one exchange on the server side, so a client that
// connects and says nothing cannot hold a connection slot for ever.
const connTimeout = 5 * time.Second

// maxConns bounds the connections served at once; more wait in the
// kernel's listen backlog.
const maxConns = 8

// ErrInUse is returned when a live server already listens on the path.
var ErrInUse = errors.New("control socket in use")

// Server is a bound control socket. Make one with Listen, run it with
// Serve; the socket file exists from Listen until Serve returns (or
// Close).
type Server struct {
	path string
	ln   *net.UnixListener
	src  func() []collect.Socket
	info Info
	host string

	closeOnce sync.Once
}

// Serve binds path and serves src's table until ctx ends, then removes
// the socket and returns nil. It is all a program running a stack needs:
//
//	path, err := control.DefaultPath(name)
//	...
//	go control.Serve(ctx, path, st.Snapshot, control.Info{Name: name, Started: time.Now(), NICs: ...})
func Serve(ctx context.Context, path string, src func() []collect.Socket, info Info) error {
	s, err := Listen(path, src, info)
	if err != nil {
		return err
	}
	return s.Serve(ctx)
}

// Listen makes path's directory safe (creating it 0700, refusing a
// symlink or another user's directory), removes a stale socket left by a
// dead server, and binds path with mode 0600. Info's PID and Process are
// filled in from this process when zero.
func Listen(path string, src func() []collect.Socket, info Info) (*Server, error) {
	if err := ValidName(info.Name); err != nil {
		return nil, err
	}
	if len(path) > maxSocketPath {
		return nil, fmt.Errorf("control: socket path %s is longer than a Unix socket address holds (%d bytes)", path, maxSocketPath)
	}
	if _, err := checkDir(filepath.Dir(path), true); err != nil {
		return nil, err
	}
	if err := clearStale(path); err != nil {
		return nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	// The directory is 0700, so no one else could reach the socket
	// between bind and this chmod; 0600 keeps it private should the
	// directory ever be opened. (umask is process-wide and racy in a
	// threaded program, so it is not used.)
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control: %w", err)
	}
	if info.PID == 0 {
		info.PID = os.Getpid()
	}
	if info.Process == "" {
		if exe, err := os.Executable(); err == nil {
			info.Process = filepath.Base(exe)
		} else {
			info.Process = filepath.Base(os.Args[0])
		}
	}
	host, _ := os.Hostname()
	return &Server{path: path, ln: ln, src: src, info: info, host: host}, nil
}

// clearStale removes path when it is a socket of ours that nobody serves
// (a stack that died without cleaning up), and refuses anything else.
func clearStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("control: %w", err)
	}
	if err := ownSocket(fi); err != nil {
		return fmt.Errorf("control: %s exists: %w", path, err)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("control: %w: %s: another stack serves it", ErrInUse, path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("control: checking %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("control: removing stale %s: %w", path, err)
	}
	return nil
}

// Path is the socket's path.
func (s *Server) Path() string { return s.path }

// Close stops listening and removes the socket file.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() { err = s.ln.Close() }) // a UnixListener made by Listen unlinks its path
	return err
}

// Serve answers requests until ctx ends, then closes the socket and
// returns nil; it returns an error only when accepting fails otherwise.
func (s *Server) Serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	defer s.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, maxConns)
	for {
		c, err := s.ln.AcceptUnix()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("control: accepting on %s: %w", s.path, err)
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			c.Close()
			return nil
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			s.serveConn(c)
		}()
	}
}

// serveConn answers one request. Failures end the connection: the client
// sees a short read and reports this stack as not answering.
func (s *Server) serveConn(c *net.UnixConn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(connTimeout))
	var req request
	if err := readLine(bufio.NewReaderSize(c, MaxRequest), MaxRequest, "request", &req); err != nil {
		writeLine(c, header{Version: Version, Status: "error", Error: err.Error()})
		return
	}
	if req.Version != Version {
		writeLine(c, header{Version: Version, Status: "error", Error: fmt.Sprintf("unsupported version %q: this stack speaks %s", req.Version, Version)})
		return
	}
	if req.Op != OpSnapshot {
		writeLine(c, header{Version: Version, Status: "error", Error: fmt.Sprintf("unknown op %q: want %q", req.Op, OpSnapshot)})
		return
	}
	var body bytes.Buffer
	env := codec.Envelope{Host: s.host, Time: time.Now().UTC(), Sockets: s.src()}
	if err := codec.SocketsNDJSON(&body, env); err != nil {
		writeLine(c, header{Version: Version, Status: "error", Error: err.Error()})
		return
	}
	if body.Len() > MaxBody {
		writeLine(c, header{Version: Version, Status: "error", Error: fmt.Sprintf("table of %d sockets is %d bytes, more than the protocol carries (%d)", len(env.Sockets), body.Len(), MaxBody)})
		return
	}
	info := s.info
	if err := writeLine(c, header{Version: Version, Status: "ok", Info: &info, Length: int64(body.Len())}); err != nil {
		return
	}
	c.Write(body.Bytes())
}
