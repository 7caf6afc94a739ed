//go:build !unix

package session

import "os/exec"

// setProcessGroup: no process groups here; a peer is stopped on its own.
func setProcessGroup(*exec.Cmd) {}

// killProcessGroup stops the process started by cmd.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}
