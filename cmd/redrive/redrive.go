package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	smithytime "github.com/aws/smithy-go/time"
	"io"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"example.com/appointments/internal/local/dynamostreams"
)

// Queue is the part of the SQS API a Redriver uses.
type Queue interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// Streams is the part of the DynamoDB Streams API a Redriver uses.
type Streams interface {
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// Invoker invokes a Lambda function.
type Invoker interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, opts ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

const (
	// visibility hides a received message from other receivers while it is
	// handled: longer than reading its records and one invocation of the
	// function (a 30-second timeout), SDK retries included. Messages left
	// in the queue are made visible again at the end of the run.
	visibility = 5 * time.Minute
	// messageTimeout bounds the handling of one message.
	messageTimeout = 3 * time.Minute
	// releaseTimeout bounds making the messages left visible again, which
	// is done even after an interrupt.
	releaseTimeout = 10 * time.Second
	// maxPages bounds the GetRecords calls for one batch. A batch holds at
	// most 10 records, but any number of records the filter kept from the
	// function (its own writes, other items) may lie between them, up to
	// 1,000 a page.
	maxPages = 100
	// maxEmptyPages ends the reading of a shard that returns nothing more
	// before the batch's last record: the records are not there.
	maxEmptyPages  = 5
	emptyPagePause = 200 * time.Millisecond
)

// Redriver hands the batches in NotifyFunction's dead-letter queue back to
// the function.
type Redriver struct {
	Queue    Queue
	QueueURL string
	Streams  Streams
	Lambda   Invoker
	Function string
	// Filter is the stream event's filter: of the records in a batch's
	// range, Lambda passed the function only those it matches.
	Filter *dynamostreams.Filter
	// DryRun reads the messages and their records and says what would be
	// done, but invokes nothing and deletes nothing.
	DryRun bool
	// Limit is the most messages one run handles.
	Limit int
	// Out receives one paragraph per message: request keys, sequence
	// numbers and outcomes, never a request's contents.
	Out io.Writer
}

// failureRecord is the message Lambda sends to a stream event source
// mapping's on-failure destination for a batch it gave up on.
type failureRecord struct {
	RequestContext struct {
		// Condition is RetryAttemptsExhausted or RecordAgeExceeded.
		Condition string `json:"condition"`
	} `json:"requestContext"`
	// Timestamp is when Lambda gave up on the batch.
	Timestamp string     `json:"timestamp"`
	Batch     *batchInfo `json:"DDBStreamBatchInfo"`
}

// batchInfo places a failed batch in the stream: its shard, its first and
// last records' sequence numbers, how many records it held and when the
// first and the last were written.
type batchInfo struct {
	StreamARN           string `json:"streamArn"`
	ShardID             string `json:"shardId"`
	StartSequenceNumber string `json:"startSequenceNumber"`
	EndSequenceNumber   string `json:"endSequenceNumber"`
	BatchSize           int    `json:"batchSize"`
	FirstArrival        string `json:"approximateArrivalOfFirstRecord"`
	LastArrival         string `json:"approximateArrivalOfLastRecord"`

	start, end *big.Int
}

// parseFailureRecord reads a dead-letter message, refusing one that does
// not name a stream batch.
func parseFailureRecord(body string) (failureRecord, error) {
	var rec failureRecord
	if err := json.Unmarshal([]byte(body), &rec); err != nil {
		return rec, fmt.Errorf("not JSON: %w", err)
	}
	b := rec.Batch
	if b == nil {
		return rec, errors.New("no DDBStreamBatchInfo")
	}
	if b.StreamARN == "" || b.ShardID == "" {
		return rec, errors.New("no streamArn or shardId")
	}
	var err error
	if b.start, err = sequenceNumber(b.StartSequenceNumber); err != nil {
		return rec, fmt.Errorf("startSequenceNumber: %w", err)
	}
	if b.end, err = sequenceNumber(b.EndSequenceNumber); err != nil {
		return rec, fmt.Errorf("endSequenceNumber: %w", err)
	}
	if b.start.Cmp(b.end) > 0 {
		return rec, errors.New("startSequenceNumber is after endSequenceNumber")
	}
	if b.BatchSize < 1 {
		return rec, errors.New("no batchSize")
	}
	return rec, nil
}

// sequenceNumber reads a stream sequence number. They are decimal numbers
// of up to 40 digits, compared as numbers, not as text.
func sequenceNumber(s string) (*big.Int, error) {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok || n.Sign() < 0 {
		return nil, fmt.Errorf("%q is not a sequence number", s)
	}
	return n, nil
}

// outcome is what became of one message.
type outcome int

const (
	// redriven: the function settled every record and the message was
	// deleted; with DryRun, the records were found and would be.
	redriven outcome = iota
	// recordsGone: the stream no longer holds the batch's records; the
	// message is left for following up by hand.
	recordsGone
	// notRedriven: the records could not be read, did not match the
	// batch, or the function failed or reported records it could not
	// settle; the message is left, and a later run may try again.
	notRedriven
	// notABatch: the message does not name a stream batch; it is left.
	notABatch
)

// Summary counts the outcomes of a run.
type Summary struct {
	DryRun      bool
	Messages    int
	Redriven    int
	RecordsGone int
	NotRedriven int
	NotABatch   int
}

func (s *Summary) add(o outcome) {
	s.Messages++
	switch o {
	case redriven:
		s.Redriven++
	case recordsGone:
		s.RecordsGone++
	case notRedriven:
		s.NotRedriven++
	case notABatch:
		s.NotABatch++
	}
}

// AllRedriven reports whether every message handled was redriven (or,
// with DryRun, could be).
func (s Summary) AllRedriven() bool { return s.Redriven == s.Messages }

func (s Summary) String() string {
	if s.Messages == 0 {
		return "summary: the queue holds no messages"
	}
	done := "redriven and deleted"
	if s.DryRun {
		done = "can be redriven (dry run: nothing invoked or deleted)"
	}
	parts := []string{fmt.Sprintf("%d %s", s.Redriven, done)}
	if s.RecordsGone > 0 {
		parts = append(parts, fmt.Sprintf("%d left: records gone from the stream, follow up by hand", s.RecordsGone))
	}
	if s.NotRedriven > 0 {
		parts = append(parts, fmt.Sprintf("%d left: not redriven, see above", s.NotRedriven))
	}
	if s.NotABatch > 0 {
		parts = append(parts, fmt.Sprintf("%d left: not a stream batch", s.NotABatch))
	}
	noun := "messages"
	if s.Messages == 1 {
		noun = "message"
	}
	return fmt.Sprintf("summary: %d %s: %s", s.Messages, noun, strings.Join(parts, "; "))
}

// Run handles the queue's messages one at a time until it is empty, Limit
// messages were handled, or a message comes round again. Messages that stay
// in the queue are made visible again before Run returns, for the next run
// or a person. The error is that of an SQS call that failed, which ends the
// run.
func (r *Redriver) Run(ctx context.Context) (Summary, error) {
	s := Summary{DryRun: r.DryRun}
	seen := map[string]bool{}
	var left []string // receipt handles of the messages left in the queue
	var err error
	for s.Messages < r.Limit {
		var out *sqs.ReceiveMessageOutput
		out, err = r.Queue.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:            &r.QueueURL,
			MaxNumberOfMessages: 1,
			VisibilityTimeout:   int32(visibility / time.Second),
			// Long polling asks every SQS server, so an empty answer
			// means an empty queue.
			WaitTimeSeconds: 1,
		})
		if err != nil {
			err = fmt.Errorf("receive from the queue: %w", err)
			break
		}
		if len(out.Messages) == 0 {
			break
		}
		m := out.Messages[0]
		if seen[aws.ToString(m.MessageId)] {
			// A message handled earlier in this run came round again,
			// its visibility timeout over: stop rather than handle it
			// twice.
			left = append(left, aws.ToString(m.ReceiptHandle))
			break
		}
		seen[aws.ToString(m.MessageId)] = true
		o := r.handle(ctx, m)
		s.add(o)
		if o != redriven || r.DryRun {
			left = append(left, aws.ToString(m.ReceiptHandle))
		}
	}
	r.release(ctx, left)
	return s, err
}

