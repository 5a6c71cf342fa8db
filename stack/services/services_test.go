// services_test.go runs every service on one mini-stack and its clients on
// another, joined by an in-memory wire, and checks that each service stops
// and cleans up when its context ends.

package services

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/link"
)

var (
	client = netip.MustParsePrefix("198.18.0.1/24")
	server = netip.MustParsePrefix("198.18.0.2/24")
)

func twoStacks(t *testing.T) (c, s *stack.Stack) {
	t.Helper()
	ec, es := link.Pair(link.PairConfig{MACA: header.MAC{2, 0, 0, 0, 0, 1}, MACB: header.MAC{2, 0, 0, 0, 0, 2}})
	c = stack.New(stack.Options{Options: core.Options{Name: "client"}})
	s = stack.New(stack.Options{Options: core.Options{Name: "server"}})
	if _, err := c.AddNIC(ec, client); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddNIC(es, server); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ec.Close(); es.Close() })
	return c, s
}

// start runs serve in the background; the returned stop cancels it and
// fails the test if it does not return promptly or returns an error.
func start(t *testing.T, name string, serve func(ctx context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s returned %v", name, err)
			}
		case <-time.After(testenv.Patience):
			t.Errorf("%s did not stop within %v of its context ending", name, testenv.Patience)
		}
	}
	t.Cleanup(stop)
	return stop
}

func TestPattern(t *testing.T) {
	whole := make([]byte, 1000)
	FillPattern(whole, 0)
	for _, off := range []int64{0, 1, 7, 8, 9, 500, 999} {
		part := make([]byte, 1000-off)
		FillPattern(part, off)
		if !bytes.Equal(part, whole[off:]) {
			t.Errorf("FillPattern at offset %d differs from the whole", off)
		}
	}
	got, _ := io.ReadAll(NewPatternReader(1000))
	if !bytes.Equal(got, whole) {
		t.Error("PatternReader differs from FillPattern")
	}
	if PatternSHA256(1000) != sha256.Sum256(whole) {
		t.Error("PatternSHA256 differs from hashing the bytes")
	}
	if bytes.Equal(whole[:8], whole[8:16]) {
		t.Error("the pattern repeats")
	}
}

func TestHandler(t *testing.T) {
	h := Handler(Page{})
	do := func(method, target string, body io.Reader) *http.Response {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, target, body))
		return rec.Result()
	}
	tests := []struct {
		method, target string
		body           string
		wantCode       int
		wantInBody     string
	}{
		{"GET", "/", "", 200, "mini-stack"},
		{"GET", "/bytes/0", "", 200, ""},
		{"GET", "/bytes/-1", "", 400, "whole number"},
		{"GET", "/bytes/x", "", 400, "whole number"},
		{"GET", "/bytes/" + strconv.Itoa(MaxBytes+1), "", 400, "over the limit"},
		{"GET", "/nothing", "", 404, ""},
		{"PUT", "/upload", "", 405, ""},
		{"POST", "/upload", "hello", 200, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824  5 bytes"},
	}
	for _, tt := range tests {
		resp := do(tt.method, tt.target, strings.NewReader(tt.body))
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != tt.wantCode || !strings.Contains(string(b), tt.wantInBody) {
			t.Errorf("%s %s: %d %q; want %d containing %q", tt.method, tt.target, resp.StatusCode, b, tt.wantCode, tt.wantInBody)
		}
	}
}

