package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/big"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/local/dynamostreams"
	"example.com/appointments/internal/testing/lambdatest"
	"example.com/appointments/internal/testing/mototest"
	"example.com/appointments/internal/testing/storetest"
)

const (
	table     = "requests"
	oldTable  = "requests-old"
	sender    = "appointments@example.com"
	frontDesk = "frontdesk@example.com"
	confSet   = "appointments-test"
)

// TestRedriveUnderEmulator runs the command against moto (DynamoDB and its
// stream, SQS, SES) and the notify bootstrap under the Lambda Runtime
// Interface Emulator, reached through the Lambda API as on AWS: two stored
// requests whose batch failed get their two emails each, once, and the
// message is deleted; a second copy of the message sends nothing more; a
// dry run changes nothing; messages whose records are gone stay.
func TestRedriveUnderEmulator(t *testing.T) {
	srv := mototest.Start(t)
	ctx := context.Background()
	cfg := srv.AWSConfig()
	streamARN := srv.CreateRequestsTable(t, table)
	srv.PrepareSES(t, sender, confSet)
	filter := templateFilter(t)

	// Two submissions, each a dedupe claim and then its request; the
	// batch Lambda gave up on is the two requests, with the second's
	// claim between them in the stream.
	store := dynamo.New(dynamodb.NewFromConfig(cfg), table, 365)
	store.SetClock(func() time.Time { return storetest.T0 })
	patients := []string{"jordan@example.com", "casey@example.com"}
	for i, addr := range patients {
		r := storetest.Request("climbing injury "+strconv.Itoa(i), storetest.T0)
		r.Email = addr
		if _, err := store.Create(ctx, r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
			t.Fatal(err)
		}
	}
	streams := dynamodbstreams.NewFromConfig(cfg)
	shard, recs := readShard(t, streams, streamARN)
	body := failureMessage(t, streamARN, shard, batchRecords(t, filter, streamARN, recs))
	if !strings.Contains(body, `"batchSize":2`) {
		t.Fatalf("the batch is not the two requests: %s", body)
	}

	// A batch of a table deleted since, whose stream has gone with it.
	oldARN := srv.CreateRequestsTable(t, oldTable)
	old := dynamo.New(dynamodb.NewFromConfig(cfg), oldTable, 365)
	r := storetest.Request("old", storetest.T0)
	if _, err := old.Create(ctx, r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	oldShard, oldRecs := readShard(t, streams, oldARN)
	goneBody := failureMessage(t, oldARN, oldShard, batchRecords(t, filter, oldARN, oldRecs))
	if _, err := dynamodb.NewFromConfig(cfg).DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(oldTable)}); err != nil {
		t.Fatal(err)
	}

	q := sqs.NewFromConfig(cfg)
	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("notify-dead-letters")})
	if err != nil {
		t.Fatal(err)
	}
	queueURL := aws.ToString(created.QueueUrl)
	send := func(body string) {
		t.Helper()
		if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &queueURL, MessageBody: &body}); err != nil {
			t.Fatal(err)
		}
	}
	inQueue := func() int {
		t.Helper()
		out, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &queueURL, AttributeNames: []sqstypes.QueueAttributeName{
			sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
		if err != nil {
			t.Fatal(err)
		}
		visible, _ := strconv.Atoi(out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)])
		hidden, _ := strconv.Atoi(out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])
		if hidden != 0 {
			t.Errorf("%d messages still hidden after the run", hidden)
		}
		return visible
	}
	emails := func() map[string]int {
		t.Helper()
		out := map[string]int{}
		for _, e := range srv.RawEmails(t) {
			out[strings.Join(e.Destinations, ",")]++
		}
		return out
	}

	// The command's AWS clients come from the SDK's default configuration,
	// as on an operator's machine: moto for every service, the emulator
	// for Lambda.
	emulator := startNotify(t, append(srv.Env(),
		"TABLE_NAME="+table,
		"SENDER_EMAIL="+sender,
		"FRONT_DESK_EMAIL="+frontDesk,
		"CONFIGURATION_SET_NAME="+confSet,
		"METRICS_NAMESPACE=ClinicAppointments",
	))
	home := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL":            srv.Endpoint,
		"AWS_ENDPOINT_URL_LAMBDA":     emulator,
		"AWS_REGION":                  mototest.Region,
		"AWS_ACCESS_KEY_ID":           "test",
		"AWS_SECRET_ACCESS_KEY":       "test",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_DEFAULT_PROFILE":         "",
		"AWS_CONFIG_FILE":             filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "credentials"),
	} {
		t.Setenv(k, v)
	}
	// The emulator serves Lambda's Invoke API for the function it runs,
	// which is named "function".
	args := []string{"-queue", queueURL, "-function", "function", "-template", filepath.Join(lambdatest.RepoRoot(t), "template.yaml")}
	redrive := func(extra ...string) (int, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := run(ctx, append(args, extra...), &stdout, &stderr)
		out := stdout.String() + stderr.String()
		t.Logf("redrive %s: exit status %d\n%s", strings.Join(extra, " "), code, out)
		checkNoPatientData(t, out)
		for _, addr := range append(patients, frontDesk) {
			if strings.Contains(out, addr) {
				t.Errorf("output names %s", addr)
			}
		}
		return code, out
	}
	want := map[string]int{patients[0]: 1, patients[1]: 1, frontDesk: 2}
	checkEmails := func(when string) {
		t.Helper()
		got := emails()
		if len(got) != len(want) {
			t.Errorf("%s: emails by recipient %v, want %v", when, got, want)
		}
		for to, n := range want {
			if got[to] != n {
				t.Errorf("%s: emails by recipient %v, want %v", when, got, want)
				break
			}
		}
	}

	send(body)
	if code, out := redrive("-dry-run"); code != 0 || !strings.Contains(out, "would invoke function with these 2 record(s)") {
		t.Errorf("dry run: exit status %d", code)
	}
	if got := emails(); len(got) != 0 {
		t.Errorf("the dry run sent %v", got)
	}
	if n := inQueue(); n != 1 {
		t.Errorf("after the dry run, %d messages in the queue, want 1", n)
	}

	if code, out := redrive(); code != 0 || !strings.Contains(out, "1 redriven and deleted") {
		t.Errorf("redrive: exit status %d", code)
	}
	checkEmails("after the redrive")
	if n := inQueue(); n != 0 {
		t.Errorf("after the redrive, %d messages in the queue, want 0", n)
	}

	// Lambda can report a batch more than once; the function's record of
	// each email on its request makes the second redrive send nothing.
	send(body)
	if code, _ := redrive(); code != 0 {
		t.Errorf("second redrive: exit status %d", code)
	}
	checkEmails("after a second copy")
	if n := inQueue(); n != 0 {
		t.Errorf("after the second copy, %d messages in the queue, want 0", n)
	}

	// Records the stream does not have: a batch past its last record (the
	// function's own writes included), and the batch of the deleted table.
	var past batchInfo
	if err := json.Unmarshal([]byte(body), &struct {
		B *batchInfo `json:"DDBStreamBatchInfo"`
	}{&past}); err != nil {
		t.Fatal(err)
	}
	_, recs = readShard(t, streams, streamARN)
	last, _ := sequenceNumber(aws.ToString(recs[len(recs)-1].Dynamodb.SequenceNumber))
	past.StartSequenceNumber = last.Add(last, big.NewInt(1)).String()
	past.EndSequenceNumber = past.StartSequenceNumber
	past.BatchSize = 1
	pastBody, err := json.Marshal(map[string]any{"DDBStreamBatchInfo": past})
	if err != nil {
		t.Fatal(err)
	}
	send(string(pastBody))
	send(goneBody)
	code, out := redrive()
	if code != 1 || !strings.Contains(out, "2 left: records gone from the stream") {
		t.Errorf("records gone: exit status %d", code)
	}
	if !strings.Contains(out, "no longer exists") || !strings.Contains(out, "no records up to sequence number "+past.EndSequenceNumber) {
		t.Errorf("the output does not say why the records are gone")
	}
	checkEmails("after the batches whose records are gone")
	if n := inQueue(); n != 2 {
		t.Errorf("%d messages in the queue, want the 2 whose records are gone", n)
	}
}

