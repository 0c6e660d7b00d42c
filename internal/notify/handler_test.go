package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/email"
)

// memoryDeliveries keeps delivery states with the same lease rules as the
// table.
type memoryDeliveries struct {
	mu      sync.Mutex
	states  map[string]appointment.Delivery // by id/kind
	failing map[string]error                // method name -> error
}

func (m *memoryDeliveries) key(id string, kind appointment.EmailKind) string {
	return id + "/" + string(kind)
}

func (m *memoryDeliveries) ClaimEmail(_ context.Context, id string, kind appointment.EmailKind, lease string, until, now time.Time) (bool, appointment.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.failing["ClaimEmail"]; err != nil {
		return false, appointment.Delivery{}, err
	}
	cur := m.states[m.key(id, kind)]
	if !cur.Claimable(now) {
		return false, cur, nil
	}
	m.states[m.key(id, kind)] = appointment.Delivery{State: appointment.DeliverySending, Lease: lease, LeaseUntil: until}
	return true, m.states[m.key(id, kind)], nil
}

func (m *memoryDeliveries) settle(method, id string, kind appointment.EmailKind, lease string, d appointment.Delivery) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.failing[method]; err != nil {
		return err
	}
	cur := m.states[m.key(id, kind)]
	if cur.State != appointment.DeliverySending || cur.Lease != lease {
		return appointment.ErrLeaseLost
	}
	if d.State == "" {
		delete(m.states, m.key(id, kind))
	} else {
		m.states[m.key(id, kind)] = d
	}
	return nil
}

func (m *memoryDeliveries) MarkEmailSent(_ context.Context, id string, kind appointment.EmailKind, lease, messageID string, at time.Time) error {
	return m.settle("MarkEmailSent", id, kind, lease, appointment.Delivery{State: appointment.DeliverySent, MessageID: messageID, At: at})
}

func (m *memoryDeliveries) MarkEmailFailed(_ context.Context, id string, kind appointment.EmailKind, lease, reason string, at time.Time) error {
	return m.settle("MarkEmailFailed", id, kind, lease, appointment.Delivery{State: appointment.DeliveryFailed, Reason: reason, At: at})
}

func (m *memoryDeliveries) ReleaseEmail(_ context.Context, id string, kind appointment.EmailKind, lease string) error {
	return m.settle("ReleaseEmail", id, kind, lease, appointment.Delivery{})
}

func (m *memoryDeliveries) state(id string, kind email.Kind) appointment.Delivery {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.states[m.key(id, kind)]
}

// sesError imitates the sender's classified errors.
type sesError struct {
	code               string
	permanent, notSent bool
}

func (e *sesError) Error() string   { return "ses: " + e.code }
func (e *sesError) Permanent() bool { return e.permanent }
func (e *sesError) NotSent() bool   { return e.notSent }
func (e *sesError) Reason() string  { return e.code + ": refused" }

var (
	throttled   = &sesError{code: "Throttling", notSent: true}
	rejected    = &sesError{code: "MessageRejected", permanent: true, notSent: true}
	errTimedOut = fmt.Errorf("send: %w", context.DeadlineExceeded)
)

type recordingSender struct {
	mu   sync.Mutex
	sent []string // "to:subject"
	keys []string // the identity of each email sent, "id/kind"
	// errs are returned by successive sends, by recipient; nil means success.
	errs map[string][]error
}

func (s *recordingSender) Send(_ context.Context, m appointment.Message) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := m.RequestID + "/" + string(m.Kind)
	rcpt := strings.Join(m.To, ",")
	if errs := s.errs[rcpt]; len(errs) > 0 {
		err := errs[0]
		s.errs[rcpt] = errs[1:]
		if err != nil {
			return "", err
		}
	}
	s.sent = append(s.sent, rcpt+":"+string(m.Raw))
	s.keys = append(s.keys, key)
	return fmt.Sprintf("msg-%d", len(s.sent)), nil
}

func (s *recordingSender) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent)
}

type fakeComposer struct{}

