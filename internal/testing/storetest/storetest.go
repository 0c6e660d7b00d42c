// Package storetest is the contract every appointment store keeps: the
// DynamoDB adapter and the embedded store of the local server run the same
// tests, so that local development shows the behaviour AWS will.
//
// It is meant to be imported only from _test.go files.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/i18n"
)

// Store is what the submit and notify handlers and the local server need of
// storage.
type Store interface {
	Create(ctx context.Context, r appointment.Request, d appointment.Dedupe) (appointment.Receipt, error)
	Replay(ctx context.Context, r appointment.Request, d appointment.Dedupe) (appointment.Receipt, bool, error)
	Count(ctx context.Context, name string, windowStart time.Time, window time.Duration, delta int) (int, error)
	Decoy(ctx context.Context, name string, windowStart time.Time, window time.Duration) (bool, error)
	Get(ctx context.Context, id string) (appointment.Request, error)
	List(ctx context.Context, status appointment.Status, limit int) ([]appointment.Request, error)
	Upcoming(ctx context.Context, from, to time.Time, limit int) ([]appointment.Request, error)
	ClaimEmail(ctx context.Context, id string, kind appointment.EmailKind, lease string, until, now time.Time) (bool, appointment.Delivery, error)
	MarkEmailSent(ctx context.Context, id string, kind appointment.EmailKind, lease, messageID string, at time.Time) error
	MarkEmailFailed(ctx context.Context, id string, kind appointment.EmailKind, lease, reason string, at time.Time) error
	ReleaseEmail(ctx context.Context, id string, kind appointment.EmailKind, lease string) error
	Delivery(ctx context.Context, id string, kind appointment.EmailKind) (appointment.Delivery, error)
	Transition(ctx context.Context, before, after appointment.Request) error
	RecordFeedback(ctx context.Context, id string, kind appointment.EmailKind, messageID string, r appointment.Report) (bool, error)
	Suppress(ctx context.Context, key, reason string, at time.Time) error
	Suppressed(ctx context.Context, key string) (bool, error)
}

// Open returns a new, empty store whose clock is now.
type Open func(t *testing.T, now func() time.Time) Store

// T0 is the time the contract's scenarios start at.
var T0 = time.Date(2026, 11, 27, 16, 30, 0, 0, time.UTC)

// Run runs the whole contract.
func Run(t *testing.T, open Open) {
	t.Run("CreateAndGet", func(t *testing.T) { testCreateAndGet(t, open) })
	t.Run("Repeats", func(t *testing.T) { testRepeats(t, open) })
	t.Run("ConcurrentSameKey", func(t *testing.T) { testConcurrentSameKey(t, open) })
	t.Run("Count", func(t *testing.T) { testCount(t, open) })
	t.Run("Decoy", func(t *testing.T) { testDecoy(t, open) })
	t.Run("EmailLease", func(t *testing.T) { testEmailLease(t, open) })
	t.Run("ReleaseEmail", func(t *testing.T) { testReleaseEmail(t, open) })
	t.Run("ClaimEmailOfMissingRequest", func(t *testing.T) { testClaimEmailOfMissingRequest(t, open) })
	t.Run("List", func(t *testing.T) { testList(t, open) })
	t.Run("ListScheduled", func(t *testing.T) { testListScheduled(t, open) })
	t.Run("Upcoming", func(t *testing.T) { testUpcoming(t, open) })
	t.Run("ReminderClaim", func(t *testing.T) { testReminderClaim(t, open) })
	t.Run("Transition", func(t *testing.T) { testTransition(t, open) })
	t.Run("ConcurrentTransitions", func(t *testing.T) { testConcurrentTransitions(t, open) })
	t.Run("Feedback", func(t *testing.T) { testFeedback(t, open) })
	t.Run("Suppression", func(t *testing.T) { testSuppression(t, open) })
}

// Request returns a valid request stamped at the given time.
func Request(reason string, at time.Time) appointment.Request {
	yes := true
	r := appointment.Request{
		FirstName: "Jordan", LastName: "Rivera", Email: "jordan@example.com", Phone: "+13035550142",
		PhoneExtension: "12", PhoneText: "(303) 555-0142 ext. 12", Service: "dry-needling", Location: "main", PreferredDays: []string{"mon", "wed"},
		PreferredTimes: []string{"morning"}, NewPatient: &yes, ContactMethod: "phone",
		Reason: reason, Status: appointment.StatusReceived,
	}
	r.Stamp(at)
	return r
}

