// demo_table.go pairs the two ends of each connection — the kernel's
// socket and the mini-stack's — and prints them side by side, one field
// of the control block per line, with the explanation of each field.

package stackcmd

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/render"
)

// connection is one TCP connection seen from both hosts; an end is nil
// when that host has no socket for it (a listener has no peer socket).
type connection struct {
	Title          string
	Kernel, Stack  *collect.Socket
	KernelProgress string // what the kernel's program is doing, for the reader
}

// pairEnds matches every mini-stack socket with the kernel socket that is
// its other end (local and foreign swapped); listeners and sockets
// without a partner get a row of their own. titles names connections by
// the mini-stack's local port and foreign port.
func pairEnds(kernel, stack []collect.Socket) []connection {
	type key struct{ local, remote string }
	byEnds := map[key]int{}
	for i := range kernel {
		byEnds[key{kernel[i].Local.String(), kernel[i].Remote.String()}] = i
	}
	used := make([]bool, len(kernel))
	var out []connection
	for i := range stack {
		s := &stack[i]
		if s.Proto != collect.ProtoTCP {
			continue
		}
		c := connection{Stack: s}
		if s.State != collect.StateListen {
			if j, ok := byEnds[key{s.Remote.String(), s.Local.String()}]; ok && !used[j] {
				used[j] = true
				c.Kernel = &kernel[j]
			}
		}
		out = append(out, c)
	}
	for j := range kernel {
		if !used[j] && kernel[j].Proto == collect.ProtoTCP {
			out = append(out, connection{Kernel: &kernel[j]})
		}
	}
	return out
}

// writeSideBySide prints the connections as one table: for each, its
// fields on lines, the kernel's end on the left and the mini-stack's on
// the right. The kernel hides most of its control block from user space;
// what tcp_info reveals is shown, the rest is "hidden".
func writeSideBySide(w io.Writer, conns []connection) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithTrimSpace(tw.Off),
	)
	t.Header([]string{"Connection", "Field", "Kernel's end (Linux TCP)", "Mini-stack's end (gonetstat)"})
	for i, c := range conns {
		title := c.Title
		if title == "" {
			title = strconv.Itoa(i + 1)
		}
		for j, f := range demoFields {
			k, s := "-", "-"
			if c.Kernel != nil {
				k = f.kernel(c.Kernel)
			}
			if c.Stack != nil {
				s = f.stack(c.Stack)
			}
			if j > 0 {
				title = "" // the connection is named on its first line only
			}
			if err := t.Append([]string{title, f.name, k, s}); err != nil {
				return err
			}
		}
	}
	return t.Render()
}

// demoField is one line of the side-by-side table.
type demoField struct {
	name          string
	kernel, stack func(*collect.Socket) string
	explain       string
}

const hidden = "(hidden)"

func same(f func(*collect.Socket) string) (func(*collect.Socket) string, func(*collect.Socket) string) {
	return f, f
}

func tcpInfo(f func(*collect.TCPInfo) string) func(*collect.Socket) string {
	return func(s *collect.Socket) string {
		if s.TCP == nil {
			return "-"
		}
		return f(s.TCP)
	}
}

func stackInfo(f func(*collect.StackInfo) string) func(*collect.Socket) string {
	return func(s *collect.Socket) string {
		if s.Stack == nil {
			return "-"
		}
		return f(s.Stack)
	}
}

func hiddenField(*collect.Socket) string { return hidden }

