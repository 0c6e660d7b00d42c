package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/testing/iamsim"
	"example.com/appointments/internal/testing/lambdatest"
	"example.com/appointments/internal/testing/mototest"

	"example.com/appointments/internal/wire/managefn"
)

// setup is the function's set-up, as its main runs it.
var setup = managefn.Function.Setup

const (
	table = "appointments-test"
	// key is the link key the tests store in Secrets Manager, 64
	// characters like the one the template generates.
	key = "manage-bootstrap-test-key-0123456789abcdefghijklmnopqrstuvwxyzAB"
)

// backend is moto with the table, the sample request stored in it, and the
// link key in a secret.
type backend struct {
	moto      *mototest.Server
	store     *dynamo.Store
	requestID string
	secretARN string
}

func newBackend(t *testing.T) *backend {
	t.Helper()
	srv := mototest.Start(t)
	srv.CreateRequestsTable(t, table)
	db := dynamodb.NewFromConfig(srv.AWSConfig())

	// The request the stream sample describes, as SubmitFunction stored it.
	var sample events.DynamoDBEvent
	if err := json.Unmarshal(readEvent(t, "notify-new-request.json"), &sample); err != nil {
		t.Fatal(err)
	}
	image := sample.Records[0].Change.NewImage
	item, err := dynamo.ItemFromImage(image)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}

	secret, err := secretsmanager.NewFromConfig(srv.AWSConfig()).CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String("action-link-key"), SecretString: aws.String(key),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &backend{moto: srv, store: dynamo.New(db, table, 0), requestID: image["id"].String(), secretARN: *secret.ARN}
}

