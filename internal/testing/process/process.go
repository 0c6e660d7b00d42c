// Package process starts the helper processes of tests and measurements
// (moto_server, the Runtime Interface Emulator, the local server) on
// loopback ports and stops them with whatever they started. It is test
// tooling: nothing under functions/ links it.
package process

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"sync"
)

// FreePort returns a loopback TCP port that was free a moment ago. Another
// process could take it before the caller's process binds it; that process
// then fails to start, and its caller reports its output.
func FreePort() (int, error) {
	ports, err := FreePorts(1)
	if err != nil {
		return 0, err
	}
	return ports[0], nil
}

// FreePorts returns n distinct loopback TCP ports that were free a moment
// ago. Every listener stays open until all the ports are chosen, so that
// the kernel cannot hand out the same port twice.
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Output collects a process's standard output and error. It may be written
// by the process's output copier while its owner reads it.
type Output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Output) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Output) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// WithoutAWS returns env without the AWS settings of whoever runs the
// caller: moto_server builds boto3 sessions, which a profile missing from
// ~/.aws breaks, and a process that is measured must not pick up a
// developer's profile or endpoint.
func WithoutAWS(env []string) []string {
	kept := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_") {
			kept = append(kept, kv)
		}
	}
	return kept
}
