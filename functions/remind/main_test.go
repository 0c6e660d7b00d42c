package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/testing/iamsim"
	"example.com/appointments/internal/testing/lambdatest"
	"example.com/appointments/internal/testing/mototest"

	"example.com/appointments/internal/wire/remindfn"
)

// setup is the function's set-up, as its main runs it.
var setup = remindfn.Function.Setup

const (
	table     = "appointments-test"
	sender    = "appointments@example.com"
	frontDesk = "frontdesk@example.com"
	confSet   = "appointments-test"
	// linkKey and hashingKey are the keys the tests store in Secrets
	// Manager, 64 characters like the ones the template generates.
	linkKey    = "remind-bootstrap-test-link-key-0123456789abcdefghijklmnopqrstuvw"
	hashingKey = "remind-bootstrap-test-hashing-key-0123456789abcdefghijklmnopqrst"
	// before is the reminder time the function runs with, the default.
	before = time.Duration(appointment.DefaultReminderHoursBefore) * time.Hour
)

// backend is moto with the table (made from template.yaml, so with the
// ByAppointment index), the verified sender, the configuration set and
// the two keys the function reads.
type backend struct {
	moto  *mototest.Server
	store *dynamo.Store
	// endpoint is where the functions reach moto: a proxy that lets one
	// DynamoDB call at a time through (mototest.SerialTransport), so that
	// two functions racing for one reminder's claim see each call applied
	// atomically, as DynamoDB applies it, and not moto's half-done writes.
	endpoint          string
	linkARN, hashARN  string
	bootstrap         string
	bootstrapBuilding sync.Once
}

func newBackend(t *testing.T) *backend {
	t.Helper()
	srv := mototest.Start(t)
	srv.CreateRequestsTable(t, table)
	srv.PrepareSES(t, sender, confSet)
	ctx := context.Background()
	secrets := secretsmanager.NewFromConfig(srv.AWSConfig())
	link, err := secrets.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("action-link-key"), SecretString: aws.String(linkKey)})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := secrets.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("hashing-key"), SecretString: aws.String(hashingKey)})
	if err != nil {
		t.Fatal(err)
	}
	upstream, err := url.Parse(srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	proxy.Transport = srv.SerialTransport(http.DefaultTransport)
	serial := httptest.NewServer(proxy)
	t.Cleanup(serial.Close)
	return &backend{
		moto:     srv,
		store:    dynamo.New(dynamodb.NewFromConfig(srv.AWSConfig()), table, 365),
		endpoint: serial.URL,
		linkARN:  *link.ARN,
		hashARN:  *hash.ARN,
	}
}

// startRemind runs the RemindFunction's bootstrap, built once per test,
// under an emulator of its own: a second call gives a second execution
// environment, as Lambda runs two invocations that overlap.
func (b *backend) startRemind(t *testing.T) *lambdatest.Function {
	t.Helper()
	b.bootstrapBuilding.Do(func() { b.bootstrap = lambdatest.BuildBootstrap(t, "RemindFunction") })
	// Every AWS call the function makes must be one its role allows.
	return lambdatest.Start(t, b.bootstrap, iamsim.Watch(t, "RemindFunction", b.endpoint, append(b.moto.Env(),
		"TABLE_NAME="+table,
		"SENDER_EMAIL="+sender,
		"FRONT_DESK_EMAIL="+frontDesk,
		"CONFIGURATION_SET_NAME="+confSet,
		"MANAGE_BASE_URL=https://api.example.com",
		"ACTION_LINK_KEY_SECRET_ARN="+b.linkARN,
		"HASHING_KEY_SECRET_ARN="+b.hashARN,
		"REMINDER_HOURS_BEFORE=24",
		"METRICS_NAMESPACE=ClinicAppointments",
	)))
}

// step is an action taken on a request at a time; a schedule or
// reschedule books the appointment at start.
type step struct {
	action appointment.Action
	at     time.Time
	start  time.Time
}

// put stores a request made at created through the DynamoDB adapter, as
// SubmitFunction does, and takes it through the steps, as ManageFunction
// does (appointment.Request.Apply, then the store's Transition).
func (b *backend) put(t *testing.T, name string, created time.Time, steps ...step) appointment.Request {
	t.Helper()
	ctx := context.Background()
	r := appointment.Request{
		FirstName: name, LastName: "Rivera", Email: strings.ToLower(name) + ".rivera@example.com", Phone: "+13035550142",
		Service: "evaluation", Location: "main", Status: appointment.StatusReceived, Reason: "Knee pain after climbing.",
	}
	r.Stamp(created)
	if _, err := b.store.Create(ctx, r, appointment.Dedupe{Fingerprint: r.ID}); err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		b.apply(t, r.ID, s)
	}
	return b.get(t, r.ID)
}

func (b *backend) apply(t *testing.T, id string, s step) {
	t.Helper()
	ctx := context.Background()
	before, err := b.store.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	c := appointment.Command{Action: s.action, Audience: s.action.Audience()}
	if !s.start.IsZero() {
		c.Booking = &appointment.Booking{Start: s.start, Length: 45 * time.Minute}
	}
	after, _, err := before.Apply(c, s.at)
	if err != nil {
		t.Fatalf("%s at %v: %v", s.action, s.at, err)
	}
	if err := b.store.Transition(ctx, before, after); err != nil {
		t.Fatal(err)
	}
}

