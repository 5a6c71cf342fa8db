// stats_test.go checks the -e and -s reports against golden files, and
// the rules: absent counters are absent rows, loopback is not in the
// totals, names cannot drive the terminal.

package render

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/codec"
	"github.com/gonetstat/gonetstat/collect"
)

func statsGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", file, diff)
	}
	if bytes.Contains(got, []byte("\r")) {
		t.Errorf("%s: CR in the output", name)
	}
}

func testInterfaces() []collect.InterfaceCounters {
	return []collect.InterfaceCounters{
		{Name: "lo", Loopback: true, RxBytes: 204353, RxPackets: 3192, TxBytes: 204353, TxPackets: 3192},
		{Name: "eth0", RxBytes: 55257100, RxPackets: 41708, RxErrors: 2, RxDrops: 7, RxMulticast: 310, TxBytes: 139008, TxPackets: 1324, TxDrops: 1},
		{Name: "wlp0s20f3", RxBytes: 18446744073709551615, RxPackets: 10, RxMulticast: 4, TxBytes: 2000, TxPackets: 20, TxErrors: 3},
	}
}

func TestInterfaceStatsGolden(t *testing.T) {
	var b bytes.Buffer
	if err := InterfaceStats(&b, testInterfaces()[:2]); err != nil {
		t.Fatal(err)
	}
	statsGolden(t, "stats_e.txt", b.Bytes())
	// A 20-digit total widens the columns instead of running into them,
	// and a total past 2^64 does not wrap.
	b.Reset()
	if err := InterfaceStats(&b, testInterfaces()); err != nil {
		t.Fatal(err)
	}
	statsGolden(t, "stats_e_wide.txt", b.Bytes())
	if !strings.Contains(b.String(), "Bytes               18446744073764808715") {
		t.Errorf("wrong total:\n%s", b.String())
	}
}

func TestInterfaceStatsTotalsLeaveOutLoopback(t *testing.T) {
	var b bytes.Buffer
	ifs := testInterfaces()[:1] // loopback only
	if err := InterfaceStats(&b, ifs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\nBytes                             0               0\n") {
		t.Errorf("loopback counted in the totals:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "\nlo           204353") {
		t.Errorf("loopback missing from the table:\n%s", b.String())
	}
}

// TestInterfaceStatsAbsentCounters: a counter the system does not keep
// (macOS: input drops; macOS and FreeBSD: multicast) is "-", in its
// interface's line and in the totals it would make a lie of; a loopback
// interface's absence does not take the totals' away.
func TestInterfaceStatsAbsentCounters(t *testing.T) {
	ifs := []collect.InterfaceCounters{
		{Name: "lo0", Loopback: true, RxDrops: 1, NoRxMulticast: true},
		{Name: "en0", RxBytes: 10, RxDrops: 3, RxMulticast: 4},
		{Name: "en1", RxBytes: 20, NoRxDrops: true, NoRxMulticast: true, TxDrops: 5},
	}
	var b bytes.Buffer
	if err := InterfaceStats(&b, ifs); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\nMulticast packets                 -               -\n",
		"\nDiscards                          -               5\n",
		"\nen0              10           0          0         3",
		"\nen1              20           0          0         -",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := InterfaceStats(&b, ifs[:2]); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\nMulticast packets                 4               -\n") {
		t.Errorf("loopback's absent multicast hid en0's:\n%s", b.String())
	}
}

func TestInterfaceStatsEscapesNames(t *testing.T) {
	var b bytes.Buffer
	if err := InterfaceStats(&b, []collect.InterfaceCounters{{Name: "ev\x1b[2Jil"}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "\x1b") || !strings.Contains(b.String(), "\nev?[2Jil ") {
		t.Errorf("name not escaped:\n%q", b.String())
	}
}

func testProtocols() collect.ProtoCounters {
	var c collect.ProtoCounters
	for i, n := range []string{"InReceives", "InHdrErrors", "InAddrErrors", "ForwDatagrams", "InUnknownProtos", "InDiscards",
		"InDelivers", "OutRequests", "OutDiscards", "OutNoRoutes", "ReasmReqds", "ReasmOKs", "ReasmFails", "FragOKs", "FragFails", "FragCreates"} {
		c.Set("Ip", n, int64(1000+i))
		if n == "ForwDatagrams" {
			n = "OutForwDatagrams"
		}
		c.Set("Ip6", n, int64(2000+i))
	}
	for i, n := range []string{"Msgs", "Errors", "DestUnreachs", "TimeExcds", "ParmProbs", "SrcQuenchs", "Redirects",
		"EchoReps", "Echos", "Timestamps", "TimestampReps", "AddrMasks", "AddrMaskReps"} {
		c.Set("Icmp", "In"+n, int64(100+i))
		c.Set("Icmp", "Out"+n, int64(200+i))
	}
	for i, n := range []string{"Msgs", "Errors", "DestUnreachs", "PktTooBigs", "TimeExcds", "ParmProblems", "Echos", "EchoReplies",
		"GroupMembQueries", "GroupMembResponses", "GroupMembReductions", "RouterSolicits", "RouterAdvertisements",
		"NeighborSolicits", "NeighborAdvertisements", "Redirects"} {
		c.Set("Icmp6", "In"+n, int64(300+i))
		c.Set("Icmp6", "Out"+n, int64(400+i))
	}
	c.Set("Icmp6", "OutMLDv2Reports", 9) // and no InMLDv2Reports: "-"
	for i, n := range []string{"ActiveOpens", "PassiveOpens", "AttemptFails", "EstabResets", "CurrEstab", "InSegs", "OutSegs", "RetransSegs"} {
		c.Set("Tcp", n, int64(500+i))
	}
	c.Set("Tcp", "MaxConn", -1)
	for i, n := range []string{"InDatagrams", "NoPorts", "InErrors", "OutDatagrams"} {
		c.Set("Udp", n, int64(600+i))
		c.Set("Udp6", n, int64(700+i))
	}
	return c
}

func TestProtocolStatsGolden(t *testing.T) {
	var b bytes.Buffer
	if err := ProtocolStats(&b, testProtocols(), 0); err != nil {
		t.Fatal(err)
	}
	statsGolden(t, "stats_s.txt", b.Bytes())
	// Every counter mapped is in the output with its own value: a row that
	// reads the wrong counter shows a value of another row.
	out := b.String()
	for _, want := range []string{"Packets Received                   = 1000\n", "Datagrams Forwarded                = 2003\n",
		"Fragments Created                  = 2015\n", "Address Mask Replies      112         212\n",
		"Redirects                 315         415\n", "MLDv2 Reports             -           9\n",
		"Segments Retransmitted             = 507\n", "Datagrams Sent                     = 703\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q", want)
		}
	}
}

func TestProtocolStatsSections(t *testing.T) {
	c := testProtocols()
	delete(c.Groups["Ip"], "ReasmReqds") // an older kernel's missing counter
	delete(c.Groups, "Udp6")             // IPv6 disabled
	var b bytes.Buffer
	if err := ProtocolStats(&b, c, codec.StatsIPv4|codec.StatsTCP|codec.StatsUDPv6); err != nil {
		t.Fatal(err)
	}
	statsGolden(t, "stats_s_some.txt", b.Bytes())
	if strings.Contains(b.String(), "Reassembly Required") {
		t.Error("an absent counter is printed")
	}
	if strings.Contains(b.String(), "ICMP") || strings.Count(b.String(), "Statistics") != 3 {
		t.Errorf("wrong sections:\n%s", b.String())
	}
}
