// Package notify sends the emails that changes to appointment requests call
// for. It reads the RequestsTable's stream, so a submission never waits for
// email, and it records each email's delivery on the request so that a
// record delivered twice sends nothing twice.
package notify

import (
	"context"
	"crypto/rand"
	"errors"
	smithytime "github.com/aws/smithy-go/time"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/email"
)

// Deliveries records the state of each email of a request.
type Deliveries interface {
	ClaimEmail(ctx context.Context, id string, kind appointment.EmailKind, lease string, until, now time.Time) (bool, appointment.Delivery, error)
	MarkEmailSent(ctx context.Context, id string, kind appointment.EmailKind, lease, messageID string, at time.Time) error
	MarkEmailFailed(ctx context.Context, id string, kind appointment.EmailKind, lease, reason string, at time.Time) error
	ReleaseEmail(ctx context.Context, id string, kind appointment.EmailKind, lease string) error
}

// Sender hands a rendered message to the mail service and returns its
// message ID. The message names the email it is (its request's ID and its
// kind), for the mail service's reports about it.
type Sender interface {
	Send(ctx context.Context, m appointment.Message) (string, error)
}

// Composer renders the email of the given kind about r, named by r.ID and
// kind.
type Composer interface {
	Compose(kind email.Kind, r appointment.Request) (email.Message, error)
}

// Decode reads the change a stream record reports. The table's adapter
// knows how its records look (dynamo.ChangeOf); the handler only decides
// which emails a change calls for.
type Decode func(events.DynamoDBEventRecord) (appointment.Change, error)

// Counter counts events in fixed windows: the stack-wide count of emails
// to patients.
type Counter interface {
	Count(ctx context.Context, name string, windowStart time.Time, window time.Duration, delta int) (int, error)
}

// Metrics counts outcomes.
type Metrics interface {
	Count(name string, dimensions map[string]string)
}

// DefaultLease is how long a sender may hold an email before another may
// take it over. It is longer than the function's timeout (30 seconds in
// template.yaml), so that a sender that is merely slow is never overtaken
// while it can still finish, and short enough that a retry soon after a
// crash can wait it out (see waitForLease).
const DefaultLease = 45 * time.Second

// leaseMargin is the time an invocation keeps in hand after waiting out a
// lease, to send the email and record it.
const leaseMargin = 8 * time.Second

// DefaultReserve is the time before its deadline at which an invocation
// stops taking up emails: enough to claim one, send it and record it. The
// records not finished by then are handed back as batch item failures,
// untouched, rather than cut off by the timeout part-way through a send,
// which would leave the email's lease to run out before a retry could
// send it.
const DefaultReserve = 3 * time.Second

// Handler sends the emails for a batch of stream records.
type Handler struct {
	decode     Decode
	deliveries Deliveries
	sender     Sender
	composer   Composer
	log        *slog.Logger
	metrics    Metrics
	lease      time.Duration
	// reserve is the time before the deadline at which no more emails are
	// taken up.
	reserve time.Duration
	// confirmations, when set, caps the emails to patients the stack sends
	// per window, confirmations and all.
	confirmations *confirmationCap
	// suppressions, when set, holds back patient emails to addresses that
	// complained.
	suppressions *suppressionList
	now          func() time.Time
	sleep        func(context.Context, time.Duration) error
}

// New returns a handler.
func New(decode Decode, d Deliveries, s Sender, c Composer, log *slog.Logger, m Metrics) *Handler {
	return &Handler{decode: decode, deliveries: d, sender: s, composer: c, log: log, metrics: m, lease: DefaultLease, reserve: DefaultReserve, now: time.Now, sleep: smithytime.SleepWithContext}
}

// Suppressions says which mailboxes must not be emailed, by
// appointment.SuppressionKey.
type Suppressions interface {
	Suppressed(ctx context.Context, key string) (bool, error)
}

type suppressionList struct {
	list Suppressions
	key  []byte
}

// suppressed reports whether addr's mailbox, or addr as typed, was
// suppressed (appointment.SuppressionKeys). The second look-up is made
// only for an address that differs from its mailbox, and only when the
// first finds nothing.
func (s *suppressionList) suppressed(ctx context.Context, addr string) (bool, error) {
	for _, k := range appointment.SuppressionKeys(s.key, addr) {
		found, err := s.list.Suppressed(ctx, k)
		if err != nil || found {
			return found, err
		}
	}
	return false, nil
}

