// Package mototest runs a real moto_server (the Python moto AWS mock) for the
// duration of a test, so code under test talks HTTP to something that behaves
// like DynamoDB and SES instead of to a hand-written fake. Tests that race
// DynamoDB calls reach it through SerialTransport, which makes moto apply
// each call atomically, as DynamoDB does.
//
// Tests start it with Start; measurement programs (devtools/burst) with
// Launch. No Lambda function links it.
package mototest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	sestypes "github.com/aws/aws-sdk-go-v2/service/ses/types"

	"example.com/appointments/internal/testing/lambdatest"
	"example.com/appointments/internal/testing/process"
	"example.com/appointments/internal/testing/samtemplate"
)

const (
	// Region is the region every client pointed at the server uses. moto keeps
	// separate state per region, so all parties must agree on one.
	Region = "us-east-1"

	accessKeyID     = "test"
	secretAccessKey = "test"

	installHint  = "pip install 'moto[server]'"
	startTimeout = 20 * time.Second
	stopTimeout  = 5 * time.Second
)

// Server is a running moto_server bound to a loopback port.
type Server struct {
	// Endpoint is the base URL of the server, for example
	// "http://127.0.0.1:54321".
	Endpoint string

	out    *process.Output
	cmd    *exec.Cmd
	exited chan struct{}
	// dynamoDB is held around each DynamoDB call passing through
	// SerialTransport.
	dynamoDB callLock
}

// Start runs moto_server on a free loopback port and waits until it answers
// HTTP requests. The server is killed when the test and its subtests finish;
// its log is written to the test log only if the test failed.
//
// Start fails the test if moto_server is not installed.
func Start(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("needs moto_server; runs without -short (make test)")
	}
	s, err := Launch()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Logf("moto_server output:\n%s", s.out.String())
		}
	})
	return s
}

// Launch runs moto_server on a free loopback port and waits until it
// answers HTTP requests, for programs that are not tests; Stop stops it.
func Launch() (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, fmt.Errorf("moto_server is not on PATH (%v); install it with: %s", err, installHint)
	}
	port, err := process.FreePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		out:      new(process.Output),
		dynamoDB: newCallLock(),
		exited:   make(chan struct{}),
	}
	s.cmd = exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	s.cmd.Env = process.WithoutAWS(os.Environ())
	s.cmd.Stdout = s.out
	s.cmd.Stderr = s.out
	// moto is usually reached through a pyenv or virtualenv shim; a process
	// group of its own lets Stop kill whatever the shim spawned.
	process.SetGroup(s.cmd)
	// Without a bound, a grandchild that inherited the output pipe would
	// keep Wait blocked after the server itself is gone.
	s.cmd.WaitDelay = stopTimeout
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	var waitErr error
	go func() {
		waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(s.exited); err != nil {
		_ = s.Stop()
		select {
		case <-s.exited:
			err = fmt.Errorf("%w (exit: %v)", err, waitErr)
		default:
		}
		return nil, fmt.Errorf("moto_server did not become ready: %w\n%s", err, s.out.String())
	}
	return s, nil
}

// Stop kills the server and waits for it to exit. moto keeps everything
// in memory, so there is nothing to shut down gracefully.
func (s *Server) Stop() error {
	process.KillGroup(s.cmd)
	select {
	case <-s.exited:
		return nil
	case <-time.After(2 * stopTimeout):
		return fmt.Errorf("moto_server (pid %d) did not exit after being killed", s.cmd.Process.Pid)
	}
}

// waitReady polls the moto API dashboard until it answers, the process exits
// or startTimeout elapses.
func (s *Server) waitReady(exited <-chan struct{}) error {
	const interval = 50 * time.Millisecond
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(startTimeout)
	var lastErr error
	for attempt := 0; attempt < int(startTimeout/interval) && time.Now().Before(deadline); attempt++ {
		select {
		case <-exited:
			return errors.New("moto_server exited before it was ready")
		default:
		}
		resp, err := client.Get(s.Endpoint + "/moto-api/")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET /moto-api/: status %s", resp.Status)
		}
		lastErr = err
		time.Sleep(interval)
	}
	return fmt.Errorf("gave up after %v: %v", startTimeout, lastErr)
}

