// stats.go decodes the per-protocol statistics of -s (MIB_IPSTATS,
// MIB_TCPSTATS, MIB_UDPSTATS, MIB_ICMP_EX) into collect.ProtoCounters,
// under the counter names Linux's /proc/net/snmp{,6} use for the same
// MIB-II objects, so that -s and the JSON reports read the same on both.

package iphlpapi

import (
	"github.com/gonetstat/gonetstat/collect"
)

// dword names the DWORD at an offset of a statistics structure.
type dword struct {
	name string
	off  int
}

// ipStats are MIB_IPSTATS' counters (ipmib.h; RFC 2011's ip group).
// dwNumIf, dwNumAddr and dwNumRoutes are gauges of Windows' own tables,
// not MIB counters, and are left out.
var ipStats = []dword{
	{"InReceives", 8}, {"InHdrErrors", 12}, {"InAddrErrors", 16}, {"ForwDatagrams", 20},
	{"InUnknownProtos", 24}, {"InDiscards", 28}, {"InDelivers", 32}, {"OutRequests", 36},
	{"RoutingDiscards", 40}, {"OutDiscards", 44}, {"OutNoRoutes", 48}, {"ReasmTimeout", 52},
	{"ReasmReqds", 56}, {"ReasmOKs", 60}, {"ReasmFails", 64}, {"FragOKs", 68},
	{"FragFails", 72}, {"FragCreates", 76},
}

// ipv4Only are the first two DWORDs of MIB_IPSTATS, dwForwarding (1
// forwarding, 2 not, as RFC 2011's ipForwarding) and dwDefaultTTL, which
// Linux keeps for IPv4 only.
var ipv4Only = []dword{{"Forwarding", 0}, {"DefaultTTL", 4}}

// tcpStats are MIB_TCPSTATS' counters (RFC 4022); dwNumConns, the size
// of Windows' TCP table, is left out.
var tcpStats = []dword{
	{"ActiveOpens", 16}, {"PassiveOpens", 20}, {"AttemptFails", 24}, {"EstabResets", 28},
	{"CurrEstab", 32}, {"InSegs", 36}, {"OutSegs", 40}, {"RetransSegs", 44},
	{"InErrs", 48}, {"OutRsts", 52},
}

// tcpSettings are MIB_TCPSTATS' first DWORDs: the stack's settings, not
// counts. dwMaxConn is signed: -1 means the limit is dynamic.
var tcpSettings = []dword{{"RtoAlgorithm", 0}, {"RtoMin", 4}, {"RtoMax", 8}}

const tcpMaxConn = 12

// udpStats are MIB_UDPSTATS' counters (RFC 4113); dwNumAddrs, the size
// of Windows' UDP listener table, is left out.
var udpStats = []dword{{"InDatagrams", 0}, {"NoPorts", 4}, {"InErrors", 8}, {"OutDatagrams", 12}}

// icmpType names the count of one ICMP type in MIBICMPSTATS_EX's
// rgdwTypeCount: "In" or "Out" plus the name is Linux's counter.
type icmpType struct {
	name string
	typ  int
}

// ICMPv4 types (RFC 792, RFC 950) under Linux's names.
var icmp4Types = []icmpType{
	{"EchoReps", 0}, {"DestUnreachs", 3}, {"SrcQuenchs", 4}, {"Redirects", 5},
	{"Echos", 8}, {"TimeExcds", 11}, {"ParmProbs", 12}, {"Timestamps", 13},
	{"TimestampReps", 14}, {"AddrMasks", 17}, {"AddrMaskReps", 18},
}

// ICMPv6 types (RFC 4443, RFC 4861, RFC 2710 and RFC 3810 for MLD)
// under Linux's names.
var icmp6Types = []icmpType{
	{"DestUnreachs", 1}, {"PktTooBigs", 2}, {"TimeExcds", 3}, {"ParmProblems", 4},
	{"Echos", 128}, {"EchoReplies", 129}, {"GroupMembQueries", 130},
	{"GroupMembResponses", 131}, {"GroupMembReductions", 132}, {"RouterSolicits", 133},
	{"RouterAdvertisements", 134}, {"NeighborSolicits", 135}, {"NeighborAdvertisements", 136},
	{"Redirects", 137}, {"MLDv2Reports", 143},
}

