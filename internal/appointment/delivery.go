package appointment

import (
	"strconv"
	"strings"
	"time"
)

// DeliveryState is where one email of a request stands.
type DeliveryState string

// Delivery states. An email with no state has not been tried.
const (
	// DeliverySending means a sender holds a lease on the email: it is
	// being sent, or its sender stopped before saying how it went. Nobody
	// else sends it until the lease runs out.
	DeliverySending DeliveryState = "sending"
	// DeliverySent means SES accepted the email.
	DeliverySent DeliveryState = "sent"
	// DeliveryFailed means SES refused the email for good.
	DeliveryFailed DeliveryState = "failed"
)

// Delivery is the recorded state of one email of a request.
type Delivery struct {
	State DeliveryState
	// Lease identifies the sender holding a sending email, until LeaseUntil.
	Lease      string
	LeaseUntil time.Time
	// MessageID is SES's ID for a sent email.
	MessageID string
	// At is when the email was sent or failed.
	At time.Time
	// Reason says why a failed email failed.
	Reason string
	// Report is SES's feedback on a sent email, once it has some.
	Report Report
}

// EmailKind names one of the emails a request calls for.
type EmailKind string

// The emails sent for each new request.
const (
	// EmailPatient is the confirmation the patient receives.
	EmailPatient EmailKind = "patient"
	// EmailFrontDesk is the notification that tells the front desk whom to
	// call back.
	EmailFrontDesk EmailKind = "frontDesk"
)

// Claimable reports whether a sender may take the email at now: nobody has
// tried it yet, or the sender holding it let its lease run out. A sent or
// failed email is never claimable, so it is never sent again.
func (d Delivery) Claimable(now time.Time) bool {
	return d.State == "" || (d.State == DeliverySending && d.LeaseUntil.Before(now))
}

// The emails a change of status calls for. Each is sent once per
// transition, so its kind carries the transition's place in the request's
// history (TransitionEmail): a second reschedule sends a second booking
// email.
const (
	// EmailBooking tells the patient what was booked, with a calendar
	// invitation; sent on a schedule and on each reschedule.
	EmailBooking EmailKind = "booking"
	// EmailDeclined tells the patient, kindly, that the clinic cannot
	// take the request, with any message from the front desk.
	EmailDeclined EmailKind = "declined"
	// EmailCancelled confirms to the patient that a booked appointment is
	// cancelled, with the calendar cancellation.
	EmailCancelled EmailKind = "cancelled"
	// EmailCancelNotice tells the front desk that the patient cancelled.
	EmailCancelNotice EmailKind = "cancelNotice"
	// EmailDeskInvite is the front desk's copy of the booking's calendar
	// invitation, so that the appointment lands in the clinic's calendar
	// too: sent on a schedule and each reschedule, which update it, and on
	// the cancelling of a booked appointment, which removes it.
	EmailDeskInvite EmailKind = "deskInvite"
)

// TransitionEmail is the kind of the email of the given base kind that the
// transition at index in a request's history calls for.
func TransitionEmail(base EmailKind, index int) EmailKind {
	return EmailKind(string(base) + "-" + strconv.Itoa(index))
}

// Transition splits a kind made by TransitionEmail into its base kind and
// the index of its transition; ok is false for any other kind.
func (k EmailKind) Transition() (base EmailKind, index int, ok bool) {
	b, i, found := strings.Cut(string(k), "-")
	if !found {
		return "", 0, false
	}
	n, err := strconv.Atoi(i)
	if err != nil || n < 0 || strconv.Itoa(n) != i {
		return "", 0, false
	}
	switch EmailKind(b) {
	case EmailBooking, EmailDeclined, EmailCancelled, EmailCancelNotice, EmailDeskInvite, EmailReminder:
		return EmailKind(b), n, true
	}
	return "", 0, false
}

