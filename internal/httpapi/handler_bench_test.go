package httpapi

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/libphonenumber"
	"example.com/appointments/internal/metrics"
	"example.com/appointments/internal/testing/awsstub"
)

// BenchmarkDecodeValidate measures reading a JSON submission's body and
// validating it into an appointment.Request, with no storage: the part of
// a submission that is the handler's own work.
func BenchmarkDecodeValidate(b *testing.B) {
	p, err := clinic.Default()
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(validJSON)
	b.ReportAllocs()
	for b.Loop() {
		form, errs, err := decode(mediaJSON, nil, body)
		if err != nil || len(errs) > 0 {
			b.Fatal(err, errs)
		}
		if _, err := form.Validate(p, libphonenumber.Reader{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSubmitHandler measures one JSON submission through the whole
// handler as SubmitFunction builds it: the real DynamoDB store over the
// SDK's client, against a loopback stub that accepts every write, with the
// template's default limits, the metrics and the log written as in
// production (to nowhere). Allocations include the stub's own, which runs
// in the same process.
func BenchmarkSubmitHandler(b *testing.B) {
	stub, err := awsstub.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stub.Close() })
	p, err := clinic.Default()
	if err != nil {
		b.Fatal(err)
	}
	store := dynamo.New(dynamodb.NewFromConfig(stub.AWSConfig()), "requests", 365)
	h, err := New(Config{
		AllowedOrigins: []string{site},
		ThankYouURL:    site + "/thank-you",
		Accepted:       Limit{Max: 10, Window: time.Hour},
		Attempts:       Limit{Max: 60, Window: time.Hour},
		PerAddress:     Limit{Max: 3, Window: 24 * time.Hour},
		Key:            testKey,
		Phones:         libphonenumber.Reader{},
	}, p, store, slog.New(slog.NewJSONHandler(io.Discard, nil)), metrics.New(io.Discard, "ClinicAppointments"))
	if err != nil {
		b.Fatal(err)
	}
	e := jsonEvent(validJSON)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if resp, _ := h.Handle(ctx, e); resp.StatusCode != 201 {
			b.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
		}
	}
}
