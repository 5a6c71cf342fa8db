// parse_test.go tests the parser on tables captured from a real kernel
// (testdata/{tcp,tcp6,udp,udp6}, see capture_linux_test.go) and on
// hostile input.

package procnet

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

var addrCmp = cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// row builds an expected socket owned by uid 0 (the capture ran as root).
func row(kind collect.Kind, local, remote string, st collect.State, inode uint64, info *collect.TCPInfo) collect.Socket {
	return collect.Socket{Source: collect.Kernel, Proto: kind.Proto(), Family: kind.Family(),
		Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort(remote), State: st,
		HasUID: true, Inode: inode, TCP: info}
}

// full is the TCPInfo of a full socket on loopback: RTO 200 ms, ssthresh
// still infinite (-1), no timer unless one is given (expiring in ms).
func full(cwnd uint32, timer collect.Timer, expires collect.Millis) *collect.TCPInfo {
	return &collect.TCPInfo{RTO: 200000, SndCwnd: cwnd, Timer: timer, TimerExpires: expires}
}

// listener is a listening socket's TCPInfo: RTO 1 s (TCP_TIMEOUT_INIT), and
// no ssthresh, since the kernel prints the Fast Open queue limit there.
func listener() *collect.TCPInfo { return &collect.TCPInfo{RTO: 1000000, SndCwnd: 10} }

// timewait is a TIME_WAIT or timewait-form FIN_WAIT2 row: only a timer, and
// no owner.
func timewait(s collect.Socket, ticks int) collect.Socket {
	s.HasUID, s.Inode = false, 0
	s.TCP = &collect.TCPInfo{Timer: collect.TimerTimeWait, TimerExpires: collect.Millis(ticks) * 10}
	return s
}

// listening marks a listener's row: /proc prints 0 for its send queue
// where sock_diag gives the backlog limit, so the row says it is unknown.
func listening(s collect.Socket) collect.Socket {
	s.NoSendQ = true
	return s
}

func queues(s collect.Socket, send, recv uint32) collect.Socket {
	s.SendQ, s.RecvQ = send, recv
	return s
}

const (
	est      = collect.StateEstablished
	listen   = collect.StateListen
	closeW   = collect.StateCloseWait
	timeW    = collect.StateTimeWait
	finW2    = collect.StateFinWait2
	udpOpen  = collect.StateClose
	ka       = collect.TimerKeepalive
	probe    = collect.TimerProbe
	capTCP4  = collect.TCP4
	capTCP6  = collect.TCP6
	capUDP4  = collect.UDP4
	capUDP6  = collect.UDP6
	loop4    = "127.0.0.1:"
	loop6    = "[::1]:"
	mapped   = "[::ffff:127.0.0.1]:"
	unspec4  = "0.0.0.0:0"
	unspec6  = "[::]:0"
	twTicks4 = 0x172E
)

