// live_windows_test.go runs the collector and the reports against the
// running Windows (or Wine): sockets the test opens must be listed with
// their addresses, states and, on Windows, this process's PID.

package iphlpapi

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"

	"golang.org/x/sys/windows"

	"github.com/gonetstat/gonetstat/collect"
)

// underWine reports whether ntdll.dll is Wine's: Wine lists every socket
// with PID 0.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

func TestIntegrationLiveSockets(t *testing.T) {
	ln4, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln4.Close()
	conn, err := net.Dial("tcp4", ln4.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	peer, err := ln4.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	ln6, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer ln6.Close()
	// Wine 8 refuses the SIO_UDP_CONNRESET ioctl Go's net package
	// makes on every UDP socket (WSAEOPNOTSUPP): under Wine the UDP rows
	// are left to the Linux side of the Wine test.
	var udp []net.PacketConn
	for _, a := range []struct{ network, addr string }{{"udp4", "127.0.0.1:0"}, {"udp6", "[::1]:0"}} {
		u, err := net.ListenPacket(a.network, a.addr)
		if err != nil && underWine() {
			t.Logf("no UDP socket under Wine: %v", err)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		defer u.Close()
		udp = append(udp, u)
	}

	socks, err := New(func(s string) { t.Log(s) }).Collect(t.Context(), collect.Query{Owners: true})
	if err != nil {
		t.Fatal(err)
	}
	ep := func(a net.Addr) netip.AddrPort {
		switch a := a.(type) {
		case *net.TCPAddr:
			return a.AddrPort()
		case *net.UDPAddr:
			return a.AddrPort()
		}
		return netip.AddrPort{}
	}
	want := []struct {
		kind          collect.Kind
		local, remote netip.AddrPort
		state         collect.State
	}{
		{collect.TCP4, ep(ln4.Addr()), netip.AddrPortFrom(netip.IPv4Unspecified(), 0), collect.StateListen},
		{collect.TCP4, ep(conn.LocalAddr()), ep(conn.RemoteAddr()), collect.StateEstablished},
		{collect.TCP4, ep(peer.LocalAddr()), ep(peer.RemoteAddr()), collect.StateEstablished},
		{collect.TCP6, ep(ln6.Addr()), netip.AddrPortFrom(netip.IPv6Unspecified(), 0), collect.StateListen},
	}
	for _, u := range udp {
		a := ep(u.LocalAddr())
		k := collect.UDP4
		if a.Addr().Is6() {
			k = collect.UDP6
		}
		want = append(want, struct {
			kind          collect.Kind
			local, remote netip.AddrPort
			state         collect.State
		}{k, a, netip.AddrPort{}, collect.StateClose})
	}
	wine := underWine()
	// Wine 8 gives ::1 the scope ID 4096 where Windows gives 0, and
	// names the owner of some of a Wine process's sockets, PID 0 for the
	// others.
	unzoned := func(a netip.AddrPort) netip.AddrPort {
		if wine {
			return netip.AddrPortFrom(a.Addr().WithZone(""), a.Port())
		}
		return a
	}
	pid := os.Getpid()
	for _, w := range want {
		found := false
		for _, s := range socks {
			if collect.KindOf(s.Proto, s.Family) != w.kind || unzoned(s.Local) != w.local || unzoned(s.Remote) != w.remote {
				continue
			}
			found = true
			if s.State != w.state || s.Owner == nil || s.Owner.PID != pid && !(wine && s.Owner.PID == 0) {
				t.Errorf("%v %v: state %v, owner %+v, want %v, PID %d", w.kind, w.local, s.State, s.Owner, w.state, pid)
			}
		}
		if !found {
			t.Errorf("%v %v -> %v not listed", w.kind, w.local, w.remote)
		}
	}
}

func TestIntegrationLiveReports(t *testing.T) {
	c, err := Protocols(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := c.Get("Tcp", "ActiveOpens"); !ok || v < 0 {
		t.Errorf("Tcp ActiveOpens = %d, %v", v, ok)
	}
	ifs, err := Interfaces(t.Context())
	if err != nil || len(ifs) == 0 {
		t.Errorf("-e: %d interfaces, %v", len(ifs), err)
	}
	tab, err := Routes(t.Context())
	var partial *collect.PartialError
	if err != nil && !(errors.As(err, &partial) && underWine()) {
		t.Errorf("-r: %v", err)
	}
	if len(tab.Interfaces) == 0 || len(tab.IPv4) == 0 {
		t.Errorf("-r: %d interfaces, %d IPv4 routes", len(tab.Interfaces), len(tab.IPv4))
	}
	t.Logf("-r: %v", err)
}
