// Package sockdiag reads the kernel's socket tables through netlink
// sock_diag (NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY): one dump per address
// family and protocol, every state, with struct tcp_info for TCP.
//
// The encoder and decoder are pure (no build tag) so they are fuzzed on any
// machine and tested on reply bytes captured from a real kernel; only
// dump_linux.go makes system calls. A dump reads the network namespace of
// the calling thread.
//
// We decode the replies ourselves rather than through
// github.com/vishvananda/netlink: its SocketDiagTCP drops the rest of a table
// when one message fails to decode (and returns nil), and an interrupted
// dump comes back as rows plus ErrDumpInterrupted. Either prints a silently
// short table. Here every good row is kept, every bad message is reported,
// and a dump the kernel marks NLM_F_DUMP_INTR is retried.
//
// References: include/uapi/linux/sock_diag.h, inet_diag.h, tcp.h,
// netlink.h; man 7 sock_diag; net/ipv4/inet_diag.c.
package sockdiag
