// parse.go holds the pure parser of one /proc/net socket table.

package procnet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/gonetstat/gonetstat/collect"
)

// Bounds on hostile input, so that a corrupt or malicious table costs a
// bounded amount of work and memory.
//
// A real row is at most about 180 bytes (a tcp6 row with every number at
// its widest); MaxLineLen leaves room for kernels that add columns. MaxRows
// is far above the largest real tables (a million sockets is a very busy
// host; tcp_max_tw_buckets keeps TIME_WAIT to 262144 by default) and keeps
// the result of one call under a few GiB even then.
const (
	MaxLineLen = 4096
	MaxRows    = 16 << 20
)

// The kernel prints each 32-bit word of an address (a __be32, so its bytes
// are in network order in memory) with %08X, i.e. as the integer the CPU
// reads from those bytes: in the byte order of the machine that wrote the
// table. 127.0.0.1 reads 0100007F on little-endian hosts (x86, arm64) and
// 7F000001 on big-endian ones (s390x). Decoding therefore stores each
// parsed word back in that same order. Parse uses this machine's order
// (binary.NativeEndian semantics); ParseOrder takes the writer's order
// explicitly, for tables copied from another host (a bundle).

// Parse appends to dst one Socket for each row of data, a whole
// /proc/net/{tcp,tcp6,udp,udp6} table of the single kind given
// (collect.TCP4, TCP6, UDP4 or UDP6), written by a kernel of this
// machine's byte order.
//
// A malformed row is an error naming its line number and the problem; no row
// is skipped. On error, the returned slice holds dst and the rows before the
// bad line, which are good rows.
func Parse(data []byte, kind collect.Kind, dst []collect.Socket) ([]collect.Socket, error) {
	return ParseOrder(data, kind, binary.NativeEndian, dst)
}

// ParseOrder is Parse for a table written by a kernel whose byte order is
// order: binary.LittleEndian, binary.BigEndian or binary.NativeEndian.
func ParseOrder(data []byte, kind collect.Kind, order binary.ByteOrder, dst []collect.Socket) ([]collect.Socket, error) {
	var big bool
	switch order {
	case binary.ByteOrder(binary.LittleEndian):
	case binary.ByteOrder(binary.BigEndian):
		big = true
	case binary.ByteOrder(binary.NativeEndian):
		big = nativeBig
	default:
		return dst, fmt.Errorf("procnet: byte order %v: want little or big endian", order)
	}
	return parseTable(data, kind, big, MaxRows, dst)
}

func parseTable(data []byte, kind collect.Kind, big bool, maxRows int, dst []collect.Socket) ([]collect.Socket, error) {
	switch kind {
	case collect.TCP4, collect.TCP6, collect.UDP4, collect.UDP6:
	default:
		return dst, fmt.Errorf("procnet: kind %d (%q) is not a single table", uint8(kind), kind)
	}
	p := parser{proto: kind.Proto(), fam: kind.Family(), big: big}
	lineNo, rows := 0, 0
	for len(data) > 0 {
		lineNo++
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		if len(line) > MaxLineLen {
			return dst, fmt.Errorf("procnet: line %d: longer than %d bytes", lineNo, MaxLineLen)
		}
		f := fields(line)
		if f.n == 0 {
			continue // a blank line holds no row
		}
		// The header is known by its first column, not by its position;
		// the kernel prints it once, before every row.
		if string(f.get(line, 0)) == "sl" {
			if rows > 0 {
				return dst, fmt.Errorf("procnet: line %d: a header after %d rows (two tables joined?)", lineNo, rows)
			}
			continue
		}
		rows++
		if rows > maxRows {
			return dst, fmt.Errorf("procnet: line %d: more than %d rows", lineNo, maxRows)
		}
		s, err := p.row(line, &f)
		if err != nil {
			return dst, fmt.Errorf("procnet: line %d: %w", lineNo, err)
		}
		dst = append(dst, s)
	}
	return dst, nil
}

var nativeBig = func() bool {
	var b [2]byte
	binary.NativeEndian.PutUint16(b[:], 1)
	return b[0] == 0
}()

// clockTick is the unit of the clock_t the kernel prints timer expiries and
// the RTO in (jiffies_delta_to_clock_t, jiffies_to_clock_t): 1/USER_HZ, and
// USER_HZ is 100 on every architecture Linux has.
const clockTick = 10 * time.Millisecond

