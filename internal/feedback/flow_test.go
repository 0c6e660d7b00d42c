package feedback_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	sesapi "github.com/aws/aws-sdk-go-v2/service/ses"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/feedback"
	"example.com/appointments/internal/local/dynamostreams"
	"example.com/appointments/internal/metrics"
	"example.com/appointments/internal/notify"
	"example.com/appointments/internal/ses"
	"example.com/appointments/internal/testing/iamsim"
	"example.com/appointments/internal/testing/lambdatest"
	"example.com/appointments/internal/testing/mototest"
	"example.com/appointments/internal/testing/samtemplate"
)

// These tests take SES's feedback through the parts the stack wires
// together, against moto: requests stored by the real store, their emails
// sent by the notify handler through SES, SES's events (the samples in
// infra/events, naming the messages just sent) recorded by the feedback
// handler, and the stream records these writes make passed through the
// template's own event filter to the notify handler, as Lambda would.

const (
	sender    = "appointments@example.com"
	frontDesk = "frontdesk@example.com"
	tableName = "requests"
	confSet   = "appointments"
)

var hashingKey = []byte("feedback-test-hashing-key-0123456789abcdefghijklmnopqrstuvwxyzAB")

type world struct {
	moto     *mototest.Server
	store    *dynamo.Store
	reader   *dynamostreams.Reader
	filter   *dynamostreams.Filter
	notify   *notify.Handler
	feedback *feedback.Handler
	tags     *tagRecorder
	metrics  *bytes.Buffer
}

