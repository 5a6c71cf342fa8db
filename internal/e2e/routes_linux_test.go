// routes_linux_test.go runs the real binary's -r in a network namespace
// the test builds, whose every route it knows, and against the host's
// routes as ip(8) lists them.

package e2e

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/gonetstat/gonetstat/internal/testenv"
)

// TestIntegrationRoutesNetNS: in a namespace holding a veth pair with
// 198.18.5.1/24 and fd00:5::1/64 and a gateway route 198.18.6.0/24 via
// 198.18.5.2 metric 7, "gonetstat --netns NS -r" prints each of those in
// Windows' layout, and no route of the host.
func TestIntegrationRoutesNetNS(t *testing.T) {
	ns, dev := vethNetns(t, "gnst-rt",
		[]string{"addr", "add", "198.18.5.1/24", "dev", "gnst-rt0"},
		[]string{"-6", "addr", "add", "fd00:5::1/64", "dev", "gnst-rt0", "nodad"},
		[]string{"route", "add", "198.18.6.0/24", "via", "198.18.5.2", "dev", "gnst-rt0", "metric", "7"})

	stdout, stderr, code := run(t, "--netns", ns, "-r")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	v4, v6 := routeRows(t, stdout)
	for _, want := range []string{
		// Network Destination, Netmask, Gateway, Interface, Metric
		"198.18.6.0 255.255.255.0 198.18.5.2 198.18.5.1 7",
		"198.18.5.0 255.255.255.0 On-link 198.18.5.1 0",
		"198.18.5.1 255.255.255.255 On-link 198.18.5.1 0",
		"127.0.0.1 255.255.255.255 On-link 127.0.0.1 0",
	} {
		if !v4[want] {
			t.Errorf("no IPv4 row %q in:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stdout, dev) || !strings.Contains(stdout, "lo\n") {
		t.Errorf("the interface list names neither %s nor lo:\n%s", dev, stdout)
	}
	found := false
	for row := range v6 {
		f := strings.Fields(row) // If, Metric, Network Destination, Gateway
		if len(f) == 4 && f[2] == "fd00:5::/64" && f[3] == "On-link" {
			found = true
		}
	}
	if !found {
		t.Errorf("no IPv6 row for fd00:5::/64 On-link in:\n%s", stdout)
	}

	// The namespace has no default route: one would be the host's.
	for row := range v4 {
		if strings.HasPrefix(row, "0.0.0.0 0.0.0.0 ") {
			t.Errorf("the namespace has no default route, but -r printed %q:\n%s", row, stdout)
		}
	}

	_, stderr, code = run(t, "--netns", "gnst-rt-no-such-ns", "-r")
	if code != 1 || !strings.Contains(stderr, "gnst-rt-no-such-ns") {
		t.Errorf("a missing namespace: exit %d, stderr %q; want 1 naming it", code, stderr)
	}
}

// TestIntegrationRoutesHost: every IPv4 route of the host's main table, as
// ip(8) lists it, is a row of "gonetstat -r" with the same destination,
// mask and gateway.
func TestIntegrationRoutesHost(t *testing.T) {
	var routes []struct {
		Dst      string            `json:"dst"`
		Gateway  string            `json:"gateway"`
		Type     string            `json:"type"`
		Nexthops []json.RawMessage `json:"nexthops"`
	}
	if err := json.Unmarshal([]byte(testenv.Run(t, "ip", "-j", "-4", "route", "show", "table", "main")), &routes); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := run(t, "-r")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	v4, _ := routeRows(t, stdout)
	for _, r := range routes {
		if r.Type != "" && r.Type != "unicast" || len(r.Nexthops) > 0 {
			continue // unreachable and friends name their kind as the gateway; multipath is a row per hop
		}
		dst := r.Dst
		if dst == "default" {
			dst = "0.0.0.0/0"
		} else if !strings.Contains(dst, "/") {
			dst += "/32"
		}
		p, err := netip.ParsePrefix(dst)
		if err != nil {
			t.Fatalf("ip printed destination %q: %v", r.Dst, err)
		}
		gw := "On-link"
		if r.Gateway != "" {
			gw = r.Gateway
		}
		prefix := p.Addr().String() + " " + mask4(p.Bits()) + " " + gw + " "
		ok := false
		for row := range v4 {
			if strings.HasPrefix(row, prefix) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("ip route lists %s via %q; no -r row starts %q:\n%s", r.Dst, r.Gateway, prefix, stdout)
		}
	}
}

// vethNetns makes a namespace named prefix-<random> holding a veth pair,
// prefix0 and prefix1, both up, then runs each of setup as "ip -n NS
// ARGS..."; it returns the namespace and prefix0. The namespace, and the
// pair with it, is deleted when the test ends.
func vethNetns(t *testing.T, prefix string, setup ...[]string) (ns, dev string) {
	t.Helper()
	ns = testenv.NewNetns(t, prefix+"-")
	dev, peer := prefix+"0", prefix+"1"
	steps := append([][]string{
		{"link", "add", dev, "type", "veth", "peer", "name", peer},
		{"link", "set", dev, "up"},
		{"link", "set", peer, "up"},
	}, setup...)
	for _, args := range steps {
		testenv.Run(t, "ip", append([]string{"-n", ns}, args...)...)
	}
	return ns, dev
}

// routeRows returns -r's IPv4 and IPv6 "Active Routes" rows, each with its
// fields joined by one space.
func routeRows(t *testing.T, out string) (v4, v6 map[string]bool) {
	t.Helper()
	v4, v6 = map[string]bool{}, map[string]bool{}
	var cur map[string]bool
	for _, line := range strings.Split(out, "\n") {
		switch {
		case line == "IPv4 Route Table":
			cur = v4
		case line == "IPv6 Route Table":
			cur = v6
		case cur == nil, strings.HasPrefix(line, "="), line == "Active Routes:",
			strings.HasPrefix(line, "Network Destination"), strings.HasPrefix(line, " If Metric"):
		default:
			cur[strings.Join(strings.Fields(line), " ")] = true
		}
	}
	if len(v4) == 0 {
		t.Fatalf("no IPv4 routes in:\n%s", out)
	}
	return v4, v6
}

// mask4 is the dotted mask of an IPv4 prefix length.
func mask4(bits int) string {
	m := uint32(0)
	if bits > 0 {
		m = ^uint32(0) << (32 - bits)
	}
	return netip.AddrFrom4([4]byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)}).String()
}