// The captured tables, decoded by hand from the hex (ports: 0x8239 =
// 33337, 0xB389 = 45961, ...). On the capture's listener port, 33337 (v4)
// and 45961 (v6), the test opened: a keepalive connection with 100 unread
// bytes; a TIME_WAIT; an orphaned FIN_WAIT2 with its CLOSE_WAIT peer; a
// writer stuck on a closed window (zero-window probe timer) and its reader
// with a 4 KiB buffer; and one connection never accepted (inode 0, the
// listener's rx_queue 1). 36621 is a dual-stack listener with an IPv4 peer.
var capturedWant = map[string][]collect.Socket{
	"tcp": {
		queues(listening(row(capTCP4, loop4+"33337", unspec4, listen, 792879, listener())), 0, 1),
		row(capTCP4, loop4+"33337", loop4+"53458", closeW, 792886, full(10, ka, 14340)),
		row(capTCP4, loop4+"33337", loop4+"53484", est, 0, full(10, 0, 0)),
		row(capTCP4, loop4+"37974", loop4+"36621", est, 792351, full(10, ka, 14940)),
		queues(row(capTCP4, loop4+"33337", loop4+"53470", est, 792888, full(12, probe, 20)), 2803712, 0),
		queues(row(capTCP4, loop4+"53434", loop4+"33337", est, 792881, full(10, ka, 599340)), 0, 100),
		timewait(row(capTCP4, loop4+"53442", loop4+"33337", timeW, 0, nil), twTicks4),
		timewait(row(capTCP4, loop4+"53458", loop4+"33337", finW2, 0, nil), twTicks4),
		queues(row(capTCP4, loop4+"53470", loop4+"33337", est, 792887, full(10, 0, 0)), 0, 4096),
		row(capTCP4, loop4+"53484", loop4+"33337", est, 792911, full(10, ka, 14640)),
		row(capTCP4, loop4+"33337", loop4+"53434", est, 792882, full(11, ka, 14340)),
	},
	"tcp6": {
		listening(row(capTCP6, "[::]:36621", unspec6, listen, 792349, listener())),
		queues(listening(row(capTCP6, loop6+"45961", unspec6, listen, 792235, listener())), 0, 1),
		row(capTCP6, loop6+"45961", loop6+"52454", est, 792238, full(11, ka, 14640)),
		row(capTCP6, mapped+"36621", mapped+"37974", est, 792352, full(10, ka, 14940)),
		queues(row(capTCP6, loop6+"45961", loop6+"52478", est, 792244, full(12, probe, 320)), 2803712, 0),
		row(capTCP6, loop6+"45961", loop6+"52470", closeW, 792242, full(10, ka, 14640)),
		row(capTCP6, loop6+"45961", loop6+"52490", est, 0, full(10, 0, 0)),
		queues(row(capTCP6, loop6+"52454", loop6+"45961", est, 792237, full(10, ka, 599640)), 0, 100),
		timewait(row(capTCP6, loop6+"52462", loop6+"45961", timeW, 0, nil), 0x174C),
		timewait(row(capTCP6, loop6+"52470", loop6+"45961", finW2, 0, nil), 0x174D),
		queues(row(capTCP6, loop6+"52478", loop6+"45961", est, 792243, full(10, 0, 0)), 0, 4096),
		row(capTCP6, loop6+"52490", loop6+"45961", est, 792346, full(10, ka, 14940)),
	},
	// An unconnected socket holding three unread datagrams (their
	// truesize, 3 x 832 bytes), and the connected socket that sent them.
	"udp": {
		queues(row(capUDP4, loop4+"58622", unspec4, udpOpen, 792233, nil), 0, 2496),
		row(capUDP4, loop4+"52667", loop4+"58622", est, 792234, nil),
	},
	"udp6": {
		row(capUDP6, loop6+"59138", loop6+"52149", est, 792348, nil),
		queues(row(capUDP6, loop6+"52149", unspec6, udpOpen, 792347, nil), 0, 2496),
	},
}

var tableKind = map[string]collect.Kind{"tcp": collect.TCP4, "tcp6": collect.TCP6, "udp": collect.UDP4, "udp6": collect.UDP6}