// AWSConfig returns an SDK configuration that sends every request to the
// server with fixed dummy credentials.
//
// It is built directly rather than with config.LoadDefaultConfig because the
// latter always consults the developer's environment: an exported AWS_PROFILE
// makes it read ~/.aws (whose endpoint_url or services sections can redirect
// requests away from the server) or fail outright when the files are
// excluded. Service clients fill in the remaining defaults themselves.
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, "")),
		BaseEndpoint: aws.String(s.Endpoint),
	}
}

// Env returns environment entries ("KEY=value") that point an AWS SDK in a
// child process, such as a Lambda bootstrap, at the server.
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.Endpoint,
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=" + accessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + secretAccessKey,
	}
}

// Reset discards all state held by the server (tables, items, sent emails),
// which is cheaper than starting a new server between subtests.
func (s *Server) Reset(t testing.TB) {
	t.Helper()
	s.call(t, http.MethodPost, "/moto-api/reset", nil)
}

// RawEmail is a message moto's SES accepted through SendRawEmail.
type RawEmail struct {
	Source string
	// Destinations are the envelope's recipients, each once.
	Destinations []string
	Message      *mail.Message
}

// RawEmails returns the messages moto's SES accepted through SendRawEmail,
// read from moto's own record of them.
func (s *Server) RawEmails(t testing.TB) []RawEmail {
	t.Helper()
	var data struct {
		SES struct {
			RawMessage []struct {
				Source       string   `json:"source"`
				Destinations []string `json:"destinations"`
				RawData      string   `json:"raw_data"`
			}
		} `json:"ses"`
	}
	s.call(t, http.MethodGet, "/moto-api/data.json", &data)
	var out []RawEmail
	for _, m := range data.SES.RawMessage {
		msg, err := mail.ReadMessage(strings.NewReader(m.RawData))
		if err != nil {
			t.Fatalf("moto holds an unreadable message: %v", err)
		}
		// moto lists a destination again for each header that names it.
		var to []string
		for _, d := range m.Destinations {
			if !slices.Contains(to, d) {
				to = append(to, d)
			}
		}
		out = append(out, RawEmail{Source: m.Source, Destinations: to, Message: msg})
	}
	return out
}

// PrepareSES verifies the sender, as the SES sandbox requires and moto
// enforces, and creates the configuration set when one is named.
func (s *Server) PrepareSES(t testing.TB, sender, configurationSet string) {
	t.Helper()
	ctx := context.Background()
	client := ses.NewFromConfig(s.AWSConfig())
	if _, err := client.VerifyEmailIdentity(ctx, &ses.VerifyEmailIdentityInput{EmailAddress: aws.String(sender)}); err != nil {
		t.Fatalf("verify sender: %v", err)
	}
	if configurationSet == "" {
		return
	}
	if _, err := client.CreateConfigurationSet(ctx, &ses.CreateConfigurationSetInput{ConfigurationSet: &sestypes.ConfigurationSet{Name: aws.String(configurationSet)}}); err != nil {
		t.Fatalf("create configuration set: %v", err)
	}
}

// call sends a request to the moto API and, if v is not nil, decodes the JSON
// response body into v.
func (s *Server) call(t testing.TB, method, path string, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.Endpoint+path, nil)
	if err != nil {
		t.Fatalf("moto %s %s: %v", method, path, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("moto %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("moto %s %s: read body: %v", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("moto %s %s: status %s: %s", method, path, resp.Status, body)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("moto %s %s: decode body: %v", method, path, err)
		}
	}
}

// CreateRequestsTable creates a table named name as template.yaml defines
// RequestsTable (keys, index and stream), the one definition of the table,
// and returns its stream's ARN.
func (s *Server) CreateRequestsTable(t testing.TB, name string) string {
	t.Helper()
	template, err := os.ReadFile(filepath.Join(lambdatest.RepoRoot(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	def, err := samtemplate.RequestsTable(template, name)
	if err != nil {
		t.Fatal(err)
	}
	out, err := dynamodb.NewFromConfig(s.AWSConfig()).CreateTable(context.Background(), def)
	if err != nil {
		t.Fatalf("create table %s: %v", name, err)
	}
	return aws.ToString(out.TableDescription.LatestStreamArn)
}
