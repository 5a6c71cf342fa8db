// Package procfd finds which process holds each socket: one scan of
// <root>/[0-9]*/fd, reading every descriptor link and keeping those that
// read "socket:[INODE]". The inode is the one sock_diag and /proc/net
// report for the socket, so joining the two gives each row its owner.
//
// # Cost
//
// The scan is where an owner lookup spends its time on a busy host (the
// socket table itself is one netlink dump), so it is built for speed: a
// pool of workers, fed PIDs, each reusing its buffers; on Linux one
// getdents64 per few hundred descriptors and one readlinkat per descriptor,
// relative to the fd directory's descriptor, with the name passed straight
// from the getdents64 record (no path built, nothing allocated per
// descriptor). Only processes that hold a socket get a *collect.Process and
// have their name read: the base name of <pid>/exe (without the " (deleted)"
// of a replaced binary, when stat through the link finds no name left: a
// live file may be named "x (deleted)") or, for kernel threads and
// unreadable exe links, the first line of <pid>/comm. All sockets of a process share its *Process.
//
// # Failures are normal
//
// A process can exit at any moment of the scan (ENOENT, ESRCH): it is
// counted as Vanished and its partly read descriptors are dropped, never
// an error. A process whose descriptors we may not read (another user's
// when not root; in some containers and sandboxes even root is refused PID
// 1's links, while the directory still lists) is counted as Denied, with
// the lowest such PID as DeniedExample for the caller's explanation. Any
// other failure of one process is reported, naming the PID, in a
// *collect.PartialError beside the result for all the others. Only an
// unreadable root or a cancelled context fail the scan.
//
// # A second look
//
// The scan runs beside the dump of the socket table, so a socket opened
// after its process was read is in the table with no owner. RescanOwners
// reads again, once, the processes that could hold such sockets: those
// whose first read began before the table was complete (Reads records
// when each began) and those started since, keeping only the missing
// inodes. A socket still ownerless after that appeared and went, or moved
// between processes, during the scan.
//
// # Exited leaders
//
// A process whose main thread has exited while other threads run keeps
// its descriptors, but the kernel shows its leader's fd directory empty
// (the zombie leader's files are released), and refuses it to anyone but
// root. A process whose fd directory lists nothing, or is refused to us
// although it runs as our own user, is read through <pid>/task/<tid>/fd
// of its other threads.
//
// # What the scan cannot see
//
// A socket held only by a process outside our PID namespace (the host's
// daemons, seen from a container; another container's processes) has no
// entry under our /proc, nor has one hidden by hidepid=, so it has no owner
// in the result. The scan never guesses one: such rows stay without a PID,
// and View tells the CLI whether that can happen at all (only in the
// host's initial PID namespace with nothing hidden can it not).
//
// # Shared sockets
//
// One socket can be held by several processes (inherited across fork,
// passed with SCM_RIGHTS, a pre-forking server's listener). The result
// names the lowest PID among them: deterministic from run to run whatever
// order the workers finish in, and usually the parent that opened it.
// Holders counts them, each process once however many descriptors it
// holds the socket on.
//
// # Portability
//
// Only Linux has such a /proc; the Linux reader lives in scan_linux.go and
// rawsys_unsafe.go. Everywhere else a portable reader (os.ReadDir,
// os.Readlink) scans a fixture or a copied tree with the same rules, and
// Linux tests run every fixture through both readers.
package procfd