func TestParseCaptured(t *testing.T) {
	for name, want := range capturedWant {
		t.Run(name, func(t *testing.T) {
			// The capture was written on a little-endian machine.
			got, err := ParseOrder(mustRead(t, name), tableKind[name], binary.LittleEndian, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, addrCmp); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// Unconnected remote ends are the family's unspecified address, valid and
// distinguishable from a missing one; mapped addresses stay IPv6.
func TestParseAddressForms(t *testing.T) {
	udp, err := ParseOrder(mustRead(t, "udp"), collect.UDP4, binary.LittleEndian, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := udp[0].Remote; r != netip.AddrPortFrom(netip.IPv4Unspecified(), 0) || !r.IsValid() {
		t.Errorf("unconnected udp remote = %v", r)
	}
	udp6, err := ParseOrder(mustRead(t, "udp6"), collect.UDP6, binary.LittleEndian, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := udp6[1].Remote; r != netip.AddrPortFrom(netip.IPv6Unspecified(), 0) {
		t.Errorf("unconnected udp6 remote = %v", r)
	}
	tcp6, err := ParseOrder(mustRead(t, "tcp6"), collect.TCP6, binary.LittleEndian, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l := tcp6[3].Local.Addr(); !l.Is4In6() || l.Unmap() != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("mapped local = %v, want ::ffff:127.0.0.1", l)
	}
}

// Parse reads this machine's byte order; ParseOrder reads either.
func TestParseByteOrder(t *testing.T) {
	data := mustRead(t, "tcp")
	var b [2]byte
	binary.NativeEndian.PutUint16(b[:], 1)
	var native binary.ByteOrder = binary.LittleEndian
	if b[0] == 0 {
		native = binary.BigEndian
	}
	viaParse, err1 := Parse(data, collect.TCP4, nil)
	viaOrder, err2 := ParseOrder(data, collect.TCP4, native, nil)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if diff := cmp.Diff(viaOrder, viaParse, addrCmp); diff != "" {
		t.Errorf("Parse differs from ParseOrder(%v) (-want +got):\n%s", native, diff)
	}

	// Read as if written by a big-endian kernel, the same words are the
	// reversed addresses; ports are plain numbers either way.
	swapped, err := ParseOrder(data, collect.TCP4, binary.BigEndian, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := swapped[1].Remote, netip.MustParseAddrPort("1.0.0.127:53458"); got != want {
		t.Errorf("big-endian read of 0100007F:D0D2 = %v, want %v", got, want)
	}

	// And a line as a big-endian kernel writes it.
	in := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
		"   0: 7F000001:0016 0A000002:C350 01 0000000A:00000014 01:00000064 00000003  1000        0 42 1 0 30 4 30 10 7\n"
	got, err := ParseOrder([]byte(in), collect.TCP4, binary.BigEndian, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []collect.Socket{{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
		Local: netip.MustParseAddrPort("127.0.0.1:22"), Remote: netip.MustParseAddrPort("10.0.0.2:50000"), State: est,
		SendQ: 10, RecvQ: 20, UID: 1000, HasUID: true, Inode: 42,
		TCP: &collect.TCPInfo{Timer: collect.TimerRetrans, TimerExpires: 1000, Retransmits: 3,
			RTO: 300000, SndCwnd: 10, SndSsthresh: 7}}}
	if diff := cmp.Diff(want, got, addrCmp); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	if _, err := ParseOrder(data, collect.TCP4, nil, nil); err == nil {
		t.Error("ParseOrder(nil order): no error")
	}
}

// Rows the capture could not make: a request socket, and the mini-stack's
// slot -1 (a socket no descriptor refers to).
func TestParseSyntheticRows(t *testing.T) {
	hdr := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	tests := []struct {
		name, line string
		want       collect.Socket
	}{
		{"request socket (get_openreq4)",
			"   3: 0100007F:1F90 0100007F:D0EC 03 00000000:00000000 01:00000064 00000002  1000        0 0 1 0000000000000000",
			collect.Socket{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
				Local: netip.MustParseAddrPort("127.0.0.1:8080"), Remote: netip.MustParseAddrPort("127.0.0.1:53484"),
				State: collect.StateSynRecv, UID: 1000, HasUID: true,
				TCP: &collect.TCPInfo{Timer: collect.TimerRetrans, TimerExpires: 1000, Retransmits: 2}}},
		// Before jiffies_delta_to_clock_t, an overdue timer printed as
		// jiffies_to_clock_t(expires - jiffies) wrapped around: with HZ
		// 1000, (2^64 - 3 jiffies) / 10 ticks.
		{"overdue timer of an old kernel",
			"   7: 0100007F:D0C2 0100007F:8239 06 00000000:00000000 03:1999999999999999 00000000     0        0 0 3 0000000000000000",
			collect.Socket{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
				Local: netip.MustParseAddrPort("127.0.0.1:53442"), Remote: netip.MustParseAddrPort("127.0.0.1:33337"),
				State: timeW, TCP: &collect.TCPInfo{Timer: collect.TimerTimeWait}}},
		// The model keeps expiries in 32-bit milliseconds: 0x19999999
		// ticks is the longest that fits, and anything longer up to the
		// wrapped range is kept as the longest (no kernel timer runs for
		// 49.7 days).
		{"the longest expiry a Millis holds",
			"   7: 0100007F:D0C2 0100007F:8239 06 00000000:00000000 03:19999999 00000000     0        0 0 3 0000000000000000",
			collect.Socket{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
				Local: netip.MustParseAddrPort("127.0.0.1:53442"), Remote: netip.MustParseAddrPort("127.0.0.1:33337"),
				State: timeW, TCP: &collect.TCPInfo{Timer: collect.TimerTimeWait, TimerExpires: 0x19999999 * 10}}},
		{"one tick longer, saturated",
			"   7: 0100007F:D0C2 0100007F:8239 06 00000000:00000000 03:1999999A 00000000     0        0 0 3 0000000000000000",
			collect.Socket{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
				Local: netip.MustParseAddrPort("127.0.0.1:53442"), Remote: netip.MustParseAddrPort("127.0.0.1:33337"),
				State: timeW, TCP: &collect.TCPInfo{Timer: collect.TimerTimeWait, TimerExpires: collect.MaxMillis}}},
		{"the longest expiry a Duration holds, saturated",
			"   7: 0100007F:D0C2 0100007F:8239 06 00000000:00000000 03:000000D6BF94D5E5 00000000     0        0 0 3 0000000000000000",
			collect.Socket{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
				Local: netip.MustParseAddrPort("127.0.0.1:53442"), Remote: netip.MustParseAddrPort("127.0.0.1:33337"),
				State: timeW, TCP: &collect.TCPInfo{Timer: collect.TimerTimeWait, TimerExpires: collect.MaxMillis}}},
		{"slot -1, a known ssthresh",
			"  -1: 0100007F:1F90 0100007F:D0EC 01 00000000:00000000 00:00000000 00000000     0        0 9 1 0 20 4 0 10 12",
			collect.Socket{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
				Local: netip.MustParseAddrPort("127.0.0.1:8080"), Remote: netip.MustParseAddrPort("127.0.0.1:53484"),
				State: est, HasUID: true, Inode: 9,
				TCP: &collect.TCPInfo{RTO: 200000, SndCwnd: 10, SndSsthresh: 12}}},
		// A socket caught in TCP_CLOSE while tcp_set_state unhashes it:
		// bound and inactive, as sock_diag's decoder names such a row.
		{"TCP in TCP_CLOSE",
			"   2: 0100007F:1770 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 9 1 0 20 4 0 10 -1",
			collect.Socket{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
				Local: netip.MustParseAddrPort("127.0.0.1:6000"), Remote: netip.MustParseAddrPort("0.0.0.0:0"),
				State: collect.StateBoundInactive, HasUID: true, Inode: 9,
				TCP: &collect.TCPInfo{RTO: 200000, SndCwnd: 10}}},
		// A listener's tx_queue is write_seq - snd_una, not its backlog.
		{"listener: send queue unknown",
			"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 9 1 0 100 0 0 10 -1",
			collect.Socket{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
				Local: netip.MustParseAddrPort("127.0.0.1:8080"), Remote: netip.MustParseAddrPort("0.0.0.0:0"),
				State: listen, HasUID: true, Inode: 9, NoSendQ: true, RecvQ: 2,
				TCP: &collect.TCPInfo{RTO: 1000000, SndCwnd: 10}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOrder([]byte(hdr+tt.line+"\n"), collect.TCP4, binary.LittleEndian, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]collect.Socket{tt.want}, got, addrCmp); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	hdr := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	good := "   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1077 1 0 100 0 0 10 0"
	tw := "   1: 0100007F:A00A 0100007F:99F1 06 00000000:00000000 03:00001751 00000000     0        0 0 3 0000000014f6571c"
	tests := []struct {
		name, line, want string
	}{
		{"short", "   0: 0100007F:0016 00000000:0000 0A", "line 3: too few fields: 4, want at least 12"},
		{"between short and full", good[:strings.LastIndex(good, " 10 0")], "line 3: too few fields: 15, want 12"},
		{"no slot colon", strings.Replace(good, "0:", "0 ", 1), `line 3: slot "0"`},
		{"bad slot", strings.Replace(good, "0:", "x:", 1), "line 3: slot \"x:\""},
		{"bad address", strings.Replace(good, "0100007F:0016", "0100007G:0016", 1), "line 3: local address"},
		{"ipv6 address in tcp", strings.Replace(good, "0100007F:0016", "00000000000000000000000001000000:0016", 1), "line 3: local address"},
		{"port overflow", strings.Replace(good, "0100007F:0016", "0100007F:10016", 1), "line 3: local address"},
		{"remote", strings.Replace(good, "00000000:0000", "00000000:", 1), "line 3: remote address"},
		{"state", strings.Replace(good, " 0A ", " 1FF ", 1), "line 3: state"},
		{"queues", strings.Replace(good, "00000000:00000000", "00000000", 1), "line 3: queues"},
		{"timer kind", strings.Replace(good, " 00:00000000", " 100:00000000", 1), "line 3: timer"},
		{"timer expiry", strings.Replace(tw, "03:00001751", "03:10000000000000000", 1), "line 3: timer"},
		{"retransmits", strings.Replace(good, " 00000000     0", " 0000000g     0", 1), "line 3: retransmits"},
		{"uid", strings.Replace(good, "     0        0 1077", "     x        0 1077", 1), "line 3: uid"},
		{"timeout", strings.Replace(good, "0        0 1077", "0        - 1077", 1), "line 3: timeout"},
		{"inode", strings.Replace(good, " 1077 ", " -1 ", 1), "line 3: inode"},
		{"refcount", strings.Replace(good, " 1077 1 ", " 1077 one ", 1), "line 3: refcount"},
		{"pointer", strings.Replace(tw, "0000000014f6571c", "0x14f6571c", 1), "line 3: pointer"},
		{"rto", strings.Replace(good, " 100 0 0 ", " 1e2 0 0 ", 1), "line 3: rto"},
		{"cwnd", strings.Replace(good, " 10 0", " ten 0", 1), "line 3: snd_cwnd"},
		{"ssthresh", strings.Replace(good, " 10 0", " 10 -2", 1), "line 3: ssthresh"},
		{"ssthresh overflow", strings.Replace(good, " 10 0", " 10 4294967296", 1), "line 3: ssthresh"},
		{"second header", hdr[:len(hdr)-1], "line 3: a header after 1 rows"},
		{"long line", good + strings.Repeat(" ", MaxLineLen), "line 3: longer than 4096 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOrder([]byte(hdr+good+"\n"+tt.line+"\n"+good+"\n"), collect.TCP4, binary.LittleEndian, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			// The good row before the bad line is returned; nothing after.
			if len(got) != 1 || got[0].Inode != 1077 {
				t.Errorf("rows before the error = %+v, want the one good row", got)
			}
		})
	}
	for _, kind := range []collect.Kind{0, collect.TCP4 | collect.UDP4, collect.AllKinds, 1 << 6} {
		if _, err := Parse(nil, kind, nil); err == nil {
			t.Errorf("Parse with kind %d: no error", kind)
		}
	}
}

// UDP rows: the drop count is checked when present, and rows of kernels
// that did not print it yet are read.
func TestParseUDPDrops(t *testing.T) {
	hdr := "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
	row := " 5559: 0100007F:E4FE 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 792233 2 0000000000000000"
	want := []collect.Socket{{Source: collect.Kernel, Proto: collect.ProtoUDP, Family: collect.FamilyIPv4,
		Local: netip.MustParseAddrPort("127.0.0.1:58622"), Remote: netip.MustParseAddrPort(unspec4), State: udpOpen,
		UID: 1000, HasUID: true, Inode: 792233}}
	for _, line := range []string{row, row + " 17", row + " 0        "} {
		got, err := ParseOrder([]byte(hdr+line+"\n"), collect.UDP4, binary.LittleEndian, nil)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if diff := cmp.Diff(want, got, addrCmp); diff != "" {
			t.Errorf("%q (-want +got):\n%s", line, diff)
		}
	}
	for _, drops := range []string{"x", "-1", "4294967296"} {
		_, err := ParseOrder([]byte(hdr+row+" "+drops+"\n"), collect.UDP4, binary.LittleEndian, nil)
		if err == nil || !strings.Contains(err.Error(), "line 2: drops") {
			t.Errorf("drops %q: err = %v, want a drops error on line 2", drops, err)
		}
	}
}

func TestParseRowBound(t *testing.T) {
	data := mustRead(t, "udp") // two rows
	if _, err := parseTable(data, collect.UDP4, false, 2, nil); err != nil {
		t.Errorf("two rows with a bound of 2: %v", err)
	}
	_, err := parseTable(data, collect.UDP4, false, 1, nil)
	if err == nil || !strings.Contains(err.Error(), "line 3: more than 1 rows") {
		t.Errorf("two rows with a bound of 1: err = %v", err)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, in := range []string{"", "\n", "  sl  local_address rem_address   st\n", "  sl  local_address\n\n  \n"} {
		got, err := Parse([]byte(in), collect.UDP6, nil)
		if err != nil || len(got) != 0 {
			t.Errorf("Parse(%q) = %v, %v; want no rows", in, got, err)
		}
	}
}

// Parsing allocates nothing but the TCPInfo of TCP rows that have one.
func TestParseAllocations(t *testing.T) {
	for name, kind := range tableKind {
		data := mustRead(t, name)
		want := 0
		for _, s := range capturedWant[name] {
			if s.TCP != nil {
				want++
			}
		}
		dst := make([]collect.Socket, 0, 64)
		allocs := testing.AllocsPerRun(100, func() {
			var err error
			if dst, err = Parse(data, kind, dst[:0]); err != nil {
				t.Fatal(err)
			}
		})
		if int(allocs) != want {
			t.Errorf("%s: %v allocations per parse, want %d (one per TCPInfo)", name, allocs, want)
		}
	}
}

// synthetic builds a table of n full TCP rows in the kernel's layout.
func synthetic(n int, v6 bool) []byte {
	var buf bytes.Buffer
	buf.WriteString("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n")
	local, remote := "0100007F", "0200007F"
	if v6 {
		local, remote = "0000000000000000FFFF00000100007F", "00000000000000000000000001000000"
	}
	for i := range n {
		fmt.Fprintf(&buf, "%4d: %s:%04X %s:%04X 01 00000000:00000000 02:000005B8 00000000  1000        0 %d 2 0000000000000000 20 4 30 10 -1                    \n",
			i, local, i%65536, remote, (i*7)%65536, 100000+i)
	}
	return buf.Bytes()
}

func BenchmarkParse10k(b *testing.B) {
	for _, tc := range []struct {
		name string
		kind collect.Kind
	}{{"tcp", collect.TCP4}, {"tcp6", collect.TCP6}} {
		b.Run(tc.name, func(b *testing.B) {
			data := synthetic(10000, tc.kind == collect.TCP6)
			dst := make([]collect.Socket, 0, 10000)
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				var err error
				if dst, err = Parse(data, tc.kind, dst[:0]); err != nil || len(dst) != 10000 {
					b.Fatal(err, len(dst))
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	kinds := []collect.Kind{collect.TCP4, collect.TCP6, collect.UDP4, collect.UDP6}
	for i, name := range []string{"tcp", "tcp6", "udp", "udp6"} {
		f.Add(mustRead(f, name), uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		kind := kinds[int(k)%len(kinds)]
		got, err := Parse(data, kind, nil)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "procnet: line ") {
				t.Fatalf("error does not name a line: %v", err)
			}
			return
		}
		for _, s := range got {
			if !s.Local.IsValid() || !s.Remote.IsValid() || s.Local.Addr().Is4() != (kind.Family() == collect.FamilyIPv4) {
				t.Fatalf("row with a bad address: %+v", s)
			}
			if s.Proto != kind.Proto() || s.Family != kind.Family() || s.Source != collect.Kernel {
				t.Fatalf("row of the wrong kind: %+v", s)
			}
			if s.Proto == collect.ProtoUDP && s.TCP != nil {
				t.Fatalf("UDP row with TCP internals: %+v", s)
			}
		}
		if rows := bytes.Count(data, []byte("\n")) + 1; len(got) > rows {
			t.Fatalf("%d rows from %d lines", len(got), rows)
		}
		again, err := Parse(data, kind, nil)
		if err != nil {
			t.Fatalf("second parse fails: %v", err)
		}
		if len(again) != len(got) {
			t.Fatalf("second parse: %d rows, first %d", len(again), len(got))
		}
		for i := range got {
			// Compared by value, not with cmp, so that large inputs fuzz
			// fast: the TCPInfo contents, then the rest of the row.
			a, b := got[i], again[i]
			if (a.TCP == nil) != (b.TCP == nil) || a.TCP != nil && *a.TCP != *b.TCP {
				t.Fatalf("row %d: second parse has TCP %+v, first %+v", i, b.TCP, a.TCP)
			}
			a.TCP, b.TCP = nil, nil
			if a != b {
				t.Fatalf("row %d: second parse %+v, first %+v", i, b, a)
			}
		}
	})
}

func TestParseUintBounds(t *testing.T) {
	tests := []struct {
		in        string
		base, bit int
		want      uint64
		ok        bool
	}{
		{"FF", 16, 8, 255, true}, {"100", 16, 8, 0, false}, {"00FF", 16, 8, 255, true},
		{"ffff", 16, 16, 65535, true}, {"10000", 16, 16, 0, false},
		{"FFFFFFFFFFFFFFFF", 16, 64, 1<<64 - 1, true}, {"10000000000000000", 16, 64, 0, false},
		{"4294967295", 10, 32, 1<<32 - 1, true}, {"4294967296", 10, 32, 0, false},
		{"18446744073709551615", 10, 64, 1<<64 - 1, true}, {"18446744073709551616", 10, 64, 0, false},
		{"", 10, 32, 0, false}, {"", 16, 32, 0, false}, {"+1", 10, 32, 0, false}, {"0x1", 16, 32, 0, false},
		{"a", 10, 32, 0, false}, {"g", 16, 32, 0, false}, {"-1", 10, 32, 0, false},
	}
	for _, tt := range tests {
		got, ok := parseUint([]byte(tt.in), tt.base, tt.bit)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseUint(%q, %d, %d) = %d, %v; want %d, %v", tt.in, tt.base, tt.bit, got, ok, tt.want, tt.ok)
		}
	}
}
