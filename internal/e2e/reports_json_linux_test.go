// reports_json_linux_test.go runs the real binary's reports as JSON
// (gonetstat.reports/v1): -s counting traffic the test sends on loopback,
// and -r in a network namespace the test builds.

package e2e

import (
	"encoding/json"
	"testing"

	"github.com/gonetstat/gonetstat/internal/testenv"
)

// reportsDoc is the part of a gonetstat.reports/v1 document these tests read.
type reportsDoc struct {
	Schema string `json:"schema"`
	Routes *struct {
		Interfaces []struct {
			Index     uint32 `json:"index"`
			Name      string `json:"name"`
			Up        bool   `json:"up"`
			Addresses []struct {
				Address string `json:"address"`
			} `json:"addresses"`
		} `json:"interfaces"`
		IPv4 []jsonRoute `json:"ipv4"`
		IPv6 []jsonRoute `json:"ipv6"`
	} `json:"routes"`
	Protocols map[string]map[string]int64 `json:"protocols"`
	Warnings  []string                    `json:"warnings"`
}

type jsonRoute struct {
	Destination     string `json:"destination"`
	Gateway         string `json:"gateway"`
	InterfaceIndex  uint32 `json:"interface_index"`
	InterfaceName   string `json:"interface_name"`
	PreferredSource string `json:"preferred_source"`
	Metric          uint32 `json:"metric"`
	Type            string `json:"type"`
	Table           uint32 `json:"table"`
	Protocol        string `json:"protocol"`
}

// runReports runs gonetstat with args, wants exit 0 and a quiet stderr,
// and decodes its one document.
func runReports(t *testing.T, args ...string) reportsDoc {
	t.Helper()
	stdout, stderr, code := run(t, args...)
	if code != 0 || stderr != "" {
		t.Fatalf("gonetstat %v: exit %d\n%s%s", args, code, stdout, stderr)
	}
	var d reportsDoc
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatalf("gonetstat %v: %v\n%s", args, err, stdout)
	}
	if d.Schema != "gonetstat.reports/v1" {
		t.Fatalf("gonetstat %v: schema %q", args, d.Schema)
	}
	return d
}

// TestLiveReportsJSONNoPorts sends UDP datagrams to a closed 127.0.0.1
// port: protocols.Udp.NoPorts of "gonetstat -s -p udp --json" must grow
// by at least that many, and no other group be there.
func TestLiveReportsJSONNoPorts(t *testing.T) {
	const datagrams = 25
	noPorts := func() int64 {
		d := runReports(t, "-s", "-p", "udp", "--json")
		v, ok := d.Protocols["Udp"]["NoPorts"]
		if !ok || len(d.Protocols) != 1 {
			t.Fatalf("protocols %v: want the Udp group alone, with NoPorts", d.Protocols)
		}
		return v
	}
	before := noPorts()

	sendToClosedPort(t, datagrams)

	var after int64
	testenv.Poll(func() bool { // loopback delivers in softirq after the send returns
		after = noPorts()
		return after-before >= datagrams
	})
	if after-before < datagrams {
		t.Errorf("protocols.Udp.NoPorts grew by %d (%d -> %d), sent %d datagrams to a closed port", after-before, before, after, datagrams)
	}
}

// TestIntegrationReportsJSONRoutesNetNS: in a namespace with a veth
// holding 198.18.7.1/24, "gonetstat --netns NS -r --json" lists the
// on-link route 198.18.7.0/24 on that device, the device with its
// address, and no default route (one would be the host's).
func TestIntegrationReportsJSONRoutesNetNS(t *testing.T) {
	ns, dev := vethNetns(t, "gnst-rj", []string{"addr", "add", "198.18.7.1/24", "dev", "gnst-rj0"})

	d := runReports(t, "--netns", ns, "-r", "--json")
	if d.Routes == nil {
		t.Fatal("no routes in the document")
	}
	var index uint32
	for _, ifc := range d.Routes.Interfaces {
		if ifc.Name == dev {
			index = ifc.Index
			if !ifc.Up || len(ifc.Addresses) == 0 || ifc.Addresses[0].Address != "198.18.7.1/24" {
				t.Errorf("interface %s: %+v", dev, ifc)
			}
		}
	}
	if index == 0 {
		t.Fatalf("no interface %s in %+v", dev, d.Routes.Interfaces)
	}
	found := false
	for _, r := range d.Routes.IPv4 {
		if r.Destination == "0.0.0.0/0" {
			t.Errorf("the namespace has no default route, but -r --json listed %+v", r)
		}
		if r.Destination != "198.18.7.0/24" || r.Table != 254 {
			continue
		}
		found = true
		want := jsonRoute{Destination: "198.18.7.0/24", InterfaceIndex: index, InterfaceName: dev,
			PreferredSource: "198.18.7.1", Type: "unicast", Table: 254, Protocol: "kernel"}
		if r != want {
			t.Errorf("route %+v, want %+v", r, want)
		}
	}
	if !found {
		t.Errorf("no main-table route 198.18.7.0/24 in %+v", d.Routes.IPv4)
	}
	// The local table is there too: the address as a local route.
	local := false
	for _, r := range d.Routes.IPv4 {
		local = local || r.Destination == "198.18.7.1/32" && r.Type == "local" && r.Table == 255
	}
	if !local {
		t.Errorf("no local route 198.18.7.1/32 in table 255: %+v", d.Routes.IPv4)
	}
}
