// platform_linux_test.go tests the sock_diag -> /proc/net fallback.

package platform

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/procnet"
	"github.com/gonetstat/gonetstat/platform/sockdiag"
)

type fake struct {
	name  string
	err   error
	calls int
}

func (f *fake) Collect(context.Context, collect.Query) ([]collect.Socket, error) {
	f.calls++
	return []collect.Socket{{Source: collect.Source{Kind: f.name}}}, f.err
}

func TestFallbackOnUnavailable(t *testing.T) {
	diag := &fake{name: "diag", err: fmt.Errorf("%w: opening a NETLINK_SOCK_DIAG socket: protocol not supported", sockdiag.ErrUnavailable)}
	proc := &fake{name: "proc"}
	var notices []string
	f := &fallback{primary: diag, secondary: proc, warn: func(s string) { notices = append(notices, s) }}
	for i := 0; i < 3; i++ {
		socks, err := f.Collect(context.Background(), collect.Query{})
		if err != nil || len(socks) != 1 || socks[0].Source.Kind != "proc" {
			t.Fatalf("round %d: %v %v, want the /proc rows", i, socks, err)
		}
	}
	if diag.calls != 1 {
		t.Errorf("sock_diag tried %d times; after refusing once it must not be retried", diag.calls)
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "reading /proc/net instead") || !strings.Contains(notices[0], "protocol not supported") {
		t.Errorf("notices = %q, want one line naming the cause and the fallback", notices)
	}
}

func TestNoFallbackOnOtherErrors(t *testing.T) {
	for _, err := range []error{collect.Partial(errors.New("dump interrupted")), errors.New("sock_diag: receiving: EIO"), nil} {
		diag := &fake{name: "diag", err: err}
		proc := &fake{name: "proc"}
		f := &fallback{primary: diag, secondary: proc, warn: func(s string) { t.Errorf("unexpected notice %q", s) }}
		socks, got := f.Collect(context.Background(), collect.Query{})
		if got != err || socks[0].Source.Kind != "diag" || proc.calls != 0 {
			t.Errorf("err %v: got %v from %v; want sock_diag's answer as is", err, got, socks)
		}
	}
}

func TestSocketsConfig(t *testing.T) {
	if _, err := Sockets(Config{Source: "kernel"}); err == nil || !strings.Contains(err.Error(), `unknown source "kernel"`) {
		t.Errorf("bad source: err = %v", err)
	}
	for src, want := range map[string]string{"netlink": "platform.zoned <nil>", "proc": "<nil> *procnet.Collector", "": "platform.zoned *procnet.Collector", "auto": "platform.zoned *procnet.Collector"} {
		c, err := Sockets(Config{Source: src})
		if err != nil {
			t.Fatal(err)
		}
		f := c.(*ownNamespace).inner.(*fallback) // rows are labelled with our namespace
		if got := fmt.Sprintf("%T %T", f.primary, f.secondary); got != want {
			t.Errorf("Source %q: %s, want %s", src, got, want)
		}
	}
	c, _ := Sockets(Config{Source: SourceProc, ProcRoot: "/nonexistent"})
	if c.(*ownNamespace).inner.(*fallback).secondary.(*procnet.Collector).Root != "/nonexistent" {
		t.Error("ProcRoot not passed to procnet")
	}
}

// TestBoundNotice: -q asks for bound sockets; a source that cannot list
// them says so once, whatever the number of snapshots, and nothing is
// said without -q or when the kernel lists them.
func TestBoundNotice(t *testing.T) {
	unavailable := fmt.Errorf("%w: protocol not supported", sockdiag.ErrUnavailable)
	yes := func() (bool, error) { return true, nil }
	no := func() (bool, error) { return false, nil }
	broken := func() (bool, error) { return false, errors.New("socket: too many open files") }
	tests := []struct {
		name       string
		primary    collect.Collector // nil: --source=proc
		secondary  bool              // false: --source=netlink
		listsBound func() (bool, error)
		bound      bool
		want       []string // substrings of the notices
		notices    int      // how many lines, over three snapshots
	}{
		{"proc, -q", nil, true, yes, true, []string{"not shown: /proc/net never lists them"}, 1},
		{"proc, no -q", nil, true, yes, false, nil, 0},
		{"netlink, kernel lists them", &fake{name: "diag"}, false, yes, true, nil, 0},
		{"netlink, kernel does not", &fake{name: "diag"}, false, no, true, []string{"not shown: this kernel (Linux ", "Linux 6.8 added it"}, 1},
		{"netlink, no -q", &fake{name: "diag"}, false, no, false, nil, 0},
		{"netlink, probe fails", &fake{name: "diag"}, false, broken, true, []string{"could not tell whether this kernel lists bound", "too many open files"}, 1},
		{"auto, fell back", &fake{name: "diag", err: unavailable}, true, yes, true, []string{"reading /proc/net instead", "not shown: /proc/net never lists them"}, 2},
		{"auto, sock_diag", &fake{name: "diag"}, true, yes, true, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var notices []string
			f := &fallback{primary: tt.primary, warn: func(s string) { notices = append(notices, s) }, listsBound: tt.listsBound}
			if tt.secondary {
				f.secondary = &fake{name: "proc"}
			}
			for range 3 {
				if _, err := f.Collect(context.Background(), collect.Query{Bound: tt.bound}); err != nil {
					t.Fatal(err)
				}
			}
			joined := strings.Join(notices, "\n")
			for _, w := range tt.want {
				if !strings.Contains(joined, w) {
					t.Errorf("notices %q lack %q", notices, w)
				}
			}
			if len(notices) != tt.notices {
				t.Errorf("notices %q: want %d lines, each said once", notices, tt.notices)
			}
		})
	}
}
