//go:build unix

package mototest

import (
	"os/exec"
	"syscall"
)

// setProcessGroup makes cmd the leader of a new process group so that
// killProcessGroup reaches its children too.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killProcessGroup sends SIGKILL to the process group led by cmd. moto keeps
// everything in memory, so there is nothing to shut down gracefully.
func killProcessGroup(cmd *exec.Cmd) {
	// The group id equals the leader's pid because of Setpgid.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
