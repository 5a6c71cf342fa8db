// procnet.go redacts raw /proc/net files by parsing each line in the
// kernel's own layout and writing it back with the pseudonyms in the same
// layout: a socket table's hex words, the routing tables' hex, the ARP
// cache's columns. No regular expression touches these files: 127.0.0.1
// is 0100007F in /proc/net/tcp, which no dotted-quad pattern would see. A
// line that does not parse fails the whole file (fail closed).

package bundle

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
	"net"
	"net/netip"
)

// maxRawLine bounds one line of a raw file: the longest real ones (a
// tcp6 row, a unix socket's path) are a few hundred bytes.
const maxRawLine = 64 << 10

// rawAddressFiles are the raw files that spell addresses: their copies
// are rewritten under --redact ip or mac.
var rawAddressFiles = map[string]bool{
	"tcp": true, "tcp6": true, "udp": true, "udp6": true, "raw": true, "raw6": true,
	"route": true, "ipv6_route": true, "if_inet6": true, "arp": true,
}

// rawRedactor rewrites one raw file; nil for files that hold no address
// (the counters, sockstat, dev).
type rawRedactor func(p *pseudonymizer, data []byte) ([]byte, int, error)

// rawRedactors maps a /proc/net file name to its rewriter. unix is there
// for its paths, which are free text (secrets are scrubbed from them
// always); the socket tables, routes, addresses and ARP cache for their
// addresses, rewritten only under --redact.
var rawRedactors = map[string]rawRedactor{
	"tcp": socketTable(1), "udp": socketTable(1), "raw": socketTable(1),
	"tcp6": socketTable(4), "udp6": socketTable(4), "raw6": socketTable(4),
	"route":      routeV4,
	"ipv6_route": routeV6,
	"if_inet6":   ifInet6,
	"arp":        arpTable,
	"unix":       unixTable,
}

// order is the byte order the kernel wrote the hex words in: this
// machine's, as the file was read here (procnet's doc explains why).
var order = binary.NativeEndian

// redactRaw rewrites data, the file /proc/net/<name>, for p. It returns
// the bytes to store, how many secrets were replaced, and an error when
// a line could not be parsed. Files without a rewriter come back as they
// are.
func redactRaw(name string, data []byte, p *pseudonymizer) ([]byte, int, error) {
	r := rawRedactors[name]
	if r == nil {
		return data, 0, nil
	}
	if name != "unix" && !p.enabled() {
		return data, 0, nil
	}
	return r(p, data)
}

// eachLine calls f for every line of data (without its newline) and
// joins what f returns with the same newlines. The first line is the
// header when header is true and is passed through.
func eachLine(data []byte, header bool, f func(line []byte, n int) ([]byte, error)) ([]byte, error) {
	out := make([]byte, 0, len(data)+len(data)/16)
	for n := 1; len(data) > 0; n++ {
		line := data
		nl := false
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data, nl = data[:i], data[i+1:], true
		} else {
			data = nil
		}
		if len(line) > maxRawLine {
			return nil, fmt.Errorf("line %d: longer than %d bytes", n, maxRawLine)
		}
		if n == 1 && header || len(bytes.TrimSpace(line)) == 0 {
			out = append(out, line...)
		} else {
			got, err := f(line, n)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			out = append(out, got...)
		}
		if nl {
			out = append(out, '\n')
		}
	}
	return out, nil
}

// field is one blank-separated field of a line: [start, end).
type field struct{ start, end int }