// maxFields is one more than a full TCP row has, so rows of kernels that
// append columns are still read by position; columns past it are not
// looked at.
const maxFields = 20

// fieldIndex holds the [start,end) offsets of a line's blank-separated
// fields, so a row is parsed in place without allocating.
type fieldIndex struct {
	n   int
	pos [maxFields][2]int32
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

func fields(line []byte) fieldIndex {
	var f fieldIndex
	i := 0
	for i < len(line) && f.n < maxFields {
		for i < len(line) && isBlank(line[i]) {
			i++
		}
		if i == len(line) {
			break
		}
		start := i
		for i < len(line) && !isBlank(line[i]) {
			i++
		}
		f.pos[f.n] = [2]int32{int32(start), int32(i)}
		f.n++
	}
	return f
}

func (f *fieldIndex) get(line []byte, i int) []byte {
	if i >= f.n {
		return nil
	}
	return line[f.pos[i][0]:f.pos[i][1]]
}

// Field positions, counted from 0 at "sl". Every table has the columns up
// to fPointer (get_timewait4_sock and get_openreq4 stop there); full TCP
// sockets (get_tcp4_sock) add fRTO..fSsthresh and UDP sockets
// (udp4_format_sock) add the drop count.
const (
	fSlot = iota
	fLocal
	fRemote
	fState
	fQueues
	fTimer
	fRetrans
	fUID
	fTimeout
	fInode
	fRefcnt
	fPointer
	fRTO
	fATO
	fQuickAck
	fCwnd
	fSsthresh

	minFields     = fPointer + 1  // 12: TIME_WAIT and request rows, and UDP before drops existed
	fullTCPFields = fSsthresh + 1 // 17

	fDrops = fRTO // UDP's thirteenth column
)

var errShort = errors.New("too few fields")

type parser struct {
	proto collect.Proto
	fam   collect.Family
	big   bool
}

func (p *parser) row(line []byte, f *fieldIndex) (collect.Socket, error) {
	s := collect.Socket{Source: collect.Kernel, Proto: p.proto, Family: p.fam}
	if f.n < minFields {
		return s, fmt.Errorf("%w: %d, want at least %d", errShort, f.n, minFields)
	}
	// The slot is printed "%4d:" (a hash bucket for UDP, a counter for
	// TCP); it is not kept, but a row must start with one.
	sl := f.get(line, fSlot)
	if len(sl) < 2 || sl[len(sl)-1] != ':' {
		return s, fmt.Errorf("slot %q: want N:", sl)
	}
	if _, ok := parseInt(sl[:len(sl)-1]); !ok {
		return s, fmt.Errorf("slot %q: want N:", sl)
	}
	var err error
	if s.Local, err = p.endpoint(f.get(line, fLocal)); err != nil {
		return s, fmt.Errorf("local address: %w", err)
	}
	if s.Remote, err = p.endpoint(f.get(line, fRemote)); err != nil {
		return s, fmt.Errorf("remote address: %w", err)
	}
	st, ok := parseUint(f.get(line, fState), 16, 8)
	if !ok {
		return s, fmt.Errorf("state %q: want 2 hex digits", f.get(line, fState))
	}
	s.State = collect.State(st)
	if p.proto == collect.ProtoTCP && s.State == collect.StateClose {
		// The same rule as the sock_diag decoder: a TCP socket in
		// TCP_CLOSE that a kernel table shows is bound and inactive.
		// The established hash holds one only while it is being
		// unhashed (tcp_set_state); the bound ones /proc never lists.
		s.State = collect.StateBoundInactive
	}
	tx, rx, ok := pair(f.get(line, fQueues), 32)
	if !ok {
		return s, fmt.Errorf("queues %q: want TX:RX in hex", f.get(line, fQueues))
	}
	s.SendQ, s.RecvQ = uint32(tx), uint32(rx)
	if p.proto == collect.ProtoTCP && s.State == collect.StateListen {
		// get_tcp4_sock prints write_seq - snd_una for a listener,
		// always 0, where sock_diag gives the backlog limit: unknown
		// here, not 0.
		s.SendQ, s.NoSendQ = 0, true
	}
	tr, when, ok := pair(f.get(line, fTimer), 64)
	if !ok || tr > 0xff {
		return s, fmt.Errorf("timer %q: want TR:WHEN in hex", f.get(line, fTimer))
	}
	retrans, ok := parseUint(f.get(line, fRetrans), 16, 32)
	if !ok {
		return s, fmt.Errorf("retransmits %q: want hex", f.get(line, fRetrans))
	}
	uid, ok := parseUint(f.get(line, fUID), 10, 32)
	if !ok {
		return s, fmt.Errorf("uid %q", f.get(line, fUID))
	}
	// get_timewait4_sock prints uid 0 for sockets no process owns any more
	// (TIME_WAIT, and an orphaned FIN_WAIT2 in its timewait form), which
	// always carry timer 3: their owner is unknown, not root. The sock_diag
	// decoder applies the same rule. (Request sockets, unlike in
	// sock_diag, print their listener's uid here: get_openreq4.)
	s.UID, s.HasUID = uint32(uid), tr != uint64(collect.TimerTimeWait)
	// "timeout" is icsk_probes_out for TCP and 0 elsewhere; the model has
	// no place for it, but it must be a number.
	if _, ok := parseInt(f.get(line, fTimeout)); !ok {
		return s, fmt.Errorf("timeout %q", f.get(line, fTimeout))
	}
	if s.Inode, ok = parseUint(f.get(line, fInode), 10, 64); !ok {
		return s, fmt.Errorf("inode %q", f.get(line, fInode))
	}
	if _, ok := parseInt(f.get(line, fRefcnt)); !ok {
		return s, fmt.Errorf("refcount %q", f.get(line, fRefcnt))
	}
	// %pK: the socket's address, hashed or zeroed by kptr_restrict.
	if _, ok := parseUint(f.get(line, fPointer), 16, 64); !ok {
		return s, fmt.Errorf("pointer %q: want hex", f.get(line, fPointer))
	}
	if p.proto != collect.ProtoTCP {
		// The drop count (sk_drops, "%u"; old kernels' udp4_format_sock
		// stops at the pointer) has no place in the model, but when present
		// it must be a number.
		if f.n > minFields {
			if _, ok := parseUint(f.get(line, fDrops), 10, 32); !ok {
				return s, fmt.Errorf("drops %q", f.get(line, fDrops))
			}
		}
		return s, nil
	}
	full := f.n >= fullTCPFields
	if !full && f.n > minFields {
		return s, fmt.Errorf("%w: %d, want %d (a TIME_WAIT or request socket) or at least %d (a full socket)",
			errShort, f.n, minFields, fullTCPFields)
	}
	// As in the sock_diag decoder, TCP internals exist when the kernel
	// printed some: the full socket's columns, or a running timer (every
	// TIME_WAIT and request row has one). Absent stays nil.
	if !full && tr == uint64(collect.TimerNone) {
		return s, nil
	}
	info := &collect.TCPInfo{
		Timer:       collect.Timer(tr),
		Retransmits: uint32(retrans),
	}
	// With no timer running the kernel prints 0 ("expires now"); there is
	// nothing to expire.
	if tr != uint64(collect.TimerNone) && when <= uint64(maxClockTicks) {
		info.TimerExpires = collect.MillisOf(time.Duration(when) * clockTick)
	}
	// An expiry past collect.MaxMillis (49.7 days) is kept as MaxMillis;
	// no kernel timer runs that long (keepalive's limit is 32767 s).
	// A larger expiry still (over 290 years) is no future timer but an
	// overdue one: kernels older than the jiffies_delta_to_clock_t helper
	// (2013) printed jiffies_to_clock_t(expires - jiffies), and a timer that
	// was due but had not run yet wrapped around to nearly 2^64 (still
	// visible in the copies of get_tcp4_sock and get_timewait6_sock of that
	// era). Such a timer fires now, so TimerExpires stays 0 rather than the
	// whole table failing on the old kernels this fallback exists for.
	if full {
		rto, ok := parseUint(f.get(line, fRTO), 10, 32)
		if !ok {
			return s, fmt.Errorf("rto %q", f.get(line, fRTO))
		}
		info.RTO = collect.MicrosOf(time.Duration(rto) * clockTick)
		if _, ok := parseUint(f.get(line, fATO), 10, 32); !ok {
			return s, fmt.Errorf("ato %q", f.get(line, fATO))
		}
		if _, ok := parseUint(f.get(line, fQuickAck), 10, 32); !ok {
			return s, fmt.Errorf("quickack %q", f.get(line, fQuickAck))
		}
		cwnd, ok := parseUint(f.get(line, fCwnd), 10, 32)
		if !ok {
			return s, fmt.Errorf("snd_cwnd %q", f.get(line, fCwnd))
		}
		info.SndCwnd = uint32(cwnd)
		ss := f.get(line, fSsthresh)
		v, ok := parseInt(ss)
		if !ok || v < -1 || v > 1<<32-1 {
			return s, fmt.Errorf("ssthresh %q", ss)
		}
		// get_tcp4_sock prints, in this last column, a listener's TCP Fast
		// Open queue limit (fastopenq->max_qlen) rather than a ssthresh,
		// and -1 while ssthresh is still "infinite"
		// (TCP_INFINITE_SSTHRESH, before the first loss). Both leave
		// SndSsthresh at 0: unknown.
		if s.State != collect.StateListen && v >= 0 {
			info.SndSsthresh = uint32(v)
		}
	}
	s.TCP = info
	return s, nil
}

// maxClockTicks is the longest expiry a time.Duration holds, in ticks: the
// bound past which an expiry is read as an old kernel's wrapped overdue
// timer.
const maxClockTicks = int64(1<<63-1) / int64(clockTick)

// endpoint reads "0100007F:1F90" (IPv4) or 32 hex digits and a port (IPv6).
func (p *parser) endpoint(b []byte) (netip.AddrPort, error) {
	words := 1
	if p.fam == collect.FamilyIPv6 {
		words = 4
	}
	if len(b) != words*8+5 || b[words*8] != ':' {
		return netip.AddrPort{}, fmt.Errorf("%q: want %d hex digits, a colon and 4 hex digits", b, words*8)
	}
	var raw [16]byte
	for w := range words {
		v, ok := parseUint(b[w*8:w*8+8], 16, 32)
		if !ok {
			return netip.AddrPort{}, fmt.Errorf("%q: bad hex in the address", b)
		}
		if p.big {
			binary.BigEndian.PutUint32(raw[w*4:], uint32(v))
		} else {
			binary.LittleEndian.PutUint32(raw[w*4:], uint32(v))
		}
	}
	port, ok := parseUint(b[words*8+1:], 16, 16)
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("%q: bad hex in the port", b)
	}
	// An unconnected socket's remote end is printed as all zeros and comes
	// out as the family's unspecified address and port 0 (0.0.0.0:0 or
	// [::]:0), valid, so renderers can print it as such. IPv4-mapped
	// addresses in tcp6/udp6 stay IPv6 (::ffff:1.2.3.4), as the kernel
	// reports them.
	var a netip.Addr
	if words == 1 {
		a = netip.AddrFrom4([4]byte(raw[:4]))
	} else {
		a = netip.AddrFrom16(raw)
	}
	return netip.AddrPortFrom(a, uint16(port)), nil
}

