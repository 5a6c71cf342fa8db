// decode_sockets.go reads a gonetstat.sockets/v1 document (docs/json.md)
// back into collect.Socket values: the inverse of sockets.go, kept beside
// it so that a field added to one is caught by the other's round-trip
// test. The mini-stack's control socket (stack/control) speaks this
// schema, and --from BUNDLE reads a bundle's socket table with it.

package codec

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gonetstat/gonetstat/collect"
)

// wireEnvelope and the types below mirror the document. Fields the schema
// never omits are pointers, so that a missing one is an error rather than
// a silent zero. Fields a reader does not know are ignored, as
// docs/json.md asks of v1 readers.
type wireEnvelope struct {
	wireHead
	Sockets *[]json.RawMessage `json:"sockets"`
}

type wireSocket struct {
	Source        *string   `json:"source"`
	StackName     *string   `json:"stack_name"`
	NetNS         *uint64   `json:"net_namespace"`
	NetNSName     *string   `json:"net_namespace_name"`
	Proto         *string   `json:"proto"`
	Protocol      *uint64   `json:"protocol"`
	Family        *uint64   `json:"family"`
	LocalAddress  *string   `json:"local_address"`
	LocalPort     *uint64   `json:"local_port"`
	RemoteAddress *string   `json:"remote_address"`
	RemotePort    *uint64   `json:"remote_port"`
	State         *string   `json:"state"`
	PID           *uint64   `json:"pid"`
	Holders       *uint64   `json:"holders"`
	ProcessName   *string   `json:"process_name"`
	Services      []string  `json:"services"`
	Container     *wireCtr  `json:"container"`
	UID           *uint64   `json:"uid"`
	Inode         *uint64   `json:"inode"`
	Cookie        *uint64   `json:"cookie"`
	SendQueue     *uint64   `json:"send_queue"`
	RecvQueue     *uint64   `json:"recv_queue"`
	TCPInfo       *wireTCP  `json:"tcp_info"`
	StackInfo     *wireInfo `json:"stack_info"`
}

type wireCtr struct {
	Runtime *string `json:"runtime"`
	ID      *string `json:"id"`
	Name    *string `json:"name"`
	PodName *string `json:"pod_name"`
	PodUID  *string `json:"pod_uid"`
}

type wireTCP struct {
	RTT            *int64  `json:"rtt_us"`
	RTTVar         *int64  `json:"rttvar_us"`
	RTO            *int64  `json:"rto_us"`
	SndCwnd        *uint64 `json:"snd_cwnd"`
	SndSsthresh    *uint64 `json:"snd_ssthresh"`
	SndMSS         *uint64 `json:"snd_mss"`
	RcvMSS         *uint64 `json:"rcv_mss"`
	Retransmits    *uint64 `json:"retransmits"`
	TotalRetrans   *uint64 `json:"total_retrans"`
	Unacked        *uint64 `json:"unacked"`
	BytesAcked     *uint64 `json:"bytes_acked"`
	BytesReceived  *uint64 `json:"bytes_received"`
	Timer          *string `json:"timer"`
	TimerExpiresMS *int64  `json:"timer_expires_ms"`
}

type wireInfo struct {
	FD       *int64  `json:"fd"`
	MemUsed  *int64  `json:"mem_used"`
	MemLimit *int64  `json:"mem_limit"`
	AgeMS    *int64  `json:"age_ms"`
	SndUna   *uint64 `json:"snd_una"`
	SndNxt   *uint64 `json:"snd_nxt"`
	RcvNxt   *uint64 `json:"rcv_nxt"`
	SndWnd   *uint64 `json:"snd_wnd"`
	RcvWnd   *uint64 `json:"rcv_wnd"`
}

