// control_linux_test.go serves two real mini-stacks with an established
// TCP connection and reads them back; checks the directory and socket
// permissions, refusals, stale sockets, a hung server and a misbehaving
// one.

package control

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/render"
	"github.com/gonetstat/gonetstat/stack"
	"github.com/gonetstat/gonetstat/stack/core"
	hdr "github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/link"
)

var (
	addrA = netip.MustParsePrefix("198.18.0.1/24")
	addrB = netip.MustParsePrefix("198.18.0.2/24")
)

// twoStacks joins stacks "a" and "b" on an in-memory wire (real clock)
// and opens a TCP connection from a to b:80 that has carried data both
// ways.
func twoStacks(t *testing.T) (a, b *stack.Stack) {
	t.Helper()
	ea, eb := link.Pair(link.PairConfig{MACA: hdr.MAC{2, 0, 0, 0, 0, 0xa}, MACB: hdr.MAC{2, 0, 0, 0, 0, 0xb}})
	t.Cleanup(func() { ea.Close(); eb.Close() })
	a = stack.New(stack.Options{Options: core.Options{Name: "a"}})
	b = stack.New(stack.Options{Options: core.Options{Name: "b"}})
	if _, err := a.AddNIC(ea, addrA); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddNIC(eb, addrB); err != nil {
		t.Fatal(err)
	}
	ln, err := b.Listen(netip.AddrPortFrom(netip.IPv4Unspecified(), 80), 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	ca, err := a.Dial(netip.AddrPortFrom(addrB.Addr(), 80))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ca.Close() })
	cb, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { cb.Close() })
	if _, err := ca.Write(bytes.Repeat([]byte("x"), 10000)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(cb, make([]byte, 10000)); err != nil {
		t.Fatal(err)
	}
	if _, err := cb.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(ca, make([]byte, 4)); err != nil {
		t.Fatal(err)
	}
	// Let delayed ACKs go out, so the tables hold still while compared.
	time.Sleep(300 * time.Millisecond)
	return a, b
}

// serve runs a control server for src until the test ends.
func serve(t *testing.T, dir, name string, src func() []collect.Socket) *Server {
	t.Helper()
	path, err := SocketPath(dir, os.Getpid(), name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Listen(path, src, Info{Name: name, Started: time.Now(), NICs: []NIC{{Name: "pair", MTU: 1500, Addr: addrA}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s left behind after Serve returned: %v", path, err)
		}
	})
	return s
}

var equateAddrPort = cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })

// moving are the fields that change while the stack idles: they are
// checked for presence, not value.
var moving = cmp.Options{
	cmpopts.IgnoreFields(collect.StackInfo{}, "Age"),
	cmpopts.IgnoreFields(collect.TCPInfo{}, "TimerExpires"),
}

