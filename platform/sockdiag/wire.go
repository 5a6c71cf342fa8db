// wire.go holds the request encoder and the reply decoder: bytes in, model
// out, no system calls.

package sockdiag

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/nlmsg"
)

// Constants of the inet_diag ABI (the netlink ones are nlmsg's). They are
// spelled out here, not taken from x/sys/unix, so the decoder builds on
// every OS.
const (
	sockDiagByFamily = 20 // SOCK_DIAG_BY_FAMILY

	reqLen     = 56 // struct inet_diag_req_v2
	diagMsgLen = 72 // struct inet_diag_msg
	rtaHdrLen  = 4  // struct rtattr

	inetDiagInfo = 2 // INET_DIAG_INFO: struct tcp_info

	// ExtInfo is the inet_diag_req_v2.idiag_ext bit asking for tcp_info.
	ExtInfo = 1 << (inetDiagInfo - 1)
	// AllStates asks for sockets in every state, TIME_WAIT and
	// NEW_SYN_RECV included, and (Linux 6.8 and later) the bound,
	// inactive TCP sockets of the bind hash.
	AllStates = 0xffffffff
	// BoundInactive is the state bit (TCPF_BOUND_INACTIVE, 1 << 13) that
	// asks for the bind-hash walk of inet_diag_dump_icsk; older kernels
	// ignore it.
	BoundInactive = 1 << collect.StateBoundInactive
)

// Offsets in struct inet_diag_msg (include/uapi/linux/inet_diag.h).
const (
	offFamily  = 0
	offState   = 1
	offTimer   = 2
	offRetrans = 3
	offSport   = 4 // __be16
	offDport   = 6 // __be16
	offSrc     = 8 // __be32[4]
	offDst     = 24
	offIf      = 40
	offCookie  = 44 // __u32[2]
	offExpires = 52 // milliseconds
	offRqueue  = 56
	offWqueue  = 60
	offUID     = 64
	offInode   = 68
)

// Offsets in struct tcp_info (include/uapi/linux/tcp.h). The kernel sends
// as much of the struct as it knows; older kernels send less, so each
// field is read only when the attribute is long enough to hold it.
const (
	tiRetransmits  = 2   // __u8 tcpi_retransmits
	tiRTO          = 8   // __u32 tcpi_rto, microseconds
	tiSndMSS       = 16  // __u32 tcpi_snd_mss
	tiRcvMSS       = 20  // __u32 tcpi_rcv_mss
	tiUnacked      = 24  // __u32 tcpi_unacked
	tiRTT          = 68  // __u32 tcpi_rtt, microseconds
	tiRTTVar       = 72  // __u32 tcpi_rttvar
	tiSndSsthresh  = 76  // __u32 tcpi_snd_ssthresh
	tiSndCwnd      = 80  // __u32 tcpi_snd_cwnd
	tiTotalRetrans = 100 // __u32 tcpi_total_retrans
	tiBytesAcked   = 120 // __u64 tcpi_bytes_acked
	tiBytesRecv    = 128 // __u64 tcpi_bytes_received
)

// infiniteSsthresh is TCP_INFINITE_SSTHRESH: no loss seen yet, no value.
const infiniteSsthresh = 0x7fffffff

// native is the byte order of the kernel's host-order fields. Replies are
// always decoded on the machine that received them, except captured test
// bytes, which were little-endian (as is every platform we build for).
var native = binary.NativeEndian

// Request encodes one SOCK_DIAG_BY_FAMILY dump request: nlmsghdr plus
// inet_diag_req_v2 for the given family (AF_INET 2, AF_INET6 10), protocol
// (6 TCP, 17 UDP), state mask and extension bits.
func Request(family, proto uint8, states uint32, ext uint8, seq uint32) []byte {
	b := nlmsg.NewRequest(sockDiagByFamily, nlmsg.FDump, seq, reqLen)
	r := b[nlmsg.HdrLen:]
	r[0], r[1], r[2] = family, proto, ext
	native.PutUint32(r[4:], states)
	return b
}

// Decoder decodes the replies of one dump.
type Decoder struct {
	Proto uint8 // 6 TCP or 17 UDP: what the request asked for
	// ZoneName names the interface of an IPv6 link-local address by its
	// index; nil prints the number.
	ZoneName func(index uint32) string
	// Seq, when not 0, is the sequence number replies must carry.
	Seq uint32

	// slab hands out TCPInfo values a chunk at a time, so a dump of N
	// TCP sockets costs N/infoChunk allocations for them, not N. Rows
	// keep pointers into it; it is never reused.
	slab []collect.TCPInfo
}

