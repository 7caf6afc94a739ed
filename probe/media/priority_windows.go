package media

import (
	"os/exec"
	"syscall"
)

// belowNormalPriorityClass is Windows' BELOW_NORMAL_PRIORITY_CLASS, the
// counterpart of backgroundNice.
const belowNormalPriorityClass = 0x00004000

// startBackground starts cmd in the below-normal priority class.
func startBackground(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.CreationFlags |= belowNormalPriorityClass
	return cmd.Start()
}
