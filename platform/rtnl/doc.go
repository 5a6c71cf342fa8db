// Package rtnl reads the kernel's interfaces, addresses and routes over
// rtnetlink (NETLINK_ROUTE): the data of `gonetstat -r`.
//
// wire.go is pure (no build tags): it encodes the dump requests and decodes
// the replies into a collect.RouteTable, so it is tested on captured bytes
// and fuzzed on any OS; the netlink framing under it is platform/nlmsg's,
// shared with platform/sockdiag. dump_linux.go opens a NETLINK_ROUTE socket
// (nlmsg.Dial) in the calling thread's network namespace and runs four
// dumps (links, addresses, IPv4 routes, IPv6 routes) through nlmsg's dump
// loop, each retried when the kernel marks it interrupted.
//
// Why netlink and not /proc/net/route and /proc/net/ipv6_route: the /proc
// files lack what route print shows and what the model keeps. The IPv4 file
// lists the main table only, with no route type (a local or broadcast route
// cannot be told from a unicast one), no preferred source and no protocol;
// the IPv6 file mixes every table with no table number. Interface indexes,
// MACs and addresses would need netlink (or ioctls) anyway. Cost is no
// reason to prefer /proc either: on the 2-core development machine (4
// interfaces, 14 routes) BenchmarkDump's four dumps, decoded, take about
// 100 µs and 67 allocations; BenchmarkProcRoute, which only reads the two
// /proc files without parsing them or any interface, about 57 µs.
//
// Ownership: a RouteTable holds plain values; nothing points into the
// receive buffer, which is reused between dumps.
package rtnl
