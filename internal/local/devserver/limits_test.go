package devserver

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/httpapi"
	"example.com/appointments/internal/manage"
)

// endlessBody is a request body that never ends, counting what is read of
// it.
type endlessBody struct {
	fill byte
	read int
}

func (b *endlessBody) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = b.fill
	}
	b.read += len(p)
	return len(p), nil
}

// TestBodyOverTheLimitIsRefusedWhileRead: a post whose body is over the
// limit of the page it goes to gets that page's own refusal, as behind API
// Gateway, and the server stops reading the body just past the limit, so
// that a body of any size costs it no more: here the body never ends.
func TestBodyOverTheLimitIsRefusedWhileRead(t *testing.T) {
	const origin = "http://127.0.0.1:3000"
	srv, err := New(context.Background(), Options{Origin: origin, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	serve := func(method, path, contentType string, length int64, body io.Reader) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, origin+path, body)
		if length != 0 {
			req.ContentLength = length
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Origin", origin)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}

	// A body exactly at the limit is read whole and accepted.
	atLimit := jsonBody[:len(jsonBody)-1] + strings.Repeat(" ", httpapi.MaxBodyBytes-len(jsonBody)) + "}"
	rec := serve(http.MethodPost, "/appointments", "application/json", 0, strings.NewReader(atLimit))
	if rec.Code != http.StatusCreated {
		t.Fatalf("a body of %d bytes, the limit: %d %s", len(atLimit), rec.Code, rec.Body)
	}
	var receipt struct{ ID string }
	if err := json.Unmarshal(rec.Body.Bytes(), &receipt); err != nil || receipt.ID == "" {
		t.Fatalf("no request ID in %s", rec.Body)
	}
	// Acting on the request posts to its action page.
	contact := srv.links.Path(receipt.ID, appointment.ActionContact, time.Now())

	tests := []struct {
		name, path, contentType string
		// length is the Content-Length the request announces, if any.
		length int64
		limit  int
		status int
		// want is in the refusal's type or body.
		want string
	}{
		{"API, JSON", "/appointments", "application/json", 0, httpapi.MaxBodyBytes, http.StatusRequestEntityTooLarge, "application/problem+json"},
		{"API, form post", "/appointments", "application/x-www-form-urlencoded", 0, httpapi.MaxBodyBytes, http.StatusRequestEntityTooLarge, "Your request is too long"},
		{"action page", contact, "application/x-www-form-urlencoded", 0, manage.MaxBodyBytes, http.StatusBadRequest, "The form could not be read"},
		{"made-up feedback", "/_dev/outbox/1/feedback", "application/x-www-form-urlencoded", 0, maxOwnFormBody, http.StatusBadRequest, "event must be"},
		{"the clock", "/_dev/clock", "application/x-www-form-urlencoded", 0, maxOwnFormBody, http.StatusBadRequest, "The clock can move ahead"},
		// Over API Gateway's own limit by its length: API Gateway's
		// answer, and nothing read.
		{"over 10 MiB by its length", "/appointments", "application/json", 11 << 20, 0, http.StatusRequestEntityTooLarge, "Request Entity Too Large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &endlessBody{fill: 'a'}
			rec := serve(http.MethodPost, tt.path, tt.contentType, tt.length, body)
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("Content-Type") + " " + rec.Body.String(); !strings.Contains(got, tt.want) {
				t.Errorf("the refusal lacks %q:\n%s", tt.want, got)
			}
			// Reads come in buffers of their own size; a kilobyte past
			// the limit is room enough for the last one.
			if body.read > tt.limit+1<<10 {
				t.Errorf("the server read %d bytes of the body, over its limit of %d", body.read, tt.limit)
			}
		})
	}
}

// TestEndlessBodyGetsTheAPIsRefusal: over a real connection, a body that
// never ends gets the API's own refusal, for a patient's page to show,
// and the server closes the connection rather than read on.
func TestEndlessBodyGetsTheAPIsRefusal(t *testing.T) {
	ts := start(t, Options{})
	body := &endlessBody{fill: ' '}
	resp := postJSON(t, ts, io.NopCloser(body))
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("an endless body: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	if !resp.Close {
		t.Error("the server kept the connection open, to read the rest of the body")
	}
}
