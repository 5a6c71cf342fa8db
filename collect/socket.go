// socket.go holds the Socket value and its typed fields.

package collect

import (
	"net/netip"
	"strconv"
	"time"
)

// Proto is the transport protocol of a socket.
type Proto uint8

const (
	ProtoTCP Proto = 6  // IPPROTO_TCP
	ProtoUDP Proto = 17 // IPPROTO_UDP
)

// String returns "tcp" or "udp" (lower case, as JSON and ss print it).
func (p Proto) String() string {
	switch p {
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	}
	return "unknown-proto-" + strconv.Itoa(int(p))
}

// Family is the address family of a socket.
type Family uint8

const (
	FamilyIPv4 Family = 2  // AF_INET
	FamilyIPv6 Family = 10 // AF_INET6 (Linux numbering, as osquery reports it)
)

// String returns "ipv4" or "ipv6".
func (f Family) String() string {
	switch f {
	case FamilyIPv4:
		return "ipv4"
	case FamilyIPv6:
		return "ipv6"
	}
	return "unknown-family-" + strconv.Itoa(int(f))
}

// State is a TCP state numbered as in Linux include/net/tcp_states.h, so the
// numbers from sock_diag and /proc/net/tcp convert without a table. UDP
// sockets carry StateClose (unconnected) or StateEstablished (connected), as
// the kernel reports them; renderers print UDP state as empty.
//
// StateBoundInactive is a TCP socket bound to a port but neither listening
// nor connected. Linux has no such state (the socket is in TCP_CLOSE):
// TCP_BOUND_INACTIVE (Linux 6.8) is the bit of an inet_diag request that
// asks for the bind-hash walk listing them. The kernel's sources (sock_diag,
// /proc/net) map a TCP row in TCP_CLOSE to it: the kernel lists such a
// socket only when it is bound. A mini-stack's closed sockets stay
// StateClose.
type State uint8

const (
	StateUnknown       State = 0
	StateEstablished   State = 1
	StateSynSent       State = 2
	StateSynRecv       State = 3
	StateFinWait1      State = 4
	StateFinWait2      State = 5
	StateTimeWait      State = 6
	StateClose         State = 7
	StateCloseWait     State = 8
	StateLastAck       State = 9
	StateListen        State = 10
	StateClosing       State = 11
	StateNewSynRecv    State = 12 // a request socket: SYN received, not yet a full socket
	StateBoundInactive State = 13 // TCP, bound but neither listening nor connected (see State)
)

var linuxStateNames = [...]string{
	StateEstablished:   "ESTABLISHED",
	StateSynSent:       "SYN_SENT",
	StateSynRecv:       "SYN_RECV",
	StateFinWait1:      "FIN_WAIT1",
	StateFinWait2:      "FIN_WAIT2",
	StateTimeWait:      "TIME_WAIT",
	StateClose:         "CLOSE",
	StateCloseWait:     "CLOSE_WAIT",
	StateLastAck:       "LAST_ACK",
	StateListen:        "LISTEN",
	StateClosing:       "CLOSING",
	StateNewSynRecv:    "NEW_SYN_RECV",
	StateBoundInactive: "BOUND_INACTIVE",
}

// windowsStateNames are the names Windows netstat prints. NEW_SYN_RECV is a
// Linux implementation detail of SYN_RECEIVED; BOUND_INACTIVE is a bound,
// unconnected socket, which Windows shows as BOUND under netstat -q.
var windowsStateNames = [...]string{
	StateEstablished:   "ESTABLISHED",
	StateSynSent:       "SYN_SENT",
	StateSynRecv:       "SYN_RECEIVED",
	StateFinWait1:      "FIN_WAIT_1",
	StateFinWait2:      "FIN_WAIT_2",
	StateTimeWait:      "TIME_WAIT",
	StateClose:         "CLOSED",
	StateCloseWait:     "CLOSE_WAIT",
	StateLastAck:       "LAST_ACK",
	StateListen:        "LISTENING",
	StateClosing:       "CLOSING",
	StateNewSynRecv:    "SYN_RECEIVED",
	StateBoundInactive: "BOUND",
}

