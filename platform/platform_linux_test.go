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
	for src, want := range map[string]string{"netlink": "*sockdiag.Collector", "proc": "*procnet.Collector", "": "*platform.fallback", "auto": "*platform.fallback"} {
		c, err := Sockets(Config{Source: src})
		if own, ok := c.(*ownNamespace); ok {
			c = own.inner // rows are labelled with our namespace
		}
		if err != nil || fmt.Sprintf("%T", c) != want {
			t.Errorf("Source %q: %T %v, want %s", src, c, err, want)
		}
	}
	c, _ := Sockets(Config{Source: SourceProc, ProcRoot: "/nonexistent"})
	if c.(*ownNamespace).inner.(*procnet.Collector).Root != "/nonexistent" {
		t.Error("ProcRoot not passed to procnet")
	}
}
