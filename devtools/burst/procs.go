package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The processes the program starts: moto_server, for DynamoDB and its
// stream, and with -busy, a process that keeps one core busy. Each is
// stopped by its own process ID when the run ends.

// measuredEnv returns env without what must not reach a measured process:
// the AWS settings of whoever runs the program (moto_server builds boto3
// sessions, which a profile missing from ~/.aws breaks) and the custom CA
// bundles some machines set, which the AWS SDKs and Python's TLS stack read
// on every client they make.
func measuredEnv(env []string) []string {
	kept := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AWS_") || caVariable(name) {
			continue
		}
		kept = append(kept, kv)
	}
	return kept
}

// caVariable reports whether name is an environment variable that points a
// TLS client at a custom CA bundle: AWS_CA_BUNDLE and its kind.
func caVariable(name string) bool {
	for _, s := range []string{"CA_BUNDLE", "SSL_CERT", "CA_CERTS", "CAINFO", "SSL_ROOTS"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return name == "PIP_CERT"
}

// moto is a moto_server on a loopback port.
type moto struct {
	endpoint string
	cmd      *exec.Cmd
	exited   chan struct{}
	out      *syncBuffer
}

// startMoto runs moto_server on a free loopback port and waits until it
// answers.
func startMoto() (*moto, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, fmt.Errorf("moto_server is not on PATH (%v); install it with: pip install 'moto[server]'", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	m := &moto{endpoint: "http://127.0.0.1:" + strconv.Itoa(port), exited: make(chan struct{}), out: &syncBuffer{}}
	m.cmd = exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	m.cmd.Env = measuredEnv(os.Environ())
	m.cmd.Stdout, m.cmd.Stderr = m.out, m.out
	// A pyenv or virtualenv shim may start the server as its child; a
	// process group of its own lets stop reach both.
	setProcessGroup(m.cmd)
	m.cmd.WaitDelay = 5 * time.Second
	if err := m.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	go func() {
		m.cmd.Wait()
		close(m.exited)
	}()
	if err := m.waitReady(20 * time.Second); err != nil {
		m.stop()
		return nil, fmt.Errorf("moto_server: %w\n%s", err, m.out.String())
	}
	return m, nil
}

func (m *moto) waitReady(limit time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-m.exited:
			return errors.New("exited before it was ready")
		default:
		}
		resp, err := client.Get(m.endpoint + "/moto-api/")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %v", limit)
}

// stop kills the server and waits for it to exit.
func (m *moto) stop() {
	killProcessGroup(m.cmd)
	select {
	case <-m.exited:
	case <-time.After(10 * time.Second):
		fmt.Fprintf(os.Stderr, "burst: moto_server (pid %d) did not exit after being killed\n", m.cmd.Process.Pid)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

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
	cmd.Env = append(measuredEnv(os.Environ()), spinEnv+"=1", "GOMAXPROCS=1")
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
