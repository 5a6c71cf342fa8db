// refresh_test.go tests that an interval loop reads afresh, at every
// redisplay, what can change between two: the table (an interface renamed
// shows its new name in the zone of a link-local address) and the
// containers of the owners (a container can be renamed).

package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/collect"
)

// renaming is a collector whose interface is renamed after each Collect:
// the n-th table's link-local row carries the zone "ifN".
type renaming struct{ calls int }

func (r *renaming) Collect(context.Context, collect.Query) ([]collect.Socket, error) {
	r.calls++
	zone := fmt.Sprintf("if%d", r.calls)
	row := s(collect.ProtoUDP, "[fe80::1%"+zone+"]:546", "[::]:0", collect.StateClose, 20)
	return []collect.Socket{row}, nil
}

func TestIntervalRefreshes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFixture()
	f.after = (&ticker{t: t, want: time.Second, n: 2, cancel: cancel}).after
	coll := &renaming{}
	lookups := 0
	var stdout, stderr strings.Builder
	env := Env{
		Stdout: &stdout, Stderr: &stderr,
		Sockets: func(string, func(string)) (collect.Collector, error) { return coll, nil },
		Owners:  owners(),
		// Each snapshot's lookup names the container as it is then.
		Containers: func() func(int) (*collect.Container, error) {
			lookups++
			name := fmt.Sprintf("dns-%d", lookups)
			return func(int) (*collect.Container, error) {
				return &collect.Container{Runtime: "docker", ID: strings.Repeat("3f", 32), Name: name}, nil
			}
		},
		Hostname: func() (string, error) { return "web1", nil },
		Now:      f.now,
		After:    f.after,
		Euid:     func() int { return 0 },
	}
	if code := Run(ctx, []string{"-ano", "--ndjson", "1"}, env); code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != 3 || coll.calls != 3 || lookups != 3 {
		t.Fatalf("%d snapshots, %d collections, %d container lookups; want 3 of each:\n%s", len(lines), coll.calls, lookups, stdout.String())
	}
	for i, line := range lines {
		var doc struct {
			Sockets []struct {
				LocalAddress string `json:"local_address"`
				Container    struct {
					Name string `json:"name"`
				} `json:"container"`
			} `json:"sockets"`
		}
		if err := json.Unmarshal([]byte(line), &doc); err != nil || len(doc.Sockets) != 1 {
			t.Fatalf("snapshot %d: %v: %s", i+1, err, line)
		}
		got := doc.Sockets[0]
		if want := fmt.Sprintf("fe80::1%%if%d", i+1); got.LocalAddress != want {
			t.Errorf("snapshot %d: local_address %q, want %q (the interface's name then)", i+1, got.LocalAddress, want)
		}
		if want := fmt.Sprintf("dns-%d", i+1); got.Container.Name != want {
			t.Errorf("snapshot %d: container %q, want %q (its name then)", i+1, got.Container.Name, want)
		}
	}
}
