// lsof_test.go tests the conversion of gopsutil's macOS rows on lsof
// output captured on macOS (testdata/README.md says from where).

package gops

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	gnet "github.com/shirou/gopsutil/v4/net"

	"github.com/gonetstat/gonetstat/collect"
)

var addrCmp = cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })

// gopsutilLsof returns the rows gopsutil v4.26.10's ConnectionsWithContext
// makes of lsof's output on macOS. Its parser is unexported and built
// only on darwin and freebsd, so this follows it, as read: the first line
// is dropped whatever it is (internal/common/common_unix.go:32-40), as is
// any line starting "COMMAND" (net/net_unix.go:58-65); parseNetLine
// (:81-132) splits on white space and drops a line of fewer than 8
// fields, turns one of exactly 8 into a "unix" row whose address is the
// whole 8th field, drops a line whose PID or descriptor (its "u" trimmed,
// nothing else) is not a number, whose TYPE is not IPv4 or IPv6 or whose
// NODE is not TCP, UDP or unix; parseNetAddr (:146-160) splits NAME at
// "->" and parseAddr (:134-144) each side with net.SplitHostPort and a
// numeric port, dropping the line when that fails (though a failed local
// side followed by a good remote one is kept, its local address empty:
// the second error overwrites the first); a tenth field, parentheses
// trimmed, is the status.
func gopsutilLsof(t *testing.T, out string) []gnet.ConnectionStat {
	t.Helper()
	var conns []gnet.ConnectionStat
	lines := strings.Split(out, "\n")
	for _, line := range lines[1:] {
		if line == "" || strings.HasPrefix(line, "COMMAND") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		if len(f) == 8 {
			f = append(f[:7], "unix", f[7])
		}
		pid, err := strconv.ParseInt(f[1], 10, 32)
		if err != nil {
			continue
		}
		fd, err := strconv.ParseInt(strings.Trim(f[3], "u"), 10, 32)
		if err != nil {
			continue
		}
		fam := map[string]uint32{"IPv4": darwinAFInet, "IPv6": darwinAFInet6}[f[4]]
		typ, ok := map[string]uint32{"TCP": darwinSockStream, "UDP": darwinSockDgram, "unix": 1}[f[7]]
		if fam == 0 || !ok {
			continue
		}
		c := gnet.ConnectionStat{Fd: uint32(fd), Family: fam, Type: typ, Pid: int32(pid)}
		if f[7] == "unix" {
			c.Laddr.IP = f[8]
		} else {
			sides := strings.Split(f[8], "->")
			var err error
			c.Laddr, err = splitAddr(sides[0])
			if len(sides) == 2 {
				if c.Raddr, err = splitAddr(sides[1]); err != nil {
					continue
				}
			}
			if err != nil {
				continue
			}
		}
		if len(f) == 10 {
			c.Status = strings.Trim(f[9], "()")
		}
		conns = append(conns, c)
	}
	return conns
}

func splitAddr(s string) (gnet.Addr, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return gnet.Addr{}, err
	}
	p, err := strconv.ParseInt(port, 10, 32)
	if err != nil {
		return gnet.Addr{}, err
	}
	return gnet.Addr{IP: host, Port: uint32(p)}, nil
}

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// en0 names interface 4, as the captured macOS's did; other indexes have
// no interface.
func en0(index int) string {
	if index == 4 {
		return "en0"
	}
	return ""
}

