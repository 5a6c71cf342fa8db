// counters.go holds the stack-wide counters, named as netstat -s and
// /proc/net/snmp name them, and the memory budget.

package core

import "sync/atomic"

// Counters are the stack's statistics. Every field is updated atomically.
//
// A counter moves before the event it counts can be seen: a packet is
// counted before it leaves (before the link, or the loopback, has it) and
// a received one before a socket or a waiting caller is given it. Whoever
// sees the effect of a packet — a refused connect, an echo reply, a
// datagram read — reads a count that already includes it, with no wait.
// (TestCountersMoveBeforeThePacketLeaves checks the sending side frame by
// frame.)
type Counters struct {
	// Link
	LinkInErrors, LinkInOtherHost, LinkInUnknownType, LinkOutFrames atomic.Uint64

	// ARP
	ARPInRequests, ARPInReplies, ARPOutRequests, ARPOutReplies, ARPInErrors atomic.Uint64
	ARPRateLimited, ARPPendingDrops                                         atomic.Uint64

	// IP (RFC 4293 ipSystemStatsTable names, as /proc/net/snmp prints them)
	IPInReceives, IPInHdrErrors, IPInAddrErrors, IPInUnknownProtos, IPInDelivers atomic.Uint64
	IPInDiscards, IPOutRequests, IPOutNoRoutes, IPOutDiscards                    atomic.Uint64
	IPReasmReqds, IPReasmOKs, IPReasmFails, IPReasmTimeout                       atomic.Uint64
	IPFragOKs, IPFragFails, IPFragCreates                                        atomic.Uint64
	// Datagrams dropped for a source no host may use (RFC 1122 §3.2.1.3):
	// Linux's "martian source", which it counts in the in_martian_src
	// column of /proc/net/stat/rt_cache rather than in /proc/net/snmp.
	IPInMartians atomic.Uint64

	// ICMP
	ICMPInMsgs, ICMPInErrors, ICMPOutMsgs, ICMPOutErrors atomic.Uint64
	ICMPInType, ICMPOutType                              [256]atomic.Uint64

	// UDP
	UDPInDatagrams, UDPNoPorts, UDPInErrors, UDPOutDatagrams, UDPRcvbufErrors, UDPSndbufErrors atomic.Uint64
	// Datagrams to a broadcast or multicast address that no socket wanted
	// (Linux's IgnoredMulti): never answered, unlike NoPorts.
	UDPIgnoredMulti atomic.Uint64

	// TCP
	TCPActiveOpens, TCPPassiveOpens, TCPAttemptFails, TCPEstabResets atomic.Uint64
	TCPInSegs, TCPOutSegs, TCPRetransSegs, TCPInErrs, TCPOutRsts     atomic.Uint64
	// TcpExt counters (Linux names): SYNs dropped for a full backlog or
	// budget, RFC 5961 challenge ACKs sent, data dropped for memory.
	TCPListenDrops, TCPChallengeACKs, TCPRcvQDrops atomic.Uint64
	// ACKs held back by the per-connection limit on answers to segments
	// not accepted (Linux's TCPACKSkippedChallenge, TCPACKSkippedSeq), and
	// by a connection in TIME_WAIT (TCPACKSkippedTimeWait).
	TCPACKSkippedChallenge, TCPACKSkippedSeq, TCPACKSkippedTimeWait atomic.Uint64
	// SYN cookies (Linux's SyncookiesSent, SyncookiesRecv,
	// SyncookiesFailed): sent for a full SYN queue, ACKs that carried a
	// valid one, ACKs checked as one and found invalid.
	TCPSyncookiesSent, TCPSyncookiesRecv, TCPSyncookiesFailed atomic.Uint64
	// Segments dropped by PAWS (RFC 7323 §5; Linux's PAWSEstab), and the
	// ACKs for them held back (TCPACKSkippedPAWS).
	TCPPAWSEstab, TCPACKSkippedPAWS atomic.Uint64
	// Resent SYNs in SYN-RECEIVED whose SYN,ACK was held back by the
	// per-connection limit (Linux's TCPACKSkippedSynRecv).
	TCPACKSkippedSynRecv atomic.Uint64
	// Retransmission timeouts of synchronized connections; SACK loss
	// recovery: recoveries entered, tail-loss probes sent, D-SACKs
	// received (a retransmission the peer already had).
	TCPTimeouts, TCPSACKRecovery, TCPLossProbes, TCPDSACKRecv atomic.Uint64
	// ICMP errors ignored because the sequence number they quote is not
	// one the connection has in flight (RFC 5927 §4.1; Linux's
	// OutOfWindowIcmps).
	TCPOutOfWindowICMPs atomic.Uint64
	// The memory budget's defences (Linux's TcpExt names): connections
	// ended because their retransmissions or zero-window probes went
	// unanswered, or because orphans or memory ran short; out-of-order
	// queues pruned under memory pressure; connections closed without
	// TIME_WAIT because the time-wait table was full.
	TCPAbortOnTimeout, TCPAbortOnMemory, TCPOFOPruned, TCPTimeWaitOverflow atomic.Uint64
}

