// collect_test.go tests the model's names, filter, order and owner attribution.

package collect

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

func TestStateNames(t *testing.T) {
	tests := []struct {
		s              State
		linux, windows string
	}{
		{StateEstablished, "ESTABLISHED", "ESTABLISHED"},
		{StateSynSent, "SYN_SENT", "SYN_SENT"},
		{StateSynRecv, "SYN_RECV", "SYN_RECEIVED"},
		{StateFinWait1, "FIN_WAIT1", "FIN_WAIT_1"},
		{StateFinWait2, "FIN_WAIT2", "FIN_WAIT_2"},
		{StateTimeWait, "TIME_WAIT", "TIME_WAIT"},
		{StateClose, "CLOSE", "CLOSED"},
		{StateCloseWait, "CLOSE_WAIT", "CLOSE_WAIT"},
		{StateLastAck, "LAST_ACK", "LAST_ACK"},
		{StateListen, "LISTEN", "LISTENING"},
		{StateClosing, "CLOSING", "CLOSING"},
		{StateNewSynRecv, "NEW_SYN_RECV", "SYN_RECEIVED"},
		{StateBoundInactive, "BOUND_INACTIVE", "BOUND"},
		{StateUnknown, "unknown-state-0", "unknown-state-0"},
		{State(200), "unknown-state-200", "unknown-state-200"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.linux {
			t.Errorf("State(%d).String() = %q, want %q", tt.s, got, tt.linux)
		}
		if got := tt.s.WindowsName(); got != tt.windows {
			t.Errorf("State(%d).WindowsName() = %q, want %q", tt.s, got, tt.windows)
		}
		if back, ok := ParseState(tt.linux); ok != (tt.s != StateUnknown && tt.s < 200) || ok && back != tt.s {
			t.Errorf("ParseState(%q) = %v, %v", tt.linux, back, ok)
		}
	}
}

func TestKind(t *testing.T) {
	if got := AllKinds.String(); got != "tcp,tcp6,udp,udp6" {
		t.Errorf("AllKinds = %q", got)
	}
	var order []Kind
	AllKinds.Each(func(k Kind) { order = append(order, k) })
	if diff := cmp.Diff([]Kind{TCP4, TCP6, UDP4, UDP6}, order); diff != "" {
		t.Errorf("Each order (-want +got):\n%s", diff)
	}
	for _, k := range order {
		if KindOf(k.Proto(), k.Family()) != k {
			t.Errorf("KindOf(%v.Proto(), %v.Family()) != %v", k, k, k)
		}
	}
	if KindOf(Proto(1), FamilyIPv4) != 0 {
		t.Error("KindOf(unknown proto) != 0")
	}
}

func sock(proto Proto, local, remote string, st State) Socket {
	l := netip.MustParseAddrPort(local)
	fam := FamilyIPv4
	if l.Addr().Is6() {
		fam = FamilyIPv6
	}
	return Socket{Source: Kernel, Proto: proto, Family: fam, Local: l, Remote: netip.MustParseAddrPort(remote), State: st}
}

func TestFilter(t *testing.T) {
	listen := sock(ProtoTCP, "0.0.0.0:22", "0.0.0.0:0", StateListen)
	estab := sock(ProtoTCP, "10.0.0.1:22", "10.0.0.2:5000", StateEstablished)
	tw := sock(ProtoTCP, "[::1]:80", "[::1]:5000", StateTimeWait)
	closed := sock(ProtoTCP, "0.0.0.0:5555", "0.0.0.0:0", StateClose)
	udp := sock(ProtoUDP, "0.0.0.0:53", "0.0.0.0:0", StateClose)
	udpConn := sock(ProtoUDP, "[::1]:4000", "[::1]:53", StateEstablished)
	bound := sock(ProtoTCP, "127.0.0.1:6000", "0.0.0.0:0", StateBoundInactive)
	bound6 := sock(ProtoTCP, "[::1]:6001", "[::]:0", StateBoundInactive)
	all := []Socket{listen, estab, tw, closed, udp, udpConn, bound, bound6}
	allButBound := all[:len(all)-2]

	tests := []struct {
		name string
		f    Filter
		want []Socket
	}{
		{"default: connected TCP only", Filter{}, []Socket{estab, tw}},
		{"-a", Filter{All: true}, allButBound},
		{"-a -p TCP", Filter{All: true, Kinds: TCP4}, []Socket{listen, estab, closed}},
		// -q (Windows): everything -a shows, and the bound sockets.
		{"-aq", Filter{All: true, Bound: true}, all},
		{"-aq -p TCPv6", Filter{All: true, Bound: true, Kinds: TCP6}, []Socket{tw, bound6}},
		{"-aq -p UDP", Filter{All: true, Bound: true, Kinds: UDP4}, []Socket{udp}},
		{"-lq", Filter{ListeningOnly: true, Bound: true}, []Socket{listen, udp, bound, bound6}},
		{"-a -p UDPv6", Filter{All: true, Kinds: UDP6}, []Socket{udpConn}},
		{"-l", Filter{ListeningOnly: true}, []Socket{listen, udp}},
		{"-l -u", Filter{ListeningOnly: true, Kinds: UDP4 | UDP6}, []Socket{udp}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.f.Apply(append([]Socket(nil), all...))
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSortNetstatOrder(t *testing.T) {
	in := []Socket{
		sock(ProtoUDP, "[::]:123", "[::]:0", StateClose),
		sock(ProtoTCP, "[::]:135", "[::]:0", StateListen),
		sock(ProtoTCP, "127.0.0.1:8080", "127.0.0.1:1", StateTimeWait),
		sock(ProtoUDP, "0.0.0.0:123", "0.0.0.0:0", StateClose),
		sock(ProtoTCP, "10.0.0.1:23", "10.0.0.2:47684", StateEstablished),
		sock(ProtoTCP, "0.0.0.0:445", "0.0.0.0:0", StateListen),
		sock(ProtoTCP, "0.0.0.0:135", "0.0.0.0:0", StateListen),
		sock(ProtoTCP, "9.0.0.1:1", "9.0.0.2:1", StateEstablished), // numeric, not lexical: 9 < 10
		sock(ProtoTCP, "10.0.0.1:23", "10.0.0.2:100", StateEstablished),
	}
	Sort(in)
	var got []string
	for _, s := range in {
		got = append(got, fmt.Sprintf("%v %v %v", KindOf(s.Proto, s.Family), s.Local, s.Remote))
	}
	want := []string{
		"tcp 0.0.0.0:135 0.0.0.0:0",
		"tcp 0.0.0.0:445 0.0.0.0:0",
		"tcp 9.0.0.1:1 9.0.0.2:1",
		"tcp 10.0.0.1:23 10.0.0.2:100",
		"tcp 10.0.0.1:23 10.0.0.2:47684",
		"tcp 127.0.0.1:8080 127.0.0.1:1",
		"tcp6 [::]:135 [::]:0",
		"udp 0.0.0.0:123 0.0.0.0:0",
		"udp6 [::]:123 [::]:0",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestAttachOwners(t *testing.T) {
	sshd := &Process{PID: 700, Name: "sshd"}
	web := &Process{PID: 800, Name: "nginx"}
	socks := []Socket{
		{Source: Kernel, Inode: 11},
		{Source: Kernel, Inode: 0, State: StateTimeWait},
		{Source: Kernel, Inode: 12},
		{Source: Source{Kind: "stack", Name: "s1"}, Inode: 11},
		{Inode: 13}, // a collector that leaves Source unset reads the kernel
		{Source: Kernel, Inode: 12},
	}
	// 13 is a listener that nginx's master (800) and two workers hold.
	scan := OwnerScan{Owners: map[uint64]*Process{11: sshd, 13: web}, Holders: map[uint64]uint32{13: 3}}
	st := AttachOwners(socks, scan)
	if diff := cmp.Diff(OwnerStats{Attributed: 2, Ownerless: 1, Missing: 2}, st); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	type row struct {
		Owner   *Process
		Holders uint32
	}
	var got []row
	for _, s := range socks {
		got = append(got, row{s.Owner, s.Holders})
	}
	want := []row{{sshd, 1}, {}, {}, {}, {web, 3}, {}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("owners and holders (-want +got):\n%s", diff)
	}
	// Inode 12 is missing from two rows (a socket listed twice, as a dump
	// that raced may): a rescan looks for it once.
	if diff := cmp.Diff([]uint64{12}, Unowned(socks, scan)); diff != "" {
		t.Errorf("Unowned (-want +got):\n%s", diff)
	}
	if got := Unowned(socks[:2], scan); got != nil {
		t.Errorf("Unowned of an owned table = %v, want nil", got)
	}
}

func TestPartial(t *testing.T) {
	if Partial(nil, nil) != nil {
		t.Error("Partial(nil, nil) != nil")
	}
	a, b := errors.New("a"), errors.New("b")
	err := Partial(a, nil, Partial(b))
	if !IsPartial(err) || !errors.Is(err, a) || !errors.Is(err, b) {
		t.Errorf("Partial = %v", err)
	}
	if got, want := err.Error(), "incomplete socket table: a; b"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if IsPartial(a) {
		t.Error("IsPartial(plain error)")
	}
	if got, want := PartialOf("routing table", a).Error(), "incomplete routing table: a"; got != want {
		t.Errorf("PartialOf: Error() = %q, want %q", got, want)
	}
}

func TestTimerString(t *testing.T) {
	for tm, want := range map[Timer]string{TimerNone: "", TimerRetrans: "on", TimerKeepalive: "keepalive", TimerTimeWait: "timewait", TimerProbe: "persist", 9: "unknown-timer-9"} {
		if got := tm.String(); got != want {
			t.Errorf("Timer(%d) = %q, want %q", tm, got, want)
		}
	}
}

// TestSocketSize keeps a new field of Socket a conscious choice (168 since
// Holders and NoSendQ, issue 11: 0.8 MB more at 100k rows): at
// 100,000 rows each 8 bytes is 0.8 MB of the peak memory that issue 5's
// 40 MiB target for -ano --json counts (docs/performance.md). Values that
// many rows share (process, container, namespace) hang off pointers.
func TestSocketSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("sizes are for 64-bit platforms")
	}
	if got := unsafe.Sizeof(Socket{}); got != 168 {
		t.Errorf("collect.Socket is %d bytes, want 168: pack small fields together, share per-process or per-namespace values through a pointer, or change this figure knowingly", got)
	}
}