// request reads the stored request back.
func (b *backend) request(t *testing.T) appointment.Request {
	t.Helper()
	r, err := b.store.Get(context.Background(), b.requestID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func readEvent(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(lambdatest.RepoRoot(t), "infra", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withToken returns the sample event with its link's token replaced by
// token. The samples' token is well formed but signed with a key used
// nowhere else, so it verifies under no deployed or test key; a test signs
// a real one with the key it gives the function and puts it in every place
// API Gateway carries it: the raw path, the request context's path and the
// path parameters.
func withToken(t *testing.T, payload []byte, token string) []byte {
	t.Helper()
	var e events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(payload, &e); err != nil {
		t.Fatal(err)
	}
	sample := e.PathParameters["token"]
	if sample == "" || !strings.HasSuffix(e.RawPath, "/"+sample) {
		t.Fatalf("sample event has token %q and path %q; want the token at the end of the path", sample, e.RawPath)
	}
	return bytes.ReplaceAll(payload, []byte(sample), []byte(token))
}

func invoke(t *testing.T, fn *lambdatest.Function, payload []byte) events.APIGatewayV2HTTPResponse {
	t.Helper()
	out := fn.Invoke(t, payload)
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("answer %s is not an API Gateway response: %v", out, err)
	}
	return resp
}

// TestBootstrapUnderEmulator builds the real bootstrap with the Makefile
// target SAM uses, runs it under the Lambda Runtime Interface Emulator
// against moto, and follows a front-desk "mark as contacted" link with the
// sample events in infra/events: the GET shows the page and changes
// nothing, the POST marks the request contacted, and posting again cannot
// act twice.
func TestBootstrapUnderEmulator(t *testing.T) {
	b := newBackend(t)
	// Every AWS call the function makes must be one its role allows.
	fn := lambdatest.Start(t, lambdatest.BuildBootstrap(t, "ManageFunction"), iamsim.Watch(t, "ManageFunction", b.moto.Endpoint, append(b.moto.Env(),
		"TABLE_NAME="+table,
		"ACTION_LINK_KEY_SECRET_ARN="+b.secretARN,
		"RESCHEDULES_PER_DAY=5",
	)))
	signer, err := actionlink.New([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	path := signer.Path(b.requestID, appointment.ActionContact, time.Now())
	token := path[strings.LastIndex(path, "/")+1:]
	get, post := readEvent(t, "manage-get.json"), readEvent(t, "manage-post.json")

	// The samples as they are: their token is not this key's.
	for _, sample := range [][]byte{get, post} {
		if resp := invoke(t, fn, sample); resp.StatusCode != 404 || !strings.Contains(resp.Body, "This link is not valid") {
			t.Errorf("sample token: status %d, want 404 with the invalid-link page:\n%s", resp.StatusCode, resp.Body)
		}
	}

	resp := invoke(t, fn, withToken(t, get, token))
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, "<h1>Mark as contacted</h1>") || !strings.Contains(resp.Body, `<form class="card" method="post"`) {
		t.Errorf("GET: status %d, want 200 with the page and its form:\n%s", resp.StatusCode, resp.Body)
	}
	for header, want := range map[string]string{"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "Content-Type": "text/html; charset=utf-8"} {
		if got := resp.Headers[header]; got != want {
			t.Errorf("GET: %s = %q, want %q", header, got, want)
		}
	}
	if r := b.request(t); r.Status.Normal() != appointment.StatusReceived || len(r.History) != 0 {
		t.Fatalf("after GET the request is %s with %d changes, want it received and unchanged", r.Status, len(r.History))
	}

	resp = invoke(t, fn, withToken(t, post, token))
	if want := path + "?done=1"; resp.StatusCode != 303 || resp.Headers["Location"] != want {
		t.Errorf("POST: status %d to %q, want 303 to %q:\n%s", resp.StatusCode, resp.Headers["Location"], want, resp.Body)
	}
	r := b.request(t)
	if r.Status != appointment.StatusContacted || len(r.History) != 1 || r.History[0].Action != appointment.ActionContact {
		t.Fatalf("after POST the request is %s with history %+v, want it contacted once", r.Status, r.History)
	}

	// The link is still valid, but the request has moved on.
	resp = invoke(t, fn, withToken(t, post, token))
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, "This can no longer be done") {
		t.Errorf("second POST: status %d, want 200 saying what happened:\n%s", resp.StatusCode, resp.Body)
	}
	if r := b.request(t); len(r.History) != 1 {
		t.Errorf("after a second POST the request has %d changes, want 1", len(r.History))
	}

	logs := fn.Output()
	for _, secret := range []string{"Jordan", "Rivera", "jordan.rivera", "5550142", "climbing", token, key} {
		if strings.Contains(logs, secret) {
			t.Errorf("function output contains %q", secret)
		}
	}
	for _, want := range []string{`"message":"request changed"`, `"message":"refused action link"`, `"requestId":"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("function output lacks %s", want)
		}
	}
}

func TestSetupRefusesMissingSettings(t *testing.T) {
	base := map[string]string{
		"TABLE_NAME":                 "t",
		"ACTION_LINK_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:links",
		"RESCHEDULES_PER_DAY":        "5",
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	for _, name := range []string{"TABLE_NAME", "ACTION_LINK_KEY_SECRET_ARN", "RESCHEDULES_PER_DAY"} {
		getenv := lambdatest.EnvWith(base, name, "")
		_, err := setup(context.Background(), getenv, log)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("setup() without %s: error %v, want one naming it", name, err)
		}
	}
	// A limit that is no limit is refused as a missing one is.
	for _, bad := range []string{"0", "-1", "five", "5.5"} {
		getenv := lambdatest.EnvWith(base, "RESCHEDULES_PER_DAY", bad)
		if _, err := setup(context.Background(), getenv, log); err == nil || !strings.Contains(err.Error(), "RESCHEDULES_PER_DAY") {
			t.Errorf("setup() with RESCHEDULES_PER_DAY=%s: error %v, want one naming it", bad, err)
		}
	}
}

// TestSetupReadsTheKey: the function starts only with a key it can use, read
// from the secret; a missing secret or one too short to sign with stops it.
func TestSetupReadsTheKey(t *testing.T) {
	srv := mototest.Start(t)
	// setup reads the SDK's configuration from the environment it is
	// given, as on Lambda: the one that points it at moto.
	env := map[string]string{"TABLE_NAME": table, "RESCHEDULES_PER_DAY": "5"}
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}

	secrets := secretsmanager.NewFromConfig(srv.AWSConfig())
	arn := func(name, value string) string {
		out, err := secrets.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.ARN
	}
	tests := []struct {
		name, arn string
		ok        bool
	}{
		{"good key", arn("good", key), true},
		{"short key", arn("short", "only-sixteen-chr"), false},
		{"no such secret", "arn:aws:secretsmanager:us-east-1:123456789012:secret:nothing-here-AbCdEf", false},
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "ACTION_LINK_KEY_SECRET_ARN" {
					return tt.arn
				}
				return env[k]
			}
			_, err := setup(context.Background(), getenv, log)
			if tt.ok && err != nil {
				t.Errorf("setup(): %v", err)
			}
			if !tt.ok && (err == nil || !strings.Contains(err.Error(), tt.arn)) {
				t.Errorf("setup(): error %v, want one naming the secret", err)
			}
		})
	}
}
