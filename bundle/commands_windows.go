// commands_windows.go starts a command in a process group of its own; at
// the deadline the process is killed (Windows has no group kill without a
// job object, and none of the --with-commands tools exist there).

package bundle

import (
	"os/exec"
	"syscall"
)

func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

func killGroup(cmd *exec.Cmd) error { return cmd.Process.Kill() }
