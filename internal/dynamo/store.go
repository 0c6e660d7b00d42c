// Package dynamo stores appointment requests in the RequestsTable, a single
// DynamoDB table that holds four kinds of item, told apart by their keys:
//
//	pk                      sk         what
//	REQ#<id>                REQUEST    an appointment request
//	IDEM#<sha256 of key>    IDEM       an Idempotency-Key seen in the last 24 hours
//	DEDUPE#<fingerprint>    DEDUPE     a request seen in the last 10 minutes
//	RATE#<name>#<window>    RATE       a counter for one window (rate limits)
//
// Every item has an expiresAt attribute (seconds since the epoch) for the
// table's time to live. Request items also carry status and createdAt, which
// the ByStatus index uses to list open requests by age; the other items do not,
// so the index holds requests only. A request with a booking also carries
// appointmentAt, the booking's start, which the ByAppointment index uses to
// find the appointments coming up for their reminders; it holds booked
// requests only.
package dynamo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"example.com/appointments/internal/appointment"
)

// Client is the part of the DynamoDB API the store uses.
type Client interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// How long repeats are recognised.
const (
	IdempotencyWindow = appointment.IdempotencyWindow
	DedupeWindow      = appointment.DedupeWindow
)

// Names of the table's attributes and index.
const (
	attrPK        = "pk"
	attrSK        = "sk"
	attrExpiresAt = "expiresAt"
	IndexByStatus = "ByStatus"
	// IndexByAppointment lists booked requests by status and the time of
	// their appointment.
	IndexByAppointment = "ByAppointment"
	attrAppointmentAt  = "appointmentAt"
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

// SetClock makes the store read the time from now; tests travel in time
// with it.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// List returns requests with the given status, oldest first, at most limit
// of them, from the ByStatus index.
func (s *Store) List(ctx context.Context, status appointment.Status, limit int) ([]appointment.Request, error) {
	return s.queryRequests(ctx, "list requests", limit, &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(IndexByStatus),
		KeyConditionExpression:    aws.String("#status = :status"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":status": str(string(status))},
		ScanIndexForward:          aws.Bool(true),
	})
}

// Upcoming returns the scheduled requests whose appointments start from
// from until to, both included, soonest first, at most limit of them, from
// the ByAppointment index. The index is read eventually consistently, so a
// request changed a moment ago may show as it was; a reminder's claim
// checks the stored request (ClaimEmail).
func (s *Store) Upcoming(ctx context.Context, from, to time.Time, limit int) ([]appointment.Request, error) {
	return s.queryRequests(ctx, "list upcoming appointments", limit, &dynamodb.QueryInput{
		TableName:                &s.table,
		IndexName:                aws.String(IndexByAppointment),
		KeyConditionExpression:   aws.String("#status = :status AND #at BETWEEN :from AND :to"),
		ExpressionAttributeNames: map[string]string{"#status": "status", "#at": attrAppointmentAt},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":status": str(string(appointment.StatusScheduled)),
			":from":   str(from.UTC().Format(timeLayout)),
			":to":     str(to.UTC().Format(timeLayout)),
		},
		ScanIndexForward: aws.Bool(true),
	})
}

