// Package sockdiag reads the kernel's TCP and UDP socket tables through
// netlink sock_diag, with its own request encoder and reply decoder.
//
// # Protocol
//
// A NETLINK_SOCK_DIAG socket takes one request per table: a struct nlmsghdr
// of type SOCK_DIAG_BY_FAMILY with NLM_F_REQUEST|NLM_F_DUMP, followed by a
// struct inet_diag_req_v2 naming the family (AF_INET, AF_INET6), the
// protocol (IPPROTO_TCP, IPPROTO_UDP), a bit mask of states (all of them
// here, TIME_WAIT and NEW_SYN_RECV included) and the extensions wanted
// (1<<(INET_DIAG_INFO-1) for struct tcp_info). The kernel answers with
// datagrams of at most 32 KiB, each holding netlink messages: one struct
// inet_diag_msg per socket, followed by rtattr attributes, and at the end
// NLMSG_DONE (or NLMSG_ERROR when it refused the request). A message with
// NLM_F_DUMP_INTR says the table changed while it was walked, so rows may
// be missing or repeated. Ports are big-endian, addresses are in network
// order, everything else is in host order; struct tcp_info grows with
// kernel versions, and an old kernel sends a shorter one.
//
// # Layout
//
// wire.go (Request, Decoder) is pure and carries no build tag, so it is
// fuzzed on any machine and tested on reply bytes captured from a real
// kernel in testdata/, against what iproute2's ss (a decoder nobody here
// wrote) said about the same sockets at the same moment (testdata/ss.txt).
// The netlink framing under it (control messages, sequence check,
// ErrFraming, KernelError, MessageError) is platform/nlmsg's, shared with
// platform/rtnl. dump_linux.go (Collector) runs the dumps through nlmsg's
// socket and dump loop; dump_other.go says ErrUnavailable elsewhere.
// The Collector reads the network namespace of the thread that calls
// Collect (the netlink socket is bound to the namespace it was opened
// in); to read another one, call it on a locked OS thread that has
// entered it.
//
// # Why our own decoder
//
// github.com/vishvananda/netlink's SocketDiagTCP drops the rest of a table
// when one message fails to decode (and returns nil), and an interrupted
// dump comes back as rows plus ErrDumpInterrupted. Either can print a
// silently short table. Here a message that cannot be decoded is reported
// as a *MessageError while every good row around it is kept, an
// interrupted dump is retried and, if it stays interrupted, returned with a
// *collect.PartialError, and a kernel that refuses sock_diag gives
// ErrUnavailable so the platform layer can read /proc/net instead.
//
// # References
//
//   - include/uapi/linux/netlink.h: nlmsghdr, NLMSG_*, NLM_F_*
//   - include/uapi/linux/sock_diag.h: SOCK_DIAG_BY_FAMILY
//   - include/uapi/linux/inet_diag.h: inet_diag_req_v2, inet_diag_msg, INET_DIAG_*
//   - include/uapi/linux/tcp.h: struct tcp_info
//   - net/ipv4/inet_diag.c, net/ipv4/tcp_diag.c, net/ipv4/udp_diag.c: what the kernel sends
//   - man 7 sock_diag, man 7 netlink
package sockdiag