func TestLsofDarwin(t *testing.T) {
	conns := gopsutilLsof(t, readFixture(t, "lsof-darwin.txt"))
	if len(conns) != 14 {
		t.Fatalf("gopsutil would return %d rows, want 14 (every line of the fixture)", len(conns))
	}
	rows, problems := FromConnections(conns, Darwin, en0)
	named := map[int]int{}
	socks := Assemble(rows, true, func(pid int) string {
		named[pid]++
		return "p" + strconv.Itoa(pid)
	})

	p := map[int]*collect.Process{}
	for _, pid := range []int{129, 590, 29266, 90, 853, 13122, 3836} {
		p[pid] = &collect.Process{PID: pid, Name: "p" + strconv.Itoa(pid)}
	}
	row := func(proto collect.Proto, fam collect.Family, local, remote string, st collect.State, pid int) collect.Socket {
		return collect.Socket{Source: collect.Kernel, Proto: proto, Family: fam, Local: ap(local), Remote: ap(remote),
			State: st, NoSendQ: true, NoRecvQ: true, Owner: p[pid], Holders: 1}
	}
	tcp, udp, v4, v6 := collect.ProtoTCP, collect.ProtoUDP, collect.FamilyIPv4, collect.FamilyIPv6
	want := []collect.Socket{
		row(tcp, v4, "127.0.0.1:9051", "0.0.0.0:0", collect.StateListen, 129),
		row(tcp, v4, "192.168.1.10:9090", "0.0.0.0:0", collect.StateListen, 129),
		row(udp, v6, "[::]:48718", "[::]:0", collect.StateClose, 129),
		row(tcp, v4, "192.168.1.20:9090", "38.229.79.2:14010", collect.StateEstablished, 129),
		row(tcp, v4, "192.168.1.37:60298", "31.13.83.36:443", collect.StateEstablished, 590),
		// fds 198 and 203: one socket.
		row(tcp, v4, "192.168.1.37:60299", "31.13.83.8:443", collect.StateEstablished, 590),
		// No state printed: kept, its state unknown, and said.
		row(tcp, v4, "192.168.1.37:60374", "140.82.114.26:443", collect.StateUnknown, 590),
		// fe80:4::… is fe80::… on interface 4.
		row(udp, v6, "[fe80::aede:48ff:fe00:1122%en0]:1111", "[fe80::aede:48ff:fe33:4455%en0]:2222", collect.StateEstablished, 29266),
		row(tcp, v6, "[fe80::aede:48ff:fe00:1122%en0]:49158", "[::]:0", collect.StateListen, 90),
		row(tcp, v4, "0.0.0.0:5500", "0.0.0.0:0", collect.StateListen, 853),
		row(tcp, v4, "0.0.0.0:8080", "0.0.0.0:0", collect.StateListen, 13122),
		row(udp, v6, "[::]:51820", "[::]:0", collect.StateClose, 3836),
		row(tcp, v6, "[::]:51821", "[::]:0", collect.StateListen, 3836),
	}
	if diff := cmp.Diff(want, socks, addrCmp); diff != "" {
		t.Errorf("sockets (-want +got):\n%s", diff)
	}
	var use *UnknownStateError
	if len(problems) != 1 || !errors.As(problems[0], &use) || use.Name != "" {
		t.Errorf("problems = %v, want the one TCP row without a state", problems)
	}
	for pid, n := range named {
		if n != 1 {
			t.Errorf("PID %d named %d times, want once per snapshot", pid, n)
		}
	}
	// One *Process per PID, shared by its rows.
	if socks[0].Owner != socks[1].Owner || socks[0].Owner != socks[3].Owner {
		t.Error("the rows of PID 129 do not share one *collect.Process")
	}
}

// TestLsofSkipped documents what gopsutil drops before gonetstat sees it
// (docs/platforms.md): a descriptor whose mode is not "u", and a socket
// bound to no port, whose "*" port is not a number.
func TestLsofSkipped(t *testing.T) {
	conns := gopsutilLsof(t, readFixture(t, "lsof-skipped.txt"))
	if len(conns) != 1 || conns[0].Laddr != (gnet.Addr{IP: "::1", Port: 631}) {
		t.Fatalf("gopsutil keeps %+v, want only the [::1]:631 listener", conns)
	}
}

