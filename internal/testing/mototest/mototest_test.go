package mototest_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	sestypes "github.com/aws/aws-sdk-go-v2/service/ses/types"

	"example.com/appointments/internal/testing/mototest"
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

// TestSerialWrites races conditional writes for one key through the serial
// transport: exactly one may win, as on DynamoDB. A
// protocol that reads and then writes in separate calls still races, since
// only each single write is serialized.
func TestSerialWrites(t *testing.T) {
	tests := []struct {
		name string
		// readFirst makes each caller read the item, wait until all have
		// read it, and then write without a condition.
		readFirst   bool
		wantWinners int
	}{
		{name: "conditional write", wantWinners: 1},
		{name: "read then write", readFirst: true, wantWinners: 20},
	}
	srv := mototest.Start(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Reset(t)
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			cfg := srv.AWSConfig()
			cfg.HTTPClient = &http.Client{Transport: srv.SerialTransport(nil)}
			db := dynamodb.NewFromConfig(cfg)
			if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
				TableName:            aws.String("claims"),
				AttributeDefinitions: []dbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: dbtypes.ScalarAttributeTypeS}},
				KeySchema:            []dbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: dbtypes.KeyTypeHash}},
				BillingMode:          dbtypes.BillingModePayPerRequest,
			}); err != nil {
				t.Fatalf("create table: %v", err)
			}

			const n = 20
			key := map[string]dbtypes.AttributeValue{"pk": &dbtypes.AttributeValueMemberS{Value: "claim"}}
			var read sync.WaitGroup
			read.Add(n)
			won := make([]bool, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					in := &dynamodb.PutItemInput{
						TableName: aws.String("claims"),
						Item:      map[string]dbtypes.AttributeValue{"pk": key["pk"], "owner": &dbtypes.AttributeValueMemberN{Value: strconv.Itoa(i)}},
					}
					if tt.readFirst {
						out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("claims"), Key: key, ConsistentRead: aws.Bool(true)})
						read.Done()
						if err != nil {
							errs[i] = err
							return
						}
						read.Wait()
						if out.Item != nil {
							return
						}
					} else {
						in.ConditionExpression = aws.String("attribute_not_exists(pk)")
					}
					_, err := db.PutItem(ctx, in)
					var failed *dbtypes.ConditionalCheckFailedException
					switch {
					case err == nil:
						won[i] = true
					case !errors.As(err, &failed):
						errs[i] = err
					}
				})
			}
			wg.Wait()

			winners := 0
			for i := range n {
				if errs[i] != nil {
					t.Errorf("caller %d: %v", i, errs[i])
				}
				if won[i] {
					winners++
				}
			}
			if winners != tt.wantWinners {
				t.Errorf("%d callers wrote the item, want %d", winners, tt.wantWinners)
			}
		})
	}
}
