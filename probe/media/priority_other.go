//go:build !unix && !windows

package media

import "os/exec"

// startBackground starts cmd; this system has no priorities to lower.
func startBackground(cmd *exec.Cmd) error { return cmd.Start() }
