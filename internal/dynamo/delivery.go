package dynamo

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"example.com/appointments/internal/appointment"
)

// Each email of a request has its delivery state in the request item's
// "emails" map, under the email's kind:
//
//	emails.<kind> = {state, lease, leaseUntil, messageId, at, reason}
//
// and each write records appointment.CauseDelivery as the item's
// lastChange, which keeps it out of the stream's filter.
//
// Every change is a conditional update, so that of several senders handed
// the same stream record only the one holding the lease may say how the
// sending went, and an email recorded as sent is never claimed again.

// ClaimEmail takes a lease on sending the given kind of email for request
// id, until the given time. It returns true when the caller now holds the
// lease. Otherwise it returns the email's current state: sent, failed, or
// sending under someone else's lease. A request that no longer exists has
// an empty state.
//
// An email that may go only while its transition is the request's last
// change (appointment.EmailKind.LatestOnly, a reminder) is claimed only if
// the history still holds that many changes; otherwise it is not claimed
// and its state, empty, says it is not to be sent.
func (s *Store) ClaimEmail(ctx context.Context, id string, kind appointment.EmailKind, lease string, until, now time.Time) (bool, appointment.Delivery, error) {
	// appointment.Delivery.Claimable, as a condition DynamoDB checks
	// atomically with the write.
	condition := "attribute_exists(pk) AND (attribute_not_exists(emails.#kind) OR " +
		"(emails.#kind.#state = :sending AND emails.#kind.leaseUntil < :now))"
	values := map[string]types.AttributeValue{
		":claim": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"state":      str(string(appointment.DeliverySending)),
			"lease":      str(lease),
			"leaseUntil": number(until.UnixMilli()),
		}},
		":sending": str(string(appointment.DeliverySending)),
		":now":     number(now.UnixMilli()),
		":cause":   str(string(appointment.CauseDelivery)),
	}
	latest, latestOnly := kind.LatestOnly()
	if latestOnly {
		condition += " AND size(history) = :changes"
		values[":changes"] = number(int64(latest))
	}
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       requestKey(id),
		UpdateExpression:          aws.String("SET emails.#kind = :claim, lastChange = :cause"),
		ConditionExpression:       aws.String(condition),
		ExpressionAttributeNames:  map[string]string{"#kind": string(kind), "#state": "state"},
		ExpressionAttributeValues: values,
	})
	if err == nil {
		return true, appointment.Delivery{State: appointment.DeliverySending, Lease: lease, LeaseUntil: until}, nil
	}
	var refused *types.ConditionalCheckFailedException
	if !errors.As(err, &refused) {
		return false, appointment.Delivery{}, unavailable("claim email", err)
	}
	item, err := s.getItem(ctx, RequestPrefix+id, "REQUEST")
	if err != nil {
		return false, appointment.Delivery{}, err
	}
	// A reminder refused because the request changed since has no state.
	return false, deliveryFromItem(item, kind), nil
}

// MarkEmailSent records that SES accepted the email under messageID.
func (s *Store) MarkEmailSent(ctx context.Context, id string, kind appointment.EmailKind, lease, messageID string, at time.Time) error {
	return s.settle(ctx, id, kind, lease, map[string]types.AttributeValue{
		"state":     str(string(appointment.DeliverySent)),
		"messageId": str(messageID),
		"at":        str(at.UTC().Format(timeLayout)),
	})
}

// MarkEmailFailed records that SES refused the email for good.
func (s *Store) MarkEmailFailed(ctx context.Context, id string, kind appointment.EmailKind, lease, reason string, at time.Time) error {
	return s.settle(ctx, id, kind, lease, map[string]types.AttributeValue{
		"state":  str(string(appointment.DeliveryFailed)),
		"reason": str(reason),
		"at":     str(at.UTC().Format(timeLayout)),
	})
}

