// Package nlmsg is the netlink framing and dump loop that platform/sockdiag
// and platform/rtnl share: the nlmsghdr constants, a Scanner that splits a
// received buffer into messages and handles the control messages
// (NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN, NLM_F_DUMP_INTR, the
// sequence check), the typed errors, and on Linux the socket and the
// send-then-receive-until-DONE loop, retried when the kernel marks a dump
// interrupted.
//
// What a message means is the caller's: a Scanner hands out the data
// messages, and Dump.Decode receives them one at a time, so the protocol
// packages keep their decoders and this one knows no payload.
//
// scan.go is pure (no build tag), so the framing is tested and fuzzed on
// any machine through the decoders built on it; dump_linux.go is the only
// file that makes system calls. nltest is a function-backed fake of the
// socket (a Conn) for the tests of dump loops.
//
// Ownership: a Message's Data points into the buffer it was scanned from,
// which Dump reuses for the next datagram; a decoder copies what it keeps.
//
// References: include/uapi/linux/netlink.h (nlmsghdr, NLMSG_*, NLM_F_*),
// man 7 netlink, net/netlink/af_netlink.c (netlink_dump: at most 32 KiB a
// datagram for a reader whose buffer is larger).
package nlmsg