// pair parses "X:Y", two hex numbers of at most bits bits.
func pair(b []byte, bits int) (uint64, uint64, bool) {
	i := bytes.IndexByte(b, ':')
	if i < 0 {
		return 0, 0, false
	}
	x, ok1 := parseUint(b[:i], 16, bits)
	y, ok2 := parseUint(b[i+1:], 16, bits)
	return x, y, ok1 && ok2
}

// parseUint parses a non-empty unsigned number of at most bits bits (4 to
// 64), with no sign and no prefix, in base 10 or 16. The two bases have
// their own loops so that the overflow check divides by a constant.
func parseUint(b []byte, base int, bits int) (uint64, bool) {
	if base == 16 {
		return parseHex(b, bits)
	}
	return parseDec(b, bits)
}

func maxOf(bits int) uint64 {
	if bits >= 64 {
		return ^uint64(0)
	}
	return 1<<bits - 1
}

func parseHex(b []byte, bits int) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	// Shifting in a digit overflows exactly when v > limit>>4: limit's low
	// four bits are all ones.
	cutoff := maxOf(bits) >> 4
	var v uint64
	for _, c := range b {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		if v > cutoff {
			return 0, false
		}
		v = v<<4 | uint64(d)
	}
	return v, true
}

func parseDec(b []byte, bits int) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	limit := maxOf(bits)
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (limit-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// parseInt parses a decimal int64 with an optional minus sign (what %d
// prints).
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	v, ok := parseUint(b, 10, 63)
	if neg {
		return -int64(v), ok
	}
	return int64(v), ok
}
