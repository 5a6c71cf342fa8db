// info.go writes the wide table of TCP internals (--info): tcp_info for
// every TCP socket, and for the mini-stack's sockets the rest of their
// control block, in human units, with olekukonko/tablewriter.

package render

import (
	"io"
	"math"
	"strconv"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/gonetstat/gonetstat/collect"
)

// InfoOptions chooses the columns of the internals table.
type InfoOptions struct {
	PID    bool // the PID column
	Source bool // the Source column (kernel, or stack:NAME)
	// Stack adds the columns only a mini-stack fills (descriptor,
	// sequence variables, windows, memory, age); the CLI sets it when the
	// table holds a stack's row.
	Stack bool
}

// Info writes socks as one table, one row per socket, with a header
// naming each column and its unit. It is for the tens or hundreds of
// sockets one looks at closely: tablewriter holds the whole table in
// memory (the -ano text path streams instead).
func Info(w io.Writer, socks []collect.Socket, opt InfoOptions) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithTrimSpace(tw.Off),
	)
	hdr := []string{"Proto", "Local Address", "Foreign Address", "State"}
	if opt.PID {
		hdr = append(hdr, "PID")
	}
	if opt.Source {
		hdr = append(hdr, "Source")
	}
	hdr = append(hdr, "Send-Q", "Recv-Q", "RTT/RTTVar", "RTO", "Cwnd/Ssthresh", "MSS", "Unacked", "Retrans", "Timer", "Acked", "Received")
	if opt.Stack {
		hdr = append(hdr, "FD", "SND.UNA", "SND.NXT", "RCV.NXT", "SND.WND", "RCV.WND", "Mem used/limit", "Age")
	}
	t.Header(hdr)
	for i := range socks {
		s := &socks[i]
		// A fresh slice per row: the table keeps what Append is given.
		row := make([]string, 0, len(hdr))
		proto := "TCP"
		state := s.State.WindowsName()
		if s.Proto == collect.ProtoUDP {
			proto, state = "UDP", ""
		}
		row = append(row, proto,
			string(AppendEndpoint(nil, s.OrUnspecified(s.Local))),
			string(AppendEndpoint(nil, s.OrUnspecified(s.Remote))),
			state)
		if opt.PID {
			pid := "-"
			if s.Owner != nil {
				pid = strconv.Itoa(s.Owner.PID)
			}
			row = append(row, pid)
		}
		if opt.Source {
			row = append(row, SourceLabel(s.Source))
		}
		sendQ := "-" // unknown: a listener read from /proc/net
		if !s.NoSendQ {
			sendQ = strconv.FormatUint(uint64(s.SendQ), 10)
		}
		recvQ := "-" // unknown: macOS and FreeBSD print no queues
		if !s.NoRecvQ {
			recvQ = strconv.FormatUint(uint64(s.RecvQ), 10)
		}
		row = append(row, sendQ, recvQ)
		if ti := s.TCP; ti != nil {
			ss := "-" // unset: no loss seen yet
			if ti.SndSsthresh > 0 {
				ss = strconv.FormatUint(uint64(ti.SndSsthresh), 10)
			}
			timer := "-"
			if ti.Timer != collect.TimerNone {
				timer = ti.Timer.String() + " " + HumanDuration(ti.TimerExpires.Duration())
			}
			row = append(row,
				HumanDuration(ti.RTT.Duration())+"/"+HumanDuration(ti.RTTVar.Duration()),
				HumanDuration(ti.RTO.Duration()),
				strconv.FormatUint(uint64(ti.SndCwnd), 10)+"/"+ss,
				strconv.FormatUint(uint64(ti.SndMSS), 10),
				strconv.FormatUint(uint64(ti.Unacked), 10),
				strconv.FormatUint(uint64(ti.Retransmits), 10)+"/"+strconv.FormatUint(uint64(ti.TotalRetrans), 10),
				timer,
				HumanBytes(int64(min(ti.BytesAcked, 1<<62))),
				HumanBytes(int64(min(ti.BytesReceived, 1<<62))),
			)
		} else {
			row = append(row, "-", "-", "-", "-", "-", "-", "-", "-", "-")
		}
		if opt.Stack {
			if si := s.Stack; si != nil {
				fd := "-"
				if si.FD >= 0 {
					fd = strconv.Itoa(si.FD)
				}
				row = append(row, fd)
				if s.Proto == collect.ProtoTCP {
					row = append(row,
						strconv.FormatUint(uint64(si.SndUna), 10),
						strconv.FormatUint(uint64(si.SndNxt), 10),
						strconv.FormatUint(uint64(si.RcvNxt), 10),
						HumanBytes(int64(si.SndWnd)),
						HumanBytes(int64(si.RcvWnd)))
				} else {
					row = append(row, "-", "-", "-", "-", "-")
				}
				row = append(row, HumanBytes(si.MemUsed)+"/"+HumanBytes(si.MemLimit), HumanDuration(si.Age))
			} else {
				row = append(row, "-", "-", "-", "-", "-", "-", "-", "-")
			}
		}
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}

// SourceLabel names a row's stack in text tables: "kernel", or
// "stack:NAME" for a mini-stack's socket (as JSON's source and
// stack_name say it).
func SourceLabel(src collect.Source) string {
	return string(appendSource(nil, src))
}

// HumanDuration prints a duration for a reader: milliseconds below a
// second with up to three decimals ("0.25ms", "200ms"), seconds with one
// decimal below an hour ("7.2s"), then hours and minutes ("2h05m"). A
// negative duration keeps its sign.
func HumanDuration(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -max(d, -math.MaxInt64) // -MinInt64 would overflow
	}
	switch {
	case d < time.Second:
		return sign + strconv.FormatFloat(float64(d.Round(time.Microsecond))/float64(time.Millisecond), 'f', -1, 64) + "ms"
	case d < time.Hour:
		return sign + strconv.FormatFloat(float64(d.Round(100*time.Millisecond))/float64(time.Second), 'f', 1, 64) + "s"
	}
	m := int64(d.Round(time.Minute) / time.Minute)
	mm := strconv.FormatInt(m%60, 10)
	if len(mm) == 1 {
		mm = "0" + mm
	}
	return sign + strconv.FormatInt(m/60, 10) + "h" + mm + "m"
}

// HumanBytes prints a byte count in B, KiB, MiB or GiB with one decimal
// above bytes ("512B", "4.0KiB", "1.5MiB").
func HumanBytes(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -max(n, -math.MaxInt64)
	}
	const k = 1024
	switch {
	case n < k:
		return sign + strconv.FormatInt(n, 10) + "B"
	case n < k*k:
		return sign + strconv.FormatFloat(float64(n)/k, 'f', 1, 64) + "KiB"
	case n < k*k*k:
		return sign + strconv.FormatFloat(float64(n)/(k*k), 'f', 1, 64) + "MiB"
	}
	return sign + strconv.FormatFloat(float64(n)/(k*k*k), 'f', 1, 64) + "GiB"
}
