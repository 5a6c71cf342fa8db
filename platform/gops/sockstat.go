// sockstat.go parses FreeBSD's sockstat(1) as SockstatArgs runs it: every
// TCP and UDP socket of both families, with the holder's numeric UID, the
// socket's ID and its TCP state, one line per process and descriptor.

package gops

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gonetstat/gonetstat/collect"
)

// SockstatArgs are the arguments ParseSockstat expects its input from:
// IPv4 and IPv6 (-4 -6), connected and listening, which together are
// every socket (-c -l), TCP and UDP only (-P tcp,udp), numeric UIDs (-n),
// no header (-q), the TCP state (-s), columns as wide as their widest
// value, so that no address is cut (-w; without it FreeBSD 15 truncates
// addresses to 21 characters), and the socket's inp_gencnt (-i), which
// tells one socket held by several processes from several sockets. Every
// flag is in sockstat from FreeBSD 13 (12's has no -n nor -i).
var SockstatArgs = []string{"-4", "-6", "-c", "-l", "-P", "tcp,udp", "-n", "-q", "-s", "-w", "-i"}

// maxLine bounds one line of sockstat's output: its widest line is a
// user, a 10-character command, two numbers, two IPv6 addresses with
// zones, an ID and a state, far below this.
const maxLine = 4096

// LineError is a line of sockstat's output that could not be read.
type LineError struct {
	Line int    // 1-based
	Text string // the line, cut to 120 bytes
	Err  error
}

func (e *LineError) Error() string {
	return fmt.Sprintf("sockstat line %d (%q): %v", e.Line, e.Text, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// ParseSockstat reads the output of `sockstat` run with SockstatArgs, in
// FreeBSD 13 and 14's layout (fixed columns, "?" for a socket no process
// holds) or FreeBSD 15's (columns sized to their values, "??" there and in
// a UDP row's state column). Each line is
//
//	USER COMMAND PID FD PROTO LOCAL FOREIGN ID [STATE]
//
// where COMMAND may hold spaces (it is the process's name, cut to 10
// characters), PROTO is tcp4, tcp6, tcp46, udp4, udp6, udp46 (or toe… for
// TCP offloaded to the card), an address is ADDR:PORT with "*" for the
// wildcard address or port 0 and IPv6 addresses unbracketed (their zones
// restored by sockstat from the kernel's embedded scope), and STATE is a
// name of netinet/tcp_fsm.h's tcpstates[] (usr.bin/sockstat/sockstat.c,
// main.c). A line that does not read is named in errs (each a
// *LineError) and left out; the others are returned. A TCP state that is
// not known keeps its row (collect.StateUnknown) and is named in errs
// once, as an *UnknownStateError inside a *LineError.
func ParseSockstat(r io.Reader) (rows []Row, errs []error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), maxLine)
	line := 0
	unknown := unknownStates{}
	for sc.Scan() {
		line++
		text := sc.Bytes()
		if len(bytes.TrimSpace(text)) == 0 {
			continue
		}
		if line == 1 && bytes.HasPrefix(text, []byte("USER ")) {
			continue // the header, had -q been left out
		}
		row, err := parseSockstatLine(string(text))
		at := func(err error) error { return &LineError{Line: line, Text: cut(string(text), 120), Err: err} }
		switch {
		case unknown.keep(err, &errs, at):
			// sockstat prints "?" (or "??") for a state out of
			// tcpstates[]'s range: the row stands, its state unknown.
			rows = append(rows, row)
		case err != nil:
			errs = append(errs, at(err))
		default:
			rows = append(rows, row)
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("reading sockstat's output after line %d: %w", line, err))
	}
	return rows, errs
}

// noFile is what sockstat prints in USER, COMMAND, PID and FD for a
// socket no descriptor refers to (TIME_WAIT): "?" until FreeBSD 14, "??"
// from 15.
func noFile(s string) bool { return s == "?" || s == "??" }

