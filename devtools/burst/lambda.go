package main

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// handlerFunc is a stream function's handler, NotifyFunction's Handle.
type handlerFunc func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// shard hands the records of one stream shard to a function the way
// Lambda's event source mapping does with the template's settings: in
// order, one invocation at a time, batches of up to batchSize records, each
// invocation with the function's timeout as its deadline.
//
// With ReportBatchItemFailures, a batch whose response names failed records
// is retried from the first of them, with the rest of the batch. A failed
// record's batch is retried up to maxRetries times (MaximumRetryAttempts);
// after that the batch, from that record to its end, is reported to the
// dead-letter list and the shard moves on. An invocation that returns an
// error or runs past its deadline fails as a whole, and
// BisectBatchOnFunctionError splits its batch in halves for the retry.
//
// Two things of Lambda are left out: the batching window, which only
// delays a batch that is not full (in a burst every batch is), and the
// time Lambda's poller takes between invocations.
type shard struct {
	handler    handlerFunc
	batchSize  int
	timeout    time.Duration
	maxRetries int
}

// shardStats is what draining a shard took.
type shardStats struct {
	invocations int
	// retries are the invocations that handed records over again.
	retries int
	// timeouts are the invocations that ran past their deadline, and
	// errors those that returned an error.
	timeouts, errors int
	// deadLetters are the sequence numbers of the records given up on.
	deadLetters []string
}

// drain hands every record to the handler, and retries, until each record
// has been handled or dead-lettered.
func (s shard) drain(ctx context.Context, recs []events.DynamoDBEventRecord) shardStats {
	var st shardStats
	// span is a batch: records from to to, and whether it hands some of
	// them over again.
	type span struct {
		from, to int
		retry    bool
	}
	// queue holds the batches to hand over before any new records: the
	// rest of a batch that reported failures, or the halves of one that
	// failed as a whole.
	var queue []span
	next := 0 // the first record not yet in a batch
	// failures counts the failed tries of the batch starting at a record,
	// by its sequence number.
	failures := map[string]int{}
	for ctx.Err() == nil {
		if len(queue) == 0 {
			if next >= len(recs) {
				break
			}
			queue = append(queue, span{from: next, to: min(next+s.batchSize, len(recs))})
			next = queue[0].to
		}
		sp := queue[0]
		queue = queue[1:]
		batch := recs[sp.from:sp.to]
		deadline := time.Now().Add(s.timeout)
		ictx, cancel := context.WithDeadline(ctx, deadline)
		resp, err := s.handler(ictx, events.DynamoDBEvent{Records: batch})
		cancel()
		st.invocations++
		if sp.retry {
			st.retries++
		}
		first := -1     // the first record to try again, by its place in batch
		failed := false // the invocation failed as a whole
		switch {
		case err != nil:
			st.errors++
			first, failed = 0, true
		case time.Now().After(deadline):
			st.timeouts++
			first, failed = 0, true
		default:
			for _, f := range resp.BatchItemFailures {
				i := indexOf(batch, f.ItemIdentifier)
				if i < 0 {
					// Lambda retries the whole batch when a failure names
					// no record of it.
					i = 0
				}
				if first < 0 || i < first {
					first = i
				}
			}
		}
		if first < 0 {
			continue
		}
		from := sp.from + first
		seq := recs[from].Change.SequenceNumber
		failures[seq]++
		if failures[seq] > s.maxRetries {
			for _, r := range recs[from:sp.to] {
				st.deadLetters = append(st.deadLetters, r.Change.SequenceNumber)
			}
			continue
		}
		if failed && sp.to-from > 1 {
			// BisectBatchOnFunctionError: each half is retried on its own.
			mid := from + (sp.to-from)/2
			queue = append([]span{{from, mid, true}, {mid, sp.to, true}}, queue...)
		} else {
			queue = append([]span{{from, sp.to, true}}, queue...)
		}
	}
	return st
}

func indexOf(batch []events.DynamoDBEventRecord, seq string) int {
	for i, r := range batch {
		if r.Change.SequenceNumber == seq {
			return i
		}
	}
	return -1
}
