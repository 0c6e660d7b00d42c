package notify

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/email"
)

// slowSender moves the fixture's clock on by a second for each send, as a
// sender paced at one email a second does.
type slowSender struct {
	f    *fixture
	next Sender
}

func (s slowSender) Send(ctx context.Context, m appointment.Message) (string, error) {
	s.f.clock = s.f.clock.Add(time.Second)
	return s.next.Send(ctx, m)
}

// notStarted imitates a paced sender that had no time left for a send
// before the deadline: SES was not asked.
type notStarted struct{}

func (notStarted) Error() string   { return "ses: send not started: " + context.DeadlineExceeded.Error() }
func (notStarted) Unwrap() error   { return context.DeadlineExceeded }
func (notStarted) NotSent() bool   { return true }
func (notStarted) Permanent() bool { return false }

// handleBy runs the handler with a deadline the given time away on the
// fixture's clock.
func (f *fixture) handleBy(t *testing.T, left time.Duration, recs ...events.DynamoDBEventRecord) []string {
	t.Helper()
	ctx, cancel := context.WithDeadline(context.Background(), f.clock.Add(left))
	defer cancel()
	resp, err := f.h.Handle(ctx, events.DynamoDBEvent{Records: recs})
	if err != nil {
		t.Fatalf("Handle() error = %v", err)
	}
	var failed []string
	for _, fl := range resp.BatchItemFailures {
		failed = append(failed, fl.ItemIdentifier)
	}
	return failed
}

