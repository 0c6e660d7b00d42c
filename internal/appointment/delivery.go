package appointment

import "time"

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
