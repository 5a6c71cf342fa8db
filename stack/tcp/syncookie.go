// syncookie.go answers SYNs with SYN cookies once a listener's SYN queue
// is full (RFC 4987 §3.6), as Linux does with net.ipv4.tcp_syncookies=1:
// the SYN,ACK's sequence number encodes the connection (a keyed hash, a
// minute counter and the MSS), so the stack keeps nothing for it, and the
// ACK that completes the handshake rebuilds the connection. The encoding
// is Linux's (net/ipv4/syncookies.c): secure_tcp_syn_cookie and
// check_tcp_syn_cookie, its MSS table, and window scale and SACK in the
// low bits of our timestamp (cookie_init_timestamp,
// cookie_timestamp_decode).

package tcp

import (
	"crypto/rand"
	"math"
	"net/netip"
	"time"

	"github.com/gonetstat/gonetstat/stack/header"
)

// cookieMSS is Linux's msstab: the MSS values a cookie can carry, chosen
// to cover the common ones; a peer gets the largest not above its own
// (and 536 below that, as in Linux).
var cookieMSS = [...]uint16{536, 1300, 1440, 1460}

const (
	// cookieBits is Linux's COOKIEBITS: the low 24 bits of a cookie hold
	// a keyed hash plus the MSS index, the high 8 the minute counter.
	cookieBits = 24
	cookieMask = 1<<cookieBits - 1
	// cookieMaxAge is MAX_SYNCOOKIE_AGE: a cookie is good in the minute
	// (TCP_SYNCOOKIE_PERIOD) it was made and the next.
	cookieMaxAge = 2
	cookiePeriod = time.Minute
	// cookieValid is TCP_SYNCOOKIE_VALID: ACKs are checked as cookies only
	// this long after the SYN queue last overflowed, so that no one can
	// guess at cookies while none was sent (tcp_synq_no_recent_overflow).
	cookieValid = cookieMaxAge * cookiePeriod

	// The options a cookie keeps in the low bits of our timestamp (Linux's
	// TS_OPT_*): the peer's window scale (0xf: none), SACK-permitted, ECN.
	tsOptBits       = 6
	tsOptWScaleMask = 0xf
	tsOptSACK       = 1 << 4
)

// cookieJar holds the secrets of SYN cookies (Linux's syncookie_secret):
// one for the hash that hides the peer's sequence number, one for the
// hash that authenticates the minute counter and the MSS index.
type cookieJar struct {
	secret [2][32]byte
}

func newCookieJar() *cookieJar {
	j := &cookieJar{}
	for i := range j.secret {
		if _, err := rand.Read(j.secret[i][:]); err != nil {
			panic("tcp: no randomness for the SYN cookie secret: " + err.Error())
		}
	}
	return j
}

// cookieCount is Linux's tcp_cookie_time: minutes since the Unix epoch.
func cookieCount(now time.Time) uint32 { return uint32(now.Unix() / int64(cookiePeriod/time.Second)) }

// make is secure_tcp_syn_cookie: our ISN for a SYN from remote with
// sequence number peerSeq, carrying data (the MSS index).
func (j *cookieJar) make(local, remote netip.AddrPort, peerSeq Seq, data uint32, now time.Time) Seq {
	count := cookieCount(now)
	return Seq(keyedHash(&j.secret[0], local, remote, 0) + uint32(peerSeq) + count<<cookieBits +
		(keyedHash(&j.secret[1], local, remote, count)+data)&cookieMask)
}

// check is check_tcp_syn_cookie: the data a cookie carries, if it is one
// we made for this connection within cookieMaxAge minutes.
func (j *cookieJar) check(cookie Seq, local, remote netip.AddrPort, peerSeq Seq, now time.Time) (uint32, bool) {
	count := cookieCount(now)
	c := uint32(cookie) - (keyedHash(&j.secret[0], local, remote, 0) + uint32(peerSeq))
	diff := (count - c>>cookieBits) & (math.MaxUint32 >> cookieBits)
	if diff >= cookieMaxAge {
		return 0, false
	}
	return (c - keyedHash(&j.secret[1], local, remote, count-diff)) & cookieMask, true
}

// cookieMSSIndex picks the largest table MSS not above the peer's
// (cookie_v4_init_sequence).
func cookieMSSIndex(peerMSS uint32) uint32 {
	i := len(cookieMSS) - 1
	for ; i > 0; i-- {
		if peerMSS >= uint32(cookieMSS[i]) {
			break
		}
	}
	return uint32(i)
}

