//go:build unix

package session

import (
	"os/exec"
	"syscall"
)

// setProcessGroup makes cmd the leader of a new process group so that a
// pipeline it starts can be stopped as a whole.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killProcessGroup stops the process group started by cmd.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		// ESRCH when the group has already exited, which is as good.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
