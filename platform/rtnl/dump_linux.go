// dump_linux.go runs the link, address and route dumps on a NETLINK_ROUTE
// socket: the only file of the package that makes system calls.

package rtnl

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/nlmsg"
)

// maxDatagrams bounds one dump: a table so large it needs more is not a
// routing table route print could show.
const maxDatagrams = 1 << 16

// Dump reads the interfaces, addresses and routes of the network namespace
// the calling thread is in (a netlink socket belongs to the namespace it
// was opened in: to read another, call Dump on a locked thread that has
// entered it, see platform/netns). Routes of every table are returned; the
// Table field says which. ctx ending stops the dump (within nlmsg's poll
// slice) with ctx's error.
//
// A message that could not be decoded, or a dump still interrupted after
// nlmsg.Tries, gives the table read plus a *collect.PartialError; a failure
// of the socket or a refusal by the kernel gives an error naming the dump.
func Dump(ctx context.Context) (collect.RouteTable, error) {
	sock, err := nlmsg.Dial(unix.NETLINK_ROUTE)
	if err != nil {
		return collect.RouteTable{}, fmt.Errorf("opening a NETLINK_ROUTE socket: %w", err)
	}
	defer sock.Close()
	return dumpAll(ctx, sock, make([]byte, nlmsg.RecvBufSize))
}

// dumpAll runs the four dumps of Dump on cn.
func dumpAll(ctx context.Context, cn nlmsg.Conn, buf []byte) (collect.RouteTable, error) {
	all, problems, err := runDumps(ctx, cn, buf, tableDumps[:])
	if err != nil {
		return collect.RouteTable{}, err
	}
	return all.Table(), collect.PartialOf("routing table", problems...)
}

// dump names one dump request.
type dump struct {
	what   string
	typ    uint16
	family uint8
}

var tableDumps = [...]dump{
	{"interfaces (RTM_GETLINK)", RTMGetLink, afUnspec},
	{"addresses (RTM_GETADDR)", RTMGetAddr, afUnspec},
	{"IPv4 routes (RTM_GETROUTE)", RTMGetRoute, afInet},
	{"IPv6 routes (RTM_GETROUTE)", RTMGetRoute, afInet6},
}

// neighbourDumps are those of Neighbours: the links name the neighbours'
// interfaces. Neighbours and rules are dumped per family: AF_UNSPEC would
// also dump the bridge forwarding database (PF_BRIDGE answers
// RTM_GETNEIGH too), which is not a neighbour cache.
var neighbourDumps = [...]dump{
	{"interfaces (RTM_GETLINK)", RTMGetLink, afUnspec},
	{"IPv4 neighbours (RTM_GETNEIGH)", RTMGetNeigh, afInet},
	{"IPv6 neighbours (RTM_GETNEIGH)", RTMGetNeigh, afInet6},
	{"IPv4 rules (RTM_GETRULE)", RTMGetRule, afInet},
	{"IPv6 rules (RTM_GETRULE)", RTMGetRule, afInet6},
}

// Neighbours reads the neighbour cache (ARP and NDP entries, each named
// by its interface) and the policy-routing rules of the calling thread's
// network namespace, as Dump reads the routes: the same ctx, partial and
// error rules. Both slices are non-nil when err is nil or partial.
func Neighbours(ctx context.Context) ([]collect.Neighbour, []collect.Rule, error) {
	sock, err := nlmsg.Dial(unix.NETLINK_ROUTE)
	if err != nil {
		return nil, nil, fmt.Errorf("opening a NETLINK_ROUTE socket: %w", err)
	}
	defer sock.Close()
	return dumpNeighbours(ctx, sock, make([]byte, nlmsg.RecvBufSize))
}

func dumpNeighbours(ctx context.Context, cn nlmsg.Conn, buf []byte) ([]collect.Neighbour, []collect.Rule, error) {
	all, problems, err := runDumps(ctx, cn, buf, neighbourDumps[:])
	if err != nil {
		return nil, nil, err
	}
	t := all.Table()
	rules := all.Rules
	if rules == nil {
		rules = []collect.Rule{}
	}
	return all.NamedNeighbours(&t), rules, collect.PartialOf("neighbours and rules", problems...)
}

// runDumps runs each dump on cn and returns what they listed, with the
// messages that could not be decoded (and dumps still interrupted after
// nlmsg.Tries) as problems. A failed dump is the error, naming it; an
// IPv6 dump refused with EAFNOSUPPORT (IPv6 off in the kernel) lists
// nothing.
func runDumps(ctx context.Context, cn nlmsg.Conn, buf []byte, dumps []dump) (Messages, []error, error) {
	var all Messages
	var problems []error
	for _, d := range dumps {
		// Each dump is decoded on its own and added to all once read, so
		// a retried or failed one leaves nothing behind.
		var m Messages
		nd := nlmsg.Dump{
			Request:      func(seq uint32) []byte { return Request(d.typ, d.family, seq) },
			Decode:       m.decode,
			Reset:        func() { m = Messages{} },
			MaxDatagrams: maxDatagrams,
		}
		bad, err := nd.Run(ctx, cn, buf)
		if err != nil {
			if ctx.Err() != nil {
				return Messages{}, nil, ctx.Err()
			}
			if d.family == afInet6 && errors.Is(err, unix.EAFNOSUPPORT) {
				continue // IPv6 is off in this kernel: there is no table
			}
			return Messages{}, nil, fmt.Errorf("dumping %s: %w", d.what, err)
		}
		for _, e := range bad {
			problems = append(problems, fmt.Errorf("dumping %s: %w", d.what, e))
		}
		all.Append(m)
	}
	return all, problems, nil
}
