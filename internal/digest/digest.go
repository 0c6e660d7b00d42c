// Package digest sends the front desk's morning digest: one email with the
// day sheet (today's and the next clinic day's appointments, each with its
// link, so that a booked appointment can always be reached) and the
// requests still open (received or contacted), the overdue ones first,
// each with its age and its action links, so that nothing waits unseen.
//
// A schedule runs it (DigestFunction, on EventBridge Scheduler), and the
// local server runs it from a button. Requests are read from the table's
// status index, never by scanning the table. A schedule may deliver an
// invocation more than once, so the handler sends at most one digest per
// day in the clinic's time zone, and none when nothing is open and no
// appointment is on the day sheet.
package digest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/email"
)

// Store is what the digest needs of storage: open requests by status, read
// from the status index, and the counter that marks a day's digest sent.
type Store interface {
	// List returns requests stored with the given status, oldest first, at
	// most limit of them.
	List(ctx context.Context, status appointment.Status, limit int) ([]appointment.Request, error)
	// Count adds delta to the named counter of the window of the given
	// length that starts at windowStart, and returns its new value.
	Count(ctx context.Context, name string, windowStart time.Time, window time.Duration, delta int) (int, error)
}

// Sender hands a rendered message to the mail service and returns its
// message ID.
type Sender interface {
	Send(ctx context.Context, m appointment.Message) (string, error)
}

// Composer renders the digest.
type Composer interface {
	ComposeDigest(d email.Digest) (email.Message, error)
}

// Metrics counts outcomes.
type Metrics interface {
	Count(name string, dimensions map[string]string)
}

// CounterName names the counter that records a day's digest as sent, one
// counter per day. The stack lets DigestFunction update only these
// counters' items.
const CounterName = "digest"

// ListLimit bounds how many requests of each status the digest reads: far
// more than a clinic has open, and few enough for one query and one
// invocation. The email lists the oldest of them (email.MaxDigestEntries)
// and counts the rest.
const ListLimit = 200

// ScheduledListLimit bounds how many scheduled requests the day sheet
// reads. The index gives them oldest first, and a request stays scheduled
// after its appointment until the table's retention removes it, so the
// bound is set far above a clinic's bookings over the retention period;
// the log warns when it is reached.
const ScheduledListLimit = 5000

// giveBackTimeout bounds the write that takes a count of the day back,
// which runs even when the invocation's own time is up.
const giveBackTimeout = 5 * time.Second

// Handler sends the digest.
type Handler struct {
	store    Store
	sender   Sender
	composer Composer
	profile  *clinic.Profile
	log      *slog.Logger
	metrics  Metrics
}

// New returns a handler.
func New(store Store, sender Sender, composer Composer, profile *clinic.Profile, log *slog.Logger, metrics Metrics) *Handler {
	return &Handler{store: store, sender: sender, composer: composer, profile: profile, log: log, metrics: metrics}
}

// Handle is the Lambda entry point. EventBridge Scheduler passes the
// schedule's Input, which the digest does not need: any JSON is accepted.
// An error fails the invocation, and Lambda tries the asynchronous
// invocation again.
func (h *Handler) Handle(ctx context.Context, _ json.RawMessage) error {
	_, err := h.Send(ctx, time.Now())
	return err
}

