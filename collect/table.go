// table.go holds the pure operations on a socket table: filtering, netstat
// ordering, and attaching owners found by a separate process scan.

package collect

import (
	"cmp"
	"net/netip"
	"slices"
)

// Filter says which rows to keep.
type Filter struct {
	Kinds Kind // 0 means all
	// All keeps listening and unconnected sockets (netstat -a). Without it
	// only connected TCP sockets are kept, as Windows netstat does.
	All bool
	// ListeningOnly keeps only listening TCP sockets and unconnected UDP
	// sockets (Linux netstat/ss -l).
	ListeningOnly bool
	// Bound keeps bound, inactive TCP sockets (StateBoundInactive), which
	// every other setting drops: Windows netstat lists them only with -q.
	// Whatever the source, the table is then the same: sock_diag lists
	// them (Linux 6.8 and later), /proc/net never does.
	Bound bool
}

// Keep reports whether s passes the filter.
func (f Filter) Keep(s *Socket) bool {
	kinds := f.Kinds
	if kinds == 0 {
		kinds = AllKinds
	}
	if kinds&KindOf(s.Proto, s.Family) == 0 {
		return false
	}
	if s.Proto == ProtoTCP && s.State == StateBoundInactive {
		return f.Bound
	}
	listening := IsListening(s)
	if f.ListeningOnly {
		return listening
	}
	if f.All {
		return true
	}
	// netstat without -a: connected TCP only. UDP has no connections to
	// show; a TCP listener or a closed TCP socket is not one.
	return s.Proto == ProtoTCP && !listening && s.State != StateClose
}

// IsListening reports whether s waits for peers: a TCP listener, or a UDP
// socket with no connected peer.
func IsListening(s *Socket) bool {
	if s.Proto == ProtoTCP {
		return s.State == StateListen
	}
	return !s.Remote.IsValid() || s.Remote.Port() == 0 && s.Remote.Addr().IsUnspecified()
}

// Apply removes in place the rows f rejects and returns the shortened slice.
func (f Filter) Apply(socks []Socket) []Socket {
	return slices.DeleteFunc(socks, func(s Socket) bool { return !f.Keep(&s) })
}

// Sort puts a table in netstat order: TCP v4, TCP v6, UDP v4, UDP v6, each
// ordered numerically by local then foreign address and port, then by
// namespace, source and PID so that the order is total and stable.
func Sort(socks []Socket) {
	slices.SortFunc(socks, Compare)
}

// Compare is the order of Sort.
func Compare(a, b Socket) int {
	if c := cmp.Compare(kindRank(a), kindRank(b)); c != 0 {
		return c
	}
	if c := compareAddrPort(a.Local, b.Local); c != 0 {
		return c
	}
	if c := compareAddrPort(a.Remote, b.Remote); c != 0 {
		return c
	}
	if c := cmp.Compare(a.State, b.State); c != 0 {
		return c
	}
	if c := cmp.Compare(a.NetNSInode(), b.NetNSInode()); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Source.Kind, b.Source.Kind); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Source.Name, b.Source.Name); c != 0 {
		return c
	}
	if c := cmp.Compare(pidOf(a), pidOf(b)); c != 0 {
		return c
	}
	return cmp.Compare(a.Inode, b.Inode)
}

func kindRank(s Socket) int {
	switch KindOf(s.Proto, s.Family) {
	case TCP4:
		return 0
	case TCP6:
		return 1
	case UDP4:
		return 2
	case UDP6:
		return 3
	}
	return 4
}

func pidOf(s Socket) int {
	if s.Owner == nil {
		return -1
	}
	return s.Owner.PID
}

// compareAddrPort orders numerically by address (zone included, so
// fe80::1%eth0 and fe80::1%eth1 differ) and then port. An invalid AddrPort
// sorts first.
func compareAddrPort(a, b netip.AddrPort) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return cmp.Compare(a.Port(), b.Port())
}

// OwnerStats says how owner attribution went, so the CLI can explain once
// why some rows have no PID.
type OwnerStats struct {
	Attributed int // rows given an owner
	Ownerless  int // rows no file refers to (inode 0: TIME_WAIT, request and unaccepted sockets); not failures
	Missing    int // rows with an inode that no scanned process held
}

// AttachOwners sets Owner and Holders on every socket of the kernel whose
// inode scan owns. Sockets of another source or namespace scheme are
// matched by inode only, which is unique per kernel.
func AttachOwners(socks []Socket, scan OwnerScan) OwnerStats {
	var st OwnerStats
	for i := range socks {
		s := &socks[i]
		if !ownable(s) {
			if s.Inode == 0 && (s.Source.Kind == "" || s.Source == Kernel) {
				st.Ownerless++
			}
			continue
		}
		if p, ok := scan.Owners[s.Inode]; ok {
			s.Owner = p
			s.Holders = 1
			if n := scan.Holders[s.Inode]; n > 1 {
				s.Holders = n
			}
			st.Attributed++
			continue
		}
		st.Missing++
	}
	return st
}

// Unowned returns the inodes of the kernel's sockets that scan does not
// own: what a rescan (OwnerRescanner) looks for. Each inode is listed once.
func Unowned(socks []Socket, scan OwnerScan) []uint64 {
	var missing []uint64
	seen := map[uint64]bool{}
	for i := range socks {
		s := &socks[i]
		if !ownable(s) || seen[s.Inode] {
			continue
		}
		if _, ok := scan.Owners[s.Inode]; !ok {
			seen[s.Inode] = true
			missing = append(missing, s.Inode)
		}
	}
	return missing
}

// ownable reports whether an owner scan can name s's owner: a kernel
// socket that a file refers to (inode 0 is TIME_WAIT, a request or an
// unaccepted connection, which no process holds).
func ownable(s *Socket) bool {
	return (s.Source.Kind == "" || s.Source == Kernel) && s.Inode != 0
}
