//go:build !unix

package rie

import "os/exec"

// setProcessGroup is a no-op where process groups are not available.
func setProcessGroup(cmd *exec.Cmd) {}

// terminate kills the process: there is no portable polite signal.
func terminate(cmd *exec.Cmd) {
	_ = cmd.Process.Kill()
}

// killProcessGroup kills only the process itself where process groups are
// not available.
func killProcessGroup(cmd *exec.Cmd) {
	_ = cmd.Process.Kill()
}