func dedupe(r appointment.Request, key string) appointment.Dedupe {
	return appointment.Dedupe{IdempotencyKey: key, Fingerprint: r.Fingerprint()}
}

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func testCreateAndGet(t *testing.T, open Open) {
	s := open(t, func() time.Time { return T0 })
	r := Request("Tight shoulder.\nWorse at night.", T0)
	r.Language = i18n.Spanish
	receipt, err := s.Create(context.Background(), r, dedupe(r, "key-1"))
	if err != nil {
		t.Fatalf("Create() error = %v", err)
	}
	if receipt != (appointment.Receipt{ID: r.ID, Reference: r.Reference}) {
		t.Errorf("receipt = %+v", receipt)
	}
	got, err := s.Get(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != r.ID || got.Reference != r.Reference || got.Fingerprint() != r.Fingerprint() ||
		!got.CreatedAt.Equal(r.CreatedAt) || got.Status != appointment.StatusReceived || got.PhoneExtension != "12" || got.PhoneText != r.PhoneText || got.Language != i18n.Spanish {
		t.Errorf("Get() = %+v, want %+v", got, r)
	}
	if _, err := s.Get(context.Background(), "missing"); !errors.Is(err, appointment.ErrNotFound) {
		t.Errorf("Get(missing) error = %v, want %v", err, appointment.ErrNotFound)
	}
}

func testRepeats(t *testing.T, open Open) {
	tests := []struct {
		name         string
		firstKey     string
		secondKey    string
		secondReason string
		secondAt     time.Duration // after the first
		wantReplay   bool
		wantErr      error
		wantNew      bool
	}{
		{name: "same key and body replays", firstKey: "k", secondKey: "k", wantReplay: true},
		{name: "same key and body after 23h replays", firstKey: "k", secondKey: "k", secondAt: 23 * time.Hour, wantReplay: true},
		{name: "same key after 25h is new", firstKey: "k", secondKey: "k", secondAt: 25 * time.Hour, wantNew: true},
		{name: "same key other body refused", firstKey: "k", secondKey: "k", secondReason: "Something else", wantErr: appointment.ErrIdempotencyKeyReused},
		{name: "double submit without key replays", wantReplay: true},
		{name: "double submit with new key replays", firstKey: "a", secondKey: "b", wantReplay: true},
		{name: "resubmission after 11 minutes is new", secondAt: 11 * time.Minute, wantNew: true},
		{name: "other body is new", secondReason: "Something else", wantNew: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: T0}
			s := open(t, c.now)
			first := Request("Tight shoulder.", T0)
			reason := first.Reason
			if tt.secondReason != "" {
				reason = tt.secondReason
			}
			r1, err := s.Create(context.Background(), first, dedupe(first, tt.firstKey))
			if err != nil {
				t.Fatal(err)
			}
			c.set(T0.Add(tt.secondAt))
			second := Request(reason, T0.Add(tt.secondAt))

			// Replay finds the earlier request by the key the second
			// submission carries, or by its fingerprint when it has none;
			// a new key is Create's to tie to the earlier request.
			wantFound := tt.wantReplay && tt.secondKey == tt.firstKey
			replayed, found, err := s.Replay(context.Background(), second, dedupe(second, tt.secondKey))
			if !errors.Is(err, tt.wantErr) || found != wantFound {
				t.Fatalf("Replay() = %+v, %v, %v; want found %v, error %v", replayed, found, err, wantFound, tt.wantErr)
			}
			if found && (replayed.ID != r1.ID || replayed.Reference != r1.Reference || !replayed.Replayed) {
				t.Errorf("Replay() receipt %+v, want the first %+v, replayed", replayed, r1)
			}

			r2, err := s.Create(context.Background(), second, dedupe(second, tt.secondKey))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("second Create() error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				if _, err := s.Get(context.Background(), second.ID); err == nil {
					t.Error("refused request was stored")
				}
				return
			}
			if r2.Replayed != tt.wantReplay {
				t.Errorf("Replayed = %v, want %v", r2.Replayed, tt.wantReplay)
			}
			if tt.wantReplay && (r2.ID != r1.ID || r2.Reference != r1.Reference) {
				t.Errorf("replay receipt %+v, want the first %+v", r2, r1)
			}
			_, err = s.Get(context.Background(), second.ID)
			if stored := err == nil; stored != tt.wantNew {
				t.Errorf("second request stored = %v, want %v", stored, tt.wantNew)
			}
		})
	}
}