// release makes the messages left in the queue visible again at once
// rather than when their visibility timeout runs out.
func (r *Redriver) release(ctx context.Context, handles []string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	for _, h := range handles {
		if _, err := r.Queue.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
			QueueUrl: &r.QueueURL, ReceiptHandle: aws.String(h), VisibilityTimeout: 0,
		}); err != nil {
			fmt.Fprintf(r.Out, "a message left in the queue stays hidden for up to %v more: %v\n", visibility, err)
		}
	}
}

// handle redrives one message and says what became of it.
func (r *Redriver) handle(ctx context.Context, m sqstypes.Message) outcome {
	ctx, cancel := context.WithTimeout(ctx, messageTimeout)
	defer cancel()
	w := r.Out
	fmt.Fprintf(w, "message %s:\n", aws.ToString(m.MessageId))
	rec, err := parseFailureRecord(aws.ToString(m.Body))
	if err != nil {
		fmt.Fprintf(w, "  not a stream batch record (%v); left in the queue\n", err)
		return notABatch
	}
	b := rec.Batch
	fmt.Fprintf(w, "  %d record(s) of shard %s, sequence numbers %s to %s, written %s to %s\n",
		b.BatchSize, b.ShardID, b.StartSequenceNumber, b.EndSequenceNumber, b.FirstArrival, b.LastArrival)
	if rec.Timestamp != "" || rec.RequestContext.Condition != "" {
		fmt.Fprintf(w, "  given up at %s (%s)\n", rec.Timestamp, rec.RequestContext.Condition)
	}

	raw, err := r.read(ctx, b)
	if gone, ok := errors.AsType[*goneError](err); ok {
		fmt.Fprintf(w, "  left in the queue: %s\n", gone.reason)
		fmt.Fprintf(w, "  to follow up by hand (docs/operations.md, \"Alarms\"):\n")
		fmt.Fprintf(w, "    find the requests created, or whose status changed, between %s and %s;\n", b.FirstArrival, b.LastArrival)
		fmt.Fprintf(w, "    give the front desk the details of each one with an email not sent;\n")
		fmt.Fprintf(w, "    then delete this message\n")
		return recordsGone
	}
	if err != nil {
		fmt.Fprintf(w, "  left in the queue: cannot read the stream: %v\n", err)
		return notRedriven
	}
	all := make([]events.DynamoDBEventRecord, len(raw))
	for i, rr := range raw {
		rec, err := dynamostreams.EventRecord(rr, b.StreamARN)
		if err != nil {
			fmt.Fprintf(w, "  left in the queue: %v\n", err)
			return notRedriven
		}
		all[i] = rec
	}
	batch, err := r.Filter.Select(all)
	if err != nil {
		fmt.Fprintf(w, "  left in the queue: %v\n", err)
		return notRedriven
	}
	for _, e := range batch {
		fmt.Fprintf(w, "  %s %s (sequence number %s)\n", e.EventName, keys(e.Change.Keys), e.Change.SequenceNumber)
	}
	if len(batch) != b.BatchSize {
		fmt.Fprintf(w, "  left in the queue: %d of the %d records in this range pass the stream's filter, but the batch held %d;\n"+
			"  is -template the deployed stack's template?\n", len(batch), len(all), b.BatchSize)
		return notRedriven
	}
	if r.DryRun {
		fmt.Fprintf(w, "  would invoke %s with these %d record(s)\n", r.Function, len(batch))
		return redriven
	}
	if err := r.invoke(ctx, batch); err != nil {
		fmt.Fprintf(w, "  left in the queue: %v\n", err)
		return notRedriven
	}
	if _, err := r.Queue.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &r.QueueURL, ReceiptHandle: m.ReceiptHandle}); err != nil {
		// Redriving it again sends nothing twice.
		fmt.Fprintf(w, "  %s settled every record, but the message could not be deleted: %v\n", r.Function, err)
		return notRedriven
	}
	fmt.Fprintf(w, "  %s settled every record; message deleted\n", r.Function)
	return redriven
}

