package dynamo

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/storetest"
)

func storedRequest(t *testing.T, tb *table) (*Store, appointment.Request) {
	t.Helper()
	s := newStore(tb.client, tb.name, now)
	r := storetest.Request("x", now)
	if _, err := s.Create(context.Background(), r, dedupe(r, "")); err != nil {
		t.Fatal(err)
	}
	return s, r
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

func TestRequestImageRoundTrip(t *testing.T) {
	r := storetest.Request("Line one\nLine two", now)
	r.Deliveries = map[string]appointment.Delivery{
		"patient":   {State: appointment.DeliverySent, MessageID: "m-1", At: now},
		"frontDesk": {State: appointment.DeliverySending, Lease: "l", LeaseUntil: now.Add(time.Minute)},
	}
	got, err := RequestFromImage(RequestImage(r, now.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	if got.Fingerprint() != r.Fingerprint() || got.ID != r.ID || !got.CreatedAt.Equal(r.CreatedAt) {
		t.Errorf("round trip = %+v, want %+v", got, r)
	}
	if p := got.Deliveries["patient"]; p.State != appointment.DeliverySent || p.MessageID != "m-1" || !p.At.Equal(now) {
		t.Errorf("patient delivery = %+v", p)
	}
	if f := got.Deliveries["frontDesk"]; f.Lease != "l" || !f.LeaseUntil.Equal(now.Add(time.Minute)) {
		t.Errorf("front desk delivery = %+v", f)
	}
}
