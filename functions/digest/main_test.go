package main

import (
	"context"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/testing/iamsim"
	"example.com/appointments/internal/testing/lambdatest"
	"example.com/appointments/internal/testing/mototest"

	"example.com/appointments/internal/wire/digestfn"
)

// setup is the function's set-up, as its main runs it.
var setup = digestfn.Function.Setup

const (
	table     = "appointments-test"
	sender    = "appointments@example.com"
	frontDesk = "frontdesk@example.com"
	confSet   = "appointments-test"
	// key is the link key the tests store in Secrets Manager, 64
	// characters like the one the template generates.
	key = "digest-bootstrap-test-key-0123456789abcdefghijklmnopqrstuvwxyzAB"
)

// backend is moto with the table, the verified sender, the configuration
// set and the link key the function expects.
type backend struct {
	moto      *mototest.Server
	store     *dynamo.Store
	secretARN string
}

func newBackend(t *testing.T) *backend {
	t.Helper()
	srv := mototest.Start(t)
	srv.CreateRequestsTable(t, table)
	srv.PrepareSES(t, sender, confSet)
	secret, err := secretsmanager.NewFromConfig(srv.AWSConfig()).CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String("action-link-key"), SecretString: aws.String(key),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &backend{moto: srv, store: dynamo.New(dynamodb.NewFromConfig(srv.AWSConfig()), table, 365), secretARN: *secret.ARN}
}

func (b *backend) startDigest(t *testing.T) *lambdatest.Function {
	t.Helper()
	// Every AWS call the function makes must be one its role allows.
	return lambdatest.Start(t, lambdatest.BuildBootstrap(t, "DigestFunction"), iamsim.Watch(t, "DigestFunction", b.moto.Endpoint, append(b.moto.Env(),
		"TABLE_NAME="+table,
		"SENDER_EMAIL="+sender,
		"FRONT_DESK_EMAIL="+frontDesk,
		"CONFIGURATION_SET_NAME="+confSet,
		"MANAGE_BASE_URL=https://api.example.com",
		"ACTION_LINK_KEY_SECRET_ARN="+b.secretARN,
		"METRICS_NAMESPACE=ClinicAppointments",
	)))
}

