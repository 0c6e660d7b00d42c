// Package rie runs a function's bootstrap binary under the AWS Lambda Runtime
// Interface Emulator, much like "sam local invoke" but without Docker: the
// same binary, runtime API and environment handling that Lambda uses, on the
// local machine.
//
// It serves both the tests (through internal/testing/lambdatest) and the local invoke
// command in cmd/invoke.
package rie

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"example.com/appointments/internal/testing/process"
)

// Tool is the tool directive in go.mod that pins the emulator's version.
const Tool = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

const (
	startTimeout = 10 * time.Second
	stopTimeout  = 5 * time.Second
)

// BuildEmulator returns the path of the emulator binary at the version pinned
// by the tool directive in the go.mod of the module containing dir.
//
// It uses "go tool -n", which builds the tool into the go build cache and
// prints its location, so repeated calls reuse one binary. ctx bounds the
// build.
func BuildEmulator(ctx context.Context, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "tool", "-n", Tool)
	cmd.Dir = dir
	// On cancellation only the go command itself is killed; do not wait
	// forever for a compiler it started that still holds the output pipe.
	cmd.WaitDelay = stopTimeout
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go tool -n %s: %w\n%s", Tool, err, stderr.Bytes())
	}
	path := strings.TrimSpace(string(out))
	if path == "" {
		return "", fmt.Errorf("go tool -n %s printed no path", Tool)
	}
	return path, nil
}

// Config says what to run.
type Config struct {
	// Emulator is the emulator binary, as returned by BuildEmulator.
	Emulator string
	// Bootstrap is the function's bootstrap binary, built for this machine.
	Bootstrap string
	// Env holds "KEY=value" entries for the function's environment. They
	// take precedence over the defaults described at Start.
	Env []string
}

// Function is a bootstrap running under the emulator. Like a single Lambda
// execution environment it handles one invocation at a time.
type Function struct {
	endpoint  string
	invokeURL string
	dir       string
	outPath   string
	cmd       *exec.Cmd
	exited    chan struct{}
	waitErr   error

	// invokeMu serialises invocations: the emulator rejects a second request
	// while one is in flight instead of queueing it.
	invokeMu sync.Mutex

	closeOnce sync.Once
	closeErr  error

	// outMu guards closed and finalOutput, which keep the output readable
	// after Close has removed the directory holding it.
	outMu       sync.Mutex
	closed      bool
	finalOutput string
}

// Start runs cfg.Bootstrap under the emulator on free loopback ports and waits
// until the emulator accepts connections, at most 10 seconds or until ctx is
// done. The bootstrap itself is started lazily by the emulator on the first
// Invoke, as on a Lambda cold start.
//
// The process gets a minimal environment: PATH, an empty HOME (so the AWS SDK
// finds no ~/.aws files), TZ=UTC, the variables Lambda always sets
// (AWS_REGION and AWS_DEFAULT_REGION us-east-1, AWS_LAMBDA_FUNCTION_NAME
// "function", a memory size of 128 MB, a timeout of 10 seconds, and JSON
// logs at INFO) and
// cfg.Env, whose entries take precedence. Nothing else is inherited, in
// particular none of the caller's AWS_* variables.
//
// The caller must call Close.
func Start(ctx context.Context, cfg Config) (*Function, error) {
	if cfg.Emulator == "" {
		return nil, errors.New("no emulator binary given")
	}
	bootstrap, err := filepath.Abs(cfg.Bootstrap)
	if err != nil {
		return nil, fmt.Errorf("resolve bootstrap path: %w", err)
	}
	if _, err := os.Stat(bootstrap); err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}

	dir, err := os.MkdirTemp("", "rie-")
	if err != nil {
		return nil, fmt.Errorf("create working directory: %w", err)
	}
	f, err := start(ctx, cfg, bootstrap, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return f, nil
}