// String returns the Linux name (LISTEN, SYN_RECV, FIN_WAIT1, ...), as ss and
// the JSON schema use it, or "unknown-state-N"; it never panics.
func (s State) String() string {
	if int(s) < len(linuxStateNames) && linuxStateNames[s] != "" {
		return linuxStateNames[s]
	}
	return "unknown-state-" + strconv.Itoa(int(s))
}

// WindowsName returns the name Windows netstat prints (LISTENING,
// SYN_RECEIVED, FIN_WAIT_1, ...), or "unknown-state-N".
func (s State) WindowsName() string {
	if int(s) < len(windowsStateNames) && windowsStateNames[s] != "" {
		return windowsStateNames[s]
	}
	return s.String()
}

// ParseState maps a Linux state name (as String returns it) back to a State.
func ParseState(name string) (State, bool) {
	for i, n := range linuxStateNames {
		if n != "" && n == name {
			return State(i), true
		}
	}
	return StateUnknown, false
}

// Process is the owner of one or more sockets. Collectors share one *Process
// among all sockets of that process, so attribution costs one allocation per
// process, not per socket.
type Process struct {
	PID  int
	Name string // executable base name ("sshd"), or the comm name when the exe link is unreadable; may be ""
	// Services names the Windows services the process hosts (svchost),
	// which netstat -b prints above the executable; nil elsewhere.
	Services []string

	// Container is where the process runs, when its cgroup names a
	// container runtime; nil otherwise. It lives here rather than on each
	// Socket because it is a property of the process: one pointer per
	// process instead of eight bytes on each of 100,000 rows.
	Container *Container
}

// Container is a container as the owning process's cgroup and the
// runtime's local files show it. Processes of one container share one
// *Container.
type Container struct {
	Runtime string // "docker", "containerd", "cri-o", "podman", or "kubernetes" when only the pod is known
	ID      string // the runtime's full container ID (64 hex digits); "" when only the pod is known
	Name    string // the container's name; "" when it could not be read locally
	PodName string // Kubernetes pod name; "" outside Kubernetes or when unknown
	PodUID  string // Kubernetes pod UID; "" outside Kubernetes
}

// Namespace is the network namespace a socket lives in. Collectors share
// one *Namespace among all sockets read from one namespace.
type Namespace struct {
	Inode uint64 // inode of the namespace (nsfs); 0 when unknown
	Name  string // its name under /run/netns (ip netns); "" when it has none
}

// Source says which protocol stack holds a socket.
type Source struct {
	Kind string // "kernel" or "stack"
	Name string // the mini-stack instance name; "" for the kernel
}

// Kernel is the Source of every socket read from the OS.
var Kernel = Source{Kind: "kernel"}

// Socket is one row of a socket table: a copy of the control information a
// protocol stack keeps for one conversation.
//
// Optional values follow one rule: absent is absent, not zero. Owner is nil
// when no process was seen holding the socket, HasUID says whether UID is
// known, and TCP is nil when no TCP internals were read.
type Socket struct {
	Source Source
	NetNS  *Namespace // nil when unknown

	// The small fields are packed together: at 100,000 rows every byte
	// of Socket is 100 kB of the peak memory (docs/performance.md).
	Proto  Proto
	Family Family
	State  State
	HasUID bool
	UID    uint32
	// Holders is how many processes were seen holding the socket's file
	// (a listener inherited across fork, a descriptor passed over a Unix
	// socket): Owner is the lowest-numbered of them. 0 when no holder was
	// seen or owners were not read.
	Holders uint32
	// NoSendQ says SendQ is unknown: /proc/net prints 0 for a listener
	// where sock_diag reports its backlog limit. Absent is absent, so
	// JSON leaves send_queue out rather than print a wrong 0.
	NoSendQ bool
	// NoRecvQ says RecvQ is unknown: macOS's lsof and FreeBSD's sockstat
	// print no queues (docs/platforms.md).
	NoRecvQ bool

	Local  netip.AddrPort
	Remote netip.AddrPort

	Owner  *Process // Owner.Container says where it runs
	Inode  uint64   // socket inode; 0 for sockets no file refers to (TIME_WAIT, request and unaccepted sockets)
	Cookie uint64   // kernel socket cookie (sock_diag id), or a mini-stack's socket ID; 0 when unknown

	SendQ uint32 // bytes not yet acknowledged by the peer (or, for a listener, the backlog limit)
	RecvQ uint32 // bytes not yet read by the application (or, for a listener, the accept queue length)

	TCP   *TCPInfo
	Stack *StackInfo // control information only the mini-stack shows; nil for kernel sockets
}