// infoChunk is how many TCPInfo values one slab allocation holds (4 KiB).
const infoChunk = 64

func (d *Decoder) newInfo() *collect.TCPInfo {
	if len(d.slab) == 0 {
		d.slab = make([]collect.TCPInfo, infoChunk)
	}
	info := &d.slab[0]
	d.slab = d.slab[1:]
	return info
}

// Decode appends the sockets of one received buffer to dst. done reports
// NLMSG_DONE (or an error reply), interrupted that some message carried
// NLM_F_DUMP_INTR. err joins every problem: *MessageError for a message that
// could not be decoded (the others are still returned), ErrFraming when the
// buffer's framing broke, *KernelError for an error reply.
func (d *Decoder) Decode(buf []byte, dst []collect.Socket) (out []collect.Socket, done, interrupted bool, err error) {
	sc := nlmsg.NewScanner(buf, d.Seq)
	for m, ok := sc.Next(); ok; m, ok = sc.Next() {
		s, err := d.decodeMsg(m)
		if err != nil {
			sc.Fail(m, err)
			continue
		}
		dst = append(dst, s)
	}
	return dst, sc.Done(), sc.Interrupted(), sc.Err()
}

// decodeMsg decodes one data message of a reply: Decode's, and the dump
// loop's callback. The type check is here, not in a wrapper, so the row is
// copied once less on the path of every socket.
func (d *Decoder) decodeMsg(m nlmsg.Message) (collect.Socket, error) {
	var s collect.Socket
	if m.Type != sockDiagByFamily {
		return s, fmt.Errorf("unexpected message type %d", m.Type)
	}
	b := m.Data
	if len(b) < diagMsgLen {
		return s, fmt.Errorf("inet_diag_msg of %d bytes, want %d", len(b), diagMsgLen)
	}
	s.Source = collect.Kernel
	switch d.Proto {
	case 6:
		s.Proto = collect.ProtoTCP
	case 17:
		s.Proto = collect.ProtoUDP
	default:
		return s, fmt.Errorf("decoder protocol %d", d.Proto)
	}
	ifindex := native.Uint32(b[offIf:])
	switch b[offFamily] {
	case 2:
		s.Family = collect.FamilyIPv4
		s.Local = netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[offSrc:offSrc+4])), binary.BigEndian.Uint16(b[offSport:]))
		s.Remote = netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[offDst:offDst+4])), binary.BigEndian.Uint16(b[offDport:]))
	case 10:
		s.Family = collect.FamilyIPv6
		s.Local = netip.AddrPortFrom(d.zone(netip.AddrFrom16([16]byte(b[offSrc:offSrc+16])), ifindex), binary.BigEndian.Uint16(b[offSport:]))
		s.Remote = netip.AddrPortFrom(d.zone(netip.AddrFrom16([16]byte(b[offDst:offDst+16])), ifindex), binary.BigEndian.Uint16(b[offDport:]))
	default:
		return s, fmt.Errorf("address family %d", b[offFamily])
	}
	s.State = collect.State(b[offState])
	if s.Proto == collect.ProtoTCP && s.State == collect.StateClose {
		// Only the bind-hash walk dumps a TCP socket in TCP_CLOSE, and
		// only a bound one (inet_num != 0, net/ipv4/inet_diag.c); the
		// model names what it is.
		s.State = collect.StateBoundInactive
	}
	s.RecvQ = native.Uint32(b[offRqueue:])
	s.SendQ = native.Uint32(b[offWqueue:])
	s.UID = native.Uint32(b[offUID:])
	s.Inode = uint64(native.Uint32(b[offInode:]))
	s.HasUID = hasOwner(b[offTimer], s.State, s.UID, s.Inode)
	s.Cookie = uint64(native.Uint32(b[offCookie:])) | uint64(native.Uint32(b[offCookie+4:]))<<32
	// Every attribute's framing is checked, used or not, so a corrupt
	// message is never passed off as a good one.
	var tcpInfo []byte
	hasInfo := false
	if err := walkAttrs(b[diagMsgLen:], func(typ uint16, payload []byte) {
		if typ == inetDiagInfo {
			tcpInfo, hasInfo = payload, true
		}
	}); err != nil {
		return s, err
	}
	timer := collect.Timer(b[offTimer])
	// TCP internals exist only when the kernel sent some: tcp_info (asked
	// for with ExtInfo; never sent for TIME_WAIT and request sockets) or a
	// running timer. Absent stays nil, not a struct of zeros.
	if s.Proto != collect.ProtoTCP || (!hasInfo && timer == collect.TimerNone) {
		return s, nil
	}
	info := d.newInfo()
	info.Timer = timer
	info.Retransmits = uint32(b[offRetrans])
	if timer != collect.TimerNone {
		info.TimerExpires = collect.Millis(native.Uint32(b[offExpires:]))
	}
	if hasInfo {
		decodeTCPInfo(tcpInfo, info)
	}
	s.TCP = info
	return s, nil
}