// queryRequests runs the query of an index of requests, page by page, until
// limit requests or the last page: a query answers at most a page (1 MB)
// at a time, and the day sheet reads every scheduled request, more than
// one page holds. op names the read in the error when it fails.
func (s *Store) queryRequests(ctx context.Context, op string, limit int, in *dynamodb.QueryInput) ([]appointment.Request, error) {
	requests := make([]appointment.Request, 0, min(limit, listPage))
	for len(requests) < limit {
		in.Limit = aws.Int32(int32(min(limit-len(requests), listPage)))
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return nil, unavailable(op, err)
		}
		for _, item := range out.Items {
			requests = append(requests, requestFromItem(item))
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	return requests, nil
}

// listPage is the most requests List asks for in one query.
var listPage = 1000

// Create stores r unless it repeats a request still remembered.
//
// Repeats are recognised by claims: small records, one per idempotency key
// and one per fingerprint, each naming the request that claimed it. A claim
// is taken with a single conditional write, which DynamoDB applies
// atomically, so of many concurrent submissions exactly one takes it. The
// claims are taken before the request is written, and a claim whose request
// is missing is completed by whoever finds it: a submission that loses the
// race writes the winner's request if it is not there yet, under the
// winner's ID and with the same content (the fingerprints match). Whatever
// fails part-way, a retry of the submission ends with exactly one request.
//
// A repeat returns the earlier request's receipt, marked Replayed, or
// ErrIdempotencyKeyReused when the key came with a different request.
// Failures of DynamoDB that persist through the SDK's retries are reported
// as appointment.ErrUnavailable.
func (s *Store) Create(ctx context.Context, r appointment.Request, d appointment.Dedupe) (appointment.Receipt, error) {
	now := s.now()
	var keyClaim *claim
	if d.IdempotencyKey != "" {
		keyClaim = &claim{pk: idempotencyPK(d.IdempotencyKey), sk: "IDEM", window: IdempotencyWindow}
		earlier, err := s.claim(ctx, keyClaim, r, d.Fingerprint, now)
		if err != nil {
			return appointment.Receipt{}, err
		}
		if earlier != nil {
			if earlier.fingerprint != d.Fingerprint {
				return appointment.Receipt{}, appointment.ErrIdempotencyKeyReused
			}
			return s.complete(ctx, r, earlier, now)
		}
	}

	bodyClaim := &claim{pk: "DEDUPE#" + d.Fingerprint, sk: "DEDUPE", window: DedupeWindow}
	earlier, err := s.claim(ctx, bodyClaim, r, d.Fingerprint, now)
	if err != nil {
		s.release(ctx, r.ID, keyClaim)
		return appointment.Receipt{}, err
	}
	if earlier != nil {
		// The same request arrived moments ago under another key, or none:
		// the key now stands for that request too, so a retry with it
		// replays the same answer instead of storing a copy.
		if keyClaim != nil {
			if err := s.repoint(ctx, keyClaim, r.ID, earlier); err != nil {
				return appointment.Receipt{}, err
			}
		}
		return s.complete(ctx, r, earlier, now)
	}

	if err := s.putRequest(ctx, r, now); err != nil {
		// Without its request a claim would make the patient's retry
		// replay an answer for nothing; giving the claims up lets the
		// retry start afresh. Should this fail too, the retry completes
		// the request from the claim instead.
		s.release(ctx, r.ID, keyClaim, bodyClaim)
		return appointment.Receipt{}, err
	}
	return appointment.Receipt{ID: r.ID, Reference: r.Reference}, nil
}

// Replay returns the receipt of the earlier request that d identifies, if
// one is remembered: the request held by d's idempotency key or, without a
// key, by its fingerprint. It claims nothing, so a caller can answer a retry
// before counting it against any limit; Create remains what decides. A
// remembered request whose own write was lost is completed from r, as
// Create does, so a replayed answer always names a stored request.
func (s *Store) Replay(ctx context.Context, r appointment.Request, d appointment.Dedupe) (appointment.Receipt, bool, error) {
	now := s.now()
	pk, sk := "DEDUPE#"+d.Fingerprint, "DEDUPE"
	if d.IdempotencyKey != "" {
		pk, sk = idempotencyPK(d.IdempotencyKey), "IDEM"
	}
	item, err := s.getItem(ctx, pk, sk)
	if err != nil {
		return appointment.Receipt{}, false, err
	}
	if expires, ok := numberAttr(item, attrExpiresAt); item == nil || !ok || expires < now.Unix() {
		return appointment.Receipt{}, false, nil
	}
	h := &holder{
		requestID:   stringAttr(item, "requestId"),
		reference:   stringAttr(item, "reference"),
		fingerprint: stringAttr(item, "fingerprint"),
	}
	if h.fingerprint != d.Fingerprint {
		if sk == "IDEM" {
			return appointment.Receipt{}, false, appointment.ErrIdempotencyKeyReused
		}
		return appointment.Receipt{}, false, nil
	}
	receipt, err := s.complete(ctx, r, h, now)
	return receipt, err == nil, err
}

// claim is an idempotency-key or fingerprint record.
type claim struct {
	pk, sk string
	window time.Duration
}

// holder is what a claim record says: the request that holds it.
type holder struct {
	requestID, reference, fingerprint string
}

// maxClaimTries bounds the rare loop in which a claim is refused and then
// found gone: it expired or was given up between the write and the read.
const maxClaimTries = 3

// claim takes c for r. It returns nil when r now holds the claim, or the
// holder of an earlier, unexpired claim.
func (s *Store) claim(ctx context.Context, c *claim, r appointment.Request, fingerprint string, now time.Time) (*holder, error) {
	put := s.claimPut(c, r, fingerprint, now)
	put.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	for try := 1; ; try++ {
		_, err := s.client.PutItem(ctx, put)
		if err == nil {
			return nil, nil
		}
		var failed *types.ConditionalCheckFailedException
		if !errors.As(err, &failed) {
			return nil, unavailable("claim "+c.sk, err)
		}
		old := failed.Item
		if old == nil {
			if old, err = s.getItem(ctx, c.pk, c.sk); err != nil {
				return nil, err
			}
		}
		if old != nil {
			return &holder{
				requestID:   stringAttr(old, "requestId"),
				reference:   stringAttr(old, "reference"),
				fingerprint: stringAttr(old, "fingerprint"),
			}, nil
		}
		if try == maxClaimTries {
			return nil, unavailable("claim "+c.sk, errors.New("claim kept changing hands"))
		}
	}
}

// complete makes sure the request holding a claim is stored and returns its
// receipt. r has the same fingerprint, so it carries the same details; it is
// stored under the holder's ID and reference only if the holder's own write
// has not happened yet.
func (s *Store) complete(ctx context.Context, r appointment.Request, h *holder, now time.Time) (appointment.Receipt, error) {
	// A claim naming r itself was taken by an earlier try of this call whose
	// answer was lost: that is r being stored, not a repeat.
	replayed := h.requestID != r.ID
	r.ID, r.Reference = h.requestID, h.reference
	if err := s.putRequest(ctx, r, now); err != nil {
		return appointment.Receipt{}, err
	}
	return appointment.Receipt{ID: r.ID, Reference: r.Reference, Replayed: replayed}, nil
}

// claimPut is the write that takes c for r.
func (s *Store) claimPut(c *claim, r appointment.Request, fingerprint string, now time.Time) *dynamodb.PutItemInput {
	item := key(c.pk, c.sk)
	item["type"] = str(map[string]string{"IDEM": "idempotency", "DEDUPE": "dedupe"}[c.sk])
	item["requestId"] = str(r.ID)
	item["reference"] = str(r.Reference)
	item["fingerprint"] = str(fingerprint)
	item[attrExpiresAt] = number(now.Add(c.window).Unix())
	return &dynamodb.PutItemInput{
		TableName: &s.table,
		Item:      item,
		// DynamoDB's time to live deletes expired items only eventually,
		// so an expired claim is taken over explicitly. A claim already
		// naming r is r's own, written by an attempt whose answer was lost.
		ConditionExpression: aws.String("attribute_not_exists(pk) OR expiresAt < :now OR requestId = :id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": number(now.Unix()),
			":id":  str(r.ID),
		},
	}
}

// requestPut is the write that stores r if no request with its ID exists.
func (s *Store) requestPut(r appointment.Request, now time.Time) *dynamodb.PutItemInput {
	return &dynamodb.PutItemInput{
		TableName:           &s.table,
		Item:                requestItem(r, now.Add(s.retention)),
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}
}

// putRequest writes r if no request with its ID exists.
func (s *Store) putRequest(ctx context.Context, r appointment.Request, now time.Time) error {
	_, err := s.client.PutItem(ctx, s.requestPut(r, now))
	var exists *types.ConditionalCheckFailedException
	if errors.As(err, &exists) {
		return nil
	}
	if err != nil {
		return unavailable("store request", err)
	}
	return nil
}

// repoint makes a claim held by requestID name h's request instead.
func (s *Store) repoint(ctx context.Context, c *claim, requestID string, h *holder) error {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           &s.table,
		Key:                 key(c.pk, c.sk),
		UpdateExpression:    aws.String("SET requestId = :new, #ref = :ref"),
		ConditionExpression: aws.String("requestId = :mine"),
		// "reference" is one of DynamoDB's reserved words.
		ExpressionAttributeNames: map[string]string{"#ref": "reference"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":new":  str(h.requestID),
			":ref":  str(h.reference),
			":mine": str(requestID),
		},
	})
	var moved *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &moved) {
		return unavailable("repoint claim", err)
	}
	return nil
}

