package devserver

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// siteverifySecret is the Turnstile secret the tests configure; the fake
// siteverify endpoint refuses any other.
const siteverifySecret = "test-turnstile-secret"

// siteverify is a stand-in for Cloudflare's siteverify endpoint. It passes
// the tokens in solvedOn, as solved on the host given, refuses every other
// token as Cloudflare refuses a forged one, and answers the token "down"
// with a server error. It records the tokens it was asked about.
type siteverify struct {
	*httptest.Server
	mu     sync.Mutex
	tokens []string
}

func startSiteverify(t *testing.T, solvedOn map[string]string) *siteverify {
	t.Helper()
	sv := &siteverify{}
	sv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		token := r.PostForm.Get("response")
		sv.mu.Lock()
		sv.tokens = append(sv.tokens, token)
		sv.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		host, ok := solvedOn[token]
		switch {
		case r.PostForm.Get("secret") != siteverifySecret:
			_, _ = io.WriteString(w, `{"success":false,"error-codes":["invalid-input-secret"]}`)
		case token == "down":
			http.Error(w, "internal error", http.StatusInternalServerError)
		case ok:
			_, _ = io.WriteString(w, `{"success":true,"hostname":"`+host+`"}`)
		default:
			_, _ = io.WriteString(w, `{"success":false,"error-codes":["invalid-input-response"]}`)
		}
	}))
	t.Cleanup(sv.Close)
	return sv
}

// asked returns the tokens siteverify has been asked about, in order.
func (sv *siteverify) asked() []string {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	return slices.Clone(sv.tokens)
}

// policyDirectives splits a Content-Security-Policy into its directives.
func policyDirectives(csp string) map[string]string {
	out := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		out[name] = value
	}
	return out
}

// TestFormPageTurnstile: with a site key the form holds the widget and the
// page's policy lets Cloudflare's script and frame in; without one the page
// and its policy are what they always were.
func TestFormPageTurnstile(t *testing.T) {
	sum := sha256.Sum256([]byte(theme(mustDefaultProfile(t))))
	styleSrc := "'self' 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	strict := "default-src 'self'; style-src " + styleSrc + "; connect-src 'self'; img-src 'self' data:; " +
		"object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
	tests := []struct {
		name    string
		siteKey string
		wantCSP string
	}{
		{"no site key", "", strict},
		{"site key", "1x00000000000000000000AA", "default-src 'self'; script-src 'self' https://challenges.cloudflare.com; " +
			"style-src " + styleSrc + "; connect-src 'self'; frame-src https://challenges.cloudflare.com; " +
			"img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"},
		{"site key to escape", `0x4AAA"><script>alert(1)</script>`, "default-src 'self'; script-src 'self' https://challenges.cloudflare.com; " +
			"style-src " + styleSrc + "; connect-src 'self'; frame-src https://challenges.cloudflare.com; " +
			"img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := start(t, Options{TurnstileSiteKey: tt.siteKey})
			resp, err := http.Get(ts.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body := string(b)
			if got := resp.Header.Get("Content-Security-Policy"); got != tt.wantCSP {
				t.Errorf("Content-Security-Policy =\n\t%s\nwant\n\t%s", got, tt.wantCSP)
			}

			doc := parsePage(t, body)
			widgets := onlyForm(t, doc).all(func(e *htmlNode) bool { return e.attrs["class"] == "cf-turnstile" })
			var scripts []*htmlNode
			for _, s := range doc.all(byTag("script")) {
				if strings.HasPrefix(s.attrs["src"], "https://challenges.cloudflare.com/") {
					scripts = append(scripts, s)
				}
			}
			if tt.siteKey == "" {
				if len(widgets) > 0 || len(scripts) > 0 || strings.Contains(body, "turnstile") || strings.Contains(body, "cloudflare") {
					t.Error("without a site key the page mentions Turnstile")
				}
				return
			}
			if len(widgets) != 1 {
				t.Fatalf("the form holds %d Turnstile widgets, want 1", len(widgets))
			}
			if got := widgets[0].attrs["data-sitekey"]; got != tt.siteKey {
				t.Errorf("data-sitekey = %q, want %q", got, tt.siteKey)
			}
			if strings.Contains(body, "<script>alert") {
				t.Error("the site key is copied into the page unescaped")
			}
			if len(scripts) != 1 {
				t.Fatalf("the page loads Cloudflare's script %d times, want once", len(scripts))
			}
			s := scripts[0]
			if got, want := s.attrs["src"], "https://challenges.cloudflare.com/turnstile/v0/api.js"; got != want {
				t.Errorf("script src = %q, want %q", got, want)
			}
			_, async := s.attr("async")
			_, deferred := s.attr("defer")
			if !async || !deferred {
				t.Errorf("Cloudflare's script is not loaded async and deferred: %v", s.attrs)
			}
			// The widget's origin is allowed for scripts and frames only; every
			// other directive stays as strict as without a key.
			csp := policyDirectives(resp.Header.Get("Content-Security-Policy"))
			for name, value := range policyDirectives(strict) {
				if csp[name] != value {
					t.Errorf("%s is %q with a site key, want %q as without one", name, csp[name], value)
				}
			}

			// The thank-you page has no widget, so its policy does not change.
			resp, err = http.Get(ts.URL + "/thank-you")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Content-Security-Policy"); strings.Contains(got, "cloudflare") {
				t.Errorf("the thank-you page's policy lets Cloudflare in: %s", got)
			}
		})
	}
}

