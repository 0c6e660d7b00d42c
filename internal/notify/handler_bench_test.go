package notify_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	sesapi "github.com/aws/aws-sdk-go-v2/service/ses"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/config"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/metrics"
	"example.com/appointments/internal/notify"
	"example.com/appointments/internal/ses"
	"example.com/appointments/internal/testing/awsstub"
	"example.com/appointments/internal/wire"
)

// BenchmarkNotifyHandler measures one stream record of a new request
// through the whole handler as NotifyFunction builds it: the request read
// from the record, the hourly cap counted, the patient's address checked
// against the suppressions, both emails claimed, composed (with signed
// action links), sent through the real SES sender and recorded, with the
// real DynamoDB store, all over the SDK's clients against a loopback stub
// that accepts every call. Sends are not paced (pacing waits for SES's
// rate, which devtools/burst measures); allocations include the stub's own,
// which runs in the same process.
func BenchmarkNotifyHandler(b *testing.B) {
	stub, err := awsstub.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stub.Close() })
	ctx := context.Background()
	cfg := stub.AWSConfig()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	p, err := clinic.Default()
	if err != nil {
		b.Fatal(err)
	}
	links, err := wire.StartEmailLinks(ctx, secretsmanager.NewFromConfig(cfg), config.Links{
		KeySecretARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:links-AbCdEf", BaseURL: "https://api.example.com",
	}, log)()
	if err != nil {
		b.Fatal(err)
	}
	composer, err := email.NewComposer(p, email.Settings{
		Sender:      "appointments@example.com",
		FrontDesk:   []string{"frontdesk@example.com"},
		Links:       links,
		StaffDetail: email.StaffDetailFull,
	})
	if err != nil {
		b.Fatal(err)
	}
	store := dynamo.New(dynamodb.NewFromConfig(cfg), "requests", 0)
	mail := sesapi.NewFromConfig(cfg, func(o *sesapi.Options) { o.Retryer = aws.NopRetryer{} })
	h := notify.New(dynamo.ChangeOf, store, ses.New(mail, "appointments"), composer, log, metrics.New(io.Discard, "ClinicAppointments"))
	h.CapConfirmations(store, 200, time.Hour)
	h.CheckSuppressions(store, []byte(awsstub.Secret))

	yes := true
	r := appointment.Request{
		ID: appointment.NewID(), Reference: appointment.NewReference(),
		FirstName: "Jordan", LastName: "Rivera", Email: "jordan.rivera@example.com", Phone: "+13035550142",
		Service: "dry-needling", Location: "main", PreferredDays: []string{"mon", "wed"}, PreferredTimes: []string{"morning"},
		NewPatient: &yes, ContactMethod: "phone", Reason: "Tight shoulder after climbing season.",
		Status: appointment.StatusReceived, CreatedAt: time.Now().UTC(),
	}
	e := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{{
		EventID: "1", EventName: "INSERT", EventSource: "aws:dynamodb", AWSRegion: awsstub.Region,
		Change: events.DynamoDBStreamRecord{
			Keys:           map[string]events.DynamoDBAttributeValue{"pk": events.NewStringAttribute("REQ#" + r.ID), "sk": events.NewStringAttribute("REQUEST")},
			NewImage:       dynamo.RequestImage(r, r.CreatedAt.AddDate(1, 0, 0)),
			SequenceNumber: "100000000000000000001",
			StreamViewType: "NEW_AND_OLD_IMAGES",
		},
	}}}

	before := stub.Calls()["SES.SendRawEmail"]
	b.ReportAllocs()
	for b.Loop() {
		resp, err := h.Handle(ctx, e)
		if err != nil || len(resp.BatchItemFailures) > 0 {
			b.Fatalf("Handle() = %+v, %v", resp, err)
		}
	}
	if sent := stub.Calls()["SES.SendRawEmail"] - before; sent != 2*b.N {
		b.Fatalf("%d emails sent in %d invocations, want 2 each", sent, b.N)
	}
}