func start(ctx context.Context, cfg Config, bootstrap, dir string) (*Function, error) {
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		return nil, fmt.Errorf("create HOME: %w", err)
	}
	// A file rather than a pipe: the emulator hands its stdout to the
	// bootstrap, so the function writes straight into it and every line it
	// logged is readable as soon as Invoke returns, with no copying goroutine
	// lagging behind.
	out, err := os.Create(filepath.Join(dir, "output.log"))
	if err != nil {
		return nil, fmt.Errorf("create output file: %w", err)
	}
	defer out.Close()

	ports, err := process.FreePorts(2)
	if err != nil {
		return nil, err
	}
	apiAddr := "127.0.0.1:" + strconv.Itoa(ports[0])
	runtimeAddr := "127.0.0.1:" + strconv.Itoa(ports[1])

	cmd := exec.Command(cfg.Emulator,
		"--runtime-interface-emulator-address", apiAddr,
		"--runtime-api-address", runtimeAddr,
		bootstrap)
	// The emulator runs the bootstrap in its own working directory, and
	// Lambda's is the one holding the bootstrap (/var/task).
	cmd.Dir = filepath.Dir(bootstrap)
	// Lambda always sets the region and runs in UTC; without TZ the
	// function would use the machine's zone and hide date bugs.
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"TZ=UTC",
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_LAMBDA_FUNCTION_NAME=function",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=10",
		// What Lambda sets for a function whose LoggingConfig has
		// LogFormat JSON, as template.yaml's functions do.
		"AWS_LAMBDA_LOG_FORMAT=JSON",
		"AWS_LAMBDA_LOG_LEVEL=INFO",
	}, cfg.Env...)
	cmd.Stdout = out
	cmd.Stderr = out
	process.SetGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start emulator: %w", err)
	}

	f := &Function{
		endpoint:  "http://" + apiAddr,
		invokeURL: "http://" + apiAddr + "/2015-03-31/functions/function/invocations",
		dir:       dir,
		outPath:   out.Name(),
		cmd:       cmd,
		exited:    make(chan struct{}),
	}
	go func() {
		f.waitErr = cmd.Wait()
		close(f.exited)
	}()

	if err := f.waitListening(ctx, apiAddr); err != nil {
		select {
		case <-f.exited:
			err = fmt.Errorf("%w (exit: %v)", err, f.waitErr)
		default:
		}
		if cerr := f.stop(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		return nil, fmt.Errorf("emulator did not become ready: %w\noutput:\n%s", err, f.finalOutput)
	}
	return f, nil
}

// Endpoint is the base URL of the emulator's Invoke API, for a Lambda
// client that invokes the function by the name "function".
func (f *Function) Endpoint() string { return f.endpoint }

// waitListening dials addr until it accepts a connection, the emulator exits,
// ctx is done or startTimeout elapses.
func (f *Function) waitListening(ctx context.Context, addr string) error {
	const interval = 20 * time.Millisecond
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	var dialer net.Dialer
	var lastErr error
	for {
		select {
		case <-f.exited:
			return errors.New("emulator exited before it was ready")
		default:
		}
		dialCtx, dialCancel := context.WithTimeout(ctx, time.Second)
		conn, err := dialer.DialContext(dialCtx, "tcp", addr)
		dialCancel()
		if err == nil {
			conn.Close()
			return nil
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up: %w (last attempt: %v)", ctx.Err(), lastErr)
		case <-f.exited:
			return errors.New("emulator exited before it was ready")
		case <-time.After(interval):
		}
	}
}

// FunctionError is an invocation that the function itself failed: its
// handler returned an error, it panicked or it ran out of time. Lambda
// reports these with the X-Amz-Function-Error header; the emulator does not,
// so Invoke recognises them by their payload.
type FunctionError struct {
	// Type is Lambda's errorType, such as "errorString", "Runtime.ExitError"
	// or "Sandbox.Timedout".
	Type string
	// Message is Lambda's errorMessage.
	Message string
	// Payload is the response body as the emulator returned it.
	Payload []byte
}

func (e *FunctionError) Error() string {
	return fmt.Sprintf("function error: %s: %s", e.Type, e.Message)
}

