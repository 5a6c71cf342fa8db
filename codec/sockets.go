// sockets.go writes the gonetstat.sockets/v1 document (docs/json.md) with
// an appender: no reflection, no per-row garbage.

package codec

import (
	"bufio"
	"io"
	"net/netip"
	"strconv"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/safetext"
)

// SocketsSchema names the JSON document's version. Adding a field keeps
// it; renaming or retyping one needs v2 (docs/json.md).
const SocketsSchema = "gonetstat.sockets/v1"

// Envelope is one snapshot of a socket table for JSON output.
type Envelope struct {
	Host     string
	Time     time.Time
	Sockets  []collect.Socket
	Warnings []string // what was incomplete; omitted when empty
}

// SocketsJSON writes env as one document, one socket per line so that a
// large table stays readable and diffable, ending with a newline.
func SocketsJSON(w io.Writer, env Envelope) error { return writeSockets(w, env, "\n  ") }

// SocketsNDJSON writes env on exactly one newline-terminated line: one
// snapshot per line in interval mode.
func SocketsNDJSON(w io.Writer, env Envelope) error { return writeSockets(w, env, "") }

func writeSockets(w io.Writer, env Envelope, indent string) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	b := make([]byte, 0, 1024)
	b = appendHead(b, SocketsSchema, env.Host, env.Time)
	b = append(b, `,"sockets":[`...)
	bw.Write(b)
	for i := range env.Sockets {
		b = b[:0]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, indent...)
		b = appendSocket(b, &env.Sockets[i])
		bw.Write(b)
	}
	b = b[:0]
	if len(env.Sockets) > 0 && indent != "" {
		b = append(b, '\n')
	}
	b = append(b, ']')
	b = appendWarnings(b, env.Warnings)
	b = append(b, "}\n"...)
	bw.Write(b)
	return bw.Flush()
}

// appendHead opens a document: {"schema":…,"host":…,"time":… (RFC 3339
// UTC), the envelope every gonetstat schema starts with.
func appendHead(b []byte, schema, host string, t time.Time) []byte {
	b = append(b, `{"schema":`...)
	b = appendString(b, schema)
	b = append(b, `,"host":`...)
	b = appendString(b, host)
	b = append(b, `,"time":`...)
	return appendString(b, t.UTC().Format(time.RFC3339Nano))
}

// appendWarnings appends ,"warnings":[…], nothing when there are none.
func appendWarnings(b []byte, warnings []string) []byte {
	if len(warnings) == 0 {
		return b
	}
	b = append(b, `,"warnings":[`...)
	for i, w := range warnings {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, w)
	}
	return append(b, ']')
}

func appendSocket(b []byte, s *collect.Socket) []byte {
	b = append(b, `{"source":`...)
	kind := s.Source.Kind
	if kind == "" {
		kind = collect.Kernel.Kind
	}
	b = appendString(b, kind)
	if s.Source.Name != "" {
		b = append(b, `,"stack_name":`...)
		b = appendString(b, s.Source.Name)
	}
	if ns := s.NetNS; ns != nil {
		if ns.Inode != 0 {
			b = appendUint(b, "net_namespace", ns.Inode)
		}
		if ns.Name != "" {
			b = append(b, `,"net_namespace_name":`...)
			b = appendString(b, ns.Name)
		}
	}
	b = append(b, `,"proto":`...)
	b = appendString(b, s.Proto.String())
	b = appendUint(b, "protocol", uint64(s.Proto))
	b = appendUint(b, "family", uint64(s.Family))
	b = append(b, `,"local_address":`...)
	local, remote := s.OrUnspecified(s.Local), s.OrUnspecified(s.Remote)
	b = appendAddr(b, local)
	b = appendUint(b, "local_port", uint64(local.Port()))
	b = append(b, `,"remote_address":`...)
	b = appendAddr(b, remote)
	b = appendUint(b, "remote_port", uint64(remote.Port()))
	b = append(b, `,"state":`...)
	b = appendString(b, s.State.String())
	if s.Owner != nil {
		b = appendUint(b, "pid", uint64(s.Owner.PID))
		if s.Holders > 0 {
			b = appendUint(b, "holders", uint64(s.Holders))
		}
		if s.Owner.Name != "" {
			b = append(b, `,"process_name":`...)
			b = appendString(b, s.Owner.Name)
		}
		if len(s.Owner.Services) > 0 {
			b = append(b, `,"services":[`...)
			for i, svc := range s.Owner.Services {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendString(b, svc)
			}
			b = append(b, ']')
		}
	}
	if c := s.Container(); c != nil {
		b = appendContainer(b, c)
	}
	if s.HasUID {
		b = appendUint(b, "uid", uint64(s.UID))
	}
	if s.Inode != 0 {
		b = appendUint(b, "inode", s.Inode)
	}
	if s.Cookie != 0 {
		b = appendUint(b, "cookie", s.Cookie)
	}
	if !s.NoSendQ {
		// Absent is absent: /proc/net prints 0 for a listener's
		// backlog limit, and that 0 would be a wrong number.
		b = appendUint(b, "send_queue", uint64(s.SendQ))
	}
	if !s.NoRecvQ {
		b = appendUint(b, "recv_queue", uint64(s.RecvQ))
	}
	if t := s.TCP; t != nil {
		b = appendTCPInfo(b, t)
	}
	if si := s.Stack; si != nil {
		b = appendStackInfo(b, si, s.Proto == collect.ProtoTCP)
	}
	return append(b, '}')
}

