//go:build !unix

package main

import "os/exec"

// setProcessGroup does nothing where process groups are not available.
func setProcessGroup(cmd *exec.Cmd) {}

// killProcessGroup kills the process itself where process groups are not
// available.
func killProcessGroup(cmd *exec.Cmd) {
	_ = cmd.Process.Kill()
}