func (fakeComposer) Compose(kind email.Kind, r appointment.Request) (email.Message, error) {
	to := []string{r.Email}
	if kind == email.FrontDesk {
		to = []string{"desk@example.com"}
	}
	m := appointment.Message{RequestID: r.ID, Kind: kind, From: "appointments@example.com", To: to, Raw: []byte(string(kind) + " " + r.Reference)}
	return email.Message{Message: m, Subject: string(kind)}, nil
}

type countingMetrics struct {
	mu     sync.Mutex
	counts map[string]int
}

func (m *countingMetrics) Count(name string, dims map[string]string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.counts == nil {
		m.counts = map[string]int{}
	}
	m.counts[name+"/"+dims["Kind"]]++
}

type fixture struct {
	h          *Handler
	deliveries *memoryDeliveries
	sender     *recordingSender
	metrics    *countingMetrics
	logs       *bytes.Buffer
	clock      time.Time
}

func newFixture() *fixture {
	f := &fixture{
		deliveries: &memoryDeliveries{states: map[string]appointment.Delivery{}, failing: map[string]error{}},
		sender:     &recordingSender{errs: map[string][]error{}},
		metrics:    &countingMetrics{},
		logs:       &bytes.Buffer{},
		clock:      time.Date(2026, 11, 27, 16, 30, 0, 0, time.UTC),
	}
	f.h = New(dynamo.ChangeOf, f.deliveries, f.sender, fakeComposer{}, slog.New(slog.NewJSONHandler(f.logs, nil)), f.metrics)
	f.h.now = func() time.Time { return f.clock }
	return f
}

func insert(id, seq string) events.DynamoDBEventRecord {
	return events.DynamoDBEventRecord{
		EventID:   "ev-" + seq,
		EventName: "INSERT",
		Change: events.DynamoDBStreamRecord{
			SequenceNumber: seq,
			NewImage: map[string]events.DynamoDBAttributeValue{
				"pk": events.NewStringAttribute("REQ#" + id), "sk": events.NewStringAttribute("REQUEST"),
				"type": events.NewStringAttribute("request"), "id": events.NewStringAttribute(id),
				"reference": events.NewStringAttribute("REF-" + id), "email": events.NewStringAttribute(id + "@example.com"),
				"firstName": events.NewStringAttribute("Sentinelfirst"), "reason": events.NewStringAttribute("sentinel reason"),
				"createdAt": events.NewStringAttribute("2026-11-27T16:29:00.000Z"),
			},
		},
	}
}

