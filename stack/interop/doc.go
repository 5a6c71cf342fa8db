// Package interop holds the mini-stack's interoperability tests against
// the Linux kernel: a peer nobody here wrote. Each test (linux-only, as
// root) makes its own network namespace gnst-tap-<random>, opens a TAP with
// our driver in the test process, moves it into the namespace (the open
// descriptor keeps working), gives the kernel's side 198.18.0.1/24 there
// and runs a mini-stack at 198.18.0.2/24 in-process. Kernel-side clients
// and servers run inside the namespace: curl and ping through
// "ip netns exec", Go sockets opened on a thread that entered it.
//
// No traffic leaves the namespace: 198.18.0.0/15 is the benchmarking
// range (RFC 2544), and the namespace has no other interface.
package interop
