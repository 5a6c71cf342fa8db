// stats_test.go checks the -s decoders against the hand-written
// statistics structures of testdata/.

package iphlpapi

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

func TestDecodeStats(t *testing.T) {
	var c collect.ProtoCounters
	for _, step := range []struct {
		file string
		f    func([]byte, *collect.ProtoCounters) error
	}{
		{"ipstats.hex", func(b []byte, c *collect.ProtoCounters) error { return decodeIPStats(b, false, c) }},
		{"ipstats.hex", func(b []byte, c *collect.ProtoCounters) error { return decodeIPStats(b, true, c) }},
		{"tcpstats.hex", decodeTCPStats},
		{"tcpstats.hex", decodeTCPStats}, // IPv6: summed with IPv4
		{"udpstats.hex", func(b []byte, c *collect.ProtoCounters) error { return decodeUDPStats(b, false, c) }},
		{"udpstats.hex", func(b []byte, c *collect.ProtoCounters) error { return decodeUDPStats(b, true, c) }},
		{"icmpex.hex", func(b []byte, c *collect.ProtoCounters) error { return decodeICMPStats(b, false, c) }},
		{"icmp6ex.hex", func(b []byte, c *collect.ProtoCounters) error { return decodeICMPStats(b, true, c) }},
	} {
		if err := step.f(readHex(t, step.file), &c); err != nil {
			t.Fatalf("%s: %v", step.file, err)
		}
	}
	ip := map[string]int64{
		"InReceives": 1000000, "InHdrErrors": 3, "InAddrErrors": 4, "ForwDatagrams": 5,
		"InUnknownProtos": 6, "InDiscards": 7, "InDelivers": 999999, "OutRequests": 100000,
		"RoutingDiscards": 10, "OutDiscards": 11, "OutNoRoutes": 12, "ReasmTimeout": 60,
		"ReasmReqds": 14, "ReasmOKs": 15, "ReasmFails": 16, "FragOKs": 17, "FragFails": 18, "FragCreates": 19,
	}
	ip6 := map[string]int64{}
	for k, v := range ip {
		if k == "ForwDatagrams" {
			k = "OutForwDatagrams"
		}
		ip6[k] = v
	}
	ip["Forwarding"], ip["DefaultTTL"] = 2, 128
	zeroTypes := func(m map[string]int64, names ...string) map[string]int64 {
		for _, n := range names {
			for _, dir := range []string{"In", "Out"} {
				if _, ok := m[dir+n]; !ok {
					m[dir+n] = 0
				}
			}
		}
		return m
	}
	udp := map[string]int64{"InDatagrams": 10000, "NoPorts": 11, "InErrors": 12, "OutDatagrams": 20000}
	want := map[string]map[string]int64{
		"Ip":  ip,
		"Ip6": ip6,
		"Tcp": {
			"RtoAlgorithm": 4, "RtoMin": 300, "RtoMax": 120000, "MaxConn": -1,
			"ActiveOpens": 2000, "PassiveOpens": 4000, "AttemptFails": 60, "EstabResets": 80,
			"CurrEstab": 100, "InSegs": 200000000, "OutSegs": 400000000, "RetransSegs": 120,
			"InErrs": 140, "OutRsts": 160,
		},
		"Udp":  udp,
		"Udp6": udp,
		"Icmp": zeroTypes(map[string]int64{
			"InMsgs": 100, "InErrors": 1, "InEchoReps": 5, "InDestUnreachs": 7, "InEchos": 9,
			"OutMsgs": 200, "OutErrors": 2, "OutEchoReps": 9, "OutDestUnreachs": 11, "OutEchos": 5,
		}, "SrcQuenchs", "Redirects", "TimeExcds", "ParmProbs", "Timestamps", "TimestampReps", "AddrMasks", "AddrMaskReps"),
		"Icmp6": zeroTypes(map[string]int64{
			"InMsgs": 10, "InErrors": 0, "InDestUnreachs": 1, "InPktTooBigs": 2, "InEchos": 3,
			"InNeighborSolicits": 4, "InMLDv2Reports": 5,
			"OutMsgs": 20, "OutErrors": 0, "OutEchoReplies": 6, "OutNeighborAdvertisements": 7,
		}, "TimeExcds", "ParmProblems", "EchoReplies", "Echos", "GroupMembQueries", "GroupMembResponses",
			"GroupMembReductions", "RouterSolicits", "RouterAdvertisements", "NeighborSolicits",
			"NeighborAdvertisements", "Redirects", "MLDv2Reports", "DestUnreachs", "PktTooBigs"),
	}
	if diff := cmp.Diff(want, c.Groups); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestStatsTruncated: a structure cut short is an error, and sets nothing.
func TestStatsTruncated(t *testing.T) {
	for _, tc := range []struct {
		file string
		f    func([]byte, *collect.ProtoCounters) error
	}{
		{"ipstats.hex", func(b []byte, c *collect.ProtoCounters) error { return decodeIPStats(b, false, c) }},
		{"tcpstats.hex", decodeTCPStats},
		{"udpstats.hex", func(b []byte, c *collect.ProtoCounters) error { return decodeUDPStats(b, true, c) }},
		{"icmpex.hex", func(b []byte, c *collect.ProtoCounters) error { return decodeICMPStats(b, false, c) }},
	} {
		b := readHex(t, tc.file)
		var c collect.ProtoCounters
		if err := tc.f(b[:len(b)-1], &c); !errors.Is(err, ErrTruncated) || len(c.Groups) != 0 {
			t.Errorf("%s cut by one byte: %v, %v", tc.file, err, c.Groups)
		}
	}
}
