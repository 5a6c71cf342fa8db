// http.go is the built-in web server: GET /, GET /bytes/N and POST
// /upload, served by net/http over whatever listener it is given.

package services

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gonetstat/gonetstat/internal/safetext"
)

// MaxBytes bounds GET /bytes/N: 1 GiB, so a typo cannot keep a stack busy
// for an hour.
const MaxBytes = 1 << 30

// SHA256Header carries the hex SHA-256 of a /bytes body, and of an
// /upload body in the answer.
const SHA256Header = "X-Content-SHA256"

// Page is what GET / tells its reader beyond what every stack's page
// says.
type Page struct {
	// BothEnds is the exact command that shows this stack's sockets beside
	// the kernel's ends of the same connections (gonetstat -ano --stack,
	// with --netns naming the namespace of the TAP's kernel side when that
	// is not the host's); "" when the caller does not know it.
	BothEnds string
}

// Handler returns the HTTP service's routes.
func Handler(p Page) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", p.index)
	mux.HandleFunc("GET /bytes/{n}", bytesN)
	mux.HandleFunc("POST /upload", upload)
	return mux
}

const indexPage = `<!doctype html>
<title>gonetstat mini-stack</title>
<h1>gonetstat mini-stack</h1>
<p>This page was served by gonetstat's own userspace TCP/IP stack, not by
the kernel: net/http runs on the mini-stack's sockets, over a TAP device.
<ul>
<li><code>GET /bytes/N</code>: N deterministic bytes (N at most %d), with their SHA-256 in the X-Content-SHA256 header
<li><code>POST /upload</code>: answers the SHA-256 of the body
</ul>
`

// bothEndsUnknown is said when the page was not told the command: the
// table shows one namespace's kernel sockets, so --stack alone misses the
// kernel's ends when the TAP is in another.
const bothEndsUnknown = `<p>To see this connection from both ends, the kernel's socket and the
mini-stack's, run <code>sudo gonetstat -ano --stack --netns NS</code> with NS the network namespace
of this TAP's kernel side (<code>--all-netns</code> shows every namespace); without
<code>--netns</code> the table holds the kernel sockets of the namespace it runs in.
`

func (p Page) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, indexPage, MaxBytes)
	if p.BothEnds == "" {
		io.WriteString(w, bothEndsUnknown)
		return
	}
	fmt.Fprintf(w, "<p>To see this connection from both ends, the kernel's socket and the\nmini-stack's, run <code>%s</code>\n", html.EscapeString(safetext.Text(p.BothEnds)))
}

func bytesN(w http.ResponseWriter, r *http.Request) {
	s := r.PathValue("n")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		http.Error(w, fmt.Sprintf("/bytes/N: N must be a whole number of bytes, not %q", s), http.StatusBadRequest)
		return
	}
	if n > MaxBytes {
		http.Error(w, fmt.Sprintf("/bytes/N: N=%d is over the limit of %d bytes", n, MaxBytes), http.StatusBadRequest)
		return
	}
	// The hash goes in a header, so it is computed before the body is
	// sent: the pattern is generated twice rather than held in memory.
	sum := PatternSHA256(n)
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	h.Set(SHA256Header, hex.EncodeToString(sum[:]))
	if r.Method == http.MethodHead {
		return
	}
	buf := make([]byte, 64<<10)
	io.CopyBuffer(w, NewPatternReader(n), buf)
}

func upload(w http.ResponseWriter, r *http.Request) {
	h := sha256.New()
	n, err := io.CopyBuffer(h, r.Body, make([]byte, 64<<10))
	if err != nil {
		http.Error(w, fmt.Sprintf("reading the upload after %d bytes: %v", n, err), http.StatusBadRequest)
		return
	}
	sum := hex.EncodeToString(h.Sum(nil))
	w.Header().Set(SHA256Header, sum)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "%s  %d bytes\n", sum, n)
}

// HTTP serves Handler(p) on l until ctx ends, then closes l and every
// connection (waiting up to 5 s for requests in flight) and returns nil;
// an error means the listener failed first.
func HTTP(ctx context.Context, l net.Listener, p Page) error {
	srv := &http.Server{
		Handler:           Handler(p),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       time.Minute,
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		return fmt.Errorf("http on %v: %w", l.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http on %v: %w", l.Addr(), err)
	}
	return nil
}
