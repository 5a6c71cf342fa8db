//go:build unix && !linux

// elevated_unix.go: root is elevated.

package bundle

import "os"

func sysElevated() bool { return os.Geteuid() == 0 }
