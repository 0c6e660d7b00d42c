// Package dynamo stores appointment requests in the RequestsTable, a single
// DynamoDB table that holds four kinds of item, told apart by their keys:
//
//	pk                      sk         what
//	REQ#<id>                REQUEST    an appointment request
//	IDEM#<sha256 of key>    IDEM       an Idempotency-Key seen in the last 24 hours
//	DEDUPE#<fingerprint>    DEDUPE     a request seen in the last 10 minutes
//	RATE#<client>#<window>  RATE       a client's submissions in one window
//
// Every item has an expiresAt attribute (seconds since the epoch) for the
// table's time to live. Request items also carry status and createdAt, which
// the ByStatus index uses to list open requests by age; the other items do not,
// so the index holds requests only.
package dynamo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"example.com/appointments/internal/appointment"
)

// Client is the part of the DynamoDB API the store uses.
type Client interface {
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// How long repeats are recognised.
const (
	IdempotencyWindow = 24 * time.Hour
	DedupeWindow      = 10 * time.Minute
)

// Names of the table's attributes and index.
const (
	attrPK        = "pk"
	attrSK        = "sk"
	attrExpiresAt = "expiresAt"
	IndexByStatus = "ByStatus"
)

// Store is the RequestsTable.
type Store struct {
	client    Client
	table     string
	retention time.Duration
	now       func() time.Time
}

// New returns a store for the named table that keeps requests for the
// given number of days.
func New(client Client, table string, retentionDays int) *Store {
	return &Store{
		client:    client,
		table:     table,
		retention: time.Duration(retentionDays) * 24 * time.Hour,
		now:       time.Now,
	}
}

// maxConflictRetries bounds how often a transaction that collided with a
// concurrent one on the same item is tried again. After a collision the
// other transaction has usually finished, and the next try sees its result.
const maxConflictRetries = 4

// Create stores r together with the records that recognise a repeat of it,
// in one transaction, so that a request is never stored without them and
// they never exist without the request.
//
// When a record for d's idempotency key or fingerprint already exists and
// has not expired, nothing is written: Create returns the earlier request's
// receipt, marked Replayed, or ErrIdempotencyKeyReused when the key came
// with a different request. Failures of DynamoDB that persist through the
// SDK's retries are reported as appointment.ErrUnavailable.
func (s *Store) Create(ctx context.Context, r appointment.Request, d appointment.Dedupe) (appointment.Receipt, error) {
	now := s.now()
	in, err := s.createInput(r, d, now)
	if err != nil {
		return appointment.Receipt{}, err
	}
	for attempt := 0; ; attempt++ {
		// The token makes DynamoDB treat the SDK's retry of a transaction
		// whose response was lost as the same transaction, not a new one.
		// A transaction tried again after a conflict is a new one.
		in.ClientRequestToken = aws.String(r.ID + "-" + strconv.Itoa(attempt))
		_, err = s.client.TransactWriteItems(ctx, in)
		if err == nil {
			return appointment.Receipt{ID: r.ID, Reference: r.Reference}, nil
		}
		var canceled *types.TransactionCanceledException
		if !errors.As(err, &canceled) {
			return appointment.Receipt{}, unavailable("store request", err)
		}
		reasons := canceled.CancellationReasons
		if hasReason(reasons, "ConditionalCheckFailed") {
			return s.earlier(ctx, r, d, now)
		}
		if !hasReason(reasons, "TransactionConflict") || attempt == maxConflictRetries {
			return appointment.Receipt{}, unavailable("store request", err)
		}
		if err := sleep(ctx, time.Duration(attempt+1)*50*time.Millisecond); err != nil {
			return appointment.Receipt{}, unavailable("store request", err)
		}
	}
}

func (s *Store) createInput(r appointment.Request, d appointment.Dedupe, now time.Time) (*dynamodb.TransactWriteItemsInput, error) {
	item := requestItem(r, now.Add(s.retention))
	notKnown := "attribute_not_exists(pk) OR expiresAt < :now"
	nowValue := map[string]types.AttributeValue{":now": number(now.Unix())}

	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName:           &s.table,
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}}}
	if d.IdempotencyKey != "" {
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName:                           &s.table,
			Item:                                markerItem(idempotencyPK(d.IdempotencyKey), "IDEM", r, d.Fingerprint, now.Add(IdempotencyWindow)),
			ConditionExpression:                 &notKnown,
			ExpressionAttributeValues:           nowValue,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}})
	}
	items = append(items, types.TransactWriteItem{Put: &types.Put{
		TableName:                           &s.table,
		Item:                                markerItem("DEDUPE#"+d.Fingerprint, "DEDUPE", r, d.Fingerprint, now.Add(DedupeWindow)),
		ConditionExpression:                 &notKnown,
		ExpressionAttributeValues:           nowValue,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}})
	return &dynamodb.TransactWriteItemsInput{TransactItems: items}, nil
}

