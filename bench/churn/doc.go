// Command churn measures how often gonetstat misses the owner of a socket,
// and whether every PID it shows is right, while connections come and go
// (issue 11; docs/performance.md, "Owners under churn"). Run it as root
// inside a network namespace of its own, as bench/churn.sh does:
//
//	churn -gonetstat PATH [-gonetstat before=PATH] [-rate 2000] [-life 1s]
//	      [-workers 4] [-runs 20] [-warmup 2s] [-target 0.5]
//
// Worker processes (this binary re-executed) each listen on an address of
// their own, 127.77.0.1, 127.77.0.2, ..., and open connections to
// themselves from that same address at their share of -rate per second,
// accepting each one, holding both ends for a lifetime drawn uniformly
// from 0 to twice -life, then closing them (nine in ten with a reset, so
// TIME_WAIT does not fill the table; the rest with a FIN). So every socket
// whose local address is a worker's is held by that worker alone, and the
// worker's PID is the one right answer for its rows.
//
// Meanwhile the parent runs each tool -runs times, in turn: every
// gonetstat given (gonetstat -ano --json) and ss -tuanpe (the peer: the
// same /proc/*/fd scan as ss -tuanp, with -e for the inodes). For every
// row at a worker's address it counts the owned rows (an inode other than
// 0: a file refers to the socket, so a process holds it), the owned rows
// shown without a PID, and the PIDs shown, each checked against the
// worker's. It prints the figures with the rate the workers reached and
// the load average; it exits 1 when a PID is wrong, when no row was
// checked, or when the first gonetstat misses -target percent of owned
// rows or more (-target 0: no threshold, as in the smoke run of
// scripts/test.sh, where noise must not fail the suite).
//
// Every loop is bounded: workers stop opening after -duration even if the
// parent is gone (and die with it: PR_SET_PDEATHSIG), and the parent's
// runs are counted.
package main
