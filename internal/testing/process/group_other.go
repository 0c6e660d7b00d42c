//go:build !unix

package process

import "os/exec"

// SetGroup does nothing where process groups are not available.
func SetGroup(cmd *exec.Cmd) {}

// Terminate kills the process: there is no portable polite signal.
func Terminate(cmd *exec.Cmd) {
	_ = cmd.Process.Kill()
}

// KillGroup kills only the process itself where process groups are not
// available.
func KillGroup(cmd *exec.Cmd) {
	_ = cmd.Process.Kill()
}
