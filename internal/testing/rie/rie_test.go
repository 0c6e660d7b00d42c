package rie_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/testing/rie"
)

// emulator and bootstrap are built once for all tests by TestMain.
var emulator, bootstrap string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		// Every test here runs the emulator, which is built first.
		fmt.Println("skipping the emulator tests with -short; they run in make test")
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var err error
	if emulator, err = rie.BuildEmulator(ctx, "."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "rie-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bootstrap = filepath.Join(dir, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-o", bootstrap, "./testdata/function")
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build test function: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// start runs the test function under the emulator and stops it when the test
// ends, logging its output if the test failed.
// skipShort skips a test that needs the emulator and the test function,
// which are built only without -short.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the emulator; runs without -short (make test)")
	}
}

func start(t *testing.T, env ...string) *rie.Function {
	t.Helper()
	skipShort(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	fn, err := rie.Start(ctx, rie.Config{Emulator: emulator, Bootstrap: bootstrap, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := fn.Close(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			out, _ := fn.Output()
			t.Logf("emulator and function output:\n%s", out)
		}
	})
	return fn
}

func invoke(t *testing.T, fn *rie.Function, payload string) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	return fn.Invoke(ctx, []byte(payload))
}

func TestEnvironment(t *testing.T) {
	// A developer's credentials must never reach a local function unless
	// they are passed on purpose.
	t.Setenv("AWS_SECRET_ACCESS_KEY", "from-the-parent")
	t.Setenv("RIE_TEST_PARENT", "from-the-parent")
	fn := start(t, "GREETING=hello", "AWS_REGION=eu-west-1")

	body, err := invoke(t, fn, `{"env":["GREETING","AWS_REGION","AWS_DEFAULT_REGION","TZ","AWS_SECRET_ACCESS_KEY","RIE_TEST_PARENT"]}`)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("response %s: %v", body, err)
	}
	tests := []struct {
		name string
		want string // "" means unset or empty
	}{
		{"GREETING", "hello"},
		{"AWS_REGION", "eu-west-1"},
		{"AWS_DEFAULT_REGION", "us-east-1"},
		{"TZ", "UTC"},
		{"AWS_SECRET_ACCESS_KEY", ""},
		{"RIE_TEST_PARENT", ""},
	}
	for _, tt := range tests {
		if got[tt.name] != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, got[tt.name], tt.want)
		}
	}
}

func TestInvoke(t *testing.T) {
	fn := start(t, "GREETING=hello")
	tests := []struct {
		name     string
		payload  string
		wantBody string // for a successful invocation
		wantType string // errorType of a function error
	}{
		{"success", `{"env":["GREETING"]}`, `{"GREETING":"hello"}`, ""},
		{"handler error", `{"fail":"no such request"}`, "", "errorString"},
		{"panic", `{"panic":true}`, "", "string"},
		// The emulator restarts the runtime that the panic ended.
		{"after a crash", `{"env":["GREETING"]}`, `{"GREETING":"hello"}`, ""},
		{"bad payload", `[1,2]`, "", "UnmarshalTypeError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := invoke(t, fn, tt.payload)
			var fe *rie.FunctionError
			switch {
			case tt.wantType == "" && err != nil:
				t.Fatalf("Invoke(%s) error: %v", tt.payload, err)
			case tt.wantType == "" && string(body) != tt.wantBody:
				t.Errorf("Invoke(%s) = %s, want %s", tt.payload, body, tt.wantBody)
			case tt.wantType != "" && !errors.As(err, &fe):
				t.Fatalf("Invoke(%s) = %s, %v; want a *FunctionError", tt.payload, body, err)
			case tt.wantType != "" && fe.Type != tt.wantType:
				t.Errorf("Invoke(%s) error type %q, want %q (%s)", tt.payload, fe.Type, tt.wantType, fe.Payload)
			}
		})
	}
}

func TestInvokeTimeout(t *testing.T) {
	fn := start(t, "AWS_LAMBDA_FUNCTION_TIMEOUT=1")
	_, err := invoke(t, fn, `{"sleep":"3s"}`)
	var fe *rie.FunctionError
	if !errors.As(err, &fe) || fe.Type != "Sandbox.Timedout" {
		t.Fatalf("Invoke of a function outlasting its timeout: %v, want a Sandbox.Timedout function error", err)
	}
}

func TestOutputAndClose(t *testing.T) {
	skipShort(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	fn, err := rie.Start(ctx, rie.Config{Emulator: emulator, Bootstrap: bootstrap})
	if err != nil {
		t.Fatal(err)
	}
	defer fn.Close()
	if _, err := invoke(t, fn, `{"log":"a line from the function"}`); err != nil {
		t.Fatal(err)
	}
	running, err := fn.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(running, "a line from the function") {
		t.Errorf("Output() = %q, lacks the function's log line", running)
	}

	if err := fn.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := fn.Close(); err != nil {
		t.Errorf("second Close() = %v", err)
	}
	closed, err := fn.Output()
	if err != nil || !strings.HasPrefix(closed, running) {
		t.Errorf("Output() after Close = %q, %v; want what it held before", closed, err)
	}
	if _, err := invoke(t, fn, `{}`); err == nil {
		t.Error("Invoke after Close succeeded, want the emulator gone")
	}
}

func TestStartFails(t *testing.T) {
	skipShort(t)
	falseBin, err := exec.LookPath("false")
	if err != nil {
		t.Skip("no false command")
	}
	tests := []struct {
		name string
		cfg  rie.Config
		want string
	}{
		{"no emulator", rie.Config{Bootstrap: bootstrap}, "no emulator"},
		{"no bootstrap", rie.Config{Emulator: emulator, Bootstrap: filepath.Join(t.TempDir(), "bootstrap")}, "bootstrap"},
		{"emulator exits", rie.Config{Emulator: falseBin, Bootstrap: bootstrap}, "exited before it was ready"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			fn, err := rie.Start(ctx, tt.cfg)
			if err == nil {
				fn.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start error %q, want it to mention %q", err, tt.want)
			}
		})
	}
}
