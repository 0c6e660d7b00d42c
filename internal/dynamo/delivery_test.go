package dynamo

import (
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/storetest"
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
