package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/testing/iamsim"
	"example.com/appointments/internal/testing/lambdatest"
	"example.com/appointments/internal/testing/mototest"

	"example.com/appointments/internal/wire/feedbackfn"
)

// setup is the function's set-up, as its main runs it.
var setup = feedbackfn.Function.Setup

const (
	table     = "appointments-test"
	hashKey   = "feedback-bootstrap-test-key-0123456789abcdefghijklmnopqrstuvwxyz"
	messageID = "010f019a1b2c3d4e-5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c-000000"
)

// TestBootstrap runs the real bootstrap under the Lambda Runtime Interface
// Emulator against moto and invokes it with the sample events in
// infra/events, as EventBridge delivers them: each is recorded on the email its
// tags name, a second delivery changes nothing, and a complaint leaves a
// suppression record that the patient's address is found under.
func TestBootstrap(t *testing.T) {
	srv := mototest.Start(t)
	srv.CreateRequestsTable(t, table)
	ctx := context.Background()
	secret, err := secretsmanager.NewFromConfig(srv.AWSConfig()).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("hashing-key"), SecretString: aws.String(hashKey),
	})
	if err != nil {
		t.Fatal(err)
	}
	db := dynamodb.NewFromConfig(srv.AWSConfig())
	store := dynamo.New(db, table, 365)

	r := appointment.Request{
		FirstName: "Jordan", LastName: "Rivera", Email: "patient@example.org", Phone: "+13035550142",
		Service: "evaluation", Location: "main", Status: appointment.StatusReceived,
	}
	r.Stamp(time.Now())
	if _, err := store.Create(ctx, r, appointment.Dedupe{Fingerprint: r.ID}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if ok, _, err := store.ClaimEmail(ctx, r.ID, appointment.EmailPatient, "lease", now.Add(time.Minute), now); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if err := store.MarkEmailSent(ctx, r.ID, appointment.EmailPatient, "lease", messageID, now); err != nil {
		t.Fatal(err)
	}

	// Every AWS call the function makes must be one its role allows.
	fn := lambdatest.Start(t, lambdatest.BuildBootstrap(t, "FeedbackFunction"), iamsim.Watch(t, "FeedbackFunction", srv.Endpoint, append(srv.Env(),
		"TABLE_NAME="+table,
		"HASHING_KEY_SECRET_ARN="+*secret.ARN,
		"METRICS_NAMESPACE=ClinicAppointments",
	)))
	invoke := func(sample string) {
		t.Helper()
		if out := fn.Invoke(t, event(t, sample, r.ID)); strings.TrimSpace(string(out)) != "null" {
			t.Fatalf("%s: the invocation answered %s", sample, out)
		}
	}

	invoke("feedback-delivery.json")
	if d := delivery(t, store, r.ID); d.Report.Feedback != appointment.FeedbackDelivered {
		t.Fatalf("after the delivery event: %+v", d.Report)
	}
	invoke("feedback-bounce.json")
	invoke("feedback-bounce.json")
	d := delivery(t, store, r.ID)
	if d.Report.Feedback != appointment.FeedbackBounced || d.Report.BounceType != appointment.BouncePermanent || d.State != appointment.DeliverySent || d.MessageID != messageID {
		t.Fatalf("after the bounce event, twice: %+v", d)
	}
	invoke("feedback-complaint.json")
	invoke("feedback-complaint.json")
	if d := delivery(t, store, r.ID); d.Report.Feedback != appointment.FeedbackComplained {
		t.Fatalf("after the complaint event: %+v", d.Report)
	}
	suppressed, err := store.Suppressed(ctx, appointment.SuppressionKey([]byte(hashKey), r.Email))
	if err != nil || !suppressed {
		t.Errorf("the complaining address is not suppressed: %v %v", suppressed, err)
	}
	out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, item := range out.Items {
		if strings.HasPrefix(item["pk"].(*types.AttributeValueMemberS).Value, dynamo.SuppressionPrefix) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d suppression records after two complaints, want 1", n)
	}

	logs := fn.Output()
	for _, secretText := range []string{r.Email, "user unknown", hashKey} {
		if strings.Contains(logs, secretText) {
			t.Errorf("the function's output holds %q", secretText)
		}
	}
	for _, metric := range []string{`"EmailsDelivered":1`, `"EmailsBounced":1`, `"EmailsComplained":1`} {
		if !strings.Contains(logs, metric) {
			t.Errorf("no %s metric line in the output", metric)
		}
	}
}

// TestRefusesToStartWithoutKey: without the hashing key, suppression
// records could never be found, so the function does not start.
func TestRefusesToStartWithoutKey(t *testing.T) {
	_, err := setup(context.Background(), func(k string) string {
		return map[string]string{"TABLE_NAME": table}[k]
	}, nil)
	if err == nil || !strings.Contains(err.Error(), "HASHING_KEY_SECRET_ARN") {
		t.Errorf("setup without the key: %v", err)
	}
}

// event reads a sample event and points it at request id.
func event(t *testing.T, name, id string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(lambdatest.RepoRoot(t), "infra", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	var e events.EventBridgeEvent
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	e.Detail = []byte(strings.ReplaceAll(string(e.Detail), "r6zxzmmvycimokgxeyepwm2yge", id))
	out, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func delivery(t *testing.T, s *dynamo.Store, id string) appointment.Delivery {
	t.Helper()
	d, err := s.Delivery(context.Background(), id, appointment.EmailPatient)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