// testConcurrentSameKey sends 20 requests with one idempotency key at once:
// exactly one is stored and every caller gets its receipt.
func testConcurrentSameKey(t *testing.T, open Open) {
	s := open(t, func() time.Time { return T0 })
	const n = 20
	receipts := make([]appointment.Receipt, n)
	errs := make([]error, n)
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := Request("Tight shoulder.", T0)
			ids[i] = r.ID
			receipts[i], errs[i] = s.Create(context.Background(), r, dedupe(r, "one-key"))
		}()
	}
	wg.Wait()

	stored := 0
	for _, id := range ids {
		if _, err := s.Get(context.Background(), id); err == nil {
			stored++
		}
	}
	if stored != 1 {
		t.Fatalf("%d requests stored, want exactly 1", stored)
	}
	fresh := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("caller %d: %v", i, errs[i])
			continue
		}
		if receipts[i].ID != receipts[0].ID {
			t.Errorf("caller %d got receipt for %s, want %s", i, receipts[i].ID, receipts[0].ID)
		}
		if !receipts[i].Replayed {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d callers were told they created the request, want 1", fresh)
	}
}

func testCount(t *testing.T, open Open) {
	s := open(t, func() time.Time { return T0 })
	ctx := context.Background()
	window := T0.Truncate(time.Hour)
	for want := 1; want <= 3; want++ {
		got, err := s.Count(ctx, "client-a", window, time.Hour, 1)
		if err != nil || got != want {
			t.Fatalf("Count() = %d, %v; want %d", got, err, want)
		}
	}
	if got, err := s.Count(ctx, "client-a", window, time.Hour, -1); err != nil || got != 2 {
		t.Errorf("Count(-1) = %d, %v; want 2", got, err)
	}
	if got, _ := s.Count(ctx, "client-b", window, time.Hour, 1); got != 1 {
		t.Errorf("other counter = %d, want 1", got)
	}
	if got, _ := s.Count(ctx, "client-a", window.Add(time.Hour), time.Hour, 1); got != 1 {
		t.Errorf("next window = %d, want 1", got)
	}
	day := T0.Truncate(24 * time.Hour)
	if got, _ := s.Count(ctx, "address-a", day, 24*time.Hour, 1); got != 1 {
		t.Errorf("daily counter = %d, want 1", got)
	}
}

// testDecoy: a decoy is remembered for its window, each name on its own,
// and leaves no request behind.
func testDecoy(t *testing.T, open Open) {
	c := &clock{t: T0}
	s := open(t, c.now)
	ctx := context.Background()
	window := appointment.DedupeWindow
	start := T0.Truncate(window)
	for i, want := range []bool{false, true, true} {
		if repeat, err := s.Decoy(ctx, "honeypot#a", start, window); err != nil || repeat != want {
			t.Fatalf("Decoy() #%d = %v, %v; want %v", i+1, repeat, err, want)
		}
	}
	if repeat, err := s.Decoy(ctx, "honeypot#b", start, window); err != nil || repeat {
		t.Errorf("another decoy = %v, %v; want new", repeat, err)
	}
	c.set(start.Add(window))
	if repeat, err := s.Decoy(ctx, "honeypot#a", start.Add(window), window); err != nil || repeat {
		t.Errorf("the next window = %v, %v; want new", repeat, err)
	}
	if list, err := s.List(ctx, appointment.StatusReceived, 10); err != nil || len(list) != 0 {
		t.Errorf("List() = %d requests, %v; want none", len(list), err)
	}
}

func stored(t *testing.T, open Open) (Store, appointment.Request) {
	t.Helper()
	s := open(t, func() time.Time { return T0 })
	r := Request("x", T0)
	if _, err := s.Create(context.Background(), r, dedupe(r, "")); err != nil {
		t.Fatal(err)
	}
	return s, r
}

