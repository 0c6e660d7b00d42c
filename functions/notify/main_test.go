package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/local/dynamostreams"
	"example.com/appointments/internal/testing/iamsim"
	"example.com/appointments/internal/testing/lambdatest"
	"example.com/appointments/internal/testing/mototest"

	"example.com/appointments/internal/wire/notifyfn"
)

// setup is the function's set-up, as its main runs it.
var setup = notifyfn.Function.Setup

const (
	table     = "appointments-test"
	sender    = "appointments@example.com"
	frontDesk = "frontdesk@example.com"
	confSet   = "appointments-test"
)

// backend is moto with the table, the verified sender and the configuration
// set the functions expect.
type backend struct {
	moto      *mototest.Server
	db        *dynamodb.Client
	streamARN string
}

func newBackend(t *testing.T) *backend {
	t.Helper()
	srv := mototest.Start(t)
	db := dynamodb.NewFromConfig(srv.AWSConfig())
	streamARN := srv.CreateRequestsTable(t, table)
	srv.PrepareSES(t, sender, confSet)
	return &backend{moto: srv, db: db, streamARN: streamARN}
}

func (b *backend) startNotify(t *testing.T, env ...string) *lambdatest.Function {
	t.Helper()
	// Every AWS call the function makes must be one its role allows.
	return lambdatest.Start(t, lambdatest.BuildBootstrap(t, "NotifyFunction"), iamsim.Watch(t, "NotifyFunction", b.moto.Endpoint, append(append(b.moto.Env(),
		"TABLE_NAME="+table,
		"SENDER_EMAIL="+sender,
		"FRONT_DESK_EMAIL="+frontDesk,
		"CONFIGURATION_SET_NAME="+confSet,
		"METRICS_NAMESPACE=ClinicAppointments",
	), env...)))
}

// emails returns the messages moto's SES received, by recipient.
func (b *backend) emails(t *testing.T) map[string][]*mail.Message {
	t.Helper()
	out := map[string][]*mail.Message{}
	for _, e := range b.moto.RawEmails(t) {
		to := strings.Join(e.Destinations, ",")
		out[to] = append(out[to], e.Message)
	}
	return out
}

func invoke(t *testing.T, fn *lambdatest.Function, payload []byte) events.DynamoDBEventResponse {
	t.Helper()
	out := fn.Invoke(t, payload)
	var resp events.DynamoDBEventResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("answer %s is not a batch response: %v", out, err)
	}
	return resp
}

func readEvent(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(lambdatest.RepoRoot(t), "infra", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSampleEventsUnderEmulator invokes the built bootstrap with the stream
// samples in infra/events: a new request sends both emails once, a TTL
// removal sends nothing.
func TestSampleEventsUnderEmulator(t *testing.T) {
	b := newBackend(t)
	payload := readEvent(t, "notify-new-request.json")
	var sample events.DynamoDBEvent
	if err := json.Unmarshal(payload, &sample); err != nil {
		t.Fatal(err)
	}
	// The request the sample describes is in the table, as it would be.
	item, err := dynamo.ItemFromImage(sample.Records[0].Change.NewImage)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
	// With the stack's action-link key, as on AWS.
	const key = "a-key-of-the-stack-for-action-links-0123456789"
	secret, err := secretsmanager.NewFromConfig(b.moto.AWSConfig()).CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String("action-link-key"), SecretString: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	fn := b.startNotify(t, "ACTION_LINK_KEY_SECRET_ARN="+*secret.ARN, "MANAGE_BASE_URL=https://api.example.com")

	for range 2 {
		if resp := invoke(t, fn, payload); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("batch failures %v", resp.BatchItemFailures)
		}
	}
	if resp := invoke(t, fn, readEvent(t, "notify-ttl-removal.json")); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("TTL removal: batch failures %v", resp.BatchItemFailures)
	}
	got := b.emails(t)
	if len(got["jordan.rivera@example.com"]) != 1 || len(got[frontDesk]) != 1 || len(got) != 2 {
		t.Fatalf("emails by recipient: %v, want one to the patient and one to the front desk", counts(got))
	}
	// The front desk's email links to the action pages, signed with the
	// stack's key.
	body, _ := io.ReadAll(got[frontDesk][0].Body)
	m := regexp.MustCompile(`https://api\.example\.com/manage/contact/([A-Za-z0-9_-]+)`).FindSubmatch(bytes.ReplaceAll(body, []byte("=\r\n"), nil))
	if m == nil {
		t.Fatalf("the front desk's email has no contact link:\n%s", body)
	}
	signer, err := actionlink.New([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := signer.Verify(string(m[1]), appointment.ActionContact, time.Now()); err != nil || c.RequestID != item["id"].(*types.AttributeValueMemberS).Value {
		t.Errorf("the contact link's token = %+v, %v", c, err)
	}
	out := fn.Output()
	checkLogs(t, out)
	// Each entry carries Lambda's request ID from the invocation's context.
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"message":"email sent"`) && !strings.Contains(line, `"requestId":"`) {
			t.Errorf("log entry without Lambda's request ID: %s", line)
		}
	}
	if !strings.Contains(out, `"message":"email sent"`) {
		t.Errorf("no email sent in the function's log:\n%s", out)
	}
}

