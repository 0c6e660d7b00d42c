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

// SES's feedback on a sent email goes beside its delivery state:
//
//	emails.<kind>.feedback, .bounceType, .feedbackAt
//
// A suppression record has an item of its own, keyed by
// appointment.SuppressionKey, and no expiry: a complaint is a standing
// request not to be emailed.

// SuppressionPrefix is how the partition keys of suppression records
// begin: what an IAM condition on dynamodb:LeadingKeys names to let the
// feedback function write them and no other new item.
const SuppressionPrefix = "SUPPRESS#"

// RecordFeedback records SES's report on the email of the given kind of
// request id, provided the email was recorded as sent with messageID; an
// event about any other message, a request since deleted, or a report
// that would replace a later one (appointment.Feedback.Replaces) records
// nothing and returns false. Recording the same report twice writes the
// same values, which DynamoDB leaves out of the stream.
func (s *Store) RecordFeedback(ctx context.Context, id string, kind appointment.EmailKind, messageID string, r appointment.Report) (bool, error) {
	values := map[string]types.AttributeValue{
		":mid":      str(messageID),
		":sent":     str(string(appointment.DeliverySent)),
		":feedback": str(string(r.Feedback)),
		":at":       str(r.At.UTC().Format(timeLayout)),
		":cause":    str(string(appointment.CauseOf(kind, r))),
	}
	update := "SET emails.#kind.feedback = :feedback, emails.#kind.feedbackAt = :at, lastChange = :cause"
	if r.BounceType != "" {
		update += ", emails.#kind.bounceType = :bounceType"
		values[":bounceType"] = str(r.BounceType)
	} else {
		update += " REMOVE emails.#kind.bounceType"
	}
	condition := "emails.#kind.messageId = :mid AND emails.#kind.#state = :sent AND (attribute_not_exists(emails.#kind.feedback)"
	for i, f := range r.Feedback.Replaces() {
		name := ":replaces" + string(rune('0'+i))
		condition += " OR emails.#kind.feedback = " + name
		values[name] = str(string(f))
	}
	condition += ")"
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       requestKey(id),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String(condition),
		ExpressionAttributeNames:  map[string]string{"#kind": string(kind), "#state": "state"},
		ExpressionAttributeValues: values,
	})
	var refused *types.ConditionalCheckFailedException
	if errors.As(err, &refused) {
		return false, nil
	}
	if err != nil {
		return false, unavailable("record feedback", err)
	}
	return true, nil
}

// Suppress records that the address with the given suppression key must
// not be emailed again. Suppressing an address twice keeps the first
// record.
func (s *Store) Suppress(ctx context.Context, key, reason string, at time.Time) error {
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table,
		Item: map[string]types.AttributeValue{
			"pk":     str(SuppressionPrefix + key),
			"sk":     str("SUPPRESSION"),
			"type":   str("suppression"),
			"reason": str(reason),
			"at":     str(at.UTC().Format(timeLayout)),
		},
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	var refused *types.ConditionalCheckFailedException
	if errors.As(err, &refused) {
		return nil
	}
	if err != nil {
		return unavailable("suppress address", err)
	}
	return nil
}

// Suppressed reports whether the address with the given suppression key
// is suppressed.
func (s *Store) Suppressed(ctx context.Context, key string) (bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:            &s.table,
		Key:                  map[string]types.AttributeValue{"pk": str(SuppressionPrefix + key), "sk": str("SUPPRESSION")},
		ProjectionExpression: aws.String("pk"),
		ConsistentRead:       aws.Bool(true),
	})
	if err != nil {
		return false, unavailable("read suppression", err)
	}
	return out.Item != nil, nil
}
