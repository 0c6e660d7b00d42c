package httpapi

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// readEvent reads one of the sample API Gateway events in infra/events: the
// payloads sam local and make invoke send, in the form API Gateway delivers.
func readEvent(t testing.TB, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "infra", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	var e events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return e
}

// TestSampleEvents answers the real payloads: a script's JSON post, a
// plain form post (base64, as API Gateway sends form bodies) and an
// invalid one.
func TestSampleEvents(t *testing.T) {
	tests := []struct {
		event  string
		status int
		check  func(t *testing.T, f *fixture, resp events.APIGatewayV2HTTPResponse)
	}{
		{"submit-json.json", 201, func(t *testing.T, f *fixture, resp events.APIGatewayV2HTTPResponse) {
			if d := f.store.dedupes[0]; d.IdempotencyKey != "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b" {
				t.Errorf("Idempotency-Key = %q", d.IdempotencyKey)
			}
			if r := f.store.created[0]; r.Email != "jordan.rivera@example.com" || r.Phone != "+13035550142" {
				t.Errorf("stored %s, %s", r.Email, r.Phone)
			}
		}},
		{"submit-form.json", 303, func(t *testing.T, f *fixture, resp events.APIGatewayV2HTTPResponse) {
			loc, err := url.Parse(resp.Headers["Location"])
			q := loc.Query()
			if err != nil || !strings.HasPrefix(loc.String(), site+"/thank-you?") || q.Get("from") != "form" || q.Get("reference") == "" || q.Get("lang") != "en" {
				t.Errorf("Location = %q, want the thank-you URL with the reference and lang=en", resp.Headers["Location"])
			}
		}},
		{"submit-invalid.json", 422, func(t *testing.T, f *fixture, resp events.APIGatewayV2HTTPResponse) {
			if len(f.store.created) != 0 {
				t.Error("invalid request stored")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			f := newFixture(t)
			resp := f.handle(t, readEvent(t, tt.event))
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, resp.Body)
			}
			tt.check(t, f, resp)
		})
	}
}
