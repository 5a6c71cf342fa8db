// icmp.go applies the ICMP errors about segments a connection sent, as
// Linux's tcp_v4_err does: an error must quote a sequence number the
// connection has in flight (RFC 5927 §4.1), "fragmentation needed" lowers
// the path MTU no further than Linux's floor, and the other errors end a
// connection being opened or are remembered as soft errors.

package tcp

import (
	"encoding/binary"
	"net/netip"
	"syscall"

	"github.com/gonetstat/gonetstat/stack/header"
)

// minPMTU is the smallest path MTU "fragmentation needed" can set:
// Linux's ip_rt_min_pmtu (512 + 20 + 20), which __ip_rt_update_pmtu takes
// instead of any smaller MTU, 0 included. A forged error with MTU 68
// would otherwise cut segments to 16 bytes.
const minPMTU = 552

// HandleICMPError applies an ICMP error about a segment we sent; quote is
// the segment's TCP header as the error quotes it.
func (p *Protocol) HandleICMPError(typ, code uint8, local, remote netip.AddrPort, mtu uint16, quote []byte) {
	if len(quote) < 8 {
		return
	}
	p.mu.Lock()
	e := p.conns[tuple{local, remote}]
	p.mu.Unlock()
	if e != nil {
		e.icmpError(typ, code, mtu, Seq(binary.BigEndian.Uint32(quote[4:])))
	}
}

// icmpError is HandleICMPError for this connection; seq is the quoted
// segment's sequence number.
func (e *Endpoint) icmpError(typ, code uint8, mtu uint16, seq Seq) {
	e.mu.Lock()
	var parent *Endpoint
	defer func() {
		e.mu.Unlock()
		if parent != nil {
			parent.childGone()
		}
	}()
	c := &e.p.stack.Counters
	switch {
	case e.state == stateClosed || e.state == stateTimeWait:
		return
	case e.state == stateSynRecv && e.parent != nil:
		// A child still in SYN_RECV is Linux's request socket, and
		// tcp_req_err applies: the error must quote the ISS (the SYN,ACK
		// is all it sent), and only an error that says the peer cannot be
		// reached drops it, quietly, as a listen drop. A port unreachable
		// does not: a peer that sent the SYN does not refuse the answer.
		if seq != e.iss {
			c.TCPOutOfWindowICMPs.Add(1)
			return
		}
		if typ == header.ICMPParamProblem || typ == header.ICMPTimeExceeded ||
			typ == header.ICMPDestUnreach && (code == icmpNetUnreach || code == icmpHostUnreach) {
			c.TCPListenDrops.Add(1)
			parent = e.parent
			e.abortLocked(nil, false)
		}
		return
	case seq.LessThan(e.sndUna) || e.sndMax.LessThan(seq):
		// RFC 5927 §4.1: only a sequence number in SND.UNA..SND.NXT (both
		// ends in, as Linux's between()) can be in a segment we sent; an
		// off-path attacker has to guess one. SND.NXT here is the highest
		// sent, which a timeout's rewind does not lower.
		c.TCPOutOfWindowICMPs.Add(1)
		return
	}
	if typ == header.ICMPDestUnreach && code == header.ICMPCodeFragNeeded {
		e.lowerPMTULocked(uint32(mtu))
		return
	}
	err, ok := icmpErrno(typ, code)
	if !ok {
		return
	}
	if e.state == stateSynSent || e.state == stateSynRecv {
		// tcp_v4_err ends an attempt on any of these errors, not only on
		// the port and protocol unreachable RFC 1122 §4.2.3.9 calls hard.
		e.abortLocked(err, true)
		return
	}
	// Synchronized: a soft error, reported if the connection then times
	// out (Linux's sk_err_soft, without IP_RECVERR).
	e.softErr = err
}

// lowerPMTULocked applies "fragmentation needed" (RFC 1191 §6.3): the
// segments must fit the next hop's MTU, floored at minPMTU, and what is in
// flight is resent in the new size (Linux: __ip_rt_update_pmtu, then
// tcp_v4_mtu_reduced, tcp_sync_mss and tcp_simple_retransmit). A larger
// MTU than the current one changes nothing.
func (e *Endpoint) lowerPMTULocked(mtu uint32) {
	const hdr = header.IPv4MinLen + header.TCPMinLen
	pmtu := max(mtu, minPMTU)
	if pmtu >= e.mss+e.optionBytes()+hdr {
		return
	}
	e.mss = max(pmtu-hdr, minSndMSS) - e.optionBytes()
	if e.cc != nil {
		e.cc.MSS = e.mss
	}
	e.retransmitLocked()
}

// The destination unreachable codes tcp_req_err treats as fatal.
const (
	icmpNetUnreach  = 0
	icmpHostUnreach = 1
)

// unreachErrno is the errno of each destination unreachable code, as
// Linux's icmp_err_convert (net/ipv4/icmp.c) gives it; tcp_v4_err ignores
// codes above 15 (NR_ICMP_UNREACH).
var unreachErrno = [...]syscall.Errno{
	syscall.ENETUNREACH,  // 0 network unreachable
	syscall.EHOSTUNREACH, // 1 host unreachable
	syscall.ENOPROTOOPT,  // 2 protocol unreachable
	syscall.ECONNREFUSED, // 3 port unreachable
	syscall.EMSGSIZE,     // 4 fragmentation needed (applied as a path MTU instead)
	syscall.EOPNOTSUPP,   // 5 source route failed
	syscall.ENETUNREACH,  // 6 destination network unknown
	syscall.EHOSTDOWN,    // 7 destination host unknown
	syscall.EHOSTUNREACH, // 8 source host isolated (Linux: ENONET, which not every OS defines)
	syscall.ENETUNREACH,  // 9 network administratively prohibited
	syscall.EHOSTUNREACH, // 10 host administratively prohibited
	syscall.ENETUNREACH,  // 11 network unreachable for the type of service
	syscall.EHOSTUNREACH, // 12 host unreachable for the type of service
	syscall.EHOSTUNREACH, // 13 communication administratively prohibited
	syscall.EHOSTUNREACH, // 14 host precedence violation
	syscall.EHOSTUNREACH, // 15 precedence cutoff in effect
}

// icmpErrno is the errno an ICMP error gives a connection, as tcp_v4_err
// converts it; false for the messages TCP ignores (source quench,
// redirect, unknown codes).
func icmpErrno(typ, code uint8) (syscall.Errno, bool) {
	switch typ {
	case header.ICMPDestUnreach:
		if int(code) < len(unreachErrno) {
			return unreachErrno[code], true
		}
	case header.ICMPTimeExceeded:
		return syscall.EHOSTUNREACH, true
	case header.ICMPParamProblem:
		return syscall.EPROTO, true
	}
	return 0, false
}