// readShard returns the stream's only shard and all its records.
func readShard(t *testing.T, client *dynamodbstreams.Client, arn string) (string, []streamtypes.Record) {
	t.Helper()
	ctx := context.Background()
	desc, err := client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(desc.StreamDescription.Shards); n != 1 {
		t.Fatalf("%d shards, want 1", n)
	}
	shard := desc.StreamDescription.Shards[0].ShardId
	it, err := client.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: &arn, ShardId: shard, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	out, err := client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(shard), out.Records
}

// batchRecords returns the records Lambda would pass the function: those
// the stream event's filter matches.
func batchRecords(t *testing.T, filter *dynamostreams.Filter, arn string, recs []streamtypes.Record) []streamtypes.Record {
	t.Helper()
	var out []streamtypes.Record
	for _, r := range recs {
		rec, err := dynamostreams.EventRecord(r, arn)
		if err != nil {
			t.Fatal(err)
		}
		ok, err := filter.Matches(rec)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		t.Fatal("no record passes the filter")
	}
	return out
}

// failureMessage is the message Lambda sends the on-failure destination
// for a batch of records it gave up on.
func failureMessage(t *testing.T, arn, shard string, batch []streamtypes.Record) string {
	t.Helper()
	first, last := batch[0].Dynamodb, batch[len(batch)-1].Dynamodb
	at := func(d *streamtypes.StreamRecord) string {
		if d.ApproximateCreationDateTime == nil {
			return ""
		}
		return d.ApproximateCreationDateTime.UTC().Format(time.RFC3339)
	}
	b, err := json.Marshal(map[string]any{
		"requestContext": map[string]any{
			"requestId":              "316aa6d0-8154-4b1e-9af7-85d5f4a6bc81",
			"functionArn":            "arn:aws:lambda:us-east-1:123456789012:function:notify",
			"condition":              "RetryAttemptsExhausted",
			"approximateInvokeCount": 11,
		},
		"responseContext": map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
		"version":         "1.0",
		"timestamp":       time.Now().UTC().Format(time.RFC3339Nano),
		"DDBStreamBatchInfo": map[string]any{
			"shardId":                         shard,
			"startSequenceNumber":             aws.ToString(first.SequenceNumber),
			"endSequenceNumber":               aws.ToString(last.SequenceNumber),
			"approximateArrivalOfFirstRecord": at(first),
			"approximateArrivalOfLastRecord":  at(last),
			"batchSize":                       len(batch),
			"streamArn":                       arn,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// startNotify runs the notify bootstrap under the Runtime Interface
// Emulator, with NotifyFunction's timeout from template.yaml, and returns
// the emulator's address, at which it serves Lambda's Invoke API
// (POST /2015-03-31/functions/function/invocations). It is stopped, and
// with it the function, when the test ends.
func startNotify(t *testing.T, env []string) string {
	t.Helper()
	f := lambdatest.Start(t, lambdatest.BuildBootstrap(t, "NotifyFunction"), append([]string{"AWS_LAMBDA_FUNCTION_TIMEOUT=30"}, env...))
	return f.Endpoint()
}