// DecodeSockets reads one gonetstat.sockets/v1 document (as SocketsJSON
// or SocketsNDJSON writes it, or any equivalent JSON) into an Envelope. It
// is strict about what the schema promises: an unknown schema is
// ErrSchema, a missing never-omitted field or a value out of its range is
// a *DecodeError naming the socket and the field, and no row is dropped: a
// document decodes whole or not at all. Sockets of one process share one
// *collect.Process, as collectors build them.
func DecodeSockets(data []byte) (Envelope, error) {
	var env Envelope
	var w wireEnvelope
	if err := decodeEnvelope(data, SocketsSchema, &w, &w.wireHead); err != nil {
		return env, err
	}
	envErr := func(field string, err error) error {
		return &DecodeError{Schema: SocketsSchema, Where: "envelope", Field: field, Err: err}
	}
	if w.Sockets == nil {
		return env, envErr("sockets", errMissing)
	}
	t, err := w.parseTime()
	if err != nil {
		return env, envErr("time", err)
	}
	env.Host, env.Time, env.Warnings = *w.Host, t, w.warnings()
	env.Sockets = make([]collect.Socket, len(*w.Sockets))
	shared := sharedValues{
		procs:      map[procKey]*collect.Process{},
		containers: map[collect.Container]*collect.Container{},
		namespaces: map[collect.Namespace]*collect.Namespace{},
	}
	for i, raw := range *w.Sockets {
		if err := decodeSocket(raw, &env.Sockets[i], shared); err != nil {
			return Envelope{}, at(err, SocketsSchema, fmt.Sprintf("socket %d", i))
		}
	}
	return env, nil
}

// count32 reads a required count of microseconds or milliseconds that the
// model keeps in 32 bits (collect.Micros, collect.Millis). One outside 0 to
// 2^32-1 is refused, naming the field, rather than wrapped or clamped.
func count32[T ~uint32](field string, v *int64) (T, error) {
	if v == nil {
		return 0, missing(field)
	}
	if *v < 0 || *v > math.MaxUint32 {
		return 0, fieldErr(field, "%d is out of range (0 to %d)", *v, uint32(math.MaxUint32))
	}
	return T(*v), nil
}

// duration converts a required signed count of unit into a Duration,
// refusing one that would overflow.
func duration(field string, v *int64, unit time.Duration) (time.Duration, error) {
	if v == nil {
		return 0, missing(field)
	}
	if *v > math.MaxInt64/int64(unit) || *v < math.MinInt64/int64(unit) {
		return 0, fieldErr(field, "%d is out of range", *v)
	}
	return time.Duration(*v) * unit, nil
}

// sharedValues are the values rows point to, one per distinct value, as
// collectors share them: a process's sockets share its *collect.Process,
// a container's processes its *collect.Container, a namespace's sockets
// its *collect.Namespace.
type sharedValues struct {
	procs      map[procKey]*collect.Process
	containers map[collect.Container]*collect.Container
	namespaces map[collect.Namespace]*collect.Namespace
}

// procKey is a collect.Process by value, its container included.
type procKey struct {
	pid          int
	name         string
	services     string // Services joined by NUL, which no service name holds
	container    collect.Container
	hasContainer bool
}