func testEmailLease(t *testing.T, open Open) {
	s, r := stored(t, open)
	ctx := context.Background()
	until := T0.Add(time.Minute)

	ok, _, err := s.ClaimEmail(ctx, r.ID, "patient", "lease-a", until, T0)
	if err != nil || !ok {
		t.Fatalf("first claim = %v, %v", ok, err)
	}
	// While the lease holds, nobody else may claim the email.
	ok, cur, err := s.ClaimEmail(ctx, r.ID, "patient", "lease-b", T0.Add(2*time.Minute), T0.Add(30*time.Second))
	if err != nil || ok || cur.State != appointment.DeliverySending || cur.Lease != "lease-a" || !cur.LeaseUntil.Equal(until) {
		t.Fatalf("claim under lease = %v %+v %v", ok, cur, err)
	}
	// The other email of the request is independent.
	if ok, _, err := s.ClaimEmail(ctx, r.ID, "frontDesk", "lease-c", until, T0); err != nil || !ok {
		t.Fatalf("claim other email = %v, %v", ok, err)
	}
	// Once the lease has run out another sender takes over, and the first
	// may no longer record an outcome.
	if ok, _, err := s.ClaimEmail(ctx, r.ID, "patient", "lease-b", T0.Add(3*time.Minute), T0.Add(2*time.Minute)); err != nil || !ok {
		t.Fatalf("claim after lease = %v, %v", ok, err)
	}
	if err := s.MarkEmailSent(ctx, r.ID, "patient", "lease-a", "msg-a", T0); !errors.Is(err, appointment.ErrLeaseLost) {
		t.Errorf("MarkEmailSent with lost lease = %v, want %v", err, appointment.ErrLeaseLost)
	}
	if err := s.MarkEmailSent(ctx, r.ID, "patient", "lease-b", "msg-b", T0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	d, err := s.Delivery(ctx, r.ID, "patient")
	if err != nil || d.State != appointment.DeliverySent || d.MessageID != "msg-b" || !d.At.Equal(T0.Add(2*time.Minute)) {
		t.Errorf("Delivery() = %+v, %v", d, err)
	}
	// A sent email is never claimed again, however late.
	if ok, cur, _ := s.ClaimEmail(ctx, r.ID, "patient", "lease-d", T0.Add(time.Hour), T0.Add(time.Hour)); ok || cur.State != appointment.DeliverySent {
		t.Errorf("claim of sent email = %v %+v", ok, cur)
	}

	if err := s.MarkEmailFailed(ctx, r.ID, "frontDesk", "lease-c", "MessageRejected: nope", T0); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Delivery(ctx, r.ID, "frontDesk"); d.State != appointment.DeliveryFailed || d.Reason != "MessageRejected: nope" {
		t.Errorf("failed delivery = %+v", d)
	}
	if ok, _, _ := s.ClaimEmail(ctx, r.ID, "frontDesk", "lease-e", T0.Add(time.Hour), T0.Add(time.Hour)); ok {
		t.Error("failed email claimed again")
	}
	got, err := s.Get(ctx, r.ID)
	if err != nil || got.Deliveries["patient"].State != appointment.DeliverySent || got.Deliveries["frontDesk"].State != appointment.DeliveryFailed {
		t.Errorf("Get() deliveries = %+v, %v", got.Deliveries, err)
	}
}

func testReleaseEmail(t *testing.T, open Open) {
	s, r := stored(t, open)
	ctx := context.Background()
	if ok, _, _ := s.ClaimEmail(ctx, r.ID, "patient", "a", T0.Add(time.Minute), T0); !ok {
		t.Fatal("claim failed")
	}
	if err := s.ReleaseEmail(ctx, r.ID, "patient", "someone-else"); !errors.Is(err, appointment.ErrLeaseLost) {
		t.Errorf("release by another = %v", err)
	}
	if err := s.ReleaseEmail(ctx, r.ID, "patient", "a"); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := s.ClaimEmail(ctx, r.ID, "patient", "b", T0.Add(time.Minute), T0); !ok || err != nil {
		t.Errorf("claim after release = %v, %v", ok, err)
	}
}

func testClaimEmailOfMissingRequest(t *testing.T, open Open) {
	s := open(t, func() time.Time { return T0 })
	ok, cur, err := s.ClaimEmail(context.Background(), "gone", "patient", "a", T0.Add(time.Minute), T0)
	if err != nil || ok || cur.State != "" {
		t.Errorf("ClaimEmail(missing) = %v %+v %v", ok, cur, err)
	}
}

// testList: open requests by status, oldest first.
func testList(t *testing.T, open Open) {
	c := &clock{t: T0}
	s := open(t, c.now)
	var want []string
	for i := range 3 {
		at := T0.Add(time.Duration(i) * time.Minute)
		c.set(at)
		r := Request(fmt.Sprintf("request %d", i), at)
		if _, err := s.Create(context.Background(), r, dedupe(r, "")); err != nil {
			t.Fatal(err)
		}
		want = append(want, r.ID)
	}
	got, err := s.List(context.Background(), appointment.StatusReceived, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Errorf("List() = %v, want %v (oldest first)", ids, want)
	}
	if got, _ := s.List(context.Background(), appointment.StatusReceived, 2); len(got) != 2 {
		t.Errorf("List(limit 2) = %d requests", len(got))
	}
}

// testListScheduled: the scheduled requests by status, oldest first, each
// with the bookings of its history, the latest of which is its current
// booking (what the digest's day sheet reads; the status index holds the
// history, not the booking), and a rescheduled request once.
func testListScheduled(t *testing.T, open Open) {
	c := &clock{t: T0}
	s := open(t, c.now)
	ctx := context.Background()
	var want []string
	for i := range 3 {
		at := T0.Add(time.Duration(i) * time.Minute)
		c.set(at)
		r := Request(fmt.Sprintf("request %d", i), at)
		if _, err := s.Create(ctx, r, dedupe(r, "")); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			continue // left received
		}
		actions := []appointment.Action{appointment.ActionSchedule}
		if i == 0 {
			actions = append(actions, appointment.ActionReschedule)
		}
		for j, a := range actions {
			before, err := s.Get(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			b := &appointment.Booking{Start: T0.Add(time.Duration(48+j) * time.Hour), Length: time.Hour, Clinician: "Dr. Sam Ortiz"}
			after, _, err := before.Apply(appointment.Command{Action: a, Audience: a.Audience(), Booking: b, OutsideHours: true}, at.Add(time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Transition(ctx, before, after); err != nil {
				t.Fatal(err)
			}
		}
		want = append(want, fmt.Sprintf("%s at %s", r.ID, T0.Add(time.Duration(48+len(actions)-1)*time.Hour).Format(time.RFC3339)))
	}
	got, err := s.List(ctx, appointment.StatusScheduled, 10)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, r := range got {
		var latest *appointment.Booking
		for _, tr := range r.History {
			if tr.Booking != nil {
				latest = tr.Booking
			}
		}
		if latest == nil || latest.Clinician != "Dr. Sam Ortiz" || latest.Length != time.Hour {
			t.Errorf("List(scheduled): %s has no booking in its history: %+v", r.ID, r.History)
			continue
		}
		listed = append(listed, fmt.Sprintf("%s at %s", r.ID, latest.Start.UTC().Format(time.RFC3339)))
	}
	if fmt.Sprint(listed) != fmt.Sprint(want) {
		t.Errorf("List(scheduled) = %v, want %v (oldest first, at their latest booking)", listed, want)
	}
}

// book stores a request made at T0 and applies the front desk's actions
// to it in order, each with a booking at the given start, a minute apart
// from T0; it returns the request as stored.
func book(t *testing.T, s Store, reason string, actions []appointment.Action, starts ...time.Time) appointment.Request {
	t.Helper()
	ctx := context.Background()
	r := Request(reason, T0)
	if _, err := s.Create(ctx, r, dedupe(r, "")); err != nil {
		t.Fatal(err)
	}
	for i, a := range actions {
		before, err := s.Get(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := appointment.Command{Action: a, Audience: a.Audience(), OutsideHours: true}
		if i < len(starts) {
			c.Booking = &appointment.Booking{Start: starts[i], Length: time.Hour, Clinician: "Dr. Sam Ortiz"}
		}
		after, _, err := before.Apply(c, T0.Add(time.Duration(i+1)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Transition(ctx, before, after); err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var (
	scheduleOnly = []appointment.Action{appointment.ActionSchedule}
	rescheduled  = []appointment.Action{appointment.ActionSchedule, appointment.ActionReschedule}
	cancelled    = []appointment.Action{appointment.ActionSchedule, appointment.ActionCancelBooking}
)

// testUpcoming: Upcoming lists the scheduled requests whose appointments
// start in the span, both ends included, soonest first, at their latest
// booking, whole enough to decide and compose their reminders; a
// cancelled booking, an open request and an appointment outside the span
// are not listed.
func testUpcoming(t *testing.T, open Open) {
	s := open(t, func() time.Time { return T0 })
	ctx := context.Background()
	from, to := T0.Add(2*time.Hour), T0.Add(26*time.Hour)
	atEnd := book(t, s, "at the end", scheduleOnly, to)
	soon := book(t, s, "soon", scheduleOnly, from)
	moved := book(t, s, "moved", rescheduled, T0.Add(72*time.Hour), T0.Add(5*time.Hour))
	book(t, s, "moved away", rescheduled, T0.Add(5*time.Hour), T0.Add(72*time.Hour))
	book(t, s, "cancelled", cancelled, T0.Add(6*time.Hour))
	book(t, s, "too late", scheduleOnly, to.Add(time.Millisecond))
	book(t, s, "too early", scheduleOnly, from.Add(-time.Millisecond))
	book(t, s, "open", nil)

	got, err := s.Upcoming(ctx, from, to, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []appointment.Request{soon, moved, atEnd}
	if len(got) != len(want) {
		t.Fatalf("Upcoming() listed %d requests, want %d: %v", len(got), len(want), ids(got))
	}
	for i, r := range got {
		w := want[i]
		if r.ID != w.ID || r.Booking == nil || !r.Booking.Start.Equal(w.Booking.Start) || len(r.History) != len(w.History) ||
			r.Email != w.Email || r.FirstName != w.FirstName || r.Reference != w.Reference || r.Status != appointment.StatusScheduled {
			t.Errorf("Upcoming()[%d] = %+v, want %+v", i, r, w)
		}
	}
	if got, err := s.Upcoming(ctx, from, to, 2); err != nil || len(got) != 2 || got[0].ID != soon.ID || got[1].ID != moved.ID {
		t.Errorf("Upcoming(limit 2) = %v, %v; want the two soonest", ids(got), err)
	}
}

func ids(rs []appointment.Request) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// testReminderClaim: a reminder is claimed only while the booking it is
// of is the request's latest change, checked with the claim itself: once
// the booking is cancelled or moved, its reminder is not claimed and its
// state is empty, while the moved booking's own reminder is; a sent
// reminder is not claimed again.
func testReminderClaim(t *testing.T, open Open) {
	s := open(t, func() time.Time { return T0 })
	ctx := context.Background()
	until := T0.Add(time.Minute)
	booked := book(t, s, "booked", scheduleOnly, T0.Add(48*time.Hour))
	if ok, _, err := s.ClaimEmail(ctx, booked.ID, "reminder-0", "lease-a", until, T0); err != nil || !ok {
		t.Fatalf("claim of a booking's reminder = %t, %v; want claimed", ok, err)
	}
	if err := s.MarkEmailSent(ctx, booked.ID, "reminder-0", "lease-a", "m-1", T0); err != nil {
		t.Fatal(err)
	}
	if ok, cur, err := s.ClaimEmail(ctx, booked.ID, "reminder-0", "lease-b", until, T0); err != nil || ok || cur.State != appointment.DeliverySent {
		t.Errorf("second claim of a sent reminder = %t, %+v, %v; want refused, sent", ok, cur, err)
	}

	gone := book(t, s, "cancelled", cancelled, T0.Add(48*time.Hour))
	if ok, cur, err := s.ClaimEmail(ctx, gone.ID, "reminder-0", "lease-c", until, T0); err != nil || ok || cur.State != "" {
		t.Errorf("claim of a cancelled booking's reminder = %t, %+v, %v; want refused with no state", ok, cur, err)
	}

	moved := book(t, s, "moved", rescheduled, T0.Add(48*time.Hour), T0.Add(72*time.Hour))
	if ok, cur, err := s.ClaimEmail(ctx, moved.ID, "reminder-0", "lease-d", until, T0); err != nil || ok || cur.State != "" {
		t.Errorf("claim of the old booking's reminder = %t, %+v, %v; want refused with no state", ok, cur, err)
	}
	if ok, _, err := s.ClaimEmail(ctx, moved.ID, "reminder-1", "lease-e", until, T0); err != nil || !ok {
		t.Errorf("claim of the moved booking's reminder = %t, %v; want claimed", ok, err)
	}
	// Other emails of a transition are not tied to the latest change.
	if ok, _, err := s.ClaimEmail(ctx, moved.ID, "booking-0", "lease-f", until, T0); err != nil || !ok {
		t.Errorf("claim of the first booking's email after a move = %t, %v; want claimed", ok, err)
	}
}

// testTransition: a transition is written only over the request as it was
// read; a second writer working from the same read gets ErrConflict, and
// the status index follows the new status.
func testTransition(t *testing.T, open Open) {
	now := T0
	s := open(t, func() time.Time { return now })
	ctx := context.Background()
	r := Request("transition", now)
	if _, err := s.Create(ctx, r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	before, err := s.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	contacted, _, err := before.Apply(appointment.Command{Action: appointment.ActionContact, Audience: appointment.AudienceFrontDesk}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Transition(ctx, before, contacted); err != nil {
		t.Fatalf("Transition() = %v", err)
	}
	// Another front-desk member acted on the same read.
	booking := &appointment.Booking{Start: now.Add(48 * time.Hour), Length: 45 * time.Minute, Clinician: "Dr. Kim"}
	scheduled, _, err := before.Apply(appointment.Command{Action: appointment.ActionSchedule, Audience: appointment.AudienceFrontDesk, Booking: booking}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Transition(ctx, before, scheduled); !errors.Is(err, appointment.ErrConflict) {
		t.Fatalf("Transition() from a stale read = %v, want ErrConflict", err)
	}
	got, err := s.Get(ctx, r.ID)
	if err != nil || got.Status != appointment.StatusContacted || len(got.History) != 1 || got.History[0].Action != appointment.ActionContact || !got.History[0].At.Equal(now) {
		t.Fatalf("after the transition: %+v, %v", got, err)
	}
	// From the fresh read, scheduling goes through, booking and all, with
	// the name of the link it was made with.
	scheduled, _, err = got.Apply(appointment.Command{Action: appointment.ActionSchedule, Audience: appointment.AudienceFrontDesk, Booking: booking, Link: "schedule-link-name"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Transition(ctx, got, scheduled); err != nil {
		t.Fatal(err)
	}
	got, err = s.Get(ctx, r.ID)
	if err != nil || got.Status != appointment.StatusScheduled || got.Booking == nil || !got.Booking.Start.Equal(booking.Start) ||
		got.Booking.Length != booking.Length || got.Booking.Clinician != "Dr. Kim" || len(got.History) != 2 || got.History[1].Booking == nil {
		t.Fatalf("after scheduling: %+v, %v", got, err)
	}
	if got.History[0].Link != "" || got.History[1].Link != "schedule-link-name" {
		t.Errorf("the changes' links read back as %q and %q, want none and the schedule's", got.History[0].Link, got.History[1].Link)
	}
	if open, err := s.List(ctx, appointment.StatusReceived, 10); err != nil || len(open) != 0 {
		t.Errorf("List(received) = %d, %v; want none", len(open), err)
	}
	if booked, err := s.List(ctx, appointment.StatusScheduled, 10); err != nil || len(booked) != 1 || booked[0].ID != r.ID {
		t.Errorf("List(scheduled) = %d, %v; want the request", len(booked), err)
	}
	// Once the appointment has begun, the front desk records a no-show:
	// the status index lists the request under its new status only.
	noShow, _, err := got.Apply(appointment.Command{Action: appointment.ActionNoShow, Audience: appointment.AudienceFrontDesk}, booking.Start)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Transition(ctx, got, noShow); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, r.ID); err != nil || got.Status != appointment.StatusNoShow || len(got.History) != 3 || got.History[2].To != appointment.StatusNoShow {
		t.Errorf("after the no-show: %+v, %v", got, err)
	}
	for status, want := range map[appointment.Status]int{appointment.StatusScheduled: 0, appointment.StatusNoShow: 1, appointment.StatusAttended: 0} {
		if list, err := s.List(ctx, status, 10); err != nil || len(list) != want {
			t.Errorf("List(%s) = %d, %v; want %d", status, len(list), err, want)
		}
	}
	missing := before
	missing.ID = "nosuchrequestnosuchrequest"
	if err := s.Transition(ctx, missing, contacted); !errors.Is(err, appointment.ErrNotFound) {
		t.Errorf("Transition() of a missing request = %v, want ErrNotFound", err)
	}
}

// testConcurrentTransitions: several front-desk members act on one request
// at once, each from the same read. One transition is written; every
// other writer gets ErrConflict, and by then the winner's write is there
// to read, so that a loser reading the request again decides on what beat
// it, as DynamoDB's conditional write leaves it. The race runs several
// times, and every round must come out so.
func testConcurrentTransitions(t *testing.T, open Open) {
	s := open(t, func() time.Time { return T0 })
	ctx := context.Background()
	const rounds, writers = 10, 8
	for round := range rounds {
		r := Request(fmt.Sprint("concurrent transitions ", round), T0)
		if _, err := s.Create(ctx, r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
			t.Fatal(err)
		}
		before, err := s.Get(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		contacted, _, err := before.Apply(appointment.Command{Action: appointment.ActionContact, Audience: appointment.AudienceFrontDesk}, T0)
		if err != nil {
			t.Fatal(err)
		}
		errs := make([]error, writers)
		seen := make([]appointment.Status, writers)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.Transition(ctx, before, contacted)
				if errors.Is(errs[i], appointment.ErrConflict) {
					// What the loser of the race reads next.
					got, err := s.Get(ctx, r.ID)
					if err != nil {
						t.Error(err)
					}
					seen[i] = got.Status
				}
			}()
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, appointment.ErrConflict):
				t.Errorf("round %d, writer %d: Transition() = %v, want nil or ErrConflict", round, i, err)
			case seen[i] != appointment.StatusContacted:
				t.Errorf("round %d, writer %d: refused, then read the request as %q, want %q", round, i, seen[i], appointment.StatusContacted)
			}
		}
		if won != 1 {
			t.Errorf("round %d: %d transitions written, want 1", round, won)
		}
	}
}

// testFeedback: SES's reports land on the email sent under their message
// ID, a later report replaces an earlier one and never the reverse, and
// the same report twice records the same.
func testFeedback(t *testing.T, open Open) {
	s, r := stored(t, open)
	ctx := context.Background()
	record := func(kind appointment.EmailKind, messageID string, rep appointment.Report) bool {
		t.Helper()
		ok, err := s.RecordFeedback(ctx, r.ID, kind, messageID, rep)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	delivered := appointment.Report{Feedback: appointment.FeedbackDelivered, At: T0.Add(time.Second)}
	bounced := appointment.Report{Feedback: appointment.FeedbackBounced, BounceType: appointment.BouncePermanent, At: T0.Add(2 * time.Second)}
	complained := appointment.Report{Feedback: appointment.FeedbackComplained, At: T0.Add(time.Hour)}

	// Not sent yet: nothing to record on.
	if record("patient", "msg-1", delivered) {
		t.Error("feedback recorded on an email never sent")
	}
	if ok, _, err := s.ClaimEmail(ctx, r.ID, "patient", "lease", T0.Add(time.Minute), T0); err != nil || !ok {
		t.Fatalf("claim = %v, %v", ok, err)
	}
	if record("patient", "msg-1", delivered) {
		t.Error("feedback recorded on an email still sending")
	}
	if err := s.MarkEmailSent(ctx, r.ID, "patient", "lease", "msg-1", T0); err != nil {
		t.Fatal(err)
	}
	if record("patient", "msg-other", delivered) || record("frontDesk", "msg-1", delivered) {
		t.Error("feedback recorded on another message")
	}
	if ok, err := s.RecordFeedback(ctx, "no-such-request", "patient", "msg-1", delivered); ok || err != nil {
		t.Errorf("feedback on a missing request = %v, %v", ok, err)
	}
	if !record("patient", "msg-1", delivered) || !record("patient", "msg-1", bounced) || !record("patient", "msg-1", bounced) {
		t.Error("delivery, then bounce, then the bounce again: not all recorded")
	}
	if record("patient", "msg-1", delivered) {
		t.Error("a late delivery replaced the bounce")
	}
	d, err := s.Delivery(ctx, r.ID, "patient")
	if err != nil || d.State != appointment.DeliverySent || d.MessageID != "msg-1" || d.Report.Feedback != appointment.FeedbackBounced ||
		d.Report.BounceType != appointment.BouncePermanent || !d.Report.At.Equal(bounced.At) {
		t.Errorf("after the bounce: %+v, %v", d, err)
	}
	if !record("patient", "msg-1", complained) {
		t.Error("complaint not recorded")
	}
	got, err := s.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rep := got.Deliveries["patient"].Report; rep.Feedback != appointment.FeedbackComplained || rep.BounceType != "" || !rep.At.Equal(complained.At) {
		t.Errorf("Get() after the complaint: %+v", rep)
	}
}

func testSuppression(t *testing.T, open Open) {
	s := open(t, func() time.Time { return T0 })
	ctx := context.Background()
	key := appointment.SuppressionKey([]byte("k"), "jordan@example.com")
	if ok, err := s.Suppressed(ctx, key); ok || err != nil {
		t.Fatalf("Suppressed before = %v, %v", ok, err)
	}
	for range 2 {
		if err := s.Suppress(ctx, key, "complaint", T0); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := s.Suppressed(ctx, key); !ok || err != nil {
		t.Errorf("Suppressed after = %v, %v", ok, err)
	}
	if ok, _ := s.Suppressed(ctx, appointment.SuppressionKey([]byte("k"), "sam@example.com")); ok {
		t.Error("another address is suppressed")
	}
}
