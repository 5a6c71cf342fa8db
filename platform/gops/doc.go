// Package gops reads the socket table, process names and interface
// counters of macOS and FreeBSD, through github.com/shirou/gopsutil/v4
// and the system's own tools, and converts them to gonetstat's model.
//
// Where the data comes from (docs/platforms.md says why):
//
//   - macOS sockets: gopsutil's net.ConnectionsWithContext, which runs
//     `lsof -a -n -P -i tcp -i udp` and parses its columns
//     (FromConnection converts each row it returns);
//   - FreeBSD sockets: sockstat(1) from the base system, run and parsed
//     here (ParseSockstat), because lsof is a port FreeBSD does not ship
//     and sockstat names each socket (-i) where lsof's rows, as gopsutil
//     keeps them, do not;
//   - process names (-b): gopsutil's process package, one lookup per
//     process per snapshot (Names);
//   - interface counters (-e): gopsutil's net.IOCountersWithContext,
//     which parses `netstat -ibdnW` (FromIOCounters).
//
// Everything that converts or parses is pure Go without build tags, so it
// is tested (and fuzzed) on any system; only the files tagged darwin or
// freebsd run commands and call gopsutil.
//
// Rows of one socket: both sources list a socket once per process and
// descriptor that holds it. Assemble folds those rows into one row per
// socket (by sockstat's socket ID, or by addresses and state where lsof
// gives no ID), owned by the lowest PID and counting its holders, as the
// Linux owner scan does.
package gops