func TestServicesOverTheStack(t *testing.T) {
	c, s := twoStacks(t)
	listen := func(port uint16) net.Listener {
		l, err := s.Listen(netip.AddrPortFrom(netip.IPv4Unspecified(), port), 64)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	hl, el, dl := listen(80), listen(7), listen(9)
	pc, err := s.ListenPacket(netip.AddrPortFrom(netip.IPv4Unspecified(), 7))
	if err != nil {
		t.Fatal(err)
	}
	stops := []func(){
		start(t, "HTTP", func(ctx context.Context) error { return HTTP(ctx, hl, Page{}) }),
		start(t, "Echo", func(ctx context.Context) error { return Echo(ctx, el) }),
		start(t, "Discard", func(ctx context.Context) error { return Discard(ctx, dl) }),
		start(t, "UDPEcho", func(ctx context.Context) error { return UDPEcho(ctx, pc) }),
	}
	dst := func(port uint16) netip.AddrPort { return netip.AddrPortFrom(server.Addr(), port) }

	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			return c.Dial(netip.MustParseAddrPort(addr))
		},
	}}
	defer hc.CloseIdleConnections()
	for _, n := range []int64{0, 1, 100_000, 3 << 20} {
		resp, err := hc.Get("http://198.18.0.2/bytes/" + strconv.FormatInt(n, 10))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		got, err := io.Copy(h, resp.Body)
		resp.Body.Close()
		want := PatternSHA256(n)
		if err != nil || got != n || resp.Header.Get(SHA256Header) != hex.EncodeToString(want[:]) || !bytes.Equal(h.Sum(nil), want[:]) {
			t.Errorf("GET /bytes/%d: %d bytes, %v, header %s", n, got, err, resp.Header.Get(SHA256Header))
		}
	}
	up := make([]byte, 1<<20)
	FillPattern(up, 3)
	resp, err := hc.Post("http://198.18.0.2/upload", "application/octet-stream", bytes.NewReader(up))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	sum := sha256.Sum256(up)
	if want := hex.EncodeToString(sum[:]) + "  1048576 bytes\n"; string(body) != want {
		t.Errorf("upload answered %q, want %q", body, want)
	}

	// Echo: what goes in comes back, across many segments.
	ec, err := c.Dial(dst(7))
	if err != nil {
		t.Fatal(err)
	}
	msg := make([]byte, 200_000)
	FillPattern(msg, 11)
	go func() { ec.Write(msg); ec.(interface{ CloseWrite() error }).CloseWrite() }()
	echoed, err := io.ReadAll(ec)
	ec.Close()
	if err != nil || !bytes.Equal(echoed, msg) {
		t.Errorf("echo: %d of %d bytes back, %v", len(echoed), len(msg), err)
	}

	// Discard: everything is taken, nothing comes back.
	dc, err := c.Dial(dst(9))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dc.Write(msg); err != nil {
		t.Fatal(err)
	}
	dc.(interface{ CloseWrite() error }).CloseWrite()
	if b, err := io.ReadAll(dc); err != nil || len(b) != 0 {
		t.Errorf("discard sent back %d bytes, %v", len(b), err)
	}
	dc.Close()

	// UDP echo.
	uc, err := c.ListenPacket(netip.AddrPortFrom(client.Addr(), 0))
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	if _, err := uc.WriteTo([]byte("ping over udp"), net.UDPAddrFromAddrPort(dst(7))); err != nil {
		t.Fatal(err)
	}
	uc.SetReadDeadline(time.Now().Add(testenv.Patience))
	buf := make([]byte, 100)
	n, from, err := uc.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "ping over udp" || from.String() != "198.18.0.2:7" {
		t.Errorf("udp echo: %q from %v, %v", buf[:n], from, err)
	}

	// An echo connection left open is closed when the service stops.
	open, err := c.Dial(dst(7))
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	open.Write([]byte("x"))
	io.ReadFull(open, make([]byte, 1))
	for _, stop := range stops {
		stop()
	}
	open.SetReadDeadline(time.Now().Add(testenv.Patience))
	if _, err := open.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("read on an echo connection after the service stopped: %v, want EOF", err)
	}
	// Every socket the services held is closed: no listener, no bound UDP
	// socket, no connection still open on the server's side (orphans
	// finishing their close, FIN_WAIT2 or TIME_WAIT, are the stack's).
	var left []string
	for _, sk := range s.Snapshot() {
		switch {
		case sk.Proto == collect.ProtoUDP,
			sk.State == collect.StateListen, sk.State == collect.StateEstablished, sk.State == collect.StateCloseWait:
			left = append(left, sk.State.String()+" "+sk.Local.String())
		}
	}
	if diff := cmp.Diff([]string(nil), left); diff != "" {
		t.Errorf("sockets left open after every service stopped (-want +got):\n%s", diff)
	}
}

// TestIndexSaysBothEnds: the page gives the command that shows both ends
// of its connection as it was told it, escaped for HTML; told none, it
// says that --netns must name the TAP's namespace rather than claim that
// --stack alone shows both ends (issue 11).
func TestIndexSaysBothEnds(t *testing.T) {
	get := func(p Page) string {
		rec := httptest.NewRecorder()
		Handler(p).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		return rec.Body.String()
	}
	if got, want := get(Page{BothEnds: "sudo gonetstat -ano --stack --netns a<b>&"}), "run <code>sudo gonetstat -ano --stack --netns a&lt;b&gt;&amp;</code>"; !strings.Contains(got, want) {
		t.Errorf("page lacks %q:\n%s", want, got)
	}
	got := get(Page{})
	if !strings.Contains(got, "<code>sudo gonetstat -ano --stack --netns NS</code>") || strings.Contains(got, "<code>gonetstat -ano --stack</code>") {
		t.Errorf("page without a command:\n%s", got)
	}
}