func decodeSocket(raw json.RawMessage, s *collect.Socket, shared sharedValues) error {
	var w wireSocket
	if err := json.Unmarshal(raw, &w); err != nil {
		return shapeErr(err)
	}
	if w.Source == nil {
		return missing("source")
	}
	switch *w.Source {
	case collect.Kernel.Kind:
		if w.StackName != nil {
			return fieldErr("stack_name", "set on a kernel socket")
		}
		s.Source = collect.Kernel
	case "stack":
		if w.StackName == nil || *w.StackName == "" {
			return fieldErr("stack_name", "missing on a stack socket")
		}
		s.Source = collect.Source{Kind: "stack", Name: *w.StackName}
	default:
		return fieldErr("source", "%q is neither kernel nor stack", *w.Source)
	}
	if w.NetNS != nil || w.NetNSName != nil {
		var key collect.Namespace
		if w.NetNS != nil {
			key.Inode = *w.NetNS
		}
		if w.NetNSName != nil {
			key.Name = *w.NetNSName
		}
		// An inode of 0 and an empty name mean unknown, as the writer
		// omits them: such a row has no namespace, not an empty one.
		if key != (collect.Namespace{}) {
			if s.NetNS = shared.namespaces[key]; s.NetNS == nil {
				s.NetNS = &key
				shared.namespaces[key] = s.NetNS
			}
		}
	}

	if w.Proto == nil {
		return missing("proto")
	}
	switch *w.Proto {
	case "tcp":
		s.Proto = collect.ProtoTCP
	case "udp":
		s.Proto = collect.ProtoUDP
	default:
		return fieldErr("proto", "%q is neither tcp nor udp", *w.Proto)
	}
	if w.Protocol == nil {
		return missing("protocol")
	}
	if *w.Protocol != uint64(s.Proto) {
		return fieldErr("protocol", "%d does not match proto %q", *w.Protocol, *w.Proto)
	}
	if w.Family == nil {
		return missing("family")
	}
	switch collect.Family(*w.Family) {
	case collect.FamilyIPv4, collect.FamilyIPv6:
		if *w.Family > math.MaxUint8 {
			return fieldErr("family", "%d is neither 2 (IPv4) nor 10 (IPv6)", *w.Family)
		}
		s.Family = collect.Family(*w.Family)
	default:
		return fieldErr("family", "%d is neither 2 (IPv4) nor 10 (IPv6)", *w.Family)
	}
	var err error
	if s.Local, err = endpoint("local", w.LocalAddress, w.LocalPort, s.Family); err != nil {
		return err
	}
	if s.Remote, err = endpoint("remote", w.RemoteAddress, w.RemotePort, s.Family); err != nil {
		return err
	}
	if w.State == nil {
		return missing("state")
	}
	st, ok := collect.ParseState(*w.State)
	if !ok {
		return fieldErr("state", "%q is not a state name", *w.State)
	}
	s.State = st

	if w.PID != nil {
		pid, err := bounded("pid", w.PID, math.MaxUint32)
		if err != nil {
			return err
		}
		key := procKey{pid: int(pid)}
		if w.ProcessName != nil {
			key.name = *w.ProcessName
		}
		if w.Services != nil {
			if len(w.Services) == 0 {
				return fieldErr("services", "an empty list (the writer omits it when the process hosts no service)")
			}
			key.services = strings.Join(w.Services, "\x00")
		}
		if w.Container != nil {
			if key.container, err = decodeContainer(w.Container); err != nil {
				return err
			}
			key.hasContainer = true
		}
		p, ok := shared.procs[key]
		if !ok {
			p = &collect.Process{PID: key.pid, Name: key.name}
			if w.Services != nil {
				p.Services = slices.Clone(w.Services)
			}
			if key.hasContainer {
				if p.Container = shared.containers[key.container]; p.Container == nil {
					p.Container = &key.container
					shared.containers[key.container] = p.Container
				}
			}
			shared.procs[key] = p
		}
		s.Owner = p
		if w.Holders != nil {
			// The writer omits holders when no process was counted;
			// a pid always has at least its own process.
			if *w.Holders == 0 {
				return fieldErr("holders", "0 beside a pid (at least the pid's process holds the socket)")
			}
			h, err := bounded("holders", w.Holders, math.MaxUint32)
			if err != nil {
				return err
			}
			s.Holders = uint32(h)
		}
	} else {
		// What describes the owner exists only with one.
		for _, f := range [...]struct {
			name string
			set  bool
		}{{"holders", w.Holders != nil}, {"process_name", w.ProcessName != nil}, {"services", w.Services != nil}, {"container", w.Container != nil}} {
			if f.set {
				return fieldErr(f.name, "set without a pid")
			}
		}
	}
	if w.UID != nil {
		uid, err := bounded("uid", w.UID, math.MaxUint32)
		if err != nil {
			return err
		}
		s.UID, s.HasUID = uint32(uid), true
	}
	if w.Inode != nil {
		s.Inode = *w.Inode
	}
	if w.Cookie != nil {
		s.Cookie = *w.Cookie
	}
	// send_queue is left out when the source cannot give it (a listener
	// read from /proc/net), recv_queue too (macOS, FreeBSD): absent is
	// absent.
	if s.NoSendQ, err = queue("send_queue", w.SendQueue, &s.SendQ); err != nil {
		return err
	}
	if s.NoRecvQ, err = queue("recv_queue", w.RecvQueue, &s.RecvQ); err != nil {
		return err
	}

	if w.TCPInfo != nil {
		if s.TCP, err = decodeTCP(w.TCPInfo); err != nil {
			return err
		}
	}
	if w.StackInfo != nil {
		if s.Source.Kind != "stack" {
			return fieldErr("stack_info", "set on a kernel socket")
		}
		if s.Stack, err = decodeStackInfo(w.StackInfo, s.Proto == collect.ProtoTCP); err != nil {
			return err
		}
	}
	return nil
}

