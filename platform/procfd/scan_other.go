//go:build !linux

// scan_other.go: without Linux's getdents64 and *at calls, the scan reads
// the tree with the portable os calls (a fixture, or a copy of a Linux
// /proc); no other system has a /proc of this shape.

package procfd

func openOS(root string) (procDir, error) { return openPortable(root) }
