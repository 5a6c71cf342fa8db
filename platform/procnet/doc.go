// Package procnet parses the kernel's text socket tables,
// /proc/net/{tcp,tcp6,udp,udp6}, into collect.Socket rows.
//
// These tables are gonetstat's fallback source on Linux: sock_diag (see
// platform/sockdiag) is faster and richer, but a kernel without
// CONFIG_INET_DIAG, or a sandbox that filters netlink, still has /proc. The
// parser takes bytes, not a path, and carries no build tag, so it is fuzzed
// on any machine and can re-read the /proc copies kept in a diagnostic
// bundle on any OS.
//
// The format is printed by the kernel's tcp4_seq_show/get_tcp4_sock,
// get_openreq4 and get_timewait4_sock (net/ipv4/tcp_ipv4.c), their IPv6
// twins in net/ipv6/tcp_ipv6.c, and udp4_format_sock / __udp6_seq_show:
//
//	sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode [...]
//	 0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1077 1 ffff... 100 0 0 10 0
//
// Addresses are the in-kernel __be32 words printed with %08X, which shows
// them in host byte order: 127.0.0.1 reads 0100007F on a little-endian
// machine. Full TCP sockets add refcount, pointer, rto, ato,
// quickack/pingpong, snd_cwnd and ssthresh; TIME_WAIT and request sockets
// stop after the pointer.
package procnet
