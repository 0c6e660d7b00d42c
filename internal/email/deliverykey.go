package email

import (
	"context"

	"example.com/appointments/internal/appointment"
)

// deliveryKey is the context key of the email being sent.
type deliveryKey struct{}

// DeliveryKey names the email a send carries: the request's ID and the
// email's kind, "id/kind", the same for every attempt at the same email.
// The SES sender tags the message with it, so that SES's reports about the
// email can be matched to it; the local outbox, kept in the same database
// as the delivery records, uses it to keep one copy of each email even
// when a crash fell between sending and recording.
func DeliveryKey(ctx context.Context) (string, bool) {
	k, ok := ctx.Value(deliveryKey{}).(string)
	return k, ok
}

// WithDeliveryKey names the email of request id of the given kind, for
// DeliveryKey.
func WithDeliveryKey(ctx context.Context, id string, kind appointment.EmailKind) context.Context {
	return context.WithValue(ctx, deliveryKey{}, id+"/"+string(kind))
}