// CheckSuppressions makes the handler look up each patient email's mailbox
// in list, under keys made with key, before sending it. A mailbox that
// marked an earlier email as spam gets no more, under any spelling of its
// address (appointment.Mailbox): the email is recorded as
// failed with appointment.ReasonComplaint and counted in
// EmailsSuppressed, and the front desk's emails still go. Complaints count
// against the account's standing with SES as bounces do.
func (h *Handler) CheckSuppressions(list Suppressions, key []byte) {
	h.suppressions = &suppressionList{list: list, key: key}
}

// confirmationCap is a circuit breaker on emails to patients. It keeps the
// name of the confirmations it first counted, as do the counter's name in
// storage, the metric and the setting (ConfirmationsPerHour).
type confirmationCap struct {
	counter Counter
	max     int
	window  time.Duration
}

// ReasonHourlyCap is recorded as the failure reason of a patient email
// that the cap held back.
const ReasonHourlyCap = appointment.ReasonHourlyCap

// CapConfirmations stops the handler sending more than max emails to
// patients per window across the stack: confirmations, and every email a
// transition sends a patient (a booking, a move, a decline, a
// cancellation). Past the cap the email is recorded as failed with
// ReasonHourlyCap and counted in the ConfirmationsSuppressed metric; the
// front desk's emails still go, so no request goes unseen. Patient emails
// go to addresses strangers typed, and a flood of them, bouncing or
// unwanted, is what gets an SES account paused, which would silence the
// front desk's emails too. A link that moves an appointment mails the
// patient each time, so the cap counts those as well as confirmations.
func (h *Handler) CapConfirmations(c Counter, max int, window time.Duration) {
	h.confirmations = &confirmationCap{counter: c, max: max, window: window}
}

// emailsFor lists the emails a change calls for: the confirmation and the
// front desk's notification for a new request, and for a request that
// changed status, the emails of each transition it went through since the
// version before (appointment.TransitionEmails), and the front desk's
// notice when SES reported that the confirmation bounced for good
// (appointment.FeedbackEmails). Anything else, such as the handler's own
// records of its emails, calls for none.
func emailsFor(c appointment.Change) []email.Kind {
	if c.IsCreation() {
		return []email.Kind{email.Patient, email.FrontDesk}
	}
	if c.Event != appointment.ChangeModified || c.After == nil {
		return nil
	}
	seen := 0
	if c.Before != nil {
		seen = len(c.Before.History)
	}
	kinds := appointment.FeedbackEmails(c.Before, c.After)
	for i := seen; i < len(c.After.History); i++ {
		for _, base := range appointment.TransitionEmails(c.After.History[i]) {
			kinds = append(kinds, appointment.TransitionEmail(base, i))
		}
	}
	return kinds
}

// Handle sends what each record calls for. Records whose emails could not
// be settled yet, because of throttling, a timeout or an outage, are
// reported as batch item failures so that Lambda hands them over again; the
// returned error is always nil.
//
// When the invocation runs short of time, because its deadline is less
// than the reserve away or the sender had no time left for a send, it takes
// up no more emails: the record it was on and every later one are reported
// as failures, and Lambda's retry starts from the first of them. The emails
// not sent hold no lease (the sender's refusal released it), so the retry
// claims them at once.
func (h *Handler) Handle(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	st := &run{}
	for i, rec := range e.Records {
		if h.outOfTime(ctx, st) {
			// The logger adds Lambda's request ID from ctx to every entry.
			h.log.WarnContext(ctx, "out of time; handing the rest of the batch back", "records", len(e.Records)-i)
			for _, rest := range e.Records[i:] {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rest.Change.SequenceNumber})
			}
			break
		}
		if !h.handleRecord(ctx, st, rec) {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
		}
	}
	return resp, nil
}

// run is what one run of the handler, over an invocation's batch or one
// change given to Deliver, learns as it goes. It is passed along as an
// argument, never in the context.
type run struct {
	// senderOutOfTime is set when the sender had no time left for a send
	// before the deadline: it will have none for the emails after it
	// either.
	senderOutOfTime bool
}

