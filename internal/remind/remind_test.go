package remind

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/local/localstore"
	"example.com/appointments/internal/notify"
	"example.com/appointments/internal/testing/storetest"
)

var (
	now    = time.Date(2026, 12, 7, 16, 0, 0, 0, time.UTC)
	before = 24 * time.Hour
	quiet  = slog.New(slog.NewTextHandler(io.Discard, nil))
)

// booked returns a request scheduled at bookedAt for an appointment at
// start.
func booked(t *testing.T, id string, bookedAt, start time.Time) appointment.Request {
	t.Helper()
	r := storetest.Request("Knee pain", bookedAt.Add(-time.Hour))
	r.ID = id
	r, _, err := r.Apply(appointment.Command{Action: appointment.ActionSchedule, Audience: appointment.AudienceFrontDesk, OutsideHours: true,
		Booking: &appointment.Booking{Start: start, Length: 45 * time.Minute}}, bookedAt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type fakeStore struct {
	requests []appointment.Request
	err      error
	from, to time.Time
	calls    int
}

func (s *fakeStore) Upcoming(_ context.Context, from, to time.Time, limit int) ([]appointment.Request, error) {
	s.calls++
	s.from, s.to = from, to
	return s.requests, s.err
}

type fakeDeliverer struct {
	fail map[string]bool
	got  []string
}

func (d *fakeDeliverer) DeliverEmail(_ context.Context, r appointment.Request, kind appointment.EmailKind) bool {
	d.got = append(d.got, r.ID+" "+string(kind))
	return !d.fail[r.ID]
}

type countingMetrics struct{ names []string }

func (m *countingMetrics) Count(name string, _ map[string]string) { m.names = append(m.names, name) }

// TestSweep: a sweep reads the appointments starting from now until the
// reminder time ahead, and hands over only the reminders that are due and
// not settled; one it could not settle is counted, and the invocation
// fails so that the alarm sees it.
func TestSweep(t *testing.T) {
	due := booked(t, "due", now.Add(-48*time.Hour), now.Add(10*time.Hour))
	later := booked(t, "later", now.Add(-48*time.Hour), now.Add(30*time.Hour))
	inside := booked(t, "inside", now.Add(-time.Hour), now.Add(10*time.Hour))
	sent := booked(t, "sent", now.Add(-48*time.Hour), now.Add(5*time.Hour))
	sent.Deliveries = map[appointment.EmailKind]appointment.Delivery{"reminder-0": {State: appointment.DeliverySent}}
	failed := booked(t, "failed", now.Add(-48*time.Hour), now.Add(6*time.Hour))
	failed.Deliveries = map[appointment.EmailKind]appointment.Delivery{"reminder-0": {State: appointment.DeliveryFailed}}
	sending := booked(t, "sending", now.Add(-48*time.Hour), now.Add(7*time.Hour))
	sending.Deliveries = map[appointment.EmailKind]appointment.Delivery{"reminder-0": {State: appointment.DeliverySending, LeaseUntil: now.Add(-time.Minute)}}

	store := &fakeStore{requests: []appointment.Request{sent, failed, sending, due, inside, later}}
	d := &fakeDeliverer{fail: map[string]bool{"sending": true}}
	m := &countingMetrics{}
	s := New(store, d, before, quiet, m)
	s.SetClock(func() time.Time { return now })
	res, err := s.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !store.from.Equal(now) || !store.to.Equal(now.Add(before)) {
		t.Errorf("read appointments from %v to %v, want from %v to %v", store.from, store.to, now, now.Add(before))
	}
	if want := []string{"sending reminder-0", "due reminder-0"}; !slices.Equal(d.got, want) {
		t.Errorf("delivered %v, want %v", d.got, want)
	}
	if res != (Result{Due: 2, Left: 1}) {
		t.Errorf("Sweep() = %+v, want 2 due, 1 left", res)
	}
	if !slices.Equal(m.names, []string{"RemindersLeft"}) {
		t.Errorf("metrics %v, want RemindersLeft", m.names)
	}
	if err := s.Handle(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "not settled") {
		t.Errorf("Handle() = %v, want an error saying reminders were left", err)
	}

	d.fail = nil
	if err := s.Handle(context.Background(), nil); err != nil {
		t.Errorf("Handle() = %v after every reminder was settled", err)
	}
}

// TestSweepFailsWhenTheIndexCannotBeRead and TestSweepOff: a sweep that
// cannot read fails; with reminders off, it reads nothing.
func TestSweepFailsWhenTheIndexCannotBeRead(t *testing.T) {
	store := &fakeStore{err: appointment.ErrUnavailable}
	s := New(store, &fakeDeliverer{}, before, quiet, &countingMetrics{})
	if err := s.Handle(context.Background(), nil); !errors.Is(err, appointment.ErrUnavailable) {
		t.Errorf("Handle() = %v, want %v", err, appointment.ErrUnavailable)
	}
}

func TestSweepOff(t *testing.T) {
	store := &fakeStore{requests: []appointment.Request{booked(t, "due", now.Add(-48*time.Hour), now.Add(10*time.Hour))}}
	d := &fakeDeliverer{}
	s := New(store, d, 0, quiet, &countingMetrics{})
	if err := s.Handle(context.Background(), nil); err != nil || store.calls != 0 || len(d.got) != 0 {
		t.Errorf("with reminders off: Handle() = %v, %d reads, delivered %v; want nothing", err, store.calls, d.got)
	}
}

// outbox is a sender that keeps what it sends.
type outbox struct {
	mu   sync.Mutex
	sent []appointment.Message
}

func (o *outbox) Send(_ context.Context, m appointment.Message) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return "m-" + string(m.Kind), nil
}

func (o *outbox) kinds(id string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, m := range o.sent {
		if m.RequestID == id {
			out = append(out, string(m.Kind))
		}
	}
	return out
}

// composer renders every email as its kind alone: what the reminders'
// words are is the email package's to test.
type composer struct{}

func (composer) Compose(kind email.Kind, r appointment.Request) (email.Message, error) {
	return email.Message{Message: appointment.Message{RequestID: r.ID, Kind: kind, From: "appointments@example.com", To: []string{r.Email}, Raw: []byte("Subject: " + string(kind) + "\r\n\r\n")}}, nil
}

type noMetrics struct{}

func (noMetrics) Count(string, map[string]string) {}

// flow is the sweep on the local server's embedded store with the email
// handler every email goes through: its claims, its suppression check.
type flow struct {
	t     *testing.T
	store *localstore.Store
	mail  *outbox
	sweep *Sweeper
	clock time.Time
	key   []byte
}

func newFlow(t *testing.T) *flow {
	store, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f := &flow{t: t, store: store, mail: &outbox{}, clock: now, key: []byte("hashing key of the test")}
	h := notify.New(dynamo.ChangeOf, store, f.mail, composer{}, quiet, noMetrics{})
	h.CheckSuppressions(store, f.key)
	f.sweep = New(store, h, before, quiet, noMetrics{})
	f.sweep.SetClock(func() time.Time { return f.clock })
	return f
}

// act applies the command to the stored request at the flow's clock.
func (f *flow) act(id string, c appointment.Command) {
	f.t.Helper()
	ctx := context.Background()
	cur, err := f.store.Get(ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	c.Audience = c.Action.Audience()
	next, _, err := cur.Apply(c, f.clock)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.store.Transition(ctx, cur, next); err != nil {
		f.t.Fatal(err)
	}
}

func (f *flow) create(reason, address string) string {
	f.t.Helper()
	r := storetest.Request(reason, f.clock)
	r.Email = address
	if _, err := f.store.Create(context.Background(), r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
		f.t.Fatal(err)
	}
	return r.ID
}

func (f *flow) run() Result {
	f.t.Helper()
	res, err := f.sweep.Sweep(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

func schedule(start time.Time) appointment.Command {
	return appointment.Command{Action: appointment.ActionSchedule, OutsideHours: true, Booking: &appointment.Booking{Start: start, Length: 45 * time.Minute}}
}

func reschedule(start time.Time) appointment.Command {
	return appointment.Command{Action: appointment.ActionReschedule, OutsideHours: true, Booking: &appointment.Booking{Start: start, Length: 45 * time.Minute}}
}

// TestReminderOnceMovedAndCancelled follows bookings through sweeps as the
// clock moves: a reminder goes once however many sweeps find it due; a
// reschedule moves it, so the moved booking is reminded at its own time;
// a cancellation stops it; a booking made inside the window gets none;
// and an address that complained gets none, recorded as failed.
func TestReminderOnceMovedAndCancelled(t *testing.T) {
	f := newFlow(t)
	start := now.Add(72 * time.Hour)
	kept := f.create("kept", "kept@example.com")
	f.act(kept, schedule(start))
	moved := f.create("moved", "moved@example.com")
	f.act(moved, schedule(start))
	cancelled := f.create("cancelled", "cancelled@example.com")
	f.act(cancelled, schedule(start))
	complained := f.create("complained", "complained@example.com")
	f.act(complained, schedule(start))
	if err := f.store.Suppress(context.Background(), appointment.SuppressionKey(f.key, "complained@example.com"), appointment.ReasonComplaint, now); err != nil {
		t.Fatal(err)
	}

	if res := f.run(); res.Due != 0 || len(f.mail.sent) != 0 {
		t.Fatalf("three days ahead: %+v, sent %d; want nothing due", res, len(f.mail.sent))
	}
	// A day on: the moved booking goes two days later, the cancelled one
	// is cancelled, and a new one is booked for ten hours on, inside the
	// window.
	f.clock = now.Add(24 * time.Hour)
	f.act(moved, reschedule(start.Add(48*time.Hour)))
	f.act(cancelled, appointment.Command{Action: appointment.ActionCancel})
	late := f.create("late", "late@example.com")
	f.act(late, schedule(f.clock.Add(10*time.Hour)))
	f.clock = f.clock.Add(time.Hour)
	f.run()

	// Just before the reminder time nothing is due; at it, the kept
	// booking's reminder goes, once, however often the sweep runs.
	f.clock = start.Add(-before - time.Minute)
	f.run()
	f.clock = start.Add(-before)
	for range 3 {
		f.run()
	}
	f.clock = start.Add(-time.Hour)
	f.run()
	if got := f.mail.kinds(kept); !slices.Equal(got, []string{"reminder-0"}) {
		t.Errorf("kept booking: sent %v, want one reminder-0", got)
	}
	for _, id := range []string{moved, cancelled, late, complained} {
		if got := f.mail.kinds(id); len(got) != 0 {
			t.Errorf("%s: sent %v, want nothing yet", id, got)
		}
	}
	d, err := f.store.Delivery(context.Background(), complained, "reminder-0")
	if err != nil || d.State != appointment.DeliveryFailed || d.Reason != appointment.ReasonComplaint {
		t.Errorf("suppressed address's reminder: %+v, %v; want failed for the complaint", d, err)
	}

	// The moved booking is reminded a day before its new time.
	f.clock = start.Add(48*time.Hour - before)
	f.run()
	f.run()
	if got := f.mail.kinds(moved); !slices.Equal(got, []string{"reminder-1"}) {
		t.Errorf("moved booking: sent %v, want one reminder-1, of the reschedule", got)
	}
	// Nothing is sent once the appointment has begun.
	f.clock = start.Add(48 * time.Hour)
	if res := f.run(); res.Due != 0 {
		t.Errorf("after the appointments began: %+v, want nothing due", res)
	}
}

// TestCancelBetweenReadAndClaim: a booking cancelled after the sweep read
// it, and before its reminder is claimed, gets no reminder: the claim
// checks that the booking is still the request's latest change.
func TestCancelBetweenReadAndClaim(t *testing.T) {
	f := newFlow(t)
	start := now.Add(72 * time.Hour)
	id := f.create("cancelled meanwhile", "patient@example.com")
	f.act(id, schedule(start))
	f.clock = start.Add(-before)
	stale, err := f.store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	f.act(id, appointment.Command{Action: appointment.ActionCancel})
	// The sweep works from what it read before the cancel, as it would
	// from an index not yet updated.
	s := New(&fakeStore{requests: []appointment.Request{stale}}, f.sweep.deliverer, before, quiet, noMetrics{})
	s.SetClock(func() time.Time { return f.clock })
	res, err := s.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := f.mail.kinds(id); len(got) != 0 || res != (Result{Due: 1}) {
		t.Errorf("sent %v, result %+v; want no reminder, and the reminder settled as not to go", got, res)
	}
}