// decodeContainer reads a container object: runtime is never omitted,
// the rest is omitted when unknown ("" in the model).
func decodeContainer(w *wireCtr) (collect.Container, error) {
	if w.Runtime == nil {
		return collect.Container{}, missing("container.runtime")
	}
	c := collect.Container{Runtime: *w.Runtime}
	for _, f := range [...]struct {
		v   *string
		dst *string
	}{{w.ID, &c.ID}, {w.Name, &c.Name}, {w.PodName, &c.PodName}, {w.PodUID, &c.PodUID}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	return c, nil
}

// endpoint reads one address and port pair; the address must be of the
// socket's family (an IPv4-mapped IPv6 address is IPv6).
func endpoint(which string, addr *string, port *uint64, fam collect.Family) (netip.AddrPort, error) {
	if addr == nil {
		return netip.AddrPort{}, missing(which + "_address")
	}
	a, err := netip.ParseAddr(*addr)
	if err != nil {
		return netip.AddrPort{}, fieldErr(which+"_address", "%v", err)
	}
	if a.Is4() != (fam == collect.FamilyIPv4) {
		return netip.AddrPort{}, fieldErr(which+"_address", "%s is not of family %d", a, fam)
	}
	p, err := bounded(which+"_port", port, math.MaxUint16)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(a, uint16(p)), nil
}

func decodeTCP(w *wireTCP) (*collect.TCPInfo, error) {
	t := &collect.TCPInfo{}
	var err error
	if t.RTT, err = count32[collect.Micros]("tcp_info.rtt_us", w.RTT); err != nil {
		return nil, err
	}
	if t.RTTVar, err = count32[collect.Micros]("tcp_info.rttvar_us", w.RTTVar); err != nil {
		return nil, err
	}
	if t.RTO, err = count32[collect.Micros]("tcp_info.rto_us", w.RTO); err != nil {
		return nil, err
	}
	if err := decodeU32s("tcp_info.", []u32Field{
		{"snd_cwnd", w.SndCwnd, &t.SndCwnd},
		{"snd_ssthresh", w.SndSsthresh, &t.SndSsthresh},
		{"snd_mss", w.SndMSS, &t.SndMSS},
		{"rcv_mss", w.RcvMSS, &t.RcvMSS},
		{"retransmits", w.Retransmits, &t.Retransmits},
		{"total_retrans", w.TotalRetrans, &t.TotalRetrans},
		{"unacked", w.Unacked, &t.Unacked},
	}); err != nil {
		return nil, err
	}
	if t.BytesAcked, err = bounded("tcp_info.bytes_acked", w.BytesAcked, math.MaxUint64); err != nil {
		return nil, err
	}
	if t.BytesReceived, err = bounded("tcp_info.bytes_received", w.BytesReceived, math.MaxUint64); err != nil {
		return nil, err
	}
	switch {
	case w.Timer == nil && w.TimerExpiresMS != nil:
		return nil, fieldErr("tcp_info.timer_expires_ms", "set without a timer")
	case w.Timer != nil:
		timer, ok := parseTimer(*w.Timer)
		if !ok {
			return nil, fieldErr("tcp_info.timer", "%q is not a timer name (on, keepalive, timewait, persist)", *w.Timer)
		}
		t.Timer = timer
		if t.TimerExpires, err = count32[collect.Millis]("tcp_info.timer_expires_ms", w.TimerExpiresMS); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func parseTimer(name string) (collect.Timer, bool) {
	for _, t := range [...]collect.Timer{collect.TimerRetrans, collect.TimerKeepalive, collect.TimerTimeWait, collect.TimerProbe} {
		if t.String() == name {
			return t, true
		}
	}
	return collect.TimerNone, false
}

func decodeStackInfo(w *wireInfo, tcp bool) (*collect.StackInfo, error) {
	si := &collect.StackInfo{FD: -1}
	if w.FD != nil {
		if *w.FD < 0 || *w.FD > math.MaxInt32 {
			return nil, fieldErr("stack_info.fd", "%d is not a descriptor (omit fd when there is none)", *w.FD)
		}
		si.FD = int(*w.FD)
	}
	if w.MemUsed == nil {
		return nil, missing("stack_info.mem_used")
	}
	if w.MemLimit == nil {
		return nil, missing("stack_info.mem_limit")
	}
	si.MemUsed, si.MemLimit = *w.MemUsed, *w.MemLimit
	var err error
	if si.Age, err = duration("stack_info.age_ms", w.AgeMS, time.Millisecond); err != nil {
		return nil, err
	}
	if !tcp {
		// The sequence variables are TCP's; a UDP row has none, and
		// the encoder never writes them for one.
		return si, nil
	}
	if err := decodeU32s("stack_info.", []u32Field{
		{"snd_una", w.SndUna, &si.SndUna},
		{"snd_nxt", w.SndNxt, &si.SndNxt},
		{"rcv_nxt", w.RcvNxt, &si.RcvNxt},
		{"snd_wnd", w.SndWnd, &si.SndWnd},
		{"rcv_wnd", w.RcvWnd, &si.RcvWnd},
	}); err != nil {
		return nil, err
	}
	return si, nil
}
