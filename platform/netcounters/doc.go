// Package netcounters reads the kernel's host-wide network counters: the
// per-interface traffic of /proc/net/dev (gonetstat -e), into the collect
// model.
//
// # A pure parser, a thin reader
//
// ParseDev takes bytes, carries no build tag and is fuzzed on any machine
// (so a bundle's /proc/net copies can be read back anywhere); read_linux.go
// only fetches the file. Every file under /proc/net is a view of the
// reading thread's network namespace: to read another namespace, read
// <proc>/thread-self/net/... on a thread inside it (platform uses netns.Do
// for that).
//
// # The format
//
// /proc/net/dev (net/core/net-procfs.c, dev_seq_show) has two header lines
// and one line per interface, "name: " then 8 receive and 8 transmit
// columns. ParseDev finds the columns by the names on the second header
// line (bytes packets errs drop ... multicast | bytes packets errs drop
// ...), so a column added later does not shift the others.
//
// Lines are bounded by MaxLineLen and files by MaxLines; a malformed line
// is an error naming it, never a skipped row.
package netcounters