// earlier resolves a transaction refused because a repeat record exists: it
// reads the records and returns the receipt of the request they point to.
func (s *Store) earlier(ctx context.Context, r appointment.Request, d appointment.Dedupe, now time.Time) (appointment.Receipt, error) {
	if d.IdempotencyKey != "" {
		m, err := s.marker(ctx, idempotencyPK(d.IdempotencyKey), "IDEM", now)
		if err != nil {
			return appointment.Receipt{}, err
		}
		if m != nil {
			if m.fingerprint != d.Fingerprint {
				return appointment.Receipt{}, appointment.ErrIdempotencyKeyReused
			}
			return m.receipt(r.ID), nil
		}
	}
	m, err := s.marker(ctx, "DEDUPE#"+d.Fingerprint, "DEDUPE", now)
	if err != nil {
		return appointment.Receipt{}, err
	}
	if m == nil {
		// The record that refused the transaction expired in the meantime;
		// the caller may simply try again.
		return appointment.Receipt{}, unavailable("store request", errors.New("repeat record vanished"))
	}
	return m.receipt(r.ID), nil
}

// marker is an idempotency or double-submit record.
type marker struct {
	requestID, reference, fingerprint string
}

// receipt returns the receipt the marker stands for. A marker pointing at
// the request being stored means an earlier try of this very call
// succeeded and only its answer was lost, so it is no replay.
func (m *marker) receipt(currentID string) appointment.Receipt {
	return appointment.Receipt{ID: m.requestID, Reference: m.reference, Replayed: m.requestID != currentID}
}

func (s *Store) marker(ctx context.Context, pk, sk string, now time.Time) (*marker, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            key(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, unavailable("read repeat record", err)
	}
	if out.Item == nil {
		return nil, nil
	}
	if exp, ok := numberAttr(out.Item, attrExpiresAt); ok && exp < now.Unix() {
		return nil, nil
	}
	return &marker{
		requestID:   stringAttr(out.Item, "requestId"),
		reference:   stringAttr(out.Item, "reference"),
		fingerprint: stringAttr(out.Item, "fingerprint"),
	}, nil
}

// CountSubmission adds one to a client's submissions in the window starting
// at windowStart and returns the count. Counters expire a window after the
// window ends.
func (s *Store) CountSubmission(ctx context.Context, client string, windowStart time.Time) (int, error) {
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        &s.table,
		Key:              key("RATE#"+client+"#"+strconv.FormatInt(windowStart.Unix(), 10), "RATE"),
		UpdateExpression: aws.String("ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expires)"),
		ExpressionAttributeNames: map[string]string{
			"#count": "count",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one":     number(1),
			":expires": number(windowStart.Add(2 * time.Hour).Unix()),
		},
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, unavailable("count submission", err)
	}
	n, _ := numberAttr(out.Attributes, "count")
	return int(n), nil
}

func idempotencyPK(k string) string {
	sum := sha256.Sum256([]byte(k))
	return "IDEM#" + hex.EncodeToString(sum[:])
}

func hasReason(reasons []types.CancellationReason, code string) bool {
	for _, r := range reasons {
		if r.Code != nil && *r.Code == code {
			return true
		}
	}
	return false
}

// unavailable marks err as a failure of DynamoDB itself: throttling, a
// server error or a broken connection that the SDK's retries did not get
// past, or the handler running out of time. A request DynamoDB refused as
// invalid is a fault of this program and is returned as it is.
func unavailable(op string, err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorFault() == smithy.FaultClient && !isThrottle(apiErr.ErrorCode()) && apiErr.ErrorCode() != "TransactionCanceledException" {
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%s: %w: %w", op, appointment.ErrUnavailable, err)
}

func isThrottle(code string) bool {
	switch code {
	case "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded", "TransactionInProgressException":
		return true
	}
	return false
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