// TestSubmittedRequestIsEmailedOnce runs the whole path locally: the submit
// bootstrap stores a sample request, its stream records go to the notify
// bootstrap as Lambda would pass them, twice, and exactly one email reaches
// the patient and one the front desk.
func TestSubmittedRequestIsEmailedOnce(t *testing.T) {
	b := newBackend(t)
	submit := lambdatest.Start(t, lambdatest.BuildBootstrap(t, "SubmitFunction"), iamsim.Watch(t, "SubmitFunction", b.moto.Endpoint, append(b.moto.Env(),
		"TABLE_NAME="+table,
		"ALLOWED_ORIGINS=https://www.example.com",
		"THANK_YOU_URL=https://www.example.com/thank-you",
	)))
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(submit.Invoke(t, readEvent(t, "submit-json.json")), &resp); err != nil || resp.StatusCode != 201 {
		t.Fatalf("submit: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	var receipt struct{ Reference string }
	_ = json.Unmarshal([]byte(resp.Body), &receipt)

	recs, err := dynamostreams.NewReader(dynamodbstreams.NewFromConfig(b.moto.AWSConfig()), b.streamARN).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(events.DynamoDBEvent{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	fn := b.startNotify(t)
	for range 2 {
		if resp := invoke(t, fn, payload); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("batch failures %v", resp.BatchItemFailures)
		}
	}

	got := b.emails(t)
	patient, desk := got["jordan.rivera@example.com"], got[frontDesk]
	if len(patient) != 1 || len(desk) != 1 || len(got) != 2 {
		t.Fatalf("emails by recipient: %v, want one to the patient and one to the front desk", counts(got))
	}
	if !strings.Contains(patient[0].Header.Get("Reply-To"), frontDesk) {
		t.Errorf("patient Reply-To = %q", patient[0].Header.Get("Reply-To"))
	}
	if !strings.Contains(desk[0].Header.Get("Reply-To"), "jordan.rivera@example.com") {
		t.Errorf("front desk Reply-To = %q", desk[0].Header.Get("Reply-To"))
	}
	if !strings.Contains(desk[0].Header.Get("Subject"), receipt.Reference) {
		t.Errorf("front desk subject %q lacks reference %s", desk[0].Header.Get("Subject"), receipt.Reference)
	}
	checkLogs(t, submit.Output())
	checkLogs(t, fn.Output())
}

func counts(m map[string][]*mail.Message) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[k] = len(v)
	}
	return out
}

// checkLogs fails if a function's output holds a detail of the sample
// patient.
func checkLogs(t *testing.T, out string) {
	t.Helper()
	for _, secret := range []string{"Jordan", "Rivera", "jordan.rivera", "5550142", "555-0142", "climbing", frontDesk} {
		if strings.Contains(out, secret) {
			t.Errorf("function output contains %q", secret)
		}
	}
}

func TestSetupRefusesBadSettings(t *testing.T) {
	base := map[string]string{
		"TABLE_NAME":       "t",
		"SENDER_EMAIL":     sender,
		"FRONT_DESK_EMAIL": frontDesk + ",manager@example.com",
		"AWS_REGION":       "us-east-1",
		// The credentials Lambda gives the function's role.
		"AWS_ACCESS_KEY_ID":     "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if _, err := setup(context.Background(), func(k string) string { return base[k] }, log); err != nil {
		t.Fatalf("setup() with good settings: %v", err)
	}
	for _, tt := range []struct{ key, value string }{
		{"TABLE_NAME", ""},
		{"SENDER_EMAIL", ""},
		{"SENDER_EMAIL", "Clinic <appointments@example.com>"},
		{"FRONT_DESK_EMAIL", ""},
		{"FRONT_DESK_EMAIL", "desk@example.com;other@example.com"},
		{"STAFF_EMAIL_DETAIL", "none"},
		{"STAFF_EMAIL_DETAIL", "Minimal"},
		{"AWS_ACCESS_KEY_ID", ""},
		{"CONFIRMATIONS_PER_HOUR", "lots"},
		// A key without the API's address cannot make links.
		{"ACTION_LINK_KEY_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:k"},
	} {
		getenv := lambdatest.EnvWith(base, tt.key, tt.value)
		if _, err := setup(context.Background(), getenv, log); err == nil {
			t.Errorf("setup() accepted %s=%q", tt.key, tt.value)
		}
	}
}

// TestSuppressedAddressUnderEmulator: with the stack's hashing key, the
// bootstrap looks the patient's address up among the suppression records
// FeedbackFunction makes, and an address that complained gets no
// confirmation, recorded as failed; the front desk's email still goes.
func TestSuppressedAddressUnderEmulator(t *testing.T) {
	b := newBackend(t)
	ctx := context.Background()
	payload := readEvent(t, "notify-new-request.json")
	var sample events.DynamoDBEvent
	if err := json.Unmarshal(payload, &sample); err != nil {
		t.Fatal(err)
	}
	item, err := dynamo.ItemFromImage(sample.Records[0].Change.NewImage)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
	const hashingKey = "a-hashing-key-of-the-stack-0123456789abcdefghijklmnopqrstuvwxyz"
	secret, err := secretsmanager.NewFromConfig(b.moto.AWSConfig()).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("hashing-key"), SecretString: aws.String(hashingKey)})
	if err != nil {
		t.Fatal(err)
	}
	store := dynamo.New(b.db, table, 365)
	if err := store.Suppress(ctx, appointment.SuppressionKey([]byte(hashingKey), "Jordan.Rivera@example.com"), "complaint", time.Now()); err != nil {
		t.Fatal(err)
	}
	fn := b.startNotify(t, "HASHING_KEY_SECRET_ARN="+*secret.ARN)
	if resp := invoke(t, fn, payload); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("batch failures %v", resp.BatchItemFailures)
	}
	got := b.emails(t)
	if len(got["jordan.rivera@example.com"]) != 0 || len(got[frontDesk]) != 1 {
		t.Fatalf("emails by recipient: %v, want only the front desk's", counts(got))
	}
	r, err := store.Get(ctx, sample.Records[0].Change.NewImage["id"].String())
	if err != nil {
		t.Fatal(err)
	}
	if d := r.Deliveries[appointment.EmailPatient]; d.State != appointment.DeliveryFailed || d.Reason != appointment.ReasonComplaint {
		t.Errorf("the confirmation's record: %+v", d)
	}
}
