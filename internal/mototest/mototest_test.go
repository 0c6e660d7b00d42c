package mototest_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	sestypes "github.com/aws/aws-sdk-go-v2/service/ses/types"

	"example.com/appointments/internal/mototest"
)

func TestStart(t *testing.T) {
	srv := mototest.Start(t)

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	out, err := dynamodb.NewFromConfig(srv.AWSConfig()).ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("ListTables: %v", err)
	}
	if len(out.TableNames) != 0 {
		t.Errorf("ListTables on a fresh server = %v, want none", out.TableNames)
	}

	srv.Reset(t)
	if got := srv.RawEmails(t); len(got) != 0 {
		t.Errorf("RawEmails on a fresh server = %d, want none", len(got))
	}
}

func TestRawEmails(t *testing.T) {
	srv := mototest.Start(t)
	srv.PrepareSES(t, "appointments@example.com", "appointments")
	raw := "From: appointments@example.com\r\nTo: a@example.com\r\nSubject: Hello\r\n\r\nBody\r\n"
	_, err := ses.NewFromConfig(srv.AWSConfig()).SendRawEmail(t.Context(), &ses.SendRawEmailInput{
		Source:               aws.String("appointments@example.com"),
		Destinations:         []string{"a@example.com"},
		ConfigurationSetName: aws.String("appointments"),
		RawMessage:           &sestypes.RawMessage{Data: []byte(raw)},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.RawEmails(t)
	if len(got) != 1 || got[0].Source != "appointments@example.com" || len(got[0].Destinations) != 1 ||
		got[0].Destinations[0] != "a@example.com" || got[0].Message.Header.Get("Subject") != "Hello" {
		t.Errorf("RawEmails() = %+v", got)
	}
}
