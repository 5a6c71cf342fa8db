// wire.go holds the rtnetlink request encoder and the reply decoder for
// links, addresses, routes, neighbours and policy rules: bytes in, model
// out, no system calls.

package rtnl

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/nlmsg"
)

// Constants of the rtnetlink ABI (linux/rtnetlink.h, linux/if_link.h,
// linux/if_addr.h; the netlink ones are nlmsg's), spelled out so the
// decoder builds on every OS.
const (
	// Message types.
	RTMNewLink  = 16
	RTMGetLink  = 18
	RTMNewAddr  = 20
	RTMGetAddr  = 22
	RTMNewRoute = 24
	RTMGetRoute = 26
	RTMNewNeigh = 28
	RTMGetNeigh = 30
	RTMNewRule  = 32
	RTMGetRule  = 34

	afUnspec = 0
	afInet   = 2
	afInet6  = 10

	ifinfomsgLen = 16 // struct ifinfomsg
	ifaddrmsgLen = 8  // struct ifaddrmsg
	rtmsgLen     = 12 // struct rtmsg
	rtnexthopLen = 8  // struct rtnexthop
	rtaHdrLen    = 4  // struct rtattr
	ndmsgLen     = 12 // struct ndmsg (linux/neighbour.h)
	fibRuleLen   = 12 // struct fib_rule_hdr (linux/fib_rules.h)

	ndaDst    = 1    // NDA_DST
	ndaLladdr = 2    // NDA_LLADDR
	ntfRouter = 0x80 // NTF_ROUTER

	fraDst      = 1   // FRA_DST
	fraSrc      = 2   // FRA_SRC
	fraIifname  = 3   // FRA_IIFNAME
	fraGoto     = 4   // FRA_GOTO
	fraPriority = 6   // FRA_PRIORITY
	fraFwmark   = 10  // FRA_FWMARK
	fraTable    = 15  // FRA_TABLE, a u32 superseding the header's table
	fraFwmask   = 16  // FRA_FWMASK
	fraOifname  = 17  // FRA_OIFNAME
	fraProtocol = 21  // FRA_PROTOCOL
	fibInvert   = 0x2 // FIB_RULE_INVERT

	iffUp = 0x1 // IFF_UP

	iflaAddress = 1 // IFLA_ADDRESS
	iflaIfname  = 3 // IFLA_IFNAME

	ifaAddress     = 1    // IFA_ADDRESS
	ifaLocal       = 2    // IFA_LOCAL
	ifaFlags       = 8    // IFA_FLAGS, a u32 superseding ifa_flags
	ifaFSecondary  = 0x01 // IFA_F_SECONDARY
	rtaDst         = 1    // RTA_DST
	rtaOif         = 4    // RTA_OIF
	rtaGateway     = 5    // RTA_GATEWAY
	rtaPriority    = 6    // RTA_PRIORITY
	rtaPrefsrc     = 7    // RTA_PREFSRC
	rtaMultipath   = 9    // RTA_MULTIPATH
	rtaTable       = 15   // RTA_TABLE, a u32 superseding rtm_table
	rtaVia         = 18   // RTA_VIA: struct rtvia, a gateway of another family
	rtaNhID        = 30   // RTA_NH_ID
	rtmFCloned     = 0x200
	maxIfnameBytes = 16 // IFNAMSIZ
)

var native = binary.NativeEndian

// The netlink errors are nlmsg's, which frames the replies; the names stay
// here so callers of this package need not know it.
var (
	// ErrFraming means a buffer's netlink headers do not add up; the rest
	// of that buffer cannot be read.
	ErrFraming = nlmsg.ErrFraming
)

type (
	// KernelError is an NLMSG_ERROR reply, or an NLMSG_DONE carrying a
	// negative status: the kernel refused the request or cut the dump
	// short.
	KernelError = nlmsg.KernelError
	// MessageError is a reply message that could not be decoded.
	MessageError = nlmsg.MessageError
)

// Request encodes one dump request: typ is RTMGetLink, RTMGetAddr,
// RTMGetRoute, RTMGetNeigh or RTMGetRule, family 0 (every family), 2
// (AF_INET) or 10 (AF_INET6). The body of the last three (rtmsg, ndmsg,
// fib_rule_hdr) is 12 bytes, family first.
func Request(typ uint16, family uint8, seq uint32) []byte {
	body := rtmsgLen
	switch typ {
	case RTMGetLink:
		body = ifinfomsgLen
	case RTMGetAddr:
		body = ifaddrmsgLen
	}
	b := nlmsg.NewRequest(typ, nlmsg.FDump, seq, body)
	b[nlmsg.HdrLen] = family
	return b
}

