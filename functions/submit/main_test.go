package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"example.com/appointments/internal/testing/iamsim"
	"example.com/appointments/internal/testing/lambdatest"
	"example.com/appointments/internal/testing/mototest"

	"example.com/appointments/internal/wire/submitfn"
)

// setup is the function's set-up, as its main runs it.
var setup = submitfn.Function.Setup

// TestBootstrapUnderEmulator builds the real bootstrap with the Makefile
// target SAM uses, runs it under the Lambda Runtime Interface Emulator
// against moto, and invokes it with each sample event in infra/events.
func TestBootstrapUnderEmulator(t *testing.T) {
	moto := mototest.Start(t)
	db := dynamodb.NewFromConfig(moto.AWSConfig())
	const table = "appointments-test"
	moto.CreateRequestsTable(t, table)

	// The hashing key comes from Secrets Manager, as the template wires it.
	const key = "bootstrap-test-key-0123456789abcdef"
	secret, err := secretsmanager.NewFromConfig(moto.AWSConfig()).CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String("hashing-key"), SecretString: aws.String(key),
	})
	if err != nil {
		t.Fatal(err)
	}

	bootstrap := lambdatest.BuildBootstrap(t, "SubmitFunction")
	// Every AWS call the function makes must be one its role allows.
	fn := lambdatest.Start(t, bootstrap, iamsim.Watch(t, "SubmitFunction", moto.Endpoint, append(moto.Env(),
		"HASHING_KEY_SECRET_ARN="+*secret.ARN,
		"ATTEMPTS_PER_HOUR=60",
		"REQUESTS_PER_EMAIL_PER_DAY=3",
		"TABLE_NAME="+table,
		"ALLOWED_ORIGINS=https://www.example.com,http://localhost:3000",
		"THANK_YOU_URL=https://www.example.com/thank-you",
		"RETENTION_DAYS=365",
		"RATE_LIMIT_PER_HOUR=10",
		"METRICS_NAMESPACE=ClinicAppointments",
		"STACK_NAME=appointments-test",
	)))

	tests := []struct {
		event  string
		status int
	}{
		{"submit-json.json", 201},
		{"submit-form.json", 303},
		{"submit-invalid.json", 422},
		// The same JSON event again carries the same Idempotency-Key: the
		// first answer is replayed and nothing new is stored.
		{"submit-json.json", 201},
	}
	var bodies []string
	for _, tt := range tests {
		payload, err := os.ReadFile(filepath.Join(lambdatest.RepoRoot(t), "infra", "events", tt.event))
		if err != nil {
			t.Fatal(err)
		}
		var resp events.APIGatewayV2HTTPResponse
		out := fn.Invoke(t, payload)
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatalf("%s: answer %s is not an API Gateway response: %v", tt.event, out, err)
		}
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d (%s)", tt.event, resp.StatusCode, tt.status, resp.Body)
		}
		bodies = append(bodies, resp.Body)
		if tt.status == 303 && !strings.HasPrefix(resp.Headers["Location"], "https://www.example.com/thank-you?reference=") {
			t.Errorf("%s: Location = %q", tt.event, resp.Headers["Location"])
		}
		if tt.status == 422 && !strings.Contains(resp.Body, `"errors"`) {
			t.Errorf("%s: body %s has no field errors", tt.event, resp.Body)
		}
	}
	if bodies[3] != bodies[0] {
		t.Errorf("replayed answer %s differs from the first %s", bodies[3], bodies[0])
	}

	if n := len(itemsOfType(t, db, table, "request")); n != 2 {
		t.Errorf("%d requests stored, want one per accepted request (2)", n)
	}

	// The JSON event's client is counted under the secret's key: the
	// counter's name is the keyed hash, which only that key reproduces.
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte("client\x00203.0.113.24"))
	want := "RATE#client#" + hex.EncodeToString(mac.Sum(nil)[:16]) + "#"
	counters := itemsOfType(t, db, table, "counter")
	found := false
	for _, item := range counters {
		pk := item["pk"].(*types.AttributeValueMemberS).Value
		found = found || strings.HasPrefix(pk, want)
		if strings.Contains(pk, "203.0.113") {
			t.Errorf("counter %s names the client's address", pk)
		}
	}
	if !found {
		t.Errorf("no counter keyed with the secret's key among %d counters", len(counters))
	}

	logs := fn.Output()
	for _, secret := range []string{"Rivera", "jordan.rivera", "555-0142", "5550142", "climbing", "sam.lee", "555-0163", "Knee pain", "not-an-email", "203.0.113.24"} {
		if strings.Contains(logs, secret) {
			t.Errorf("function output contains patient detail %q", secret)
		}
	}
	// Lambda's request ID on every entry, from the invocation's context,
	// beside API Gateway's.
	// The metric lines name the stack the template says, which the alarms
	// select on, and carry the level Lambda's log filter judges them by.
	for _, want := range []string{`"outcome":"accepted"`, `"outcome":"replayed"`, `"reason":"validation_failed"`, `"Namespace":"ClinicAppointments"`,
		`"Dimensions":[["Stack"]]`, `"Stack":"appointments-test"`, `"Accepted":1,`, `"level":"INFO","timestamp":"`,
		`"requestId":"`, `"apiRequestId":"`, `"message":"appointment request handled"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("function output lacks %s", want)
		}
	}
}

func TestSetupRefusesBadSettings(t *testing.T) {
	base := map[string]string{
		"TABLE_NAME":      "t",
		"ALLOWED_ORIGINS": "https://www.example.com",
		"THANK_YOU_URL":   "https://www.example.com/thanks",
		"AWS_REGION":      "us-east-1",
		// The credentials Lambda gives the function's role.
		"AWS_ACCESS_KEY_ID":     "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	}
	tests := []struct{ name, key, value string }{
		{"no table", "TABLE_NAME", ""},
		{"bad retention", "RETENTION_DAYS", "a year"},
		{"bad rate limit", "RATE_LIMIT_PER_HOUR", "-1"},
		{"bad attempt budget", "ATTEMPTS_PER_HOUR", "many"},
		{"bad address limit", "REQUESTS_PER_EMAIL_PER_DAY", "-3"},
		{"bad origin", "ALLOWED_ORIGINS", "www.example.com"},
		{"no thank-you page", "THANK_YOU_URL", ""},
		{"no AWS credentials", "AWS_ACCESS_KEY_ID", ""},
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if _, err := setup(context.Background(), func(k string) string { return base[k] }, log); err != nil {
		t.Fatalf("setup() with good settings: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := lambdatest.EnvWith(base, tt.key, tt.value)
			if _, err := setup(context.Background(), getenv, log); err == nil {
				t.Errorf("setup() accepted %s=%q", tt.key, tt.value)
			}
		})
	}
	// A limit of 0 turns that limit off, as it always has: httpapi.New
	// refuses a limit left unset, so 0 must reach it as NoLimit.
	for _, key := range []string{"RATE_LIMIT_PER_HOUR", "ATTEMPTS_PER_HOUR", "REQUESTS_PER_EMAIL_PER_DAY"} {
		getenv := lambdatest.EnvWith(base, key, "0")
		if _, err := setup(context.Background(), getenv, log); err != nil {
			t.Errorf("setup() with %s=0: %v, want the limit off", key, err)
		}
	}
}

// itemsOfType returns the table's items of one type.
func itemsOfType(t *testing.T, db *dynamodb.Client, table, typ string) []map[string]types.AttributeValue {
	t.Helper()
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{
		TableName:                 aws.String(table),
		FilterExpression:          aws.String("#t = :t"),
		ExpressionAttributeNames:  map[string]string{"#t": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberS{Value: typ}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Items
}