func newWorld(t *testing.T) *world {
	t.Helper()
	srv := mototest.Start(t)
	cfg := srv.AWSConfig()
	streamARN := srv.CreateRequestsTable(t, tableName)
	srv.PrepareSES(t, sender, confSet)
	tmpl, err := os.ReadFile(filepath.Join(lambdatest.RepoRoot(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	patterns, err := samtemplate.EventFilters(tmpl, "NotifyFunction", "RequestsStream")
	if err != nil {
		t.Fatal(err)
	}
	filter, err := dynamostreams.NewFilter(patterns...)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{
		moto:    srv,
		store:   dynamo.New(dynamodb.NewFromConfig(cfg), tableName, 365),
		reader:  dynamostreams.NewReader(dynamodbstreams.NewFromConfig(cfg), streamARN),
		filter:  filter,
		tags:    &tagRecorder{next: http.DefaultTransport},
		metrics: &bytes.Buffer{},
	}
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	composer, err := email.NewComposer(p, email.Settings{Sender: sender, FrontDesk: []string{frontDesk}})
	if err != nil {
		t.Fatal(err)
	}
	// Each handler has clients of its own, whose every call must be one
	// its function's role allows; the test's own reads and writes (w.store)
	// stand for other functions and the front desk, and are not checked.
	stack := iamsim.Binding{"RequestsTable": tableName, "SenderEmail": sender, "EmailConfigurationSet": confSet}
	notifyCfg := cfg.Copy()
	notifyCfg.HTTPClient = &http.Client{Transport: iamsim.WatchTransport(t, "NotifyFunction", stack, w.tags)}
	feedbackCfg := cfg.Copy()
	feedbackCfg.HTTPClient = &http.Client{Transport: iamsim.WatchTransport(t, "FeedbackFunction", stack, nil)}
	notifyStore := dynamo.New(dynamodb.NewFromConfig(notifyCfg), tableName, 365)
	mail := sesapi.NewFromConfig(notifyCfg, func(o *sesapi.Options) { o.Retryer = aws.NopRetryer{} })
	discard := slog.New(slog.NewJSONHandler(io.Discard, nil))
	w.notify = notify.New(dynamo.ChangeOf, notifyStore, ses.New(mail, confSet), composer, discard, metrics.New(io.Discard, "Test"))
	w.notify.CheckSuppressions(notifyStore, hashingKey)
	w.feedback = feedback.New(dynamo.New(dynamodb.NewFromConfig(feedbackCfg), tableName, 365), hashingKey, discard, metrics.New(w.metrics, "Test"))
	return w
}

// tagRecorder keeps the message tags of each SendRawEmail call, which
// moto accepts and does not keep.
type tagRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	sent []string
}

func (r *tagRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	if bytes.Contains(body, []byte("Action=SendRawEmail")) {
		r.mu.Lock()
		r.sent = append(r.sent, string(body))
		r.mu.Unlock()
	}
	return r.next.RoundTrip(req)
}

func (w *world) submit(t *testing.T, firstName string) appointment.Request {
	t.Helper()
	r := appointment.Request{
		FirstName: firstName, LastName: "Rivera", Email: strings.ToLower(firstName) + "@example.org", Phone: "+13035550142",
		Service: "dry-needling", Location: "main", PreferredDays: []string{"mon"},
		Reason: "Tight shoulder.", Status: appointment.StatusReceived,
	}
	r.Stamp(time.Now())
	if _, err := w.store.Create(context.Background(), r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	return r
}

// stream hands the notify handler what the stream gained and the filter
// passes, as Lambda would, and returns how many records passed.
func (w *world) stream(t *testing.T) int {
	t.Helper()
	recs, err := w.reader.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	passed, err := w.filter.Select(recs)
	if err != nil {
		t.Fatal(err)
	}
	if len(passed) == 0 {
		return 0
	}
	resp, err := w.notify.Handle(context.Background(), events.DynamoDBEvent{Records: passed})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("notify: %v, failures %v", err, resp.BatchItemFailures)
	}
	return len(passed)
}

// event is the named sample EventBridge event, rewritten to be about the email of
// the given kind of request r, as SES would publish it.
func (w *world) event(t *testing.T, sample string, r appointment.Request, kind appointment.EmailKind) events.EventBridgeEvent {
	t.Helper()
	got, err := w.store.Get(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	messageID := got.Deliveries[kind].MessageID
	if messageID == "" {
		t.Fatalf("the %s email of %s has no message ID", kind, r.ID)
	}
	return sampleEvent(t, sample, func(m map[string]any) {
		mail := m["mail"].(map[string]any)
		mail["messageId"] = messageID
		mail["destination"] = []string{r.Email}
		tags := mail["tags"].(map[string]any)
		tags["request"] = []string{r.ID}
		tags["email"] = []string{string(kind)}
		if c, ok := m["complaint"].(map[string]any); ok {
			c["complainedRecipients"] = []map[string]string{{"emailAddress": r.Email}}
		}
	})
}

// sampleEvent reads infra/events/<name>, passing its SES event through
// edit.
func sampleEvent(t *testing.T, name string, edit func(map[string]any)) events.EventBridgeEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(lambdatest.RepoRoot(t), "infra", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	var e events.EventBridgeEvent
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return rewrite(t, e, edit)
}

func (w *world) record(t *testing.T, e events.EventBridgeEvent) {
	t.Helper()
	if err := w.feedback.Handle(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

func (w *world) delivery(t *testing.T, r appointment.Request, kind appointment.EmailKind) appointment.Delivery {
	t.Helper()
	got, err := w.store.Get(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.Deliveries[kind]
}

func TestEmailsCarryTheirRequestAndKind(t *testing.T) {
	w := newWorld(t)
	r := w.submit(t, "Jordan")
	w.stream(t)
	if len(w.tags.sent) != 2 {
		t.Fatalf("%d sends, want 2", len(w.tags.sent))
	}
	for _, body := range w.tags.sent {
		if !strings.Contains(body, "Tags.member.1.Name=request&Tags.member.1.Value="+r.ID) || !strings.Contains(body, "Tags.member.2.Name=email&Tags.member.2.Value=") {
			t.Errorf("send without the request's tags: %s", body)
		}
	}
}

// TestPermanentBounce: the confirmation's permanent bounce is recorded on
// it, and the front desk gets one notice to call the patient, however
// often SES's event arrives.
func TestPermanentBounce(t *testing.T) {
	w := newWorld(t)
	r := w.submit(t, "Jordan")
	other := w.submit(t, "Sam")
	if n := w.stream(t); n != 2 {
		t.Fatalf("%d new requests passed the filter, want 2", n)
	}
	before := len(w.moto.RawEmails(t))

	bounce := w.event(t, "feedback-bounce.json", r, appointment.EmailPatient)
	w.record(t, bounce)
	w.record(t, bounce) // delivered again, as a retry would
	d := w.delivery(t, r, appointment.EmailPatient)
	if d.State != appointment.DeliverySent || d.Report.Feedback != appointment.FeedbackBounced || d.Report.BounceType != appointment.BouncePermanent || d.Report.At.IsZero() {
		t.Fatalf("the confirmation's record after the bounce: %+v", d)
	}
	// DynamoDB writes no stream record for the second, unchanged write;
	// moto does, and the notify handler must let it call for nothing.
	if n := w.stream(t); n < 1 {
		t.Errorf("%d records passed the filter after the bounce, want the bounce's", n)
	}
	w.record(t, bounce) // and again, after the notice went out
	w.stream(t)

	sent := w.moto.RawEmails(t)[before:]
	if len(sent) != 1 {
		t.Fatalf("%d emails after the bounce, want the one notice", len(sent))
	}
	notice := sent[0]
	if strings.Join(notice.Destinations, ",") != frontDesk {
		t.Errorf("the notice went to %v", notice.Destinations)
	}
	subject := notice.Message.Header.Get("Subject")
	body, _ := io.ReadAll(notice.Message.Body)
	if !strings.Contains(subject, r.Reference) || !strings.Contains(subject, "bounced") {
		t.Errorf("notice subject %q", subject)
	}
	if !strings.Contains(string(body), "303") || !strings.Contains(string(body), "call them") {
		t.Errorf("the notice does not give the phone number and say to call:\n%s", body)
	}
	if got := w.delivery(t, r, appointment.EmailBounceNotice); got.State != appointment.DeliverySent {
		t.Errorf("the notice's record: %+v", got)
	}
	if !strings.Contains(w.metrics.String(), `"EmailsBounced":1`) {
		t.Errorf("no EmailsBounced metric: %s", w.metrics.String())
	}

	// A transient bounce of the other request's confirmation is recorded
	// and calls for nothing.
	transient := w.event(t, "feedback-bounce.json", other, appointment.EmailPatient)
	transient = rewrite(t, transient, func(m map[string]any) { m["bounce"].(map[string]any)["bounceType"] = "Transient" })
	w.record(t, transient)
	if d := w.delivery(t, other, appointment.EmailPatient); d.Report.Feedback != appointment.FeedbackBounced || d.Report.BounceType != "Transient" {
		t.Errorf("transient bounce recorded as %+v", d.Report)
	}
	if n := w.stream(t); n != 0 {
		t.Errorf("%d records passed the filter after a transient bounce, want none", n)
	}
	if got := len(w.moto.RawEmails(t)) - before; got != 1 {
		t.Errorf("%d emails after the transient bounce, want still the one notice", got)
	}
}

// TestComplaint: a complaint is recorded on the email and suppresses the
// patient's address, so that the patient's next email is not sent and is
// recorded as failed; the front desk's still goes.
func TestComplaint(t *testing.T) {
	w := newWorld(t)
	r := w.submit(t, "Jordan")
	w.stream(t)
	complaint := w.event(t, "feedback-complaint.json", r, appointment.EmailPatient)
	w.record(t, complaint)
	w.record(t, complaint)
	if d := w.delivery(t, r, appointment.EmailPatient); d.Report.Feedback != appointment.FeedbackComplained {
		t.Fatalf("complaint recorded as %+v", d.Report)
	}
	if n := w.stream(t); n != 0 {
		t.Errorf("%d records passed the filter after the complaint, want none", n)
	}

	// A delivery reported after the complaint leaves the complaint.
	w.record(t, w.event(t, "feedback-delivery.json", r, appointment.EmailPatient))
	if d := w.delivery(t, r, appointment.EmailPatient); d.Report.Feedback != appointment.FeedbackComplained {
		t.Errorf("a late delivery replaced the complaint: %+v", d.Report)
	}

	// The front desk books the request; the patient's booking email is
	// held back, and so is any email to the same address in another case,
	// while the front desk's copy of the invitation goes.
	before := len(w.moto.RawEmails(t))
	ctx := context.Background()
	cur, err := w.store.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	after, _, err := cur.Apply(appointment.Command{Action: appointment.ActionSchedule, Audience: appointment.AudienceFrontDesk,
		Booking: &appointment.Booking{Start: time.Now().Add(72 * time.Hour), Length: time.Hour}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.Transition(ctx, cur, after); err != nil {
		t.Fatal(err)
	}
	if n := w.stream(t); n != 1 {
		t.Errorf("%d records passed the filter after scheduling, want 1", n)
	}
	if sent := w.moto.RawEmails(t)[before:]; len(sent) != 1 || strings.Join(sent[0].Destinations, ",") == r.Email {
		t.Errorf("%d emails after scheduling a suppressed patient, want only the front desk's copy of the invitation", len(sent))
	}
	booking := appointment.TransitionEmail(appointment.EmailBooking, len(after.History)-1)
	if d := w.delivery(t, r, booking); d.State != appointment.DeliveryFailed || d.Reason != appointment.ReasonComplaint {
		t.Errorf("the booking email's record: %+v", d)
	}

	again := w.submit(t, "JORDAN") // the same address, typed in capitals
	w.stream(t)
	if d := w.delivery(t, again, appointment.EmailPatient); d.State != appointment.DeliveryFailed || d.Reason != appointment.ReasonComplaint {
		t.Errorf("a new request's confirmation to the suppressed address: %+v", d)
	}
	if d := w.delivery(t, again, appointment.EmailFrontDesk); d.State != appointment.DeliverySent {
		t.Errorf("the front desk's email of the new request: %+v", d)
	}

	// The suppression record names no address.
	items, err := dynamodb.NewFromConfig(w.moto.AWSConfig()).Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(tableName)})
	if err != nil {
		t.Fatal(err)
	}
	suppressions := 0
	for _, item := range items.Items {
		pk := item["pk"].(*types.AttributeValueMemberS).Value
		if strings.HasPrefix(pk, dynamo.SuppressionPrefix) {
			suppressions++
			for name, v := range item {
				if s, ok := v.(*types.AttributeValueMemberS); ok && strings.Contains(strings.ToLower(s.Value), "jordan") {
					t.Errorf("the suppression record's %s holds the address: %q", name, s.Value)
				}
			}
		}
	}
	if suppressions != 1 {
		t.Errorf("%d suppression records, want 1", suppressions)
	}
}

// TestDelivery: a delivery is recorded on the email and calls for nothing;
// events about another message, or no request, record nothing.
func TestDelivery(t *testing.T) {
	w := newWorld(t)
	r := w.submit(t, "Jordan")
	w.stream(t)
	w.record(t, w.event(t, "feedback-delivery.json", r, appointment.EmailFrontDesk))
	d := w.delivery(t, r, appointment.EmailFrontDesk)
	if d.Report.Feedback != appointment.FeedbackDelivered || d.Report.At.IsZero() {
		t.Fatalf("delivery recorded as %+v", d.Report)
	}
	if n := w.stream(t); n != 0 {
		t.Errorf("%d records passed the filter after a delivery, want none", n)
	}

	// The sample as it is names a request that does not exist; with the
	// right request and another message ID, it names an email not sent.
	w.record(t, sampleEvent(t, "feedback-bounce.json", func(map[string]any) {}))
	wrong := w.event(t, "feedback-bounce.json", r, appointment.EmailPatient)
	wrong = rewrite(t, wrong, func(m map[string]any) { m["mail"].(map[string]any)["messageId"] = "another-message" })
	w.record(t, wrong)
	if d := w.delivery(t, r, appointment.EmailPatient); d.Report.Feedback != "" {
		t.Errorf("an event about another message was recorded: %+v", d.Report)
	}
}

// rewrite passes the SES event that e carries through edit.
func rewrite(t *testing.T, e events.EventBridgeEvent, edit func(map[string]any)) events.EventBridgeEvent {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Detail, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	e.Detail = b
	return e
}
