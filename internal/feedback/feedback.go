// Package feedback records what became of the emails SES sent: the
// Delivery, Bounce and Complaint events that the configuration set
// publishes to EventBridge. Each event is matched to its email by the
// tags the sender put on it (the request's ID and the email's kind) and
// recorded only if the request holds the same SES message ID, so that
// whatever the topic delivers can touch no other email. A complaint so
// recorded also suppresses the patient's address, so that it gets no more
// email.
//
// Events arrive at least once and in any order; recording one twice, or an
// earlier one after a later one, changes nothing
// (appointment.Feedback.Replaces).
package feedback

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/appointment"
)

// Store records feedback on emails and suppresses addresses.
type Store interface {
	// RecordFeedback records r on the email of the given kind of request
	// id if that email was sent as messageID, and reports whether it did.
	RecordFeedback(ctx context.Context, id string, kind appointment.EmailKind, messageID string, r appointment.Report) (bool, error)
	// Suppress records that the address with the given
	// appointment.SuppressionKey must not be emailed again.
	Suppress(ctx context.Context, key, reason string, at time.Time) error
}

// Metrics counts outcomes.
type Metrics interface {
	Count(name string, dimensions map[string]string)
}

// Handler records SES's events.
type Handler struct {
	store   Store
	key     []byte
	log     *slog.Logger
	metrics Metrics
}

// New returns a handler that suppresses addresses under keys made with
// key (appointment.SuppressionKey), the key NotifyFunction looks them up
// with.
func New(store Store, key []byte, log *slog.Logger, m Metrics) *Handler {
	return &Handler{store: store, key: key, log: log, metrics: m}
}

// Handle records one event as EventBridge delivers it, SES's event being
// its detail. An event that cannot be read, or that is about no email of a
// request, is logged and dropped: it will not read better next time. If
// the store fails, Handle returns the error, so that Lambda tries the
// event again and, after its retries, keeps it in the dead-letter queue.
func (h *Handler) Handle(ctx context.Context, e events.EventBridgeEvent) error {
	if e.Source != "aws.ses" {
		h.log.WarnContext(ctx, "event not from SES", "source", e.Source, "detailType", e.DetailType)
		return nil
	}
	return h.Record(ctx, e.Detail)
}

