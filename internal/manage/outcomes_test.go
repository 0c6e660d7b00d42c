package manage

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"example.com/appointments/internal/appointment"
)

// failingStore is the fixture's store with its reads or its writes
// failing as storage that cannot be reached fails.
type failingStore struct {
	Store
	get, transition error
}

func (s failingStore) Get(ctx context.Context, id string) (appointment.Request, error) {
	if s.get != nil {
		return appointment.Request{}, s.get
	}
	return s.Store.Get(ctx, id)
}

func (s failingStore) Transition(ctx context.Context, before, after appointment.Request) error {
	if s.transition != nil {
		return s.transition
	}
	return s.Store.Transition(ctx, before, after)
}

// TestStorageOutcomes: what storage says becomes a status and a page in
// words through the one problem table: a request no longer on file is 404,
// storage that cannot be reached or fails is 503 with Retry-After, and
// nothing is changed; an unsupported method is 405 with Allow.
func TestStorageOutcomes(t *testing.T) {
	down := errors.New("connection reset")
	tests := []struct {
		name            string
		get, transition error
		method          string
		status          int
		want            string // in the page
		retryAfter      string
	}{
		{"gone from the table", appointment.ErrNotFound, nil, http.MethodGet, http.StatusNotFound, "This request is no longer on file", ""},
		{"read fails", down, nil, http.MethodGet, http.StatusServiceUnavailable, "We could not reach our records just now", "30"},
		{"read unavailable", appointment.ErrUnavailable, nil, http.MethodPost, http.StatusServiceUnavailable, "Nothing was changed", "30"},
		{"write fails", nil, down, http.MethodPost, http.StatusServiceUnavailable, "We could not reach our records just now", "30"},
		{"method", nil, nil, http.MethodPut, http.StatusMethodNotAllowed, "This page cannot do that", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.h.store = failingStore{Store: f.store, get: tt.get, transition: tt.transition}
			resp := f.do(t, tt.method, f.h.Link(f.r.ID, appointment.ActionContact, f.now), url.Values{})
			if resp.StatusCode != tt.status || !strings.Contains(resp.Body, tt.want) {
				t.Errorf("status %d, want %d with %q\n%s", resp.StatusCode, tt.status, tt.want, resp.Body)
			}
			if got := resp.Headers["Retry-After"]; got != tt.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tt.retryAfter)
			}
			if tt.status == http.StatusMethodNotAllowed && resp.Headers["Allow"] != "GET, POST" {
				t.Errorf("Allow %q, want GET, POST", resp.Headers["Allow"])
			}
			if r := f.stored(t); r.Status != appointment.StatusReceived {
				t.Errorf("the request changed to %s", r.Status)
			}
			if strings.Contains(resp.Body, "connection reset") {
				t.Errorf("the page shows the cause: %s", resp.Body)
			}
		})
	}
}