// goneError says that the stream no longer holds a batch's records.
type goneError struct{ reason string }

func (e *goneError) Error() string { return e.reason }

// read returns the stream's records from the batch's first to its last,
// as the DynamoDB Streams API returns them.
func (r *Redriver) read(ctx context.Context, b *batchInfo) ([]streamtypes.Record, error) {
	it, err := r.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn:         &b.StreamARN,
		ShardId:           &b.ShardID,
		ShardIteratorType: streamtypes.ShardIteratorTypeAtSequenceNumber,
		SequenceNumber:    &b.StartSequenceNumber,
	})
	if err != nil {
		return nil, goneOr(err, "get a shard iterator")
	}
	iterator := it.ShardIterator
	var recs []streamtypes.Record
	empty := 0
	for range maxPages {
		if iterator == nil {
			return nil, &goneError{"the shard ended before sequence number " + b.EndSequenceNumber}
		}
		out, err := r.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iterator})
		if err != nil {
			return nil, goneOr(err, "get records")
		}
		for _, rec := range out.Records {
			seq := ""
			if rec.Dynamodb != nil {
				seq = aws.ToString(rec.Dynamodb.SequenceNumber)
			}
			n, err := sequenceNumber(seq)
			if err != nil {
				return nil, fmt.Errorf("the stream returned a record without a sequence number: %w", err)
			}
			if len(recs) == 0 && n.Cmp(b.start) != 0 {
				return nil, &goneError{"the stream no longer holds sequence number " + b.StartSequenceNumber}
			}
			if n.Cmp(b.end) > 0 {
				return nil, &goneError{"the stream holds no record with sequence number " + b.EndSequenceNumber}
			}
			recs = append(recs, rec)
			if n.Cmp(b.end) == 0 {
				return recs, nil
			}
		}
		if len(out.Records) == 0 {
			empty++
			if empty == maxEmptyPages {
				return nil, &goneError{"the stream returned no records up to sequence number " + b.EndSequenceNumber}
			}
			if err := smithytime.SleepWithContext(ctx, emptyPagePause); err != nil {
				return nil, err
			}
		} else {
			empty = 0
		}
		iterator = out.NextShardIterator
	}
	return nil, fmt.Errorf("gave up after %d pages of records without reaching sequence number %s", maxPages, b.EndSequenceNumber)
}

