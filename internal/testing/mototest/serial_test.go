package mototest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// overlaps is a fake next transport that records how many requests it holds
// at once. It holds each request until two have been in flight together or
// hold passes, so a transport that lets requests overlap is caught by the
// first two rather than by chance.
type overlaps struct {
	hold time.Duration

	mu       sync.Mutex
	inFlight int
	most     int
	calls    int
	overlap  chan struct{} // closed once two requests were in flight together
}

func newOverlaps(hold time.Duration) *overlaps {
	return &overlaps{hold: hold, overlap: make(chan struct{})}
}

func (o *overlaps) RoundTrip(req *http.Request) (*http.Response, error) {
	o.mu.Lock()
	o.calls++
	o.inFlight++
	if o.inFlight > o.most {
		o.most = o.inFlight
		if o.most == 2 {
			close(o.overlap)
		}
	}
	o.mu.Unlock()

	select {
	case <-o.overlap:
	case <-time.After(o.hold):
	}

	o.mu.Lock()
	o.inFlight--
	o.mu.Unlock()
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
		Body:       io.NopCloser(strings.NewReader("{}")),
		Request:    req,
	}, nil
}

func (o *overlaps) result() (most, calls int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.most, o.calls
}

func dynamoDBRequest(t *testing.T, ctx context.Context, target string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://127.0.0.1:1/", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	return req
}

func TestSerialTransport(t *testing.T) {
	tests := []struct {
		name    string
		targets []string // the concurrent calls' X-Amz-Target, in turn
		serial  bool
	}{
		{name: "conditional puts", targets: []string{"DynamoDB_20120810.PutItem"}, serial: true},
		{name: "updates", targets: []string{"DynamoDB_20120810.UpdateItem"}, serial: true},
		{name: "deletes", targets: []string{"DynamoDB_20120810.DeleteItem"}, serial: true},
		{name: "transactions", targets: []string{"DynamoDB_20120810.TransactWriteItems"}, serial: true},
		{name: "batch writes", targets: []string{"DynamoDB_20120810.BatchWriteItem"}, serial: true},
		{name: "statements", targets: []string{"DynamoDB_20120810.ExecuteStatement", "DynamoDB_20120810.BatchExecuteStatement", "DynamoDB_20120810.ExecuteTransaction"}, serial: true},
		{name: "different writes", targets: []string{"DynamoDB_20120810.PutItem", "DynamoDB_20120810.UpdateItem", "DynamoDB_20120810.DeleteItem", "DynamoDB_20120810.TransactWriteItems"}, serial: true},
		// A read may otherwise see an UpdateItem half applied.
		{name: "reads and writes", targets: []string{"DynamoDB_20120810.GetItem", "DynamoDB_20120810.UpdateItem", "DynamoDB_20120810.Query", "DynamoDB_20120810.Scan"}, serial: true},
		{name: "stream reads", targets: []string{"DynamoDBStreams_20120810.GetRecords", "DynamoDBStreams_20120810.GetShardIterator"}},
		// SES's query protocol carries no X-Amz-Target at all.
		{name: "other services", targets: []string{""}},
	}
	const n = 8
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Serialized calls each wait out the hold, so it is short for
			// them; calls that may overlap meet within it, however busy
			// the machine.
			hold := 5 * time.Second
			if tt.serial {
				hold = 20 * time.Millisecond
			}
			next := newOverlaps(hold)
			rt := &serialTransport{next: next, lock: newCallLock()}
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				req := dynamoDBRequest(t, context.Background(), tt.targets[i%len(tt.targets)])
				wg.Go(func() {
					resp, err := rt.RoundTrip(req)
					if err != nil {
						errs[i] = err
						return
					}
					defer resp.Body.Close()
					if body, err := io.ReadAll(resp.Body); err != nil || string(body) != "{}" {
						errs[i] = errors.New("answer lost on the way: " + string(body))
					}
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("call %d: %v", i, err)
				}
			}

			most, calls := next.result()
			if calls != n {
				t.Errorf("%d calls reached the server, want %d", calls, n)
			}
			if got, want := most == 1, tt.serial; got != want {
				t.Errorf("at most %d calls in flight together; serialized = %v, want %v", most, got, want)
			}
		})
	}
}

// holdPuts is a fake next transport that holds each PutItem until release
// is closed and answers everything else at once. It tells requests apart by
// their operation rather than by their order of arrival, which a busy
// machine may change.
type holdPuts struct {
	release chan struct{}
	reached chan string // the X-Amz-Target of each request it receives
}

func (h *holdPuts) RoundTrip(req *http.Request) (*http.Response, error) {
	target := req.Header.Get("X-Amz-Target")
	h.reached <- target
	if target == "DynamoDB_20120810.PutItem" {
		<-h.release
	}
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: req}, nil
}

// TestSerialTransportWhileACallIsInFlight: while one DynamoDB call is at
// the server, other DynamoDB calls wait and give up with their context, and
// stream reads and other services pass.
func TestSerialTransportWhileACallIsInFlight(t *testing.T) {
	next := &holdPuts{release: make(chan struct{}), reached: make(chan string, 10)}
	rt := &serialTransport{next: next, lock: newCallLock()}

	firstDone := make(chan error, 1)
	first := dynamoDBRequest(t, context.Background(), "DynamoDB_20120810.PutItem")
	go func() {
		_, err := rt.RoundTrip(first)
		firstDone <- err
	}()
	if got := <-next.reached; got != "DynamoDB_20120810.PutItem" {
		t.Fatalf("first request at the server is %q", got)
	}

	tests := []struct {
		target string
		wait   bool
	}{
		{"DynamoDB_20120810.UpdateItem", true},
		{"DynamoDB_20120810.GetItem", true},
		{"DynamoDBStreams_20120810.GetRecords", false},
		{"", false}, // SES
	}
	for _, tt := range tests {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		_, err := rt.RoundTrip(dynamoDBRequest(t, ctx, tt.target))
		cancel()
		if tt.wait {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%q while a call is in flight: error = %v, want %v", tt.target, err, context.DeadlineExceeded)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q while a call is in flight: %v", tt.target, err)
		}
		if got := <-next.reached; got != tt.target {
			t.Errorf("server received %q, want %q", got, tt.target)
		}
	}

	close(next.release)
	if err := <-firstDone; err != nil {
		t.Fatalf("first call: %v", err)
	}
	if _, err := rt.RoundTrip(dynamoDBRequest(t, context.Background(), "DynamoDB_20120810.UpdateItem")); err != nil {
		t.Errorf("call after the first finished: %v", err)
	}
	// Only this last call may have reached the server since: the ones that
	// gave up never did.
	if got := <-next.reached; got != "DynamoDB_20120810.UpdateItem" || len(next.reached) != 0 {
		t.Errorf("server received %q and %d more after the first call, want only the last update", got, len(next.reached))
	}
}
