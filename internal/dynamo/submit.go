package dynamo

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"example.com/appointments/internal/appointment"
)

// The use case finds the one-write path by asking whether its store is an
// appointment.AtomicStore; this keeps a change of signature from turning
// the path off without a word.
var _ appointment.AtomicStore = (*Store)(nil)

// Submit stores r in one round trip, as the usual case of a submission
// (appointment.AtomicStore): with a single transaction it adds one to each
// counter of spends, takes r's claims and writes r. Which counters a
// submission spends, under which names and against which limits, is the
// domain's rule (appointment.Submitter); the store only keeps each within
// its Max. The transaction applies only if every counter stays within its
// Max, no claim is held by another request and r is new; otherwise (or
// when the transaction meets a concurrent write to one of its items)
// nothing is written and Submit returns false, and the use case takes the
// step-by-step path (Count, Replay, Create), which tells the cases apart
// and answers each. Other failures of DynamoDB are returned as
// appointment.ErrUnavailable; the SDK gives the transaction an idempotency
// token, so its own retries never apply it twice.
func (s *Store) Submit(ctx context.Context, r appointment.Request, d appointment.Dedupe, spends []appointment.Spend) (appointment.Receipt, bool, error) {
	now := s.now()
	items := s.spendItems(spends, 3)
	claims := []*claim{{pk: "DEDUPE#" + d.Fingerprint, sk: "DEDUPE", window: DedupeWindow}}
	if d.IdempotencyKey != "" {
		claims = append(claims, &claim{pk: idempotencyPK(d.IdempotencyKey), sk: "IDEM", window: IdempotencyWindow})
	}
	for _, c := range claims {
		p := s.claimPut(c, r, d.Fingerprint, now)
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName:                 p.TableName,
			Item:                      p.Item,
			ConditionExpression:       p.ConditionExpression,
			ExpressionAttributeValues: p.ExpressionAttributeValues,
		}})
	}
	p := s.requestPut(r, now)
	items = append(items, types.TransactWriteItem{Put: &types.Put{
		TableName:           p.TableName,
		Item:                p.Item,
		ConditionExpression: p.ConditionExpression,
	}})

	applied, err := s.transact(ctx, "submit", items)
	if !applied || err != nil {
		return appointment.Receipt{}, false, err
	}
	return appointment.Receipt{ID: r.ID, Reference: r.Reference}, true, nil
}

// Spend counts a submission that is not to be stored (one caught by the
// honeypot) against every counter of spends in one round trip, as Submit
// counts a real one, so that both cost DynamoDB the same kind of work. The
// transaction applies only if every counter stays within its Max; otherwise
// nothing is written and Spend returns false, and the use case counts step
// by step (Count), which tells which limit was reached. Other failures are
// returned as appointment.ErrUnavailable.
func (s *Store) Spend(ctx context.Context, spends []appointment.Spend) (bool, error) {
	return s.transact(ctx, "spend", s.spendItems(spends, 0))
}

// spendItems are the conditional counter updates of spends, in a slice
// with room for extra items more.
func (s *Store) spendItems(spends []appointment.Spend, extra int) []types.TransactWriteItem {
	items := make([]types.TransactWriteItem, 0, len(spends)+extra)
	for _, sp := range spends {
		u := counterUpdate(sp.Name, sp.WindowStart, sp.Window, 1)
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName:        &s.table,
			Key:              u.Key,
			UpdateExpression: u.UpdateExpression,
			// Within the limit after this count: count < Max before it.
			ConditionExpression:       aws.String("attribute_not_exists(#count) OR #count < :max"),
			ExpressionAttributeNames:  u.ExpressionAttributeNames,
			ExpressionAttributeValues: withValue(u.ExpressionAttributeValues, ":max", number(int64(sp.Max))),
		}})
	}
	return items
}

// transact writes items in one transaction and reports whether it applied.
func (s *Store) transact(ctx context.Context, op string, items []types.TransactWriteItem) (bool, error) {
	_, err := s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	// A cancelled transaction wrote nothing, whatever the reason: a
	// condition, or a conflict with a concurrent write to a counter.
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) {
		return false, nil
	}
	if err != nil {
		return false, unavailable(op, err)
	}
	return true, nil
}

// counterUpdate is the update Count makes to a counter.
func counterUpdate(name string, windowStart time.Time, window time.Duration, delta int) *dynamodb.UpdateItemInput {
	return &dynamodb.UpdateItemInput{
		Key:              key(CounterPrefix(name)+strconv.FormatInt(windowStart.Unix(), 10), "RATE"),
		UpdateExpression: aws.String("ADD #count :delta SET #type = :type, expiresAt = if_not_exists(expiresAt, :expires)"),
		ExpressionAttributeNames: map[string]string{
			"#count": "count",
			"#type":  "type",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":delta":   number(int64(delta)),
			":type":    str("counter"),
			":expires": number(windowStart.Add(2 * window).Unix()),
		},
	}
}

func withValue(values map[string]types.AttributeValue, name string, v types.AttributeValue) map[string]types.AttributeValue {
	values[name] = v
	return values
}
