// sockstat_test.go tests ParseSockstat on both of sockstat's layouts
// (testdata/README.md: composed from FreeBSD's printf formats), folding
// its rows by socket ID, and fuzzes it.

package gops

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

// wantSockstat is what both fixtures hold, one row per line.
func wantSockstat() []Row {
	tcp, udp, v4, v6 := collect.ProtoTCP, collect.ProtoUDP, collect.FamilyIPv4, collect.FamilyIPv6
	row := func(uid uint32, pid int, proto collect.Proto, fam collect.Family, local, remote string, id uint64, st collect.State) Row {
		return Row{Proto: proto, Family: fam, Local: ap(local), Remote: ap(remote), State: st, PID: pid, UID: uid, HasUID: pid != 0, ID: id}
	}
	return []Row{
		row(0, 812, tcp, v4, "0.0.0.0:22", "0.0.0.0:0", 101, collect.StateListen),
		row(0, 812, tcp, v6, "[::]:22", "[::]:0", 102, collect.StateListen),
		// tcp46: an IPv6 socket that takes IPv4 too.
		row(0, 900, tcp, v6, "[::]:80", "[::]:0", 140, collect.StateListen),
		row(80, 901, tcp, v6, "[::]:80", "[::]:0", 140, collect.StateListen),
		row(80, 902, tcp, v6, "[::]:80", "[::]:0", 140, collect.StateListen),
		row(1001, 2300, tcp, v4, "198.18.0.5:50522", "198.18.0.1:22", 300, collect.StateEstablished),
		row(0, 2290, tcp, v6, "[2001:db8:1234:5678:9abc:def0:1234:5678]:22", "[2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff]:51000", 301, collect.StateEstablished),
		row(0, 700, udp, v4, "0.0.0.0:123", "0.0.0.0:0", 55, collect.StateClose),
		row(0, 700, udp, v6, "[fe80::1%lo0]:123", "[::]:0", 56, collect.StateClose),
		row(0, 700, udp, v6, "[::1]:123", "[::]:0", 57, collect.StateClose),
		row(53, 650, udp, v4, "127.0.0.1:53", "127.0.0.1:5353", 58, collect.StateEstablished),
		// No descriptor holds a TIME_WAIT socket.
		row(0, 0, tcp, v4, "198.18.0.1:22", "198.18.0.5:50100", 299, collect.StateTimeWait),
		// "my server" is one command with a space.
		row(1001, 2400, tcp, v4, "127.0.0.1:9000", "0.0.0.0:0", 310, collect.StateBoundInactive),
		row(1001, 2500, tcp, v4, "198.18.0.1:8443", "198.18.0.9:40000", 320, collect.StateSynRecv),
		row(1001, 2600, tcp, v6, "[fe80::a%em0]:40001", "[fe80::b%em0]:8080", 330, collect.StateFinWait2),
	}
}

