package digest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/metrics"
)

func profile(t testing.TB) *clinic.Profile {
	t.Helper()
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// at is a wall-clock time in the clinic's zone, Denver.
func at(t testing.TB, month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, profile(t).Zone())
}

// memStore holds requests and counters in memory.
type memStore struct {
	mu       sync.Mutex
	requests []appointment.Request
	counts   map[string]int
	listed   []appointment.Status
	listErr  error
	countErr error
}

func (s *memStore) List(_ context.Context, status appointment.Status, limit int) ([]appointment.Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listed = append(s.listed, status)
	if s.listErr != nil {
		return nil, s.listErr
	}
	var out []appointment.Request
	for _, r := range s.requests {
		if r.Status == status && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

func (s *memStore) Count(_ context.Context, name string, start time.Time, window time.Duration, delta int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.countErr != nil {
		return 0, s.countErr
	}
	if s.counts == nil {
		s.counts = map[string]int{}
	}
	k := fmt.Sprintf("%s#%d#%v", name, start.Unix(), window)
	s.counts[k] += delta
	return s.counts[k], nil
}

// outbox records what was sent; err, when set, fails the next send.
type outbox struct {
	mu   sync.Mutex
	sent [][]byte
	err  error
}

func (o *outbox) Send(_ context.Context, m appointment.Message) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.err; err != nil {
		o.err = nil
		return "", err
	}
	o.sent = append(o.sent, m.Raw)
	return fmt.Sprintf("message-%d", len(o.sent)), nil
}

// recordingComposer keeps the digests it is asked to compose.
type recordingComposer struct {
	next    *email.Composer
	digests []email.Digest
}

func (c *recordingComposer) ComposeDigest(d email.Digest) (email.Message, error) {
	c.digests = append(c.digests, d)
	return c.next.ComposeDigest(d)
}

type world struct {
	store    *memStore
	outbox   *outbox
	composer *recordingComposer
	log      *bytes.Buffer
	h        *Handler
}

func newWorld(t *testing.T, requests ...appointment.Request) *world {
	t.Helper()
	p := profile(t)
	c, err := email.NewComposer(p, email.Settings{Sender: "appointments@example.com", FrontDesk: []string{"frontdesk@example.com"},
		Links: func(id string, a appointment.Action) string {
			return "https://api.example.com/manage/" + string(a) + "/" + id
		}})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{store: &memStore{requests: requests}, outbox: &outbox{}, composer: &recordingComposer{next: c}, log: &bytes.Buffer{}}
	w.h = New(w.store, w.outbox, w.composer, p, slog.New(slog.NewJSONHandler(w.log, nil)), metrics.New(io.Discard, "Test"))
	return w
}

// request is a request received at the given time, in the given status.
func request(id string, status appointment.Status, created time.Time) appointment.Request {
	return appointment.Request{
		ID: id, Reference: "A2B3-C4D5", FirstName: "Ana", LastName: "Li", Email: "ana@example.com", Phone: "+13035550199",
		Service: "evaluation", Location: "main", Status: status, CreatedAt: created.UTC(),
	}
}

func ids(d email.Digest) []string {
	var out []string
	for _, e := range d.Entries {
		out = append(out, e.Request.ID)
	}
	return out
}

// TestBuildOrder: overdue requests first, oldest first, then the rest
// oldest first, whatever the order they were read in.
func TestBuildOrder(t *testing.T) {
	p := profile(t)
	now := at(t, 11, 30, 8, 0) // Monday morning
	requests := []appointment.Request{
		request("contacted-old", appointment.StatusContacted, at(t, 11, 16, 9, 0)),
		request("received-saturday", appointment.StatusReceived, at(t, 11, 28, 19, 0)),
		request("overdue-newer", appointment.StatusReceived, at(t, 11, 25, 9, 0)),
		request("overdue-oldest", "new", at(t, 11, 20, 9, 0)),
		request("received-sunday", appointment.StatusReceived, at(t, 11, 29, 12, 0)),
	}
	d := Build(p, requests, now)
	want := []string{"overdue-oldest", "overdue-newer", "contacted-old", "received-saturday", "received-sunday"}
	if got := ids(d); !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	for _, e := range d.Entries {
		if want := strings.HasPrefix(e.Request.ID, "overdue"); e.Overdue != want {
			t.Errorf("%s: overdue %v, want %v", e.Request.ID, e.Overdue, want)
		}
	}
	if !d.At.Equal(now) {
		t.Errorf("At = %v, want %v", d.At, now)
	}
}

// TestSendOncePerDay: the digest lists the open requests read from the
// status index by each stored status, goes out once, and a second
// invocation the same clinic-local day sends nothing; the next day it
// goes again.
func TestSendOncePerDay(t *testing.T) {
	w := newWorld(t,
		request("received", appointment.StatusReceived, at(t, 11, 27, 9, 0)),
		request("legacy", "new", at(t, 11, 20, 9, 0)),
		request("contacted", appointment.StatusContacted, at(t, 11, 26, 9, 0)),
		request("scheduled", appointment.StatusScheduled, at(t, 11, 20, 9, 0)),
		request("declined", appointment.StatusDeclined, at(t, 11, 20, 9, 0)),
		request("cancelled", appointment.StatusCancelled, at(t, 11, 20, 9, 0)),
	)
	ctx := context.Background()
	// 8:00 on Monday, and a redelivery late that evening, in Denver:
	// already Tuesday in UTC.
	for i, now := range []time.Time{at(t, 11, 30, 8, 0), at(t, 11, 30, 22, 30)} {
		sent, err := w.h.Send(ctx, now)
		if err != nil || sent != (i == 0) {
			t.Fatalf("send %d: sent %v, %v", i+1, sent, err)
		}
	}
	if len(w.outbox.sent) != 1 || len(w.composer.digests) != 2 {
		t.Fatalf("%d emails sent (%d composed), want 1", len(w.outbox.sent), len(w.composer.digests))
	}
	if got, want := ids(w.composer.digests[0]), []string{"legacy", "received", "contacted"}; !slices.Equal(got, want) {
		t.Errorf("digest lists %v, want %v", got, want)
	}
	if got := w.store.listed; !slices.Equal(got[:3], []appointment.Status{appointment.StatusReceived, "new", appointment.StatusContacted}) {
		t.Errorf("listed statuses %q, want received, new and contacted", got)
	}
	if !strings.Contains(w.log.String(), "digest already sent today") {
		t.Errorf("log does not say the second digest was skipped:\n%s", w.log)
	}
	if !bytes.Contains(w.outbox.sent[0], []byte("Subject: Open requests: 3 (2 overdue)")) {
		t.Errorf("digest subject:\n%s", w.outbox.sent[0][:bytes.Index(w.outbox.sent[0], []byte("\r\n\r\n"))])
	}

	if sent, err := w.h.Send(ctx, at(t, 12, 1, 8, 0)); err != nil || !sent {
		t.Errorf("next day: sent %v, %v; want a digest", sent, err)
	}
}

// TestNoOpenRequestsNoEmail: with nothing open, nothing is sent or
// counted, and the log says why.
func TestNoOpenRequestsNoEmail(t *testing.T) {
	w := newWorld(t, request("scheduled", appointment.StatusScheduled, at(t, 11, 20, 9, 0)))
	sent, err := w.h.Send(context.Background(), at(t, 11, 30, 8, 0))
	if err != nil || sent {
		t.Fatalf("sent %v, %v; want nothing", sent, err)
	}
	if len(w.outbox.sent) != 0 || len(w.store.counts) != 0 {
		t.Errorf("sent %d, counted %v", len(w.outbox.sent), w.store.counts)
	}
	if !strings.Contains(w.log.String(), "no open requests") {
		t.Errorf("log:\n%s", w.log)
	}
}

// TestFailedSendIsRetried: a send that fails gives the day back and fails
// the invocation, so that the retry sends the digest, once.
func TestFailedSendIsRetried(t *testing.T) {
	w := newWorld(t, request("received", appointment.StatusReceived, at(t, 11, 27, 9, 0)))
	w.outbox.err = errors.New("SES unavailable")
	ctx := context.Background()
	now := at(t, 11, 30, 8, 0)
	if sent, err := w.h.Send(ctx, now); err == nil || sent {
		t.Fatalf("failed send: sent %v, %v; want an error", sent, err)
	}
	for i := range 2 {
		sent, err := w.h.Send(ctx, now.Add(time.Minute))
		if err != nil || sent != (i == 0) {
			t.Fatalf("retry %d: sent %v, %v", i+1, sent, err)
		}
	}
	if len(w.outbox.sent) != 1 {
		t.Errorf("%d emails sent, want 1", len(w.outbox.sent))
	}
}

// TestConcurrentSendThatFails: an invocation that finds another sending
// the day's digest sends nothing and takes its count back, so that when
// the other's send fails and gives the day back, the retry sends.
func TestConcurrentSendThatFails(t *testing.T) {
	w := newWorld(t, request("received", appointment.StatusReceived, at(t, 11, 27, 9, 0)))
	ctx := context.Background()
	now := at(t, 11, 30, 8, 0)
	day, length := localDay(now, profile(t).Zone())
	// Another invocation holds the day, mid-send.
	if n, _ := w.store.Count(ctx, CounterName, day, length, 1); n != 1 {
		t.Fatalf("count %d", n)
	}
	if sent, err := w.h.Send(ctx, now); err != nil || sent {
		t.Fatalf("while another sends: sent %v, %v; want nothing", sent, err)
	}
	// Its send fails, and it gives the day back.
	if n, _ := w.store.Count(ctx, CounterName, day, length, -1); n != 0 {
		t.Fatalf("after the other's give-back the count is %d, want 0", n)
	}
	if sent, err := w.h.Send(ctx, now.Add(time.Minute)); err != nil || !sent {
		t.Errorf("the retry: sent %v, %v; want the digest", sent, err)
	}
	if len(w.outbox.sent) != 1 {
		t.Errorf("%d emails sent, want 1", len(w.outbox.sent))
	}
}

func TestStoreFailures(t *testing.T) {
	now := at(t, 11, 30, 8, 0)
	w := newWorld(t, request("received", appointment.StatusReceived, at(t, 11, 27, 9, 0)))
	w.store.listErr = errors.New("throttled")
	if _, err := w.h.Send(context.Background(), now); err == nil {
		t.Error("a failed listing did not fail the digest")
	}
	w.store.listErr, w.store.countErr = nil, errors.New("throttled")
	if _, err := w.h.Send(context.Background(), now); err == nil {
		t.Error("a failed count did not fail the digest")
	}
	if len(w.outbox.sent) != 0 {
		t.Errorf("%d emails sent without a claim on the day", len(w.outbox.sent))
	}
}

// TestHandleAcceptsAnyInput: the schedule's Input reaches the function as
// it is; the digest does not depend on it.
func TestHandleAcceptsAnyInput(t *testing.T) {
	w := newWorld(t, request("received", appointment.StatusReceived, time.Now().Add(-time.Hour)))
	for _, in := range []string{`{"source":"digest"}`, `{}`, `null`, `"x"`} {
		if err := w.h.Handle(context.Background(), json.RawMessage(in)); err != nil {
			t.Errorf("Handle(%s) = %v", in, err)
		}
	}
	if len(w.outbox.sent) != 1 {
		t.Errorf("%d emails sent, want 1", len(w.outbox.sent))
	}
}

func TestLocalDay(t *testing.T) {
	zone := profile(t).Zone()
	tests := []struct {
		now        time.Time
		wantStart  time.Time
		wantLength time.Duration
	}{
		{at(t, 11, 30, 23, 59), at(t, 11, 30, 0, 0), 24 * time.Hour},
		// 6:30 in the morning UTC is still the evening before in Denver.
		{time.Date(2026, 12, 1, 6, 30, 0, 0, time.UTC), at(t, 11, 30, 0, 0), 24 * time.Hour},
		{at(t, 3, 8, 12, 0), at(t, 3, 8, 0, 0), 23 * time.Hour},
		{at(t, 11, 1, 12, 0), at(t, 11, 1, 0, 0), 25 * time.Hour},
	}
	for _, tt := range tests {
		start, length := localDay(tt.now, zone)
		if !start.Equal(tt.wantStart) || length != tt.wantLength {
			t.Errorf("localDay(%v) = %v, %v; want %v, %v", tt.now, start, length, tt.wantStart, tt.wantLength)
		}
	}
}