func (f *fixture) handle(t *testing.T, recs ...events.DynamoDBEventRecord) []string {
	t.Helper()
	resp, err := f.h.Handle(context.Background(), events.DynamoDBEvent{Records: recs})
	if err != nil {
		t.Fatalf("Handle() error = %v", err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	return failed
}

func TestNewRequestSendsBothEmails(t *testing.T) {
	f := newFixture()
	if failed := f.handle(t, insert("a", "100")); len(failed) != 0 {
		t.Fatalf("batch failures %v", failed)
	}
	if got := f.sender.count(); got != 2 {
		t.Fatalf("sent %d emails, want 2", got)
	}
	for _, kind := range []email.Kind{email.Patient, email.FrontDesk} {
		if d := f.deliveries.state("a", kind); d.State != appointment.DeliverySent || d.MessageID == "" || !d.At.Equal(f.clock) {
			t.Errorf("%s delivery = %+v", kind, d)
		}
		if f.metrics.counts["EmailsSent/"+string(kind)] != 1 {
			t.Errorf("metrics = %v", f.metrics.counts)
		}
	}
	// Each send names its email, for a sender that keeps one copy of each.
	if got := strings.Join(f.sender.keys, " "); got != "a/patient a/frontDesk" {
		t.Errorf("delivery keys = %q", got)
	}
	// The stream hands the record over again: nothing is sent twice.
	if failed := f.handle(t, insert("a", "100")); len(failed) != 0 || f.sender.count() != 2 {
		t.Errorf("redelivery: failures %v, %d sent", failed, f.sender.count())
	}
}

// TestDeliverTakesAChange: the core that the stream handler wraps takes a
// change from any stream, here the local server's change log.
func TestDeliverTakesAChange(t *testing.T) {
	f := newFixture()
	r := appointment.Request{ID: "b", Reference: "REF-b", Email: "b@example.com", FirstName: "B"}
	if !f.h.Deliver(context.Background(), appointment.Change{Event: appointment.ChangeModified, Before: &r, After: &r}) || f.sender.count() != 0 {
		t.Fatalf("a modification sent %d emails", f.sender.count())
	}
	if !f.h.Deliver(context.Background(), appointment.Change{Event: appointment.ChangeCreated, After: &r}) || f.sender.count() != 2 {
		t.Fatalf("a creation sent %d emails, want 2", f.sender.count())
	}
}

// TestTransitionsSendTheirEmails: a change of status sends the emails of
// each transition since the version before, once each, and a change that
// only records emails sends none.
func TestTransitionsSendTheirEmails(t *testing.T) {
	f := newFixture()
	at := time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)
	booked := &appointment.Booking{Start: at.Add(72 * time.Hour), Length: time.Hour}
	before := appointment.Request{ID: "c", Reference: "REF-c", Email: "c@example.com", Status: appointment.StatusReceived}
	after := before
	after.Status = appointment.StatusScheduled
	after.History = []appointment.Transition{
		{Action: appointment.ActionContact, To: appointment.StatusContacted, At: at},
		{Action: appointment.ActionSchedule, To: appointment.StatusScheduled, At: at, Booking: booked},
	}
	change := appointment.Change{Event: appointment.ChangeModified, Before: &before, After: &after}
	if !f.h.Deliver(context.Background(), change) || f.sender.count() != 2 {
		t.Fatalf("scheduling sent %d emails, want the booking and the front desk's copy", f.sender.count())
	}
	for _, k := range []appointment.EmailKind{appointment.EmailBooking, appointment.EmailDeskInvite} {
		if d := f.deliveries.state("c", appointment.TransitionEmail(k, 1)); d.State != appointment.DeliverySent {
			t.Errorf("%s-1 = %+v", k, d)
		}
	}
	// Handed over again, it sends nothing more.
	if !f.h.Deliver(context.Background(), change) || f.sender.count() != 2 {
		t.Errorf("redelivery: %d sent", f.sender.count())
	}
	// The patient cancels the booking: the front desk is told, and both
	// the patient's calendar and the clinic's get the cancellation.
	cancelled := after
	cancelled.Status = appointment.StatusCancelled
	cancelled.History = append(append([]appointment.Transition(nil), after.History...),
		appointment.Transition{Action: appointment.ActionCancel, To: appointment.StatusCancelled, At: at, Booking: booked})
	if !f.h.Deliver(context.Background(), appointment.Change{Event: appointment.ChangeModified, Before: &after, After: &cancelled}) || f.sender.count() != 5 {
		t.Fatalf("cancelling sent %d emails in all, want 5", f.sender.count())
	}
	for _, k := range []appointment.EmailKind{appointment.EmailCancelNotice, appointment.EmailCancelled, appointment.EmailDeskInvite} {
		if d := f.deliveries.state("c", appointment.TransitionEmail(k, 2)); d.State != appointment.DeliverySent {
			t.Errorf("%s-2 = %+v", k, d)
		}
	}
	// A change that only recorded an email, history unchanged, sends none.
	if !f.h.Deliver(context.Background(), appointment.Change{Event: appointment.ChangeModified, Before: &cancelled, After: &cancelled}) || f.sender.count() != 5 {
		t.Errorf("a bookkeeping change sent emails: %d in all", f.sender.count())
	}
}

func TestRecordsThatNeedNoEmail(t *testing.T) {
	f := newFixture()
	modify := insert("a", "1")
	modify.EventName = "MODIFY"
	remove := insert("b", "2")
	remove.EventName = "REMOVE"
	remove.Change.OldImage, remove.Change.NewImage = remove.Change.NewImage, nil
	remove.UserIdentity = &events.DynamoDBUserIdentity{Type: "Service", PrincipalID: "dynamodb.amazonaws.com"}
	marker := insert("c", "3")
	marker.Change.NewImage["type"] = events.NewStringAttribute("idempotency")
	if failed := f.handle(t, modify, remove, marker); len(failed) != 0 || f.sender.count() != 0 {
		t.Errorf("failures %v, %d sent; want neither", failed, f.sender.count())
	}
}

func TestThrottlingFailsExactlyThatRecord(t *testing.T) {
	f := newFixture()
	f.sender.errs["b@example.com"] = []error{throttled}
	failed := f.handle(t, insert("a", "1"), insert("b", "2"), insert("c", "3"))
	if strings.Join(failed, ",") != "2" {
		t.Fatalf("batch failures %v, want exactly record 2", failed)
	}
	if d := f.deliveries.state("b", email.Patient); d.State != "" {
		t.Errorf("throttled email state = %+v, want released", d)
	}
	// The retry sends the throttled email once, and nothing else again.
	if failed := f.handle(t, insert("b", "2")); len(failed) != 0 {
		t.Fatalf("retry failures %v", failed)
	}
	if got := f.sender.count(); got != 6 {
		t.Errorf("%d emails sent in all, want 6 (two per request)", got)
	}
	if d := f.deliveries.state("b", email.Patient); d.State != appointment.DeliverySent {
		t.Errorf("after retry: %+v", d)
	}
}

func TestRejectionIsRecordedNotRetried(t *testing.T) {
	f := newFixture()
	f.sender.errs["a@example.com"] = []error{rejected}
	if failed := f.handle(t, insert("a", "1")); len(failed) != 0 {
		t.Fatalf("batch failures %v, want none for a permanent rejection", failed)
	}
	d := f.deliveries.state("a", email.Patient)
	if d.State != appointment.DeliveryFailed || d.Reason != "MessageRejected: refused" {
		t.Errorf("patient delivery = %+v", d)
	}
	if f.deliveries.state("a", email.FrontDesk).State != appointment.DeliverySent {
		t.Error("the front desk's email was held up by the patient's")
	}
	if f.metrics.counts["EmailsFailed/patient"] != 1 {
		t.Errorf("metrics = %v", f.metrics.counts)
	}
	if failed := f.handle(t, insert("a", "1")); len(failed) != 0 || f.sender.count() != 1 {
		t.Errorf("redelivery: failures %v, %d sent", failed, f.sender.count())
	}
}

// TestUnknownOutcomeWaitsForLease: SES gave no answer, so the email may be
// out. It is not sent again while the lease holds, and is after it runs out.
func TestUnknownOutcomeWaitsForLease(t *testing.T) {
	f := newFixture()
	f.sender.errs["a@example.com"] = []error{errTimedOut}
	if failed := f.handle(t, insert("a", "1")); strings.Join(failed, ",") != "1" {
		t.Fatalf("batch failures %v, want record 1", failed)
	}
	f.clock = f.clock.Add(DefaultLease / 2)
	if failed := f.handle(t, insert("a", "1")); strings.Join(failed, ",") != "1" || f.sender.count() != 1 {
		t.Fatalf("retry under lease: failures %v, %d sent; want a failure and no new send", failed, f.sender.count())
	}
	f.clock = f.clock.Add(DefaultLease)
	if failed := f.handle(t, insert("a", "1")); len(failed) != 0 || f.sender.count() != 2 {
		t.Fatalf("retry after lease: failures %v, %d sent", failed, f.sender.count())
	}
}

// TestCrashAfterSendDoesNotResendUnderLease: SES took the email but its
// record could not be written.
func TestCrashAfterSendDoesNotResendUnderLease(t *testing.T) {
	f := newFixture()
	f.deliveries.failing["MarkEmailSent"] = fmt.Errorf("%w: down", appointment.ErrUnavailable)
	if failed := f.handle(t, insert("a", "1")); strings.Join(failed, ",") != "1" || f.sender.count() != 2 {
		t.Fatalf("failures %v, %d sent", failed, f.sender.count())
	}
	delete(f.deliveries.failing, "MarkEmailSent")
	f.clock = f.clock.Add(DefaultLease / 2)
	if failed := f.handle(t, insert("a", "1")); strings.Join(failed, ",") != "1" || f.sender.count() != 2 {
		t.Errorf("redelivery under lease: failures %v, %d sent; want a failure and no resend", failed, f.sender.count())
	}
}

func TestStorageDownRetries(t *testing.T) {
	f := newFixture()
	f.deliveries.failing["ClaimEmail"] = errors.New("unavailable")
	if failed := f.handle(t, insert("a", "1")); strings.Join(failed, ",") != "1" || f.sender.count() != 0 {
		t.Errorf("failures %v, %d sent", failed, f.sender.count())
	}
}

func TestLogsCarryNoPatientDetails(t *testing.T) {
	f := newFixture()
	f.sender.errs["b@example.com"] = []error{rejected}
	f.handle(t, insert("a", "1"), insert("b", "2"))
	logs := f.logs.String()
	for _, s := range []string{"Sentinelfirst", "sentinel reason", "a@example.com", "b@example.com", "desk@example.com"} {
		if strings.Contains(logs, s) {
			t.Errorf("log contains %q:\n%s", s, logs)
		}
	}
	for _, want := range []string{`"appointmentId":"a"`, `"email":"patient"`, `"msg":"email sent"`, `"msg":"email refused"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

// TestRetryWaitsOutAShortLease: a sender crashed holding the lease. A retry
// whose invocation has time left waits for the lease to run out and sends.
func TestRetryWaitsOutAShortLease(t *testing.T) {
	f := newFixture()
	f.deliveries.failing["MarkEmailSent"] = errors.New("crash")
	f.handle(t, insert("a", "1"))
	delete(f.deliveries.failing, "MarkEmailSent")
	var waited time.Duration
	f.h.sleep = func(_ context.Context, d time.Duration) error {
		waited += d
		f.clock = f.clock.Add(d)
		return nil
	}
	f.clock = f.clock.Add(DefaultLease - 10*time.Second)

	// Without time to spare the retry does not wait.
	ctx, cancel := context.WithDeadline(context.Background(), f.clock.Add(12*time.Second))
	resp, _ := f.h.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{insert("a", "1")}})
	cancel()
	if len(resp.BatchItemFailures) != 1 || waited != 0 {
		t.Fatalf("short deadline: failures %v, waited %v", resp.BatchItemFailures, waited)
	}

	ctx, cancel = context.WithDeadline(context.Background(), f.clock.Add(30*time.Second))
	defer cancel()
	resp, _ = f.h.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{insert("a", "1")}})
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v after waiting out the lease", resp.BatchItemFailures)
	}
	if waited < 10*time.Second || f.sender.count() != 4 {
		t.Errorf("waited %v, %d sent; want a wait of about 10s and both emails sent again once", waited, f.sender.count())
	}
}

// TestUnreadableRecordIsSkipped: a record whose request cannot be read will
// not read better on a retry, so it sends nothing and holds up nothing.
func TestUnreadableRecordIsSkipped(t *testing.T) {
	f := newFixture()
	bad := insert("a", "1")
	delete(bad.Change.NewImage, "id")
	if failed := f.handle(t, bad, insert("b", "2")); len(failed) != 0 {
		t.Fatalf("batch failures %v, want none", failed)
	}
	if got := f.sender.count(); got != 2 {
		t.Errorf("%d emails sent, want the 2 of the readable record", got)
	}
	if !strings.Contains(f.logs.String(), "unreadable request") {
		t.Errorf("skipped record not logged:\n%s", f.logs.String())
	}
}

// TestDeliverEmailCountsByBaseKind: an email of a transition, such as a
// reminder, is counted under its base kind, so that a metric and its
// alarm cover every place in every request's history.
func TestDeliverEmailCountsByBaseKind(t *testing.T) {
	f := newFixture()
	r := appointment.Request{ID: "a", Email: "a@example.com", Status: appointment.StatusScheduled}
	for _, kind := range []appointment.EmailKind{"reminder-0", "reminder-3", "booking-2"} {
		if !f.h.DeliverEmail(context.Background(), r, kind) {
			t.Fatalf("DeliverEmail(%s) = false", kind)
		}
	}
	if got := f.metrics.counts; got["EmailsSent/reminder"] != 2 || got["EmailsSent/booking"] != 1 || len(got) != 2 {
		t.Errorf("metrics = %v, want EmailsSent by base kind: reminder 2, booking 1", got)
	}
}
