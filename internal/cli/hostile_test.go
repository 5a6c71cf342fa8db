// hostile_test.go runs the whole command in-process over a world where
// every name, warning and error carries hostile bytes, and checks that
// neither stdout nor stderr passes them on.

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/safetext/safetexttest"
	"github.com/gonetstat/gonetstat/stack/control"
)

// hostileEnv is an Env whose every collector answers with name in its
// strings and fails or warns with name in its errors.
func hostileEnv(name string, stdout, stderr *strings.Builder) Env {
	bad := errors.New("read " + name + ": " + name)
	zone := func(a string) netip.AddrPort {
		return netip.AddrPortFrom(netip.MustParseAddr(a).WithZone(name), 22)
	}
	row := func(inode uint64, ns string) collect.Socket {
		return collect.Socket{Source: collect.Kernel, NetNS: &collect.Namespace{Inode: 4026532000 + inode, Name: ns},
			Proto: collect.ProtoTCP, Family: collect.FamilyIPv6, State: collect.StateEstablished,
			Local: zone("fe80::1"), Remote: zone("fe80::2"), Inode: inode, TCP: &collect.TCPInfo{}}
	}
	sockets := func(warn func(string)) (collect.Collector, error) {
		warn("sock_diag said " + name)
		return &fakeSockets{socks: []collect.Socket{row(1, name), row(2, "other"+name)}, err: collect.Partial(bad)}, nil
	}
	var protos collect.ProtoCounters
	protos.Set("Tcp", name, 1)
	proc := &collect.Process{PID: 7, Name: name}
	return Env{
		Stdout: stdout, Stderr: stderr,
		Sockets: func(_ string, warn func(string)) (collect.Collector, error) { return sockets(warn) },
		Namespaces: func(spec string, _ bool, _ string, warn func(string)) (collect.Collector, error) {
			if spec != "" {
				return nil, fmt.Errorf("cannot enter network namespace %s: %w", spec, bad)
			}
			return sockets(warn)
		},
		Owners: fakeOwners{scan: collect.OwnerScan{Owners: map[uint64]*collect.Process{1: proc}, Denied: 1, DeniedExample: 9},
			err: collect.Partial(bad)},
		Containers: func() func(int) (*collect.Container, error) {
			return func(int) (*collect.Container, error) {
				return &collect.Container{Runtime: name, ID: name, Name: name, PodName: name, PodUID: name}, nil
			}
		},
		Names: func(bool) Namer { return hostileNamer{name} },
		// A host name is the kernel's (sethostname takes any bytes).
		Hostname: func() (string, error) { return name, nil },
		Now:      func() time.Time { return time.Unix(1700000000, 0) },
		After:    time.After,
		Euid:     func() int { return 1000 },
		StackDir: func() (string, error) { return "/run/gonetstat/" + name, nil },
		Stacks: func(context.Context, string) ([]control.Reply, []error) {
			s := row(3, "")
			s.Source = collect.Source{Kind: "stack", Name: name}
			s.Stack = &collect.StackInfo{FD: 3}
			return []control.Reply{{Path: name, Sockets: []collect.Socket{s}}}, []error{&control.StackError{Path: name, Name: name, Err: bad}}
		},
		Interfaces: func(_ context.Context, ns string) ([]collect.InterfaceCounters, error) {
			if ns != "" {
				return nil, fmt.Errorf("network namespace %s: %w", ns, bad)
			}
			return []collect.InterfaceCounters{{Name: name}}, nil
		},
		Protocols: func(_ context.Context, ns string) (collect.ProtoCounters, error) {
			if ns != "" {
				return protos, fmt.Errorf("network namespace %s: %w", ns, bad)
			}
			return protos, nil
		},
		Routes: func(context.Context, string) (collect.RouteTable, error) {
			return collect.RouteTable{
				Interfaces: []collect.Interface{{Index: 2, Name: name, Up: true}},
				IPv4:       []collect.Route{{Dst: netip.MustParsePrefix("198.18.0.0/15"), IfIndex: 2, IfName: name, Table: collect.RouteTableMain}},
			}, collect.PartialOf("routing table", bad)
		},
	}
}

// hostileNamer is DNS and the services file answering name for
// everything.
type hostileNamer struct{ name string }

func (n hostileNamer) Endpoint(netip.AddrPort, collect.Proto, bool) string {
	return n.name + ":" + n.name
}
func (hostileNamer) Prepare(context.Context, []collect.Socket) {}

// TestHostileNamesCLI: whatever names and errors the world holds, every
// line on stdout and stderr is safe (safetext.Safe), JSON is valid, and
// every stderr line is one of gonetstat's own, never a forged one.
func TestHostileNamesCLI(t *testing.T) {
	for _, name := range safetexttest.Names {
		for _, args := range [][]string{
			{"-anob"},
			{"-an"},
			{"-ano", "--all-netns"},
			{"-ano", "--all-netns", "--json"},
			{"-ano", "--ndjson"},
			{"-ano", "--stack"},
			{"-ano", "--info", "--stack"},
			{"-r"}, {"-e"}, {"-s"},
			{"-e", "--netns", name}, {"-s", "--netns", name},
			{"-res", "--json"},
			{"-r", "--ndjson"},
			{"-an", "--netns", name},
			{"--bogus" + name},
			{"stack", "run", "--tap", name, "--addr", name},
			{"stack", name},
		} {
			var stdout, stderr strings.Builder
			code := Run(context.Background(), args, hostileEnv(name, &stdout, &stderr))
			what := fmt.Sprintf("%q", args)
			// -e and -s alone read counters that neither warn nor fail.
			quiet := len(args) == 1 && (args[0] == "-e" || args[0] == "-s")
			if code == 0 && !quiet {
				t.Errorf("%s: exit 0, but the world warned", what)
			}
			safetexttest.CheckLines(t, what+" stdout", []byte(stdout.String()))
			safetexttest.CheckLines(t, what+" stderr", []byte(stderr.String()))
			if strings.Contains(strings.Join(args, " "), "json") && !json.Valid([]byte(stdout.String())) {
				t.Errorf("%s: invalid JSON %q", what, stdout.String())
			}
			lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			for i, line := range lines {
				if !strings.HasPrefix(line, "gonetstat") && !strings.HasPrefix(line, "Try 'gonetstat") && line != "" {
					t.Errorf("%s: stderr line %d is not gonetstat's: %q", what, i+1, line)
				}
			}
			if stderr.Len() == 0 && !quiet {
				t.Errorf("%s: nothing on stderr", what)
			}
		}
	}
}
