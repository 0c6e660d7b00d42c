package dynamo

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"example.com/appointments/internal/appointment"
)

func storedRequest(t *testing.T, tb *table) (*Store, appointment.Request) {
	t.Helper()
	s := newStore(tb.client, tb.name, now)
	r := request(t, "x")
	if _, err := s.Create(context.Background(), r, dedupe(r, "")); err != nil {
		t.Fatal(err)
	}
	return s, r
}

func TestEmailLease(t *testing.T) {
	tb := newTable(t)
	s, r := storedRequest(t, tb)
	ctx := context.Background()
	until := now.Add(time.Minute)

	ok, _, err := s.ClaimEmail(ctx, r.ID, "patient", "lease-a", until, now)
	if err != nil || !ok {
		t.Fatalf("first claim = %v, %v", ok, err)
	}
	// While the lease holds, nobody else may claim the email.
	ok, cur, err := s.ClaimEmail(ctx, r.ID, "patient", "lease-b", now.Add(2*time.Minute), now.Add(30*time.Second))
	if err != nil || ok || cur.State != appointment.DeliverySending || cur.Lease != "lease-a" || !cur.LeaseUntil.Equal(until) {
		t.Fatalf("claim under lease = %v %+v %v", ok, cur, err)
	}
	// The other email of the request is independent.
	if ok, _, err := s.ClaimEmail(ctx, r.ID, "frontDesk", "lease-c", until, now); err != nil || !ok {
		t.Fatalf("claim other email = %v, %v", ok, err)
	}
	// Once the lease has run out, another sender takes over, and the first
	// may no longer record an outcome.
	ok, _, err = s.ClaimEmail(ctx, r.ID, "patient", "lease-b", now.Add(3*time.Minute), now.Add(2*time.Minute))
	if err != nil || !ok {
		t.Fatalf("claim after lease = %v, %v", ok, err)
	}
	if err := s.MarkEmailSent(ctx, r.ID, "patient", "lease-a", "msg-a", now); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("MarkEmailSent with lost lease = %v, want ErrLeaseLost", err)
	}
	if err := s.MarkEmailSent(ctx, r.ID, "patient", "lease-b", "msg-b", now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	d, err := s.Delivery(ctx, r.ID, "patient")
	if err != nil || d.State != appointment.DeliverySent || d.MessageID != "msg-b" || !d.At.Equal(now.Add(2*time.Minute)) {
		t.Errorf("Delivery() = %+v, %v", d, err)
	}
	// A sent email is never claimed again, however late.
	if ok, cur, _ := s.ClaimEmail(ctx, r.ID, "patient", "lease-d", now.Add(time.Hour), now.Add(time.Hour)); ok || cur.State != appointment.DeliverySent {
		t.Errorf("claim of sent email = %v %+v", ok, cur)
	}

	if err := s.MarkEmailFailed(ctx, r.ID, "frontDesk", "lease-c", "MessageRejected: nope", now); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Delivery(ctx, r.ID, "frontDesk"); d.State != appointment.DeliveryFailed || d.Reason != "MessageRejected: nope" {
		t.Errorf("failed delivery = %+v", d)
	}
	if ok, _, _ := s.ClaimEmail(ctx, r.ID, "frontDesk", "lease-e", now.Add(time.Hour), now.Add(time.Hour)); ok {
		t.Error("failed email claimed again")
	}
}

func TestReleaseEmail(t *testing.T) {
	tb := newTable(t)
	s, r := storedRequest(t, tb)
	ctx := context.Background()
	if ok, _, _ := s.ClaimEmail(ctx, r.ID, "patient", "a", now.Add(time.Minute), now); !ok {
		t.Fatal("claim failed")
	}
	if err := s.ReleaseEmail(ctx, r.ID, "patient", "someone-else"); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("release by another = %v", err)
	}
	if err := s.ReleaseEmail(ctx, r.ID, "patient", "a"); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := s.ClaimEmail(ctx, r.ID, "patient", "b", now.Add(time.Minute), now); !ok || err != nil {
		t.Errorf("claim after release = %v, %v", ok, err)
	}
}

func TestClaimEmailOfMissingRequest(t *testing.T) {
	tb := newTable(t)
	s := newStore(tb.client, tb.name, now)
	ok, cur, err := s.ClaimEmail(context.Background(), "gone", "patient", "a", now.Add(time.Minute), now)
	if err != nil || ok || cur.State != "" {
		t.Errorf("ClaimEmail(missing) = %v %+v %v", ok, cur, err)
	}
}

func TestStreamReader(t *testing.T) {
	tb := newTable(t)
	s, r := storedRequest(t, tb)
	ctx := context.Background()
	desc, err := tb.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &tb.name})
	if err != nil {
		t.Fatal(err)
	}
	reader := NewStreamReader(dynamodbstreams.NewFromConfig(tb.server.AWSConfig()), *desc.Table.LatestStreamArn)

	recs, err := reader.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var inserts []appointment.Request
	for _, rec := range recs {
		if rec.EventName == "INSERT" && IsRequest(rec.Change.NewImage) {
			got, err := RequestFromImage(rec.Change.NewImage)
			if err != nil {
				t.Fatal(err)
			}
			inserts = append(inserts, got)
		}
		if rec.Change.SequenceNumber == "" {
			t.Errorf("record %s has no sequence number", rec.EventID)
		}
	}
	if len(inserts) != 1 || inserts[0].ID != r.ID || inserts[0].Fingerprint() != r.Fingerprint() || !inserts[0].CreatedAt.Equal(r.CreatedAt) {
		t.Fatalf("request inserts = %+v, want the stored request", inserts)
	}

	if _, _, err := s.ClaimEmail(ctx, r.ID, "patient", "a", now.Add(time.Minute), now); err != nil {
		t.Fatal(err)
	}
	recs, err = reader.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].EventName != "MODIFY" {
		t.Errorf("after a delivery update: %d records (%v), want one MODIFY", len(recs), recs)
	}
}
