//go:build unix && !linux

package media

import (
	"os/exec"
	"syscall"
)

// startBackground starts cmd and lowers its priority to backgroundNice (on
// macOS and the BSDs the nice value belongs to the whole process). Failing
// to lower it is not worth failing the analysis for.
func startBackground(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, cmd.Process.Pid, backgroundNice)
	return nil
}
