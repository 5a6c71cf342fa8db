// parse.go holds the pure parser of one /proc/net socket table.

package procnet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/gonetstat/gonetstat/collect"
)

// Bounds on hostile input. A real line is under 200 bytes; a table of a
// busy host has a few hundred thousand rows.
const (
	MaxLineLen = 4096
	MaxRows    = 16 << 20
)

// hostOrder is the byte order in which the kernel that wrote the table
// prints each 32-bit address word. It is the order of the machine that
// runs gonetstat, except when reading a bundle from a big-endian host, which
// is why it is a variable.
var hostOrder binary.ByteOrder = nativeOrder()

func nativeOrder() binary.ByteOrder {
	var b [2]byte
	binary.NativeEndian.PutUint16(b[:], 1)
	if b[0] == 0 {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// clockTick is USER_HZ: the kernel prints timer expiries and the RTO with
// jiffies_to_clock_t, in hundredths of a second on every architecture.
const clockTick = 10 * time.Millisecond

// Parse appends to dst one Socket for each row of data, a whole
// /proc/net/{tcp,tcp6,udp,udp6} table of the single kind given. A malformed
// row is an error naming its line; no row is skipped silently.
func Parse(data []byte, kind collect.Kind, dst []collect.Socket) ([]collect.Socket, error) {
	var fam collect.Family
	var proto collect.Proto
	switch kind {
	case collect.TCP4, collect.TCP6, collect.UDP4, collect.UDP6:
		fam, proto = kind.Family(), kind.Proto()
	default:
		return dst, fmt.Errorf("procnet: kind %v is not a single table", kind)
	}
	lineNo, rows := 0, 0
	for len(data) > 0 {
		lineNo++
		var line []byte
		if i := indexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		if len(line) > MaxLineLen {
			return dst, fmt.Errorf("procnet: line %d: longer than %d bytes", lineNo, MaxLineLen)
		}
		f := fields(line)
		if f.n == 0 {
			continue
		}
		if string(f.get(line, 0)) == "sl" {
			continue // the header; printed once at the top
		}
		rows++
		if rows > MaxRows {
			return dst, fmt.Errorf("procnet: more than %d rows", MaxRows)
		}
		s, err := parseRow(line, &f, fam, proto)
		if err != nil {
			return dst, fmt.Errorf("procnet: line %d: %w", lineNo, err)
		}
		dst = append(dst, s)
	}
	return dst, nil
}

// maxFields is one more than a full TCP row has, so longer rows (future
// kernels) are still read by position.
const maxFields = 20

// fieldIndex holds the [start,end) offsets of a line's space-separated
// fields, so a row is parsed without allocating.
type fieldIndex struct {
	n   int
	pos [maxFields][2]int
}

func fields(line []byte) fieldIndex {
	var f fieldIndex
	i := 0
	for i < len(line) && f.n < maxFields {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
			i++
		}
		if i == len(line) {
			break
		}
		start := i
		for i < len(line) && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' {
			i++
		}
		f.pos[f.n] = [2]int{start, i}
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

var errShort = errors.New("too few fields")

// Field positions, counted from 0 at "sl".
const (
	fLocal = 1 + iota
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
)

func parseRow(line []byte, f *fieldIndex, fam collect.Family, proto collect.Proto) (collect.Socket, error) {
	s := collect.Socket{Source: collect.Kernel, Proto: proto, Family: fam}
	if f.n <= fInode {
		return s, errShort
	}
	sl := f.get(line, 0)
	if len(sl) < 2 || sl[len(sl)-1] != ':' {
		return s, fmt.Errorf("slot %q: want N:", sl)
	}
	if _, ok := parseUint(sl[:len(sl)-1], 10, 32); !ok {
		return s, fmt.Errorf("slot %q: want N:", sl)
	}
	var err error
	if s.Local, err = parseEndpoint(f.get(line, fLocal), fam); err != nil {
		return s, fmt.Errorf("local address: %w", err)
	}
	if s.Remote, err = parseEndpoint(f.get(line, fRemote), fam); err != nil {
		return s, fmt.Errorf("remote address: %w", err)
	}
	st, ok := parseUint(f.get(line, fState), 16, 8)
	if !ok {
		return s, fmt.Errorf("state %q", f.get(line, fState))
	}
	s.State = collect.State(st)
	tx, rx, ok := pair(f.get(line, fQueues), 16, 32)
	if !ok {
		return s, fmt.Errorf("queues %q: want TX:RX", f.get(line, fQueues))
	}
	s.SendQ, s.RecvQ = uint32(tx), uint32(rx)
	tr, when, ok := pair(f.get(line, fTimer), 16, 64)
	if !ok || tr > 0xff {
		return s, fmt.Errorf("timer %q: want TR:WHEN", f.get(line, fTimer))
	}
	retrans, ok := parseUint(f.get(line, fRetrans), 16, 32)
	if !ok {
		return s, fmt.Errorf("retransmits %q", f.get(line, fRetrans))
	}
	uid, ok := parseUint(f.get(line, fUID), 10, 32)
	if !ok {
		return s, fmt.Errorf("uid %q", f.get(line, fUID))
	}
	// get_timewait4_sock prints uid 0 for sockets no process owns any more
	// (TIME_WAIT, and orphaned FIN_WAIT2 in its timewait form), which
	// carry timer 3: their owner is unknown, not root. The sock_diag
	// decoder applies the same rule.
	s.UID, s.HasUID = uint32(uid), tr != uint64(collect.TimerTimeWait)
	if _, ok := parseInt(f.get(line, fTimeout)); !ok {
		return s, fmt.Errorf("timeout %q", f.get(line, fTimeout))
	}
	if s.Inode, ok = parseUint(f.get(line, fInode), 10, 64); !ok {
		return s, fmt.Errorf("inode %q", f.get(line, fInode))
	}
	if proto != collect.ProtoTCP {
		return s, nil
	}
	info := &collect.TCPInfo{
		Timer:       collect.Timer(tr),
		Retransmits: uint32(retrans),
	}
	if tr != 0 {
		info.TimerExpires = time.Duration(int64(when)) * clockTick
	}
	// Full sockets only: rto, cwnd and ssthresh follow the pointer.
	if f.n > fSsthresh {
		rto, ok := parseUint(f.get(line, fRTO), 10, 32)
		if !ok {
			return s, fmt.Errorf("rto %q", f.get(line, fRTO))
		}
		info.RTO = time.Duration(rto) * clockTick
		cwnd, ok := parseUint(f.get(line, fCwnd), 10, 32)
		if !ok {
			return s, fmt.Errorf("snd_cwnd %q", f.get(line, fCwnd))
		}
		info.SndCwnd = uint32(cwnd)
		// The kernel prints ssthresh as -1 while it is still "infinite"
		// (TCP_INFINITE_SSTHRESH, before the first loss): no value yet.
		ss := f.get(line, fSsthresh)
		if string(ss) != "-1" {
			v, ok := parseUint(ss, 10, 32)
			if !ok {
				return s, fmt.Errorf("ssthresh %q", ss)
			}
			info.SndSsthresh = uint32(v)
		}
	}
	s.TCP = info
	return s, nil
}

// parseEndpoint reads "0100007F:1F90" (IPv4) or 32 hex digits and a port
// (IPv6), each 32-bit word in hostOrder.
func parseEndpoint(b []byte, fam collect.Family) (netip.AddrPort, error) {
	words := 1
	if fam == collect.FamilyIPv6 {
		words = 4
	}
	if len(b) != words*8+5 || b[words*8] != ':' {
		return netip.AddrPort{}, fmt.Errorf("%q: want %d hex digits, a colon and 4 hex digits", b, words*8)
	}
	var raw [16]byte
	for w := 0; w < words; w++ {
		v, ok := parseUint(b[w*8:w*8+8], 16, 32)
		if !ok {
			return netip.AddrPort{}, fmt.Errorf("%q: bad hex", b)
		}
		putWord(raw[w*4:w*4+4], uint32(v))
	}
	port, ok := parseUint(b[words*8+1:], 16, 16)
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("%q: bad port", b)
	}
	var a netip.Addr
	if words == 1 {
		a = netip.AddrFrom4([4]byte(raw[:4]))
	} else {
		a = netip.AddrFrom16(raw)
	}
	return netip.AddrPortFrom(a, uint16(port)), nil
}

// putWord stores v as hostOrder would, without the interface call that
// would move raw to the heap on every row.
func putWord(b []byte, v uint32) {
	if hostOrder == binary.ByteOrder(binary.BigEndian) {
		binary.BigEndian.PutUint32(b, v)
		return
	}
	binary.LittleEndian.PutUint32(b, v)
}

func pair(b []byte, base int, bits int) (uint64, uint64, bool) {
	i := indexByte(b, ':')
	if i < 0 {
		return 0, 0, false
	}
	x, ok1 := parseUint(b[:i], base, bits)
	y, ok2 := parseUint(b[i+1:], base, bits)
	return x, y, ok1 && ok2
}

// parseUint parses a non-empty unsigned number of at most bits bits.
func parseUint(b []byte, base int, bits int) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var v uint64
	limit := uint64(1)<<bits - 1
	if bits == 64 {
		limit = ^uint64(0)
	}
	for _, c := range b {
		var d uint64
		switch {
		case '0' <= c && c <= '9':
			d = uint64(c - '0')
		case base == 16 && 'a' <= c && c <= 'f':
			d = uint64(c-'a') + 10
		case base == 16 && 'A' <= c && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if v > (limit-d)/uint64(base) {
			return 0, false
		}
		v = v*uint64(base) + d
	}
	return v, true
}

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

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
