package dynamostreams

import (
	"context"
	smithytime "github.com/aws/smithy-go/time"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Handler is a stream function's handler: NotifyFunction's Handle in
// process, or a call of the deployed function through Lambda's Invoke API
// (cmd/redrive).
type Handler func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// Invocation is what became of one batch handed to a Handler.
type Invocation struct {
	// Failed are the sequence numbers the handler reported as failed
	// (batch item failures).
	Failed []string
	// Retry is the place in the batch of the first record to hand over
	// again, as Lambda's event source mapping with ReportBatchItemFailures
	// retries a batch from it; -1 when the handler settled every record.
	Retry int
	// Err is the handler's error, and TimedOut says that it ran past its
	// deadline: either fails the invocation as a whole, and Retry is 0.
	Err      error
	TimedOut bool
}

// Whole reports whether the invocation failed as a whole, rather than
// naming the records that failed.
func (inv Invocation) Whole() bool { return inv.Err != nil || inv.TimedOut }

// Invoke hands batch to h as one invocation of Lambda's event source
// mapping, with timeout (when positive) as the invocation's deadline, and
// says from which record the batch must be handed over again. A failure
// that names no record of the batch retries the whole batch, as Lambda
// does.
func Invoke(ctx context.Context, h Handler, batch []events.DynamoDBEventRecord, timeout time.Duration) Invocation {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	resp, err := h(ctx, events.DynamoDBEvent{Records: batch})
	inv := Invocation{Retry: -1}
	switch {
	case err != nil:
		inv.Err, inv.Retry = err, 0
	case !deadline.IsZero() && time.Now().After(deadline):
		inv.TimedOut, inv.Retry = true, 0
	default:
		for _, f := range resp.BatchItemFailures {
			inv.Failed = append(inv.Failed, f.ItemIdentifier)
			i := indexOf(batch, f.ItemIdentifier)
			if i < 0 {
				i = 0
			}
			if inv.Retry < 0 || i < inv.Retry {
				inv.Retry = i
			}
		}
	}
	return inv
}

func indexOf(batch []events.DynamoDBEventRecord, seq string) int {
	for i, r := range batch {
		if r.Change.SequenceNumber == seq {
			return i
		}
	}
	return -1
}

// Shard hands the records of one stream shard to a function the way
// Lambda's event source mapping does: in order, one invocation at a time,
// batches of up to BatchSize records, each invocation with Timeout as its
// deadline.
//
// With ReportBatchItemFailures, a batch whose response names failed records
// is retried from the first of them, with the rest of the batch. A failed
// record's batch is retried up to MaxRetries times (MaximumRetryAttempts);
// after that the batch, from that record to its end, is reported to the
// dead-letter list and the shard moves on. An invocation that returns an
// error or runs past its deadline fails as a whole, and
// BisectBatchOnFunctionError splits its batch in halves for the retry.
//
// Left out of Lambda: the batching window, which only delays a batch that
// is not full, and the time Lambda's poller takes between invocations.
type Shard struct {
	Handler   Handler
	BatchSize int
	Timeout   time.Duration
	// MaxRetries is MaximumRetryAttempts; a negative one retries until the
	// record is settled, as Lambda does with -1.
	MaxRetries int
	// RetryPause is how long a batch waits before it is handed over
	// again, as Lambda backs off; zero hands it over at once.
	RetryPause time.Duration

	// pause waits out RetryPause; it sleeps unless a test records the pauses.
	pause func(context.Context, time.Duration) error
}

// Stats is what draining a shard took.
type Stats struct {
	Invocations int
	// Retries are the invocations that handed records over again.
	Retries int
	// Timeouts are the invocations that ran past their deadline, and
	// Errors those that returned an error.
	Timeouts, Errors int
	// DeadLetters are the sequence numbers of the records given up on.
	DeadLetters []string
}

// span is a batch: the records from to to, and whether it hands some of
// them over again.
type span struct {
	from, to int
	retry    bool
}

// drain is the state of one Drain.
type drain struct {
	Shard
	recs []events.DynamoDBEventRecord
	// queue holds the batches to hand over before any new records: the
	// rest of a batch that reported failures, or the halves of one that
	// failed as a whole.
	queue []span
	next  int // the first record not yet in a batch
	// failures counts the failed tries of the batch starting at a record,
	// by its sequence number.
	failures map[string]int
	stats    Stats
}

// Drain hands every record to the handler, and retries, until each record
// has been handled or dead-lettered, or ctx ends.
func (s Shard) Drain(ctx context.Context, recs []events.DynamoDBEventRecord) Stats {
	d := &drain{Shard: s, recs: recs, failures: map[string]int{}}
	if d.pause == nil {
		d.pause = smithytime.SleepWithContext
	}
	for ctx.Err() == nil {
		sp, ok := d.batch()
		if !ok {
			break
		}
		if sp.retry && s.RetryPause > 0 && d.pause(ctx, s.RetryPause) != nil {
			break
		}
		inv := Invoke(ctx, s.Handler, recs[sp.from:sp.to], s.Timeout)
		d.count(sp, inv)
		if inv.Retry >= 0 {
			d.retry(sp, inv)
		}
	}
	return d.stats
}

// batch returns the next batch to hand over, if any is left.
func (d *drain) batch() (span, bool) {
	if len(d.queue) == 0 {
		if d.next >= len(d.recs) {
			return span{}, false
		}
		d.queue = append(d.queue, span{from: d.next, to: min(d.next+d.BatchSize, len(d.recs))})
		d.next = d.queue[0].to
	}
	sp := d.queue[0]
	d.queue = d.queue[1:]
	return sp, true
}

func (d *drain) count(sp span, inv Invocation) {
	d.stats.Invocations++
	if sp.retry {
		d.stats.Retries++
	}
	switch {
	case inv.Err != nil:
		d.stats.Errors++
	case inv.TimedOut:
		d.stats.Timeouts++
	}
}

// retry queues the batch again from its first failed record, halved when
// the invocation failed as a whole, or dead-letters it once its retries
// are spent.
func (d *drain) retry(sp span, inv Invocation) {
	from := sp.from + inv.Retry
	seq := d.recs[from].Change.SequenceNumber
	d.failures[seq]++
	if d.MaxRetries >= 0 && d.failures[seq] > d.MaxRetries {
		for _, r := range d.recs[from:sp.to] {
			d.stats.DeadLetters = append(d.stats.DeadLetters, r.Change.SequenceNumber)
		}
		return
	}
	if inv.Whole() && sp.to-from > 1 {
		// BisectBatchOnFunctionError: each half is retried on its own.
		mid := from + (sp.to-from)/2
		d.queue = append([]span{{from, mid, true}, {mid, sp.to, true}}, d.queue...)
		return
	}
	d.queue = append([]span{{from, sp.to, true}}, d.queue...)
}
