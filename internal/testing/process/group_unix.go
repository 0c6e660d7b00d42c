//go:build unix

package process

import (
	"os/exec"
	"syscall"
)

// SetGroup makes cmd the leader of a new process group, so that KillGroup
// reaches its children too (moto_server is often started through a pyenv
// or virtualenv shim that runs it as its child), and so that a Ctrl-C meant
// for the caller does not reach the process before the caller stops it in
// order.
func SetGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// Terminate asks the process to shut down cleanly.
func Terminate(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
}

// KillGroup sends SIGKILL to the process group that cmd leads.
func KillGroup(cmd *exec.Cmd) {
	// The group's ID is the leader's process ID, because of Setpgid.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
