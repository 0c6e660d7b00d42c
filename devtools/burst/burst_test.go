package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

func TestMain(m *testing.M) {
	// The busy process is a copy of the running executable: under go test,
	// this test binary.
	if os.Getenv(spinEnv) != "" {
		spin()
	}
	os.Exit(m.Run())
}

// TestShortBurst runs the program as CI does (-short): every request gets
// each of its two emails exactly once, and nothing reaches the dead-letter
// list.
func TestShortBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("needs moto_server; runs without -short (make test)")
	}
	res, err := run(context.Background(), config{short: true, pace: true})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res.print(&out)
	t.Log("\n" + out.String())
	if p := res.problems(); len(p) > 0 {
		t.Errorf("problems: %v", p)
	}
	if res.requests != 30 || res.sent != 2*res.requests || res.duplicates != 0 || res.missing != 0 || len(res.shard.deadLetters) != 0 {
		t.Errorf("%d requests: %d sent, %d duplicates, %d missing, %d dead letters; want each request's two emails once",
			res.requests, res.sent, res.duplicates, res.missing, len(res.shard.deadLetters))
	}
	if res.quotaCalls != 1 {
		t.Errorf("GetSendQuota called %d times, want once for the whole burst", res.quotaCalls)
	}
}

// TestSettings reads NotifyFunction's settings from template.yaml.
func TestSettings(t *testing.T) {
	template, err := os.ReadFile(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := readSettings(template)
	if err != nil {
		t.Fatal(err)
	}
	if s.timeout <= 0 || s.batchSize <= 0 || s.maxRetries < 0 {
		t.Errorf("settings %+v", s)
	}
	// Without its own Timeout the function has the Globals' one.
	s, err = readSettings([]byte(`
Globals:
  Function:
    Timeout: 10
Resources:
  NotifyFunction:
    Properties:
      Role: !GetAtt R.Arn
      Events:
        RequestsStream:
          Properties:
            Stream: !GetAtt T.StreamArn
            BatchSize: 7
            MaximumRetryAttempts: 3
`))
	if err != nil || s != (settings{timeout: 10, batchSize: 7, maxRetries: 3}) {
		t.Errorf("readSettings() = %+v, %v", s, err)
	}
}

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
	st := shard{handler: f.handle, batchSize: 4, timeout: time.Minute, maxRetries: 2}.drain(context.Background(), records(10))
	want := []string{"1-4", "3-4", "5-8", "5-8", "5-8", "8-8", "8-8", "9-10"}
	if !slices.Equal(f.batches, want) {
		t.Errorf("batches %v, want %v", f.batches, want)
	}
	if !slices.Equal(st.deadLetters, []string{"8"}) || st.invocations != len(want) || st.retries != 5 {
		t.Errorf("stats %+v", st)
	}

	f = &fakeFunction{answer: func(batch []events.DynamoDBEventRecord) ([]string, error) {
		if len(batch) > 2 {
			return nil, errors.New("crashed")
		}
		return nil, nil
	}}
	st = shard{handler: f.handle, batchSize: 8, timeout: time.Minute, maxRetries: 5}.drain(context.Background(), records(8))
	want = []string{"1-8", "1-4", "1-2", "3-4", "5-8", "5-6", "7-8"}
	if !slices.Equal(f.batches, want) || st.errors != 3 || len(st.deadLetters) != 0 {
		t.Errorf("batches %v (want %v), stats %+v", f.batches, want, st)
	}
}
