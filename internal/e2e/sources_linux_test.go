// sources_linux_test.go runs the real binary on what differs between
// sock_diag and /proc/net: bound, non-listening TCP sockets (-q) and a
// listener's backlog limit (send_queue).

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/platform/sockdiag"
)

// TestLiveBound: a TCP socket bound to a loopback port without listen or
// connect is a BOUND row of -anoq, with this process as its owner, and no
// row of -ano; where the source cannot list it, -q says so on stderr.
func TestLiveBound(t *testing.T) {
	_, port := testenv.BoundTCP(t)
	local := "127.0.0.1:" + strconv.Itoa(port)
	rowOf := func(out string) *row {
		for _, r := range parseText(t, out, true) {
			if r.Proto == "tcp" && r.Local.String() == local {
				return &r
			}
		}
		return nil
	}

	stdout, stderr, code := run(t, "-ano", "--source=netlink")
	if code != 0 {
		t.Fatalf("-ano: exit %d, stderr:\n%s", code, stderr)
	}
	if r := rowOf(stdout); r != nil {
		t.Errorf("-ano shows the bound socket: %v", r)
	}

	lists, err := sockdiag.ListsBound(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = run(t, "-anoq", "--source=netlink")
	if code != 0 {
		t.Fatalf("-anoq: exit %d, stderr:\n%s", code, stderr)
	}
	r := rowOf(stdout)
	if !lists {
		// The kernel cannot list it (before Linux 6.8): the table has
		// no such row, and stderr says why.
		if r != nil || !strings.Contains(stderr, "-q: bound, non-listening TCP sockets (BOUND) are not shown: this kernel") {
			t.Errorf("-anoq on a kernel without bound-socket dumps: row %v, stderr %q", r, stderr)
		}
		testenv.SkipWithout(t, false, "a kernel whose sock_diag lists bound TCP sockets (Linux 6.8)")
	}
	if r == nil {
		t.Fatalf("-anoq has no row for %s:\n%s", local, stdout)
	}
	if r.State != "BOUND" || r.Remote.String() != "0.0.0.0:0" || r.PID != os.Getpid() {
		t.Errorf("-anoq row %v, want BOUND, foreign 0.0.0.0:0, PID %d", r, os.Getpid())
	}
	if n := qNotes(stderr); len(n) != 0 {
		t.Errorf("-anoq over sock_diag said %q", n)
	}

	// JSON keeps the Linux name.
	stdout, _, _ = run(t, "-anq", "--json", "--source=netlink")
	if !strings.Contains(stdout, `"local_address":"127.0.0.1","local_port":`+strconv.Itoa(port)+`,"remote_address":"0.0.0.0","remote_port":0,"state":"BOUND_INACTIVE"`) {
		t.Errorf("-anq --json lacks the bound socket as BOUND_INACTIVE:\n%s", stdout)
	}

	// /proc/net cannot list it: no row, and one line on stderr saying so.
	stdout, stderr, code = run(t, "-anoq", "--source=proc")
	if code != 0 {
		t.Fatalf("-anoq --source=proc: exit %d, stderr:\n%s", code, stderr)
	}
	if r := rowOf(stdout); r != nil {
		t.Errorf("--source=proc lists the bound socket: %v", r)
	}
	if n := qNotes(stderr); len(n) != 1 || !strings.Contains(n[0], "/proc/net never lists them") {
		t.Errorf("-anoq --source=proc: stderr %q, want one line saying /proc/net cannot list bound sockets", stderr)
	}
}

// qNotes returns the lines of stderr about -q (the owner notice may be
// there too: a process beyond root's reach, as on our CI machine).
func qNotes(stderr string) []string {
	var notes []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "-q:") {
			notes = append(notes, l)
		}
	}
	return notes
}

// TestLiveListenerSendQueue: a listener's send queue is its backlog limit
// from sock_diag, and absent from /proc/net, which prints 0 for it.
func TestLiveListenerSendQueue(t *testing.T) {
	fd, port := testenv.BoundTCP(t)
	const backlog = 7
	if err := unix.Listen(fd, backlog); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		source string
		want   *uint64 // nil: no send_queue
	}{{"netlink", ptr(uint64(backlog))}, {"proc", nil}} {
		stdout, stderr, code := run(t, "-an", "-p", "tcp", "--json", "--source="+tt.source)
		if code != 0 {
			t.Fatalf("--source=%s: exit %d, stderr:\n%s", tt.source, code, stderr)
		}
		var doc struct {
			Sockets []map[string]any `json:"sockets"`
		}
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatal(err)
		}
		var found map[string]any
		for _, s := range doc.Sockets {
			if s["local_address"] == "127.0.0.1" && s["local_port"] == float64(port) {
				found = s
			}
		}
		if found == nil || found["state"] != "LISTEN" {
			t.Fatalf("--source=%s: no listener on port %d: %v", tt.source, port, found)
		}
		sq, has := found["send_queue"]
		switch {
		case tt.want == nil && has:
			t.Errorf("--source=%s: send_queue %v, want none (the source cannot give it)", tt.source, sq)
		case tt.want != nil && sq != float64(*tt.want):
			t.Errorf("--source=%s: send_queue %v, want the backlog limit %d", tt.source, sq, *tt.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
