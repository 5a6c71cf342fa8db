// zone_linux_test.go tests that the IPv6 zone of a link-local row is named
// afresh in every snapshot: an interface renamed between two Collects of
// one collector shows its new name in the second.

package platform

import (
	"context"
	"net"
	"net/netip"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
)

// linkLocalOnVeth makes a namespace with a veth pair whose first end has
// fe80::1 (without duplicate address detection, so it is usable at once),
// and opens there a UDP socket bound to it. It returns the namespace, the
// interface's name and the socket's port.
func linkLocalOnVeth(t *testing.T) (ns, ifname string, port uint16) {
	t.Helper()
	ns = testenv.NewNetns(t, "gnst-zone-")
	ifname, peer := testenv.RandName("gz", 8), testenv.RandName("gz", 8)
	testenv.Run(t, "ip", "-n", ns, "link", "add", ifname, "type", "veth", "peer", "name", peer)
	testenv.Run(t, "ip", "-n", ns, "addr", "add", "fe80::1/64", "dev", ifname, "nodad")
	testenv.Run(t, "ip", "-n", ns, "link", "set", ifname, "up")
	testenv.Run(t, "ip", "-n", ns, "link", "set", peer, "up")
	testenv.InNetns(t, ns, func() {
		pc, err := net.ListenPacket("udp6", "[fe80::1%"+ifname+"]:0")
		if err != nil {
			t.Fatalf("binding fe80::1%%%s: %v", ifname, err)
		}
		t.Cleanup(func() { pc.Close() })
		port = pc.LocalAddr().(*net.UDPAddr).AddrPort().Port()
	})
	return ns, ifname, port
}

// rename renames an interface of ns: a link must be down to be renamed.
func rename(t *testing.T, ns, from, to string) {
	t.Helper()
	testenv.Run(t, "ip", "-n", ns, "link", "set", from, "down")
	testenv.Run(t, "ip", "-n", ns, "link", "set", from, "name", to)
	testenv.Run(t, "ip", "-n", ns, "link", "set", to, "up")
}

// zoneOf returns the zone of the row bound to fe80::1 on port.
func zoneOf(t *testing.T, socks []collect.Socket, port uint16) string {
	t.Helper()
	for _, s := range socks {
		if s.Proto == collect.ProtoUDP && s.Local.Port() == port && s.Local.Addr().WithZone("") == netip.MustParseAddr("fe80::1") {
			return s.Local.Addr().Zone()
		}
	}
	t.Fatalf("no row for [fe80::1]:%d among %d", port, len(socks))
	return ""
}

func TestIntegrationZoneRename(t *testing.T) {
	ns, ifname, port := linkLocalOnVeth(t)
	renamed := testenv.RandName("gz", 8)

	// The collectors of --netns and of our own namespace (run on a thread
	// inside the test's namespace), each made once and asked twice, as an
	// interval loop does.
	viaNetNS, err := Sockets(Config{Source: SourceNetlink, NetNS: ns})
	if err != nil {
		t.Fatal(err)
	}
	own, err := Sockets(Config{Source: SourceNetlink})
	if err != nil {
		t.Fatal(err)
	}
	collectBoth := func() (netnsZone, ownZone string) {
		t.Helper()
		socks, err := viaNetNS.Collect(context.Background(), collect.Query{Kinds: collect.UDP6})
		if err != nil {
			t.Fatal(err)
		}
		netnsZone = zoneOf(t, socks, port)
		testenv.InNetns(t, ns, func() {
			socks, err = own.Collect(context.Background(), collect.Query{Kinds: collect.UDP6})
		})
		if err != nil {
			t.Fatal(err)
		}
		return netnsZone, zoneOf(t, socks, port)
	}

	if a, b := collectBoth(); a != ifname || b != ifname {
		t.Fatalf("before the rename: zones %q (--netns) and %q (own), want %q", a, b, ifname)
	}
	rename(t, ns, ifname, renamed)
	if a, b := collectBoth(); a != renamed || b != renamed {
		t.Errorf("after renaming %s to %s: zones %q (--netns) and %q (own), want the new name", ifname, renamed, a, b)
	}
}
