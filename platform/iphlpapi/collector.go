// collector.go holds the socket table collector and the readers of the
// -s, -r and -e reports, over a source (source.go).

package iphlpapi

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/gonetstat/gonetstat/collect"
)

// Collector reads Windows' socket tables with their owner PIDs.
type Collector struct {
	src  source
	warn func(string)

	mu   sync.Mutex
	said map[string]bool // notices already given
}

var _ collect.Collector = (*Collector)(nil)

func newCollector(src source, warn func(string)) *Collector {
	if warn == nil {
		warn = func(string) {}
	}
	return &Collector{src: src, warn: warn, said: make(map[string]bool)}
}

// sayOnce gives a notice the first time only: an interval loop repeats
// the same snapshot every few seconds.
func (c *Collector) sayOnce(msg string) {
	c.mu.Lock()
	said := c.said[msg]
	c.said[msg] = true
	c.mu.Unlock()
	if !said {
		c.warn(msg)
	}
}

// Collect reads the tables q.Kinds asks for (0: all), in netstat order.
// A table Windows refuses, or that does not decode, is named in a
// *collect.PartialError returned with the rows of the others: a family
// is never missing silently. With q.Owners each row gets its process,
// named once per PID (owners.go); without it Owner stays nil. ctx ending
// stops the read between tables and between process lookups.
func (c *Collector) Collect(ctx context.Context, q collect.Query) ([]collect.Socket, error) {
	kinds := q.Kinds
	if kinds == 0 {
		kinds = collect.AllKinds
	}
	var rows []Row
	var problems []error
	var ctxErr error
	kinds.Each(func(k collect.Kind) {
		if ctxErr = ctx.Err(); ctxErr != nil {
			return
		}
		b, err := c.src.socketTable(k)
		if err == nil {
			rows, err = DecodeTable(k, b, rows)
		}
		if err != nil {
			problems = append(problems, fmt.Errorf("the %s table: %w", k, err))
		}
	})
	if ctxErr != nil {
		return nil, ctxErr
	}
	if q.Bound {
		c.sayOnce("-q: bound, non-listening TCP sockets (BOUND) are not shown: GetExtendedTcpTable does not list them")
	}

	socks := make([]collect.Socket, len(rows))
	var names *owners
	if q.Owners {
		names = newOwners(c.src)
	}
	for i := range rows {
		r := &rows[i]
		socks[i] = r.Socket()
		if r.Kind.Proto() == collect.ProtoTCP && !KnownState(r.State) {
			c.sayOnce(fmt.Sprintf("a TCP socket is in state %d, which Windows does not document (MIB_TCP_STATE is 1 to 12): shown as %s",
				r.State, collect.StateUnknown.WindowsName()))
		}
		if names == nil {
			continue
		}
		p, err := names.process(ctx, r.PID)
		if err != nil {
			return nil, err
		}
		socks[i].Owner, socks[i].Holders = p, 1
	}
	if names != nil && names.svcErr != nil {
		c.sayOnce(fmt.Sprintf("the services hosted by each process are not shown: %v", names.svcErr))
	}
	return socks, collect.Partial(problems...)
}

// families are the two address families each statistics call is made
// for, IPv4 first.
var families = [...]uint16{afInet, afInet6}

// readProtocols reads the -s counters: IP, ICMP, TCP and UDP of both
// families. Any call that fails fails the report: a section printed
// without its counters would say the system keeps none.
func readProtocols(ctx context.Context, src source) (collect.ProtoCounters, error) {
	steps := []struct {
		kind   statsKind
		decode func([]byte, bool, *collect.ProtoCounters) error
	}{
		{statsIP, decodeIPStats},
		{statsICMP, decodeICMPStats},
		{statsTCP, func(b []byte, _ bool, c *collect.ProtoCounters) error { return decodeTCPStats(b, c) }},
		{statsUDP, decodeUDPStats},
	}
	var c collect.ProtoCounters
	for _, s := range steps {
		for _, fam := range families {
			if err := ctx.Err(); err != nil {
				return collect.ProtoCounters{}, err
			}
			b, err := src.stats(s.kind, fam)
			if err == nil {
				err = s.decode(b, fam == afInet6, &c)
			}
			if err != nil {
				return collect.ProtoCounters{}, fmt.Errorf("the %s statistics: %w", familyName(fam), err)
			}
		}
	}
	return c, nil
}

func familyName(fam uint16) string {
	if fam == afInet6 {
		return "IPv6"
	}
	return "IPv4"
}

// links are the interface tables -r and -e both need.
type links struct {
	ifs   []netInterface
	ipifs []ipInterface
	// noIPIfs says the system has no GetIpInterfaceTable (Wine 8
	// answers ERROR_NOT_SUPPORTED): every interface but NDIS filters is
	// taken to have an IP side, and no interface metric is known.
	noIPIfs error
}

// readLinks reads GetIfTable2 and GetIpInterfaceTable.
func readLinks(ctx context.Context, src source) (links, error) {
	var l links
	b, err := src.ifTable()
	if err == nil {
		l.ifs, err = decodeIfTable(b)
	}
	if err != nil {
		return links{}, fmt.Errorf("the interfaces: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return links{}, err
	}
	b, err = src.ipInterfaceTable()
	if err == nil {
		l.ipifs, err = decodeIPInterfaceTable(b)
	} else if errors.Is(err, errors.ErrUnsupported) {
		l.noIPIfs, err = err, nil
		for _, ifc := range l.ifs {
			l.ipifs = append(l.ipifs, ipInterface{family: afInet, ifIndex: ifc.index},
				ipInterface{family: afInet6, ifIndex: ifc.index})
		}
	}
	if err != nil {
		return links{}, fmt.Errorf("the interfaces' IP settings: %w", err)
	}
	return l, nil
}

// readInterfaces reads the -e counters.
func readInterfaces(ctx context.Context, src source) ([]collect.InterfaceCounters, error) {
	l, err := readLinks(ctx, src)
	if err != nil {
		return nil, err
	}
	return buildInterfaceCounters(l.ifs, l.ipifs), nil
}

// readRoutes reads the -r table. Without the interfaces' addresses the
// routes still print (their Interface column names the interface
// instead), and without the interfaces' metrics they print with the
// routes' own: either makes the table partial. A failing route or
// interface table fails it.
func readRoutes(ctx context.Context, src source) (collect.RouteTable, error) {
	l, err := readLinks(ctx, src)
	if err != nil {
		return collect.RouteTable{}, err
	}
	if err := ctx.Err(); err != nil {
		return collect.RouteTable{}, err
	}
	b, err := src.forwardTable()
	var fwd []route
	if err == nil {
		fwd, err = decodeForwardTable(b)
	}
	if err != nil {
		return collect.RouteTable{}, fmt.Errorf("the routes: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return collect.RouteTable{}, err
	}
	var addrs []address
	b, addrErr := src.addressTable()
	if addrErr == nil {
		addrs, addrErr = decodeAddressTable(b)
	}
	t := buildRouteTable(l.ifs, l.ipifs, addrs, fwd)
	var problems []error
	if l.noIPIfs != nil {
		problems = append(problems, fmt.Errorf("metrics are the routes' own, without their interface's (%w)", l.noIPIfs))
	}
	if addrErr != nil {
		problems = append(problems, fmt.Errorf("the interfaces' addresses: %w", addrErr))
	}
	return t, collect.PartialOf("routing table", problems...)
}
