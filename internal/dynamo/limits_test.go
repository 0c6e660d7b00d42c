package dynamo

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/httpapi"
)

// TestMailCannonThroughDynamoDB repeats the attack on the confirmation
// email against the real store: 65 requests naming one stranger's address
// with different names from one client, then 40 more from 40 other
// clients. The address's daily allowance is all that is stored (so all the
// confirmations the stream will send), and every other request gets 429.
func TestMailCannonThroughDynamoDB(t *testing.T) {
	tb := newTable(t)
	h := newAPI(t, tb.client, tb.name, func(c *httpapi.Config) {
		c.PerAddress = httpapi.Limit{Max: 3, Window: 24 * time.Hour}
	})
	statuses := map[int]int{}
	for i := range 105 {
		body := strings.Replace(submission, "jordan@example.com", "victim@example.com", 1)
		body = strings.Replace(body, `"firstName":"Jordan"`, `"firstName":"Name`+letters(i)+`"`, 1)
		e := events.APIGatewayV2HTTPRequest{
			Version: "2.0", RouteKey: "POST /appointments", RawPath: "/appointments", Body: body,
			Headers: map[string]string{"content-type": "application/json", "origin": origin},
		}
		e.RequestContext.HTTP.Method = "POST"
		e.RequestContext.HTTP.SourceIP = "198.51.100.20"
		if i >= 65 {
			e.RequestContext.HTTP.SourceIP = "203.0.113." + strconv.Itoa(i-64)
		}
		resp, err := h.Handle(t.Context(), e)
		if err != nil {
			t.Fatal(err)
		}
		statuses[resp.StatusCode]++
		if resp.StatusCode == 429 && (resp.Headers["Retry-After"] == "" || !strings.Contains(resp.Body, "address_rate_limited")) {
			t.Fatalf("request %d: 429 without Retry-After or the address code: %v %s", i, resp.Headers, resp.Body)
		}
	}
	if statuses[201] != 3 || statuses[429] != 102 {
		t.Errorf("statuses %v, want 3 × 201 and 102 × 429", statuses)
	}
	if n := len(tb.items(t, "request")); n != 3 {
		t.Errorf("%d requests stored, want 3", n)
	}
	for _, c := range tb.items(t, "counter") {
		if pk := stringAttr(c, "pk"); strings.Contains(pk, "victim") || strings.Contains(pk, "198.51.100") {
			t.Errorf("counter key %q holds a patient detail", pk)
		}
	}
}

// letters spells n in letters, so that each request has another name.
func letters(n int) string {
	s := ""
	for {
		s = string(rune('a'+n%26)) + s
		n /= 26
		if n == 0 {
			return s
		}
	}
}
