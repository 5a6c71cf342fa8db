// elevated_windows.go: an elevated token (an administrator's, run as
// administrator) is elevated.

package bundle

import "golang.org/x/sys/windows"

func sysElevated() bool { return windows.GetCurrentProcessToken().IsElevated() }
