//go:build unix

package rie

import (
	"os/exec"
	"syscall"
)

// setProcessGroup makes cmd the leader of a new process group so that
// killProcessGroup reaches its children too, and so that a Ctrl-C meant for
// the caller does not reach the emulator before Close can stop it in order.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// terminate asks the process to shut down cleanly.
func terminate(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
}

// killProcessGroup sends SIGKILL to the process group led by cmd.
func killProcessGroup(cmd *exec.Cmd) {
	// The group id equals the leader's pid because of Setpgid.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