// viaSchema is what a table reads as after the JSON schema's units
// (µs, ms), with the owner Collect attributes.
func viaSchema(t *testing.T, socks []collect.Socket, owner *collect.Process) []collect.Socket {
	t.Helper()
	var b bytes.Buffer
	if err := render.JSON(&b, render.Envelope{Host: "h", Time: time.Now(), Sockets: socks}); err != nil {
		t.Fatal(err)
	}
	env, err := render.DecodeJSON(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for i := range env.Sockets {
		env.Sockets[i].Owner = owner
	}
	return env.Sockets
}

func TestCollectTwoRealStacks(t *testing.T) {
	a, b := twoStacks(t)
	dir := filepath.Join(t.TempDir(), "run")
	serve(t, dir, "a", a.Snapshot)
	serve(t, dir, "b", b.Snapshot)

	replies, errs := Collect(context.Background(), dir)
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	if len(replies) != 2 {
		t.Fatalf("%d replies, want 2", len(replies))
	}
	for i, st := range []*stack.Stack{a, b} {
		r := replies[i]
		if r.Info.Name != st.Name || r.Info.PID != os.Getpid() || r.Info.Process == "" {
			t.Errorf("reply %d info %+v, want name %q, PID %d and a process name", i, r.Info, st.Name, os.Getpid())
		}
		owner := &collect.Process{PID: os.Getpid(), Name: r.Info.Process}
		want := viaSchema(t, st.Snapshot(), owner)
		if diff := cmp.Diff(want, r.Sockets, equateAddrPort, moving); diff != "" {
			t.Errorf("stack %s over the control socket (-want +got):\n%s", st.Name, diff)
		}
	}
	// The established connection, seen from both ends, with its
	// control block.
	var est int
	for _, r := range replies {
		for _, s := range r.Sockets {
			if s.State == collect.StateEstablished {
				est++
				if s.TCP == nil || s.TCP.SndCwnd == 0 || s.TCP.RTO == 0 || s.Stack == nil || s.Stack.FD < 0 || s.Stack.SndNxt == 0 {
					t.Errorf("established row without its control block: %+v %+v %+v", s, s.TCP, s.Stack)
				}
			}
		}
	}
	if est != 2 {
		t.Errorf("%d established rows, want 2 (both ends)", est)
	}
	if replies[1].Info.NICs[0].Addr != addrA {
		t.Errorf("NIC info %+v", replies[1].Info.NICs)
	}
}

func TestPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	s := serve(t, dir, "perm", func() []collect.Socket { return nil })
	for path, want := range map[string]fs.FileMode{dir: fs.ModeDir | 0o700, s.Path(): fs.ModeSocket | 0o600} {
		fi, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
		}
	}

	// An own directory with a wider mode is narrowed by the server, and
	// refused by the client until then.
	wide := filepath.Join(t.TempDir(), "wide")
	if err := os.Mkdir(wide, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(wide, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, errs := Collect(context.Background(), wide); len(errs) != 1 || !errors.Is(errs[0], ErrUnsafe) || !strings.Contains(errs[0].Error(), "want 0700") {
		t.Errorf("Collect on a 0755 directory: %v", errs)
	}
	serve(t, wide, "wide", func() []collect.Socket { return nil })
	if fi, _ := os.Lstat(wide); fi.Mode().Perm() != 0o700 {
		t.Errorf("server left %s at %v", wide, fi.Mode().Perm())
	}

	// A symlink planted where the directory should be is refused.
	link := filepath.Join(t.TempDir(), "planted")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(filepath.Join(link, "stack-1-x.sock"), nil, Info{Name: "x"}); !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), "symlink") {
		t.Errorf("Listen through a symlink: %v", err)
	}
	if _, errs := Collect(context.Background(), link); len(errs) != 1 || !errors.Is(errs[0], ErrUnsafe) {
		t.Errorf("Collect through a symlink: %v", errs)
	}

	// A file in the way of the socket is not removed.
	file, err := SocketPath(dir, 1, "file")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(file, nil, Info{Name: "file"}); !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("Listen over a regular file: %v", err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Errorf("the regular file was removed: %v", err)
	}
}

// TestForeignDirectoryRefused: a directory owned by another user (root
// chowns one to nobody) is refused by server and client, and so is a
// socket of another user's in our own directory.
func TestForeignDirectoryRefused(t *testing.T) {
	testenv.SkipUnlessRoot(t)
	const nobody = 65534
	foreign := filepath.Join(t.TempDir(), "foreign")
	if err := os.Mkdir(foreign, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(foreign, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(filepath.Join(foreign, "stack-1-x.sock"), nil, Info{Name: "x"}); !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), "owned by uid 65534") {
		t.Errorf("Listen in nobody's directory: %v", err)
	}
	if _, errs := Collect(context.Background(), foreign); len(errs) != 1 || !errors.Is(errs[0], ErrUnsafe) {
		t.Errorf("Collect in nobody's directory: %v", errs)
	}

	dir := filepath.Join(t.TempDir(), "run")
	live := serve(t, dir, "live", func() []collect.Socket { return nil })
	path, _ := SocketPath(dir, 1, "theirs")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	if err := os.Lchown(path, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	replies, errs := Collect(context.Background(), dir)
	if len(replies) != 1 || replies[0].Path != live.Path() {
		t.Errorf("replies %+v, want the live one only", replies)
	}
	if len(errs) != 1 || !errors.Is(errs[0], ErrUnsafe) || !strings.Contains(errs[0].Error(), `stack "theirs"`) {
		t.Errorf("errors %v, want one naming stack \"theirs\" as unsafe", errs)
	}
}

func TestStaleSocketSkipped(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	live := serve(t, dir, "live", func() []collect.Socket { return nil })
	// A stack that died: its socket file stays, nobody listens.
	dead, _ := SocketPath(dir, 999999, "dead")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: dead, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	// Files that are not control sockets are left alone.
	other := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	replies, errs := Collect(context.Background(), dir)
	if len(errs) != 0 {
		t.Errorf("errors: %v", errs)
	}
	if len(replies) != 1 || replies[0].Path != live.Path() {
		t.Errorf("replies %+v, want the live stack only", replies)
	}
	if _, err := os.Lstat(dead); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale socket not removed: %v", err)
	}
	if _, err := os.Lstat(other); err != nil {
		t.Errorf("unrelated file touched: %v", err)
	}

	// A new server on a stale path takes it over; on a live path it
	// is refused.
	ln, _ = net.ListenUnix("unix", &net.UnixAddr{Name: dead, Net: "unix"})
	ln.SetUnlinkOnClose(false)
	ln.Close()
	s, err := Listen(dead, nil, Info{Name: "dead"})
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	s.Close()
	if _, err := Listen(live.Path(), nil, Info{Name: "live"}); !errors.Is(err, ErrInUse) {
		t.Errorf("Listen over a live socket: %v", err)
	}

	// No directory: no stack runs, nothing is wrong.
	if replies, errs := Collect(context.Background(), filepath.Join(dir, "absent")); replies != nil || errs != nil {
		t.Errorf("missing directory: %v %v", replies, errs)
	}
}

