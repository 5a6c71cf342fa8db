// Package core is the mini-stack's center, in gVisor's shape: it owns the
// NICs, the routing table, the registration of protocols, the stack-wide
// counters and the memory budget, and imports no protocol. ARP, IPv4,
// ICMP, UDP and TCP register themselves into a Stack; sockets sit on top.
//
// Lock order: Stack.mu before any protocol's lock. Frames handed to a
// protocol are only valid during the call (the link reuses its buffer):
// whatever a protocol keeps, it copies.
package core
