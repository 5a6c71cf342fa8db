// snmp.go writes the stack's counters in the layout of Linux's
// /proc/net/snmp (and the TcpExt lines of /proc/net/netstat): the text
// `netstat -s` and `nstat` read, so the mini-stack's statistics look like
// the kernel's.

package stack

import (
	"bufio"
	"io"
	"strconv"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/tcp"
)

// counter is one named value of a line pair.
type counter struct {
	name  string
	value int64
}

// WriteSNMP writes "Proto: names" / "Proto: values" line pairs for Ip,
// Icmp, IcmpMsg, Tcp, Udp, TcpExt and IpExt, with Linux's names for the
// counters the stack keeps (IpExt's InMartians is the one Linux keeps
// elsewhere).
func (s *Stack) WriteSNMP(w io.Writer) error {
	c := &s.Counters
	u := func(v interface{ Load() uint64 }) int64 { return int64(v.Load()) }
	estab := int64(0)
	for _, r := range s.Snapshot() {
		if r.Proto == collect.ProtoTCP && (r.State == collect.StateEstablished || r.State == collect.StateCloseWait) {
			estab++
		}
	}
	icmpTypes := []struct {
		in, out string
		typ     uint8
	}{
		{"InDestUnreachs", "OutDestUnreachs", header.ICMPDestUnreach},
		{"InTimeExcds", "OutTimeExcds", header.ICMPTimeExceeded},
		{"InParmProbs", "OutParmProbs", header.ICMPParamProblem},
		{"InEchos", "OutEchos", header.ICMPEchoRequest},
		{"InEchoReps", "OutEchoReps", header.ICMPEchoReply},
	}
	icmp := []counter{{"InMsgs", u(&c.ICMPInMsgs)}, {"InErrors", u(&c.ICMPInErrors)}}
	for _, t := range icmpTypes {
		icmp = append(icmp, counter{t.in, u(&c.ICMPInType[t.typ])})
	}
	icmp = append(icmp, counter{"OutMsgs", u(&c.ICMPOutMsgs)}, counter{"OutErrors", u(&c.ICMPOutErrors)})
	for _, t := range icmpTypes {
		icmp = append(icmp, counter{t.out, u(&c.ICMPOutType[t.typ])})
	}
	var icmpMsg []counter
	for typ := 0; typ < 256; typ++ {
		if v := u(&c.ICMPInType[typ]); v > 0 {
			icmpMsg = append(icmpMsg, counter{"InType" + strconv.Itoa(typ), v})
		}
	}
	for typ := 0; typ < 256; typ++ {
		if v := u(&c.ICMPOutType[typ]); v > 0 {
			icmpMsg = append(icmpMsg, counter{"OutType" + strconv.Itoa(typ), v})
		}
	}
	sections := []struct {
		name     string
		counters []counter
	}{
		{"Ip", []counter{
			{"Forwarding", 2}, {"DefaultTTL", 64}, {"InReceives", u(&c.IPInReceives)}, {"InHdrErrors", u(&c.IPInHdrErrors)},
			{"InAddrErrors", u(&c.IPInAddrErrors)}, {"ForwDatagrams", 0}, {"InUnknownProtos", u(&c.IPInUnknownProtos)},
			{"InDiscards", u(&c.IPInDiscards)}, {"InDelivers", u(&c.IPInDelivers)}, {"OutRequests", u(&c.IPOutRequests)},
			{"OutDiscards", u(&c.IPOutDiscards)}, {"OutNoRoutes", u(&c.IPOutNoRoutes)}, {"ReasmTimeout", u(&c.IPReasmTimeout)},
			{"ReasmReqds", u(&c.IPReasmReqds)}, {"ReasmOKs", u(&c.IPReasmOKs)}, {"ReasmFails", u(&c.IPReasmFails)},
			{"FragOKs", u(&c.IPFragOKs)}, {"FragFails", u(&c.IPFragFails)}, {"FragCreates", u(&c.IPFragCreates)},
		}},
		{"Icmp", icmp},
		{"IcmpMsg", icmpMsg},
		{"Tcp", []counter{
			{"RtoAlgorithm", 1}, {"RtoMin", tcp.DefaultMinRTO.Milliseconds()}, {"RtoMax", tcp.DefaultMaxRTO.Milliseconds()}, {"MaxConn", -1},
			{"ActiveOpens", u(&c.TCPActiveOpens)}, {"PassiveOpens", u(&c.TCPPassiveOpens)}, {"AttemptFails", u(&c.TCPAttemptFails)},
			{"EstabResets", u(&c.TCPEstabResets)}, {"CurrEstab", estab}, {"InSegs", u(&c.TCPInSegs)}, {"OutSegs", u(&c.TCPOutSegs)},
			{"RetransSegs", u(&c.TCPRetransSegs)}, {"InErrs", u(&c.TCPInErrs)}, {"OutRsts", u(&c.TCPOutRsts)},
		}},
		{"Udp", []counter{
			{"InDatagrams", u(&c.UDPInDatagrams)}, {"NoPorts", u(&c.UDPNoPorts)}, {"InErrors", u(&c.UDPInErrors)},
			{"OutDatagrams", u(&c.UDPOutDatagrams)}, {"RcvbufErrors", u(&c.UDPRcvbufErrors)}, {"SndbufErrors", u(&c.UDPSndbufErrors)},
			{"IgnoredMulti", u(&c.UDPIgnoredMulti)},
		}},
		{"TcpExt", []counter{
			{"ListenDrops", u(&c.TCPListenDrops)}, {"TCPChallengeACK", u(&c.TCPChallengeACKs)},
			{"TCPRcvQDrop", u(&c.TCPRcvQDrops)},
			{"TCPACKSkippedChallenge", u(&c.TCPACKSkippedChallenge)}, {"TCPACKSkippedSeq", u(&c.TCPACKSkippedSeq)}, {"TCPACKSkippedTimeWait", u(&c.TCPACKSkippedTimeWait)},
			{"SyncookiesSent", u(&c.TCPSyncookiesSent)}, {"SyncookiesRecv", u(&c.TCPSyncookiesRecv)}, {"SyncookiesFailed", u(&c.TCPSyncookiesFailed)},
			{"PAWSEstab", u(&c.TCPPAWSEstab)}, {"TCPACKSkippedPAWS", u(&c.TCPACKSkippedPAWS)}, {"TCPACKSkippedSynRecv", u(&c.TCPACKSkippedSynRecv)},
			{"TCPTimeouts", u(&c.TCPTimeouts)}, {"TCPSackRecovery", u(&c.TCPSACKRecovery)}, {"TCPLossProbes", u(&c.TCPLossProbes)}, {"TCPDSACKRecv", u(&c.TCPDSACKRecv)},
			{"OutOfWindowIcmps", u(&c.TCPOutOfWindowICMPs)},
			{"OfoPruned", u(&c.TCPOFOPruned)}, {"TCPAbortOnTimeout", u(&c.TCPAbortOnTimeout)}, {"TCPAbortOnMemory", u(&c.TCPAbortOnMemory)},
			{"TCPTimeWaitOverflow", u(&c.TCPTimeWaitOverflow)},
		}},
		// InMartians is the stack's own name: Linux counts martian sources
		// only in /proc/net/stat/rt_cache (in_martian_src), which has no
		// place in these files.
		{"IpExt", []counter{{"InMartians", u(&c.IPInMartians)}}},
	}
	bw := bufio.NewWriter(w)
	for _, sec := range sections {
		if len(sec.counters) == 0 {
			continue // Linux omits an empty IcmpMsg pair too
		}
		bw.WriteString(sec.name + ":")
		for _, c := range sec.counters {
			bw.WriteString(" " + c.name)
		}
		bw.WriteString("\n" + sec.name + ":")
		for _, c := range sec.counters {
			bw.WriteString(" " + strconv.FormatInt(c.value, 10))
		}
		bw.WriteString("\n")
	}
	return bw.Flush()
}