// fakeServer listens on dir's socket for name and answers every
// connection with answer (after reading the request line, unless
// answer is nil: then it never answers).
func fakeServer(t *testing.T, dir, name string, answer func(c net.Conn)) string {
	t.Helper()
	if _, err := checkDir(dir, true); err != nil {
		t.Fatal(err)
	}
	path, err := SocketPath(dir, os.Getpid(), name)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
			if answer != nil {
				go func() {
					var req [MaxRequest]byte
					c.Read(req[:])
					answer(c)
					c.Close()
				}()
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return path
}

func TestHungServerBounded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	serve(t, dir, "live", func() []collect.Socket { return nil })
	fakeServer(t, dir, "hung", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	replies, errs := Collect(ctx, dir)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Collect took %v with a 300ms deadline", took)
	}
	if len(replies) != 1 || replies[0].Info.Name != "live" {
		t.Errorf("replies %+v, want the live stack", replies)
	}
	var se *StackError
	if len(errs) != 1 || !errors.As(errs[0], &se) || se.Name != "hung" || se.PID != os.Getpid() || !errors.Is(errs[0], ErrTimeout) {
		t.Fatalf("errors %v, want one timeout naming stack \"hung\"", errs)
	}
	if !strings.Contains(errs[0].Error(), `stack "hung" (PID `) || !strings.Contains(errs[0].Error(), "no answer within") {
		t.Errorf("error text %q", errs[0])
	}
}

// TestBadServers: whatever a server sends, the client ends with an error
// naming the stack, never a panic or a half-read table.
func TestBadServers(t *testing.T) {
	okHeader := func(length int) string {
		return `{"version":"gonetstat.control/v1","status":"ok","info":{"name":"bad","pid":1,"process":"p","started":"2026-01-01T00:00:00Z"},"length":` + strconv.Itoa(length) + "}\n"
	}
	body := `{"schema":"gonetstat.sockets/v1","host":"h","time":"2026-01-01T00:00:00Z","sockets":[{"source":"kernel","proto":"udp","protocol":17,"family":2,"local_address":"127.0.0.1","local_port":53,"remote_address":"0.0.0.0","remote_port":0,"state":"CLOSE","send_queue":0,"recv_queue":0}]}`
	tests := []struct{ name, send, want string }{
		{"nothing", "", "connection closed before the response header"},
		{"no newline", `{"version":"gonetstat.control/v1"`, "response header not terminated by a newline"},
		{"huge header", strings.Repeat(" ", MaxHeader+1), "response header longer than 65536 bytes"},
		{"other version", `{"version":"gonetstat.control/v9","status":"ok"}` + "\n", `the stack speaks "gonetstat.control/v9"`},
		{"error status", `{"version":"gonetstat.control/v1","status":"error","error":"out of memory"}` + "\n", "the stack answered: out of memory"},
		{"bad status", `{"version":"gonetstat.control/v1","status":"maybe"}` + "\n", `status "maybe"`},
		{"no info", `{"version":"gonetstat.control/v1","status":"ok","length":0}` + "\n", "without info"},
		{"body too long", okHeader(MaxBody + 1), "body of 67108865 bytes"},
		{"short body", okHeader(100) + "{}", "reading a 100-byte body: unexpected EOF"},
		{"bad schema", okHeader(2) + "{}", "no schema field"},
		{"kernel row", okHeader(len(body)) + body, `socket 0 is from kernel "", not from stack "bad"`},
		{"bad name", strings.Replace(okHeader(0), `"name":"bad"`, `"name":"../x"`, 1), `stack name "../x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			fakeServer(t, dir, "bad", func(c net.Conn) { io.WriteString(c, tt.send) })
			replies, errs := Collect(context.Background(), dir)
			if len(replies) != 0 || len(errs) != 1 {
				t.Fatalf("replies %v, errors %v; want one error", replies, errs)
			}
			if !strings.Contains(errs[0].Error(), tt.want) || !strings.Contains(errs[0].Error(), `stack "bad"`) {
				t.Errorf("error %q, want it to contain %q and name the stack", errs[0], tt.want)
			}
		})
	}
}
