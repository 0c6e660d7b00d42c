package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"example.com/appointments/internal/testing/mototest"
	"example.com/appointments/internal/testing/samtemplate"
)

// root is the repository root, relative to this package's directory.
var root = filepath.Join("..", "..")

func TestRunRefuses(t *testing.T) {
	template := filepath.Join(root, "template.yaml")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string // a part of the expected stderr
	}{
		{"no arguments", nil, 2, "usage"},
		{"unknown flag", []string{"-fn", "SubmitFunction"}, 2, "not defined"},
		{"bad parameter", []string{"-param", "NoValue"}, 2, "want Name=Value"},
		{
			"unknown function",
			[]string{"-function", "NoSuchFunction", "-event", "e.json", "-bootstrap", "b", "-template", template, "-env-vars", ""},
			1, "no resource NoSuchFunction",
		},
		{
			"missing parameter",
			[]string{"-function", "NotifyFunction", "-event", "e.json", "-bootstrap", "b", "-template", template, "-env-vars", "", "-param", "FrontDeskEmail=f@example.com", "-param", "RequestsTable=t", "-param", "EmailConfigurationSet=c"},
			1, "-param SenderEmail=VALUE",
		},
		{
			"missing event",
			[]string{"-function", "SubmitFunction", "-event", filepath.Join(t.TempDir(), "none.json"), "-bootstrap", "b", "-template", template, "-env-vars", filepath.Join(root, "infra", "env.json")},
			1, "none.json",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tt.args, nil, strings.NewReader(""), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, tt.wantCode, &stderr)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr %q lacks %q", &stderr, tt.wantErr)
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout %q, want nothing", &stdout)
			}
		})
	}
}

// TestMakeInvoke runs "make invoke" as a developer would and reads the
// response it prints.
func TestMakeInvoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a bootstrap and runs it under the Lambda Runtime Interface Emulator; runs without -short (make test)")
	}
	tests := []struct {
		name  string
		event string
		// env returns the AWS settings of the caller's environment.
		env    func(t *testing.T) []string
		status int
	}{
		{
			// Refused before any storage call, so it needs no AWS at all.
			name:   "invalid request",
			event:  "submit-invalid.json",
			env:    func(*testing.T) []string { return nil },
			status: 422,
		},
		{
			name:   "request stored in moto",
			event:  "submit-json.json",
			env:    motoWithTable,
			status: 201,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "make", "invoke", "FN=SubmitFunction", "EVENT=infra/events/"+tt.event)
			cmd.Dir = root
			cmd.Env = append(cleanEnviron(), tt.env(t)...)
			// On timeout only make is killed; do not wait forever for the
			// processes under it that still hold the output pipes.
			cmd.WaitDelay = 10 * time.Second
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("make invoke: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
			}

			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(stdout.Bytes(), &resp); err != nil {
				t.Fatalf("stdout is not just the response: %v\n%s", err, &stdout)
			}
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d: %s\nstderr:\n%s", resp.StatusCode, tt.status, resp.Body, &stderr)
			}
			if !strings.Contains(stdout.String(), "\n  \"statusCode\"") {
				t.Errorf("response is not indented:\n%s", &stdout)
			}
			if !strings.Contains(stderr.String(), "REPORT RequestId") || !strings.Contains(stderr.String(), `"message":"appointment request handled"`) {
				t.Errorf("stderr lacks the emulator's report or the function's log:\n%s", &stderr)
			}
		})
	}
}

// motoWithTable starts moto with the table infra/env.json names and returns
// the caller settings that point the function at it.
func motoWithTable(t *testing.T) []string {
	return startMotoWithTable(t).Env()
}

// startMotoWithTable starts moto with the table infra/env.json names.
func startMotoWithTable(t *testing.T) *mototest.Server {
	t.Helper()
	template, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	table, err := samtemplate.RequestsTable(template, envJSON(t)["SubmitFunction"]["TABLE_NAME"])
	if err != nil {
		t.Fatal(err)
	}

	moto := mototest.Start(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := dynamodb.NewFromConfig(moto.AWSConfig()).CreateTable(ctx, table); err != nil {
		t.Fatal(err)
	}
	return moto
}

// envJSON is infra/env.json: each function's variables by logical ID.
func envJSON(t *testing.T) map[string]map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "infra", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	var envVars map[string]map[string]string
	if err := json.Unmarshal(b, &envVars); err != nil {
		t.Fatal(err)
	}
	return envVars
}

// cleanEnviron is the test's environment without the developer's AWS
// settings, which would otherwise reach the function, and without the
// settings of a make that may be running the tests.
func cleanEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "AWS_"), name == "MAKEFLAGS", name == "MFLAGS", name == "MAKELEVEL":
		default:
			env = append(env, kv)
		}
	}
	return env
}

// TestMakeInvokeFeedback follows docs/local-development.md for
// FeedbackFunction: without the hashing key's secret the function cannot
// start, and make says so with its status 2; with the secret created under
// the name infra/env.json gives, the documented event is handled.
func TestMakeInvokeFeedback(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a bootstrap and runs it under the Lambda Runtime Interface Emulator with moto_server; runs without -short (make test)")
	}
	docs, err := os.ReadFile(filepath.Join(root, "docs", "local-development.md"))
	if err != nil {
		t.Fatal(err)
	}
	const event = "infra/events/feedback-bounce.json"
	for _, shown := range []string{"--name " + envJSON(t)["FeedbackFunction"]["HASHING_KEY_SECRET_ARN"], "make invoke FN=FeedbackFunction EVENT=" + event, "make\nexits with status 2"} {
		if !strings.Contains(string(docs), shown) {
			t.Errorf("docs/local-development.md does not show %q", shown)
		}
	}

	moto := startMotoWithTable(t)
	type result struct {
		code           int
		stdout, stderr string
	}
	invoke := func() result {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "make", "invoke", "FN=FeedbackFunction", "EVENT="+event)
		cmd.Dir = root
		cmd.Env = append(cleanEnviron(), moto.Env()...)
		cmd.WaitDelay = 10 * time.Second
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil && cmd.ProcessState == nil {
			t.Fatalf("make invoke: %v", err)
		}
		return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
	}

	got := invoke()
	if got.code != 2 {
		t.Fatalf("without the secret: make invoke exited %d, want 2\n%s", got.code, got.stderr)
	}
	if !strings.Contains(got.stderr, "secret") {
		t.Errorf("without the secret, the output does not say what is missing:\n%s", got.stderr)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	key := strings.Repeat("local-hashing-key-", 4)
	if _, err := secretsmanager.NewFromConfig(moto.AWSConfig()).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name:         aws.String(envJSON(t)["FeedbackFunction"]["HASHING_KEY_SECRET_ARN"]),
		SecretString: aws.String(key),
	}); err != nil {
		t.Fatal(err)
	}
	got = invoke()
	if got.code != 0 {
		t.Fatalf("with the secret: make invoke exited %d\n%s", got.code, got.stderr)
	}
	if strings.TrimSpace(got.stdout) != "null" {
		t.Errorf("with the secret: the function answered %s, want null\n%s", got.stdout, got.stderr)
	}
}