// Budget is the stack-wide memory for socket buffers: the seed's "memory
// manager". A socket takes from it before it buffers anything and gives
// back when the data leaves or the socket closes; when it is exhausted,
// creating a socket or growing a buffer fails cleanly and the stack runs
// on.
//
// Like Linux's tcp_mem it has three marks (tcp_init_mem: tcp_mem[0] is
// half of tcp_mem[2] and tcp_mem[1] two thirds of it): the limit, which
// nothing passes; the pressure mark at two thirds of it, above which
// buffers do not grow (Grow); and the low mark at half, below which the
// budget leaves memory pressure. What lies between the pressure mark and
// the limit is headroom that only Take reaches: control blocks and each
// socket's guaranteed minimum of buffer (Linux's tcp_rmem[0] and
// tcp_wmem[0], "guaranteed to each TCP socket, even under moderate memory
// pressure"). So peers that fill their buffers — zero windows, data
// behind a hole, many orphans — take at most the pressure mark, and a
// listener can still accept a connection and answer it.
type Budget struct {
	limit, high, low int64
	used             atomic.Int64
	pressure         atomic.Bool
}

// NewBudget returns a budget of limit bytes.
func NewBudget(limit int64) *Budget {
	return &Budget{limit: limit, high: limit / 3 * 2, low: limit / 2}
}

// Take reserves n bytes up to the limit, or reports false without
// reserving any: for control blocks and the guaranteed minimums.
func (b *Budget) Take(n int64) bool { return b.take(n, b.limit) }

// Grow reserves n bytes of buffer growth up to the pressure mark, or
// reports false without reserving any and enters memory pressure (Linux
// __sk_mem_raise_allocated beyond tcp_mem[1]).
func (b *Budget) Grow(n int64) bool {
	if b.take(n, b.high) {
		return true
	}
	b.pressure.Store(true)
	return false
}

func (b *Budget) take(n, limit int64) bool {
	for {
		u := b.used.Load()
		if u+n > limit {
			return false
		}
		if b.used.CompareAndSwap(u, u+n) {
			return true
		}
	}
}

// Release gives back n bytes taken before; below the low mark the budget
// leaves memory pressure (Linux sk_leave_memory_pressure under tcp_mem[0]).
func (b *Budget) Release(n int64) {
	if b.used.Add(-n) < b.low && b.pressure.Load() {
		b.pressure.Store(false)
	}
}

// UnderPressure reports whether a Grow has failed since the budget last
// fell below its low mark: the time to prune out-of-order data and to
// refuse orphans their memory.
func (b *Budget) UnderPressure() bool { return b.pressure.Load() }

// Used, Limit, PressureMark and LowMark report the budget's state.
func (b *Budget) Used() int64         { return b.used.Load() }
func (b *Budget) Limit() int64        { return b.limit }
func (b *Budget) PressureMark() int64 { return b.high }
func (b *Budget) LowMark() int64      { return b.low }
