// routes_linux_test.go reads the routing table of a namespace the test
// builds and checks it against what ip(8) lists there.

package platform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// ipRoute is the part of `ip -j route` output the test compares.
type ipRoute struct {
	Type    string `json:"type"`
	Dst     string `json:"dst"`
	Gateway string `json:"gateway"`
	Dev     string `json:"dev"`
	Metric  uint32 `json:"metric"`
}

// routeKey is what both sides must agree on, one string a route.
func routeKey(typ, dst, gw, dev string, metric uint32) string {
	return fmt.Sprintf("%s %s via %s dev %s metric %d", typ, dst, gw, dev, metric)
}

// ipRoutes lists the main table of ns as ip does, for family "-4" or "-6".
func ipRoutes(t *testing.T, ns, family string) []string {
	t.Helper()
	out := testenv.Run(t, "ip", "-j", family, "-n", ns, "route", "show", "table", "main")
	var rs []ipRoute
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatalf("ip -j route: %v\n%s", err, out)
	}
	var keys []string
	for _, r := range rs {
		dst := r.Dst
		switch {
		case dst == "default" && family == "-4":
			dst = "0.0.0.0/0"
		case dst == "default":
			dst = "::/0"
		case !strings.Contains(dst, "/") && family == "-4":
			dst += "/32" // ip prints a host route without its length
		case !strings.Contains(dst, "/"):
			dst += "/128"
		}
		typ := r.Type
		if typ == "" {
			typ = "unicast"
		}
		gw := r.Gateway
		if gw == "" {
			gw = "on-link"
		}
		keys = append(keys, routeKey(typ, dst, gw, r.Dev, r.Metric))
	}
	slices.Sort(keys)
	return keys
}

// ourRoutes lists the main-table routes of one family as the same keys.
func ourRoutes(rs []collect.Route) []string {
	var keys []string
	for _, r := range rs {
		if r.Table != collect.RouteTableMain {
			continue
		}
		gw := "on-link"
		if r.Gateway.IsValid() {
			gw = r.Gateway.String()
		}
		keys = append(keys, routeKey(r.Type.String(), r.Dst.String(), gw, r.IfName, r.Metric))
	}
	slices.Sort(keys)
	return keys
}