func appendContainer(b []byte, c *collect.Container) []byte {
	b = append(b, `,"container":{"runtime":`...)
	b = appendString(b, c.Runtime)
	for _, f := range [...]struct{ key, val string }{{"id", c.ID}, {"name", c.Name}, {"pod_name", c.PodName}, {"pod_uid", c.PodUID}} {
		if f.val != "" {
			b = append(b, ',', '"')
			b = append(b, f.key...)
			b = append(b, '"', ':')
			b = appendString(b, f.val)
		}
	}
	return append(b, '}')
}

func appendTCPInfo(b []byte, t *collect.TCPInfo) []byte {
	b = append(b, `,"tcp_info":{"rtt_us":`...)
	b = strconv.AppendUint(b, uint64(t.RTT), 10)
	b = appendUint(b, "rttvar_us", uint64(t.RTTVar))
	b = appendUint(b, "rto_us", uint64(t.RTO))
	b = appendUint(b, "snd_cwnd", uint64(t.SndCwnd))
	b = appendUint(b, "snd_ssthresh", uint64(t.SndSsthresh))
	b = appendUint(b, "snd_mss", uint64(t.SndMSS))
	b = appendUint(b, "rcv_mss", uint64(t.RcvMSS))
	b = appendUint(b, "retransmits", uint64(t.Retransmits))
	b = appendUint(b, "total_retrans", uint64(t.TotalRetrans))
	b = appendUint(b, "unacked", uint64(t.Unacked))
	b = appendUint(b, "bytes_acked", t.BytesAcked)
	b = appendUint(b, "bytes_received", t.BytesReceived)
	if t.Timer != collect.TimerNone {
		b = append(b, `,"timer":`...)
		b = appendString(b, t.Timer.String())
		b = appendUint(b, "timer_expires_ms", uint64(t.TimerExpires))
	}
	return append(b, '}')
}

func appendStackInfo(b []byte, si *collect.StackInfo, tcp bool) []byte {
	b = append(b, `,"stack_info":{`...)
	if si.FD >= 0 {
		b = append(b, `"fd":`...)
		b = strconv.AppendInt(b, int64(si.FD), 10)
		b = append(b, ',')
	}
	b = append(b, `"mem_used":`...)
	b = strconv.AppendInt(b, si.MemUsed, 10)
	b = appendInt(b, "mem_limit", si.MemLimit)
	b = appendInt(b, "age_ms", si.Age.Milliseconds())
	if tcp {
		b = appendUint(b, "snd_una", uint64(si.SndUna))
		b = appendUint(b, "snd_nxt", uint64(si.SndNxt))
		b = appendUint(b, "rcv_nxt", uint64(si.RcvNxt))
		b = appendUint(b, "snd_wnd", uint64(si.SndWnd))
		b = appendUint(b, "rcv_wnd", uint64(si.RcvWnd))
	}
	return append(b, '}')
}

// appendUint appends ,"key":n.
func appendUint(b []byte, key string, n uint64) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return strconv.AppendUint(b, n, 10)
}

// appendInt appends ,"key":n. Ages and memory sizes are signed in the
// model; a negative one is printed as it is rather than wrapped into a
// huge unsigned number.
func appendInt(b []byte, key string, n int64) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, n, 10)
}

// appendAddr appends a valid address as a JSON string, zone included
// ("fe80::1%eth0"). Callers pass Socket.OrUnspecified's result, so it is never
// null.
func appendAddr(b []byte, ap netip.AddrPort) []byte { return appendAddrJSON(b, ap.Addr()) }

// appendAddrJSON appends an address as a JSON string: the address, then
// '%' and the zone escaped as any string is (a zone is an interface name,
// which may hold '"', controls or bytes that are not UTF-8).
func appendAddrJSON(b []byte, a netip.Addr) []byte {
	b = append(b, '"')
	b = a.WithZone("").AppendTo(b)
	if z := a.Zone(); z != "" {
		b = append(b, '%')
		b = safetext.AppendJSONBody(b, z)
	}
	return append(b, '"')
}

// appendString appends s as a JSON string by the one policy for
// untrusted text (internal/safetext; docs/json.md says what is escaped).
func appendString(b []byte, s string) []byte { return safetext.AppendJSON(b, s) }
