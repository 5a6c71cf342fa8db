// bound_test.go tests -q: bound, non-listening TCP sockets are BOUND rows
// with it, and no rows without it, whatever the source returned.

package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
)

func TestBoundSockets(t *testing.T) {
	bound := s(collect.ProtoTCP, "127.0.0.1:6000", "0.0.0.0:0", collect.StateBoundInactive, 30)
	const row = "  TCP    127.0.0.1:6000         0.0.0.0:0              BOUND"
	for _, tt := range []struct {
		args      []string
		want      string // a line of stdout; "" when the socket must not show
		wantQuery bool
		listeners bool // the listeners show (-q includes what -a shows)
	}{
		{[]string{"-an"}, "", false, true},
		{[]string{"-n"}, "", false, false},
		{[]string{"-anq"}, row, true, true},
		{[]string{"-nq"}, row, true, true},
		{[]string{"-nlq"}, row, true, true},
		{[]string{"-anq", "-p", "udp"}, "", true, false},
		{[]string{"-anq", "--json"}, `"local_port":6000,"remote_address":"0.0.0.0","remote_port":0,"state":"BOUND_INACTIVE"`, true, true},
		{[]string{"-an", "--json"}, "", false, true},
	} {
		f := newFixture()
		f.sockets.socks = append(f.sockets.socks, bound)
		r := f.run(context.Background(), tt.args)
		if r.code != exitOK {
			t.Fatalf("%q: %v", tt.args, r)
		}
		shows := strings.Contains(r.stdout, ":6000")
		switch {
		case tt.want == "" && shows:
			t.Errorf("%q shows the bound socket:\n%s", tt.args, r.stdout)
		case tt.want != "" && !strings.Contains(r.stdout, tt.want):
			t.Errorf("%q: no %q in\n%s", tt.args, tt.want, r.stdout)
		}
		if f.sockets.last.Bound != tt.wantQuery {
			t.Errorf("%q: Query.Bound = %v, want %v", tt.args, f.sockets.last.Bound, tt.wantQuery)
		}
		if listeners := strings.Contains(r.stdout, "0.0.0.0:22 ") || strings.Contains(r.stdout, `"local_port":22,"remote_address":"0.0.0.0"`); listeners != tt.listeners {
			t.Errorf("%q: sshd's listener shown: %v, want %v:\n%s", tt.args, listeners, tt.listeners, r.stdout)
		}
	}
}