// release gives up the claims requestID holds, as far as DynamoDB lets it.
// It runs after a failure, so it gets a moment of its own even when the
// request's deadline has passed, and its own failures are not reported:
// a claim left behind is completed by the next submission that finds it.
func (s *Store) release(ctx context.Context, requestID string, claims ...*claim) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 500*time.Millisecond)
	defer cancel()
	for _, c := range claims {
		if c == nil {
			continue
		}
		_, _ = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName:                 &s.table,
			Key:                       key(c.pk, c.sk),
			ConditionExpression:       aws.String("requestId = :mine"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":mine": str(requestID)},
		})
	}
}

func (s *Store) getItem(ctx context.Context, pk, sk string) (map[string]types.AttributeValue, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            key(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, unavailable("read "+pk[:strings.IndexByte(pk, '#')], err)
	}
	return out.Item, nil
}

// Count adds delta to the counter named name for the window of the given
// length that starts at windowStart, and returns the counter's new value.
// Each window has its own item, updated atomically with ADD, so concurrent
// callers each see a distinct value; the item expires a window after the
// window ends. A negative delta gives back what an earlier call counted.
func (s *Store) Count(ctx context.Context, name string, windowStart time.Time, window time.Duration, delta int) (int, error) {
	in := counterUpdate(name, windowStart, window, delta)
	in.TableName = &s.table
	in.ReturnValues = types.ReturnValueUpdatedNew
	out, err := s.client.UpdateItem(ctx, in)
	if err != nil {
		return 0, unavailable("count", err)
	}
	n, _ := numberAttr(out.Attributes, "count")
	return int(n), nil
}

