package digest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	sesapi "github.com/aws/aws-sdk-go-v2/service/ses"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/digest"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/metrics"
	"example.com/appointments/internal/ses"
	"example.com/appointments/internal/testing/awsstub"
)

// BenchmarkDigestHandler measures one morning digest of ten open requests
// through the whole handler as DigestFunction builds it: the open requests
// read from the status index, the day claimed, the digest composed with
// signed links and sent through the real SES sender, with the real
// DynamoDB store, all over the SDK's clients against a loopback stub,
// which takes every day's claim as the first. Allocations include the
// stub's own, which runs in the same process.
func BenchmarkDigestHandler(b *testing.B) {
	stub, err := awsstub.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stub.Close() })
	ctx := context.Background()
	cfg := stub.AWSConfig()
	p, err := clinic.Default()
	if err != nil {
		b.Fatal(err)
	}
	signer, err := actionlink.New([]byte(awsstub.Secret))
	if err != nil {
		b.Fatal(err)
	}
	links := func(id string, a appointment.Action) string {
		return "https://api.example.com" + signer.Path(id, a, time.Now())
	}
	composer, err := email.NewComposer(p, email.Settings{
		Sender: "appointments@example.com", FrontDesk: []string{"frontdesk@example.com"},
		Links: links, StaffDetail: email.StaffDetailFull,
	})
	if err != nil {
		b.Fatal(err)
	}
	store := dynamo.New(dynamodb.NewFromConfig(cfg), "requests", 365)
	for i := range 10 {
		r := appointment.Request{
			ID: appointment.NewID(), Reference: appointment.NewReference(),
			FirstName: "Jordan", LastName: fmt.Sprintf("Rivera %d", i), Email: fmt.Sprintf("jordan%d@example.com", i), Phone: "+13035550142",
			Service: "dry-needling", Location: "main", PreferredDays: []string{"mon"}, PreferredTimes: []string{"morning"},
			ContactMethod: "phone", Status: appointment.StatusReceived, CreatedAt: time.Now().UTC().Add(-time.Duration(i) * 7 * time.Hour),
		}
		if _, err := store.Create(ctx, r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
			b.Fatal(err)
		}
	}
	mail := sesapi.NewFromConfig(cfg, func(o *sesapi.Options) { o.Retryer = aws.NopRetryer{} })
	h := digest.New(store, ses.New(mail, "appointments"), composer, p, slog.New(slog.NewJSONHandler(io.Discard, nil)), metrics.New(io.Discard, "ClinicAppointments"))

	before := stub.Calls()["SES.SendRawEmail"]
	b.ReportAllocs()
	for b.Loop() {
		if err := h.Handle(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
	if sent := stub.Calls()["SES.SendRawEmail"] - before; sent != b.N {
		b.Fatalf("%d digests sent in %d invocations, want one each", sent, b.N)
	}
}
