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
	case EmailBooking, EmailDeclined, EmailCancelled, EmailCancelNotice:
		return EmailKind(b), n, true
	}
	return "", 0, false
}

// TransitionEmails lists the emails a transition calls for, each to be
// sent once: who is told what, after the action.
func TransitionEmails(t Transition) []EmailKind {
	switch t.Action {
	case ActionSchedule, ActionReschedule:
		return []EmailKind{EmailBooking}
	case ActionDecline:
		return []EmailKind{EmailDeclined}
	case ActionCancel:
		if t.Booking != nil {
			// A booked appointment: the patient's calendar must drop it.
			return []EmailKind{EmailCancelNotice, EmailCancelled}
		}
		return []EmailKind{EmailCancelNotice}
	}
	return nil
}
