package notify

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/email"
)

// TestSampleEvents handles the real stream payloads in infra/events: a new
// request calls for both emails, and a deletion by the table's time to
// live for none.
func TestSampleEvents(t *testing.T) {
	tests := []struct {
		event string
		sent  int
	}{
		{"notify-new-request.json", 2},
		{"notify-ttl-removal.json", 0},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "..", "infra", "events", tt.event))
			if err != nil {
				t.Fatal(err)
			}
			var e events.DynamoDBEvent
			if err := json.Unmarshal(b, &e); err != nil {
				t.Fatal(err)
			}
			f := newFixture()
			resp, err := f.h.Handle(context.Background(), e)
			if err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("Handle() = %+v, %v", resp, err)
			}
			if got := f.sender.count(); got != tt.sent {
				t.Errorf("sent %d emails, want %d", got, tt.sent)
			}
			if tt.sent > 0 {
				id := e.Records[0].Change.NewImage["id"].String()
				for _, kind := range []email.Kind{email.Patient, email.FrontDesk} {
					if d := f.deliveries.state(id, kind); d.State != appointment.DeliverySent {
						t.Errorf("%s delivery = %+v", kind, d)
					}
				}
			}
		})
	}
}