// sentOnce fails the test unless both emails of each request went out
// exactly once.
func (f *fixture) sentOnce(t *testing.T, ids ...string) {
	t.Helper()
	for _, id := range ids {
		for _, kind := range []email.Kind{email.Patient, email.FrontDesk} {
			key := id + "/" + string(kind)
			n := 0
			for _, k := range f.sender.keys {
				if k == key {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s sent %d times, want once", key, n)
			}
			if d := f.deliveries.state(id, kind); d.State != appointment.DeliverySent {
				t.Errorf("%s/%s delivery = %+v, want sent", id, kind, d)
			}
		}
	}
}

// TestShortDeadlineHandsBackTheRest: once less than the reserve is left
// before the deadline, the handler takes up no more emails; the record it
// was on and all later ones are handed back untouched, and the retry sends
// each of their emails once.
func TestShortDeadlineHandsBackTheRest(t *testing.T) {
	f := newFixture()
	// The deadline is read on the real clock too, so the fixture's clock
	// starts now.
	f.clock = time.Now()
	f.h.sender = slowSender{f: f, next: f.sender}
	recs := []events.DynamoDBEventRecord{insert("a", "1"), insert("b", "2"), insert("c", "3"), insert("d", "4"), insert("e", "5")}

	// Four sends of a second each fit before the deadline less the
	// reserve; then the third record's turn comes with 2.5s left.
	failed := f.handleBy(t, DefaultReserve+3500*time.Millisecond, recs...)
	if got := strings.Join(failed, ","); got != "3,4,5" {
		t.Fatalf("batch failures %q, want 3,4,5", got)
	}
	if f.sender.count() != 4 {
		t.Errorf("%d emails sent, want the 4 of records 1 and 2", f.sender.count())
	}
	for _, id := range []string{"c", "d", "e"} {
		for _, kind := range []email.Kind{email.Patient, email.FrontDesk} {
			if d := f.deliveries.state(id, kind); d.State != "" {
				t.Errorf("%s/%s = %+v, want untouched", id, kind, d)
			}
		}
	}
	if !strings.Contains(f.logs.String(), "out of time") {
		t.Errorf("the early stop is not logged:\n%s", f.logs.String())
	}

	// Lambda's retry starts from the first failure.
	if failed := f.handleBy(t, 30*time.Second, recs[2:]...); len(failed) != 0 {
		t.Fatalf("retry failures %v", failed)
	}
	f.sentOnce(t, "a", "b", "c", "d", "e")
}

// TestDeadlineBetweenTheEmailsOfARecord: time runs short after a record's
// first email; its second is left for the retry, which does not send the
// first again.
func TestDeadlineBetweenTheEmailsOfARecord(t *testing.T) {
	f := newFixture()
	f.clock = time.Now()
	f.h.sender = slowSender{f: f, next: f.sender}
	failed := f.handleBy(t, DefaultReserve+500*time.Millisecond, insert("a", "1"), insert("b", "2"))
	if got := strings.Join(failed, ","); got != "1,2" {
		t.Fatalf("batch failures %q, want 1,2", got)
	}
	if d := f.deliveries.state("a", email.FrontDesk); d.State != "" {
		t.Errorf("front desk's email = %+v, want untouched", d)
	}
	if failed := f.handleBy(t, 30*time.Second, insert("a", "1"), insert("b", "2")); len(failed) != 0 {
		t.Fatalf("retry failures %v", failed)
	}
	f.sentOnce(t, "a", "b")
}

// TestSenderOutOfTimeStopsTheBatch: the sender had no time for a send
// before the deadline. The email's lease is released, so the retry claims
// it at once, and the handler takes up nothing more: the record's other
// email and the later records are handed back untouched.
func TestSenderOutOfTimeStopsTheBatch(t *testing.T) {
	f := newFixture()
	f.clock = time.Now()
	f.sender.errs["b@example.com"] = []error{notStarted{}}
	failed := f.handleBy(t, 30*time.Second, insert("a", "1"), insert("b", "2"), insert("c", "3"))
	if got := strings.Join(failed, ","); got != "2,3" {
		t.Fatalf("batch failures %q, want 2,3", got)
	}
	if f.sender.count() != 2 {
		t.Errorf("%d emails sent, want record 1's 2", f.sender.count())
	}
	for _, k := range []string{"b/" + string(email.Patient), "b/" + string(email.FrontDesk), "c/" + string(email.Patient), "c/" + string(email.FrontDesk)} {
		id, kind, _ := strings.Cut(k, "/")
		if d := f.deliveries.state(id, email.Kind(kind)); d.State != "" {
			t.Errorf("%s = %+v, want no lease and no outcome", k, d)
		}
	}
	// The retry, at once: nothing waits for a lease.
	waited := false
	f.h.sleep = func(context.Context, time.Duration) error { waited = true; return nil }
	if failed := f.handleBy(t, 30*time.Second, insert("b", "2"), insert("c", "3")); len(failed) != 0 {
		t.Fatalf("retry failures %v", failed)
	}
	if waited {
		t.Error("the retry waited for a lease")
	}
	f.sentOnce(t, "a", "b", "c")
}

// TestNoDeadlineNoStop: without a deadline, as in the local server, every
// record is taken up.
func TestNoDeadlineNoStop(t *testing.T) {
	f := newFixture()
	var recs []events.DynamoDBEventRecord
	for i := range 20 {
		recs = append(recs, insert(fmt.Sprint("r", i), fmt.Sprint(i+1)))
	}
	if failed := f.handle(t, recs...); len(failed) != 0 {
		t.Fatalf("batch failures %v", failed)
	}
	if f.sender.count() != 40 {
		t.Errorf("%d emails sent, want 40", f.sender.count())
	}
}

// TestDeliverStopsWhenTheSenderIsOutOfTime: Deliver, as the local server
// calls it for one change, stops as Handle does once the sender had no
// time left for a send: the change's other email is not taken up, and is
// left for the change's next delivery.
func TestDeliverStopsWhenTheSenderIsOutOfTime(t *testing.T) {
	f := newFixture()
	f.sender.errs["a@example.com"] = []error{notStarted{}}
	r := appointment.Request{ID: "a", Reference: "REF-a", Email: "a@example.com"}
	change := appointment.Change{Event: appointment.ChangeCreated, After: &r}
	if f.h.Deliver(context.Background(), change) {
		t.Fatal("Deliver() = true, want the change handed over again")
	}
	if f.sender.count() != 0 {
		t.Errorf("%d emails sent, want none", f.sender.count())
	}
	if d := f.deliveries.state("a", email.FrontDesk); d.State != "" {
		t.Errorf("front desk's email = %+v, want untouched", d)
	}
	if !f.h.Deliver(context.Background(), change) {
		t.Fatal("the second Deliver() failed")
	}
	f.sentOnce(t, "a")
}