func TestFromConnection(t *testing.T) {
	tcp6 := func(l, r gnet.Addr, status string) gnet.ConnectionStat {
		return gnet.ConnectionStat{Fd: 3, Family: darwinAFInet6, Type: darwinSockStream, Laddr: l, Raddr: r, Status: status, Pid: 7}
	}
	tests := []struct {
		name    string
		in      gnet.ConnectionStat
		local   string
		remote  string
		state   collect.State
		wantErr string
	}{
		// An IPv6 socket talking IPv4: lsof prints IPv4 addresses.
		{name: "v4-mapped", in: tcp6(gnet.Addr{IP: "127.0.0.1", Port: 8080}, gnet.Addr{IP: "127.0.0.1", Port: 5000}, "ESTABLISHED"),
			local: "[::ffff:127.0.0.1]:8080", remote: "[::ffff:127.0.0.1]:5000", state: collect.StateEstablished},
		{name: "zone of a gone interface", in: tcp6(gnet.Addr{IP: "fe80:9::1", Port: 22}, gnet.Addr{}, "LISTEN"),
			local: "[fe80::1%9]:22", remote: "[::]:0", state: collect.StateListen},
		{name: "bound, not listening", in: tcp6(gnet.Addr{IP: "::1", Port: 9}, gnet.Addr{}, "CLOSED"),
			local: "[::1]:9", remote: "[::]:0", state: collect.StateBoundInactive},
		{name: "SYN_RCVD", in: tcp6(gnet.Addr{IP: "::1", Port: 9}, gnet.Addr{IP: "::1", Port: 10}, "SYN_RCVD"),
			local: "[::1]:9", remote: "[::1]:10", state: collect.StateSynRecv},
		{name: "unknown state kept", in: tcp6(gnet.Addr{IP: "::1", Port: 9}, gnet.Addr{}, "UNKNOWN_TCP_STATE_12"),
			local: "[::1]:9", remote: "[::]:0", state: collect.StateUnknown, wantErr: `"UNKNOWN_TCP_STATE_12"`},
		// A line with an empty column: gopsutil makes it a "unix" row
		// (AF_UNIX is 1, SOCK_STREAM too) whose address is host:port.
		{name: "eight-field line", in: gnet.ConnectionStat{Family: darwinAFInet, Type: 1, Laddr: gnet.Addr{IP: "127.0.0.1:80"}, Pid: 7},
			wantErr: `"127.0.0.1:80" is not an IP address`},
		{name: "local side lost", in: tcp6(gnet.Addr{}, gnet.Addr{IP: "::1", Port: 80}, "ESTABLISHED"), wantErr: "local address: no address"},
		{name: "port out of range", in: tcp6(gnet.Addr{IP: "::1", Port: 70000}, gnet.Addr{}, "LISTEN"), wantErr: "port 70000"},
		{name: "IPv6 in an IPv4 row", in: gnet.ConnectionStat{Family: darwinAFInet, Type: darwinSockDgram, Laddr: gnet.Addr{IP: "::1", Port: 53}, Pid: 7},
			wantErr: "not an IPv4 address"},
		{name: "unix", in: gnet.ConnectionStat{Family: 1, Type: darwinSockStream, Pid: 7}, wantErr: "address family 1"},
		{name: "raw", in: gnet.ConnectionStat{Family: darwinAFInet, Type: 3, Pid: 7}, wantErr: "socket type 3"},
		{name: "no PID", in: gnet.ConnectionStat{Family: darwinAFInet, Type: darwinSockDgram}, wantErr: "no process ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := FromConnection(tt.in, Darwin, en0)
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error = %v, want one with %q", err, tt.wantErr)
			}
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.local == "" {
				return
			}
			if r.Local != ap(tt.local) || r.Remote != ap(tt.remote) || r.State != tt.state || r.PID != 7 {
				t.Errorf("got %v %v %v PID %d, want %s %s %v PID 7", r.Local, r.Remote, r.State, r.PID, tt.local, tt.remote, tt.state)
			}
		})
	}
}

// TestFromConnectionsCapsProblems: a flood of bad rows is named three
// times and counted after that, not listed in full.
func TestFromConnectionsCapsProblems(t *testing.T) {
	bad := gnet.ConnectionStat{Family: darwinAFInet, Type: 3, Pid: 1}
	good := gnet.ConnectionStat{Family: darwinAFInet, Type: darwinSockDgram, Laddr: gnet.Addr{IP: "*", Port: 53}, Pid: 1}
	rows, problems := FromConnections([]gnet.ConnectionStat{bad, bad, good, bad, bad, bad}, Darwin, nil)
	if len(rows) != 1 || len(problems) != 4 || problems[3].Error() != "2 more lsof rows could not be read" {
		t.Fatalf("rows %v, problems %v", rows, problems)
	}
}

func readFixtureBytes(name string) ([]byte, error) { return os.ReadFile("testdata/" + name) }
