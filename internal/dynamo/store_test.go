package dynamo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/testing/mototest"
	"example.com/appointments/internal/testing/storetest"
)

// table is a RequestsTable in a moto_server of its own.
type table struct {
	server *mototest.Server
	client *dynamodb.Client
	name   string
}

// newTable starts moto with the table. Every client of it lets one call at a
// time reach moto: DynamoDB applies each conditional write atomically, but
// moto under load can let two racing writes both pass one condition, and the
// concurrency tests are there to check the claim protocol, not moto.
func newTable(t testing.TB) *table {
	t.Helper()
	srv := mototest.Start(t)
	tb := &table{server: srv, name: "requests"}
	tb.client = tb.clientWith(http.DefaultTransport)
	srv.CreateRequestsTable(t, tb.name)
	return tb
}

// clientWith returns a client to the same server whose HTTP requests pass
// through rt, for injecting faults. Its calls hold the server's DynamoDB
// lock while they do, like those of every other client of the table.
func (tb *table) clientWith(rt http.RoundTripper) *dynamodb.Client {
	cfg := tb.server.AWSConfig()
	cfg.HTTPClient = &http.Client{Transport: tb.server.SerialTransport(rt)}
	return dynamodb.NewFromConfig(cfg)
}

// items returns every item of the given type in the table.
func (tb *table) items(t testing.TB, typ string) []map[string]types.AttributeValue {
	t.Helper()
	out, err := tb.client.Scan(context.Background(), &dynamodb.ScanInput{
		TableName:                 &tb.name,
		FilterExpression:          aws.String("#t = :t"),
		ExpressionAttributeNames:  map[string]string{"#t": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberS{Value: typ}},
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return out.Items
}

// now is when the tests happen, the contract suite's start.
var now = storetest.T0

func dedupe(r appointment.Request, key string) appointment.Dedupe {
	return appointment.Dedupe{IdempotencyKey: key, Fingerprint: r.Fingerprint()}
}

func newStore(c Client, name string, at time.Time) *Store {
	s := New(c, name, 30)
	s.now = func() time.Time { return at }
	return s
}

// TestContract runs the contract every store keeps against moto. Its
// ConcurrentSameKey scenario races twenty claims of one key; with each call
// applied atomically, as DynamoDB applies it, a second stored request can
// only come from the protocol.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock func() time.Time) storetest.Store {
		tb := newTable(t)
		s := New(tb.client, tb.name, 30)
		s.SetClock(clock)
		return s
	})
}

