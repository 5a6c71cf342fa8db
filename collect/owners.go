// owners.go holds the result of an owner scan (socket inode -> process) and
// the interface that produces it.

package collect

import "context"

// OwnerScan is the result of one pass over the processes of a host: which
// process holds each socket inode, and how complete the pass was.
type OwnerScan struct {
	Owners map[uint64]*Process

	Processes int // processes whose descriptors were read
	Denied    int // processes whose descriptors could not be read (permission)
	Vanished  int // processes that exited during the scan (normal, not a failure)
	// DeniedExample is one PID from the denied set, for the message that
	// explains missing owners ("e.g. PID 1"); 0 when Denied is 0.
	DeniedExample int
}

// OwnerScanner finds the processes that hold socket inodes.
type OwnerScanner interface {
	ScanOwners(ctx context.Context) (OwnerScan, error)
}