// Base is the kind k names without its transition's place in the
// history: "booking" for "booking-2", and k itself for a kind of no
// transition. Metrics count emails by it, so that one alarm watches every
// booking email, and a request's long history does not make a metric of
// each place in it (CloudWatch bills each).
func (k EmailKind) Base() EmailKind {
	if base, _, ok := k.Transition(); ok {
		return base
	}
	return k
}

// TransitionEmails lists the emails a transition calls for, each to be
// sent once: who is told what, after the action. Every booking, move and
// cancelling of a booked appointment also sends the front desk's copy of
// the invitation (EmailDeskInvite), whoever cancelled, so that the
// clinic's calendar follows the patient's.
func TransitionEmails(t Transition) []EmailKind {
	var kinds []EmailKind
	switch t.Action {
	case ActionSchedule, ActionReschedule:
		kinds = []EmailKind{EmailBooking}
	case ActionDecline:
		kinds = []EmailKind{EmailDeclined}
	case ActionCancel:
		kinds = []EmailKind{EmailCancelNotice}
		if t.Booking != nil {
			// A booked appointment: the patient's calendar must drop it.
			kinds = append(kinds, EmailCancelled)
		}
	case ActionCancelBooking:
		// The front desk cancelled: the patient is told, and the
		// desk's own copy is cancelled below.
		kinds = []EmailKind{EmailCancelled}
	}
	if t.Booking != nil && (t.To == StatusScheduled || t.To == StatusCancelled) {
		kinds = append(kinds, EmailDeskInvite)
	}
	return kinds
}

// Feedback is what became of a sent email once SES handed it on, as SES
// reports it: delivered to the receiving server, bounced, or marked as
// spam by its recipient.
type Feedback string

// The feedback SES reports, in the order in which later news may replace
// earlier: a delivered email can still bounce or draw a complaint, and a
// complaint is the last word.
const (
	FeedbackDelivered  Feedback = "delivered"
	FeedbackBounced    Feedback = "bounced"
	FeedbackComplained Feedback = "complained"
)

// BouncePermanent is SES's bounce type for an address that will never
// accept mail: it does not exist, or its server refuses the sender for
// good. SES's other types are Transient and Undetermined.
const BouncePermanent = "Permanent"

var feedbackRank = map[Feedback]int{"": 0, FeedbackDelivered: 1, FeedbackBounced: 2, FeedbackComplained: 3}

// Valid reports whether f is one of the feedbacks SES reports.
func (f Feedback) Valid() bool {
	return f != "" && feedbackRank[f] > 0
}

// Replaces lists the recorded feedbacks that f may replace: none, itself,
// and any that comes before it. Events arrive out of order and more than
// once, so a delivery reported after a bounce leaves the bounce in place,
// and the same event twice changes nothing.
func (f Feedback) Replaces() []Feedback {
	var out []Feedback
	for _, g := range []Feedback{FeedbackDelivered, FeedbackBounced, FeedbackComplained} {
		if feedbackRank[g] <= feedbackRank[f] {
			out = append(out, g)
		}
	}
	return out
}

// Report is SES's feedback on one sent email.
type Report struct {
	Feedback Feedback
	// BounceType is SES's bounce type (BouncePermanent, Transient or
	// Undetermined) for a bounce, empty otherwise.
	BounceType string
	// At is when the receiving side answered, as SES reports it; the same
	// event delivered twice carries the same time, so it records the same.
	At time.Time
}

// BouncedForGood reports whether the report is a permanent bounce.
func (r Report) BouncedForGood() bool {
	return r.Feedback == FeedbackBounced && r.BounceType == BouncePermanent
}

// EmailBounceNotice tells the front desk that a patient's confirmation
// bounced for good, so that they call the patient instead.
const EmailBounceNotice EmailKind = "bounceNotice"

// Recipient is who receives an email about a request.
type Recipient int

// The recipients of the emails about a request.
const (
	// RecipientPatient is the patient, at the address they gave.
	RecipientPatient Recipient = iota + 1
	// RecipientFrontDesk is the front desk that handles the request's
	// location.
	RecipientFrontDesk
)