// Addr is an interface address as a dump lists it, before Messages.Table
// joins it to its interface.
type Addr struct {
	Index uint32
	collect.InterfaceAddr
}

// Messages collects what the replies of the link, address and route dumps
// hold; Table joins them.
type Messages struct {
	Links      []collect.Interface
	Addrs      []Addr
	Routes     []collect.Route
	Neighbours []collect.Neighbour
	Rules      []collect.Rule
	// Cloned counts the route cache entries (RTM_F_CLONED) a dump
	// returned: they are not routes of a table, and are left out.
	Cloned int
}

// Append adds o's contents to m.
func (m *Messages) Append(o Messages) {
	m.Links = append(m.Links, o.Links...)
	m.Addrs = append(m.Addrs, o.Addrs...)
	m.Routes = append(m.Routes, o.Routes...)
	m.Neighbours = append(m.Neighbours, o.Neighbours...)
	m.Rules = append(m.Rules, o.Rules...)
	m.Cloned += o.Cloned
}

// Decode adds the links, addresses and routes of one received buffer to
// m. done reports NLMSG_DONE (or an error reply), interrupted that some
// message carried NLM_F_DUMP_INTR. seq, when not 0, is the sequence number
// every message must carry. err joins every problem: *MessageError for a
// message that could not be decoded (the others are still added),
// ErrFraming when the buffer's framing broke, *KernelError for an error
// reply. Decode reads on after NLMSG_DONE, so a buffer may hold several
// dumps one after another (as the captures in testdata do).
func Decode(buf []byte, seq uint32, m *Messages) (done, interrupted bool, err error) {
	sc := nlmsg.NewScanner(buf, seq)
	sc.ReadOn = true
	for msg, ok := sc.Next(); ok; msg, ok = sc.Next() {
		if err := m.decode(msg); err != nil {
			sc.Fail(msg, err)
		}
	}
	return sc.Done(), sc.Interrupted(), sc.Err()
}

// decode adds what one data message of a reply holds to m: Decode's, and
// the dump loop's callback.
func (m *Messages) decode(msg nlmsg.Message) error {
	switch msg.Type {
	case RTMNewLink:
		return m.decodeLink(msg.Data)
	case RTMNewAddr:
		return m.decodeAddr(msg.Data)
	case RTMNewRoute:
		return m.decodeRoute(msg.Data)
	case RTMNewNeigh:
		return m.decodeNeigh(msg.Data)
	case RTMNewRule:
		return m.decodeRule(msg.Data)
	}
	return fmt.Errorf("unexpected message type %d", msg.Type)
}