func (b *backend) get(t *testing.T, id string) appointment.Request {
	t.Helper()
	r, err := b.store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func sweepEvent(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(lambdatest.RepoRoot(t), "infra", "events", "remind-schedule.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// invoke runs a sweep with the schedule's sample event; a sweep that
// settled every reminder due answers null.
func invoke(t *testing.T, fn *lambdatest.Function) {
	t.Helper()
	if out := fn.Invoke(t, sweepEvent(t)); strings.TrimSpace(string(out)) != "null" {
		t.Fatalf("the sweep answered %s, want null", out)
	}
}

// invokeAt sends the sweep's event to an emulator's Invoke API and
// returns the answer, for invocations made from goroutines of their own,
// where the test cannot be stopped.
func invokeAt(endpoint string, payload []byte) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/2015-03-31/functions/function/invocations", bytes.NewReader(payload))
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %s: %s", resp.Status, body)
	}
	return strings.TrimSpace(string(body)), nil
}

// TestRemindersUnderEmulator runs the real bootstrap against moto's
// DynamoDB and SES. Of four appointments in about ten hours, only the one
// booked two days ago is reminded: not the one booked an hour ago (inside
// the reminder time), not the one cancelled, and not the one whose
// address complained, whose reminder is recorded failed. Two sweeps at
// once, in two execution environments, and one more after, send the
// reminder once, with the cancel link; it is recorded sent. Moved three
// days on, the appointment's new reminder is not due, and nothing more is
// sent.
func TestRemindersUnderEmulator(t *testing.T) {
	b := newBackend(t)
	ctx := context.Background()
	now := time.Now()
	soon := now.Add(10 * time.Hour).Truncate(time.Minute)
	twoDaysAgo, threeDaysAgo := now.Add(-48*time.Hour), now.Add(-72*time.Hour)

	due := b.put(t, "Dana", threeDaysAgo, step{action: appointment.ActionSchedule, at: twoDaysAgo, start: soon})
	inside := b.put(t, "Ines", now.Add(-2*time.Hour), step{action: appointment.ActionSchedule, at: now.Add(-time.Hour), start: soon})
	cancelled := b.put(t, "Cato", threeDaysAgo,
		step{action: appointment.ActionSchedule, at: twoDaysAgo, start: soon},
		step{action: appointment.ActionCancel, at: now.Add(-time.Hour)})
	complained := b.put(t, "Sami", threeDaysAgo, step{action: appointment.ActionSchedule, at: twoDaysAgo, start: soon})
	if err := b.store.Suppress(ctx, appointment.SuppressionKey([]byte(hashingKey), complained.Email), "complaint", now.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	reminder, ok := due.Reminder(before)
	if !ok || !reminder.Due(now) {
		t.Fatalf("the first request's reminder is %+v (%t), want one due now", reminder, ok)
	}
	if _, ok := inside.Reminder(before); ok {
		t.Fatal("a booking made inside the reminder time calls for a reminder")
	}

	// Two sweeps at once: whichever claims the reminder sends it; the
	// other finds it claimed and either waits for the next sweep, which it
	// says with an error, or, once it is recorded, has nothing to do.
	first, second := b.startRemind(t), b.startRemind(t)
	payload := sweepEvent(t)
	answers := make([]string, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, fn := range []*lambdatest.Function{first, second} {
		wg.Go(func() { answers[i], errs[i] = invokeAt(fn.Endpoint(), payload) })
	}
	wg.Wait()
	for i := range answers {
		if errs[i] != nil {
			t.Fatalf("sweep %d: %v", i+1, errs[i])
		}
		if answers[i] != "null" && !strings.Contains(answers[i], "not settled") {
			t.Errorf("sweep %d answered %s, want null, or that a reminder was left to the next sweep", i+1, answers[i])
		}
	}
	// The next sweep settles everything.
	invoke(t, first)

	emails := b.moto.RawEmails(t)
	if len(emails) != 1 {
		var to []string
		for _, e := range emails {
			to = append(to, strings.Join(e.Destinations, ","))
		}
		t.Fatalf("%d emails at SES, to %v; want one reminder, to %s", len(emails), to, due.Email)
	}
	e := emails[0]
	if e.Source != sender || strings.Join(e.Destinations, ",") != due.Email {
		t.Errorf("reminder from %s to %v, want from %s to %s", e.Source, e.Destinations, sender, due.Email)
	}
	profile, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	composer, err := email.NewComposer(profile, email.Settings{Sender: sender, FrontDesk: []string{frontDesk}})
	if err != nil {
		t.Fatal(err)
	}
	composed, err := composer.Compose(reminder.Kind, due)
	if err != nil {
		t.Fatalf("compose the reminder: %v", err)
	}
	if got, want := e.Message.Header.Get("Subject"), composed.Subject; got != want || !strings.HasPrefix(got, "Reminder") {
		t.Errorf("Subject = %q, want the reminder's %q", got, want)
	}
	body, err := io.ReadAll(e.Message.Body)
	if err != nil {
		t.Fatal(err)
	}
	// The cancel link is the stack's, signed with its key, for this
	// request (quoted-printable's soft line breaks joined first).
	m := regexp.MustCompile(`https://api\.example\.com/manage/cancel/([A-Za-z0-9_-]+)`).FindSubmatch(bytes.ReplaceAll(body, []byte("=\r\n"), nil))
	if m == nil {
		t.Fatalf("the reminder has no cancel link:\n%s", body)
	}
	signer, err := actionlink.New([]byte(linkKey))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := signer.Verify(string(m[1]), appointment.ActionCancel, time.Now()); err != nil || c.RequestID != due.ID {
		t.Errorf("the cancel link's token = %+v, %v; want one for %s", c, err, due.ID)
	}

	if d := b.get(t, due.ID).Deliveries[reminder.Kind]; d.State != appointment.DeliverySent || d.MessageID == "" {
		t.Errorf("the reminder's record: %+v, want sent with SES's message ID", d)
	}
	complainedReminder, _ := complained.Reminder(before)
	if d := b.get(t, complained.ID).Deliveries[complainedReminder.Kind]; d.State != appointment.DeliveryFailed || d.Reason != appointment.ReasonComplaint {
		t.Errorf("the complained-about address's reminder record: %+v, want failed with the reason %q", d, appointment.ReasonComplaint)
	}
	for _, r := range []appointment.Request{inside, cancelled} {
		for kind, d := range b.get(t, r.ID).Deliveries {
			if base, _, _ := kind.Transition(); base == appointment.EmailReminder {
				t.Errorf("%s's request has a reminder record %s: %+v", r.FirstName, kind, d)
			}
		}
	}

	// Moved three days on: the new booking's reminder is not due yet, and
	// the old booking's reminder, sent already, is not sent again.
	b.apply(t, due.ID, step{action: appointment.ActionReschedule, at: time.Now(), start: time.Now().Add(72 * time.Hour).Truncate(time.Minute)})
	moved := b.get(t, due.ID)
	if next, ok := moved.Reminder(before); !ok || next.Kind == reminder.Kind || next.Due(time.Now()) {
		t.Fatalf("the moved booking's reminder is %+v (%t), want a new one, not due yet", next, ok)
	}
	invoke(t, second)
	if n := len(b.moto.RawEmails(t)); n != 1 {
		t.Errorf("%d emails at SES after the reschedule, want still the one reminder", n)
	}

	var out strings.Builder
	for _, fn := range []*lambdatest.Function{first, second} {
		out.WriteString(fn.Output())
	}
	for _, want := range []string{`"message":"email sent"`, `"EmailsSent":1`, `"message":"email not sent: the address complained about an earlier one"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the functions' output lacks %s:\n%s", want, out.String())
		}
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, `"message":"email sent"`) && !strings.Contains(line, `"requestId":"`) {
			t.Errorf("log entry without Lambda's request ID: %s", line)
		}
	}
	for _, r := range []appointment.Request{due, inside, cancelled, complained} {
		if strings.Contains(out.String(), r.FirstName) || strings.Contains(out.String(), r.Email) {
			t.Errorf("the functions' output names %s", r.FirstName)
		}
	}
	for _, secret := range []string{"5550142", "climbing", linkKey, hashingKey} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("the functions' output contains %q", secret)
		}
	}
}

