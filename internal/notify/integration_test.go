package notify

import (
	"context"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	sesapi "github.com/aws/aws-sdk-go-v2/service/ses"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/local/dynamostreams"
	"example.com/appointments/internal/metrics"
	"example.com/appointments/internal/ses"
	"example.com/appointments/internal/testing/iamsim"
	"example.com/appointments/internal/testing/mototest"
)

// These tests run the handler against moto: requests stored by the real
// store, stream records read from moto's DynamoDB Streams, emails sent with
// SES and observed at moto.

const (
	sender    = "appointments@example.com"
	frontDesk = "frontdesk@example.com"
	tableName = "requests"
	confSet   = "appointments"
)

type world struct {
	moto   *mototest.Server
	store  *dynamo.Store
	reader *dynamostreams.Reader
}

func newWorld(t *testing.T) *world {
	t.Helper()
	srv := mototest.Start(t)
	cfg := srv.AWSConfig()
	db := dynamodb.NewFromConfig(cfg)
	streamARN := srv.CreateRequestsTable(t, tableName)
	srv.PrepareSES(t, sender, confSet)
	return &world{
		moto:   srv,
		store:  dynamo.New(db, tableName, 365),
		reader: dynamostreams.NewReader(dynamodbstreams.NewFromConfig(cfg), streamARN),
	}
}

// handler builds the notify handler over moto, with SES calls passing
// through rt when it is not nil.
func (w *world) handler(t *testing.T, from string, rt http.RoundTripper) *Handler {
	t.Helper()
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	composer, err := email.NewComposer(p, email.Settings{Sender: from, FrontDesk: []string{frontDesk}})
	if err != nil {
		t.Fatal(err)
	}
	// The handler's clients are its own, and every call they make must be
	// one NotifyFunction's role allows, sending as from; the test's own
	// reads and writes (w.store) are not checked.
	// rt, when given, stands between the handler and SES only.
	stack := iamsim.Binding{"RequestsTable": tableName, "SenderEmail": from, "EmailConfigurationSet": confSet}
	sesCfg, dbCfg := w.moto.AWSConfig(), w.moto.AWSConfig()
	sesCfg.HTTPClient = &http.Client{Transport: iamsim.WatchTransport(t, "NotifyFunction", stack, rt)}
	dbCfg.HTTPClient = &http.Client{Transport: iamsim.WatchTransport(t, "NotifyFunction", stack, nil)}
	mail := sesapi.NewFromConfig(sesCfg, func(o *sesapi.Options) { o.Retryer = aws.NopRetryer{} })
	store := dynamo.New(dynamodb.NewFromConfig(dbCfg), tableName, 365)
	return New(dynamo.ChangeOf, store, ses.New(mail, confSet), composer, slog.New(slog.NewJSONHandler(io.Discard, nil)), metrics.New(io.Discard, "Test"))
}

