package turnstile

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSiteverify is a local stand-in for Cloudflare's endpoint. Tokens
// mean: "good-<host>" passes for that hostname, "spent" was used before,
// "slow" takes longer than the caller waits, "broken" gets a server error,
// anything else fails. seen returns what it was sent, token and remote IP,
// in order.
func fakeSiteverify(t *testing.T, secret string) (srv *httptest.Server, seen func() []string) {
	t.Helper()
	// Requests are served on goroutines of their own, which may overlap:
	// one still held ("slow") while the next arrives.
	var mu sync.Mutex
	var got []string
	release := make(chan struct{})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		token := r.PostForm.Get("response")
		mu.Lock()
		got = append(got, token+"|"+r.PostForm.Get("remoteip"))
		mu.Unlock()
		answer := map[string]any{"success": false, "error-codes": []string{"invalid-input-response"}}
		switch {
		case r.PostForm.Get("secret") != secret:
			answer["error-codes"] = []string{"invalid-input-secret"}
		case strings.HasPrefix(token, "good-"):
			answer = map[string]any{"success": true, "hostname": strings.TrimPrefix(token, "good-"), "error-codes": []string{}}
		case token == "spent":
			answer["error-codes"] = []string{"timeout-or-duplicate"}
		case token == "slow":
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		case token == "broken":
			http.Error(w, "upstream failure", http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(answer)
	}))
	t.Cleanup(func() {
		close(release)
		srv.Close()
	})
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
}

func TestVerify(t *testing.T) {
	srv, seen := fakeSiteverify(t, "s3cret")
	v, err := New("s3cret", []string{"https://www.example.com", "https://Example.com:8443"}, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		token   string
		want    bool
		wantErr bool
	}{
		{"pass", "good-www.example.com", true, false},
		{"pass on another allowed host, any case", "good-EXAMPLE.com", true, false},
		{"solved on a stranger's site", "good-attacker.example.net", false, false},
		{"fail", "forged", false, false},
		{"spent token", "spent", false, false},
		{"missing token", "", false, false},
		{"overlong token", strings.Repeat("x", 2049), false, false},
		{"timeout", "slow", false, true},
		{"server error", "broken", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			got, err := v.Verify(ctx, tt.token, "198.51.100.7")
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("Verify(%.20q) = %v, %v; want %v, error %v", tt.token, got, err, tt.want, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error reveals the secret: %v", err)
			}
		})
	}
	// Missing and overlong tokens are refused without asking Cloudflare.
	for _, s := range seen() {
		if strings.HasPrefix(s, "|") || strings.HasPrefix(s, "xxx") {
			t.Errorf("siteverify was asked about %.20q", s)
		}
	}
	if first := seen()[0]; first != "good-www.example.com|198.51.100.7" {
		t.Errorf("siteverify got %q, want the token and the client's IP", first)
	}
}

func TestVerifyWithWrongSecret(t *testing.T) {
	srv, _ := fakeSiteverify(t, "s3cret")
	v, err := New("not-the-secret", []string{"https://www.example.com"}, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ok, err := v.Verify(context.Background(), "good-www.example.com", "")
	if ok || err == nil {
		t.Errorf("Verify() = %v, %v; want a refusal reported as an error", ok, err)
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	for _, tt := range []struct {
		secret string
		hosts  []string
		url    string
	}{
		{"", []string{"https://www.example.com"}, SiteverifyURL},
		{"s", nil, SiteverifyURL},
		{"s", []string{"www.example.com"}, SiteverifyURL},
		{"s", []string{"https://www.example.com"}, "not a url"},
	} {
		if _, err := New(tt.secret, tt.hosts, tt.url); err == nil {
			t.Errorf("New(%q, %v, %q) accepted", tt.secret, tt.hosts, tt.url)
		}
	}
}
