// Package netns finds network namespaces and runs code inside one.
//
// A network namespace is a separate copy of the network stack: its own
// interfaces, routes and socket tables. The kernel names it by the inode
// of its nsfs file (what readlink /proc/PID/ns/net shows as net:[inode]);
// `ip netns add NAME` keeps one alive by bind-mounting that file at
// /run/netns/NAME.
//
// Ownership and lifetimes: a Namespace is a plain value describing where a
// namespace can be opened; it holds no file descriptor, so a namespace may
// disappear between List and Do (Do then reports it). Do enters a namespace
// on a fresh goroutine whose OS thread is locked for the whole call, so no
// other goroutine ever runs in the foreign namespace; when the thread cannot
// be put back into the caller's namespace it is left locked and the
// goroutine ends, which makes the Go runtime terminate that thread instead of
// reusing it.
//
// The pure part (Spec parsing, the Error type, ordering) carries no build
// tag; the system calls are in netns_linux.go, and other systems get
// collect.ErrUnsupported.
package netns