func TestSetupRefusesBadSettings(t *testing.T) {
	base := map[string]string{
		"TABLE_NAME":       "t",
		"SENDER_EMAIL":     sender,
		"FRONT_DESK_EMAIL": frontDesk,
		"AWS_REGION":       "us-east-1",
		// The credentials Lambda gives the function's role.
		"AWS_ACCESS_KEY_ID":     "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	for _, hours := range []string{"", "0", "24", "168"} {
		getenv := lambdatest.EnvWith(base, "REMINDER_HOURS_BEFORE", hours)
		if _, err := setup(context.Background(), getenv, log); err != nil {
			t.Errorf("setup() with REMINDER_HOURS_BEFORE=%q: %v", hours, err)
		}
	}
	for _, tt := range []struct{ key, value string }{
		{"TABLE_NAME", ""},
		{"SENDER_EMAIL", ""},
		{"FRONT_DESK_EMAIL", ""},
		{"CONFIRMATIONS_PER_HOUR", "lots"},
		{"REMINDER_HOURS_BEFORE", "169"},
		{"REMINDER_HOURS_BEFORE", "-1"},
		{"REMINDER_HOURS_BEFORE", "a day"},
		{"AWS_ACCESS_KEY_ID", ""},
		// A key without the API's address cannot make the cancel link.
		{"ACTION_LINK_KEY_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:k"},
	} {
		getenv := lambdatest.EnvWith(base, tt.key, tt.value)
		if _, err := setup(context.Background(), getenv, log); err == nil {
			t.Errorf("setup() accepted %s=%q", tt.key, tt.value)
		}
	}
}