// Send emails the digest made at now to the front desk: the day sheet and
// the requests open, unless none is open and no appointment is on the day
// sheet, or today's digest, in the clinic's time zone, was sent already.
// It reports whether it sent one.
//
// The day is claimed with a counter just before sending: only the caller
// that counts 1 sends, so a schedule's repeated delivery, or a second
// press of the local server's button, sends nothing more. Every other
// caller takes its count back at once, so that the counter stays at 1
// while the day's digest is being sent or has been. A send that fails
// gives the day back too, so that a retry sends it; a send whose answer
// was lost may then reach the front desk twice, which is better than not
// at all.
func (h *Handler) Send(ctx context.Context, now time.Time) (bool, error) {
	requests, err := h.open(ctx)
	if err != nil {
		return false, err
	}
	scheduled, err := h.list(ctx, appointment.StatusScheduled, ScheduledListLimit)
	if err != nil {
		return false, err
	}
	days := DaySheet(h.profile, scheduled, now)
	if len(requests) == 0 && appointments(days) == 0 {
		h.log.InfoContext(ctx, "no open requests and no appointments; no digest sent")
		return false, nil
	}
	d := Build(h.profile, requests, now)
	d.Days = days
	msg, err := h.composer.ComposeDigest(d)
	if err != nil {
		return false, fmt.Errorf("compose digest: %w", err)
	}

	day, length := localDay(now, h.profile.Zone())
	n, err := h.store.Count(ctx, CounterName, day, length, 1)
	if err != nil {
		return false, fmt.Errorf("claim today's digest: %w", err)
	}
	if n != 1 {
		// Another invocation sent today's digest or is sending it. This
		// one's count goes back, or it would stand in the way of the
		// retry should that other send fail and give the day back.
		if err := h.giveBack(ctx, day, length); err != nil {
			h.log.WarnContext(ctx, "cannot take back a count of today's digest", "error", err)
		}
		h.log.InfoContext(ctx, "digest already sent today", "day", day.Format(time.DateOnly))
		return false, nil
	}
	messageID, err := h.sender.Send(ctx, msg.Message)
	if err != nil {
		// The email was not sent, or not certainly: the day goes back so
		// that the retry may send it.
		if gerr := h.giveBack(ctx, day, length); gerr != nil {
			h.log.ErrorContext(ctx, "cannot give back today's digest; none is sent today", "error", gerr)
			err = errors.Join(err, gerr)
		}
		return false, fmt.Errorf("send digest: %w", err)
	}
	h.metrics.Count("EmailsSent", map[string]string{"Kind": string(email.DigestKind)})
	h.log.InfoContext(ctx, "digest sent", "messageId", messageID, "open", len(d.Entries), "overdue", overdueCount(d), "appointments", appointments(days))
	return true, nil
}

// giveBack takes back one count of the day's digest. It runs even when the
// invocation's own time is up, which may be why the send failed.
func (h *Handler) giveBack(ctx context.Context, day time.Time, length time.Duration) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), giveBackTimeout)
	defer cancel()
	_, err := h.store.Count(ctx, CounterName, day, length, -1)
	return err
}

// open reads the open requests from the status index: received (under
// every value a received request may be stored with) and contacted. A
// request that moved between the reads is kept as the later read found it.
func (h *Handler) open(ctx context.Context) ([]appointment.Request, error) {
	byID := map[string]appointment.Request{}
	for _, status := range []appointment.Status{appointment.StatusReceived, appointment.StatusContacted} {
		list, err := h.list(ctx, status, ListLimit)
		if err != nil {
			return nil, err
		}
		for _, r := range list {
			byID[r.ID] = r
		}
	}
	out := make([]appointment.Request, 0, len(byID))
	for _, r := range byID {
		if r.Status.Normal().Open() {
			out = append(out, r)
		}
	}
	return out, nil
}

// list reads the requests in status from the status index, under every
// value a request in that status may be stored with, at most limit of
// each.
func (h *Handler) list(ctx context.Context, status appointment.Status, limit int) ([]appointment.Request, error) {
	var out []appointment.Request
	for _, stored := range status.StoredAs() {
		list, err := h.store.List(ctx, stored, limit)
		if err != nil {
			return nil, fmt.Errorf("list %s requests: %w", stored, err)
		}
		if len(list) == limit {
			h.log.WarnContext(ctx, "the digest read as many requests as it reads; newer ones may be left out", "status", string(stored), "limit", limit)
		}
		out = append(out, list...)
	}
	return out, nil
}

// Build orders the open requests for the digest made at now: those still
// received past the reply time the patient was promised first, then the
// rest, each part oldest first.
func Build(p *clinic.Profile, requests []appointment.Request, now time.Time) email.Digest {
	d := email.Digest{At: now}
	for _, r := range requests {
		d.Entries = append(d.Entries, email.DigestEntry{Request: r, Overdue: r.Overdue(p, now)})
	}
	slices.SortStableFunc(d.Entries, func(a, b email.DigestEntry) int {
		if a.Overdue != b.Overdue {
			if a.Overdue {
				return -1
			}
			return 1
		}
		return cmp.Or(a.Request.CreatedAt.Compare(b.Request.CreatedAt), cmp.Compare(a.Request.ID, b.Request.ID))
	})
	return d
}

func overdueCount(d email.Digest) int {
	n := 0
	for _, e := range d.Entries {
		if e.Overdue {
			n++
		}
	}
	return n
}

// localDay returns the start of now's day in the clinic's zone and its
// length, which is 23 or 25 hours on the days the clocks change.
func localDay(now time.Time, zone *time.Location) (time.Time, time.Duration) {
	y, m, d := now.In(zone).Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, zone)
	return start, time.Date(y, m, d+1, 0, 0, 0, 0, zone).Sub(start)
}
