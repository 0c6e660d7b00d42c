package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"example.com/appointments/internal/local/dynamostreams"
	"example.com/appointments/internal/testing/lambdatest"
)

const (
	streamARN = "arn:aws:dynamodb:us-east-1:123456789012:table/requests/stream/2026-11-01T09:00:00.000"
	shardID   = "shardId-00000001764261000000-864758bb"
)

// patientDetails are in the fake stream's images and must never be
// printed.
var patientDetails = []string{"Jordan", "Rivera", "jordan@example.com", "555-0142", "climbing"}

func templateFilter(t *testing.T) *dynamostreams.Filter {
	t.Helper()
	f, err := eventFilter(filepath.Join(lambdatest.RepoRoot(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestParseFailureRecord(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "dead-letter-message.json"))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := parseFailureRecord(string(body))
	if err != nil {
		t.Fatal(err)
	}
	b := rec.Batch
	if b.ShardID != shardID || b.StartSequenceNumber != "800000000003126276362" || b.EndSequenceNumber != "800000000003126276371" ||
		b.BatchSize != 2 || b.FirstArrival != "2026-11-27T16:30:01Z" || b.LastArrival != "2026-11-27T16:31:12Z" ||
		!strings.HasSuffix(b.StreamARN, "/stream/2026-11-01T09:00:00.000") || rec.RequestContext.Condition != "RetryAttemptsExhausted" ||
		rec.Timestamp != "2026-11-27T17:02:49.717Z" {
		t.Errorf("parsed %+v, %+v", rec, *b)
	}

	for _, bad := range []string{
		``,
		`{"requestContext": {}}`,
		`{"DDBStreamBatchInfo": {"shardId": "s", "startSequenceNumber": "1", "endSequenceNumber": "2", "batchSize": 1}}`,
		`{"DDBStreamBatchInfo": {"streamArn": "a", "shardId": "s", "startSequenceNumber": "x", "endSequenceNumber": "2", "batchSize": 1}}`,
		`{"DDBStreamBatchInfo": {"streamArn": "a", "shardId": "s", "startSequenceNumber": "3", "endSequenceNumber": "2", "batchSize": 1}}`,
		`{"DDBStreamBatchInfo": {"streamArn": "a", "shardId": "s", "startSequenceNumber": "1", "endSequenceNumber": "2"}}`,
	} {
		if _, err := parseFailureRecord(bad); err == nil {
			t.Errorf("parseFailureRecord(%s) succeeded", bad)
		}
	}
}

// Sequence numbers are compared as numbers: a longer one is later, although
// it may sort first as text.
func TestSequenceNumbersCompareAsNumbers(t *testing.T) {
	rec, err := parseFailureRecord(`{"DDBStreamBatchInfo": {"streamArn": "a", "shardId": "s", "startSequenceNumber": "999", "endSequenceNumber": "1000", "batchSize": 2}}`)
	if err != nil {
		t.Fatalf("a range from 999 to 1000 was refused: %v", err)
	}
	if rec.Batch.start.Cmp(rec.Batch.end) >= 0 {
		t.Errorf("999 is not before 1000")
	}
}

// fakeQueue is an SQS queue whose received messages stay in flight until
// they are deleted or released.
type fakeQueue struct {
	visible  []sqstypes.Message
	deleted  []string
	released []string
}

func (q *fakeQueue) ReceiveMessage(_ context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	if len(q.visible) == 0 {
		return &sqs.ReceiveMessageOutput{}, nil
	}
	m := q.visible[0]
	q.visible = q.visible[1:]
	return &sqs.ReceiveMessageOutput{Messages: []sqstypes.Message{m}}, nil
}

func (q *fakeQueue) DeleteMessage(_ context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	q.deleted = append(q.deleted, aws.ToString(in.ReceiptHandle))
	return &sqs.DeleteMessageOutput{}, nil
}

func (q *fakeQueue) ChangeMessageVisibility(_ context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	if in.VisibilityTimeout != 0 {
		return nil, errors.New("only releases are expected")
	}
	q.released = append(q.released, aws.ToString(in.ReceiptHandle))
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}

func message(id, body string) sqstypes.Message {
	return sqstypes.Message{MessageId: aws.String(id), ReceiptHandle: aws.String("handle-" + id), Body: aws.String(body)}
}

// fakeStreams is one shard holding records, two to a page.
type fakeStreams struct {
	records []streamtypes.Record
	// err, when set, is the answer to GetShardIterator.
	err error
}

func (s *fakeStreams) GetShardIterator(_ context.Context, in *dynamodbstreams.GetShardIteratorInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	if s.err != nil {
		return nil, s.err
	}
	if aws.ToString(in.StreamArn) != streamARN || aws.ToString(in.ShardId) != shardID || in.ShardIteratorType != streamtypes.ShardIteratorTypeAtSequenceNumber {
		return nil, errors.New("unexpected shard iterator request")
	}
	// Like DynamoDB, start at the first record at or after the number.
	want, _ := strconv.Atoi(aws.ToString(in.SequenceNumber))
	i := 0
	for i < len(s.records) && seq(s.records[i]) < want {
		i++
	}
	return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: aws.String(strconv.Itoa(i))}, nil
}

func (s *fakeStreams) GetRecords(_ context.Context, in *dynamodbstreams.GetRecordsInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	i, _ := strconv.Atoi(aws.ToString(in.ShardIterator))
	j := min(i+2, len(s.records))
	return &dynamodbstreams.GetRecordsOutput{Records: s.records[i:j], NextShardIterator: aws.String(strconv.Itoa(j))}, nil
}

func seq(r streamtypes.Record) int {
	n, _ := strconv.Atoi(aws.ToString(r.Dynamodb.SequenceNumber))
	return n
}

func str(s string) streamtypes.AttributeValue { return &streamtypes.AttributeValueMemberS{Value: s} }

// insert is a stream record of a new item of the given type.
func insert(sequence int, pk, itemType string) streamtypes.Record {
	sk := map[string]string{"request": "REQUEST", "dedupe": "DEDUPE"}[itemType]
	image := map[string]streamtypes.AttributeValue{
		"pk": str(pk), "sk": str(sk), "type": str(itemType),
		"firstName": str("Jordan"), "lastName": str("Rivera"), "email": str("jordan@example.com"),
		"phone": str("(303) 555-0142"), "reason": str("climbing injury"),
	}
	return streamtypes.Record{
		EventID: aws.String("e" + strconv.Itoa(sequence)), EventName: streamtypes.OperationTypeInsert,
		EventSource: aws.String("aws:dynamodb"), EventVersion: aws.String("1.1"), AwsRegion: aws.String("us-east-1"),
		Dynamodb: &streamtypes.StreamRecord{
			SequenceNumber: aws.String(strconv.Itoa(sequence)),
			Keys:           map[string]streamtypes.AttributeValue{"pk": str(pk), "sk": str(sk)},
			NewImage:       image,
			StreamViewType: streamtypes.StreamViewTypeNewAndOldImages,
		},
	}
}

// shard holds two requests with the dedupe claim of the second between
// them, as a submission writes them, and a later request.
func shard() []streamtypes.Record {
	return []streamtypes.Record{
		insert(101, "REQ#a1", "request"),
		insert(102, "DEDUPE#f2", "dedupe"),
		insert(103, "REQ#a2", "request"),
		insert(104, "REQ#a3", "request"),
	}
}

// batchOf is a dead-letter message for the records from start to end.
func batchOf(start, end, size int) string {
	return `{"requestContext": {"condition": "RetryAttemptsExhausted"}, "DDBStreamBatchInfo": {` +
		`"streamArn": "` + streamARN + `", "shardId": "` + shardID + `", ` +
		`"startSequenceNumber": "` + strconv.Itoa(start) + `", "endSequenceNumber": "` + strconv.Itoa(end) + `", ` +
		`"approximateArrivalOfFirstRecord": "2026-11-27T16:30:01Z", "approximateArrivalOfLastRecord": "2026-11-27T16:31:12Z", ` +
		`"batchSize": ` + strconv.Itoa(size) + `}}`
}

// fakeFunction answers every invocation with answer, or with FunctionError
// set when functionError is.
type fakeFunction struct {
	answer        string
	functionError string
	events        []events.DynamoDBEvent
}

func (f *fakeFunction) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	if in.InvocationType != "RequestResponse" || aws.ToString(in.FunctionName) != "notify" {
		return nil, errors.New("unexpected invocation")
	}
	var e events.DynamoDBEvent
	if err := json.Unmarshal(in.Payload, &e); err != nil {
		return nil, err
	}
	f.events = append(f.events, e)
	out := &lambda.InvokeOutput{StatusCode: 200, Payload: []byte(f.answer)}
	if f.functionError != "" {
		out.FunctionError = aws.String(f.functionError)
	}
	return out, nil
}