// outOfTime reports whether the run must take up no more emails: its
// context was cancelled, its deadline is less than the reserve away on
// the handler's clock, or the sender found no time left for a send.
func (h *Handler) outOfTime(ctx context.Context, st *run) bool {
	if errors.Is(ctx.Err(), context.Canceled) || st.senderOutOfTime {
		return true
	}
	deadline, ok := ctx.Deadline()
	return ok && deadline.Sub(h.now()) < h.reserve
}

// handleRecord returns false when the record must be tried again.
func (h *Handler) handleRecord(ctx context.Context, st *run, rec events.DynamoDBEventRecord) bool {
	change, err := h.decode(rec)
	if err != nil {
		// A record that cannot be read will not read better next time; it
		// is logged, without its contents, and skipped.
		h.log.ErrorContext(ctx, "unreadable request in stream record", "eventId", rec.EventID, "error", err)
		return true
	}
	return h.deliverChange(ctx, st, change)
}

// Deliver sends the emails one change calls for, whatever stream reported
// it. It returns false when the change must be handed over again: an email
// could not be settled yet, because of throttling, a timeout or an outage.
// Like Handle, it takes up no more emails once it runs out of time.
func (h *Handler) Deliver(ctx context.Context, change appointment.Change) bool {
	return h.deliverChange(ctx, &run{}, change)
}

// DeliverEmail sends the one email of the given kind about r, under the
// same claim and lease, checks and records as the emails of a change: the
// reminders' sweep sends reminders with it. It returns false when the email
// must be tried again.
func (h *Handler) DeliverEmail(ctx context.Context, r appointment.Request, kind appointment.EmailKind) bool {
	if h.outOfTime(ctx, &run{}) {
		return false
	}
	return h.deliver(ctx, &run{}, r, kind, h.log.With("appointmentId", r.ID, "email", string(kind)))
}

func (h *Handler) deliverChange(ctx context.Context, st *run, change appointment.Change) bool {
	kinds := emailsFor(change)
	if len(kinds) == 0 {
		return true
	}
	r := *change.After
	done := true
	for _, kind := range kinds {
		if h.outOfTime(ctx, st) {
			// The emails left are not taken up; the record is handed over
			// again, and its emails already settled are not sent twice.
			return false
		}
		if !h.deliver(ctx, st, r, kind, h.log.With("appointmentId", r.ID, "email", string(kind))) {
			done = false
		}
	}
	return done
}

// deliver sends one email unless its record says it was sent or failed,
// another sender holds it, or a check on patient emails holds it back. It
// returns false when it must be tried again.
func (h *Handler) deliver(ctx context.Context, st *run, r appointment.Request, kind email.Kind, log *slog.Logger) bool {
	lease := rand.Text()
	if claimed, done := h.take(ctx, r.ID, kind, lease, log); !claimed {
		return done
	}
	if held, done := h.checkSuppressed(ctx, r, kind, lease, log); held {
		return done
	}
	countedAt, held, done := h.checkCap(ctx, r.ID, kind, lease, log)
	if held {
		return done
	}
	msg, err := h.composer.Compose(kind, r)
	if err != nil {
		log.ErrorContext(ctx, "cannot compose email", "error", err)
		return h.fail(ctx, r.ID, kind, lease, "compose: "+err.Error(), "EmailsFailed", log)
	}
	messageID, err := h.sender.Send(ctx, msg.Message)
	if err != nil {
		var notSent interface{ NotSent() bool }
		if !countedAt.IsZero() && errors.As(err, &notSent) && notSent.NotSent() {
			// Nothing went out, so the cap gets its count back: a burst
			// that SES throttles would otherwise spend the hour's cap on
			// attempts and suppress emails that were never sent.
			h.confirmations.giveBack(ctx, countedAt, log)
		}
		return h.sendFailed(ctx, st, r.ID, kind, lease, err, log)
	}
	h.metrics.Count("EmailsSent", map[string]string{"Kind": string(kind.Base())})
	// The store's client retries this write more patiently than most (see
	// functions/notify): a sent email whose record is lost is sent again
	// once its lease runs out.
	if err := h.deliveries.MarkEmailSent(ctx, r.ID, kind, lease, messageID, h.now()); err != nil {
		// The email is out but not recorded. The lease keeps others from
		// sending it again while it holds; the retry records nothing new
		// unless the lease has run out.
		log.ErrorContext(ctx, "email sent but not recorded", "messageId", messageID, "error", err)
		return false
	}
	log.InfoContext(ctx, "email sent", "messageId", messageID)
	return true
}

