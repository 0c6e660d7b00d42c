// Package remind sends the reminders of booked appointments: a sweep, run
// every few minutes, reads the appointments coming up within the reminder
// time and hands each reminder that is due, and not yet sent, to the email
// sender, which sends it once under the claim and lease that guard every
// email (notify.Handler.DeliverEmail).
//
// What a booking calls for is the domain's rule (appointment.Request.Reminder):
// one reminder per booking, a moved booking's own, none for a booking made
// inside the reminder time, none once the request is no longer scheduled.
// A sweep that fails leaves the reminders it did not settle to the next,
// until the appointment begins.
package remind

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"example.com/appointments/internal/appointment"
)

// Store finds the appointments coming up.
type Store interface {
	// Upcoming returns the scheduled requests whose appointments start
	// from from until to, both included, soonest first, at most limit.
	Upcoming(ctx context.Context, from, to time.Time, limit int) ([]appointment.Request, error)
}

// Deliverer sends one email of a request once, under its claim and lease;
// it returns false when the email must be tried again.
type Deliverer interface {
	DeliverEmail(ctx context.Context, r appointment.Request, kind appointment.EmailKind) bool
}

// Metrics counts outcomes.
type Metrics interface {
	Count(name string, dimensions map[string]string)
}

// MaxPerSweep is the most appointments one sweep reads. A sweep runs every
// few minutes and a clinic books far fewer appointments in a reminder
// time; were more ever due, the next sweep takes those left.
const MaxPerSweep = 1000

// Sweeper sends the reminders that are due.
type Sweeper struct {
	store     Store
	deliverer Deliverer
	before    time.Duration
	log       *slog.Logger
	metrics   Metrics
	now       func() time.Time
}

// New returns a sweeper that reminds patients before their appointments
// by the given time, reading store and sending with d. A zero before turns
// reminders off: the sweep then reads nothing.
func New(store Store, d Deliverer, before time.Duration, log *slog.Logger, m Metrics) *Sweeper {
	return &Sweeper{store: store, deliverer: d, before: before, log: log, metrics: m, now: time.Now}
}

// SetClock makes the sweeper read the time from now: the local server
// runs on a clock of its own, which its tests move.
func (s *Sweeper) SetClock(now func() time.Time) { s.now = now }

// Result is what one sweep did.
type Result struct {
	// Due counts the reminders that were due and not yet settled; Left,
	// those of them not settled by this sweep, for the next one.
	Due, Left int
}

// Sweep sends the reminders due now. It returns an error when the
// appointments cannot be read; a reminder that could not be settled is
// counted in Left and tried again by the next sweep.
func (s *Sweeper) Sweep(ctx context.Context) (Result, error) {
	var res Result
	if s.before <= 0 {
		return res, nil
	}
	now := s.now()
	upcoming, err := s.store.Upcoming(ctx, now, now.Add(s.before), MaxPerSweep)
	if err != nil {
		return res, err
	}
	for _, r := range upcoming {
		m, ok := r.Reminder(s.before)
		if !ok || !m.Due(now) || settled(r.Deliveries[m.Kind]) {
			continue
		}
		res.Due++
		if !s.deliverer.DeliverEmail(ctx, r, m.Kind) {
			res.Left++
		}
	}
	if res.Left > 0 {
		s.metrics.Count("RemindersLeft", nil)
	}
	return res, nil
}

// settled reports whether the email was sent or failed for good, as the
// index showed it; the claim checks again.
func settled(d appointment.Delivery) bool {
	return d.State == appointment.DeliverySent || d.State == appointment.DeliveryFailed
}

// Handle is the schedule's invocation: one sweep. It fails when the sweep
// could not read the appointments or left reminders due, so that the
// function's errors, which an alarm watches, show a sweep that cannot do
// its work; the next scheduled sweep tries again either way.
func (s *Sweeper) Handle(ctx context.Context, _ json.RawMessage) error {
	res, err := s.Sweep(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "reminders not sent: cannot read the appointments", "error", err)
		return err
	}
	if res.Due > 0 {
		s.log.InfoContext(ctx, "reminders swept", "due", res.Due, "left", res.Left)
	}
	if res.Left > 0 {
		return fmt.Errorf("%d of %d due reminders not settled; the next sweep tries again", res.Left, res.Due)
	}
	return nil
}
