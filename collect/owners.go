// owners.go holds the result of an owner scan (socket inode -> process), the
// interfaces that produce it, and what the scan could see.

package collect

import (
	"context"
	"time"
)

// OwnerScan is the result of one pass over the processes of a host: which
// process holds each socket inode, and how complete the pass was.
type OwnerScan struct {
	// Owners names, for each socket inode seen held, the lowest PID among
	// its holders: one deterministic answer whatever order processes were
	// read in, and usually the parent that opened the socket.
	Owners map[uint64]*Process
	// Holders counts the processes seen holding each socket that more
	// than one process held (a listener inherited across fork, a
	// descriptor passed with SCM_RIGHTS); a socket in Owners and not
	// here had one. nil when no socket was shared.
	Holders map[uint64]uint32

	Processes int // processes whose descriptors were read
	Denied    int // processes whose descriptors could not be read (permission)
	Vanished  int // processes that exited during the scan (normal, not a failure)
	// DeniedExample is one PID from the denied set, for the message that
	// explains missing owners ("e.g. PID 1"); 0 when Denied is 0.
	DeniedExample int

	// View says whether a socket's holder can be a process the scan could
	// not list at all (another PID namespace, hidden by /proc).
	View View

	// Began is when the scan began reading processes, and Reads says when
	// it began each one it did not see exit: an OwnerRescanner uses them
	// to read again only the processes that could have missed a socket.
	// Scanners that cannot rescan leave them zero.
	Began time.Time
	Reads []ProcessRead
	// Rescanned is how many processes a rescan read again (including
	// those started since the first pass); 0 when none ran.
	Rescanned int
}

// ProcessRead is one process an owner scan listed, and when (after
// OwnerScan.Began) it began reading its descriptors.
type ProcessRead struct {
	PID int
	At  time.Duration
	// Unread says its descriptors could not be read (denied, or failed
	// and reported): a rescan does not try again.
	Unread bool
}

// View is how much of the host's processes an owner scan could list.
type View uint8

const (
	// ViewUnknown: the scanner cannot tell (a fixture or copied tree, a
	// /proc of a PID namespace we are not in).
	ViewUnknown View = iota
	// ViewAll: the scanned /proc is the host's initial PID namespace and
	// hides nothing from us: every process that can hold a socket was
	// listed, so no row's owner is outside it.
	ViewAll
	// ViewNamespace: the scanned /proc is a PID namespace below the
	// host's (a container's): processes of the host and of other
	// containers are not listed, and may hold sockets we see.
	ViewNamespace
	// ViewHidden: the host's PID namespace, but /proc is mounted with
	// hidepid and hides processes we may not trace.
	ViewHidden
)

// OwnerScanner finds the processes that hold socket inodes.
type OwnerScanner interface {
	ScanOwners(ctx context.Context) (OwnerScan, error)
}

// OwnerRescanner is an OwnerScanner that can look a second time, once the
// socket table has been read, for the sockets its scan did not find. A
// socket opened after its process was read, and still held when the table
// was read, is found that way.
type OwnerRescanner interface {
	OwnerScanner
	// RescanOwners reads again the processes that could hold one of the
	// missing inodes: those listed in scan.Reads whose read began before
	// tableRead (the moment the socket table was complete; a process read
	// after it would have shown any socket it held then) and were not
	// Unread, and those that appeared since. It adds the holders of the
	// missing inodes it finds to scan, with their Holders counts, and
	// sets Rescanned; other inodes are left as they were. Like
	// ScanOwners it reports one process's failure as a *PartialError
	// beside what it found; any other error leaves scan unchanged.
	RescanOwners(ctx context.Context, scan *OwnerScan, missing []uint64, tableRead time.Time) error
}
