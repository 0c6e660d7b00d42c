package awsstub_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	sesapi "github.com/aws/aws-sdk-go-v2/service/ses"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/dynamo"
	secretstore "example.com/appointments/internal/secretsmanager"
	"example.com/appointments/internal/ses"
	"example.com/appointments/internal/testing/awsstub"
)

func start(t *testing.T) *awsstub.Server {
	t.Helper()
	s, err := awsstub.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("URL = %q, want a loopback address", s.URL)
	}
	return s
}

func request() appointment.Request {
	yes := true
	return appointment.Request{
		ID: appointment.NewID(), Reference: appointment.NewReference(),
		FirstName: "Jordan", LastName: "Rivera", Email: "jordan.rivera@example.com", Phone: "+13035550142",
		Service: "dry-needling", Location: "main", PreferredDays: []string{"mon"}, NewPatient: &yes,
		ContactMethod: "phone", Reason: "Tight shoulder.", Status: appointment.StatusReceived,
		CreatedAt: time.Now().UTC().Truncate(time.Millisecond),
	}
}

// TestDynamoDB runs the real store's calls through the SDK against the
// stub: what is put is read back, counters count 1, every write succeeds.
func TestDynamoDB(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	store := dynamo.New(dynamodb.NewFromConfig(s.AWSConfig()), "requests", 365)
	r := request()

	receipt, err := store.Create(ctx, r, appointment.Dedupe{Fingerprint: r.Fingerprint()})
	if err != nil || receipt.ID != r.ID || receipt.Replayed {
		t.Fatalf("Create() = %+v, %v", receipt, err)
	}
	got, err := store.Get(ctx, r.ID)
	if err != nil || got.ID != r.ID || got.Email != r.Email || got.Reference != r.Reference || !got.CreatedAt.Equal(r.CreatedAt) {
		t.Fatalf("Get() = %+v, %v", got, err)
	}
	if _, err := store.Get(ctx, appointment.NewID()); !errors.Is(err, appointment.ErrNotFound) {
		t.Errorf("Get() of an unknown ID: %v, want ErrNotFound", err)
	}
	if n, err := store.Count(ctx, "client", time.Now(), time.Hour, 1); n != 1 || err != nil {
		t.Errorf("Count() = %d, %v, want 1", n, err)
	}
	open, err := store.List(ctx, appointment.StatusReceived, 10)
	if err != nil || len(open) != 1 || open[0].ID != r.ID {
		t.Errorf("List(received) = %d requests, %v; want the one stored", len(open), err)
	}
	if none, err := store.List(ctx, appointment.StatusContacted, 10); err != nil || len(none) != 0 {
		t.Errorf("List(contacted) = %d requests, %v; want none", len(none), err)
	}
	other := request()
	if _, ok, err := store.Submit(ctx, other, appointment.Dedupe{Fingerprint: other.Fingerprint()}, []appointment.Spend{{Name: "client", WindowStart: time.Now().Truncate(time.Hour), Window: time.Hour, Max: 3}}); !ok || err != nil {
		t.Errorf("Submit() = %v, %v; want it applied", ok, err)
	}
	if got, err := store.Get(ctx, other.ID); err != nil || got.ID != other.ID {
		t.Errorf("Get() after Submit = %+v, %v", got, err)
	}
	claimed, _, err := store.ClaimEmail(ctx, r.ID, appointment.EmailKind("patient"), "lease", time.Now().Add(time.Minute), time.Now())
	if !claimed || err != nil {
		t.Errorf("ClaimEmail() = %v, %v", claimed, err)
	}
	if err := store.MarkEmailSent(ctx, r.ID, appointment.EmailKind("patient"), "lease", "m1", time.Now()); err != nil {
		t.Errorf("MarkEmailSent() = %v", err)
	}

	calls := s.Calls()
	for op, want := range map[string]int{"DynamoDB.PutItem": 2, "DynamoDB.GetItem": 3, "DynamoDB.UpdateItem": 3, "DynamoDB.Query": 2, "DynamoDB.TransactWriteItems": 1} {
		if calls[op] != want {
			t.Errorf("calls[%s] = %d, want %d (all: %v)", op, calls[op], want, calls)
		}
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}

	s.Reset()
	if _, err := store.Get(ctx, r.ID); !errors.Is(err, appointment.ErrNotFound) {
		t.Errorf("Get() after Reset: %v, want ErrNotFound", err)
	}
	if s.Calls()["DynamoDB.GetItem"] != 4 {
		t.Errorf("Reset forgot the counts of calls: %v", s.Calls())
	}
}

// TestSESAndSecrets sends through the real sender, reads the quota and a
// secret through the SDK.
func TestSESAndSecrets(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	mail := sesapi.NewFromConfig(s.AWSConfig(), func(o *sesapi.Options) { o.Retryer = aws.NopRetryer{} })
	m := appointment.Message{From: "appointments@example.com", To: []string{"frontdesk@example.com"}, Raw: []byte("Subject: x\r\n\r\nx\r\n")}
	id, err := ses.New(mail, "set").Send(ctx, m)
	if err != nil || id == "" {
		t.Fatalf("Send() = %q, %v", id, err)
	}
	id2, err := ses.New(mail, "").Send(ctx, m)
	if err != nil || id2 == id {
		t.Errorf("second Send() = %q, %v; want a new message ID", id2, err)
	}
	q, err := mail.GetSendQuota(ctx, &sesapi.GetSendQuotaInput{})
	if err != nil || q.MaxSendRate != 14 || q.Max24HourSend != 50000 || q.SentLast24Hours != 0 {
		t.Fatalf("GetSendQuota() = %+v, %v", q, err)
	}
	s.SetMaxSendRate(1000)
	if q, err := mail.GetSendQuota(ctx, &sesapi.GetSendQuotaInput{}); err != nil || q.MaxSendRate != 1000 {
		t.Errorf("GetSendQuota() after SetMaxSendRate = %+v, %v", q, err)
	}
	// The production pacer reads the quota the same way.
	if rate := ses.NewPacer(mail, slog.New(slog.NewTextHandler(io.Discard, nil))).Rate(ctx); rate <= 14 {
		t.Errorf("pacer rate = %v, want it from the quota of 1000", rate)
	}

	secret, err := secretstore.Read(ctx, secretsmanager.NewFromConfig(s.AWSConfig()), "arn:aws:secretsmanager:us-east-1:123456789012:secret:links-AbCdEf")
	if err != nil || secret != awsstub.Secret || len(secret) < 32 {
		t.Errorf("Read() = %q, %v", secret, err)
	}

	calls := s.Calls()
	if calls["SES.SendRawEmail"] != 2 || calls["SES.GetSendQuota"] != 3 || calls["SecretsManager.GetSecretValue"] != 1 {
		t.Errorf("calls = %v", calls)
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}

// TestUnsupported: a call the stub does not answer fails, and Check says
// so.
func TestUnsupported(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	if _, err := dynamodb.NewFromConfig(s.AWSConfig()).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("t")}); err == nil {
		t.Error("DescribeTable succeeded")
	}
	resp, err := http.Post(s.URL, "application/x-www-form-urlencoded", strings.NewReader("Action=VerifyEmailIdentity"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown SES action: %d", resp.StatusCode)
	}
	err = s.Check()
	if !errors.Is(err, awsstub.ErrUnsupported) || !strings.Contains(err.Error(), "DescribeTable") || !strings.Contains(err.Error(), "VerifyEmailIdentity") {
		t.Errorf("Check() = %v", err)
	}
}
