package devserver

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestOwnOrigins(t *testing.T) {
	tests := []struct {
		origin string
		want   []string
	}{
		{"http://localhost:3000", []string{"http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000"}},
		{"http://127.0.0.1:8080", []string{"http://localhost:8080", "http://127.0.0.1:8080", "http://[::1]:8080"}},
		{"https://dev.example.com", []string{"https://dev.example.com"}},
	}
	for _, tt := range tests {
		if got := ownOrigins(tt.origin); !slices.Equal(got, tt.want) {
			t.Errorf("ownOrigins(%q) = %q, want %q", tt.origin, got, tt.want)
		}
	}
}

// TestEveryLoopbackName: the form posts from localhost and from 127.0.0.1
// alike, a request for another host is refused (DNS rebinding), and the
// development pages send their own policy and nosniff.
func TestEveryLoopbackName(t *testing.T) {
	ts := start(t, Options{})
	port := ts.URL[strings.LastIndexByte(ts.URL, ':')+1:]
	for _, origin := range []string{"http://localhost:" + port, "http://127.0.0.1:" + port} {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/appointments", strings.NewReader(url.Values{
			"firstName": {"Ann"}, "lastName": {"Lee"}, "email": {"ann@example.com"}, "phone": {"303-555-0142"},
			"service": {"evaluation"}, "consent": {"on"},
		}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		req.Host = strings.TrimPrefix(origin, "http://")
		resp := noRedirect(t, req)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("post from %s: status %d, want 303", origin, resp.StatusCode)
		}
	}

	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/_dev/requests", nil)
	req.Host = "rebound.example.net:" + port
	resp := noRedirect(t, req)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusMisdirectedRequest || strings.Contains(string(body), "rebound") || strings.Contains(string(body), "Ann") {
		t.Errorf("foreign Host: status %d, body %q", resp.StatusCode, body)
	}

	for _, page := range []string{"/_dev/requests", "/_dev/outbox"} {
		resp, err := http.Get(ts.URL + page)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Content-Security-Policy") != devPageCSP || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s headers: %v", page, resp.Header)
		}
	}
	// Every HTML page has a policy, and every answer, errors included,
	// is nosniff.
	for _, page := range []string{"/", "/thank-you?reference=ABCD-2345", "/_dev/requests?after=%21%21", "/_dev/outbox?before=x", "/_dev/outbox/1/html", "/assets/form.js", "/nowhere"} {
		resp, err := http.Get(ts.URL + page)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s (%d) is not nosniff", page, resp.StatusCode)
		}
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") && resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s (%d) is HTML without a policy", page, resp.StatusCode)
		}
	}
}

func noRedirect(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}