func (w *world) submit(t *testing.T, firstName string) appointment.Request {
	t.Helper()
	yes := true
	r := appointment.Request{
		FirstName: firstName, LastName: "Rivera", Email: strings.ToLower(firstName) + "@example.com", Phone: "+13035550142",
		Service: "dry-needling", Location: "main", PreferredDays: []string{"mon"}, NewPatient: &yes,
		Reason: "Tight shoulder.", Status: appointment.StatusReceived,
	}
	r.Stamp(time.Now())
	if _, err := w.store.Create(context.Background(), r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	return r
}

// records reads what the stream has gained, as one Lambda batch.
func (w *world) records(t *testing.T) events.DynamoDBEvent {
	t.Helper()
	recs, err := w.reader.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return events.DynamoDBEvent{Records: recs}
}

func handle(t *testing.T, h *Handler, e events.DynamoDBEvent) []string {
	t.Helper()
	resp, err := h.Handle(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	return failed
}

func TestStreamToSES(t *testing.T) {
	w := newWorld(t)
	r := w.submit(t, "Jordan")
	batch := w.records(t)
	h := w.handler(t, sender, nil)

	if failed := handle(t, h, batch); len(failed) != 0 {
		t.Fatalf("batch failures %v", failed)
	}
	sent := w.moto.RawEmails(t)
	if len(sent) != 2 {
		t.Fatalf("%d emails at SES, want 2", len(sent))
	}
	byTo := map[string]mototest.RawEmail{}
	for _, s := range sent {
		byTo[strings.Join(s.Destinations, ",")] = s
		if s.Source != sender {
			t.Errorf("source = %q", s.Source)
		}
	}
	patient, ok := byTo[r.Email]
	if !ok {
		t.Fatalf("no email to the patient; sent to %v", byTo)
	}
	if got := patient.Message.Header.Get("Reply-To"); !strings.Contains(got, frontDesk) {
		t.Errorf("patient Reply-To = %q, want the front desk", got)
	}
	desk, ok := byTo[frontDesk]
	if !ok {
		t.Fatalf("no email to the front desk; sent to %v", byTo)
	}
	if got := desk.Message.Header.Get("Reply-To"); got != r.Email && got != "<"+r.Email+">" {
		t.Errorf("front desk Reply-To = %q, want the patient", got)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(desk.Message.Header.Get("Subject"))
	if !strings.Contains(subject, r.Reference) || strings.Contains(subject, "Jordan") {
		t.Errorf("front desk subject = %q", subject)
	}

	for _, kind := range []email.Kind{email.Patient, email.FrontDesk} {
		d, err := w.store.Delivery(context.Background(), r.ID, kind)
		if err != nil || d.State != appointment.DeliverySent || d.MessageID == "" {
			t.Errorf("%s delivery = %+v, %v", kind, d, err)
		}
	}

	// The same records again, as after a retried batch: nothing new is sent,
	// and the delivery updates on the stream call for no email.
	if failed := handle(t, h, batch); len(failed) != 0 {
		t.Fatalf("redelivery failures %v", failed)
	}
	if failed := handle(t, h, w.records(t)); len(failed) != 0 {
		t.Fatalf("follow-up records failures %v", failed)
	}
	if got := len(w.moto.RawEmails(t)); got != 2 {
		t.Errorf("%d emails at SES after redelivery, want still 2", got)
	}
}

// throttle answers SendRawEmail with SES's throttling error a set number of
// times, then passes calls to moto.
type throttle struct {
	mu    sync.Mutex
	left  int
	calls int
}

func (th *throttle) RoundTrip(req *http.Request) (*http.Response, error) {
	th.mu.Lock()
	th.calls++
	refuse := th.left > 0
	if refuse {
		th.left--
	}
	th.mu.Unlock()
	if !refuse {
		return http.DefaultTransport.RoundTrip(req)
	}
	const body = `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>` +
		`<Code>Throttling</Code><Message>Maximum sending rate exceeded.</Message></Error><RequestId>t-1</RequestId></ErrorResponse>`
	return &http.Response{
		StatusCode: http.StatusBadRequest,
		Header:     http.Header{"Content-Type": {"text/xml"}},
		Body:       io.NopCloser(strings.NewReader(body)),
		Request:    req,
	}, nil
}

func TestThrottledSendIsRetried(t *testing.T) {
	w := newWorld(t)
	first := w.submit(t, "Jordan")
	second := w.submit(t, "Sam")
	batch := w.records(t)
	th := &throttle{left: 1}
	h := w.handler(t, sender, th)

	failed := handle(t, h, batch)
	var firstSeq string
	for _, rec := range batch.Records {
		if rec.EventName == "INSERT" && rec.Change.NewImage["id"].String() == first.ID {
			firstSeq = rec.Change.SequenceNumber
		}
	}
	if len(failed) != 1 || failed[0] != firstSeq {
		t.Fatalf("batch failures %v, want exactly the first request's record %s", failed, firstSeq)
	}
	if got := len(w.moto.RawEmails(t)); got != 3 {
		t.Fatalf("%d emails at SES, want the 3 that were not throttled", got)
	}

	// Lambda hands the failed record over again.
	var retry events.DynamoDBEvent
	for _, rec := range batch.Records {
		if rec.Change.SequenceNumber == firstSeq {
			retry.Records = append(retry.Records, rec)
		}
	}
	if failed := handle(t, h, retry); len(failed) != 0 {
		t.Fatalf("retry failures %v", failed)
	}
	w.eachEmailOnce(t, first, second)
}

// endingSender ends the invocation's context when its last send returns,
// as when SES's answers and the pauses between them take up the
// invocation's time.
type endingSender struct {
	next   Sender
	mu     sync.Mutex
	sends  int
	lastAt int
	end    context.CancelFunc
}

func (s *endingSender) Send(ctx context.Context, m appointment.Message) (string, error) {
	id, err := s.next.Send(ctx, m)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sends++; s.sends == s.lastAt {
		s.end()
	}
	return id, err
}

// TestRedeliveryAfterAllThrottledBatchThroughDynamoDB: SES throttles every
// send of a batch, the last as the invocation's context ends, so that the
// DynamoDB client refuses every call made with that context. The leases
// are given up all the same, and the same batch delivered straight after
// sends each email once.
func TestRedeliveryAfterAllThrottledBatchThroughDynamoDB(t *testing.T) {
	w := newWorld(t)
	first := w.submit(t, "Jordan")
	second := w.submit(t, "Sam")
	batch := w.records(t)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := w.handler(t, sender, &throttle{left: 4})
	h.sender = &endingSender{next: h.sender, lastAt: 4, end: cancel}
	resp, err := h.Handle(ctx, batch)
	var requests []string
	for _, rec := range batch.Records {
		if rec.EventName == "INSERT" && rec.Change.NewImage["type"].String() == "request" {
			requests = append(requests, rec.Change.SequenceNumber)
		}
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if err != nil || strings.Join(failed, ",") != strings.Join(requests, ",") {
		t.Fatalf("the throttled batch failed records %v, %v; want the requests' %v", failed, err, requests)
	}
	for _, r := range []appointment.Request{first, second} {
		for _, kind := range []email.Kind{email.Patient, email.FrontDesk} {
			if d, err := w.store.Delivery(context.Background(), r.ID, kind); err != nil || d.State != "" {
				t.Errorf("%s of %s after the throttled batch is %q, %v; want no lease", kind, r.Reference, d.State, err)
			}
		}
	}

	if failed := handle(t, w.handler(t, sender, nil), batch); len(failed) != 0 {
		t.Fatalf("the redelivery failed records %v", failed)
	}
	w.eachEmailOnce(t, first, second)
}

// TestRejectedSendIsRecorded: moto, like SES in its sandbox, refuses a
// sender that is not verified. That is final: the emails are recorded as
// failed and the batch is not retried.
func TestRejectedSendIsRecorded(t *testing.T) {
	w := newWorld(t)
	r := w.submit(t, "Jordan")
	h := w.handler(t, "unverified@example.com", nil)
	if failed := handle(t, h, w.records(t)); len(failed) != 0 {
		t.Fatalf("batch failures %v, want none", failed)
	}
	for _, kind := range []email.Kind{email.Patient, email.FrontDesk} {
		d, err := w.store.Delivery(context.Background(), r.ID, kind)
		if err != nil || d.State != appointment.DeliveryFailed || !strings.HasPrefix(d.Reason, "MessageRejected") {
			t.Errorf("%s delivery = %+v, %v", kind, d, err)
		}
	}
	if got := len(w.moto.RawEmails(t)); got != 0 {
		t.Errorf("%d emails at SES, want none", got)
	}
}

// TestConfirmationCapThroughDynamoDB counts confirmations in the real
// table: past the cap, the confirmation is recorded as failed on the
// request, while the front desk's email goes to SES.
func TestConfirmationCapThroughDynamoDB(t *testing.T) {
	w := newWorld(t)
	for _, name := range []string{"Ana", "Ben", "Cal"} {
		w.submit(t, name)
	}
	h := w.handler(t, sender, nil)
	h.CapConfirmations(w.store, 2, time.Hour)
	if failed := handle(t, h, w.records(t)); len(failed) != 0 {
		t.Fatalf("batch failures %v", failed)
	}
	var patients, desks int
	for _, s := range w.moto.RawEmails(t) {
		if strings.Join(s.Destinations, ",") == frontDesk {
			desks++
		} else {
			patients++
		}
	}
	if patients != 2 || desks != 3 {
		t.Errorf("SES got %d confirmations and %d front-desk emails, want 2 and 3", patients, desks)
	}
	requests, err := w.store.List(context.Background(), appointment.StatusReceived, 10)
	if err != nil {
		t.Fatal(err)
	}
	suppressed := 0
	for _, r := range requests {
		d, err := w.store.Delivery(context.Background(), r.ID, email.Patient)
		if err != nil {
			t.Fatal(err)
		}
		if d.State == appointment.DeliveryFailed && d.Reason == ReasonHourlyCap {
			suppressed++
		}
	}
	if suppressed != 1 {
		t.Errorf("%d confirmations recorded as suppressed, want 1", suppressed)
	}
}

// TestTransitionEmailsThroughMoto: each transition written by the real
// store reaches the handler through moto's stream and sends its emails,
// exactly once though the stream hands every record over twice: the
// booking with its invitation and the front desk's copy of it, then on
// the patient's cancel, the front desk's notice and the cancellations of
// the patient's calendar and of the clinic's.
func TestTransitionEmailsThroughMoto(t *testing.T) {
	w := newWorld(t)
	h := w.handler(t, sender, nil)
	ctx := context.Background()
	r := w.submit(t, "Morgan")
	twice := func() {
		t.Helper()
		e := w.records(t)
		for range 2 {
			if failed := handle(t, h, e); len(failed) != 0 {
				t.Fatalf("batch failures %v", failed)
			}
		}
	}
	twice()
	act := func(c appointment.Command) {
		t.Helper()
		before, err := w.store.Get(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		after, _, err := before.Apply(c, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := w.store.Transition(ctx, before, after); err != nil {
			t.Fatal(err)
		}
		twice()
	}
	start := time.Now().Add(7 * 24 * time.Hour).Truncate(time.Hour)
	act(appointment.Command{Action: appointment.ActionContact, Audience: appointment.AudienceFrontDesk})
	act(appointment.Command{Action: appointment.ActionSchedule, Audience: appointment.AudienceFrontDesk,
		Booking: &appointment.Booking{Start: start, Length: 30 * time.Minute, Clinician: "Dr. Kim"}})
	act(appointment.Command{Action: appointment.ActionCancel, Audience: appointment.AudiencePatient})

	var subjects []string
	methods := map[string]string{}
	for _, e := range w.moto.RawEmails(t) {
		subject, _ := new(mime.WordDecoder).DecodeHeader(e.Message.Header.Get("Subject"))
		subjects = append(subjects, strings.Join(e.Destinations, ",")+": "+subject)
		body, _ := io.ReadAll(e.Message.Body)
		if m := regexp.MustCompile(`(?m)^METHOD:(\w+)`).FindSubmatch(body); m != nil {
			methods[subject] = string(m[1])
		}
	}
	want := []string{
		"morgan@example.com: We received your appointment request",
		frontDesk + ": New appointment request " + r.Reference,
		"morgan@example.com: Your appointment is booked",
		frontDesk + ": Booked: " + r.Reference,
		frontDesk + ": Cancelled by the patient: " + r.Reference,
		"morgan@example.com: Your appointment on",
		frontDesk + ": Cancelled: " + r.Reference,
	}
	if len(subjects) != len(want) {
		t.Fatalf("emails sent:\n%s\nwant %d", strings.Join(subjects, "\n"), len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(subjects[i], w) {
			t.Errorf("email %d = %q, want it to start %q", i, subjects[i], w)
		}
	}
	var booked, cancelled, deskBooked, deskCancelled string
	for s, m := range methods {
		switch {
		case strings.HasPrefix(s, "Your appointment is booked"):
			booked = m
		case strings.HasSuffix(s, "is cancelled"):
			cancelled = m
		case strings.HasPrefix(s, "Booked: "):
			deskBooked = m
		case strings.HasPrefix(s, "Cancelled: "):
			deskCancelled = m
		}
	}
	if booked != "REQUEST" || cancelled != "CANCEL" || deskBooked != "REQUEST" || deskCancelled != "CANCEL" {
		t.Errorf("invitation methods: booking %q, cancellation %q; the front desk's copies %q, %q", booked, cancelled, deskBooked, deskCancelled)
	}
	got, _ := w.store.Get(ctx, r.ID)
	for _, k := range []appointment.EmailKind{appointment.TransitionEmail(appointment.EmailBooking, 1), appointment.TransitionEmail(appointment.EmailDeskInvite, 1),
		appointment.TransitionEmail(appointment.EmailCancelNotice, 2), appointment.TransitionEmail(appointment.EmailCancelled, 2), appointment.TransitionEmail(appointment.EmailDeskInvite, 2)} {
		if got.Deliveries[k].State != appointment.DeliverySent {
			t.Errorf("%s = %+v", k, got.Deliveries[k])
		}
	}
}

// eachEmailOnce checks that SES got each request's confirmation once and the
// front desk one notification for each.
func (w *world) eachEmailOnce(t *testing.T, requests ...appointment.Request) {
	t.Helper()
	counts := map[string]int{}
	for _, s := range w.moto.RawEmails(t) {
		counts[strings.Join(s.Destinations, ",")]++
	}
	want := map[string]int{frontDesk: len(requests)}
	for _, r := range requests {
		want[r.Email]++
	}
	for to, n := range want {
		if counts[to] != n {
			t.Errorf("%d emails to %s, want %d (all: %v)", counts[to], to, n, counts)
		}
	}
}