// decodeLink decodes an RTM_NEWLINK: struct ifinfomsg and its attributes.
func (m *Messages) decodeLink(b []byte) error {
	if len(b) < ifinfomsgLen {
		return fmt.Errorf("ifinfomsg of %d bytes, want %d", len(b), ifinfomsgLen)
	}
	idx := native.Uint32(b[4:])
	if idx == 0 || int32(idx) < 0 {
		return fmt.Errorf("interface index %d", int32(idx))
	}
	ifc := collect.Interface{Index: idx, Up: native.Uint32(b[8:])&iffUp != 0}
	err := walkAttrs(b[ifinfomsgLen:], func(typ uint16, p []byte) error {
		switch typ {
		case iflaIfname:
			name := p
			if i := slices.Index(name, 0); i >= 0 {
				name = name[:i]
			}
			if len(name) == 0 || len(name) >= maxIfnameBytes {
				return fmt.Errorf("interface %d: name of %d bytes", idx, len(name))
			}
			ifc.Name = string(name)
		case iflaAddress:
			if len(p) > 0 && slices.ContainsFunc(p, func(c byte) bool { return c != 0 }) {
				ifc.MAC = net.HardwareAddr(slices.Clone(p))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if ifc.Name == "" {
		return fmt.Errorf("interface %d has no name", idx)
	}
	m.Links = append(m.Links, ifc)
	return nil
}

// decodeAddr decodes an RTM_NEWADDR: struct ifaddrmsg and its attributes.
// IFA_LOCAL is the local address when present, and IFA_ADDRESS then the
// peer of a point-to-point link; otherwise IFA_ADDRESS is the local one.
func (m *Messages) decodeAddr(b []byte) error {
	if len(b) < ifaddrmsgLen {
		return fmt.Errorf("ifaddrmsg of %d bytes, want %d", len(b), ifaddrmsgLen)
	}
	fam, bits := b[0], int(b[1])
	flags := uint32(b[2])
	a := Addr{Index: native.Uint32(b[4:])}
	var local, address netip.Addr
	err := walkAttrs(b[ifaddrmsgLen:], func(typ uint16, p []byte) error {
		var err error
		switch typ {
		case ifaAddress:
			address, err = ipAttr(fam, p, "IFA_ADDRESS")
		case ifaLocal:
			local, err = ipAttr(fam, p, "IFA_LOCAL")
		case ifaFlags:
			if len(p) != 4 {
				return fmt.Errorf("IFA_FLAGS of %d bytes", len(p))
			}
			flags = native.Uint32(p)
		}
		return err
	})
	if err != nil {
		return err
	}
	switch fam {
	case afInet, afInet6:
	default:
		// Only IPv4 and IPv6 are asked for by the reader; another family
		// (a kernel that answers AF_UNSPEC with more) is said, not guessed.
		return fmt.Errorf("address family %d", fam)
	}
	if !local.IsValid() {
		local = address
	} else if address.IsValid() && address != local {
		a.Peer = address
	}
	if !local.IsValid() {
		return fmt.Errorf("interface %d: address without IFA_LOCAL or IFA_ADDRESS", a.Index)
	}
	if bits > local.BitLen() {
		return fmt.Errorf("interface %d: prefix length %d for %v", a.Index, bits, local)
	}
	a.Prefix = netip.PrefixFrom(local, bits)
	a.Secondary = flags&ifaFSecondary != 0
	m.Addrs = append(m.Addrs, a)
	return nil
}

// decodeRoute decodes an RTM_NEWROUTE: struct rtmsg and its attributes.
// A multipath route becomes one Route per next hop, as Windows lists one
// row per gateway.
func (m *Messages) decodeRoute(b []byte) error {
	if len(b) < rtmsgLen {
		return fmt.Errorf("rtmsg of %d bytes, want %d", len(b), rtmsgLen)
	}
	fam, dstLen := b[0], int(b[1])
	if fam != afInet && fam != afInet6 {
		return fmt.Errorf("route of address family %d", fam)
	}
	if native.Uint32(b[8:])&rtmFCloned != 0 {
		m.Cloned++
		return nil
	}
	r := collect.Route{
		Table:    uint32(b[4]),
		Protocol: collect.RouteProtocol(b[5]),
		Type:     collect.RouteType(b[7]),
	}
	var dst netip.Addr
	var multipath []byte
	err := walkAttrs(b[rtmsgLen:], func(typ uint16, p []byte) error {
		var err error
		switch typ {
		case rtaDst:
			dst, err = ipAttr(fam, p, "RTA_DST")
		case rtaGateway:
			r.Gateway, err = ipAttr(fam, p, "RTA_GATEWAY")
		case rtaVia:
			r.Gateway, err = viaAttr(p)
		case rtaPrefsrc:
			r.Src, err = ipAttr(fam, p, "RTA_PREFSRC")
		case rtaOif:
			r.IfIndex, err = u32Attr(p, "RTA_OIF")
		case rtaPriority:
			r.Metric, err = u32Attr(p, "RTA_PRIORITY")
		case rtaTable:
			r.Table, err = u32Attr(p, "RTA_TABLE")
		case rtaNhID:
			r.NextHopID, err = u32Attr(p, "RTA_NH_ID")
		case rtaMultipath:
			multipath = p
		}
		return err
	})
	if err != nil {
		return err
	}
	if !dst.IsValid() {
		dst = netip.IPv4Unspecified()
		if fam == afInet6 {
			dst = netip.IPv6Unspecified()
		}
	}
	if dstLen > dst.BitLen() {
		return fmt.Errorf("destination prefix length %d for %v", dstLen, dst)
	}
	r.Dst = netip.PrefixFrom(dst, dstLen)
	if multipath == nil {
		m.Routes = append(m.Routes, r)
		return nil
	}
	// RTA_MULTIPATH: a run of struct rtnexthop, each followed by its own
	// attributes (linux/rtnetlink.h).
	var hops []collect.Route
	for len(multipath) > 0 {
		if len(multipath) < rtnexthopLen {
			return fmt.Errorf("RTA_MULTIPATH: %d trailing bytes", len(multipath))
		}
		n := int(native.Uint16(multipath[0:]))
		if n < rtnexthopLen || n > len(multipath) {
			return fmt.Errorf("RTA_MULTIPATH: next hop claims %d bytes of %d", n, len(multipath))
		}
		hop := r
		hop.IfIndex = native.Uint32(multipath[4:])
		err := walkAttrs(multipath[rtnexthopLen:n], func(typ uint16, p []byte) error {
			var err error
			switch typ {
			case rtaGateway:
				hop.Gateway, err = ipAttr(fam, p, "RTA_GATEWAY")
			case rtaVia:
				hop.Gateway, err = viaAttr(p)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("RTA_MULTIPATH: %w", err)
		}
		hops = append(hops, hop)
		multipath = multipath[min((n+3)&^3, len(multipath)):]
	}
	m.Routes = append(m.Routes, hops...)
	return nil
}

// decodeNeigh decodes an RTM_NEWNEIGH: struct ndmsg and its attributes.
func (m *Messages) decodeNeigh(b []byte) error {
	if len(b) < ndmsgLen {
		return fmt.Errorf("ndmsg of %d bytes, want %d", len(b), ndmsgLen)
	}
	fam := b[0]
	if fam != afInet && fam != afInet6 {
		return fmt.Errorf("neighbour of address family %d", fam)
	}
	n := collect.Neighbour{
		IfIndex: native.Uint32(b[4:]),
		State:   collect.NeighState(native.Uint16(b[8:])),
		Router:  b[10]&ntfRouter != 0,
	}
	err := walkAttrs(b[ndmsgLen:], func(typ uint16, p []byte) error {
		var err error
		switch typ {
		case ndaDst:
			n.Addr, err = ipAttr(fam, p, "NDA_DST")
		case ndaLladdr:
			if len(p) > 0 {
				n.MAC = net.HardwareAddr(slices.Clone(p))
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	if !n.Addr.IsValid() {
		return fmt.Errorf("neighbour on interface %d without NDA_DST", n.IfIndex)
	}
	m.Neighbours = append(m.Neighbours, n)
	return nil
}

// decodeRule decodes an RTM_NEWRULE: struct fib_rule_hdr and its
// attributes. A selector the kernel leaves out matches anything.
func (m *Messages) decodeRule(b []byte) error {
	if len(b) < fibRuleLen {
		return fmt.Errorf("fib_rule_hdr of %d bytes, want %d", len(b), fibRuleLen)
	}
	fam, dstLen, srcLen := b[0], int(b[1]), int(b[2])
	if fam != afInet && fam != afInet6 {
		return fmt.Errorf("rule of address family %d", fam)
	}
	r := collect.Rule{
		IPv6:   fam == afInet6,
		TOS:    b[3],
		Table:  uint32(b[4]),
		Action: collect.RuleAction(b[7]),
		Invert: native.Uint32(b[8:])&fibInvert != 0,
	}
	var src, dst netip.Addr
	err := walkAttrs(b[fibRuleLen:], func(typ uint16, p []byte) error {
		var err error
		switch typ {
		case fraDst:
			dst, err = ipAttr(fam, p, "FRA_DST")
		case fraSrc:
			src, err = ipAttr(fam, p, "FRA_SRC")
		case fraIifname:
			r.IIfName, err = ifnameAttr(p, "FRA_IIFNAME")
		case fraOifname:
			r.OIfName, err = ifnameAttr(p, "FRA_OIFNAME")
		case fraGoto:
			r.Goto, err = u32Attr(p, "FRA_GOTO")
		case fraPriority:
			r.Priority, err = u32Attr(p, "FRA_PRIORITY")
		case fraFwmark:
			r.FwMark, err = u32Attr(p, "FRA_FWMARK")
		case fraFwmask:
			r.FwMask, err = u32Attr(p, "FRA_FWMASK")
		case fraTable:
			r.Table, err = u32Attr(p, "FRA_TABLE")
		case fraProtocol:
			if len(p) != 1 {
				return fmt.Errorf("FRA_PROTOCOL of %d bytes, want 1", len(p))
			}
			r.Protocol = collect.RouteProtocol(p[0])
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, sel := range [...]struct {
		addr netip.Addr
		bits int
		to   *netip.Prefix
		name string
	}{{src, srcLen, &r.Src, "source"}, {dst, dstLen, &r.Dst, "destination"}} {
		switch {
		case sel.addr.IsValid() && sel.bits <= sel.addr.BitLen():
			*sel.to = netip.PrefixFrom(sel.addr, sel.bits)
		case sel.addr.IsValid():
			return fmt.Errorf("rule %s prefix length %d for %v", sel.name, sel.bits, sel.addr)
		case sel.bits != 0:
			return fmt.Errorf("rule %s prefix length %d without an address", sel.name, sel.bits)
		}
	}
	m.Rules = append(m.Rules, r)
	return nil
}

// ifnameAttr decodes an interface name attribute (NUL-terminated).
func ifnameAttr(p []byte, name string) (string, error) {
	if i := slices.Index(p, 0); i >= 0 {
		p = p[:i]
	}
	if len(p) >= maxIfnameBytes {
		return "", fmt.Errorf("%s of %d bytes", name, len(p))
	}
	return string(p), nil
}

// walkAttrs calls f for each rtattr and stops at the first error, its
// own (an attribute whose length does not fit) or f's.
func walkAttrs(attrs []byte, f func(typ uint16, payload []byte) error) error {
	for len(attrs) > 0 {
		if len(attrs) < rtaHdrLen {
			return fmt.Errorf("%d trailing attribute bytes", len(attrs))
		}
		n := int(native.Uint16(attrs[0:]))
		typ := native.Uint16(attrs[2:]) &^ 0xc000 // NLA_F_NESTED, NLA_F_NET_BYTEORDER
		if n < rtaHdrLen || n > len(attrs) {
			return fmt.Errorf("attribute %d claims %d bytes of %d", typ, n, len(attrs))
		}
		if err := f(typ, attrs[rtaHdrLen:n]); err != nil {
			return err
		}
		attrs = attrs[min((n+3)&^3, len(attrs)):]
	}
	return nil
}

func ipAttr(fam uint8, p []byte, name string) (netip.Addr, error) {
	switch {
	case fam == afInet && len(p) == 4:
		return netip.AddrFrom4([4]byte(p)), nil
	case fam == afInet6 && len(p) == 16:
		return netip.AddrFrom16([16]byte(p)), nil
	}
	return netip.Addr{}, fmt.Errorf("%s of %d bytes for address family %d", name, len(p), fam)
}

// viaAttr decodes struct rtvia: a u16 family, then the address.
func viaAttr(p []byte) (netip.Addr, error) {
	if len(p) < 2 {
		return netip.Addr{}, fmt.Errorf("RTA_VIA of %d bytes", len(p))
	}
	fam := native.Uint16(p)
	if fam > 255 {
		return netip.Addr{}, fmt.Errorf("RTA_VIA of address family %d", fam)
	}
	return ipAttr(uint8(fam), p[2:], "RTA_VIA")
}

func u32Attr(p []byte, name string) (uint32, error) {
	if len(p) != 4 {
		return 0, fmt.Errorf("%s of %d bytes, want 4", name, len(p))
	}
	return native.Uint32(p), nil
}

// Table joins what the dumps listed: interfaces in index order with their
// addresses (in dump order), routes named by their interface and split by
// family, in dump order. A route whose interface was not listed keeps its
// index and no name; an address whose interface was not listed (it came
// between the link and address dumps) has nowhere to go and is left out.
func (m *Messages) Table() collect.RouteTable {
	var t collect.RouteTable
	t.Interfaces = slices.Clone(m.Links)
	slices.SortStableFunc(t.Interfaces, func(a, b collect.Interface) int {
		return cmp.Compare(a.Index, b.Index)
	})
	// A link listed twice is kept once, as first listed.
	t.Interfaces = slices.CompactFunc(t.Interfaces, func(a, b collect.Interface) bool { return a.Index == b.Index })
	for _, a := range m.Addrs {
		if ifc := t.Interface(a.Index); ifc != nil {
			ifc.Addrs = append(ifc.Addrs, a.InterfaceAddr)
		}
	}
	for _, r := range m.Routes {
		if r.IfIndex != 0 {
			if ifc := t.Interface(r.IfIndex); ifc != nil {
				r.IfName = ifc.Name
			}
		}
		if r.Dst.Addr().Is4() {
			t.IPv4 = append(t.IPv4, r)
		} else {
			t.IPv6 = append(t.IPv6, r)
		}
	}
	return t
}

// NamedNeighbours returns the neighbours listed, in dump order, each
// named by its interface in t when t lists it.
func (m *Messages) NamedNeighbours(t *collect.RouteTable) []collect.Neighbour {
	out := make([]collect.Neighbour, len(m.Neighbours))
	for i, n := range m.Neighbours {
		if ifc := t.Interface(n.IfIndex); ifc != nil {
			n.IfName = ifc.Name
		}
		out[i] = n
	}
	return out
}

// DecodeTable decodes a buffer holding whole dumps (links, addresses and
// routes, in any order) into a table: what tests and fuzzing use, and what
// a saved capture is read back with.
func DecodeTable(buf []byte) (collect.RouteTable, error) {
	var m Messages
	_, _, err := Decode(buf, 0, &m)
	return m.Table(), err
}