func parseSockstatLine(text string) (Row, error) {
	f := strings.Fields(text)
	// USER PID FD PROTO LOCAL FOREIGN ID at least; COMMAND may be blank.
	if len(f) < 7 {
		return Row{}, fmt.Errorf("%d fields, want at least 7", len(f))
	}
	// The state column is there for TCP; a UDP row has none (FreeBSD
	// 14) or "??" (15). An ID is all digits, a state never is.
	p := len(f) - 5 // PROTO, with a state column
	if isDigits(f[len(f)-1]) {
		p = len(f) - 4
	}
	if p < 3 {
		return Row{}, fmt.Errorf("%d fields, want at least 7 before the state", len(f))
	}
	var r Row
	proto, fam, dual, err := sockstatProto(f[p])
	if err != nil {
		return Row{}, err
	}
	r.Proto, r.Family = proto, fam

	user, pid, fd := f[0], f[p-2], f[p-1]
	switch {
	case noFile(pid):
		if !noFile(user) || !noFile(fd) {
			return Row{}, fmt.Errorf("PID %q with user %q and descriptor %q: want all three or none", pid, user, fd)
		}
	default:
		n, err := strconv.ParseUint(pid, 10, 31)
		if err != nil || n == 0 {
			return Row{}, fmt.Errorf("PID %q is not a process ID", pid)
		}
		r.PID = int(n)
		if _, err := strconv.ParseUint(fd, 10, 31); err != nil {
			return Row{}, fmt.Errorf("descriptor %q is not a number", fd)
		}
		uid, err := strconv.ParseUint(user, 10, 32)
		if err != nil {
			return Row{}, fmt.Errorf("user %q is not a numeric UID (sockstat -n)", user)
		}
		r.UID, r.HasUID = uint32(uid), true
	}

	if r.Local, err = sockstatAddr(f[p+1], fam, dual); err != nil {
		return Row{}, fmt.Errorf("local address: %w", err)
	}
	if r.Remote, err = sockstatAddr(f[p+2], fam, dual); err != nil {
		return Row{}, fmt.Errorf("foreign address: %w", err)
	}
	id, err := strconv.ParseUint(f[p+3], 10, 64)
	if err != nil || id == 0 {
		return Row{}, fmt.Errorf("socket ID %q is not a number (sockstat -i)", f[p+3])
	}
	r.ID = id

	state := ""
	if p+4 < len(f) {
		state = f[p+4]
	}
	switch {
	case proto == collect.ProtoTCP && state == "":
		return Row{}, fmt.Errorf("a TCP row without its state (sockstat -s)")
	case proto == collect.ProtoUDP && state != "" && state != "??":
		return Row{}, fmt.Errorf("a UDP row with state %q", state)
	}
	r.State, err = stateOf(proto, state, r.Local, r.Remote)
	return r, err // an *UnknownStateError keeps the row
}

// sockstatProto reads PROTO: the protocol's name and the socket's IP
// versions (inp_vflag). A "46" socket is an IPv6 socket that also takes
// IPv4 (not IPV6_V6ONLY), whose addresses sockstat prints in IPv4 form.
func sockstatProto(s string) (collect.Proto, collect.Family, bool, error) {
	var proto collect.Proto
	var rest string
	switch {
	case strings.HasPrefix(s, "tcp"):
		proto, rest = collect.ProtoTCP, s[3:]
	case strings.HasPrefix(s, "toe"): // TCP offloaded to the card (TF_TOE)
		proto, rest = collect.ProtoTCP, s[3:]
	case strings.HasPrefix(s, "udp") && !strings.HasPrefix(s, "udplite"):
		proto, rest = collect.ProtoUDP, s[3:]
	default:
		return 0, 0, false, fmt.Errorf("protocol %q is neither TCP nor UDP", s)
	}
	switch rest {
	case "4":
		return proto, collect.FamilyIPv4, false, nil
	case "6":
		return proto, collect.FamilyIPv6, false, nil
	case "46":
		return proto, collect.FamilyIPv6, true, nil
	}
	return 0, 0, false, fmt.Errorf("protocol %q names no IP version", s)
}

// sockstatAddr reads ADDR:PORT. An IPv4 address of a dual ("46") socket
// is given as the IPv4-mapped IPv6 address the socket holds it as.
func sockstatAddr(s string, fam collect.Family, dual bool) (netip.AddrPort, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.AddrPort{}, fmt.Errorf("%q has no port", s)
	}
	host, port := s[:i], s[i+1:]
	var p uint16
	if port != "*" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return netip.AddrPort{}, fmt.Errorf("port %q is not a port", port)
		}
		p = uint16(n)
	}
	if host == "*" {
		return netip.AddrPortFrom(unspecified(fam), p), nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%q is not an IP address", host)
	}
	switch {
	case fam == collect.FamilyIPv4 && !ip.Is4():
		return netip.AddrPort{}, fmt.Errorf("%q is not an IPv4 address", host)
	case fam == collect.FamilyIPv6 && ip.Is4() && dual:
		ip = netip.AddrFrom16(ip.As16())
	case fam == collect.FamilyIPv6 && ip.Is4():
		return netip.AddrPort{}, fmt.Errorf("%q is not an IPv6 address", host)
	}
	return netip.AddrPortFrom(ip, p), nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// cut returns s cut to n bytes, for an error message.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
