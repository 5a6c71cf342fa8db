//go:build unix

// commands_unix.go puts a command in a process group of its own and kills
// the group: a tool's children die with it at the deadline.

package bundle

import (
	"os/exec"
	"syscall"
)

func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

func killGroup(cmd *exec.Cmd) error {
	// The group's id is the child's PID (Setpgid with Pgid 0).
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
