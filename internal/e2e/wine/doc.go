// Package wine runs the Windows build of gonetstat for real, under wine,
// on a Linux machine: its test (root only) builds gonetstat.exe, starts a
// wine session with a prefix of its own inside a network namespace it
// creates, opens known TCP and UDP sockets there, and checks what
// gonetstat.exe prints: the exact -ano table with CRLF line endings, and
// that -s, -r, -e and --json run. It also runs the Windows collector's own
// test binary (platform/iphlpapi, with its Windows-only live tests) there.
//
// Wine answers iphlpapi from the Linux kernel: nsiproxy.sys, hosted in a
// winedevice.exe of the session, reads /proc/net/{tcp,tcp6,udp,udp6} and
// the counters beside them. Starting the whole session in the namespace
// puts that reader there, so it sees the test's sockets and nothing else.
// Wine gives every socket whose owner is not a wine process PID 0: the
// PIDs of the Windows collector are checked by its fixture tests, not here.
//
// The package holds nothing but that test; docs/platforms.md ("Testing
// under wine") says how to run it, and the same steps by hand.
package wine
