// Package procnet reads the kernel's text socket tables,
// /proc/net/{tcp,tcp6,udp,udp6}, into collect.Socket rows.
//
// # Why a fallback
//
// On Linux gonetstat reads sockets with netlink sock_diag (platform/sockdiag):
// it is faster, filters in the kernel and reports tcp_info. But a kernel
// built without CONFIG_INET_DIAG, a container whose seccomp profile or LSM
// refuses NETLINK_SOCK_DIAG, or an old kernel still has these files, so the
// platform package falls back to this Collector, and says so. The parser
// takes bytes, not a path, and carries no build tag, so it is fuzzed on any
// machine and re-reads the /proc/net copies kept in a diagnostic bundle on
// any OS (Collector.Root is just a directory).
//
// # The format
//
// One header line (its first column is "sl"), then one row per socket. The
// rows are printed by tcp4_seq_show in net/ipv4/tcp_ipv4.c, which calls
// get_tcp4_sock for full sockets, get_timewait4_sock for TIME_WAIT (and
// orphaned FIN_WAIT2) mini-sockets and get_openreq4 for request sockets;
// by tcp6_seq_show and its get_tcp6_sock / get_timewait6_sock /
// get_openreq6 in net/ipv6/tcp_ipv6.c; and by udp4_seq_show /
// udp4_format_sock in net/ipv4/udp.c; and by udp6_seq_show in
// net/ipv6/udp.c through __ip6_dgram_sock_seq_show in net/ipv6/datagram.c.
// A full TCP row:
//
//	sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
//	 6: 0100007F:D0BA 0100007F:8239 01 00000000:00000064 02:0000EA1E 00000000     0        0 792881 3 0000000024e42255 20 4 30 10 -1
//
// Column by column, with its printf verb and what Parse makes of it:
//
//	sl             %4d:    slot (a counter; for UDP the hash bucket); checked, not kept
//	local/remote   %08X:%04X per 32-bit word of the address, then the port
//	st             %02X    state, numbered as collect.State (tcp_states.h); UDP: 07 unconnected, 01 connected
//	tx_queue       %08X    SendQ: bytes not yet acknowledged (UDP: bytes queued to send)
//	rx_queue       %08X    RecvQ: bytes not yet read; for a listener, the accept queue length
//	tr:tm->when    %02X:%08lX  the running timer (0 none, 1 retransmit, 2 keepalive, 3 TIME_WAIT,
//	               4 zero-window probe) and the time until it fires, jiffies_delta_to_clock_t:
//	               hex clock_t ticks of 1/USER_HZ = 10 ms -> TCPInfo.Timer, TimerExpires
//	               (in ms, at most collect.MaxMillis, 49.7 days; older kernels wrapped an
//	               overdue timer to nearly 2^64: read as 0, due now)
//	retrnsmt       %08X    icsk_retransmits -> TCPInfo.Retransmits
//	uid            %5u     UID (the listener's for a request socket; 0 for a timewait
//	               mini-socket, which has no owner: HasUID is false there)
//	timeout        %8d     icsk_probes_out (0 for UDP); checked, not kept
//	inode          %lu     Inode; 0 when no file refers to the socket
//	ref, pointer   %d %pK  checked, not kept; TIME_WAIT and request rows end here
//	rto            %lu     jiffies_to_clock_t(icsk_rto), decimal ticks -> TCPInfo.RTO
//	               (in µs, at most collect.MaxMicros, 71.6 minutes; TCP_RTO_MAX is 120 s)
//	ato, quick     %lu %u  checked, not kept
//	snd_cwnd       %u      TCPInfo.SndCwnd, in segments
//	ssthresh       %d      TCPInfo.SndSsthresh; -1 while "infinite" (before the first loss),
//	               and a listener's TCP Fast Open queue limit instead: both kept as 0, unknown
//
// UDP rows end with the drop count (sk_drops, checked, not kept; old kernels
// stop at the pointer). The kernel pads TCP rows with spaces to a fixed width.
//
// Addresses are the in-kernel __be32 words printed with %08X, which shows
// each word in the byte order of the machine that wrote the table:
// 127.0.0.1 reads 0100007F on a little-endian machine, 7F000001 on a
// big-endian one. Parse assumes this machine's order; ParseOrder takes the
// writer's. An unconnected remote end is all zeros and comes out as
// 0.0.0.0:0 or [::]:0 (valid, unspecified); IPv4-mapped addresses in tcp6
// stay IPv6 (::ffff:127.0.0.1), as the kernel reports them.
//
// # What /proc does not say
//
// Next to sock_diag, these tables lack the socket cookie, RTT, MSS, byte
// counts and, for a listener, the backlog limit that sock_diag puts in
// SendQ (here tx_queue is 0 for listeners). Those fields stay zero, and a
// listener's row says its SendQ is unknown (NoSendQ). TCPInfo
// is set when the row has the full socket's columns or a running timer, the
// same rule as the sock_diag decoder, and is nil otherwise and for UDP.
//
// # Hostile input
//
// A malformed row is an error that names its line and the problem; rows are
// never skipped. Lines are bounded by MaxLineLen and tables by MaxRows.
// Parsing works on the bytes in place: the only allocation per row is the
// TCPInfo, besides growing dst.
package procnet
