package awsstub

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestThrottleSends: with ThrottleSends, the stub's SES accepts at most its
// rate in any one second, answers the rest as SES does, and counts the
// accepted sends by their tags.
func TestThrottleSends(t *testing.T) {
	s := newServer()
	if err := s.ThrottleSends(3); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	s.mail.now = func() time.Time { return clock }
	send := func(id string) int {
		form := url.Values{"Action": {"SendRawEmail"}, "Tags.member.1.Name": {"request"}, "Tags.member.1.Value": {id}, "Tags.member.2.Name": {"email"}, "Tags.member.2.Value": {"patient"}}
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code == http.StatusBadRequest && !strings.Contains(w.Body.String(), "<Code>Throttling</Code><Message>Maximum sending rate exceeded.</Message>") {
			t.Errorf("refusal %s", w.Body.String())
		}
		return w.Code
	}
	var got []int
	for i, step := range []time.Duration{0, 100, 100, 100, 600, 100, 150} {
		clock = clock.Add(step * time.Millisecond)
		got = append(got, send(fmt.Sprint("r", i)))
	}
	// At 0, 0.1 and 0.2 s three are accepted; at 0.3 and 0.9 s all three
	// are within the second and a fourth is refused; at 1.0 and 1.15 s the
	// first and then the second have left it.
	want := []int{200, 200, 200, 400, 400, 200, 200}
	if !slices.Equal(got, want) {
		t.Errorf("answers %v, want %v", got, want)
	}
	c := s.SES()
	if c.Accepted != 5 || c.Throttled != 2 || c.Sent["r0/patient"] != 1 || c.Sent["r3/patient"] != 0 {
		t.Errorf("counts %+v", c)
	}
	if err := s.ThrottleSends(0); err == nil {
		t.Error("ThrottleSends(0) = nil, want an error")
	}
}

// TestSendsAreNotThrottledByDefault: without ThrottleSends, every send is
// accepted whatever the reported rate, as the benchmarks need.
func TestSendsAreNotThrottledByDefault(t *testing.T) {
	s := newServer()
	s.mail.now = func() time.Time { return time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC) }
	for i := range 20 {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("Action=SendRawEmail"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("send %d: status %d, want 200", i, w.Code)
		}
	}
	if c := s.SES(); c.Accepted != 20 || c.Untagged != 20 || c.Throttled != 0 {
		t.Errorf("counts %+v", c)
	}
}
