package notify

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/email"
)

// memoryCounter counts in memory, one value per name and window.
type memoryCounter struct {
	mu     sync.Mutex
	counts map[string]int
	err    error
}

func (c *memoryCounter) Count(_ context.Context, name string, start time.Time, _ time.Duration, delta int) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	k := name + "@" + start.String()
	c.counts[k] += delta
	return c.counts[k], nil
}

// TestConfirmationCap: past the hourly cap, confirmations are recorded as
// failed and counted, while every front-desk notification still goes out;
// the next hour sends again.
func TestConfirmationCap(t *testing.T) {
	f := newFixture()
	f.h.CapConfirmations(&memoryCounter{}, 2, time.Hour)
	for _, id := range []string{"a", "b", "c", "d"} {
		if failed := f.handle(t, insert(id, id)); len(failed) != 0 {
			t.Fatalf("%s: batch failures %v", id, failed)
		}
	}
	var patients, desks int
	for _, s := range f.sender.sent {
		if strings.HasPrefix(s, "desk@") {
			desks++
		} else {
			patients++
		}
	}
	if patients != 2 || desks != 4 {
		t.Errorf("sent %d confirmations and %d front-desk emails, want 2 and 4", patients, desks)
	}
	for _, id := range []string{"c", "d"} {
		d := f.deliveries.state(id, email.Patient)
		if d.State != appointment.DeliveryFailed || d.Reason != ReasonHourlyCap {
			t.Errorf("%s confirmation = %+v, want failed with %q", id, d, ReasonHourlyCap)
		}
	}
	if f.metrics.counts["ConfirmationsSuppressed/"] != 2 || f.metrics.counts["EmailsFailed/patient"] != 0 {
		t.Errorf("metrics = %v, want 2 suppressed and no SES failure", f.metrics.counts)
	}

	f.clock = f.clock.Add(time.Hour)
	if failed := f.handle(t, insert("e", "e")); len(failed) != 0 {
		t.Fatal(failed)
	}
	if d := f.deliveries.state("e", email.Patient); d.State != appointment.DeliverySent {
		t.Errorf("next hour's confirmation = %+v, want sent", d)
	}
}

// TestConfirmationCapUncountable: when the cap cannot be counted, nothing
// is sent or settled, and the record is tried again.
func TestConfirmationCapUncountable(t *testing.T) {
	f := newFixture()
	c := &memoryCounter{err: errors.New("dynamodb: throttled")}
	f.h.CapConfirmations(c, 2, time.Hour)
	if failed := f.handle(t, insert("a", "1")); len(failed) != 1 {
		t.Fatalf("batch failures %v, want the record", failed)
	}
	if d := f.deliveries.state("a", email.Patient); d.State != "" {
		t.Errorf("confirmation = %+v, want no state so a retry sends it", d)
	}
	c.err = nil
	if failed := f.handle(t, insert("a", "1")); len(failed) != 0 {
		t.Fatal(failed)
	}
	if d := f.deliveries.state("a", email.Patient); d.State != appointment.DeliverySent {
		t.Errorf("retried confirmation = %+v, want sent", d)
	}
}

// TestConfirmationCapNotSpentOnThrottling: a confirmation SES throttles is
// tried again, and the cap counts it once, when it is sent. With a cap of
// one, a confirmation throttled twice and then sent leaves the next hour's
// count at one, so the next request's confirmation is the one suppressed.
func TestConfirmationCapNotSpentOnThrottling(t *testing.T) {
	f := newFixture()
	counter := &memoryCounter{}
	f.h.CapConfirmations(counter, 1, time.Hour)
	f.sender.errs = map[string][]error{"a@example.com": {throttled, throttled}}
	for try := 1; ; try++ {
		failed := f.handle(t, insert("a", "a"))
		if len(failed) == 0 {
			break
		}
		if try == 3 {
			t.Fatalf("still failing after %d tries: %v", try, failed)
		}
	}
	if d := f.deliveries.state("a", email.Patient); d.State != appointment.DeliverySent {
		t.Fatalf("throttled confirmation = %+v, want sent once SES took it", d)
	}
	if failed := f.handle(t, insert("b", "b")); len(failed) != 0 {
		t.Fatal(failed)
	}
	if d := f.deliveries.state("b", email.Patient); d.State != appointment.DeliveryFailed || d.Reason != ReasonHourlyCap {
		t.Errorf("second confirmation = %+v, want suppressed by the cap of one", d)
	}
}

// TestEveryPatientEmailCountsTowardTheCap: the cap counts every email to
// a patient, not only confirmations: a booking, a move, a cancellation
// past the cap is recorded as failed and counted, while the front desk's
// notice of the cancel and its copies of the invitation still go, and
// count for nothing. A reschedule link must not mail a patient without
// limit.
func TestEveryPatientEmailCountsTowardTheCap(t *testing.T) {
	f := newFixture()
	f.h.CapConfirmations(&memoryCounter{}, 2, time.Hour)
	if failed := f.handle(t, insert("a", "1")); len(failed) != 0 {
		t.Fatal(failed)
	}
	at := f.clock
	r := appointment.Request{ID: "a", Reference: "REF-a", Email: "a@example.com", Status: appointment.StatusReceived}
	steps := []appointment.Command{
		{Action: appointment.ActionSchedule, Booking: &appointment.Booking{Start: at.Add(72 * time.Hour), Length: time.Hour}},
		{Action: appointment.ActionReschedule, Booking: &appointment.Booking{Start: at.Add(96 * time.Hour), Length: time.Hour}},
		{Action: appointment.ActionCancel},
	}
	for _, c := range steps {
		c.Audience = c.Action.Audience()
		after, _, err := r.Apply(c, at)
		if err != nil {
			t.Fatal(err)
		}
		before := r
		if !f.h.Deliver(context.Background(), appointment.Change{Event: appointment.ChangeModified, Before: &before, After: &after}) {
			t.Fatalf("%s: handed back", c.Action)
		}
		r = after
	}
	want := map[appointment.EmailKind]string{
		email.Patient: string(appointment.DeliverySent),
		appointment.TransitionEmail(appointment.EmailBooking, 0):      string(appointment.DeliverySent),
		appointment.TransitionEmail(appointment.EmailBooking, 1):      ReasonHourlyCap,
		appointment.TransitionEmail(appointment.EmailCancelled, 2):    ReasonHourlyCap,
		appointment.TransitionEmail(appointment.EmailCancelNotice, 2): string(appointment.DeliverySent),
		appointment.TransitionEmail(appointment.EmailDeskInvite, 0):   string(appointment.DeliverySent),
		appointment.TransitionEmail(appointment.EmailDeskInvite, 1):   string(appointment.DeliverySent),
		appointment.TransitionEmail(appointment.EmailDeskInvite, 2):   string(appointment.DeliverySent),
	}
	for kind, state := range want {
		d := f.deliveries.state("a", kind)
		got := string(d.State)
		if d.State == appointment.DeliveryFailed {
			got = d.Reason
		}
		if got != state {
			t.Errorf("%s = %q, want %q", kind, got, state)
		}
	}
}