// put stores a request of the given age directly in the table, through the
// DynamoDB adapter as SubmitFunction does, and takes it through the
// actions, as ManageFunction does.
func (b *backend) put(t *testing.T, name string, status appointment.Status, age time.Duration, actions ...appointment.Action) appointment.Request {
	t.Helper()
	ctx := context.Background()
	r := appointment.Request{
		FirstName: name, LastName: "Rivera", Email: strings.ToLower(name) + "@example.com", Phone: "+13035550142",
		Service: "evaluation", Location: "main", Status: status, Reason: "Knee pain after climbing.",
	}
	r.Stamp(time.Now().Add(-age))
	if _, err := b.store.Create(ctx, r, appointment.Dedupe{Fingerprint: r.ID}); err != nil {
		t.Fatal(err)
	}
	for _, a := range actions {
		before, err := b.store.Get(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := appointment.Command{Action: a, Audience: a.Audience()}
		if a == appointment.ActionSchedule {
			c.Booking = &appointment.Booking{Start: time.Now().Add(72 * time.Hour), Length: time.Hour}
		}
		after, _, err := before.Apply(c, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := b.store.Transition(ctx, before, after); err != nil {
			t.Fatal(err)
		}
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

// invoke runs the function with the schedule's sample event; a function
// that returns only an error answers null.
func invoke(t *testing.T, fn *lambdatest.Function) {
	t.Helper()
	if out := fn.Invoke(t, readEvent(t, "digest-schedule.json")); strings.TrimSpace(string(out)) != "null" {
		t.Fatalf("the invocation answered %s, want null", out)
	}
}

// textPart returns the decoded plain-text part of a multipart message.
func textPart(t *testing.T, m *mail.Message) string {
	t.Helper()
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err != nil {
			t.Fatalf("no text part: %v", err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			b, err := io.ReadAll(quotedprintable.NewReader(p))
			if err != nil {
				t.Fatal(err)
			}
			return strings.ReplaceAll(string(b), "\r\n", "\n")
		}
	}
}

// TestScheduleUnderEmulator stores requests of every state and age in
// moto's table and invokes the built bootstrap with the schedule's sample
// event twice, as a repeated delivery would: one digest reaches the front
// desk, listing exactly the open requests, the overdue ones first.
func TestScheduleUnderEmulator(t *testing.T) {
	b := newBackend(t)
	day := 24 * time.Hour
	legacy := b.put(t, "Lena", "new", 12*day)
	overdue := b.put(t, "Omar", appointment.StatusReceived, 10*day)
	contacted := b.put(t, "Cora", appointment.StatusReceived, 3*day, appointment.ActionContact)
	fresh := b.put(t, "Finn", appointment.StatusReceived, 5*time.Minute)
	settled := []appointment.Request{
		b.put(t, "Sami", appointment.StatusReceived, 11*day, appointment.ActionContact, appointment.ActionSchedule),
		b.put(t, "Dana", appointment.StatusReceived, 9*day, appointment.ActionDecline),
		b.put(t, "Cato", appointment.StatusReceived, 2*day, appointment.ActionCancel),
	}

	fn := b.startDigest(t)
	invoke(t, fn)
	invoke(t, fn)

	emails := b.moto.RawEmails(t)
	if len(emails) != 1 {
		t.Fatalf("%d emails at SES, want one digest", len(emails))
	}
	e := emails[0]
	if e.Source != sender || strings.Join(e.Destinations, ",") != frontDesk {
		t.Errorf("digest from %s to %v, want from %s to %s", e.Source, e.Destinations, sender, frontDesk)
	}
	if got, want := e.Message.Header.Get("Subject"), "Open requests: 4 (2 overdue)"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	text := textPart(t, e.Message)
	overdueAt, openAt := strings.Index(text, "\nOVERDUE\n"), strings.Index(text, "\nOPEN\n")
	last := -1
	for i, r := range []appointment.Request{legacy, overdue, contacted, fresh} {
		at := strings.Index(text, r.Reference)
		if at < last || (i < 2) != (overdueAt < at && at < openAt) {
			t.Errorf("%s (%s) is listed out of place:\n%s", r.FirstName, r.Reference, text)
		}
		last = at
	}
	for _, r := range settled {
		if strings.Contains(text, r.Reference) || strings.Contains(text, r.FirstName) {
			t.Errorf("the digest lists %s, whose request is settled", r.FirstName)
		}
	}
	if strings.Contains(text, "climbing") || strings.Contains(text, "@example.com") {
		t.Error("the digest shows a patient's reason or address")
	}

	// The links are the stack's, signed with its key.
	m := regexp.MustCompile(`Mark as contacted: https://api\.example\.com/manage/contact/([A-Za-z0-9_-]+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("the digest has no contact link:\n%s", text)
	}
	signer, err := actionlink.New([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := signer.Verify(m[1], appointment.ActionContact, time.Now()); err != nil || c.RequestID != legacy.ID {
		t.Errorf("the first contact link's token = %+v, %v; want one for %s", c, err, legacy.ID)
	}

	out := fn.Output()
	for _, want := range []string{`"message":"digest sent"`, `"message":"digest already sent today"`, `"EmailsSent":1`} {
		if !strings.Contains(out, want) {
			t.Errorf("the function's output lacks %s:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"message":"digest`) && !strings.Contains(line, `"requestId":"`) {
			t.Errorf("log entry without Lambda's request ID: %s", line)
		}
	}
	for _, r := range append(settled, legacy, overdue, contacted, fresh) {
		if strings.Contains(out, r.FirstName) || strings.Contains(out, r.Email) {
			t.Errorf("the function's output names %s", r.FirstName)
		}
	}
	for _, secret := range []string{"5550142", frontDesk, key} {
		if strings.Contains(out, secret) {
			t.Errorf("the function's output contains %q", secret)
		}
	}
}

// TestNothingOpenUnderEmulator: with no open request the schedule's
// invocation succeeds and sends nothing.
func TestNothingOpenUnderEmulator(t *testing.T) {
	b := newBackend(t)
	b.put(t, "Dana", appointment.StatusReceived, 9*24*time.Hour, appointment.ActionDecline)
	fn := b.startDigest(t)
	invoke(t, fn)
	if n := len(b.moto.RawEmails(t)); n != 0 {
		t.Errorf("%d emails at SES, want none", n)
	}
	if out := fn.Output(); !strings.Contains(out, "no open requests") {
		t.Errorf("the function's output does not say why nothing was sent:\n%s", out)
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
		// A key without the API's address cannot make links.
		{"ACTION_LINK_KEY_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:k"},
	} {
		getenv := lambdatest.EnvWith(base, tt.key, tt.value)
		if _, err := setup(context.Background(), getenv, log); err == nil {
			t.Errorf("setup() accepted %s=%q", tt.key, tt.value)
		}
	}
}
