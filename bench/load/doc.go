// Command load holds a static set of loopback sockets for the benchmark of
// issue 5 (bench/run.sh, docs/performance.md): N TCP sockets and N/10 UDP
// sockets spread over P worker processes, plus idle processes with a few
// descriptors each, until it is told to stop.
//
//	load -tcp 100000 [-udp 10000] [-procs 0] [-idle 50] [-ready FILE]
//	load -tcp 0 -udp 0 -procs 0 -idle 2000   # only idle processes
//
// The TCP sockets are established pairs (client and server end in one
// worker), listeners, FIN_WAIT2/CLOSE_WAIT pairs (the client shut its write
// side) and unaccepted connections (the server end waits in a listener's
// accept queue and no process owns it); a quarter of each kind is on ::1,
// the rest between several 127.x addresses. Clients bind their source
// address with IP_BIND_ADDRESS_NO_PORT, so the port is chosen at connect
// time for the full 4-tuple and 100,000 connections do not exhaust the
// ephemeral range. Half of the UDP sockets are connected to another.
//
// Sockets are raw descriptors (golang.org/x/sys/unix), not net.Conn: no
// finalizer can close one, and TCP keep-alive stays off as the kernel
// defaults it (Go's net package turns on a 15 s keep-alive, whose probes
// in bursts overflow loopback backlogs and reset idle connections).
//
// It raises RLIMIT_NOFILE itself. When every worker is ready it prints one
// line "ready tcp=T udp=U sockets=S processes=P" on stdout (and writes it
// to -ready FILE), then holds the set until SIGINT, SIGTERM or the end of
// its stdin, and stops every process it started. Workers and idle
// processes also die with it (PR_SET_PDEATHSIG), so a killed generator
// leaves nothing behind.
//
// It is Linux only and lives in the main module because it needs nothing
// beyond golang.org/x/sys, and so that `go test ./...` runs its test.
package main