// sendCookieLocked answers a SYN with a SYN cookie (tcp_conn_request with
// want_cookie): MSS in the sequence number; with timestamps, the peer's
// window scale and SACK-permitted in our TSval, which the ACK echoes;
// without them, neither is offered (tcp_clear_options), since nothing
// would bring them back. It is called with the listener's lock held.
func (e *Endpoint) sendCookieLocked(seg *segment) {
	p := e.p
	now := p.stack.Clock.Now()
	e.synqOverflow = now
	peerMSS := uint32(536) // RFC 9293 §3.7.1: the default without the option
	if seg.opts.HasMSS && seg.opts.MSS > 0 {
		peerMSS = uint32(seg.opts.MSS)
	}
	iss := p.cookies.make(seg.dst, seg.src, seg.seq, cookieMSSIndex(peerMSS), now)
	o := header.TCPOptions{HasMSS: true, MSS: p.mssOptionTo(seg.src.Addr())}
	if seg.opts.HasTS && !p.opt.NoTimestamps {
		opts := uint32(tsOptWScaleMask)
		if seg.opts.HasWS && !p.opt.NoWindowScale {
			opts = uint32(min(seg.opts.WindowScale, 14)) // RFC 7323 §2.3
			o.HasWS, o.WindowScale = true, rcvWScaleFor(p.opt.RcvBuf)
		}
		if seg.opts.SACKPermitted && !p.opt.NoSACK {
			opts |= tsOptSACK
			o.SACKPermitted = true
		}
		// Our timestamp clock with its low bits replaced, never ahead of
		// the clock (cookie_init_timestamp): later segments' TSvals must
		// not go backwards.
		tsNow := uint32(now.UnixMilli())
		ts := tsNow>>tsOptBits<<tsOptBits | opts
		if ts > tsNow {
			ts -= 1 << tsOptBits
		}
		o.HasTS, o.TSVal, o.TSEcr = true, ts, seg.opts.TSVal
	}
	p.stack.Counters.TCPSyncookiesSent.Add(1)
	p.sendRaw(seg.dst, seg.src, iss, seg.seq.Add(1), header.TCPSyn|header.TCPAck, uint16(min(p.opt.RcvBuf, 65535)), o, nil)
}

// cookieAckLocked is cookie_v4_check for an ACK that reached the listener:
// if it carries a valid cookie, the connection it encodes is made,
// established, put on the accept queue and given the segment; true when
// the segment was consumed (a valid cookie, even when the accept queue
// has no room). The listener's lock is held.
func (e *Endpoint) cookieAckLocked(seg *segment) bool {
	p := e.p
	c := &p.stack.Counters
	now := p.stack.Clock.Now()
	if p.opt.NoSYNCookies || e.synqOverflow.IsZero() || now.Sub(e.synqOverflow) > cookieValid {
		return false
	}
	idx, ok := p.cookies.check(seg.ack-1, seg.dst, seg.src, seg.seq-1, now)
	if !ok || idx >= uint32(len(cookieMSS)) {
		c.TCPSyncookiesFailed.Add(1)
		return false
	}
	// The options of the SYN, as the cookie kept them.
	synOpts := header.TCPOptions{HasMSS: true, MSS: cookieMSS[idx]}
	if seg.opts.HasTS {
		// cookie_timestamp_decode: options we would not have offered make
		// the cookie invalid.
		opts := seg.opts.TSEcr & (1<<tsOptBits - 1)
		synOpts.HasTS, synOpts.TSVal = true, seg.opts.TSVal
		synOpts.SACKPermitted = opts&tsOptSACK != 0
		if ws := opts & tsOptWScaleMask; ws != tsOptWScaleMask {
			synOpts.HasWS, synOpts.WindowScale = true, uint8(ws)
		}
		if p.opt.NoTimestamps || synOpts.SACKPermitted && p.opt.NoSACK || synOpts.HasWS && p.opt.NoWindowScale {
			c.TCPSyncookiesFailed.Add(1)
			return false
		}
	}
	c.TCPSyncookiesRecv.Add(1)
	// tcp_get_cookie_sock: a full accept queue drops the ACK, and the
	// peer's next segment tries again.
	if len(e.acceptQ) >= e.backlog || !p.stack.Budget.Take(SocketMemory) {
		c.TCPListenDrops.Add(1)
		return true
	}
	ch := e.newChildLocked(seg)
	if ch == nil {
		return true
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	ch.initOptionsLocked(p.stack.NICFor(seg.dst.Addr()))
	ch.irs, ch.rcvNxt = seg.seq-1, seg.seq
	ch.iss = seg.ack - 1
	ch.negotiateLocked(&segment{opts: synOpts})
	ch.sndNxt, ch.sndMax = seg.ack, seg.ack
	ch.sndUna = seg.ack
	ch.sndWnd = uint32(seg.wnd) << ch.sndShift()
	ch.maxSndWnd = ch.sndWnd
	ch.sndWl1, ch.sndWl2 = seg.seq, seg.ack
	if ch.tsOK {
		// The echo of the cookie's timestamp measures the handshake.
		ch.tsRewind = seg.opts.TSEcr
		ch.rttSampleLocked(seg, false)
	}
	ch.state = stateEstablished
	ch.lastRecv = now
	e.acceptQ = append(e.acceptQ, ch)
	e.wakeLocked()
	// The rest of the segment (data, FIN) is the new connection's.
	ch.inputSynchronizedLocked(seg)
	return true
}