// Recipient says who receives the email of kind k: the patient for the
// confirmation and the emails of transitions that tell the patient
// something, the front desk for its notification, its notice of a
// bounced confirmation, its notice of a cancellation and its copy of
// the booking's invitation. This is the one
// place that decides it: the email package addresses and words each
// email for the recipient given here. ok is false for a kind no request
// calls for.
func (k EmailKind) Recipient() (r Recipient, ok bool) {
	switch k {
	case EmailPatient:
		return RecipientPatient, true
	case EmailFrontDesk, EmailBounceNotice:
		return RecipientFrontDesk, true
	}
	base, _, ok := k.Transition()
	switch {
	case !ok:
		return 0, false
	case base == EmailCancelNotice, base == EmailDeskInvite:
		return RecipientFrontDesk, true
	}
	return RecipientPatient, true
}

// ToPatient reports whether the email of kind k goes to the patient
// (Recipient).
func (k EmailKind) ToPatient() bool {
	r, ok := k.Recipient()
	return ok && r == RecipientPatient
}

// Message is one rendered email as it is handed to the mail service: its
// envelope, the whole MIME message, and which email it is. The identity
// travels with the message, as an argument, so that the sender can name
// the email in what it tells the mail service (the message tags that SES
// copies into its reports, TagRequest and TagEmail) and the local outbox
// can keep one copy of each email.
type Message struct {
	// RequestID and Kind name the email: the email of that kind about
	// that request, the same for every attempt at it. RequestID is empty
	// for an email about no single request, such as the morning digest.
	RequestID string
	Kind      EmailKind
	// From is the bare sender address (the SES Source).
	From string
	// To are the recipients' bare addresses (the SES Destinations), always
	// ASCII, with any internationalised domain in Punycode.
	To []string
	// Raw is the whole message as sent: headers and body, CRLF line endings.
	Raw []byte
}

// The names of the message tags under which a sent email carries its
// identity (Message.RequestID and Message.Kind). SES copies a message's
// tags into every event it publishes about it, which is how FeedbackFunction
// finds the email a bounce or complaint is about.
const (
	TagRequest = "request"
	TagEmail   = "email"
)

// ConfirmationBounced reports whether the request's confirmation to the
// patient bounced for good.
func (r Request) ConfirmationBounced() bool {
	d := r.Deliveries[EmailPatient]
	return d.Report.BouncedForGood()
}

// FeedbackEmails lists the emails that feedback recorded between before
// and after calls for: the front desk's notice when the confirmation's
// permanent bounce is new. The patient never learned that the request
// arrived, and the front desk would otherwise wait for an answer that
// cannot come.
func FeedbackEmails(before, after *Request) []EmailKind {
	if after == nil || !after.ConfirmationBounced() || (before != nil && before.ConfirmationBounced()) {
		return nil
	}
	return []EmailKind{EmailBounceNotice}
}

// Cause is why a request item was last written. Each write records it
// (lastChange), so that the table's stream can be filtered down to the
// writes that call for email without comparing old and new images, which
// Lambda's event filters cannot do.
type Cause string

// The causes of writes to a request after it is stored.
const (
	// CauseTransition is a change of status (Store.Transition).
	CauseTransition Cause = "transition"
	// CauseDelivery is a sender's record of an email's delivery state.
	CauseDelivery Cause = "delivery"
	// CauseFeedback is SES's feedback on an email that calls for nothing.
	CauseFeedback Cause = "feedback"
	// CauseFeedbackNotice is SES's feedback that calls for an email to the
	// front desk (FeedbackEmails).
	CauseFeedbackNotice Cause = "feedbackNotice"
)

// CauseOf is the cause to record for a report on the email of kind k.
func CauseOf(k EmailKind, r Report) Cause {
	if k == EmailPatient && r.BouncedForGood() {
		return CauseFeedbackNotice
	}
	return CauseFeedback
}
