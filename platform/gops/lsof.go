// lsof.go converts the rows gopsutil's net.ConnectionsWithContext returns
// on macOS, which it parses from `lsof -a -n -P -i tcp -i udp`, to Rows:
// typed addresses, the kernel's scope of link-local IPv6 addresses put
// back as a zone, BSD state names mapped.

package gops

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	gnet "github.com/shirou/gopsutil/v4/net"

	"github.com/gonetstat/gonetstat/collect"
)

// Numbers are the kernel constants gopsutil stores in
// ConnectionStat.Family and .Type: the running system's syscall values
// (gopsutil net/net_unix.go, constMap), which differ between systems.
type Numbers struct {
	AFInet, AFInet6       uint32
	SockStream, SockDgram uint32
}

// macOS's values (sys/socket.h: AF_INET6 is 30 there, 10 on Linux);
// darwin.go checks them against package syscall when it is built.
const (
	darwinAFInet     = 2
	darwinAFInet6    = 30
	darwinSockStream = 1
	darwinSockDgram  = 2
)

// Darwin holds macOS's numbers.
var Darwin = Numbers{AFInet: darwinAFInet, AFInet6: darwinAFInet6, SockStream: darwinSockStream, SockDgram: darwinSockDgram}

// maxNamed bounds how many unconvertible rows an error names one by one.
const maxNamed = 3

// FromConnections converts gopsutil's rows. A row that cannot be converted
// (an address that is not one, an unknown family) is left out and named
// in problems; a TCP state gonetstat does not know keeps its row, with
// collect.StateUnknown, and is named in problems once. zone names the
// interface of an index (macOS: net.InterfaceByIndex); "" or a nil zone
// leaves the index as the zone's name.
func FromConnections(conns []gnet.ConnectionStat, n Numbers, zone func(index int) string) (rows []Row, problems []error) {
	rows = make([]Row, 0, len(conns))
	bad := 0
	unknown := unknownStates{}
	lsof := func(err error) error { return fmt.Errorf("lsof: %w", err) }
	for _, c := range conns {
		r, err := FromConnection(c, n, zone)
		switch {
		case unknown.keep(err, &problems, lsof):
			rows = append(rows, r)
		case err != nil:
			bad++
			if bad <= maxNamed {
				problems = append(problems, err)
			}
		default:
			rows = append(rows, r)
		}
	}
	if bad > maxNamed {
		problems = append(problems, fmt.Errorf("%d more lsof rows could not be read", bad-maxNamed))
	}
	return rows, problems
}

// FromConnection converts one of gopsutil's rows. lsof prints a
// wildcard address as "*", an IPv6 socket that accepts IPv4 (or is
// connected over it) with IPv4 addresses, and a link-local IPv6 address
// the way macOS's kernel keeps it, with the interface index in its second
// 16-bit group (KAME's embedded scope, RFC 4291 §2.5.6 leaves those bits
// zero): the first becomes the family's unspecified address, the second
// the IPv4-mapped IPv6 address, the third the address with its zone.
// err is an *UnknownStateError when only the state is not understood; the
// row is good then.
func FromConnection(c gnet.ConnectionStat, n Numbers, zone func(index int) string) (Row, error) {
	var r Row
	fail := func(format string, a ...any) (Row, error) {
		return Row{}, fmt.Errorf("lsof row of PID %d, descriptor %d: %s", c.Pid, c.Fd, fmt.Sprintf(format, a...))
	}
	switch c.Type {
	case n.SockStream:
		r.Proto = collect.ProtoTCP
	case n.SockDgram:
		r.Proto = collect.ProtoUDP
	default:
		return fail("socket type %d is neither TCP nor UDP", c.Type)
	}
	switch c.Family {
	case n.AFInet:
		r.Family = collect.FamilyIPv4
	case n.AFInet6:
		r.Family = collect.FamilyIPv6
	default:
		return fail("address family %d is neither IPv4 nor IPv6", c.Family)
	}
	if c.Pid <= 0 {
		return fail("no process ID")
	}
	r.PID = int(c.Pid)
	var err error
	if r.Local, err = endpoint(c.Laddr, r.Family, zone, false); err != nil {
		return fail("local address: %v", err)
	}
	if r.Remote, err = endpoint(c.Raddr, r.Family, zone, true); err != nil {
		return fail("remote address: %v", err)
	}
	r.State, err = stateOf(r.Proto, c.Status, r.Local, r.Remote)
	return r, err
}

// endpoint converts one of lsof's addresses. A remote side lsof did not
// print (a listener, an unconnected UDP socket) is the family's
// unspecified address and port 0, as the kernel's own tables give it.
func endpoint(a gnet.Addr, fam collect.Family, zone func(int) string, remote bool) (netip.AddrPort, error) {
	if a.Port > 0xffff {
		return netip.AddrPort{}, fmt.Errorf("port %d is out of range", a.Port)
	}
	port := uint16(a.Port)
	if a.IP == "" || a.IP == "*" {
		if a.IP == "" && (!remote || port != 0) {
			return netip.AddrPort{}, errors.New("no address")
		}
		return netip.AddrPortFrom(unspecified(fam), port), nil
	}
	ip, err := netip.ParseAddr(a.IP)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%q is not an IP address", a.IP)
	}
	switch {
	case fam == collect.FamilyIPv4 && !ip.Is4():
		return netip.AddrPort{}, fmt.Errorf("%q is not an IPv4 address", a.IP)
	case fam == collect.FamilyIPv6 && ip.Is4():
		ip = netip.AddrFrom16(ip.As16())
	}
	return netip.AddrPortFrom(unembedScope(ip, zone), port), nil
}

// unspecified returns 0.0.0.0 or ::.
func unspecified(fam collect.Family) netip.Addr {
	if fam == collect.FamilyIPv4 {
		return netip.IPv4Unspecified()
	}
	return netip.IPv6Unspecified()
}

// unembedScope moves the interface index a BSD kernel keeps inside a
// link-local address (bits 16-31 of fe80::/10, zero on the wire by RFC
// 4291 §2.5.6) to the address's zone, named by zone(index), or by the
// number when the interface is gone. Other addresses are returned as
// they are: a multicast group may use those bits itself.
func unembedScope(ip netip.Addr, zone func(int) string) netip.Addr {
	if !ip.Is6() || ip.Is4In6() || ip.Zone() != "" || !ip.IsLinkLocalUnicast() {
		return ip
	}
	b := ip.As16()
	index := int(b[2])<<8 | int(b[3])
	if index == 0 {
		return ip
	}
	b[2], b[3] = 0, 0
	name := ""
	if zone != nil {
		name = zone(index)
	}
	if name == "" {
		name = strconv.Itoa(index)
	}
	return netip.AddrFrom16(b).WithZone(name)
}
