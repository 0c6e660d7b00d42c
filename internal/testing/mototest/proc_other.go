//go:build !unix

package mototest

import "os/exec"

// setProcessGroup is a no-op where process groups are not available.
func setProcessGroup(cmd *exec.Cmd) {}

// killProcessGroup kills only the process itself where process groups are
// not available.
func killProcessGroup(cmd *exec.Cmd) {
	_ = cmd.Process.Kill()
}
