package dynamostreams

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/testing/mototest"
	"example.com/appointments/internal/testing/storetest"
)

// TestReader reads a real table's stream, as moto serves it: a stored
// request arrives as an INSERT whose image reads back as the request, and
// a later delivery update as one MODIFY.
func TestReader(t *testing.T) {
	srv := mototest.Start(t)
	ctx := context.Background()
	db := dynamodb.NewFromConfig(srv.AWSConfig())
	const table = "requests"
	streamARN := srv.CreateRequestsTable(t, table)
	now := storetest.T0
	s := dynamo.New(db, table, 365)
	s.SetClock(func() time.Time { return now })
	r := storetest.Request("x", now)
	if _, err := s.Create(ctx, r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	reader := NewReader(dynamodbstreams.NewFromConfig(srv.AWSConfig()), streamARN)

	recs, err := reader.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var inserts []appointment.Request
	for _, rec := range recs {
		if rec.EventName == "INSERT" && dynamo.IsRequest(rec.Change.NewImage) {
			got, err := dynamo.RequestFromImage(rec.Change.NewImage)
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