// event is the part of an SES event (configuration-set event publishing,
// "eventType") or notification (identity notifications,
// "notificationType") that is read. Recipients' addresses are read only to
// suppress them and never logged; SES's diagnostic texts are not read at
// all, since they can quote addresses.
type event struct {
	EventType        string `json:"eventType"`
	NotificationType string `json:"notificationType"`
	Mail             struct {
		MessageID   string              `json:"messageId"`
		Destination []string            `json:"destination"`
		Tags        map[string][]string `json:"tags"`
	} `json:"mail"`
	Bounce *struct {
		BounceType    string    `json:"bounceType"`
		BounceSubType string    `json:"bounceSubType"`
		Timestamp     time.Time `json:"timestamp"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
		Timestamp time.Time `json:"timestamp"`
	} `json:"complaint"`
	Delivery *struct {
		Timestamp time.Time `json:"timestamp"`
	} `json:"delivery"`
}

// requestIDPattern and kindPattern are what the sender's tags can hold;
// anything else did not come from it.
var (
	requestIDPattern = regexp.MustCompile(`^[a-z2-7]{26}$`)
	kindPattern      = regexp.MustCompile(`^[A-Za-z]+(-[0-9]+)?$`)
)

// Record records one SES event, given as the JSON SES publishes.
func (h *Handler) Record(ctx context.Context, message []byte) error {
	var e event
	if err := json.Unmarshal(message, &e); err != nil {
		h.log.ErrorContext(ctx, "unreadable SES event", "error", err)
		return nil
	}
	typ := e.EventType
	if typ == "" {
		typ = e.NotificationType
	}
	log := h.log.With("messageId", e.Mail.MessageID, "event", typ)

	var report appointment.Report
	switch {
	case typ == "Delivery" && e.Delivery != nil:
		report = appointment.Report{Feedback: appointment.FeedbackDelivered, At: e.Delivery.Timestamp}
	case typ == "Bounce" && e.Bounce != nil:
		report = appointment.Report{Feedback: appointment.FeedbackBounced, BounceType: e.Bounce.BounceType, At: e.Bounce.Timestamp}
		log = log.With("bounceType", e.Bounce.BounceType, "bounceSubType", e.Bounce.BounceSubType)
	case typ == "Complaint" && e.Complaint != nil:
		report = appointment.Report{Feedback: appointment.FeedbackComplained, At: e.Complaint.Timestamp}
	default:
		// The configuration set publishes only these three; anything else
		// is not for this function.
		log.WarnContext(ctx, "SES event of a kind not recorded")
		return nil
	}

	id, kind, ok := tagged(e.Mail.Tags)
	if !ok || e.Mail.MessageID == "" {
		// The morning digest, an email sent before the tags, or a message
		// that did not come from the senders: nothing to record it on.
		log.InfoContext(ctx, "SES event about no request's email")
		return nil
	}
	log = log.With("appointmentId", id, "email", string(kind))

	recorded, err := h.store.RecordFeedback(ctx, id, kind, e.Mail.MessageID, report)
	if err != nil {
		log.WarnContext(ctx, "cannot record feedback; will retry", "error", err)
		return fmt.Errorf("record feedback: %w", err)
	}
	if !recorded {
		// A later report is recorded already, the request is gone (its
		// retention ran out), or the message is not the one recorded.
		// Nothing is suppressed either: the event names its recipients
		// itself, and only the recorded message ID shows that it is about
		// an email this stack sent to them.
		log.InfoContext(ctx, "feedback not recorded: the email's record holds a later report or another message")
		return nil
	}
	if report.Feedback == appointment.FeedbackComplained && kind.ToPatient() {
		// Suppressed after the record, which checked the message ID. If
		// suppressing fails, the event is delivered again, and recording
		// the same complaint again succeeds (a complaint replaces
		// itself), so the retry suppresses the address.
		for _, addr := range complainants(e) {
			if err := h.store.Suppress(ctx, appointment.SuppressionKey(h.key, addr), "complaint", report.At); err != nil {
				log.WarnContext(ctx, "cannot suppress address; will retry", "error", err)
				return fmt.Errorf("suppress: %w", err)
			}
		}
	}
	h.metrics.Count(metricOf[report.Feedback], map[string]string{"Kind": string(kind.Base())})
	if report.Feedback == appointment.FeedbackDelivered {
		log.InfoContext(ctx, "feedback recorded")
	} else {
		log.WarnContext(ctx, "feedback recorded")
	}
	return nil
}

// metricOf names the metric each feedback is counted in.
var metricOf = map[appointment.Feedback]string{
	appointment.FeedbackDelivered:  "EmailsDelivered",
	appointment.FeedbackBounced:    "EmailsBounced",
	appointment.FeedbackComplained: "EmailsComplained",
}

// tagged reads the request's ID and the email's kind from an event's tags
// (appointment.TagRequest and TagEmail), which the sender wrote from the
// message it sent.
func tagged(tags map[string][]string) (string, appointment.EmailKind, bool) {
	ids, kinds := tags[appointment.TagRequest], tags[appointment.TagEmail]
	if len(ids) != 1 || len(kinds) != 1 || !requestIDPattern.MatchString(ids[0]) || !kindPattern.MatchString(kinds[0]) {
		return "", "", false
	}
	return ids[0], appointment.EmailKind(kinds[0]), true
}

// complainants are the addresses a complaint is about: those SES names,
// or, when it names none (some feedback loops leave them out), the
// email's recipients, a patient email's being the patient alone.
func complainants(e event) []string {
	var out []string
	for _, r := range e.Complaint.ComplainedRecipients {
		if r.EmailAddress != "" {
			out = append(out, r.EmailAddress)
		}
	}
	if len(out) == 0 {
		out = e.Mail.Destination
	}
	return out
}