// take claims the email for this sender under lease, first waiting out
// another sender's lease if that leaves time to send. When it is not
// claimed, done says whether the email is settled (sent, failed, or its
// request gone) rather than to be tried again.
func (h *Handler) take(ctx context.Context, id string, kind email.Kind, lease string, log *slog.Logger) (claimed, done bool) {
	claimed, current, err := h.claim(ctx, id, kind, lease)
	if err == nil && !claimed && h.waitForLease(ctx, current) {
		claimed, current, err = h.claim(ctx, id, kind, lease)
	}
	if err != nil {
		log.WarnContext(ctx, "cannot claim email", "error", err)
		// The claim may have been written and its answer lost. If the
		// lease is there, it is this invocation's, and nothing was sent.
		h.release(ctx, id, kind, lease, log)
		return false, false
	}
	if claimed {
		return true, false
	}
	switch current.State {
	case appointment.DeliverySending:
		// Another sender holds it, or held it and stopped without a
		// word; if so, its lease runs out and a later try takes over.
		log.InfoContext(ctx, "email held by another sender", "leaseUntil", current.LeaseUntil)
		return false, false
	case "":
		if _, latestOnly := kind.LatestOnly(); latestOnly {
			log.InfoContext(ctx, "request changed since; email not sent")
			return false, true
		}
		log.WarnContext(ctx, "request no longer exists; email not sent")
	default:
		log.InfoContext(ctx, "email already settled", "state", string(current.State))
	}
	return false, true
}

// checkSuppressed holds back a claimed patient email to an address that
// complained about an earlier one (CheckSuppressions). When it is held,
// done says whether its failure is recorded rather than to be tried again.
func (h *Handler) checkSuppressed(ctx context.Context, r appointment.Request, kind email.Kind, lease string, log *slog.Logger) (held, done bool) {
	if !kind.ToPatient() || h.suppressions == nil {
		return false, false
	}
	suppressed, err := h.suppressions.suppressed(ctx, r.Email)
	if err != nil {
		log.WarnContext(ctx, "cannot read suppression list; will retry", "error", err)
		h.release(ctx, r.ID, kind, lease, log)
		return true, false
	}
	if !suppressed {
		return false, false
	}
	log.WarnContext(ctx, "email not sent: the address complained about an earlier one")
	return true, h.fail(ctx, r.ID, kind, lease, appointment.ReasonComplaint, "EmailsSuppressed", log)
}

// checkCap counts a claimed patient email against the cap
// (CapConfirmations) and holds it back past the cap. countedAt is when it
// was counted, zero when it was not; when the email is held, done says
// whether its failure is recorded rather than to be tried again.
func (h *Handler) checkCap(ctx context.Context, id string, kind email.Kind, lease string, log *slog.Logger) (countedAt time.Time, held, done bool) {
	if !kind.ToPatient() || h.confirmations == nil {
		return time.Time{}, false, false
	}
	countedAt = h.now()
	over, err := h.confirmations.spend(ctx, countedAt)
	if err != nil {
		// Nothing was sent: the email is given up now and tried again
		// with the record.
		log.WarnContext(ctx, "cannot count patient email; will retry", "error", err)
		h.release(ctx, id, kind, lease, log)
		return time.Time{}, true, false
	}
	if !over {
		return countedAt, false, false
	}
	log.WarnContext(ctx, "patient email suppressed by the hourly cap")
	// Counted without the email's kind, which holds the transition's
	// place in the history: one alarm watches the metric for every kind
	// of patient email.
	h.metrics.Count("ConfirmationsSuppressed", nil)
	return countedAt, true, h.settleFailed(ctx, id, kind, lease, ReasonHourlyCap, log)
}

func (h *Handler) claim(ctx context.Context, id string, kind email.Kind, lease string) (bool, appointment.Delivery, error) {
	now := h.now()
	return h.deliveries.ClaimEmail(ctx, id, kind, lease, now.Add(h.lease), now)
}

