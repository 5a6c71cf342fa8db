// text.go writes the "-ano" table byte for byte as Windows netstat does.

package render

import (
	"bufio"
	"io"
	"net/netip"
	"strconv"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/safetext"
)

// Namer turns an endpoint into the text netstat prints without -n. The CLI
// resolves names in bulk (with a time bound) before rendering, so
// implementations are map lookups.
type Namer interface {
	Endpoint(ep netip.AddrPort, proto collect.Proto, local bool) string
}

// TextOptions chooses the columns and the form of the -ano table.
type TextOptions struct {
	PID   bool  // -o: the PID column
	Exe   bool  // -b: the executable on its own line under the row, in brackets
	Names Namer // nil: numeric (-n)
	CRLF  bool  // Windows line endings; false (LF) on Unix
	// Source adds a last column saying whose socket each row is:
	// "kernel", or "stack:NAME" for a mini-stack's (--stack).
	Source bool
	// NetNS adds a last column naming each row's network namespace (its
	// name, or its inode) and, when known, the container of its owner.
	// The CLI sets it only when the rows span more than one namespace.
	NetNS bool
}

// Column widths of Windows netstat: printf("  %-5s  %-21s  %-21s  %-15s %s").
const (
	protoWidth   = 5
	addressWidth = 21
	stateWidth   = 15
	pidWidth     = 7 // Linux's largest pid_max, 4194304, has 7 digits
)

// noOwnerName is what Windows prints under a row with -b when it cannot
// name the owner.
const noOwnerName = "Can not obtain ownership information"

// Text writes the whole block: a blank line, "Active Connections", a blank
// line, the header, then one row per socket in the order given. Fields
// longer than their column are printed whole and shift the later columns.
//
// Write errors are sticky in the bufio.Writer: the first one stops output
// and is what Text returns.
func Text(w io.Writer, socks []collect.Socket, opt TextOptions) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	eol := "\n"
	if opt.CRLF {
		eol = "\r\n"
	}
	// One backing array for the per-row buffers, sized for the longest
	// usual row (two bracketed IPv6 addresses with zones); a longer name
	// grows a buffer once and the grown one is reused.
	buf := make([]byte, 0, 576)
	line, local, foreign, scratch, source := buf[:0:256], buf[256:256:384], buf[384:384:496], buf[496:496:512], buf[512:512:576]

	bw.WriteString(eol + "Active Connections" + eol + eol)
	var srcHeader []byte
	if opt.Source {
		srcHeader = []byte("Source")
	}
	line = appendRow(line[:0], "Proto", []byte("Local Address"), []byte("Foreign Address"), "State", opt.PID, nil, "PID", srcHeader)
	if opt.NetNS {
		line = append(toNSColumn(line, opt.PID), "Namespace"...)
	}
	bw.Write(line)
	bw.WriteString(eol)

	for i := range socks {
		s := &socks[i]
		proto := "TCP"
		if s.Proto == collect.ProtoUDP {
			proto = "UDP"
		} else if s.Proto != collect.ProtoTCP {
			proto = s.Proto.String()
		}
		local = appendEndpoint(local[:0], s.OrUnspecified(s.Local), s.Proto, true, opt.Names)
		var state string
		if s.Proto == collect.ProtoUDP {
			// UDP has no state column. Windows' UDP table has no
			// remote at all and always prints *:*; Linux keeps the
			// peer of a connected UDP socket, and hiding it would
			// hide what we saw. collect.IsListening is the same test
			// the -a filter uses: any peer address or port counts.
			if collect.IsListening(s) {
				foreign = append(foreign[:0], "*:*"...)
			} else {
				foreign = appendEndpoint(foreign[:0], s.Remote, s.Proto, false, opt.Names)
			}
		} else {
			foreign = appendEndpoint(foreign[:0], s.OrUnspecified(s.Remote), s.Proto, false, opt.Names)
			state = s.State.WindowsName()
		}
		scratch = scratch[:0]
		pid := "-"
		if s.Owner != nil {
			scratch = strconv.AppendInt(scratch, int64(s.Owner.PID), 10)
			pid = ""
		}
		var src []byte
		if opt.Source {
			src = appendSource(source[:0], s.Source)
		}
		line = appendRow(line[:0], proto, local, foreign, state, opt.PID, scratch, pid, src)
		if opt.NetNS {
			line = appendNetNS(toNSColumn(line, opt.PID), s)
		}
		bw.Write(line)
		bw.WriteString(eol)
		if opt.Exe {
			// Windows puts the services a process hosts (svchost) on a
			// line of their own, above the executable.
			if s.Owner != nil && len(s.Owner.Services) > 0 {
				line = append(line[:0], "  "...)
				for i, svc := range s.Owner.Services {
					if i > 0 {
						line = append(line, ", "...)
					}
					line = safetext.AppendText(line, svc)
				}
				bw.Write(line)
				bw.WriteString(eol)
			}
			line = append(line[:0], ' ')
			if s.Owner != nil && s.Owner.Name != "" {
				line = append(line, '[')
				line = safetext.AppendText(line, s.Owner.Name)
				line = append(line, ']')
			} else {
				line = append(line, noOwnerName...)
			}
			bw.Write(line)
			bw.WriteString(eol)
		}
	}
	return bw.Flush()
}

// appendSource appends SourceLabel(src) without allocating.
func appendSource(dst []byte, src collect.Source) []byte {
	if src.Kind == "" || src == collect.Kernel {
		return append(dst, "kernel"...)
	}
	dst = safetext.AppendText(dst, src.Kind)
	dst = append(dst, ':')
	return safetext.AppendText(dst, src.Name)
}

