package devserver

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/local/dynamostreams"
	"example.com/appointments/internal/local/localstore"
)

// followBatch is how many changes the embedded store's consumer takes at a
// time, as an event source mapping's batch size; followWorkers is how many
// of a batch's changes are delivered at once, so that their writes share
// the database's commits.
const (
	followBatch   = 100
	followWorkers = 2
)

// invocationTimeout is the time each batch is given, as a Lambda
// invocation has its function's timeout.
const invocationTimeout = 30 * time.Second

// The server feeds one of two sources to the notify handler. A backend's
// table has a DynamoDB stream, which pump reads and hands over with
// dynamostreams.Shard, the one model of Lambda's event source mapping. The
// embedded store has a change log instead, whose records are the domain's
// changes with a position kept in the database; follow hands them to the
// handler's Deliver, several at once, as a DynamoDB-shaped record would
// only be decoded back into the same change. Both read on the schedule of
// poll.

// poll runs step every pumpInterval, or at once when wake signals, until
// ctx ends. After a step that leaves something to try again, it waits
// retryInterval first, whatever else arrives, as Lambda waits before
// handing a failed batch over again.
func poll(ctx context.Context, wake <-chan struct{}, step func(context.Context) (retry bool)) {
	for {
		retry := step(ctx)
		wait := pumpInterval
		if retry {
			wait = retryInterval
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-wake:
			if retry {
				// What failed waits its pause whatever else arrives.
				select {
				case <-ctx.Done():
				case <-timer.C:
				}
			}
		case <-timer.C:
		}
		timer.Stop()
	}
}

// pump feeds the backend's stream to the notify handler the way Lambda's
// event source mapping does: in batches, a batch with failures handed
// over again from its first failed record after retryInterval, until
// every record is settled.
func (s *Server) pump(ctx context.Context) {
	defer close(s.done)
	shard := dynamostreams.Shard{
		Handler:    s.handleLogged,
		BatchSize:  followBatch,
		Timeout:    invocationTimeout,
		MaxRetries: -1,
		RetryPause: retryInterval,
	}
	poll(ctx, nil, func(ctx context.Context) bool {
		recs, err := s.stream.Read(ctx)
		if err != nil {
			s.log.Warn("cannot read the stream", "error", err)
			return false
		}
		shard.Drain(ctx, recs)
		return false
	})
}

// handleLogged is the notify handler, saying when a batch must be handed
// over again.
func (s *Server) handleLogged(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	resp, err := s.notify.Handle(ctx, e)
	if err != nil {
		s.log.Error("notify handler failed", "error", err)
	} else if n := len(resp.BatchItemFailures); n > 0 {
		s.log.Info(fmt.Sprintf("%d stream records will be retried", n))
	}
	return resp, err
}

// follow feeds the embedded store's change log to the notify handler, as
// Lambda's event source mapping feeds a table's stream with batch item
// failures reported: each batch is delivered, the consumer's position
// moves up to the first change that must be tried again, and that change
// is handed over again after a pause. The position is kept in the
// database, so a restart resumes where the last run stopped, and a change
// is never skipped; the delivery records keep an email from going twice.
func (s *Server) follow(ctx context.Context) {
	defer close(s.done)
	poll(ctx, s.local.Changed(), s.followOnce)
}

// followOnce delivers the changes waiting, batch by batch, and reports
// whether one must be tried again.
func (s *Server) followOnce(ctx context.Context) bool {
	for ctx.Err() == nil {
		batch, err := s.local.Changes(ctx, followBatch)
		if err != nil {
			s.log.Error("cannot read the change log", "file", s.local.Path(), "error", err)
			return true
		}
		if len(batch) == 0 {
			return false
		}
		done := s.deliverChanges(ctx, batch)
		// The position moves past every change delivered before the first
		// that was not.
		reached := uint64(0)
		for i, c := range batch {
			if !done[i] {
				break
			}
			reached = c.Seq
		}
		if reached > 0 {
			if err := s.local.Consumed(ctx, reached); err != nil {
				s.log.Error("cannot record the change log's position", "file", s.local.Path(), "error", err)
				return true
			}
		}
		if reached != batch[len(batch)-1].Seq {
			return true
		}
	}
	return false
}

// deliverChanges hands each change to the notify handler, several at once,
// with the time a Lambda invocation would have, and reports which were
// done. The changes of one request go to one worker, in order, as a
// stream keeps an item's records in order.
func (s *Server) deliverChanges(ctx context.Context, batch []localstore.Change) []bool {
	ctx, cancel := context.WithTimeout(ctx, invocationTimeout)
	defer cancel()
	done := make([]bool, len(batch))
	lanes := make([][]int, followWorkers)
	for i, c := range batch {
		lane := 0
		if c.After != nil {
			h := fnv.New32a()
			h.Write([]byte(c.After.ID))
			lane = int(h.Sum32() % followWorkers)
		}
		lanes[lane] = append(lanes[lane], i)
	}
	var wg sync.WaitGroup
	for _, lane := range lanes {
		if len(lane) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, i := range lane {
				c := batch[i]
				if c.Err != nil {
					// A record that cannot be read will not read better
					// next time; it is logged, without its contents, and
					// skipped, as the stream handler skips one.
					s.log.Error("unreadable change in the change log", "seq", c.Seq, "error", c.Err)
					done[i] = true
					continue
				}
				if done[i] = s.notify.Deliver(ctx, c.Change); !done[i] {
					// What follows in the lane waits for the retry, so
					// that a request's changes stay in order.
					return
				}
			}
		}()
	}
	wg.Wait()
	return done
}
