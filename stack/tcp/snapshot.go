// snapshot.go copies a control block into a table row, under its lock.

package tcp

import (
	"net/netip"

	"github.com/gonetstat/gonetstat/collect"
)

// Snapshot copies the control block into a row. The descriptor comes from
// the endpoint itself (SetFD), since a TCP socket can outlive it; the
// argument is there for socket.Socket.
func (e *Endpoint) Snapshot(int) collect.Socket {
	now := e.p.stack.Clock.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	s := collect.Socket{
		Source: collect.Source{Kind: "stack", Name: e.p.stack.Name},
		Proto:  collect.ProtoTCP, Family: collect.FamilyIPv4,
		Local: e.local, Remote: e.remote, State: e.state,
		Cookie: e.id,
		SendQ:  uint32(e.sndBuf.Len()),
		RecvQ:  uint32(e.rcvBuf.Len()),
		Stack: &collect.StackInfo{
			FD: e.fd, MemUsed: e.memUsed, MemLimit: int64(SocketMemory + e.sndBufLimit + e.rcvBufLimit), Age: now.Sub(e.created),
			SndUna: uint32(e.sndUna), SndNxt: uint32(e.sndNxt), RcvNxt: uint32(e.rcvNxt),
			SndWnd: e.sndWnd, RcvWnd: e.rcvWindowLocked(),
		},
	}
	if e.state == stateClosed && e.bound && !e.remote.IsValid() {
		// Bound to a port, never connected nor listening: what Linux
		// dumps as a bound-inactive socket (sock_diag's TCPF_BOUND_INACTIVE)
		// and Windows netstat -q shows as BOUND, so that -q and -a treat
		// the mini-stack's rows as they treat the kernel's.
		s.State = collect.StateBoundInactive
	}
	if e.state == stateListen {
		// As ss and the kernel report a listener: Recv-Q is the accept
		// queue, Send-Q the backlog.
		s.RecvQ, s.SendQ = uint32(len(e.acceptQ)), uint32(e.backlog)
	}
	if !s.Local.IsValid() {
		s.Local = netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	}
	if !s.Remote.IsValid() {
		s.Remote = netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	}
	info := &collect.TCPInfo{
		RTT:    collect.MicrosOf(e.rto.SRTT()),
		RTTVar: collect.MicrosOf(e.rto.RTTVar()),
		RTO:    collect.MicrosOf(e.rto.Current()),
		SndMSS: e.mss, RcvMSS: e.mss,
		Retransmits: e.retransCur, TotalRetrans: e.totRetrans,
		BytesAcked: e.bytesAcked, BytesReceived: e.bytesRcvd,
	}
	if e.cc != nil && e.mss > 0 {
		info.SndCwnd = e.cc.Cwnd / e.mss
		if e.cc.Ssthresh < infiniteSsthresh {
			info.SndSsthresh = e.cc.Ssthresh / e.mss
		}
		info.Unacked = (e.flightLocked() + e.mss - 1) / e.mss
	}
	if e.timerKind != collect.TimerNone {
		info.Timer = e.timerKind
		info.TimerExpires = collect.MillisOf(e.timerAt.Sub(now)) // an overdue timer: 0
	}
	s.TCP = info
	return s
}
