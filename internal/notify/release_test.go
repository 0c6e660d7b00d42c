package notify

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/email"
)

// boundDeliveries is memoryDeliveries as the DynamoDB adapter behaves: a
// call whose context has ended fails at once, writing nothing.
type boundDeliveries struct{ *memoryDeliveries }

func (d boundDeliveries) ClaimEmail(ctx context.Context, id string, kind appointment.EmailKind, lease string, until, now time.Time) (bool, appointment.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return false, appointment.Delivery{}, err
	}
	return d.memoryDeliveries.ClaimEmail(ctx, id, kind, lease, until, now)
}

func (d boundDeliveries) MarkEmailSent(ctx context.Context, id string, kind appointment.EmailKind, lease, messageID string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.memoryDeliveries.MarkEmailSent(ctx, id, kind, lease, messageID, at)
}

func (d boundDeliveries) MarkEmailFailed(ctx context.Context, id string, kind appointment.EmailKind, lease, reason string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.memoryDeliveries.MarkEmailFailed(ctx, id, kind, lease, reason, at)
}

func (d boundDeliveries) ReleaseEmail(ctx context.Context, id string, kind appointment.EmailKind, lease string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.memoryDeliveries.ReleaseEmail(ctx, id, kind, lease)
}

// throttleAll is SES throttling every send. The last send of the batch is
// answered as the invocation's context ends, as under load, when the
// sends and their pauses take up the invocation's time: end cancels the
// context, and the answer is last.
type throttleAll struct {
	mu    sync.Mutex
	sends int
	// lastAt is the send answered as the context ends.
	lastAt int
	last   error
	end    context.CancelFunc
}

func (s *throttleAll) Send(context.Context, appointment.Message) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sends++
	if s.sends == s.lastAt {
		s.end()
		return "", s.last
	}
	return "", throttled
}

// TestRedeliveryAfterAllThrottledBatchSendsOnce: every send of a batch was
// throttled, the last as the invocation's context ended, and the batch
// was reported as failed. Nothing was sent, so the invocation gives up
// the leases it took, even the last, after its context ended; the
// delivery of the same records straight after sends each email once, with
// no record failing on a lease nobody holds any more.
func TestRedeliveryAfterAllThrottledBatchSendsOnce(t *testing.T) {
	tests := []struct {
		name string
		last error
	}{
		{"throttled as the context ended", throttled},
		// A paced sender whose wait for its turn the end of the context cut.
		{"pacing cut by the end of the context", notStarted{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			// The redelivery's deadline is read on the real clock too.
			f.clock = time.Now()
			f.h.deliveries = boundDeliveries{f.deliveries}
			recs := []events.DynamoDBEventRecord{insert("a", "1"), insert("b", "2"), insert("c", "3")}

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f.h.sender = &throttleAll{lastAt: 6, last: tt.last, end: cancel}
			resp, err := f.h.Handle(ctx, events.DynamoDBEvent{Records: recs})
			if err != nil || len(resp.BatchItemFailures) != 3 {
				t.Fatalf("the throttled batch: %+v, %v; want all three records failed", resp.BatchItemFailures, err)
			}
			for _, id := range []string{"a", "b", "c"} {
				for _, kind := range []email.Kind{email.Patient, email.FrontDesk} {
					if d := f.deliveries.state(id, kind); d.State != "" {
						t.Errorf("%s/%s after the throttled batch is %q, held until %v; want no lease", id, kind, d.State, d.LeaseUntil)
					}
				}
			}

			// Straight after, SES takes every send.
			f.h.sender = f.sender
			waited := false
			f.h.sleep = func(context.Context, time.Duration) error { waited = true; return nil }
			if failed := f.handleBy(t, 30*time.Second, recs...); len(failed) != 0 {
				t.Errorf("the redelivery failed records %s", strings.Join(failed, ","))
			}
			if waited {
				t.Error("the redelivery waited for a lease")
			}
			f.sentOnce(t, "a", "b", "c")
		})
	}
}

// lostClaims takes each claim but loses its answer, as a write whose
// reply timed out.
type lostClaims struct{ *memoryDeliveries }

var errClaimLost = errors.New("claim email: the answer was lost")

func (d lostClaims) ClaimEmail(ctx context.Context, id string, kind appointment.EmailKind, lease string, until, now time.Time) (bool, appointment.Delivery, error) {
	if _, _, err := d.memoryDeliveries.ClaimEmail(ctx, id, kind, lease, until, now); err != nil {
		return false, appointment.Delivery{}, err
	}
	return false, appointment.Delivery{}, errClaimLost
}

// TestClaimWhoseAnswerWasLostIsReleased: a claim was written but its answer
// lost, so the invocation sent nothing and failed the record. The lease
// it may hold is its own, and it gives it up: the next delivery sends the
// emails at once.
func TestClaimWhoseAnswerWasLostIsReleased(t *testing.T) {
	f := newFixture()
	f.clock = time.Now()
	f.h.deliveries = lostClaims{f.deliveries}
	if failed := f.handle(t, insert("a", "1")); strings.Join(failed, ",") != "1" {
		t.Fatalf("batch failures %v, want record 1", failed)
	}
	for _, kind := range []email.Kind{email.Patient, email.FrontDesk} {
		if d := f.deliveries.state("a", kind); d.State != "" {
			t.Errorf("%s after the lost claim is %q, held until %v; want no lease", kind, d.State, d.LeaseUntil)
		}
	}
	f.h.deliveries = f.deliveries
	if failed := f.handleBy(t, 30*time.Second, insert("a", "1")); len(failed) != 0 {
		t.Fatalf("the redelivery failed records %v", failed)
	}
	f.sentOnce(t, "a")
	if f.sender.count() != 2 {
		t.Errorf("%d emails sent, want 2", f.sender.count())
	}
}
