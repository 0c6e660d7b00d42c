// Package lambdatest runs a function's real bootstrap binary under the AWS
// Lambda Runtime Interface Emulator, much like "sam local invoke" but without
// Docker, so tests exercise the same binary, runtime API and environment
// handling that Lambda uses.
//
// It is meant to be imported only from _test.go files.
package lambdatest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// emulatorTool is the tool directive in go.mod that pins the emulator.
	emulatorTool = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

	buildTimeout  = 5 * time.Minute
	startTimeout  = 10 * time.Second
	invokeTimeout = 30 * time.Second
	stopTimeout   = 5 * time.Second
)

// RepoRoot returns the directory containing go.mod, found by walking up from
// the working directory (which go test sets to the package under test).
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("get working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod found above the working directory")
		}
		dir = parent
	}
}

// BuildBootstrap builds the function with the given SAM logical ID (for
// example "SubmitFunction") through its Makefile target, the same way
// "sam build" does, and returns the path of the resulting bootstrap binary.
func BuildBootstrap(t testing.TB, logicalID string) string {
	t.Helper()
	dir := t.TempDir()
	// GOARCH is forced to the host's so the binary runs here even when the
	// deployed architecture differs.
	run(t, RepoRoot(t), "make", "build-"+logicalID, "ARTIFACTS_DIR="+dir, "GOARCH="+runtime.GOARCH)
	bootstrap := filepath.Join(dir, "bootstrap")
	if _, err := os.Stat(bootstrap); err != nil {
		t.Fatalf("make build-%s did not produce a bootstrap: %v", logicalID, err)
	}
	return bootstrap
}

// BuildEmulator returns the path of the Runtime Interface Emulator binary at
// the version pinned by the tool directive in go.mod.
//
// It uses "go tool -n", which builds the tool into the go build cache and
// prints its location, so repeated calls, and later test runs, reuse one
// binary instead of copying it into every test's directory.
func BuildEmulator(t testing.TB) string {
	t.Helper()
	path, err := emulatorPath()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// emulatorPath asks the go command for the emulator once per test process;
// the answer cannot change while the process runs.
var emulatorPath = sync.OnceValues(func() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "tool", "-n", emulatorTool)
	cmd.Dir = root
	cmd.WaitDelay = stopTimeout
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go tool -n %s: %v\n%s", emulatorTool, err, stderr.Bytes())
	}
	return strings.TrimSpace(string(out)), nil
})

// Function is a bootstrap running under the emulator. Like a single Lambda
// execution environment it handles one invocation at a time.
type Function struct {
	invokeURL string
	outPath   string

	// mu serialises invocations: the emulator rejects a second request while
	// one is in flight instead of queueing it.
	mu sync.Mutex
}

