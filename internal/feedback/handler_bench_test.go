package feedback_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/feedback"
	"example.com/appointments/internal/metrics"
	"example.com/appointments/internal/testing/awsstub"
)

// BenchmarkFeedbackHandler measures SES's delivery, bounce and complaint
// events, in turn, through the whole handler as FeedbackFunction builds
// it: the event read, and the outcome recorded on the email its tags name
// with the real DynamoDB store over the SDK's client, against a loopback
// stub. The events are the sample events of infra/events. Allocations
// include the stub's own, which runs in the same process.
func BenchmarkFeedbackHandler(b *testing.B) {
	stub, err := awsstub.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stub.Close() })
	var samples []events.EventBridgeEvent
	for _, name := range []string{"feedback-delivery.json", "feedback-bounce.json", "feedback-complaint.json"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "infra", "events", name))
		if err != nil {
			b.Fatal(err)
		}
		var e events.EventBridgeEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		samples = append(samples, e)
	}
	store := dynamo.New(dynamodb.NewFromConfig(stub.AWSConfig()), "requests", 0)
	h := feedback.New(store, []byte(awsstub.Secret), slog.New(slog.NewJSONHandler(io.Discard, nil)), metrics.New(io.Discard, "ClinicAppointments"))

	ctx := context.Background()
	before := stub.Calls()["DynamoDB.UpdateItem"]
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := h.Handle(ctx, samples[i%len(samples)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	if n := stub.Calls()["DynamoDB.UpdateItem"] - before; n != b.N {
		b.Fatalf("%d outcomes recorded for %d events, want one each", n, b.N)
	}
}
