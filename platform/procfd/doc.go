// Package procfd finds which process holds each socket: one scan of
// <root>/[0-9]*/fd, reading every descriptor link and keeping those that
// read "socket:[INODE]".
//
// The scan is where the time goes on a busy host (sock_diag itself is
// cheap), so it runs in parallel over processes, each worker reusing its
// buffers, and it reads process names only for the processes that hold a
// socket.
//
// Failures of one process are normal and counted, not fatal: a process
// that exits mid-scan (ENOENT, ESRCH) is Vanished; one whose descriptors we
// may not read (another user's when not root; on some machines even root
// is denied PID 1's) is Denied. A socket held by a process outside our PID
// namespace has no visible owner at all: we never invent one, and the CLI
// says why some rows have none.
//
// When two processes hold the same socket (after fork, or passed with
// SCM_RIGHTS), the lowest PID owns it in the result: deterministic from run
// to run, and usually the parent that opened it.
package procfd