func splitFields(line []byte) []field {
	var fs []field
	for i := 0; i < len(line); {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i == len(line) {
			break
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		fs = append(fs, field{i, j})
		i = j
	}
	return fs
}

// replaceFields returns line with each field i of fs replaced by repl[i]
// (those without a replacement kept). A replacement of another width
// takes or gives back spaces in the gap after the field, so that the
// columns of a padded table stay where they were; at least one blank is
// kept between fields.
func replaceFields(line []byte, fs []field, repl map[int][]byte) []byte {
	out := make([]byte, 0, len(line)+16)
	pos, carry := 0, 0 // carry > 0: spaces to take from the next gap; < 0: to add
	for i, f := range fs {
		gap := line[pos:f.start]
		if carry != 0 && len(gap) > 0 && len(bytes.Trim(gap, " ")) == 0 {
			if carry > 0 {
				gap = gap[min(carry, len(gap)-1):]
			} else {
				out = append(out, bytes.Repeat([]byte{' '}, -carry)...)
			}
		}
		out = append(out, gap...)
		tok := line[f.start:f.end]
		carry = 0
		if r, ok := repl[i]; ok {
			carry, tok = len(r)-len(tok), r
		}
		out = append(out, tok...)
		pos = f.end
	}
	return append(out, line[pos:]...)
}

// hexWords decodes an address written as words of 8 hex digits, each the
// integer the CPU reads from 4 bytes of the address (%08X of a __be32).
func hexWords(s []byte) (netip.Addr, error) {
	var raw [16]byte
	words := len(s) / 8
	if len(s)%8 != 0 || (words != 1 && words != 4) {
		return netip.Addr{}, fmt.Errorf("%q: want 8 or 32 hex digits", s)
	}
	for w := range words {
		var b [4]byte
		if _, err := hex.Decode(b[:], s[w*8:w*8+8]); err != nil {
			return netip.Addr{}, fmt.Errorf("%q: %w", s, err)
		}
		order.PutUint32(raw[w*4:], binary.BigEndian.Uint32(b[:]))
	}
	if words == 1 {
		return netip.AddrFrom4([4]byte(raw[:4])), nil
	}
	return netip.AddrFrom16(raw), nil
}

// appendHexWords encodes a as hexWords reads it, in upper case as the
// kernel prints %08X.
func appendHexWords(dst []byte, a netip.Addr) []byte {
	raw := a.AsSlice()
	for w := 0; w < len(raw); w += 4 {
		dst = fmt.Appendf(dst, "%08X", order.Uint32(raw[w:]))
	}
	return dst
}

// socketTable rewrites tcp, udp, raw (words 1) and their IPv6 files
// (words 4): the local and remote "ADDR:PORT" fields, ports kept.
func socketTable(words int) rawRedactor {
	return func(p *pseudonymizer, data []byte) ([]byte, int, error) {
		out, err := eachLine(data, true, func(line []byte, _ int) ([]byte, error) {
			fs := splitFields(line)
			if len(fs) < 3 || !bytes.HasSuffix(line[fs[0].start:fs[0].end], []byte(":")) {
				return nil, fmt.Errorf("not a socket row")
			}
			repl := map[int][]byte{}
			for _, i := range []int{1, 2} {
				ep := line[fs[i].start:fs[i].end]
				colon := bytes.IndexByte(ep, ':')
				if colon != words*8 || len(ep) != colon+5 {
					return nil, fmt.Errorf("endpoint %q: want %d hex digits, a colon and 4 hex digits", ep, words*8)
				}
				a, err := hexWords(ep[:colon])
				if err != nil {
					return nil, err
				}
				if _, err := hex.DecodeString(string(ep[colon+1:])); err != nil {
					return nil, fmt.Errorf("endpoint %q: bad port", ep)
				}
				repl[i] = append(appendHexWords(nil, p.Addr(a)), ep[colon:]...)
			}
			return replaceFields(line, fs, repl), nil
		})
		return out, 0, err
	}
}

// routeV4 rewrites /proc/net/route: Destination (masked with Mask, so a
// network stays a network) and Gateway, in hex words; Mask is kept.
func routeV4(p *pseudonymizer, data []byte) ([]byte, int, error) {
	out, err := eachLine(data, true, func(line []byte, _ int) ([]byte, error) {
		fs := splitFields(line)
		if len(fs) < 8 {
			return nil, fmt.Errorf("want at least 8 fields, got %d", len(fs))
		}
		get := func(i int) []byte { return line[fs[i].start:fs[i].end] }
		dst, err := hexWords(get(1))
		if err != nil {
			return nil, err
		}
		gw, err := hexWords(get(2))
		if err != nil {
			return nil, err
		}
		maskAddr, err := hexWords(get(7))
		if err != nil {
			return nil, err
		}
		m := maskAddr.As4()
		ones := bits.OnesCount32(binary.BigEndian.Uint32(m[:]))
		if binary.BigEndian.Uint32(m[:]) != ^uint32(0)<<(32-ones) && ones != 0 {
			return nil, fmt.Errorf("mask %s is not contiguous", maskAddr)
		}
		newDst := p.Prefix(netip.PrefixFrom(dst, ones)).Addr()
		return replaceFields(line, fs, map[int][]byte{
			1: appendHexWords(nil, newDst),
			2: appendHexWords(nil, p.Addr(gw)),
		}), nil
	})
	return out, 0, err
}

// pi6 decodes the kernel's %pi6: 32 lower-case hex digits in network
// order.
func pi6(s []byte) (netip.Addr, error) {
	var raw [16]byte
	if len(s) != 32 {
		return netip.Addr{}, fmt.Errorf("%q: want 32 hex digits", s)
	}
	if _, err := hex.Decode(raw[:], s); err != nil {
		return netip.Addr{}, fmt.Errorf("%q: %w", s, err)
	}
	return netip.AddrFrom16(raw), nil
}

func appendPi6(dst []byte, a netip.Addr) []byte {
	raw := a.As16()
	return hex.AppendEncode(dst, raw[:])
}

// prefixLen decodes a 2-hex-digit prefix length.
func prefixLen(s []byte) (int, error) {
	var b [1]byte
	if len(s) != 2 {
		return 0, fmt.Errorf("prefix length %q: want 2 hex digits", s)
	}
	if _, err := hex.Decode(b[:], s); err != nil || b[0] > 128 {
		return 0, fmt.Errorf("prefix length %q", s)
	}
	return int(b[0]), nil
}

// routeV6 rewrites /proc/net/ipv6_route (no header): destination and
// source as prefixes with their lengths, next hop as an address, all %pi6.
func routeV6(p *pseudonymizer, data []byte) ([]byte, int, error) {
	out, err := eachLine(data, false, func(line []byte, _ int) ([]byte, error) {
		fs := splitFields(line)
		if len(fs) < 10 {
			return nil, fmt.Errorf("want 10 fields, got %d", len(fs))
		}
		get := func(i int) []byte { return line[fs[i].start:fs[i].end] }
		repl := map[int][]byte{}
		for _, pf := range [][2]int{{0, 1}, {2, 3}} {
			a, err := pi6(get(pf[0]))
			if err != nil {
				return nil, err
			}
			n, err := prefixLen(get(pf[1]))
			if err != nil {
				return nil, err
			}
			repl[pf[0]] = appendPi6(nil, p.Prefix(netip.PrefixFrom(a, n)).Addr())
		}
		hop, err := pi6(get(4))
		if err != nil {
			return nil, err
		}
		repl[4] = appendPi6(nil, p.Addr(hop))
		return replaceFields(line, fs, repl), nil
	})
	return out, 0, err
}

// ifInet6 rewrites /proc/net/if_inet6 (no header): the address, %pi6.
func ifInet6(p *pseudonymizer, data []byte) ([]byte, int, error) {
	out, err := eachLine(data, false, func(line []byte, _ int) ([]byte, error) {
		fs := splitFields(line)
		if len(fs) < 6 {
			return nil, fmt.Errorf("want 6 fields, got %d", len(fs))
		}
		a, err := pi6(line[fs[0].start:fs[0].end])
		if err != nil {
			return nil, err
		}
		return replaceFields(line, fs, map[int][]byte{0: appendPi6(nil, p.Addr(a))}), nil
	})
	return out, 0, err
}

// arpTable rewrites /proc/net/arp: the dotted address and the colon MAC
// ("00:00:00:00:00:00" for an incomplete entry stays).
func arpTable(p *pseudonymizer, data []byte) ([]byte, int, error) {
	out, err := eachLine(data, true, func(line []byte, _ int) ([]byte, error) {
		fs := splitFields(line)
		if len(fs) < 6 {
			return nil, fmt.Errorf("want 6 fields, got %d", len(fs))
		}
		a, err := netip.ParseAddr(string(line[fs[0].start:fs[0].end]))
		if err != nil || !a.Is4() {
			return nil, fmt.Errorf("address %q", line[fs[0].start:fs[0].end])
		}
		hw, err := net.ParseMAC(string(line[fs[3].start:fs[3].end]))
		if err != nil {
			hw = parseHexColons(string(line[fs[3].start:fs[3].end]))
			if hw == nil {
				return nil, fmt.Errorf("hardware address %q", line[fs[3].start:fs[3].end])
			}
		}
		return replaceFields(line, fs, map[int][]byte{
			0: []byte(p.Addr(a).String()),
			3: []byte(p.MAC(hw).String()),
		}), nil
	})
	return out, 0, err
}

// unixTable scrubs the path of each /proc/net/unix row (the 8th field to
// the end of the line, which may hold blanks): secrets always, host
// names and addresses under --redact.
func unixTable(p *pseudonymizer, data []byte) ([]byte, int, error) {
	secrets := 0
	out, err := eachLine(data, true, func(line []byte, _ int) ([]byte, error) {
		fs := splitFields(line)
		if len(fs) < 7 {
			return nil, fmt.Errorf("want at least 7 fields, got %d", len(fs))
		}
		if len(fs) == 7 {
			return line, nil // no path: an unnamed socket
		}
		path := line[fs[7].start:]
		clean, n, err := scrubText(path, p)
		if err != nil {
			return nil, err
		}
		secrets += n
		return append(line[:fs[7].start:fs[7].start], clean...), nil
	})
	return out, secrets, err
}