// waitForLease waits until another sender's lease on an email runs out, if
// that leaves this invocation time to send the email. Lambda retries a
// failed stream batch promptly and a limited number of times, so without
// waiting, the retries after a crash could all fall within the dead
// sender's lease and the record would end in the dead-letter queue.
func (h *Handler) waitForLease(ctx context.Context, d appointment.Delivery) bool {
	if d.State != appointment.DeliverySending {
		return false
	}
	wait := d.LeaseUntil.Sub(h.now()) + 10*time.Millisecond
	deadline, ok := ctx.Deadline()
	if !ok || h.now().Add(wait+leaseMargin).After(deadline) {
		return false
	}
	return h.sleep(ctx, wait) == nil
}

// sendFailed settles an email SES did not take.
func (h *Handler) sendFailed(ctx context.Context, st *run, id string, kind email.Kind, lease string, err error, log *slog.Logger) bool {
	var permanent interface{ Permanent() bool }
	if errors.As(err, &permanent) && permanent.Permanent() {
		reason := err.Error()
		var detailed interface{ Reason() string }
		if errors.As(err, &detailed) {
			reason = detailed.Reason()
		}
		log.WarnContext(ctx, "email refused", "error", err)
		return h.fail(ctx, id, kind, lease, reason, "EmailsFailed", log)
	}
	var notSent interface{ NotSent() bool }
	if errors.As(err, &notSent) && notSent.NotSent() {
		// SES answered and did not send, or was not asked: the email can
		// be tried again at once.
		if errors.Is(err, context.DeadlineExceeded) {
			// The sender had no time left for it before the deadline; it
			// will have none for the emails after it either.
			st.senderOutOfTime = true
		}
		log.WarnContext(ctx, "email not sent; will retry", "error", err)
		h.release(ctx, id, kind, lease, log)
		return false
	}
	// No answer: the email may be out. The lease stays, so it is tried again
	// only once the lease runs out.
	log.WarnContext(ctx, "email outcome unknown; will retry after the lease", "error", err)
	return false
}

// releaseTimeout bounds the write that gives up a lease.
const releaseTimeout = 2 * time.Second

// release gives up this invocation's lease on an email that was certainly
// not sent, so that the next delivery of its record claims the email at
// once instead of failing on a lease that nobody holds any more, as a
// redelivery straight after a batch whose sends were all throttled did.
// The write is made even when the invocation's context has ended, which is
// when it is needed most: a throttled answer that came as the time ran
// out, a paced send that gave up at the deadline. The store releases the
// lease only if it is still this one, so a release that comes late takes
// nothing from another sender.
func (h *Handler) release(ctx context.Context, id string, kind email.Kind, lease string, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	err := h.deliveries.ReleaseEmail(ctx, id, kind, lease)
	if err != nil && !errors.Is(err, appointment.ErrLeaseLost) {
		log.WarnContext(ctx, "cannot release email", "error", err)
	}
}

// fail records that an email will not be sent and counts it in the named
// metric.
func (h *Handler) fail(ctx context.Context, id string, kind email.Kind, lease, reason, metric string, log *slog.Logger) bool {
	h.metrics.Count(metric, map[string]string{"Kind": string(kind.Base())})
	return h.settleFailed(ctx, id, kind, lease, reason, log)
}

// settleFailed records that an email will not be sent.
func (h *Handler) settleFailed(ctx context.Context, id string, kind email.Kind, lease, reason string, log *slog.Logger) bool {
	if err := h.deliveries.MarkEmailFailed(ctx, id, kind, lease, reason, h.now()); err != nil {
		log.ErrorContext(ctx, "email failure not recorded", "error", err)
		return false
	}
	return true
}

// giveBack returns a count spend made at the given time, as far as storage
// lets it; a count that stays only makes the cap a little stricter.
func (c *confirmationCap) giveBack(ctx context.Context, countedAt time.Time, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 500*time.Millisecond)
	defer cancel()
	if _, err := c.counter.Count(ctx, "confirmations", countedAt.Truncate(c.window), c.window, -1); err != nil {
		log.WarnContext(ctx, "confirmation count not given back", "error", err)
	}
}

// spend counts one patient email and reports whether the cap is exceeded.
// An email is counted when its sender holds the lease, just before
// sending; one counted and then not sent only makes the cap a little
// stricter.
func (c *confirmationCap) spend(ctx context.Context, now time.Time) (bool, error) {
	start := now.Truncate(c.window)
	n, err := c.counter.Count(ctx, "confirmations", start, c.window, 1)
	if err != nil {
		return false, err
	}
	return n > c.max, nil
}