// Invoke sends payload to the function, as "aws lambda invoke" would, and
// returns the response body.
//
// When the function failed, Invoke returns a *FunctionError holding its
// error payload. Any other error means the invocation did not complete: the
// emulator answered with an unexpected status, the runtime exited without
// reporting an error (for example on a configuration error during init), or
// ctx ended first.
func (f *Function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	f.invokeMu.Lock()
	defer f.invokeMu.Unlock()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.invokeURL, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("invoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("invoke: read response: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		if fe := functionError(body); fe != nil {
			return nil, fe
		}
		return body, nil
	case resp.StatusCode == http.StatusBadGateway && len(body) > 0:
		// What the emulator answers when the runtime crashed and reported
		// why, for example a panic in the handler.
		if fe := functionError(body); fe != nil {
			return nil, fe
		}
		return nil, &FunctionError{Type: "Unknown", Message: string(body), Payload: body}
	case resp.StatusCode == http.StatusBadGateway:
		// What the emulator answers when the bootstrap exits before it
		// reaches the runtime API, for example on a configuration error.
		return nil, fmt.Errorf("invoke: status %s with no error payload: the runtime exited before handling the event", resp.Status)
	default:
		return nil, fmt.Errorf("invoke: status %s: %s", resp.Status, body)
	}
}

// timedOutPrefix starts the plain-text body the emulator answers, with status
// 200, when the function exceeds its timeout.
const timedOutPrefix = "Task timed out after "

// functionError returns the error body describes, or nil if body is an
// ordinary response. Lambda's error payload is a JSON object with
// errorMessage and errorType and at most a stack trace besides; an ordinary
// response with exactly that shape would be misread, which no function in
// this project returns.
func functionError(body []byte) *FunctionError {
	if bytes.HasPrefix(body, []byte(timedOutPrefix)) {
		return &FunctionError{Type: "Sandbox.Timedout", Message: string(body), Payload: body}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil
	}
	var e struct {
		Message *string `json:"errorMessage"`
		Type    *string `json:"errorType"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Message == nil || e.Type == nil {
		return nil
	}
	for k := range fields {
		switch k {
		case "errorMessage", "errorType", "stackTrace":
		default:
			return nil
		}
	}
	return &FunctionError{Type: *e.Type, Message: *e.Message, Payload: body}
}

// Output returns everything the emulator and the function have written to
// stdout and stderr so far. It is safe to call while the function runs, and
// after Close.
func (f *Function) Output() (string, error) {
	f.outMu.Lock()
	defer f.outMu.Unlock()
	if f.closed {
		return f.finalOutput, nil
	}
	b, err := os.ReadFile(f.outPath)
	if err != nil {
		return "", fmt.Errorf("read function output: %w", err)
	}
	return string(b), nil
}

// Close stops the emulator and the bootstrap and removes their working
// directory. It sends SIGTERM first, because the emulator then stops the
// bootstrap, which it started in a process group of its own that killing the
// emulator's group would miss; whatever is left after 5 seconds is killed.
// Close returns an error only if the emulator could not be stopped.
func (f *Function) Close() error {
	f.closeOnce.Do(func() { f.closeErr = f.stop() })
	return f.closeErr
}

func (f *Function) stop() error {
	var err error
	process.Terminate(f.cmd)
	select {
	case <-f.exited:
	case <-time.After(stopTimeout):
		process.KillGroup(f.cmd)
		select {
		case <-f.exited:
		case <-time.After(stopTimeout):
			err = fmt.Errorf("emulator (pid %d) did not exit after being killed", f.cmd.Process.Pid)
		}
	}

	f.outMu.Lock()
	defer f.outMu.Unlock()
	if b, rerr := os.ReadFile(f.outPath); rerr == nil {
		f.finalOutput = string(b)
	} else {
		f.finalOutput = fmt.Sprintf("(output unavailable: %v)", rerr)
	}
	f.closed = true
	if rerr := os.RemoveAll(f.dir); rerr != nil && err == nil {
		err = fmt.Errorf("remove working directory: %w", rerr)
	}
	return err
}
