// netns_linux_test.go collects sockets opened inside namespaces the test
// makes, through --all-netns and --netns, from both sources.

package platform

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/platform/netns"
)

// nsWithListener makes a namespace (removed at cleanup), brings its lo up
// and opens a TCP listener and a UDP socket inside it on fixed ports, the
// same in every namespace, which only separate stacks allow.
func nsWithListener(t *testing.T, suffix string) netns.Namespace {
	t.Helper()
	testenv.SkipUnlessRoot(t)
	_, err := exec.LookPath("ip")
	testenv.SkipWithout(t, err == nil, "the ip command (iproute2)")
	name := fmt.Sprintf("gnst-ns-p%d-%s", os.Getpid(), suffix)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "delete", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns delete %s: %v\n%s", name, err, out)
		}
	})
	if out, err := exec.Command("ip", "-n", name, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("lo up in %s: %v\n%s", name, err, out)
	}
	ns, err := netns.Open(netns.Roots{}, netns.Spec{Kind: netns.ByName, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	// A socket belongs to the namespace of the thread that creates it.
	if err := netns.Do(netns.Roots{}, ns, func() error {
		ln, err := net.Listen("tcp", "127.0.0.1:15432")
		if err != nil {
			return err
		}
		t.Cleanup(func() { ln.Close() })
		pc, err := net.ListenPacket("udp", "127.0.0.1:15353")
		if err != nil {
			return err
		}
		t.Cleanup(func() { pc.Close() })
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ns
}

// ours returns "proto local ns-name" for the test's sockets in socks.
func ours(socks []collect.Socket, inodes map[uint64]string) []string {
	var got []string
	for _, s := range socks {
		name, ok := inodes[s.NetNSInode()]
		if !ok || s.Local.Addr() != netip.MustParseAddr("127.0.0.1") || s.Local.Port() != 15432 && s.Local.Port() != 15353 {
			continue
		}
		if s.NetNSName() != name {
			name += " (labelled " + s.NetNSName() + ")"
		}
		got = append(got, fmt.Sprintf("%v %v %s", s.Proto, s.Local, name))
	}
	return got
}

func TestIntegrationNamespaces(t *testing.T) {
	a, b := nsWithListener(t, "a"), nsWithListener(t, "b")
	inodes := map[uint64]string{a.Inode: a.Name, b.Inode: b.Name}
	for _, src := range []string{SourceNetlink, SourceProc} {
		c, err := Sockets(Config{Source: src, AllNetNS: true})
		if err != nil {
			t.Fatal(err)
		}
		socks, err := c.Collect(context.Background(), collect.Query{})
		if err != nil {
			t.Fatalf("--all-netns --source=%s: %v", src, err)
		}
		got := ours(socks, inodes)
		for _, ns := range []netns.Namespace{a, b} {
			for _, want := range []string{"tcp 127.0.0.1:15432 " + ns.Name, "udp 127.0.0.1:15353 " + ns.Name} {
				if !slices.Contains(got, want) {
					t.Errorf("--all-netns --source=%s: no %q in %q", src, want, got)
				}
			}
		}
		self, _ := netns.Self(netns.Roots{})
		for _, s := range socks {
			if s.NetNS == nil || s.NetNS.Inode == 0 {
				t.Fatalf("--all-netns --source=%s: a row without a namespace: %+v", src, s)
			}
			if s.NetNSInode() == self.Inode && s.Local.Port() == 15432 {
				t.Errorf("--source=%s: the test's port shows in our own namespace", src)
			}
		}

		c, err = Sockets(Config{Source: src, NetNS: b.Name})
		if err != nil {
			t.Fatal(err)
		}
		socks, err = c.Collect(context.Background(), collect.Query{})
		if err != nil {
			t.Fatalf("--netns %s --source=%s: %v", b.Name, src, err)
		}
		for _, s := range socks {
			if s.NetNSInode() != b.Inode || s.NetNSName() != b.Name {
				t.Errorf("--netns %s: row from namespace %d %q", b.Name, s.NetNSInode(), s.NetNSName())
			}
		}
		if got := ours(socks, inodes); len(got) != 2 {
			t.Errorf("--netns %s --source=%s: test sockets %q, want its two", b.Name, src, got)
		}
	}
}

func TestNamespaceErrors(t *testing.T) {
	if _, err := Sockets(Config{NetNS: "x", AllNetNS: true}); err == nil || !strings.Contains(err.Error(), "cannot be used together") {
		t.Errorf("both: %v", err)
	}
	if _, err := Sockets(Config{NetNS: ".."}); err == nil || !strings.Contains(err.Error(), "not a namespace name") {
		t.Errorf("bad spec: %v", err)
	}
	c, err := Sockets(Config{NetNS: "gnst-ns-no-such-namespace"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Collect(context.Background(), collect.Query{}); err == nil || collect.IsPartial(err) || !strings.Contains(err.Error(), "ip netns list") {
		t.Errorf("missing namespace: %v, want a full error with a hint", err)
	}
}