// MIBICMPSTATS_EX: dwMsgs 0, dwErrors 4, rgdwTypeCount[256] 8. MIB_ICMP_EX
// holds icmpInStats at 0 and icmpOutStats at 1032.
const (
	icmpOutStats = 1032
	icmpTypes    = 8
)

func setDWORDs(c *collect.ProtoCounters, group string, b []byte, fields []dword) {
	for _, f := range fields {
		c.Set(group, f.name, int64(u32(b, f.off)))
	}
}

// decodeIPStats sets group "Ip" (v6 false) or "Ip6" from a MIB_IPSTATS.
// IPv6's forwarded datagrams are Linux's OutForwDatagrams.
func decodeIPStats(b []byte, v6 bool, c *collect.ProtoCounters) error {
	if err := fixed(b, "MIB_IPSTATS", ipStatsSize); err != nil {
		return err
	}
	if !v6 {
		setDWORDs(c, "Ip", b, ipv4Only)
		setDWORDs(c, "Ip", b, ipStats)
		return nil
	}
	for _, f := range ipStats {
		name := f.name
		if name == "ForwDatagrams" {
			name = "OutForwDatagrams"
		}
		c.Set("Ip6", name, int64(u32(b, f.off)))
	}
	return nil
}

// decodeTCPStats adds the counters of a MIB_TCPSTATS to group "Tcp":
// Windows counts TCP over IPv4 and over IPv6 apart, and -s shows one TCP
// section for both (Linux keeps one set), so the two are summed. The
// settings (RtoAlgorithm, RtoMin, RtoMax, MaxConn) are the first
// structure's, not sums.
func decodeTCPStats(b []byte, c *collect.ProtoCounters) error {
	if err := fixed(b, "MIB_TCPSTATS", tcpStatsSize); err != nil {
		return err
	}
	if !c.Has("Tcp") {
		setDWORDs(c, "Tcp", b, tcpSettings)
		c.Set("Tcp", "MaxConn", int64(int32(u32(b, tcpMaxConn))))
	}
	for _, f := range tcpStats {
		v, _ := c.Get("Tcp", f.name)
		c.Set("Tcp", f.name, v+int64(u32(b, f.off)))
	}
	return nil
}

// decodeUDPStats sets group "Udp" (v6 false) or "Udp6" from a
// MIB_UDPSTATS.
func decodeUDPStats(b []byte, v6 bool, c *collect.ProtoCounters) error {
	if err := fixed(b, "MIB_UDPSTATS", udpStatsSize); err != nil {
		return err
	}
	group := "Udp"
	if v6 {
		group = "Udp6"
	}
	setDWORDs(c, group, b, udpStats)
	return nil
}

// decodeICMPStats sets group "Icmp" (v6 false) or "Icmp6" from a
// MIB_ICMP_EX: the message and error totals and the per-type counts
// Linux names.
func decodeICMPStats(b []byte, v6 bool, c *collect.ProtoCounters) error {
	if err := fixed(b, "MIB_ICMP_EX", icmpExSize); err != nil {
		return err
	}
	group, types := "Icmp", icmp4Types
	if v6 {
		group, types = "Icmp6", icmp6Types
	}
	for _, dir := range [...]struct {
		prefix string
		at     int
	}{{"In", 0}, {"Out", icmpOutStats}} {
		c.Set(group, dir.prefix+"Msgs", int64(u32(b, dir.at)))
		c.Set(group, dir.prefix+"Errors", int64(u32(b, dir.at+4)))
		for _, t := range types {
			c.Set(group, dir.prefix+t.name, int64(u32(b, dir.at+icmpTypes+4*t.typ)))
		}
	}
	return nil
}
