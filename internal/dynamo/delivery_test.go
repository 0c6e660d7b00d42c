package dynamo

import (
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/testing/storetest"
)

func TestRequestImageRoundTrip(t *testing.T) {
	r := storetest.Request("Line one\nLine two", now)
	r.Deliveries = map[appointment.EmailKind]appointment.Delivery{
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

func TestChangeOf(t *testing.T) {
	r := storetest.Request("x", now)
	image := RequestImage(r, now.Add(time.Hour))
	other := map[string]events.DynamoDBAttributeValue{"pk": events.NewStringAttribute("RATE#x"), "type": events.NewStringAttribute("counter")}
	record := func(event string, old, new map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
		return events.DynamoDBEventRecord{EventName: event, Change: events.DynamoDBStreamRecord{OldImage: old, NewImage: new}}
	}
	tests := []struct {
		name                 string
		rec                  events.DynamoDBEventRecord
		event                appointment.ChangeEvent
		before, after, isNew bool
	}{
		{"new request", record("INSERT", nil, image), appointment.ChangeCreated, false, true, true},
		{"delivery update", record("MODIFY", image, image), appointment.ChangeModified, true, true, false},
		{"update seen without its old image", record("MODIFY", nil, image), appointment.ChangeModified, false, true, false},
		{"expired", record("REMOVE", image, nil), appointment.ChangeRemoved, true, false, false},
		{"counter", record("INSERT", nil, other), appointment.ChangeCreated, false, false, false},
	}
	for _, tt := range tests {
		c, err := ChangeOf(tt.rec)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if c.Event != tt.event || (c.Before != nil) != tt.before || (c.After != nil) != tt.after || c.IsCreation() != tt.isNew {
			t.Errorf("%s: ChangeOf() = %+v", tt.name, c)
		}
		if c.After != nil && c.After.ID != r.ID {
			t.Errorf("%s: request %s, want %s", tt.name, c.After.ID, r.ID)
		}
	}
	broken := map[string]events.DynamoDBAttributeValue{"type": events.NewStringAttribute("request")}
	if _, err := ChangeOf(record("INSERT", nil, broken)); err == nil {
		t.Error("ChangeOf accepted a request image without an ID")
	}
}
