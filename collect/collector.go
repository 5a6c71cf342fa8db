// collector.go holds the Collector interface, the Query it answers and the
// typed error that marks a table as incomplete.

package collect

import (
	"context"
	"errors"
	"strings"
)

// Kind is one of the four socket tables netstat prints, in its print order.
type Kind uint8

const (
	TCP4 Kind = 1 << iota
	TCP6
	UDP4
	UDP6

	AllKinds = TCP4 | TCP6 | UDP4 | UDP6
)

// KindOf returns the table a socket belongs to.
func KindOf(proto Proto, fam Family) Kind {
	switch {
	case proto == ProtoTCP && fam == FamilyIPv4:
		return TCP4
	case proto == ProtoTCP && fam == FamilyIPv6:
		return TCP6
	case proto == ProtoUDP && fam == FamilyIPv4:
		return UDP4
	case proto == ProtoUDP && fam == FamilyIPv6:
		return UDP6
	}
	return 0
}

// Each calls f for every single table in k, in print order.
func (k Kind) Each(f func(Kind)) {
	for _, one := range [...]Kind{TCP4, TCP6, UDP4, UDP6} {
		if k&one != 0 {
			f(one)
		}
	}
}

// Proto and Family split a single-table Kind.
func (k Kind) Proto() Proto {
	if k&(TCP4|TCP6) != 0 {
		return ProtoTCP
	}
	return ProtoUDP
}

func (k Kind) Family() Family {
	if k&(TCP4|UDP4) != 0 {
		return FamilyIPv4
	}
	return FamilyIPv6
}

func (k Kind) String() string {
	var parts []string
	k.Each(func(one Kind) {
		switch one {
		case TCP4:
			parts = append(parts, "tcp")
		case TCP6:
			parts = append(parts, "tcp6")
		case UDP4:
			parts = append(parts, "udp")
		case UDP6:
			parts = append(parts, "udp6")
		}
	})
	return strings.Join(parts, ",")
}

// Query says what a collector should read. Collectors may return more than
// asked (filtering is the caller's job, see Filter) but must not skip work
// they were asked for.
type Query struct {
	Kinds   Kind // which tables; 0 means AllKinds
	TCPInfo bool // read TCP internals (rtt, cwnd, ...) where the source has them
	// Bound lists bound, inactive TCP sockets too (netstat -q), where the
	// source can; a source that cannot says so in a notice. Without it a
	// source may leave them out (Filter drops them anyway).
	Bound bool
	// Owners says the caller wants each socket's owning process. A source
	// whose rows name their owner (Windows' iphlpapi tables, gopsutil)
	// sets Socket.Owner then, naming each process once per snapshot and
	// sharing one *Process among its rows, and leaves it nil otherwise;
	// a source that cannot tell (Linux's tables carry an inode, resolved
	// by an OwnerScanner) ignores it.
	Owners bool
}

// Collector reads one socket table source.
//
// On success it returns every socket of the requested kinds. When part of
// the data could not be read it returns the rows it has together with a
// *PartialError; any other non-nil error means the rows must not be trusted.
type Collector interface {
	Collect(ctx context.Context, q Query) ([]Socket, error)
}

// PartialError marks a table that is usable but incomplete: the rows that
// were read are returned beside it, and Problems says what is missing.
type PartialError struct {
	Table    string // which table: "routing table"; "" is the socket table
	Problems []error
}

func (e *PartialError) Error() string {
	var b strings.Builder
	table := e.Table
	if table == "" {
		table = "socket table"
	}
	b.WriteString("incomplete " + table + ": ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

func (e *PartialError) Unwrap() []error { return e.Problems }

// Partial wraps problems into a *PartialError of the socket table, or
// returns nil when there are none.
func Partial(problems ...error) error { return PartialOf("", problems...) }

// PartialOf is Partial for another table ("routing table").
func PartialOf(table string, problems ...error) error {
	var kept []error
	for _, p := range problems {
		if p == nil {
			continue
		}
		var pe *PartialError
		if errors.As(p, &pe) {
			kept = append(kept, pe.Problems...)
			continue
		}
		kept = append(kept, p)
	}
	if len(kept) == 0 {
		return nil
	}
	return &PartialError{Table: table, Problems: kept}
}

// IsPartial reports whether err only says the table is incomplete.
func IsPartial(err error) bool {
	var pe *PartialError
	return errors.As(err, &pe)
}

// ErrUnsupported is returned by a platform that has no collector of a kind.
var ErrUnsupported = errors.New("not supported on this platform")