func TestParseSockstat(t *testing.T) {
	for _, name := range []string{"sockstat-freebsd14.txt", "sockstat-freebsd15.txt"} {
		t.Run(name, func(t *testing.T) {
			rows, errs := ParseSockstat(strings.NewReader(readFixture(t, name)))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if diff := cmp.Diff(wantSockstat(), rows, addrCmp); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSockstatAssemble: rows of one socket ID are one socket, owned by
// the lowest PID, its holders counted; a TIME_WAIT socket has no owner.
func TestSockstatAssemble(t *testing.T) {
	socks := Assemble(wantSockstat(), true, nil)
	if len(socks) != 13 {
		t.Fatalf("%d sockets, want 13 (15 rows, three of one nginx listener)", len(socks))
	}
	nginx := socks[2]
	if nginx.Owner == nil || nginx.Owner.PID != 900 || nginx.Holders != 3 || nginx.UID != 0 || !nginx.HasUID {
		t.Errorf("nginx's listener: owner %+v, %d holders, UID %d: want PID 900, 3 holders, UID 0", nginx.Owner, nginx.Holders, nginx.UID)
	}
	tw := socks[9]
	if tw.State != collect.StateTimeWait || tw.Owner != nil || tw.Holders != 0 || tw.HasUID {
		t.Errorf("TIME_WAIT socket: %+v, want no owner, no holders, no UID", tw)
	}
	for _, s := range socks {
		if !s.NoSendQ || !s.NoRecvQ {
			t.Errorf("%v: its queues are not marked unknown", s.Local)
		}
	}
	// Without owners nothing is named or attached.
	for _, s := range Assemble(wantSockstat(), false, func(int) string { panic("named") }) {
		if s.Owner != nil || s.Holders != 0 {
			t.Errorf("%v has an owner though none was asked", s.Local)
		}
	}
}

// TestAssembleWithoutID: lsof's rows carry no socket ID; rows of one
// address are one socket, whatever process holds them.
func TestAssembleWithoutID(t *testing.T) {
	r := Row{Proto: collect.ProtoTCP, Family: collect.FamilyIPv4, Local: ap("0.0.0.0:80"), Remote: ap("0.0.0.0:0"), State: collect.StateListen}
	a, b, c := r, r, r
	a.PID, b.PID, c.PID = 30, 20, 30
	other := r
	other.PID, other.Local = 20, ap("0.0.0.0:81")
	socks := Assemble([]Row{a, b, c, other}, true, func(pid int) string { return fmt.Sprint("p", pid) })
	if len(socks) != 2 {
		t.Fatalf("%d sockets, want 2", len(socks))
	}
	if socks[0].Owner.PID != 20 || socks[0].Holders != 2 || socks[0].Owner != socks[1].Owner {
		t.Errorf("owners %+v (%d holders) and %+v: want PID 20 with 2 holders, one *Process for both", socks[0].Owner, socks[0].Holders, socks[1].Owner)
	}
}

func TestParseSockstatErrors(t *testing.T) {
	tests := []struct{ line, want string }{
		{"0 sshd 812 4 tcp4 *:22 *:* 101", "TCP row without its state"},
		{"0 sshd 812 4 sctp4 *:22 *:* 101 LISTEN", `protocol "sctp4"`},
		{"0 sshd 812 4 tcp *:22 *:* 101 LISTEN", "names no IP version"},
		{"root sshd 812 4 tcp4 *:22 *:* 101 LISTEN", "numeric UID"},
		{"0 sshd x 4 tcp4 *:22 *:* 101 LISTEN", `PID "x"`},
		{"0 sshd 812 ? tcp4 *:22 *:* 101 LISTEN", `descriptor "?"`},
		{"? ? ? 4 tcp4 *:22 *:* 101 LISTEN", "want all three or none"},
		{"0 sshd 812 4 tcp4 ::1:22 *:* 101 LISTEN", "not an IPv4 address"},
		{"0 sshd 812 4 tcp6 10.0.0.1:22 *:* 101 LISTEN", "not an IPv6 address"},
		{"0 sshd 812 4 tcp4 *:99999 *:* 101 LISTEN", `port "99999"`},
		{"0 sshd 812 4 tcp4 *22 *:* 101 LISTEN", "has no port"},
		{"0 sshd 812 4 tcp4 *:22 *:* ?? LISTEN", "socket ID"},
		{"0 ntpd 7 3 udp4 *:123 *:* 55 LISTEN", `UDP row with state "LISTEN"`},
		{"0 sshd 812 4 tcp4", "5 fields"},
	}
	for _, tt := range tests {
		rows, errs := ParseSockstat(strings.NewReader(tt.line + "\n"))
		var le *LineError
		if len(rows) != 0 || len(errs) != 1 || !errors.As(errs[0], &le) || le.Line != 1 || !strings.Contains(errs[0].Error(), tt.want) {
			t.Errorf("%q: rows %v, errors %v; want one error with %q", tt.line, rows, errs, tt.want)
		}
	}
	// A state out of tcpstates[]: the row stands, said once.
	rows, errs := ParseSockstat(strings.NewReader("0 a 1 3 tcp4 *:1 *:* 9 ?\n0 a 1 4 tcp4 *:2 *:* 10 ?\n"))
	var use *UnknownStateError
	if len(rows) != 2 || rows[0].State != collect.StateUnknown || len(errs) != 1 || !errors.As(errs[0], &use) {
		t.Errorf("rows %v, errors %v: want both rows, unknown, said once", rows, errs)
	}
	// A header, had -q been ignored, and blank lines are not rows.
	rows, errs = ParseSockstat(strings.NewReader("USER COMMAND PID FD PROTO LOCAL ADDRESS FOREIGN ADDRESS ID CONN STATE\n\n0 a 1 3 udp4 *:1 *:* 9\n"))
	if len(rows) != 1 || len(errs) != 0 {
		t.Errorf("rows %v, errors %v: want one row", rows, errs)
	}
	// A line past the scanner's bound ends the read with an error.
	_, errs = ParseSockstat(strings.NewReader(strings.Repeat("x", maxLine+1)))
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "reading sockstat's output") {
		t.Errorf("errors %v: want the overlong line said", errs)
	}
}

// formatSockstat prints a row as FreeBSD 14's sockstat does (the
// fixture's layout), for the round trip of FuzzParseSockstat.
func formatSockstat(r Row) string {
	user, cmd, pid, fd := "?", "?", "?", "?"
	if r.PID != 0 {
		user, cmd, pid, fd = fmt.Sprint(r.UID), "cmd", fmt.Sprint(r.PID), "3"
	}
	proto := map[collect.Proto]string{collect.ProtoTCP: "tcp", collect.ProtoUDP: "udp"}[r.Proto]
	dual := r.Family == collect.FamilyIPv6 && (r.Local.Addr().Is4In6() || r.Remote.Addr().Is4In6())
	switch {
	case dual:
		proto += "46"
	case r.Family == collect.FamilyIPv4:
		proto += "4"
	default:
		proto += "6"
	}
	addr := func(a netip.AddrPort) string {
		host, port := a.Addr().Unmap().String(), fmt.Sprint(a.Port())
		if a.Addr().IsUnspecified() {
			host = "*"
		}
		if a.Port() == 0 {
			port = "*"
		}
		return host + ":" + port
	}
	state := ""
	if r.Proto == collect.ProtoTCP {
		state = map[collect.State]string{collect.StateBoundInactive: "CLOSED", collect.StateClose: "CLOSED", collect.StateUnknown: "?"}[r.State]
		for name, s := range bsdStates {
			if s == r.State && name != "SYN_RECEIVED" {
				state = name
			}
		}
	}
	return strings.Join([]string{user, cmd, pid, fd, proto, addr(r.Local), addr(r.Remote), fmt.Sprint(r.ID), state}, " ")
}

// FuzzParseSockstat: any input parses without panic; every line gives a
// row or an error, never both, never neither; every row prints back (as
// sockstat would) to a line that parses to the same row.
func FuzzParseSockstat(f *testing.F) {
	for _, name := range []string{"sockstat-freebsd14.txt", "sockstat-freebsd15.txt"} {
		b, err := readFixtureBytes(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("0 a 1 3 tcp4 *:1 *:* 9 ?\n"))
	f.Add([]byte("?? ?? ?? ?? tcp46 ::ffff:1.2.3.4:5 *:* 1 LISTEN\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, errs := ParseSockstat(strings.NewReader(string(data)))
		for _, e := range errs {
			var le *LineError
			if !errors.As(e, &le) && !strings.Contains(e.Error(), "reading sockstat's output") {
				t.Fatalf("error %v names no line", e)
			}
		}
		for _, r := range rows {
			if r.Local.Addr().Is4() != (r.Family == collect.FamilyIPv4) || r.Remote.Addr().Is4() != (r.Family == collect.FamilyIPv4) {
				t.Fatalf("row %+v: addresses of another family", r)
			}
			if r.ID == 0 || (r.PID == 0) == r.HasUID {
				t.Fatalf("row %+v: no ID, or a UID without a process", r)
			}
			line := formatSockstat(r)
			again, errs := ParseSockstat(strings.NewReader(line))
			if len(again) != 1 || (len(errs) > 0 && r.State != collect.StateUnknown) {
				t.Fatalf("row %+v printed as %q reads as %v, %v", r, line, again, errs)
			}
			if diff := cmp.Diff(r, again[0], addrCmp); diff != "" {
				t.Fatalf("row printed as %q reads back different (-first +again):\n%s", line, diff)
			}
		}
	})
}