func TestIntegrationRoutesNetNS(t *testing.T) {
	testenv.SkipUnlessRoot(t)
	_, err := exec.LookPath("ip")
	testenv.SkipWithout(t, err == nil, "the ip command (iproute2)")
	ns := fmt.Sprintf("gnst-rt-%d", os.Getpid())
	testenv.Run(t, "ip", "netns", "add", ns)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "delete", ns).CombinedOutput(); err != nil {
			t.Errorf("ip netns delete %s: %v\n%s", ns, err, out)
		}
	})
	const dev, peer = "gnst-rt0", "gnst-rt1"
	for _, args := range [][]string{
		{"link", "set", "lo", "up"},
		// A veth pair inside the namespace (this kernel has no dummy
		// driver); the peer only brings the carrier up.
		{"link", "add", dev, "type", "veth", "peer", "name", peer},
		{"addr", "add", "198.18.5.1/24", "dev", dev},
		{"-6", "addr", "add", "fd00:5::1/64", "dev", dev, "nodad"},
		{"link", "set", dev, "up"},
		{"link", "set", peer, "up"},
		{"route", "add", "198.18.6.0/24", "via", "198.18.5.2", "metric", "7"},
		{"-6", "route", "add", "fd00:6::/64", "via", "fd00:5::2", "metric", "9"},
		{"route", "add", "unreachable", "198.18.7.0/24"},
		// A route through a nexthop object (ip nexthop, kernel 5.3+).
		{"nexthop", "add", "id", "5", "via", "198.18.5.2", "dev", dev},
		{"route", "add", "198.18.8.0/24", "nhid", "5"},
	} {
		testenv.Run(t, "ip", append([]string{"-n", ns}, args...)...)
	}

	// The kernel adds some routes (fe80::/64) on its own time after the
	// link comes up: compare until both sides agree (the event), and
	// report the last difference if they never do.
	var tab collect.RouteTable
	var want4, want6, got4, got6 []string
	testenv.Poll(func() bool {
		want4, want6 = ipRoutes(t, ns, "-4"), ipRoutes(t, ns, "-6")
		tab, err = Routes(context.Background(), Config{NetNS: ns})
		if err != nil {
			t.Fatal(err)
		}
		got4, got6 = ourRoutes(tab.IPv4), ourRoutes(tab.IPv6)
		return slices.Equal(want4, got4) && slices.Equal(want6, got6) && slices.Equal(want6, ipRoutes(t, ns, "-6"))
	})
	if !slices.Equal(want4, got4) {
		t.Errorf("IPv4 main table:\nip:     %q\nRoutes: %q", want4, got4)
	}
	if !slices.Equal(want6, got6) {
		t.Errorf("IPv6 main table:\nip:     %q\nRoutes: %q", want6, got6)
	}
	// What the test added is there, not only what ip agrees on.
	for _, k := range []string{
		routeKey("unicast", "198.18.6.0/24", "198.18.5.2", dev, 7),
		routeKey("unicast", "198.18.5.0/24", "on-link", dev, 0),
		routeKey("unreachable", "198.18.7.0/24", "on-link", "", 0),
		routeKey("unicast", "198.18.8.0/24", "198.18.5.2", dev, 0),
	} {
		if !slices.Contains(got4, k) {
			t.Errorf("no %q in %q", k, got4)
		}
	}
	for _, k := range []string{
		routeKey("unicast", "fd00:6::/64", "fd00:5::2", dev, 9),
		routeKey("unicast", "fd00:5::/64", "on-link", dev, 256),
	} {
		if !slices.Contains(got6, k) {
			t.Errorf("no %q in %q", k, got6)
		}
	}

	// The namespace's interfaces, not ours: lo and the pair only.
	var names []string
	for _, ifc := range tab.Interfaces {
		names = append(names, ifc.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{dev, peer, "lo"}) {
		t.Fatalf("interfaces %q, want lo, %s and %s", names, dev, peer)
	}
	var ifc collect.Interface
	for _, i := range tab.Interfaces {
		if i.Name == dev {
			ifc = i
		}
	}
	if len(ifc.MAC) != 6 || !ifc.Up {
		t.Errorf("%s: MAC %v, up %v", dev, ifc.MAC, ifc.Up)
	}
	var addrs []string
	for _, a := range ifc.Addrs {
		addrs = append(addrs, a.Prefix.String())
	}
	if !slices.Contains(addrs, "198.18.5.1/24") || !slices.Contains(addrs, "fd00:5::1/64") {
		t.Errorf("%s addresses %q", dev, addrs)
	}
	// The local table came too: our address's local route.
	var local bool
	for _, r := range tab.IPv4 {
		local = local || (r.Table == collect.RouteTableLocal && r.Type == collect.RouteLocal && r.Dst == netip.MustParsePrefix("198.18.5.1/32"))
	}
	if !local {
		t.Errorf("no local route for 198.18.5.1 in %+v", tab.IPv4)
	}
	// Route print's Interface column for the gateway route.
	for _, r := range tab.IPv4 {
		if r.Dst == netip.MustParsePrefix("198.18.6.0/24") {
			if got := tab.LocalAddr(r); got != netip.MustParseAddr("198.18.5.1") {
				t.Errorf("LocalAddr(%v) = %v, want 198.18.5.1", r.Dst, got)
			}
		}
	}
}

func TestRoutesRefusesAllNetNS(t *testing.T) {
	_, err := Routes(context.Background(), Config{AllNetNS: true})
	if !errors.Is(err, ErrRoutesAllNetNS) || !strings.Contains(err.Error(), "--netns") {
		t.Errorf("Routes with AllNetNS: %v", err)
	}
}

func TestRoutesUnknownNetNS(t *testing.T) {
	_, err := Routes(context.Background(), Config{NetNS: "gnst-rt-does-not-exist"})
	var ne *netns.Error
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "gnst-rt-does-not-exist") {
		t.Errorf("Routes in a missing namespace: %v", err)
	}
}

func TestRoutesOwnNamespace(t *testing.T) {
	tab, err := Routes(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if lo := tab.Interface(1); lo == nil || lo.Name != "lo" {
		t.Errorf("interface 1 = %+v, want lo", lo)
	}
}

// TestReportsHonourCtx: every report refuses to start once ctx has ended
// (an interval loop's Ctrl-C between two reports).
func TestReportsHonourCtx(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Routes(ctx, Config{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Routes: err = %v, want context.Canceled", err)
	}
	if _, err := Interfaces(ctx, Config{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Interfaces: err = %v, want context.Canceled", err)
	}
	if _, err := Protocols(ctx, Config{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Protocols: err = %v, want context.Canceled", err)
	}
}
