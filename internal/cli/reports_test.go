// reports_test.go runs -e in-process with fake counters: the wiring,
// --netns, failures and the interval.

package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/collect"
)

// fakeInterfaces is a host with loopback, one NIC and a bridge.
func fakeInterfaces() []collect.InterfaceCounters {
	return []collect.InterfaceCounters{
		{Name: "lo", Loopback: true, RxBytes: 204353, RxPackets: 3192, TxBytes: 204353, TxPackets: 3192},
		{Name: "eth0", RxBytes: 55257100, RxPackets: 41708, RxErrors: 2, RxDrops: 7, RxMulticast: 310,
			TxBytes: 139008, TxPackets: 1324, TxDrops: 1},
		{Name: "br0", RxBytes: 1000, RxPackets: 10, RxMulticast: 4, TxBytes: 2000, TxPackets: 20, TxErrors: 3},
	}
}

func TestReportsGolden(t *testing.T) {
	for _, tt := range []struct {
		name  string
		args  []string
		setup func(*fixture)
	}{
		{name: "stats_e", args: []string{"-e"}},
		{name: "stats_e_fails", args: []string{"-e"}, setup: func(f *fixture) {
			f.interfaces = func(string) ([]collect.InterfaceCounters, error) {
				return nil, &fs.PathError{Op: "open", Path: "/proc/self/net/dev", Err: fs.ErrPermission}
			}
		}},
		{name: "stats_e_ano", args: []string{"-anobf", "-e"}},
		{name: "usage_r", args: []string{"-r"}},
		{name: "usage_ethernet_json", args: []string{"-e", "--json"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			f.sockets.err = errors.New("the socket table must not be read")
			if tt.setup != nil {
				tt.setup(f)
			}
			r := f.run(context.Background(), tt.args)
			if f.sockets.calls != 0 {
				t.Errorf("the socket table was read %d times", f.sockets.calls)
			}
			golden(t, tt.name, r)
		})
	}
}

// TestReportsNetNS: --netns reaches the counters' reader.
func TestReportsNetNS(t *testing.T) {
	f := newFixture()
	var asked []string
	f.interfaces = func(ns string) ([]collect.InterfaceCounters, error) {
		asked = append(asked, "e:"+ns)
		return fakeInterfaces(), nil
	}
	r := f.run(context.Background(), []string{"-e", "--netns", "gnst-blue"})
	if r.code != exitOK || fmt.Sprint(asked) != "[e:gnst-blue]" {
		t.Errorf("asked %v, exit %d:\n%v", asked, r.code, r)
	}
}

// TestReportsUnsupported: an OS without the readers says so, exit 1.
func TestReportsUnsupported(t *testing.T) {
	unsupported := fmt.Errorf("interface statistics on plan9: %w", collect.ErrUnsupported)
	for _, tt := range []struct {
		args  []string
		setup func(*fixture)
		want  string
	}{
		{[]string{"-e"}, func(f *fixture) {
			f.interfaces = func(string) ([]collect.InterfaceCounters, error) { return nil, unsupported }
		}, "gonetstat: -e is not available on " + runtime.GOOS + "\n"},
		{[]string{"-e"}, func(f *fixture) { f.interfaces = nil }, "gonetstat: -e is not available on " + runtime.GOOS + "\n"},
	} {
		f := newFixture()
		tt.setup(f)
		r := f.run(context.Background(), tt.args)
		if r.code != exitFailure || r.stdout != "" || r.stderr != tt.want {
			t.Errorf("%q: %v; want exit 1 and %q", tt.args, r, tt.want)
		}
	}
}

// TestReportsInterval redisplays -e every interval until Ctrl-C, exit 0,
// reading the counters afresh each time; and a failed read in the loop
// makes the exit 1.
func TestReportsInterval(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFixture()
	f.after = (&ticker{t: t, want: 5 * time.Second, n: 2, cancel: cancel}).after
	reads := 0
	f.interfaces = func(string) ([]collect.InterfaceCounters, error) {
		reads++
		ifs := fakeInterfaces()
		ifs[1].RxBytes += uint64(reads) // traffic between the reads
		return ifs, nil
	}
	r := f.run(ctx, []string{"-e", "5"})
	if r.code != exitOK || reads != 3 || strings.Count(r.stdout, "Interface Statistics") != 3 {
		t.Fatalf("exit %d, %d reads, want 0 and 3:\n%v", r.code, reads, r)
	}
	for i := 1; i <= 3; i++ {
		if want := fmt.Sprintf("Bytes %*d", 29, 55258100+i); !strings.Contains(r.stdout, want) {
			t.Errorf("report %d: no %q:\n%s", i, want, r.stdout)
		}
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	f = newFixture()
	f.after = (&ticker{t: t, want: time.Second, n: 1, cancel: cancel}).after
	reads = 0
	f.interfaces = func(string) ([]collect.InterfaceCounters, error) {
		reads++
		if reads == 1 {
			return nil, errors.New("reading /proc/self/net/dev: input/output error")
		}
		return fakeInterfaces(), nil
	}
	r = f.run(ctx, []string{"-e", "1"})
	if r.code != exitFailure || reads != 2 || strings.Count(r.stdout, "Interface Statistics") != 1 {
		t.Errorf("exit %d, %d reads, want 1 and 2:\n%v", r.code, reads, r)
	}
}