// nsColumn is where the Namespace column starts: after the State column
// and, with -o, a PID column wide enough for any Linux PID (7 digits).
// A row already longer (a long address) gets two spaces instead.
func nsColumn(withPID bool) int {
	n := 2 + protoWidth + 2 + addressWidth + 2 + addressWidth + 2 + stateWidth
	if withPID {
		n += 1 + 7
	}
	return n + 2
}

// toNSColumn pads a header or row line to where the Namespace column
// starts, or, when the line already runs past it (a long address, a
// Source column), separates the column by two spaces.
func toNSColumn(line []byte, withPID bool) []byte {
	line = pad(line, len(line), nsColumn(withPID))
	if n := len(line); n > 0 && line[n-1] != ' ' {
		line = append(line, ' ', ' ')
	}
	return line
}

// appendNetNS appends the namespace cell: "gnst-ns-a", or the inode of an
// unnamed namespace ("-" when unknown), then the owner's container as
// "runtime:name" ("containerd:db-0/postgres" in a pod; the short ID when
// no name was found).
func appendNetNS(dst []byte, s *collect.Socket) []byte {
	switch {
	case s.NetNSName() != "":
		dst = safetext.AppendText(dst, s.NetNS.Name)
	case s.NetNSInode() != 0:
		dst = strconv.AppendUint(dst, s.NetNS.Inode, 10)
	default:
		dst = append(dst, '-')
	}
	c := s.Container()
	if c == nil {
		return dst
	}
	dst = append(dst, ' ')
	dst = safetext.AppendText(dst, c.Runtime)
	dst = append(dst, ':')
	switch {
	case c.PodName != "" && c.Name != "":
		dst = safetext.AppendText(dst, c.PodName)
		dst = append(dst, '/')
		dst = safetext.AppendText(dst, c.Name)
	case c.Name != "":
		dst = safetext.AppendText(dst, c.Name)
	case c.PodName != "":
		dst = safetext.AppendText(dst, c.PodName)
	case len(c.ID) >= 12:
		dst = safetext.AppendText(dst, c.ID[:12])
	default:
		dst = append(dst, "pod-"...)
		dst = safetext.AppendText(dst, c.PodUID)
	}
	return dst
}

// appendRow appends one padded row with trailing spaces trimmed. The PID is
// pidBytes when not empty, else pidText. A non-nil source is a last
// column, after the PID padded to pidWidth.
func appendRow(dst []byte, proto string, local, foreign []byte, state string, withPID bool, pidBytes []byte, pidText string, source []byte) []byte {
	dst = append(dst, "  "...)
	dst = pad(append(dst, proto...), len(proto), protoWidth)
	dst = append(dst, "  "...)
	dst = pad(append(dst, local...), len(local), addressWidth)
	dst = append(dst, "  "...)
	dst = pad(append(dst, foreign...), len(foreign), addressWidth)
	dst = append(dst, "  "...)
	dst = append(dst, state...)
	if withPID || source != nil {
		dst = pad(dst, len(state), stateWidth)
		dst = append(dst, ' ')
	}
	if withPID {
		pid := pidBytes
		if len(pid) == 0 {
			dst = append(dst, pidText...)
			pid = dst[len(dst)-len(pidText):]
		} else {
			dst = append(dst, pid...)
		}
		if source != nil {
			dst = pad(dst, len(pid), pidWidth)
			dst = append(dst, ' ')
		}
	}
	dst = append(dst, source...)
	for len(dst) > 0 && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

const spaces = "                                "

func pad(dst []byte, have, width int) []byte {
	for n := width - have; n > 0; {
		k := min(n, len(spaces))
		dst = append(dst, spaces[:k]...)
		n -= k
	}
	return dst
}

func appendEndpoint(dst []byte, ep netip.AddrPort, proto collect.Proto, local bool, names Namer) []byte {
	if names != nil {
		// A name comes from DNS or a services file and carries the
		// zone, which can hold any bytes. A Namer that has no name
		// returns "", and the row keeps the number.
		if name := names.Endpoint(ep, proto, local); name != "" {
			return safetext.AppendText(dst, name)
		}
	}
	return AppendEndpoint(dst, ep)
}

// AppendEndpoint formats an endpoint numerically the netstat way:
// "0.0.0.0:135", "[::]:0", "[fe80::1%eth0]:22". An absent endpoint is
// "*:*". The zone is an interface name, which may hold any bytes: it is
// written through safetext.AppendText.
func AppendEndpoint(dst []byte, ep netip.AddrPort) []byte {
	if !ep.IsValid() {
		return append(dst, "*:*"...)
	}
	// Most addresses have no zone: no call into safetext for them.
	if z := ep.Addr().Zone(); z != "" && !safetext.Safe(z) {
		return appendUnsafeZone(dst, ep)
	}
	return ep.AppendTo(dst)
}

// appendUnsafeZone is AppendEndpoint for an IPv6 endpoint whose zone
// safetext must clean.
func appendUnsafeZone(dst []byte, ep netip.AddrPort) []byte {
	dst = append(dst, '[')
	dst = appendAddrText(dst, ep.Addr())
	dst = append(dst, ']', ':')
	return strconv.AppendUint(dst, uint64(ep.Port()), 10)
}

// appendAddrText appends an address numerically, its zone through
// safetext.AppendText.
func appendAddrText(dst []byte, a netip.Addr) []byte {
	z := a.Zone()
	if safetext.Safe(z) {
		return a.AppendTo(dst)
	}
	dst = a.WithZone("").AppendTo(dst)
	dst = append(dst, '%')
	return safetext.AppendText(dst, z)
}

// addrText is appendAddrText as a string, allocating only the string.
func addrText(a netip.Addr) string {
	if safetext.Safe(a.Zone()) {
		return a.String()
	}
	return string(appendAddrText(nil, a))
}
