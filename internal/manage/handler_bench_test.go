package manage_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/manage"
	"example.com/appointments/internal/testing/awsstub"
)

// BenchmarkManageHandler measures the front desk opening a request's
// "mark as contacted" link: the token verified, the request read through
// the real DynamoDB store over the SDK's client, against a loopback stub,
// and the page rendered. Allocations include the stub's own, which runs
// in the same process.
func BenchmarkManageHandler(b *testing.B) {
	stub, err := awsstub.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stub.Close() })
	ctx := context.Background()
	p, err := clinic.Default()
	if err != nil {
		b.Fatal(err)
	}
	links, err := actionlink.New([]byte(awsstub.Secret))
	if err != nil {
		b.Fatal(err)
	}
	store := dynamo.New(dynamodb.NewFromConfig(stub.AWSConfig()), "requests", 365)
	yes := true
	r := appointment.Request{
		ID: appointment.NewID(), Reference: appointment.NewReference(),
		FirstName: "Jordan", LastName: "Rivera", Email: "jordan.rivera@example.com", Phone: "+13035550142",
		Service: "dry-needling", Location: "main", PreferredDays: []string{"mon", "wed"}, PreferredTimes: []string{"morning"},
		NewPatient: &yes, ContactMethod: "phone", Reason: "Tight shoulder after climbing season.",
		Status: appointment.StatusReceived, CreatedAt: time.Now().UTC().Add(-time.Hour),
	}
	if _, err := store.Create(ctx, r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
		b.Fatal(err)
	}
	h := manage.New(links, appointment.Rules{Profile: p, ReschedulesPerDay: 5}, store, slog.New(slog.NewJSONHandler(io.Discard, nil)))

	req := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "GET /manage/{action}/{token}", RawPath: links.Path(r.ID, appointment.ActionContact, time.Now())}
	req.RequestContext.HTTP.Method = http.MethodGet
	b.ReportAllocs()
	for b.Loop() {
		resp, err := h.Handle(ctx, req)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("Handle() = %d, %v: %s", resp.StatusCode, err, resp.Body)
		}
	}
}