// TestTurnstileVerifiesSubmissions: with a secret, the API stores a request
// only when siteverify accepts its token as solved on the server's own host
// or an allowed origin's; otherwise it answers 403 and stores nothing.
func TestTurnstileVerifiesSubmissions(t *testing.T) {
	form := url.Values{"firstName": {"Sam"}, "lastName": {"Lee"}, "email": {"sam@example.com"}, "phone": {"3035550199"},
		"service": {"evaluation"}, "consent": {"on"}}
	tests := []struct {
		name       string
		json       bool
		token      string // "" sends none
		wantStatus int
		wantStored int
	}{
		{"form post, token passes", false, "pass", http.StatusSeeOther, 1},
		{"form post, token refused", false, "bad", http.StatusForbidden, 0},
		{"form post, no token", false, "", http.StatusForbidden, 0},
		{"form post, solved on the server's own host", false, "pass-here", http.StatusSeeOther, 1},
		{"form post, solved on another site", false, "pass-elsewhere", http.StatusForbidden, 0},
		{"form post, siteverify down", false, "down", http.StatusServiceUnavailable, 0},
		{"JSON, token passes", true, "pass", http.StatusCreated, 1},
		{"JSON, token refused", true, "bad", http.StatusForbidden, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sv := startSiteverify(t, map[string]string{
				"pass":           "localhost",
				"pass-here":      "127.0.0.1",
				"pass-elsewhere": "attacker.example",
			})
			ts := start(t, Options{
				// The form is also posted from http://localhost:3000, the
				// origin `make run` serves it on.
				AllowedOrigins:         []string{"http://localhost:3000"},
				TurnstileSecret:        siteverifySecret,
				TurnstileSiteverifyURL: sv.URL,
			})

			var req *http.Request
			if tt.json {
				body := jsonBody[:len(jsonBody)-1]
				if tt.token != "" {
					body += `,"cf-turnstile-response":"` + tt.token + `"`
				}
				req, _ = http.NewRequest(http.MethodPost, ts.URL+"/appointments", strings.NewReader(body+"}"))
				req.Header.Set("Content-Type", "application/json")
			} else {
				v := url.Values{}
				for k, vs := range form {
					v[k] = vs
				}
				if tt.token != "" {
					v.Set("cf-turnstile-response", tt.token)
				}
				req, _ = http.NewRequest(http.MethodPost, ts.URL+"/appointments", strings.NewReader(v.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			req.Header.Set("Origin", ts.URL)
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()

			if resp.StatusCode != tt.wantStatus {
				t.Errorf("POST /appointments = %d, want %d: %s", resp.StatusCode, tt.wantStatus, b)
			}
			if tt.wantStatus == http.StatusSeeOther {
				if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, ts.URL+"/thank-you?reference=") {
					t.Errorf("redirected to %q, want the thank-you page", loc)
				}
			}
			if tt.wantStatus == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			var want []string
			if tt.token != "" {
				want = []string{tt.token}
			}
			if got := sv.asked(); !slices.Equal(got, want) {
				t.Errorf("siteverify was asked about %q, want %q", got, want)
			}
			if got := len(storedReferences(t, ts.URL)); got != tt.wantStored {
				t.Errorf("%d requests stored, want %d", got, tt.wantStored)
			}
		})
	}
}

// TestTurnstileOff: without a secret nothing is verified, even with the
// widget on the page, so the form works as before.
func TestTurnstileOff(t *testing.T) {
	sv := startSiteverify(t, nil)
	ts := start(t, Options{TurnstileSiteKey: "1x00000000000000000000AA", TurnstileSiteverifyURL: sv.URL})
	if receipt := submitJSON(t, ts, jsonBody); receipt["reference"] == "" {
		t.Errorf("no reference in %v", receipt)
	}
	if got := sv.asked(); len(got) > 0 {
		t.Errorf("siteverify was asked about %q without a secret", got)
	}
}
