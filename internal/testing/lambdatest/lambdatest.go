// Package lambdatest runs a function's real bootstrap binary under the AWS
// Lambda Runtime Interface Emulator in tests, through package rie, so tests
// exercise the same binary, runtime API and environment handling that Lambda
// uses.
//
// It is meant to be imported only from _test.go files.
package lambdatest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/appointments/internal/testing/rie"
	"example.com/appointments/internal/testing/samtemplate"
)

const (
	buildTimeout  = 5 * time.Minute
	startTimeout  = 20 * time.Second
	invokeTimeout = 30 * time.Second
	// waitDelay bounds the wait for a build's grandchildren after the build
	// itself was killed.
	waitDelay = 5 * time.Second
)

// RepoRoot returns the directory containing go.mod, found by walking up from
// the working directory (which go test sets to the package under test).
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := samtemplate.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// BuildBootstrap builds the function with the given SAM logical ID (for
// example "SubmitFunction") through its Makefile target, the same way
// "sam build" does, and returns the path of the resulting bootstrap binary.
func BuildBootstrap(t testing.TB, logicalID string) string {
	t.Helper()
	skipShort(t)
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
// the version pinned by the tool directive in go.mod. The binary lives in the
// go build cache, so repeated calls, and later test runs, reuse it.
func BuildEmulator(t testing.TB) string {
	t.Helper()
	skipShort(t)
	path, err := emulatorPath()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// emulatorPath asks the go command for the emulator once per test process;
// the answer cannot change while the process runs.
var emulatorPath = sync.OnceValues(func() (string, error) {
	root, err := samtemplate.RepoRoot()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	return rie.BuildEmulator(ctx, root)
})

// skipShort skips a test that builds and runs bootstraps under the
// emulator when only the quick tests were asked for.
func skipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a bootstrap under the Lambda Runtime Interface Emulator; runs without -short (make test)")
	}
}

// Function is a bootstrap running under the emulator. Like a single Lambda
// execution environment it handles one invocation at a time.
type Function struct {
	fn *rie.Function
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
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	fn, err := rie.Start(ctx, rie.Config{Emulator: emulator, Bootstrap: bootstrap, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	f := &Function{fn: fn}
	t.Cleanup(func() {
		if err := fn.Close(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Logf("emulator and function output:\n%s", f.Output())
		}
	})
	return f
}

// Invoke sends payload to the function, as "aws lambda invoke" would, and
// returns the response body.
//
// A function error is a completed invocation, not a test failure: the body is
// then Lambda's {"errorMessage", "errorType"} JSON. A crash without an error
// payload (a bootstrap that exits during init), an unexpected status from the
// emulator, or no answer within 30s fails the test.
func (f *Function) Invoke(t testing.TB, payload []byte) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), invokeTimeout)
	defer cancel()
	body, err := f.fn.Invoke(ctx, payload)
	if fe, ok := errors.AsType[*rie.FunctionError](err); ok {
		return fe.Payload
	}
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// Endpoint is the base URL of the emulator's Invoke API, for a Lambda
// client (such as cmd/redrive's) that invokes the function by the name
// "function".
func (f *Function) Endpoint() string { return f.fn.Endpoint() }

// Output returns everything the emulator and the function have written to
// stdout and stderr so far. It is safe to call while the function runs.
func (f *Function) Output() string {
	out, err := f.fn.Output()
	if err != nil {
		// Returning "" would let a "logs contain no X" check pass vacuously.
		panic(fmt.Sprintf("lambdatest: %v", err))
	}
	return out
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
	cmd.WaitDelay = waitDelay
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// EnvWith returns a function's environment as getenv reads it: base,
// with key set to value, as a test of one setting changes it.
func EnvWith(base map[string]string, key, value string) func(string) string {
	return func(k string) string {
		if k == key {
			return value
		}
		return base[k]
	}
}
