package dynamo

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/httpapi"
	"example.com/appointments/internal/libphonenumber"
)

// These tests drive the real HTTP handler over the real store and moto, so
// that idempotency, double-submit suppression and failures are checked
// through DynamoDB's own conditional writes.

const origin = "https://www.example.com"

// testKey is the hashing key the handler under test counts clients with.
var testKey = []byte("test-key-test-key-test-key-test-key")

type noMetrics struct{}

func (noMetrics) Count(string, map[string]string) {}

// newAPI returns the real handler over the real store, with limits loose
// enough for the tests' traffic unless configure changes them.
func newAPI(t testing.TB, c Client, table string, configure ...func(*httpapi.Config)) *httpapi.Handler {
	t.Helper()
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg := httpapi.Config{
		AllowedOrigins: []string{origin},
		ThankYouURL:    origin + "/thank-you",
		Accepted:       httpapi.Limit{Max: 100, Window: time.Hour},
		Attempts:       httpapi.Limit{Max: 1000, Window: time.Hour},
		PerAddress:     httpapi.Limit{Max: 100, Window: 24 * time.Hour},
		Key:            testKey,
		Phones:         libphonenumber.Reader{},
	}
	for _, f := range configure {
		f(&cfg)
	}
	h, err := httpapi.New(cfg, p, New(c, table, 365), slog.New(slog.NewJSONHandler(io.Discard, nil)), noMetrics{})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

const submission = `{"firstName":"Jordan","lastName":"Rivera","email":"jordan@example.com","phone":"(303) 555-0142",` +
	`"service":"dry-needling","preferredDays":["wed","mon"],"preferredTimes":["morning"],"newPatient":"yes",` +
	`"contactMethod":"text","reason":"Tight shoulder.\r\nWorse at night.","consent":true}`

func post(t testing.TB, h *httpapi.Handler, contentType, body string, headers ...string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	e := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "POST /appointments", RawPath: "/appointments", Body: body,
		Headers: map[string]string{"content-type": contentType, "origin": origin},
	}
	e.RequestContext.HTTP.Method = "POST"
	e.RequestContext.HTTP.SourceIP = "198.51.100.20"
	for i := 0; i+1 < len(headers); i += 2 {
		e.Headers[headers[i]] = headers[i+1]
	}
	resp, err := h.Handle(context.Background(), e)
	if err != nil {
		t.Fatalf("Handle() error = %v", err)
	}
	return resp
}

func TestSubmitStoresNormalisedRequest(t *testing.T) {
	tb := newTable(t)
	h := newAPI(t, tb.client, tb.name)
	resp := post(t, h, "application/json", submission)
	if resp.StatusCode != 201 {
		t.Fatalf("status = %d: %s", resp.StatusCode, resp.Body)
	}
	var body struct{ ID, Reference, Status string }
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatal(err)
	}
	stored := tb.items(t, "request")
	if len(stored) != 1 {
		t.Fatalf("%d requests stored, want 1", len(stored))
	}
	item := stored[0]
	got := map[string]string{}
	for k := range item {
		got[k] = stringAttr(item, k)
	}
	want := map[string]string{
		"pk": "REQ#" + body.ID, "id": body.ID, "reference": body.Reference, "phone": "+13035550142",
		"contactMethod": "text", "reason": "Tight shoulder.\nWorse at night.", "status": "received", "location": "main",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if d := strings.Join(listAttr(item, "preferredDays"), ","); d != "mon,wed" {
		t.Errorf("preferredDays = %s", d)
	}
	for _, k := range []string{"consent", "_gotcha"} {
		if _, ok := item[k]; ok {
			t.Errorf("item stores %s", k)
		}
	}
}

