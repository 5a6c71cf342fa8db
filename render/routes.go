// routes.go prints a routing table the way Windows `route print` and
// `netstat -r` do.

package render

import (
	"io"
	"net/netip"
	"strconv"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/safetext"
)

const hexDigits = "0123456789abcdef"

const routeRule = "===========================================================================\n"

// Routes writes t in the layout of Windows `netstat -r`: the Interface
// List (index, MAC as "02 fc 00 00 00 01 " padded with dots, name), then
// the IPv4 and the IPv6 Route Table, each under "Active Routes:".
//
// What maps to what:
//   - Routes of the main and local tables are shown: the local table holds
//     what Windows lists beside its other routes (127.0.0.1/32, each
//     address of this host as a host route, the subnet broadcasts,
//     ff00::/8). Other tables (policy routing) have no place in a Windows
//     table and are left out; RouteTable keeps them.
//   - Gateway is "On-link" when a route has none; a route that drops
//     packets or sends the lookup on (blackhole, unreachable, prohibit,
//     throw; Windows has none) shows its kind there instead.
//   - Interface is the address the route sends from (RouteTable.LocalAddr),
//     else the interface's name when it has no address of the family, else
//     "None" when the route has no interface.
//   - Metric is the kernel's route priority. Windows adds the interface
//     metric to the route's; Linux has no interface metric.
//   - Windows' "Persistent Routes" sections are not printed: Linux keeps
//     no such list (routes that outlive a reboot are in distribution
//     config files, not in the kernel).
//
// Rows are sorted by destination, prefix length, interface index and
// metric, as Windows sorts them; t is not modified.
func Routes(w io.Writer, t collect.RouteTable) error {
	b := make([]byte, 0, 4096)
	b = append(b, routeRule...)
	b = append(b, "Interface List\n"...)
	for _, ifc := range t.Interfaces {
		b = appendInterface(b, ifc)
	}
	b = append(b, routeRule...)
	b = append(b, '\n')

	v4 := shownRoutes(t.IPv4)
	b = appendTableHead(b, "IPv4 Route Table\n", "Network Destination        Netmask          Gateway       Interface  Metric\n", len(v4))
	for _, r := range v4 {
		b = appendRoute4(b, &t, r)
	}
	b = append(b, routeRule...)
	b = append(b, '\n')

	v6 := shownRoutes(t.IPv6)
	b = appendTableHead(b, "IPv6 Route Table\n", " If Metric Network Destination      Gateway\n", len(v6))
	for _, r := range v6 {
		b = appendRoute6(b, r)
	}
	b = append(b, routeRule...)
	_, err := w.Write(b)
	return err
}

// appendTableHead writes a route table's title and "Active Routes:", then
// its column header, or "  None" when it has no rows.
func appendTableHead(b []byte, title, header string, rows int) []byte {
	b = append(b, title...)
	b = append(b, routeRule...)
	b = append(b, "Active Routes:\n"...)
	if rows == 0 {
		return append(b, "  None\n"...)
	}
	return append(b, header...)
}

// appendInterface writes "  4...02 fc 00 00 00 01 ......eth0": the index
// in three columns, then "...", the address bytes each followed by a space
// and dots up to 24 columns, then the name. An interface without a
// link-layer address (lo) is all dots, as Windows' loopback is.
func appendInterface(b []byte, ifc collect.Interface) []byte {
	b = appendRight(b, strconv.FormatUint(uint64(ifc.Index), 10), 3)
	b = append(b, "..."...)
	start := len(b)
	for _, c := range ifc.MAC {
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf], ' ')
	}
	for len(b)-start < 24 {
		b = append(b, '.')
	}
	b = safetext.AppendText(b, ifc.Name)
	return append(b, '\n')
}

// shownRoutes returns the main and local tables' routes, sorted.
func shownRoutes(rs []collect.Route) []collect.Route {
	var out []collect.Route
	for _, r := range rs {
		if r.Table == collect.RouteTableMain || r.Table == collect.RouteTableLocal {
			out = append(out, r)
		}
	}
	collect.SortRoutes(out)
	return out
}

// gateway is the Gateway column: the next hop, "On-link", or the kind of
// a route that forwards nothing.
func gateway(r collect.Route) string {
	switch {
	case !r.Type.Forwards() && r.Type != collect.RouteUnspec:
		s := r.Type.String()
		return string(s[0]-'a'+'A') + s[1:]
	case r.Gateway.IsValid():
		return addrText(r.Gateway)
	}
	return "On-link"
}

// appendRoute4 writes one IPv4 row. Windows' columns: destination,
// netmask, gateway and interface right-aligned in 17 columns each, the
// metric in 7, except that an "On-link" gateway takes 16 and gives the
// interface 18 (as `route print` does).
func appendRoute4(b []byte, t *collect.RouteTable, r collect.Route) []byte {
	b = appendRight(b, r.Dst.Masked().Addr().String(), 17)
	b = appendRight(b, netmask(r.Dst.Bits()).String(), 17)
	gw := gateway(r)
	gwWidth := 17
	if gw == "On-link" {
		gwWidth = 16
	}
	b = appendRight(b, gw, gwWidth)
	b = appendRight(b, interfaceColumn(t, r), 34-gwWidth)
	b = appendRight(b, strconv.FormatUint(uint64(r.Metric), 10), 7)
	return append(b, '\n')
}

// appendRoute6 writes one IPv6 row: the interface index in 3 columns, the
// metric in 7, the destination left-aligned in 24 and the gateway; a
// destination too long for its column puts the gateway on a line of its
// own, indented under the column, as Windows does.
func appendRoute6(b []byte, r collect.Route) []byte {
	b = appendRight(b, strconv.FormatUint(uint64(r.IfIndex), 10), 3)
	b = appendRight(b, strconv.FormatUint(uint64(r.Metric), 10), 7)
	b = append(b, ' ')
	dst := r.Dst.Masked().String()
	b = append(b, dst...)
	if len(dst) > 24 {
		b = append(b, '\n')
		b = pad(b, 0, 36)
	} else {
		b = pad(b, len(dst), 25)
	}
	b = append(b, gateway(r)...)
	return append(b, '\n')
}

// interfaceColumn is the IPv4 table's Interface column.
func interfaceColumn(t *collect.RouteTable, r collect.Route) string {
	if a := t.LocalAddr(r); a.IsValid() {
		return addrText(a)
	}
	if r.IfName != "" {
		return safetext.Text(r.IfName)
	}
	if r.IfIndex != 0 {
		return strconv.FormatUint(uint64(r.IfIndex), 10)
	}
	return "None"
}

// netmask is the dotted IPv4 mask of a prefix length.
func netmask(bits int) netip.Addr {
	m := ^uint32(0)
	if bits <= 0 {
		m = 0
	} else if bits < 32 {
		m <<= 32 - bits
	}
	return netip.AddrFrom4([4]byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)})
}

// appendRight writes s right-aligned in width columns (longer: as is).
func appendRight(b []byte, s string, width int) []byte {
	b = pad(b, len(s), width)
	return append(b, s...)
}