// NetNSInode returns the inode of the socket's network namespace, 0 when
// unknown.
func (s *Socket) NetNSInode() uint64 {
	if s.NetNS == nil {
		return 0
	}
	return s.NetNS.Inode
}

// NetNSName returns the name of the socket's network namespace under
// /run/netns, "" when it has none or is unknown.
func (s *Socket) NetNSName() string {
	if s.NetNS == nil {
		return ""
	}
	return s.NetNS.Name
}

// Container returns the container of the socket's owner, nil when the
// owner is unknown or runs in no container.
func (s *Socket) Container() *Container {
	if s.Owner == nil {
		return nil
	}
	return s.Owner.Container
}

// OrUnspecified returns ep (s.Local or s.Remote), or, when a collector
// left it unset, what the kernel reports for an unbound socket or one
// without a peer: the unspecified address of the socket's family and port
// 0 ("0.0.0.0:0", "[::]:0"), so that a TCP listener reads the same from
// every source and in every output.
func (s *Socket) OrUnspecified(ep netip.AddrPort) netip.AddrPort {
	if ep.IsValid() {
		return ep
	}
	if s.Family == FamilyIPv6 || s.Local.Addr().Is6() {
		return netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
	}
	return netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
}

// StackInfo is the part of a mini-stack socket's control block that no
// kernel interface reports: how the application reaches it (the
// descriptor), the memory the stack's memory manager lent it, and TCP's
// sequence variables (RFC 9293 §3.3.1).
type StackInfo struct {
	FD       int   // descriptor number; -1 when no descriptor refers to it (not yet accepted, TIME_WAIT)
	MemUsed  int64 // bytes of buffer memory taken from the stack's budget
	MemLimit int64 // the most this socket may take
	Age      time.Duration

	SndUna, SndNxt, RcvNxt uint32 // TCP only
	SndWnd, RcvWnd         uint32 // TCP only: the peer's window and ours, in bytes
}

// TCPInfo is the optional TCP internals of a socket (Linux struct tcp_info
// and the mini-stack's control block). Durations are zero when unknown.
//
// One is kept per TCP row, so its size is watched (TestTCPInfoSize): the
// durations are 32-bit counts in the units the kernel reports them in, and
// the small fields come before the 64-bit ones so that no padding is left
// between them.
type TCPInfo struct {
	RTT           Micros // smoothed round-trip time
	RTTVar        Micros
	RTO           Micros
	SndCwnd       uint32 // segments
	SndSsthresh   uint32 // segments
	SndMSS        uint32
	RcvMSS        uint32
	Retransmits   uint32 // retransmissions of the current segment (consecutive timeouts)
	TotalRetrans  uint32
	Unacked       uint32 // segments sent and not yet acknowledged
	TimerExpires  Millis // time until the running timer fires
	Timer         Timer
	BytesAcked    uint64
	BytesReceived uint64
}

// Timer names the timer a TCP socket has running, as /proc/net/tcp's "tr"
// column and ss -o report it.
type Timer uint8

const (
	TimerNone      Timer = 0
	TimerRetrans   Timer = 1 // retransmission (or, in /proc, also zero-window probe)
	TimerKeepalive Timer = 2
	TimerTimeWait  Timer = 3
	TimerProbe     Timer = 4 // zero-window probe
)

// String returns the ss name of the timer ("on", "keepalive", "timewait",
// "persist") or "" for none.
func (t Timer) String() string {
	switch t {
	case TimerNone:
		return ""
	case TimerRetrans:
		return "on"
	case TimerKeepalive:
		return "keepalive"
	case TimerTimeWait:
		return "timewait"
	case TimerProbe:
		return "persist"
	}
	return "unknown-timer-" + strconv.Itoa(int(t))
}
