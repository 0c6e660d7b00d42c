package devserver

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/remind"
)

// defaultReminderSweep is how often the server sends the reminders due,
// in the background, when Options leave it unset: on AWS a schedule runs
// the sweep every few minutes; locally a minute keeps a moved clock's
// reminders from waiting long.
const defaultReminderSweep = time.Minute

// reminderGetter reads back a request, to learn how its reminder ended.
type reminderGetter interface {
	Get(ctx context.Context, id string) (appointment.Request, error)
}

// tally hands each due reminder to the email handler, the same that sends
// every other email, and counts how those it settled ended: sent, or not
// (failed for good, held back for a suppressed address, or stopped by a
// change to the booking). The requests page says so after its button.
// Sweeps run one at a time (Server.sweep), so one tally serves them all.
type tally struct {
	next         remind.Deliverer
	store        reminderGetter
	sent, unsent int
}

func (t *tally) DeliverEmail(ctx context.Context, r appointment.Request, kind appointment.EmailKind) bool {
	if !t.next.DeliverEmail(ctx, r, kind) {
		return false
	}
	if got, err := t.store.Get(ctx, r.ID); err == nil && got.Deliveries[kind].State == appointment.DeliverySent {
		t.sent++
	} else {
		t.unsent++
	}
	return true
}

// sweepOutcome is what one sweep did.
type sweepOutcome struct {
	remind.Result
	Sent, Unsent int
}

// sweep sends the reminders due on the server's clock, with the time a
// RemindFunction invocation has. Sweeps, from the background and from the
// requests page's button, take turns: the claims would keep a reminder
// from going twice anyway, but the tally counts one sweep at a time.
func (s *Server) sweep(ctx context.Context) (sweepOutcome, error) {
	s.sweepMu.Lock()
	defer s.sweepMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, invocationTimeout)
	defer cancel()
	s.tally.sent, s.tally.unsent = 0, 0
	res, err := s.remind.Sweep(ctx)
	return sweepOutcome{Result: res, Sent: s.tally.sent, Unsent: s.tally.unsent}, err
}

// sweepEvery sends the reminders due every interval until ctx ends, as
// the schedule runs RemindFunction on AWS.
func (s *Server) sweepEvery(ctx context.Context, interval time.Duration) {
	defer s.sweeping.Done()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		out, err := s.sweep(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Error("reminders not sent: cannot read the appointments", "error", err)
		case out.Due > 0:
			s.log.Info("reminders swept", "due", out.Due, "sent", out.Sent, "notSent", out.Unsent, "left", out.Left)
		}
	}
}

// sendReminders sends the reminders due now, on the server's clock, and
// goes back to the requests page, which says how it went.
func (s *Server) sendReminders(w http.ResponseWriter, r *http.Request) {
	// As for the digest's button: only the server's own pages may press
	// it, not a form on another site.
	if !s.ownForm(w, r, "Reminders can be sent only from this server's requests page.") {
		return
	}
	out, err := s.sweep(r.Context())
	q := url.Values{}
	switch {
	case err != nil:
		s.log.Error("reminders not sent: cannot read the appointments", "error", err)
		q.Set("reminders", "failed")
	case out.Due == 0:
		q.Set("reminders", "none")
	case out.Left > 0:
		q.Set("reminders", "left")
		q.Set("left", strconv.Itoa(out.Left))
	default:
		q.Set("reminders", "sent")
		q.Set("sent", strconv.Itoa(out.Sent))
		q.Set("unsent", strconv.Itoa(out.Unsent))
	}
	http.Redirect(w, r, "/_dev/requests?"+q.Encode(), http.StatusSeeOther)
}

// reminderNotice is what the requests page says after its reminders
// button, by the outcome the redirect names: fixed words, with at most
// the counts, read as numbers, so the query cannot put text of its own on
// the page.
func reminderNotice(q url.Values) string {
	count := func(name string) int {
		n, err := strconv.Atoi(q.Get(name))
		if err != nil || n < 0 || n > remind.MaxPerSweep {
			return 0
		}
		return n
	}
	switch q.Get("reminders") {
	case "none":
		return "No reminder was due: none has reached its time, and those that had went out already."
	case "sent":
		msg := "Reminders sent: 0."
		if n := count("sent"); n > 0 {
			msg = fmt.Sprintf("Reminders sent: %d; they are in the outbox.", n)
		}
		if n := count("unsent"); n > 0 {
			msg += fmt.Sprintf(" Not sent: %d; the state of each request's emails below says why.", n)
		}
		return msg
	case "left":
		return fmt.Sprintf("Reminders not settled: %d; the next sweep tries again, and the server's log says why.", count("left"))
	case "failed":
		return "No reminder was sent: the appointments could not be read; the server's log says why."
	}
	return ""
}

// clockMoves are the requests page's clock buttons, by the value each
// posts: how far each moves the clock, and what the page says after.
var clockMoves = map[string]struct {
	by     time.Duration
	notice string
}{
	"hour":  {time.Hour, "The server's clock moved ahead 1 hour."},
	"day":   {24 * time.Hour, "The server's clock moved ahead 1 day."},
	"reset": {0, "The server's clock is back on real time."},
}

// moveClock moves the server's clock ahead, or back to real time, and
// goes back to the requests page.
func (s *Server) moveClock(w http.ResponseWriter, r *http.Request) {
	if !s.ownForm(w, r, "The clock can be moved only from this server's requests page.") {
		return
	}
	move := r.PostFormValue("move")
	m, ok := clockMoves[move]
	if !ok {
		http.Error(w, "The clock can move ahead an hour or a day, or back to real time.", http.StatusBadRequest)
		return
	}
	if m.by == 0 {
		s.clock.reset()
	} else {
		s.clock.advance(m.by)
	}
	http.Redirect(w, r, "/_dev/requests?clock="+move, http.StatusSeeOther)
}

// reminderState says when a request's reminder goes, as the requests
// page shows it beside its state; empty when it has no booking to remind
// of.
func (s *Server) reminderState(req appointment.Request, now time.Time) string {
	if req.Status.Normal() != appointment.StatusScheduled || req.Booking == nil || s.before <= 0 {
		return ""
	}
	m, ok := req.Reminder(s.before)
	if !ok {
		return fmt.Sprintf("none: booked inside the %d hours", int(s.before.Hours()))
	}
	switch d := req.Deliveries[m.Kind]; {
	case d.State == appointment.DeliverySent:
		return "sent"
	case d.State == appointment.DeliveryFailed:
		return "not sent: " + d.Reason
	case !now.Before(m.Start):
		return "none: the appointment began before it went"
	}
	return "due " + m.At.In(s.profile.Zone()).Format("Mon Jan 2, 3:04 PM")
}