func redriver(t *testing.T, q *fakeQueue, s *fakeStreams, fn *fakeFunction, out *bytes.Buffer) *Redriver {
	return &Redriver{Queue: q, QueueURL: "queue", Streams: s, Lambda: fn, Function: "notify", Filter: templateFilter(t), Limit: 10, Out: out}
}

// A batch the function settles is handed over as Lambda would (the
// records the filter passes, with the stream's ARN) and its message
// deleted.
func TestSettledBatchIsDeleted(t *testing.T) {
	q := &fakeQueue{visible: []sqstypes.Message{message("m1", batchOf(101, 103, 2))}}
	fn := &fakeFunction{answer: `{"batchItemFailures": []}`}
	var out bytes.Buffer
	s, err := redriver(t, q, &fakeStreams{records: shard()}, fn, &out).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !s.AllRedriven() || s.Messages != 1 {
		t.Errorf("summary %+v", s)
	}
	if !slices.Equal(q.deleted, []string{"handle-m1"}) || len(q.released) != 0 {
		t.Errorf("deleted %v, released %v", q.deleted, q.released)
	}
	if len(fn.events) != 1 {
		t.Fatalf("%d invocations, want 1", len(fn.events))
	}
	var got []string
	for _, r := range fn.events[0].Records {
		got = append(got, r.Change.Keys["pk"].String()+"@"+r.Change.SequenceNumber)
		if r.EventSourceArn != streamARN || r.EventName != "INSERT" || r.EventSource != "aws:dynamodb" || r.Change.NewImage["type"].String() != "request" {
			t.Errorf("record %+v is not as Lambda delivers it", r)
		}
	}
	if want := []string{"REQ#a1@101", "REQ#a2@103"}; !slices.Equal(got, want) {
		t.Errorf("invoked with %v, want %v", got, want)
	}
	text := out.String()
	for _, want := range []string{"REQ#a1", "REQ#a2", "101", "103", "message deleted", "RetryAttemptsExhausted"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	checkNoPatientData(t, text+s.String())
}

// Every message that cannot be redriven stays in the queue, made visible
// again, with the reason said.
func TestMessagesLeftInTheQueue(t *testing.T) {
	for _, tt := range []struct {
		name    string
		body    string
		streams *fakeStreams
		fn      *fakeFunction
		want    string // in the output
		gone    bool
	}{
		{
			name:    "trimmed",
			body:    batchOf(101, 103, 2),
			streams: &fakeStreams{err: &streamtypes.TrimmedDataAccessException{Message: aws.String("trimmed")}},
			want:    "trimmed", gone: true,
		},
		{
			name:    "stream deleted",
			body:    batchOf(101, 103, 2),
			streams: &fakeStreams{err: &streamtypes.ResourceNotFoundException{Message: aws.String("no stream")}},
			want:    "no longer exists", gone: true,
		},
		{
			name:    "first record trimmed",
			body:    batchOf(99, 101, 2),
			streams: &fakeStreams{records: shard()},
			want:    "no longer holds sequence number 99", gone: true,
		},
		{
			name:    "last record never written",
			body:    batchOf(104, 109, 2),
			streams: &fakeStreams{records: shard()},
			want:    "no records up to sequence number 109", gone: true,
		},
		{
			name:    "filter does not give the batch",
			body:    batchOf(101, 103, 3),
			streams: &fakeStreams{records: shard()},
			want:    "the batch held 3",
		},
		{
			name:    "function error",
			body:    batchOf(101, 103, 2),
			streams: &fakeStreams{records: shard()},
			fn:      &fakeFunction{answer: `{"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out"}`, functionError: "Unhandled"},
			want:    "failed (Sandbox.Timedout)",
		},
		{
			name:    "function error as the emulator reports it",
			body:    batchOf(101, 103, 2),
			streams: &fakeStreams{records: shard()},
			fn:      &fakeFunction{answer: `{"errorType": "Runtime.ExitError", "errorMessage": "exit status 2"}`},
			want:    "failed (Runtime.ExitError)",
		},
		{
			name:    "batch item failures",
			body:    batchOf(101, 103, 2),
			streams: &fakeStreams{records: shard()},
			fn:      &fakeFunction{answer: `{"batchItemFailures": [{"itemIdentifier": "103"}]}`},
			want:    "could not settle 1 record(s) yet, sequence numbers 103",
		},
		{
			name:    "not a batch",
			body:    `{"Records": []}`,
			streams: &fakeStreams{records: shard()},
			want:    "not a stream batch record",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := &fakeQueue{visible: []sqstypes.Message{message("m1", tt.body)}}
			fn := tt.fn
			if fn == nil {
				fn = &fakeFunction{answer: `{}`}
			}
			var out bytes.Buffer
			s, err := redriver(t, q, tt.streams, fn, &out).Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if s.AllRedriven() || s.Messages != 1 {
				t.Errorf("summary %+v", s)
			}
			if len(q.deleted) != 0 || !slices.Equal(q.released, []string{"handle-m1"}) {
				t.Errorf("deleted %v, released %v; want the message released", q.deleted, q.released)
			}
			text := out.String()
			if !strings.Contains(text, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, text)
			}
			// A batch whose records are gone names the times its requests
			// were written, for the search by hand.
			if tt.gone != strings.Contains(text, "between 2026-11-27T16:30:01Z and 2026-11-27T16:31:12Z") {
				t.Errorf("records gone: %v, but the output is:\n%s", tt.gone, text)
			}
			if tt.gone && (s.RecordsGone != 1 || len(fn.events) != 0) {
				t.Errorf("summary %+v, %d invocations", s, len(fn.events))
			}
			checkNoPatientData(t, text+s.String())
		})
	}
}