// ReleaseEmail gives up a lease on an email that was certainly not sent,
// so that the next try need not wait for the lease to run out.
func (s *Store) ReleaseEmail(ctx context.Context, id string, kind appointment.EmailKind, lease string) error {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       requestKey(id),
		UpdateExpression:          aws.String("SET lastChange = :cause REMOVE emails.#kind"),
		ConditionExpression:       aws.String("emails.#kind.lease = :lease AND emails.#kind.#state = :sending"),
		ExpressionAttributeNames:  map[string]string{"#kind": string(kind), "#state": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":lease": str(lease), ":sending": str(string(appointment.DeliverySending)), ":cause": str(string(appointment.CauseDelivery))},
	})
	return settleError("release email", err)
}

// settle replaces a held lease with the email's outcome.
func (s *Store) settle(ctx context.Context, id string, kind appointment.EmailKind, lease string, outcome map[string]types.AttributeValue) error {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       requestKey(id),
		UpdateExpression:          aws.String("SET emails.#kind = :outcome, lastChange = :cause"),
		ConditionExpression:       aws.String("emails.#kind.lease = :lease AND emails.#kind.#state = :sending"),
		ExpressionAttributeNames:  map[string]string{"#kind": string(kind), "#state": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":outcome": &types.AttributeValueMemberM{Value: outcome}, ":lease": str(lease), ":sending": str(string(appointment.DeliverySending)), ":cause": str(string(appointment.CauseDelivery))},
	})
	return settleError("record email outcome", err)
}

func settleError(op string, err error) error {
	var refused *types.ConditionalCheckFailedException
	if errors.As(err, &refused) {
		return appointment.ErrLeaseLost
	}
	if err != nil {
		return unavailable(op, err)
	}
	return nil
}

// Delivery returns the recorded state of one email of request id.
func (s *Store) Delivery(ctx context.Context, id string, kind appointment.EmailKind) (appointment.Delivery, error) {
	item, err := s.getItem(ctx, RequestPrefix+id, "REQUEST")
	if err != nil {
		return appointment.Delivery{}, err
	}
	return deliveryFromItem(item, kind), nil
}

// deliveryValue is a delivery state as the emails map holds it.
func deliveryValue(d appointment.Delivery) types.AttributeValue {
	m := map[string]types.AttributeValue{"state": str(string(d.State))}
	if d.Lease != "" {
		m["lease"] = str(d.Lease)
		m["leaseUntil"] = number(d.LeaseUntil.UnixMilli())
	}
	if d.MessageID != "" {
		m["messageId"] = str(d.MessageID)
	}
	if d.Reason != "" {
		m["reason"] = str(d.Reason)
	}
	if !d.At.IsZero() {
		m["at"] = str(d.At.UTC().Format(timeLayout))
	}
	if d.Report.Feedback != "" {
		m["feedback"] = str(string(d.Report.Feedback))
		m["feedbackAt"] = str(d.Report.At.UTC().Format(timeLayout))
	}
	if d.Report.BounceType != "" {
		m["bounceType"] = str(d.Report.BounceType)
	}
	return &types.AttributeValueMemberM{Value: m}
}

func deliveryFromItem(item map[string]types.AttributeValue, kind appointment.EmailKind) appointment.Delivery {
	emails, ok := item["emails"].(*types.AttributeValueMemberM)
	if !ok {
		return appointment.Delivery{}
	}
	m, ok := emails.Value[string(kind)].(*types.AttributeValueMemberM)
	if !ok {
		return appointment.Delivery{}
	}
	d := appointment.Delivery{
		State:     appointment.DeliveryState(stringAttr(m.Value, "state")),
		Lease:     stringAttr(m.Value, "lease"),
		MessageID: stringAttr(m.Value, "messageId"),
		Reason:    stringAttr(m.Value, "reason"),
	}
	if ms, ok := numberAttr(m.Value, "leaseUntil"); ok {
		d.LeaseUntil = time.UnixMilli(ms).UTC()
	}
	if t, err := time.Parse(timeLayout, stringAttr(m.Value, "at")); err == nil {
		d.At = t
	}
	d.Report.Feedback = appointment.Feedback(stringAttr(m.Value, "feedback"))
	d.Report.BounceType = stringAttr(m.Value, "bounceType")
	if t, err := time.Parse(timeLayout, stringAttr(m.Value, "feedbackAt")); err == nil {
		d.Report.At = t
	}
	return d
}
