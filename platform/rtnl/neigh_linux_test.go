// neigh_linux_test.go drives the neighbour and rule dumps on a fake
// socket, and reads those of a namespace the test makes and fills with
// ip(8).

package rtnl

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/platform/nlmsg"
)

func TestIntegrationNeighbours(t *testing.T) {
	ns := testenv.NewNetns(t, "gnst-rtnl-")
	veth := testenv.RandName("gv", 8)
	testenv.Run(t, "ip", "-n", ns, "link", "add", veth, "type", "veth", "peer", "name", veth+"p")
	testenv.Run(t, "ip", "-n", ns, "link", "set", veth+"p", "up")
	testenv.Run(t, "ip", "-n", ns, "link", "set", veth, "address", "02:00:5e:10:00:01", "up")
	testenv.Run(t, "ip", "-n", ns, "addr", "add", "198.18.40.1/24", "dev", veth)
	testenv.Run(t, "ip", "-n", ns, "addr", "add", "fd00:40::1/64", "dev", veth, "nodad")
	testenv.Run(t, "ip", "-n", ns, "neigh", "add", "198.18.40.2", "lladdr", "02:00:5e:10:00:02", "dev", veth, "nud", "permanent")
	testenv.Run(t, "ip", "-n", ns, "neigh", "add", "fd00:40::2", "lladdr", "02:00:5e:10:00:03", "dev", veth, "nud", "reachable", "router")
	testenv.Run(t, "ip", "-n", ns, "rule", "add", "from", "198.18.40.0/24", "to", "198.19.0.0/16", "table", "1040", "priority", "1040")
	testenv.Run(t, "ip", "-n", ns, "-6", "rule", "add", "fwmark", "0x7/0xf", "table", "1041", "priority", "1041")

	var neighs []collect.Neighbour
	var rules []collect.Rule
	var err error
	testenv.InNetns(t, ns, func() { neighs, rules, err = Neighbours(context.Background()) })
	if err != nil {
		t.Fatal(err)
	}
	want := map[netip.Addr]collect.Neighbour{}
	for _, n := range neighs {
		want[n.Addr] = n
	}
	if n := want[netip.MustParseAddr("198.18.40.2")]; n.IfName != veth || n.MAC.String() != "02:00:5e:10:00:02" || n.State != collect.NeighPermanent {
		t.Errorf("198.18.40.2: %+v", n)
	}
	if n := want[netip.MustParseAddr("fd00:40::2")]; n.IfName != veth || n.MAC.String() != "02:00:5e:10:00:03" || !n.Router || n.State&collect.NeighReachable == 0 {
		t.Errorf("fd00:40::2: %+v", n)
	}
	var v4, v6 *collect.Rule
	for i, r := range rules {
		switch r.Priority {
		case 1040:
			v4 = &rules[i]
		case 1041:
			v6 = &rules[i]
		}
	}
	if v4 == nil || v4.IPv6 || v4.Src != netip.MustParsePrefix("198.18.40.0/24") || v4.Dst != netip.MustParsePrefix("198.19.0.0/16") || v4.Table != 1040 || v4.Action != collect.RuleToTable {
		t.Errorf("IPv4 rule: %+v in %+v", v4, rules)
	}
	if v6 == nil || !v6.IPv6 || v6.FwMark != 7 || v6.FwMask != 0xf || v6.Table != 1041 {
		t.Errorf("IPv6 rule: %+v in %+v", v6, rules)
	}
	// The default rules are there too: lookup local at priority 0.
	local := false
	for _, r := range rules {
		local = local || (!r.IPv6 && r.Priority == 0 && r.Table == collect.RouteTableLocal)
	}
	if !local {
		t.Errorf("no IPv4 rule 0 looking up the local table in %+v", rules)
	}
}

// TestDumpNeighboursPerFamily: the dumps ask AF_INET and AF_INET6 apart
// (never AF_UNSPEC, which adds the bridge FDB), keep what decoded beside
// a bad message, and give empty, non-nil slices when there is nothing.
func TestDumpNeighboursPerFamily(t *testing.T) {
	done := msg(nlmsg.Done, 0, u32(0))
	f := newFakeConn(func(typ uint16, fam uint8, try int) []byte {
		switch {
		case typ == RTMGetLink:
			return cat(link(7, "veth0"), done)
		case typ == RTMGetNeigh && fam == afInet:
			good := msg(RTMNewNeigh, 0, ndmsg(afInet, 7, uint16(collect.NeighReachable), 0), attr(ndaDst, 198, 18, 5, 2))
			bad := msg(RTMNewNeigh, 0, ndmsg(afInet, 7, 2, 0))
			return cat(good, bad, done)
		}
		return done
	})
	ns, rules, err := dumpNeighbours(context.Background(), f, make([]byte, nlmsg.RecvBufSize))
	if !collect.IsPartial(err) || !strings.Contains(err.Error(), "dumping IPv4 neighbours (RTM_GETNEIGH)") {
		t.Errorf("err = %v, want a partial error naming the IPv4 neighbour dump", err)
	}
	if len(ns) != 1 || ns[0].IfName != "veth0" || rules == nil || len(rules) != 0 {
		t.Errorf("neighbours %+v rules %#v", ns, rules)
	}
	for k := range f.tries {
		if k[0] == RTMGetNeigh && k[1] == afUnspec {
			t.Error("the neighbours were dumped with AF_UNSPEC")
		}
	}
	if f.tries[[2]int{RTMGetNeigh, afInet6}] != 1 || f.tries[[2]int{RTMGetRule, afInet}] != 1 || f.tries[[2]int{RTMGetRule, afInet6}] != 1 {
		t.Errorf("dumps asked: %v", f.tries)
	}
}