func TestSubmitReplaysThroughDynamoDB(t *testing.T) {
	tb := newTable(t)
	h := newAPI(t, tb.client, tb.name)

	first := post(t, h, "application/json", submission, "idempotency-key", "abc-123")
	again := post(t, h, "application/json", submission, "idempotency-key", "abc-123")
	if first.StatusCode != 201 || again.StatusCode != 201 || again.Body != first.Body {
		t.Fatalf("replay: %d %s, then %d %s", first.StatusCode, first.Body, again.StatusCode, again.Body)
	}
	if again.Headers["Idempotent-Replayed"] != "true" {
		t.Error("replay not marked Idempotent-Replayed")
	}
	changed := post(t, h, "application/json", strings.Replace(submission, "Tight", "Sore", 1), "idempotency-key", "abc-123")
	if changed.StatusCode != 422 || !strings.Contains(changed.Body, "idempotency_key_reused") {
		t.Errorf("same key, other body: %d %s", changed.StatusCode, changed.Body)
	}

	// A plain form post of the same request, clicked twice: both land on the
	// thank-you page with the first request's reference.
	form := url.Values{"firstName": {"Sam"}, "lastName": {"Lee"}, "email": {"sam@example.com"}, "phone": {"3035550199"},
		"service": {"evaluation"}, "consent": {"on"}}.Encode()
	a := post(t, h, "application/x-www-form-urlencoded", form)
	b := post(t, h, "application/x-www-form-urlencoded", form)
	if a.StatusCode != 303 || b.StatusCode != 303 || a.Headers["Location"] != b.Headers["Location"] {
		t.Errorf("double submit: %d %s, then %d %s", a.StatusCode, a.Headers["Location"], b.StatusCode, b.Headers["Location"])
	}
	if n := len(tb.items(t, "request")); n != 2 {
		t.Errorf("%d requests stored, want 2", n)
	}
}

// TestSubmitConcurrentSameKey sends twenty submissions with one
// Idempotency-Key at once. The table's clients have moto apply each call
// atomically, as DynamoDB does and moto under load does not, but the
// submissions' calls still interleave: two stored requests or two different
// answers can only come from the claim protocol.
func TestSubmitConcurrentSameKey(t *testing.T) {
	tb := newTable(t)
	h := newAPI(t, tb.client, tb.name)
	const n = 20
	resps := make([]events.APIGatewayV2HTTPResponse, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resps[i] = post(t, h, "application/json", submission, "idempotency-key", "same-key")
		}()
	}
	wg.Wait()
	if got := len(tb.items(t, "request")); got != 1 {
		t.Fatalf("%d requests stored, want exactly 1", got)
	}
	for i, r := range resps {
		if r.StatusCode != 201 || r.Body != resps[0].Body {
			t.Errorf("response %d: %d %s, want the same 201 as the first", i, r.StatusCode, r.Body)
		}
	}
}

func TestSubmitWhileDynamoDBFails(t *testing.T) {
	tests := []struct {
		name string
		fail func(op string, call int) fault
	}{
		{"everything fails", func(string, int) fault { return serverError }},
		{"the transaction fails", func(op string, _ int) fault { return map[bool]fault{true: serverError}[op == "TransactWriteItems"] }},
		// A cancelled transaction sends the submission the step-by-step way.
		{"claims fail", func(op string, _ int) fault {
			return map[string]fault{"TransactWriteItems": canceled, "PutItem": serverError}[op]
		}},
		{"request write fails", func(op string, call int) fault {
			if op == "TransactWriteItems" {
				return canceled
			}
			return map[bool]fault{true: serverError}[op == "PutItem" && call > 2]
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := newTable(t)
			h := newAPI(t, tb.clientWith(&faults{next: http.DefaultTransport, fail: tt.fail}), tb.name)
			resp := post(t, h, "application/json", submission, "idempotency-key", "k")
			if resp.StatusCode != 503 || resp.Headers["Retry-After"] == "" {
				t.Fatalf("status = %d, Retry-After %q", resp.StatusCode, resp.Headers["Retry-After"])
			}
			if !strings.Contains(resp.Headers["Content-Type"], "problem+json") || strings.Contains(resp.Body, "DynamoDB") {
				t.Errorf("body = %s", resp.Body)
			}
			for _, typ := range []string{"request", "idempotency", "dedupe"} {
				if n := len(tb.items(t, typ)); n != 0 {
					t.Errorf("%d %s items written, want none", n, typ)
				}
			}
		})
	}
}