// Decoy remembers that the decoy named name was answered in the window
// that starts at windowStart, as a counter of that name (the counter the
// one-write path, Spend, counts it on), and reports whether it had been
// already. Like a claim, it is one write to one item, which DynamoDB's TTL
// drops after the window.
func (s *Store) Decoy(ctx context.Context, name string, windowStart time.Time, window time.Duration) (bool, error) {
	n, err := s.Count(ctx, name, windowStart, window, 1)
	return n > 1, err
}

// CounterPrefix is how the partition keys of the named counter's items
// begin, one item per window: what an IAM condition on
// dynamodb:LeadingKeys names to let a function update that counter and no
// other item.
func CounterPrefix(name string) string { return "RATE#" + name + "#" }

func idempotencyPK(k string) string {
	sum := sha256.Sum256([]byte(k))
	return "IDEM#" + hex.EncodeToString(sum[:])
}

// unavailable marks err as a failure of DynamoDB itself: throttling, a
// server error or a broken connection that the SDK's retries did not get
// past, or the handler running out of time. A request DynamoDB refused as
// invalid is a fault of this program and is returned as it is.
func unavailable(op string, err error) error {
	var resp *smithyhttp.ResponseError
	var apiErr smithy.APIError
	if errors.As(err, &resp) && resp.HTTPStatusCode() < 500 && !(errors.As(err, &apiErr) && isThrottle(apiErr.ErrorCode())) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%s: %w: %w", op, appointment.ErrUnavailable, err)
}

func isThrottle(code string) bool {
	switch code {
	case "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded":
		return true
	}
	return false
}
