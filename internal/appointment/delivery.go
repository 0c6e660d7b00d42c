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
