// tcp.go is the TCP header and its options (RFC 9293 §3.1, RFC 7323,
// RFC 2018, RFC 6691).

package header

import (
	"encoding/binary"
	"net/netip"
	"strings"
)

// TCPMinLen is the length of a header without options; TCPMaxLen with
// the most options the data offset can express.
const (
	TCPMinLen = 20
	TCPMaxLen = 60
)

// TCP flags (RFC 9293 §3.1, RFC 3168 for ECE/CWR).
const (
	TCPFin uint8 = 1 << iota
	TCPSyn
	TCPRst
	TCPPsh
	TCPAck
	TCPUrg
	TCPEce
	TCPCwr
)

// TCPFlagsString renders flags as tcpdump does ("S.", "F.", "R", "P.").
func TCPFlagsString(f uint8) string {
	var b strings.Builder
	for _, x := range []struct {
		bit uint8
		c   byte
	}{{TCPSyn, 'S'}, {TCPFin, 'F'}, {TCPRst, 'R'}, {TCPPsh, 'P'}, {TCPUrg, 'U'}, {TCPEce, 'E'}, {TCPCwr, 'W'}, {TCPAck, '.'}} {
		if f&x.bit != 0 {
			b.WriteByte(x.c)
		}
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// TCP is a view of a TCP segment, header and payload.
type TCP []byte

// ParseTCP checks the data offset against the segment's length. Options
// are parsed on demand by ParseTCPOptions.
func ParseTCP(b []byte) (TCP, error) {
	if len(b) < TCPMinLen {
		return nil, perr("tcp", "%d bytes, want at least %d", len(b), TCPMinLen)
	}
	off := int(b[12]>>4) * 4
	if off < TCPMinLen || off > len(b) {
		return nil, perr("tcp", "data offset %d of %d bytes", off, len(b))
	}
	return TCP(b), nil
}

func (t TCP) SrcPort() uint16  { return binary.BigEndian.Uint16(t[0:]) }
func (t TCP) DstPort() uint16  { return binary.BigEndian.Uint16(t[2:]) }
func (t TCP) Seq() uint32      { return binary.BigEndian.Uint32(t[4:]) }
func (t TCP) Ack() uint32      { return binary.BigEndian.Uint32(t[8:]) }
func (t TCP) DataOffset() int  { return int(t[12]>>4) * 4 }
func (t TCP) Flags() uint8     { return t[13] }
func (t TCP) Window() uint16   { return binary.BigEndian.Uint16(t[14:]) }
func (t TCP) Checksum() uint16 { return binary.BigEndian.Uint16(t[16:]) }
func (t TCP) Urgent() uint16   { return binary.BigEndian.Uint16(t[18:]) }
func (t TCP) Options() []byte  { return t[TCPMinLen:t.DataOffset()] }
func (t TCP) Payload() []byte  { return t[t.DataOffset():] }
func (t TCP) Has(f uint8) bool { return t[13]&f == f }

// ChecksumValid checks the checksum over the segment and the IPv4
// pseudo-header (RFC 9293 §3.1).
func (t TCP) ChecksumValid(src, dst netip.Addr) bool {
	return Checksum(t, PseudoHeaderSum(ProtoTCP, src, dst, uint16(len(t)))) == 0
}

// TCPFields are the values of a header to encode.
type TCPFields struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            uint8
	Window           uint16
	Urgent           uint16
	OptionsLen       int // bytes of options already written at b[20:], a multiple of 4
}

// EncodeTCP writes the fixed header into b[:20] (options, if any, are
// already at b[20:20+OptionsLen]) and the checksum over all of b, which
// must hold the payload after the options.
func EncodeTCP(b []byte, f TCPFields, src, dst netip.Addr) {
	binary.BigEndian.PutUint16(b[0:], f.SrcPort)
	binary.BigEndian.PutUint16(b[2:], f.DstPort)
	binary.BigEndian.PutUint32(b[4:], f.Seq)
	binary.BigEndian.PutUint32(b[8:], f.Ack)
	b[12] = uint8((TCPMinLen+f.OptionsLen)/4) << 4
	b[13] = f.Flags
	binary.BigEndian.PutUint16(b[14:], f.Window)
	b[16], b[17] = 0, 0
	binary.BigEndian.PutUint16(b[18:], f.Urgent)
	binary.BigEndian.PutUint16(b[16:], Checksum(b, PseudoHeaderSum(ProtoTCP, src, dst, uint16(len(b)))))
}

// TCP option kinds (IANA "TCP Option Kind Numbers").
const (
	tcpOptEOL       = 0
	tcpOptNOP       = 1
	tcpOptMSS       = 2
	tcpOptWS        = 3
	tcpOptSACKPerm  = 4
	tcpOptSACK      = 5
	tcpOptTimestamp = 8
)

// MaxSACKBlocks is the most SACK blocks 40 bytes of options can hold.
const MaxSACKBlocks = 4

// SACKBlock is one received range [Left, Right) (RFC 2018 §3).
type SACKBlock struct{ Left, Right uint32 }

// TCPOptions holds the options the stack understands.
type TCPOptions struct {
	MSS           uint16 // RFC 6691; 0: absent
	HasMSS        bool
	WindowScale   uint8 // RFC 7323 §2; shift count
	HasWS         bool
	SACKPermitted bool // RFC 2018 §2
	HasTS         bool // RFC 7323 §3
	TSVal, TSEcr  uint32
	SACK          [MaxSACKBlocks]SACKBlock
	NumSACK       int
}

// ParseTCPOptions reads an options field as Linux's tcp_parse_options
// does: a known option with the wrong length is ignored and the options
// after it are read; an option whose length is under 2 or runs past the
// field ends the parse, keeping what came before; unknown options are
// skipped by their length. The options returned are usable in every case:
// TCP drops no segment for its options (RFC 9293 §3.1 asks for
// robustness, and Linux does not). The error describes the first
// malformed option, for whoever wants to know.
func ParseTCPOptions(b []byte) (TCPOptions, error) {
	var o TCPOptions
	var first error
	bad := func(format string, args ...any) {
		if first == nil {
			first = perr("tcp", format, args...)
		}
	}
	for i := 0; i < len(b); {
		kind := b[i]
		switch kind {
		case tcpOptEOL:
			return o, first
		case tcpOptNOP:
			i++
			continue
		}
		if i+1 >= len(b) {
			bad("option %d at offset %d has no length", kind, i)
			return o, first
		}
		n := int(b[i+1])
		if n < 2 || i+n > len(b) {
			bad("option %d at offset %d has length %d of %d left", kind, i, n, len(b)-i)
			return o, first
		}
		body := b[i+2 : i+n]
		switch kind {
		case tcpOptMSS:
			if n != 4 {
				bad("MSS option length %d", n)
				break
			}
			o.MSS, o.HasMSS = binary.BigEndian.Uint16(body), true
		case tcpOptWS:
			if n != 3 {
				bad("window scale option length %d", n)
				break
			}
			o.WindowScale, o.HasWS = body[0], true
		case tcpOptSACKPerm:
			if n != 2 {
				bad("SACK-permitted option length %d", n)
				break
			}
			o.SACKPermitted = true
		case tcpOptSACK:
			if n < 10 || (n-2)%8 != 0 || (n-2)/8 > MaxSACKBlocks {
				bad("SACK option length %d", n)
				break
			}
			o.NumSACK = (n - 2) / 8
			for k := 0; k < o.NumSACK; k++ {
				o.SACK[k] = SACKBlock{binary.BigEndian.Uint32(body[8*k:]), binary.BigEndian.Uint32(body[8*k+4:])}
			}
		case tcpOptTimestamp:
			if n != 10 {
				bad("timestamp option length %d", n)
				break
			}
			o.HasTS, o.TSVal, o.TSEcr = true, binary.BigEndian.Uint32(body), binary.BigEndian.Uint32(body[4:])
		}
		i += n
	}
	return o, first
}

// EncodeTCPOptions writes o into b in the layout Linux uses (MSS,
// SACK-permitted with timestamps, window scale, SACK blocks), padded with
// NOPs to a multiple of 4, and returns the length. b must hold 40 bytes.
// Options that do not fit are left out, SACK blocks first.
func EncodeTCPOptions(b []byte, o TCPOptions) int {
	n := 0
	if o.HasMSS {
		b[n], b[n+1] = tcpOptMSS, 4
		binary.BigEndian.PutUint16(b[n+2:], o.MSS)
		n += 4
	}
	switch {
	case o.SACKPermitted && o.HasTS:
		b[n], b[n+1] = tcpOptSACKPerm, 2
		n += 2
		n += putTimestamp(b[n:], o)
	case o.HasTS:
		b[n], b[n+1] = tcpOptNOP, tcpOptNOP
		n += 2
		n += putTimestamp(b[n:], o)
	case o.SACKPermitted:
		b[n], b[n+1], b[n+2], b[n+3] = tcpOptNOP, tcpOptNOP, tcpOptSACKPerm, 2
		n += 4
	}
	if o.HasWS {
		b[n], b[n+1], b[n+2], b[n+3] = tcpOptNOP, tcpOptWS, 3, o.WindowScale
		n += 4
	}
	if k := min(o.NumSACK, (TCPMaxLen-TCPMinLen-n-4)/8); k > 0 {
		b[n], b[n+1], b[n+2], b[n+3] = tcpOptNOP, tcpOptNOP, tcpOptSACK, uint8(2+8*k)
		n += 4
		for i := 0; i < k; i++ {
			binary.BigEndian.PutUint32(b[n:], o.SACK[i].Left)
			binary.BigEndian.PutUint32(b[n+4:], o.SACK[i].Right)
			n += 8
		}
	}
	for n%4 != 0 {
		b[n] = tcpOptNOP
		n++
	}
	return n
}

func putTimestamp(b []byte, o TCPOptions) int {
	b[0], b[1] = tcpOptTimestamp, 10
	binary.BigEndian.PutUint32(b[2:], o.TSVal)
	binary.BigEndian.PutUint32(b[6:], o.TSEcr)
	return 10
}