// Start runs bootstrap under the emulator on free loopback ports and waits
// until the emulator accepts connections. The bootstrap itself is started
// lazily by the emulator on the first Invoke, as on a Lambda cold start.
//
// The process gets a minimal environment: PATH, an empty HOME (so the AWS SDK
// finds no ~/.aws files), the variables Lambda always sets, and env, whose
// entries take precedence. Nothing else is inherited, in particular none of
// the caller's AWS_* variables. Everything is stopped when the test finishes,
// and the emulator and function output is logged if the test failed.
func Start(t testing.TB, bootstrap string, env []string) *Function {
	t.Helper()
	emulator := BuildEmulator(t)

	bootstrap, err := filepath.Abs(bootstrap)
	if err != nil {
		t.Fatalf("resolve bootstrap path: %v", err)
	}
	if _, err := os.Stat(bootstrap); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}

	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatalf("create HOME: %v", err)
	}
	// A file rather than a pipe: the emulator hands its stdout to the
	// bootstrap, so the function writes straight into it and every line it
	// logged is readable as soon as Invoke returns, with no copying goroutine
	// lagging behind.
	out, err := os.Create(filepath.Join(dir, "output.log"))
	if err != nil {
		t.Fatalf("create output file: %v", err)
	}
	defer out.Close()

	ports := freePorts(t, 2)
	apiAddr := "127.0.0.1:" + strconv.Itoa(ports[0])
	runtimeAddr := "127.0.0.1:" + strconv.Itoa(ports[1])
	f := &Function{
		invokeURL: "http://" + apiAddr + "/2015-03-31/functions/function/invocations",
		outPath:   out.Name(),
	}

	cmd := exec.Command(emulator,
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
	}, env...)
	cmd.Stdout = out
	cmd.Stderr = out
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start emulator: %v", err)
	}

	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()

	t.Cleanup(func() {
		// SIGTERM first: the emulator then kills the bootstrap, which it
		// started in a process group of its own that killing ours would miss.
		terminate(cmd)
		select {
		case <-exited:
		case <-time.After(stopTimeout):
			killProcessGroup(cmd)
			select {
			case <-exited:
			case <-time.After(stopTimeout):
				t.Errorf("emulator (pid %d) did not exit after being killed", cmd.Process.Pid)
			}
		}
		if t.Failed() {
			t.Logf("emulator and function output:\n%s", f.Output())
		}
	})

	if err := waitListening(apiAddr, exited); err != nil {
		select {
		case <-exited:
			err = fmt.Errorf("%w (exit: %v)", err, waitErr)
		default:
		}
		// The cleanup above logs the emulator's output.
		t.Fatalf("emulator did not become ready: %v", err)
	}
	return f
}

// Invoke sends payload to the function, as "aws lambda invoke" would, and
// returns the response body.
//
// A function error is a completed invocation, not a test failure: the body is
// then Lambda's {"errorMessage", "errorType"} JSON. The emulator answers 200
// for an error returned by the handler but 502 Bad Gateway when the runtime
// crashed with an error payload (a panic), so both are accepted. A crash
// without a payload (a bootstrap that exits during init), any other status,
// or no answer within 30s fails the test.
func (f *Function) Invoke(t testing.TB, payload []byte) []byte {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), invokeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.invokeURL, bytes.NewReader(payload))
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("invoke: read response: %v", err)
	}
	switch {
	case resp.StatusCode == http.StatusBadGateway && len(body) == 0:
		// What the emulator answers when the bootstrap exits before it
		// reaches the runtime API, for example on a configuration error.
		t.Fatalf("invoke: status %s with no error payload: the runtime exited before handling the event", resp.Status)
	case resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadGateway:
		t.Fatalf("invoke: status %s: %s", resp.Status, body)
	}
	return body
}

// Output returns everything the emulator and the function have written to
// stdout and stderr so far. It is safe to call while the function runs.
func (f *Function) Output() string {
	b, err := os.ReadFile(f.outPath)
	if err != nil {
		// Returning "" would let a "logs contain no X" check pass vacuously.
		panic(fmt.Sprintf("lambdatest: read function output: %v", err))
	}
	return string(b)
}

// waitListening dials addr until it accepts a connection, the process exits
// or startTimeout elapses.
func waitListening(addr string, exited <-chan struct{}) error {
	const interval = 20 * time.Millisecond
	deadline := time.Now().Add(startTimeout)
	var lastErr error
	for attempt := 0; attempt < int(startTimeout/interval) && time.Now().Before(deadline); attempt++ {
		select {
		case <-exited:
			return errors.New("emulator exited before it was ready")
		default:
		}
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		lastErr = err
		time.Sleep(interval)
	}
	return fmt.Errorf("gave up after %v: %v", startTimeout, lastErr)
}

// freePorts returns n distinct loopback TCP ports that were free a moment
// ago. All listeners stay open until every port is chosen so the kernel
// cannot hand out the same port twice.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("find free port: %v", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// run runs a command in dir, bounded by buildTimeout, and fails the test with
// its combined output if it does not succeed.
func run(t testing.TB, dir, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	// On timeout only the direct child is killed; do not wait forever for
	// grandchildren (the compiler under make) still holding the output pipe.
	cmd.WaitDelay = stopTimeout
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}
