// netns_test.go tests --netns and --all-netns: the grammar, the wiring to
// the namespace collector, the Namespace column and container labels.

package cli

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
)

func TestNetNSUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--netns", ".."}, "--netns: bad network namespace \"..\": not a namespace name"},
		{[]string{"--netns="}, "--netns: bad network namespace: empty value"},
		{[]string{"--netns", "0"}, "a PID is a whole number from 1 to 4194304"},
		{[]string{"--netns", "a", "--all-netns"}, "--netns and --all-netns cannot be used together"},
		{[]string{"--netns"}, "flag needs an argument: --netns"},
		{[]string{"--all-netns=maybe"}, "all-netns"},
	} {
		r := newFixture().run(context.Background(), tt.args)
		if r.code != exitUsage || r.stdout != "" || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%q: %v; want exit 2 saying %q", tt.args, r, tt.want)
		}
	}
	for _, ok := range [][]string{{"--netns", "gnst-ns-a"}, {"--netns", "/proc/1/ns/net"}, {"--netns=812"}, {"--all-netns"}} {
		if _, err := Parse(ok); err != nil {
			t.Errorf("Parse(%q): %v", ok, err)
		}
	}
}

// nsFixture runs args with a namespace collector returning socks and err.
func nsFixture(t *testing.T, args []string, socks []collect.Socket, err error, containers func(int) (*collect.Container, error)) result {
	t.Helper()
	var stdout, stderr strings.Builder
	ns := &fakeSockets{socks: socks, err: err}
	var lookup func() func(int) (*collect.Container, error)
	if containers != nil {
		lookup = func() func(int) (*collect.Container, error) { return containers }
	}
	env := Env{
		Stdout: &stdout, Stderr: &stderr,
		Sockets: func(string, func(string)) (collect.Collector, error) {
			t.Error("--netns/--all-netns must not read our own namespace's collector")
			return &fakeSockets{}, nil
		},
		Namespaces: func(spec string, all bool, source string, warn func(string)) (collect.Collector, error) {
			if spec == "" && !all {
				t.Errorf("Namespaces called without a namespace")
			}
			if spec == "gnst-ns-missing" {
				return nil, errors.New("never reached: the collector reports a missing namespace when collecting")
			}
			return ns, nil
		},
		Containers: lookup,
		Owners:     owners(),
		Hostname:   func() (string, error) { return "web1", nil },
		Now:        newFixture().now,
		Euid:       func() int { return 0 },
	}
	code := Run(context.Background(), args, env)
	return result{code, stdout.String(), stderr.String()}
}

func nsTable() []collect.Socket {
	tcp, udp := collect.ProtoTCP, collect.ProtoUDP
	host := s(tcp, "0.0.0.0:22", "0.0.0.0:0", collect.StateListen, 10)
	host.NetNS = &collect.Namespace{Inode: 4026531840}
	a := s(tcp, "127.0.0.1:5432", "0.0.0.0:0", collect.StateListen, 12)
	a.NetNS = &collect.Namespace{Inode: 4026532712, Name: "gnst-ns-a"}
	b := s(tcp, "127.0.0.1:5432", "0.0.0.0:0", collect.StateListen, 20)
	b.NetNS = &collect.Namespace{Inode: 4026532890}
	bu := s(udp, "127.0.0.1:53", "0.0.0.0:0", collect.StateClose, 21)
	bu.NetNS = &collect.Namespace{Inode: 4026532890}
	return []collect.Socket{b, a, host, bu}
}

func TestAllNetNSGolden(t *testing.T) {
	id := strings.Repeat("3f", 32)
	containers := func(pid int) (*collect.Container, error) {
		switch pid {
		case 455:
			return &collect.Container{Runtime: "docker", ID: id, Name: "pg-main"}, nil
		case 900:
			return nil, errors.New("reading the cgroup of PID 900: permission denied")
		}
		return nil, nil
	}
	partial := collect.Partial(errors.New("entering network namespace gnst-ns-c: operation not permitted (entering another network namespace needs CAP_SYS_ADMIN: run as root)"))
	golden(t, "all_netns", nsFixture(t, []string{"-ano", "--all-netns"}, nsTable(), partial, containers))
	golden(t, "all_netns_json", nsFixture(t, []string{"-ano", "--all-netns", "--ndjson"}, nsTable(), nil, containers))
}

func TestNetNSOneNamespaceNoColumn(t *testing.T) {
	var one []collect.Socket
	for _, s := range nsTable() {
		if s.NetNSName() == "gnst-ns-a" {
			one = append(one, s)
		}
	}
	r := nsFixture(t, []string{"-ano", "--netns", "gnst-ns-a"}, one, nil, nil)
	if r.code != exitOK || strings.Contains(r.stdout, "Namespace") || !strings.Contains(r.stdout, "127.0.0.1:5432") {
		t.Errorf("one namespace: %v; want its rows without a Namespace column", r)
	}
}

func TestNetNSFailures(t *testing.T) {
	r := nsFixture(t, []string{"-an", "--netns", "gnst-ns-b"}, nil, errors.New(`opening network namespace gnst-ns-b: no /run/netns/gnst-ns-b (`+"`ip netns list`"+` shows the names)`), nil)
	if r.code != exitFailure || r.stdout != "" || !strings.Contains(r.stderr, "no /run/netns/gnst-ns-b") {
		t.Errorf("missing namespace: %v", r)
	}
	var stderr strings.Builder
	code := Run(context.Background(), []string{"--all-netns"}, Env{Stdout: &strings.Builder{}, Stderr: &stderr})
	if code != exitFailure || !strings.Contains(stderr.String(), "network namespaces exist only on Linux") {
		t.Errorf("no namespace support: exit %d, %q", code, stderr.String())
	}
}
