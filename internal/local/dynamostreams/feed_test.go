package dynamostreams

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// fakeFunction answers invocations from a script and records the batches
// it was handed, by their first and last sequence numbers.
type fakeFunction struct {
	batches []string
	// answer returns the failures, or an error, for a batch.
	answer func(batch []events.DynamoDBEventRecord) ([]string, error)
}

func (f *fakeFunction) handle(_ context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	recs := e.Records
	f.batches = append(f.batches, recs[0].Change.SequenceNumber+"-"+recs[len(recs)-1].Change.SequenceNumber)
	failed, err := f.answer(recs)
	var resp events.DynamoDBEventResponse
	for _, seq := range failed {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: seq})
	}
	return resp, err
}

func records(n int) []events.DynamoDBEventRecord {
	var out []events.DynamoDBEventRecord
	for i := 1; i <= n; i++ {
		out = append(out, events.DynamoDBEventRecord{Change: events.DynamoDBStreamRecord{SequenceNumber: fmt.Sprint(i)}})
	}
	return out
}

// TestShardRetriesFromTheFirstFailure: a batch with failures is retried
// from the first of them; a batch retried more than the retry limit goes to
// the dead-letter list and the shard moves on; a function error halves the
// batch.
func TestShardRetriesFromTheFirstFailure(t *testing.T) {
	tries := map[string]int{}
	f := &fakeFunction{answer: func(batch []events.DynamoDBEventRecord) ([]string, error) {
		var failed []string
		for _, r := range batch {
			seq := r.Change.SequenceNumber
			tries[seq]++
			switch {
			case seq == "3" && tries[seq] == 1, seq == "5" && tries[seq] <= 2:
				failed = append(failed, seq)
			case seq == "8":
				// Never succeeds.
				failed = append(failed, seq)
			}
		}
		return failed, nil
	}}
	st := Shard{Handler: f.handle, BatchSize: 4, Timeout: time.Minute, MaxRetries: 2}.Drain(context.Background(), records(10))
	want := []string{"1-4", "3-4", "5-8", "5-8", "5-8", "8-8", "8-8", "9-10"}
	if !slices.Equal(f.batches, want) {
		t.Errorf("batches %v, want %v", f.batches, want)
	}
	if !slices.Equal(st.DeadLetters, []string{"8"}) || st.Invocations != len(want) || st.Retries != 5 {
		t.Errorf("stats %+v", st)
	}

	f = &fakeFunction{answer: func(batch []events.DynamoDBEventRecord) ([]string, error) {
		if len(batch) > 2 {
			return nil, errors.New("crashed")
		}
		return nil, nil
	}}
	st = Shard{Handler: f.handle, BatchSize: 8, Timeout: time.Minute, MaxRetries: 5}.Drain(context.Background(), records(8))
	want = []string{"1-8", "1-4", "1-2", "3-4", "5-8", "5-6", "7-8"}
	if !slices.Equal(f.batches, want) || st.Errors != 3 || len(st.DeadLetters) != 0 {
		t.Errorf("batches %v (want %v), stats %+v", f.batches, want, st)
	}
}

// TestInvoke: one invocation says from which record its batch must be
// handed over again, and whether it failed as a whole.
func TestInvoke(t *testing.T) {
	batch := records(4)
	tests := []struct {
		name      string
		failed    []string
		err       error
		sleep     time.Duration
		wantRetry int
		wantWhole bool
	}{
		{name: "settled", wantRetry: -1},
		{name: "the first failure", failed: []string{"4", "2"}, wantRetry: 1},
		{name: "a failure outside the batch", failed: []string{"9"}, wantRetry: 0},
		{name: "an error", err: errors.New("crashed"), wantRetry: 0, wantWhole: true},
		{name: "past its deadline", sleep: 50 * time.Millisecond, wantRetry: 0, wantWhole: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
				if tt.sleep > 0 {
					<-ctx.Done()
				}
				var resp events.DynamoDBEventResponse
				for _, seq := range tt.failed {
					resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: seq})
				}
				return resp, tt.err
			}
			timeout := time.Minute
			if tt.sleep > 0 {
				timeout = tt.sleep
			}
			got := Invoke(context.Background(), h, batch, timeout)
			if got.Retry != tt.wantRetry || got.Whole() != tt.wantWhole {
				t.Errorf("Invoke() = %+v, want Retry %d, Whole %t", got, tt.wantRetry, tt.wantWhole)
			}
			if !tt.wantWhole && !slices.Equal(got.Failed, tt.failed) {
				t.Errorf("Failed = %v, want %v", got.Failed, tt.failed)
			}
		})
	}
}

// TestShardRetriesForeverAfterAPause: with a negative MaxRetries a record
// is handed over until it is settled, nothing is dead-lettered, and each
// retry waits RetryPause; the drain ends when ctx does.
func TestShardRetriesForeverAfterAPause(t *testing.T) {
	tries := 0
	f := &fakeFunction{answer: func(batch []events.DynamoDBEventRecord) ([]string, error) {
		tries++
		if tries <= 3 {
			return []string{"2"}, nil
		}
		return nil, nil
	}}
	var pauses []time.Duration
	pause := func(_ context.Context, d time.Duration) error {
		pauses = append(pauses, d)
		return nil
	}
	st := Shard{Handler: f.handle, BatchSize: 10, Timeout: time.Minute, MaxRetries: -1, RetryPause: 2 * time.Second, pause: pause}.Drain(context.Background(), records(3))
	want := []string{"1-3", "2-3", "2-3", "2-3"}
	if !slices.Equal(f.batches, want) || len(st.DeadLetters) != 0 || st.Retries != 3 {
		t.Errorf("batches %v (want %v), stats %+v", f.batches, want, st)
	}
	if want := []time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}; !slices.Equal(pauses, want) {
		t.Errorf("pauses %v, want one of RetryPause before each retry: %v", pauses, want)
	}

	ctx, cancel := context.WithCancel(context.Background())
	f = &fakeFunction{answer: func(batch []events.DynamoDBEventRecord) ([]string, error) {
		cancel()
		return []string{"1"}, nil
	}}
	st = Shard{Handler: f.handle, BatchSize: 10, Timeout: time.Minute, MaxRetries: -1, RetryPause: time.Hour}.Drain(ctx, records(2))
	if st.Invocations != 1 {
		t.Errorf("after ctx ended: %+v, want the one invocation before", st)
	}
}