// A dry run reads and reports, and changes nothing.
func TestDryRun(t *testing.T) {
	q := &fakeQueue{visible: []sqstypes.Message{message("m1", batchOf(101, 103, 2)), message("m2", batchOf(104, 104, 1))}}
	fn := &fakeFunction{answer: `{}`}
	var out bytes.Buffer
	r := redriver(t, q, &fakeStreams{records: shard()}, fn, &out)
	r.DryRun = true
	s, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !s.AllRedriven() || s.Messages != 2 || !strings.Contains(s.String(), "2 can be redriven (dry run") {
		t.Errorf("summary %+v: %s", s, s)
	}
	if len(fn.events) != 0 || len(q.deleted) != 0 || !slices.Equal(q.released, []string{"handle-m1", "handle-m2"}) {
		t.Errorf("%d invocations, deleted %v, released %v", len(fn.events), q.deleted, q.released)
	}
	if !strings.Contains(out.String(), "would invoke notify with these 2 record(s)") {
		t.Errorf("output:\n%s", out.String())
	}
}

// Limit bounds a run.
func TestLimit(t *testing.T) {
	q := &fakeQueue{}
	for i := range 5 {
		q.visible = append(q.visible, message("m"+strconv.Itoa(i), `{}`))
	}
	var out bytes.Buffer
	r := redriver(t, q, &fakeStreams{}, &fakeFunction{}, &out)
	r.Limit = 3
	s, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Messages != 3 || len(q.visible) != 2 || len(q.released) != 3 {
		t.Errorf("summary %+v, %d still visible, %d released", s, len(q.visible), len(q.released))
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"-queue", "q"},
		{"-function", "f"},
		{"-queue", "q", "-function", "f", "-limit", "0"},
		{"-queue", "q", "-function", "f", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("run(%q) = %d, want 2; stderr:\n%s", args, code, stderr.String())
		}
	}
}

func checkNoPatientData(t *testing.T, out string) {
	t.Helper()
	for _, secret := range patientDetails {
		if strings.Contains(out, secret) {
			t.Errorf("output contains %q:\n%s", secret, out)
		}
	}
}
