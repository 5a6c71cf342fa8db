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
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gonetstat/gonetstat/codec"
	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack"
	"github.com/gonetstat/gonetstat/stack/stacktest"
)

var addrA = stacktest.AddrA

// The tests end every wait by an event: no stack here is slow, so none
// may time out however loaded the machine. TestHungServerBounded bounds
// Collect by its context's deadline instead.
func init() { defaultTimeout = testenv.Patience }

// twoStacks runs stacks "a" and "b" with a TCP connection from a to b:80
// that has carried data both ways, settled so that their tables hold
// still while compared.
func twoStacks(t *testing.T) (a, b *stack.Stack) {
	return stacktest.Connected(t, "a", "b", 10000, 4)
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
	if err := codec.SocketsJSON(&b, codec.Envelope{Host: "h", Time: time.Now(), Sockets: socks}); err != nil {
		t.Fatal(err)
	}
	env, err := codec.DecodeSockets(b.Bytes())
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

// TestHungServerBounded: a server that never answers costs the client
// ctx's deadline, not DefaultTimeout. Checked by what Collect says, not
// by a stopwatch: the server answers never, so Collect returning at all
// is the bound at work, and the budget it names is the context's.
func TestHungServerBounded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	fakeServer(t, dir, "hung", nil)
	const bound = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	var replies []Reply
	var errs []error
	testenv.NoHang(t, "Collect with a server that never answers", func() { replies, errs = Collect(ctx, dir) })
	var se *StackError
	if len(replies) != 0 || len(errs) != 1 || !errors.As(errs[0], &se) || se.Name != "hung" || se.PID != os.Getpid() || !errors.Is(errs[0], ErrTimeout) {
		t.Fatalf("replies %v, errors %v; want one timeout naming stack \"hung\"", replies, errs)
	}
	m := regexp.MustCompile(`^stack "hung" \(PID \d+, [^)]+\): no answer within (\S+): `).FindStringSubmatch(errs[0].Error())
	if m == nil {
		t.Fatalf("error text %q", errs[0])
	}
	if budget, err := time.ParseDuration(m[1]); err != nil || budget > bound {
		t.Errorf("the error names a budget of %s, want the context's %v, not DefaultTimeout (%v)", m[1], bound, DefaultTimeout)
	}
}

// TestHungServerDoesNotHoldBackOthers: stacks are asked in parallel, so
// a live stack's table comes back beside a hung one's error. The hung
// wait ends by the interruption Ctrl-C makes, once the live stack's
// client has hung up and the hung one has the request: events, not a
// timeout.
func TestHungServerDoesNotHoldBackOthers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	// The live stack answers, then waits for the client to hang up, which
	// it does once it has read the whole answer.
	liveRead := make(chan struct{})
	empty := `{"schema":"gonetstat.sockets/v1","host":"h","time":"2026-01-01T00:00:00Z","sockets":[]}`
	fakeServer(t, dir, "live", func(c net.Conn) {
		io.WriteString(c, okHeader("live", len(empty))+empty)
		io.Copy(io.Discard, c)
		close(liveRead)
	})
	// The hung one reads the request and never answers.
	hungAsked, release := make(chan struct{}), make(chan struct{})
	fakeServer(t, dir, "hung", func(net.Conn) { close(hungAsked); <-release })
	t.Cleanup(func() { close(release) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for _, ch := range []chan struct{}{liveRead, hungAsked} {
			select {
			case <-ch:
			case <-ctx.Done():
				return
			}
		}
		cancel()
	}()
	var replies []Reply
	var errs []error
	testenv.NoHang(t, "Collect with a live and a hung server", func() { replies, errs = Collect(ctx, dir) })
	if len(replies) != 1 || replies[0].Info.Name != "live" {
		t.Errorf("replies %+v, want the live stack", replies)
	}
	var se *StackError
	if len(errs) != 1 || !errors.As(errs[0], &se) || se.Name != "hung" || !strings.Contains(errs[0].Error(), "interrupted") {
		t.Errorf("errors %v, want one naming stack \"hung\" as interrupted", errs)
	}
}

// okHeader is a server's header line announcing a body of length bytes
// from stack name.
func okHeader(name string, length int) string {
	return `{"version":"gonetstat.control/v1","status":"ok","info":{"name":"` + name + `","pid":1,"process":"p","started":"2026-01-01T00:00:00Z"},"length":` + strconv.Itoa(length) + "}\n"
}

// TestBadServers: whatever a server sends, the client ends with an error
// naming the stack, never a panic or a half-read table.
func TestBadServers(t *testing.T) {
	body := `{"schema":"gonetstat.sockets/v1","host":"h","time":"2026-01-01T00:00:00Z","sockets":[{"source":"kernel","proto":"udp","protocol":17,"family":2,"local_address":"127.0.0.1","local_port":53,"remote_address":"0.0.0.0","remote_port":0,"state":"CLOSE","send_queue":0,"recv_queue":0}]}`
	tests := []struct{ name, send, want string }{
		{"nothing", "", "connection closed before the response header"},
		{"no newline", `{"version":"gonetstat.control/v1"`, "response header not terminated by a newline"},
		{"huge header", strings.Repeat(" ", MaxHeader+1), "response header longer than 65536 bytes"},
		{"other version", `{"version":"gonetstat.control/v9","status":"ok"}` + "\n", `the stack speaks "gonetstat.control/v9"`},
		{"error status", `{"version":"gonetstat.control/v1","status":"error","error":"out of memory"}` + "\n", "the stack answered: out of memory"},
		{"bad status", `{"version":"gonetstat.control/v1","status":"maybe"}` + "\n", `status "maybe"`},
		{"no info", `{"version":"gonetstat.control/v1","status":"ok","length":0}` + "\n", "without info"},
		{"body too long", okHeader("bad", MaxBody+1), "body of 67108865 bytes"},
		{"short body", okHeader("bad", 100) + "{}", "reading a 100-byte body: unexpected EOF"},
		{"bad schema", okHeader("bad", 2) + "{}", "no schema field"},
		{"kernel row", okHeader("bad", len(body)) + body, `socket 0 is from kernel "", not from stack "bad"`},
		{"bad name", strings.Replace(okHeader("bad", 0), `"name":"bad"`, `"name":"../x"`, 1), `stack name "../x"`},
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
