package dynamo

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"example.com/appointments/internal/httpapi"
)

// TestNewSubmissionIsOneRoundTrip: a new request within every limit costs
// the patient one call to DynamoDB, which counts it against the three
// limits, takes its claims and stores it.
func TestNewSubmissionIsOneRoundTrip(t *testing.T) {
	tb := newTable(t)
	ft := &faults{next: http.DefaultTransport, fail: func(string, int) fault { return pass }}
	h := newAPI(t, tb.clientWith(ft), tb.name)
	resp := post(t, h, "application/json", submission, "idempotency-key", "one-trip")
	if resp.StatusCode != 201 {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	if n := ft.sent.Load(); n != 1 {
		t.Errorf("%d calls to DynamoDB, want 1", n)
	}
	if n := ft.count("TransactWriteItems"); n != 1 {
		t.Errorf("%d transactions, want 1", n)
	}
	for typ, want := range map[string]int{"request": 1, "idempotency": 1, "dedupe": 1, "counter": 3} {
		if n := len(tb.items(t, typ)); n != want {
			t.Errorf("%d %s items, want %d", n, typ, want)
		}
	}
}

// TestHoneypotIsOneRoundTrip: a submission caught by the honeypot costs
// DynamoDB the work a real one does, one transaction, which counts it
// against the three limits (and its decoy's own counter) and stores no
// request and no claim; so its answer comes as soon as a real one's. Sent
// again, it is answered as a replay; and it meets the per-address limit
// as a real request does.
func TestHoneypotIsOneRoundTrip(t *testing.T) {
	tb := newTable(t)
	ft := &faults{next: http.DefaultTransport, fail: func(string, int) fault { return pass }}
	h := newAPI(t, tb.clientWith(ft), tb.name, func(c *httpapi.Config) {
		c.PerAddress = httpapi.Limit{Max: 3, Window: 24 * time.Hour}
	})
	trapped := func(name string) string {
		body := strings.Replace(submission, `"firstName":"Jordan"`, `"firstName":"`+name+`"`, 1)
		return strings.Replace(body, `"consent":true`, `"consent":true,"_gotcha":"http://spam.example"`, 1)
	}
	first := post(t, h, "application/json", trapped("Jordan"))
	if first.StatusCode != 201 {
		t.Fatalf("status %d: %s", first.StatusCode, first.Body)
	}
	if n := ft.sent.Load(); n != 1 {
		t.Errorf("%d calls to DynamoDB, want 1", n)
	}
	if n := ft.count("TransactWriteItems"); n != 1 {
		t.Errorf("%d transactions, want 1", n)
	}
	for typ, want := range map[string]int{"request": 0, "idempotency": 0, "dedupe": 0, "counter": 4} {
		if n := len(tb.items(t, typ)); n != want {
			t.Errorf("%d %s items, want %d", n, typ, want)
		}
	}

	again := post(t, h, "application/json", trapped("Jordan"))
	if again.StatusCode != 201 || again.Body != first.Body || again.Headers["Idempotent-Replayed"] != "true" {
		t.Errorf("sent again: %d %s (replayed %q), want the first answer replayed", again.StatusCode, again.Body, again.Headers["Idempotent-Replayed"])
	}
	var statuses []int
	for _, name := range []string{"Sam", "Alex", "Kim"} {
		resp := post(t, h, "application/json", trapped(name))
		statuses = append(statuses, resp.StatusCode)
		if resp.StatusCode == 429 && !strings.Contains(resp.Body, "address_rate_limited") {
			t.Errorf("%s: 429 without the address code: %s", name, resp.Body)
		}
	}
	if want := []int{201, 201, 429}; !slices.Equal(statuses, want) {
		t.Errorf("statuses %v, want %v", statuses, want)
	}
	if n := len(tb.items(t, "request")); n != 0 {
		t.Errorf("%d requests stored, want none", n)
	}
}

// TestLostTransactionAnswer: the transaction stores the request but its
// answer is lost, and the SDK's retry is refused because the request now
// exists. The step-by-step path then finds the submission's own claims:
// the patient gets the request's receipt, not marked as a replay, and one
// request is stored.
func TestLostTransactionAnswer(t *testing.T) {
	tb := newTable(t)
	ft := &faults{next: http.DefaultTransport, fail: func(op string, call int) fault {
		return map[bool]fault{true: lostResponse}[op == "TransactWriteItems" && call == 1]
	}}
	h := newAPI(t, tb.clientWith(ft), tb.name)
	resp := post(t, h, "application/json", submission, "idempotency-key", "lost")
	if resp.StatusCode != 201 {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	if resp.Headers["Idempotent-Replayed"] == "true" {
		t.Error("the first answer the patient sees is marked as a replay")
	}
	if n := len(tb.items(t, "request")); n != 1 {
		t.Errorf("%d requests stored, want 1", n)
	}
}

// TestChallengeVerifiedOnce: a bot challenge's token is good for one
// verification. When the one-write path does not apply (here, the client
// is over its limit), the step-by-step path uses the verification already
// made rather than asking again.
func TestChallengeVerifiedOnce(t *testing.T) {
	tb := newTable(t)
	ch := &countingChallenge{}
	h := newAPI(t, tb.client, tb.name, func(c *httpapi.Config) {
		c.Challenge = ch
		c.Accepted = httpapi.Limit{Max: 1, Window: time.Hour}
	})
	first := post(t, h, "application/json", submission)
	second := post(t, h, "application/json", strings.Replace(submission, "Tight", "Sore", 1))
	if first.StatusCode != 201 || second.StatusCode != 429 {
		t.Fatalf("statuses %d, %d; want 201, 429", first.StatusCode, second.StatusCode)
	}
	// The second submission's challenge is verified on the one-write path,
	// and again reached on the step-by-step path before its limit.
	if n := ch.calls.Load(); n != 2 {
		t.Errorf("%d verifications for 2 submissions, want 2", n)
	}
}

type countingChallenge struct{ calls atomic.Int32 }

func (c *countingChallenge) Verify(ctx context.Context, token, remoteIP string) (bool, error) {
	c.calls.Add(1)
	return true, nil
}