func TestCreateStoresRequest(t *testing.T) {
	tb := newTable(t)
	s := newStore(tb.client, tb.name, now)
	r := storetest.Request("Tight shoulder.\nWorse at night.", now)
	r.PhoneExtension = "12"

	receipt, err := s.Create(context.Background(), r, dedupe(r, "key-1"))
	if err != nil {
		t.Fatalf("Create() error = %v", err)
	}
	if receipt != (appointment.Receipt{ID: r.ID, Reference: r.Reference}) {
		t.Errorf("receipt = %+v", receipt)
	}

	stored := tb.items(t, "request")
	if len(stored) != 1 {
		t.Fatalf("%d request items, want 1", len(stored))
	}
	item := stored[0]
	want := map[string]string{
		"pk": "REQ#" + r.ID, "sk": "REQUEST", "id": r.ID, "reference": r.Reference, "status": "received",
		"createdAt": "2026-11-27T16:30:00.000Z", "consentedAt": "2026-11-27T16:30:00.000Z",
		"firstName": "Jordan", "lastName": "Rivera", "email": "jordan@example.com", "phone": "+13035550142",
		"phoneExtension": "12", "service": "dry-needling", "location": "main", "contactMethod": "phone",
		"reason": "Tight shoulder.\nWorse at night.",
	}
	for k, v := range want {
		if got := stringAttr(item, k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if got := strings.Join(listAttr(item, "preferredDays"), ","); got != "mon,wed" {
		t.Errorf("preferredDays = %s", got)
	}
	if b, ok := item["newPatient"].(*types.AttributeValueMemberBOOL); !ok || !b.Value {
		t.Errorf("newPatient = %v", item["newPatient"])
	}
	if exp, _ := numberAttr(item, "expiresAt"); exp != now.Add(30*24*time.Hour).Unix() {
		t.Errorf("expiresAt = %d, want 30 days on", exp)
	}

	idem := tb.items(t, "idempotency")
	dd := tb.items(t, "dedupe")
	if len(idem) != 1 || len(dd) != 1 {
		t.Fatalf("%d idempotency and %d dedupe records, want 1 each", len(idem), len(dd))
	}
	if exp, _ := numberAttr(idem[0], "expiresAt"); exp != now.Add(24*time.Hour).Unix() {
		t.Errorf("idempotency expiresAt = %d", exp)
	}
	if exp, _ := numberAttr(dd[0], "expiresAt"); exp != now.Add(10*time.Minute).Unix() {
		t.Errorf("dedupe expiresAt = %d", exp)
	}
	if strings.Contains(stringAttr(idem[0], "pk"), "key-1") {
		t.Error("idempotency key stored in the clear")
	}

	got, err := s.Get(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Fingerprint() != r.Fingerprint() || got.ID != r.ID || !got.CreatedAt.Equal(r.CreatedAt) {
		t.Errorf("Get() = %+v, want %+v", got, r)
	}
	if _, err := s.Get(context.Background(), "missing"); !errors.Is(err, appointment.ErrNotFound) {
		t.Errorf("Get(missing) error = %v", err)
	}
}

// faults is an HTTP transport in front of moto that fails chosen DynamoDB
// operations.
type faults struct {
	next http.RoundTripper
	// fail decides, per call of an operation, whether and how to fail it.
	fail  func(op string, call int) fault
	mu    sync.Mutex
	calls map[string]int
	sent  atomic.Int32
}

type fault int

const (
	pass fault = iota
	// serverError answers 500 without forwarding the request.
	serverError
	// lostResponse forwards the request, then drops moto's answer, as when
	// a connection breaks after DynamoDB has acted.
	lostResponse
	// canceled answers that a transaction was cancelled by a condition,
	// without forwarding the request, so that nothing is written.
	canceled
)

func (f *faults) RoundTrip(req *http.Request) (*http.Response, error) {
	op := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[op]++
	call := f.calls[op]
	f.mu.Unlock()

	if f.fail(op, call) == canceled {
		body := `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled","CancellationReasons":[{"Code":"ConditionalCheckFailed"}]}`
		return &http.Response{
			StatusCode: 400,
			Header:     http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
			Body:       io.NopCloser(strings.NewReader(body)),
			Request:    req,
		}, nil
	}
	switch f.fail(op, call) {
	case serverError:
		return &http.Response{
			StatusCode: http.StatusInternalServerError,
			Header:     http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
			Body:       http.NoBody,
			Request:    req,
		}, nil
	case lostResponse:
		resp, err := f.next.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
			f.sent.Add(1)
		}
		return nil, fmt.Errorf("connection reset after %s was sent", op)
	}
	f.sent.Add(1)
	return f.next.RoundTrip(req)
}

func (f *faults) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func TestDynamoDBDownIsUnavailable(t *testing.T) {
	tb := newTable(t)
	ft := &faults{next: http.DefaultTransport, fail: func(string, int) fault { return serverError }}
	s := newStore(tb.clientWith(ft), tb.name, now)
	r := storetest.Request("x", now)

	_, err := s.Create(context.Background(), r, dedupe(r, "k"))
	if !errors.Is(err, appointment.ErrUnavailable) {
		t.Fatalf("Create() error = %v, want ErrUnavailable", err)
	}
	if got := ft.count("PutItem"); got < 2 {
		t.Errorf("PutItem tried %d times, want the SDK's retries", got)
	}
	for _, typ := range []string{"request", "idempotency", "dedupe"} {
		if n := len(tb.items(t, typ)); n != 0 {
			t.Errorf("%d %s items written, want none", n, typ)
		}
	}
	if _, err := s.Count(context.Background(), "c", now, time.Hour, 1); !errors.Is(err, appointment.ErrUnavailable) {
		t.Errorf("Count() error = %v, want ErrUnavailable", err)
	}
}

// TestLostResponseIsNotADuplicate: DynamoDB applied each write but its
// answer was lost, so the SDK sent the write again: the key claim, the
// fingerprint claim and the request itself, in turn. The caller must
// get the request's own receipt, not a replay and not an error, and only one
// request may exist.
func TestLostResponseIsNotADuplicate(t *testing.T) {
	tb := newTable(t)
	ft := &faults{next: http.DefaultTransport, fail: func(op string, call int) fault {
		if op == "PutItem" && call%2 == 1 {
			return lostResponse
		}
		return pass
	}}
	s := newStore(tb.clientWith(ft), tb.name, now)
	r := storetest.Request("x", now)

	receipt, err := s.Create(context.Background(), r, dedupe(r, "k"))
	if err != nil {
		t.Fatalf("Create() error = %v", err)
	}
	if receipt.ID != r.ID || receipt.Replayed {
		t.Errorf("receipt = %+v, want the request's own", receipt)
	}
	if got := ft.count("PutItem"); got != 6 {
		t.Fatalf("PutItem sent %d times, want 3 writes each sent twice", got)
	}
	if n := len(tb.items(t, "request")); n != 1 {
		t.Errorf("%d requests stored, want 1", n)
	}
}

// TestFailedRequestWriteReleasesClaims: the claims were taken but the
// request could not be written. Nothing may stay behind, and the patient's
// retry must store the request.
func TestFailedRequestWriteReleasesClaims(t *testing.T) {
	tb := newTable(t)
	ft := &faults{next: http.DefaultTransport, fail: func(op string, call int) fault {
		// PutItem 1 and 2 are the claims; every try of the request fails.
		if op == "PutItem" && call > 2 {
			return serverError
		}
		return pass
	}}
	r := storetest.Request("x", now)
	_, err := newStore(tb.clientWith(ft), tb.name, now).Create(context.Background(), r, dedupe(r, "k"))
	if !errors.Is(err, appointment.ErrUnavailable) {
		t.Fatalf("Create() error = %v, want ErrUnavailable", err)
	}
	for _, typ := range []string{"request", "idempotency", "dedupe"} {
		if n := len(tb.items(t, typ)); n != 0 {
			t.Errorf("%d %s items left behind, want none", n, typ)
		}
	}

	retry := storetest.Request("x", now)
	receipt, err := newStore(tb.client, tb.name, now).Create(context.Background(), retry, dedupe(retry, "k"))
	if err != nil || receipt.ID != retry.ID || receipt.Replayed {
		t.Fatalf("retry = %+v, %v", receipt, err)
	}
	if n := len(tb.items(t, "request")); n != 1 {
		t.Errorf("%d requests after the retry, want 1", n)
	}
}

// TestClaimLeftBehindIsCompleted: the request write and the release both
// failed, so a claim names a request that does not exist. The retry must
// store that request rather than replay an answer for nothing.
func TestClaimLeftBehindIsCompleted(t *testing.T) {
	tb := newTable(t)
	ft := &faults{next: http.DefaultTransport, fail: func(op string, call int) fault {
		if (op == "PutItem" && call > 2) || op == "DeleteItem" {
			return serverError
		}
		return pass
	}}
	first := storetest.Request("x", now)
	if _, err := newStore(tb.clientWith(ft), tb.name, now).Create(context.Background(), first, dedupe(first, "k")); !errors.Is(err, appointment.ErrUnavailable) {
		t.Fatalf("Create() error = %v, want ErrUnavailable", err)
	}
	if n := len(tb.items(t, "idempotency")); n != 1 {
		t.Fatalf("%d key claims, want the one left behind", n)
	}

	retry := storetest.Request("x", now)
	receipt, err := newStore(tb.client, tb.name, now).Create(context.Background(), retry, dedupe(retry, "k"))
	if err != nil {
		t.Fatal(err)
	}
	if receipt.ID != first.ID || receipt.Reference != first.Reference {
		t.Errorf("receipt = %+v, want the claimed request %s", receipt, first.ID)
	}
	stored := tb.items(t, "request")
	if len(stored) != 1 || stringAttr(stored[0], "id") != first.ID {
		t.Errorf("stored %d requests, want exactly the claimed one", len(stored))
	}
}

// TestLegacyStatusTransitions: a request the first versions stored as
// "new" reads as received, and a transition from it is written.
func TestLegacyStatusTransitions(t *testing.T) {
	tb := newTable(t)
	s := newStore(tb.client, tb.name, now)
	ctx := context.Background()
	r := storetest.Request("legacy", now)
	if _, err := s.Create(ctx, r, dedupe(r, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &tb.name, Key: requestKey(r.ID),
		UpdateExpression:          aws.String("SET #status = :new"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":new": str("new")},
	}); err != nil {
		t.Fatal(err)
	}
	before, err := s.Get(ctx, r.ID)
	if err != nil || before.Status != appointment.StatusReceived {
		t.Fatalf("Get() = %s, %v; want received", before.Status, err)
	}
	after, _, err := before.Apply(appointment.Command{Action: appointment.ActionContact, Audience: appointment.AudienceFrontDesk}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Transition(ctx, before, after); err != nil {
		t.Fatalf("Transition() from a legacy status = %v", err)
	}
	if got, _ := s.Get(ctx, r.ID); got.Status != appointment.StatusContacted || len(got.History) != 1 || got.History[0].From != appointment.StatusReceived {
		t.Errorf("after the transition: %+v", got)
	}
}

// TestListReadsPageByPage: List reads the index page after page until it
// has limit requests or the index has no more, as a query answers at most
// a page at a time; the day sheet reads more scheduled requests than a
// page holds.
func TestListReadsPageByPage(t *testing.T) {
	defer func(n int) { listPage = n }(listPage)
	listPage = 2
	tb := newTable(t)
	s := newStore(tb.client, tb.name, now)
	var want []string
	for i := range 5 {
		r := storetest.Request(fmt.Sprintf("request %d", i), now.Add(time.Duration(i)*time.Minute))
		if _, err := s.Create(context.Background(), r, dedupe(r, "")); err != nil {
			t.Fatal(err)
		}
		want = append(want, r.ID)
	}
	for _, tt := range []struct{ limit, want int }{{10, 5}, {5, 5}, {3, 3}, {1, 1}} {
		got, err := s.List(context.Background(), appointment.StatusReceived, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.ID)
		}
		if !slices.Equal(ids, want[:tt.want]) {
			t.Errorf("List(limit %d) = %v, want %v", tt.limit, ids, want[:tt.want])
		}
	}
}