func u32(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

var demoFields = func() []demoField {
	endpoint := func(ap func(*collect.Socket) string) func(*collect.Socket) string { return ap }
	local := endpoint(func(s *collect.Socket) string { return string(render.AppendEndpoint(nil, s.Local)) })
	remote := endpoint(func(s *collect.Socket) string {
		if !s.Remote.IsValid() || s.State == collect.StateListen {
			return "*:*"
		}
		return string(render.AppendEndpoint(nil, s.Remote))
	})
	state := func(s *collect.Socket) string { return s.State.WindowsName() }
	sendQ := func(s *collect.Socket) string {
		if s.NoSendQ {
			return "-" // the source could not give it (a listener read from /proc/net)
		}
		return render.HumanBytes(int64(s.SendQ))
	}
	fs := []demoField{
		{name: "found through",
			kernel: func(s *collect.Socket) string {
				owner := "no owner"
				if s.Owner != nil {
					owner = "PID " + strconv.Itoa(s.Owner.PID)
				}
				return fmt.Sprintf("inode %d (%s)", s.Inode, owner)
			},
			stack: func(s *collect.Socket) string {
				fd := "no descriptor"
				if s.Stack != nil && s.Stack.FD >= 0 {
					fd = "descriptor " + strconv.Itoa(s.Stack.FD)
				}
				return fmt.Sprintf("%s, socket ID %d", fd, s.Cookie)
			},
			explain: "how a program names the socket: a file descriptor that the kernel maps to a socket inode; the mini-stack's own descriptor table maps small integers to control blocks"},
	}
	add := func(name, explain string, k, s func(*collect.Socket) string) {
		fs = append(fs, demoField{name: name, kernel: k, stack: s, explain: explain})
	}
	l1, l2 := same(local)
	add("local address", "this host's IP address and port", l1, l2)
	r1, r2 := same(remote)
	add("foreign address", "the other host's IP address and port (*:* for a listener)", r1, r2)
	s1, s2 := same(state)
	add("state", "where the connection is in TCP's state machine (RFC 9293 §3.3.2)", s1, s2)
	add("send queue", "bytes the application wrote that the peer has not acknowledged (sent or not yet sent)",
		sendQ, sendQ)
	add("receive queue", "bytes received in order that the application has not read yet",
		func(s *collect.Socket) string { return render.HumanBytes(int64(s.RecvQ)) },
		func(s *collect.Socket) string { return render.HumanBytes(int64(s.RecvQ)) })
	add("SND.UNA / SND.NXT", "oldest unacknowledged and next sequence number to send: only the mini-stack shows them",
		hiddenField, stackInfo(func(i *collect.StackInfo) string { return u32(i.SndUna) + " / " + u32(i.SndNxt) }))
	add("RCV.NXT", "next sequence number expected from the peer", hiddenField, stackInfo(func(i *collect.StackInfo) string { return u32(i.RcvNxt) }))
	add("send / receive window", "what the peer lets us send, and what we offer it",
		hiddenField, stackInfo(func(i *collect.StackInfo) string {
			return render.HumanBytes(int64(i.SndWnd)) + " / " + render.HumanBytes(int64(i.RcvWnd))
		}))
	ti := tcpInfo(func(i *collect.TCPInfo) string { return u32(i.Unacked) + " segments" })
	add("unacknowledged", "segments in flight, waiting for an ACK", ti, ti)
	rtt := tcpInfo(func(i *collect.TCPInfo) string {
		return render.HumanDuration(i.RTT.Duration()) + " ± " + render.HumanDuration(i.RTTVar.Duration()) + ", RTO " + render.HumanDuration(i.RTO.Duration())
	})
	add("RTT, RTO", "smoothed round-trip time and its variation, and the retransmission timeout derived from them (RFC 6298)", rtt, rtt)
	cw := tcpInfo(func(i *collect.TCPInfo) string {
		ss := "-"
		if i.SndSsthresh > 0 && i.SndSsthresh < 1<<30 {
			ss = u32(i.SndSsthresh)
		}
		return u32(i.SndCwnd) + " / " + ss + " segments"
	})
	add("cwnd / ssthresh", "congestion window and slow-start threshold (RFC 5681)", cw, cw)
	re := tcpInfo(func(i *collect.TCPInfo) string { return u32(i.TotalRetrans) })
	add("retransmitted", "segments sent again because no ACK came in time", re, re)
	timer := tcpInfo(func(i *collect.TCPInfo) string {
		if i.Timer == collect.TimerNone {
			return "none"
		}
		return i.Timer.String() + " in " + render.HumanDuration(i.TimerExpires.Duration())
	})
	add("timer", "the timer running now and when it fires: retransmission, zero-window probe, keepalive, TIME_WAIT", timer, timer)
	add("memory", "buffer memory the socket holds, out of its limit in the stack-wide budget",
		hiddenField, stackInfo(func(i *collect.StackInfo) string {
			return render.HumanBytes(i.MemUsed) + " of " + render.HumanBytes(i.MemLimit)
		}))
	return fs
}()

// writeExplanation says in a few lines what the table shows.
func writeExplanation(w io.Writer) {
	fmt.Fprint(w, `
Each row of netstat is a socket: a memory area the protocol stack keeps for
one conversation, holding its control information. A program never sees the
memory itself; it holds a descriptor, and every send and receive passes it
so the stack can find the socket again. Both hosts above keep one such area
per connection end. The fields:
`)
	for _, f := range demoFields {
		for i, line := range wrap(f.explain, 78-25) {
			name := ""
			if i == 0 {
				name = f.name
			}
			fmt.Fprintf(w, "  %-22s %s\n", name, line)
		}
	}
	fmt.Fprint(w, `The kernel reveals part of its control block through tcp_info (what ss -ti
shows); "(hidden)" marks what it keeps to itself. The mini-stack is
gonetstat's own TCP/IP stack, so it can show all of it.
`)
}

// wrap breaks text into lines of at most width bytes at spaces (a longer
// word gets a line of its own).
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