// goneOr turns the errors by which DynamoDB Streams says that records are
// gone into a *goneError, and wraps any other.
func goneOr(err error, op string) error {
	if _, ok := errors.AsType[*streamtypes.TrimmedDataAccessException](err); ok {
		return &goneError{"the stream has trimmed these records (it keeps them for 24 hours)"}
	}
	if _, ok := errors.AsType[*streamtypes.ResourceNotFoundException](err); ok {
		return &goneError{"the stream or its shard no longer exists"}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// invoke hands the batch to the function as Lambda's event source mapping
// does, synchronously, and returns an error unless the function settled
// every record. It is one invocation of dynamostreams.Invoke, the one
// delivery of records to a handler, whose handler here is the deployed
// function.
func (r *Redriver) invoke(ctx context.Context, batch []events.DynamoDBEventRecord) error {
	inv := dynamostreams.Invoke(ctx, r.callFunction, batch, 0)
	if inv.Err != nil {
		return inv.Err
	}
	if n := len(inv.Failed); n > 0 {
		return fmt.Errorf("%s could not settle %d record(s) yet, sequence numbers %s (throttling or an outage; see its log); run again later",
			r.Function, n, strings.Join(inv.Failed, ", "))
	}
	return nil
}

// callFunction is the deployed function as a stream handler: it invokes
// it through Lambda's Invoke API and reads its batch response.
func (r *Redriver) callFunction(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	payload, err := json.Marshal(e)
	if err != nil {
		return resp, err
	}
	out, err := r.Lambda.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   &r.Function,
		InvocationType: lambdatypes.InvocationTypeRequestResponse,
		Payload:        payload,
	})
	if err != nil {
		return resp, fmt.Errorf("invoke %s: %w", r.Function, err)
	}
	// Lambda marks a failed invocation with FunctionError; the Runtime
	// Interface Emulator only answers with the error's payload. Only the
	// error's type is shown: the function's log has the rest.
	var failed struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	_ = json.Unmarshal(out.Payload, &failed)
	if out.FunctionError != nil || failed.ErrorType != "" || failed.ErrorMessage != "" {
		return resp, fmt.Errorf("%s failed (%s); see its log", r.Function, failed.ErrorType)
	}
	if err := json.Unmarshal(out.Payload, &resp); err != nil {
		return resp, fmt.Errorf("%s answered with something other than a batch response: %w", r.Function, err)
	}
	return resp, nil
}

// keys shows a record's key attributes, which name the item (REQ#<id>)
// and nothing of its contents.
func keys(k map[string]events.DynamoDBAttributeValue) string {
	names := make([]string, 0, len(k))
	for name := range k {
		names = append(names, name)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, name := range names {
		v := k[name]
		switch v.DataType() {
		case events.DataTypeString:
			parts[i] = name + "=" + v.String()
		case events.DataTypeNumber:
			parts[i] = name + "=" + v.Number()
		default:
			parts[i] = name + "=?"
		}
	}
	return strings.Join(parts, " ")
}
