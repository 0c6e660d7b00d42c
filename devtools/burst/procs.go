package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"

	"example.com/appointments/internal/testing/process"
)

// The processes the program starts besides moto_server (which mototest
// starts): with -busy, a process that keeps one core busy. It is stopped by
// its own process ID when the run ends.

// spinEnv, set in the environment of this program's own executable, makes
// it the busy process: it keeps one core busy until its standard input
// closes, which happens when the process that started it exits.
const spinEnv = "BURST_SPIN"

// spin keeps one core busy until standard input closes.
func spin() {
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	n := 0
	for {
		n++
	}
}

// startBusy starts a copy of this program that keeps one core busy, and
// returns the function that stops it.
func startBusy() (stop func(), err error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(process.WithoutAWS(os.Environ()), spinEnv+"=1", "GOMAXPROCS=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the busy process: %w", err)
	}
	return func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	}, nil
}