// hasOwner reports whether a message's idiag_uid is a real owner. The
// kernel writes uid 0 and inode 0 into the messages of sockets that have no
// owner: timewait mini-sockets (inet_twsk_diag_fill; they say timer 3, and
// their state is TIME_WAIT or, for an orphaned FIN_WAIT2, FIN_WAIT2) and
// request sockets (inet_req_diag_fill; they say SYN_RECV). Their 0 means
// "nobody", not root. A full SYN_RECV socket (a TCP Fast Open child) that
// root owns and no file refers to yet looks the same and loses its UID:
// absent is better than invented.
func hasOwner(timer uint8, state collect.State, uid uint32, inode uint64) bool {
	switch {
	case collect.Timer(timer) == collect.TimerTimeWait:
		return false
	case state == collect.StateSynRecv && uid == 0 && inode == 0:
		return false
	}
	return true
}

// walkAttrs calls f for each rtattr of a message and fails on the first
// whose length does not fit.
func walkAttrs(attrs []byte, f func(typ uint16, payload []byte)) error {
	for len(attrs) > 0 {
		if len(attrs) < rtaHdrLen {
			return fmt.Errorf("%d trailing attribute bytes", len(attrs))
		}
		n := int(native.Uint16(attrs[0:]))
		typ := native.Uint16(attrs[2:])
		if n < rtaHdrLen || n > len(attrs) {
			return fmt.Errorf("attribute %d claims %d bytes of %d", typ, n, len(attrs))
		}
		f(typ, attrs[rtaHdrLen:n])
		if aligned := (n + 3) &^ 3; aligned <= len(attrs) {
			attrs = attrs[aligned:]
		} else {
			attrs = attrs[len(attrs):]
		}
	}
	return nil
}

// zone adds the interface of a link-local address; other addresses have
// no zone, as everywhere else.
func (d *Decoder) zone(a netip.Addr, index uint32) netip.Addr {
	if index == 0 || !(a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast()) {
		return a
	}
	if d.ZoneName != nil {
		return a.WithZone(d.ZoneName(index))
	}
	return a.WithZone(strconv.FormatUint(uint64(index), 10))
}

func decodeTCPInfo(b []byte, info *collect.TCPInfo) {
	u32 := func(off int) (uint32, bool) {
		if off+4 > len(b) {
			return 0, false
		}
		return native.Uint32(b[off:]), true
	}
	us := func(off int) collect.Micros {
		v, _ := u32(off)
		return collect.Micros(v)
	}
	if tiRetransmits < len(b) {
		info.Retransmits = uint32(b[tiRetransmits])
	}
	info.RTO = us(tiRTO)
	info.SndMSS, _ = u32(tiSndMSS)
	info.RcvMSS, _ = u32(tiRcvMSS)
	info.Unacked, _ = u32(tiUnacked)
	info.RTT = us(tiRTT)
	info.RTTVar = us(tiRTTVar)
	if v, ok := u32(tiSndSsthresh); ok && v < infiniteSsthresh {
		info.SndSsthresh = v
	}
	info.SndCwnd, _ = u32(tiSndCwnd)
	info.TotalRetrans, _ = u32(tiTotalRetrans)
	if tiBytesAcked+8 <= len(b) {
		info.BytesAcked = native.Uint64(b[tiBytesAcked:])
	}
	if tiBytesRecv+8 <= len(b) {
		info.BytesReceived = native.Uint64(b[tiBytesRecv:])
	}
}
