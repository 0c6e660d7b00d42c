package devserver

import (
	"context"
	"hash/fnv"
	"sync"
	"time"

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

// follow feeds the embedded store's change log to the notify handler, as
// Lambda's event source mapping feeds a table's stream with batch item
// failures reported: each batch is delivered, the consumer's position
// moves up to the first change that must be tried again, and that change
// is handed over again after a pause. The position is kept in the
// database, so a restart resumes where the last run stopped, and a change
// is never skipped; the delivery records keep an email from going twice.
func (s *Server) follow(ctx context.Context) {
	defer close(s.done)
	for {
		retry := s.followOnce(ctx)
		wait := pumpInterval
		if retry {
			wait = retryInterval
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-s.local.Changed():
			if retry {
				// Failed changes wait their pause whatever else arrives.
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
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
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
