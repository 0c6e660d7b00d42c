package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/libphonenumber"
	"example.com/appointments/internal/problem"
)

const site = "https://www.example.com"

// fakeStore records what the handler asks of storage.
type fakeStore struct {
	mu       sync.Mutex
	created  []appointment.Request
	dedupes  []appointment.Dedupe
	receipt  *appointment.Receipt
	err      error
	counts   map[string]int
	countErr error
	// replay is what Replay finds, if anything; replays records what it
	// was asked.
	replay    *appointment.Receipt
	replayErr error
	replays   []appointment.Dedupe
}

func (s *fakeStore) Create(_ context.Context, r appointment.Request, d appointment.Dedupe) (appointment.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return appointment.Receipt{}, s.err
	}
	if s.receipt != nil {
		return *s.receipt, nil
	}
	s.created = append(s.created, r)
	s.dedupes = append(s.dedupes, d)
	return appointment.Receipt{ID: r.ID, Reference: r.Reference}, nil
}

func (s *fakeStore) Replay(_ context.Context, _ appointment.Request, d appointment.Dedupe) (appointment.Receipt, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replays = append(s.replays, d)
	if s.replayErr != nil {
		return appointment.Receipt{}, false, s.replayErr
	}
	if s.replay != nil {
		return *s.replay, true, nil
	}
	return appointment.Receipt{}, false, nil
}

func (s *fakeStore) Count(_ context.Context, name string, window time.Time, _ time.Duration, delta int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.countErr != nil {
		return 0, s.countErr
	}
	if s.counts == nil {
		s.counts = map[string]int{}
	}
	k := name + "@" + window.String()
	s.counts[k] += delta
	return s.counts[k], nil
}

// Decoy remembers decoys among the counters, as dynamo.Store does.
func (s *fakeStore) Decoy(ctx context.Context, name string, windowStart time.Time, window time.Duration) (bool, error) {
	n, err := s.Count(ctx, name, windowStart, window, 1)
	return n > 1, err
}

// count returns the value of the counters whose names start with prefix.
func (s *fakeStore) count(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, v := range s.counts {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

type countingMetrics struct {
	mu     sync.Mutex
	counts map[string]int
}

func (m *countingMetrics) Count(name string, dims map[string]string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.counts == nil {
		m.counts = map[string]int{}
	}
	m.counts[name+"/"+dims["Reason"]]++
}

type fixture struct {
	h       *Handler
	cfg     Config
	profile *clinic.Profile
	store   *fakeStore
	// backend is the store the handler is built over: store, unless a
	// test wraps or replaces it before calling configure.
	backend Store
	metrics *countingMetrics
	logs    *bytes.Buffer
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{profile: p, store: &fakeStore{}, metrics: &countingMetrics{}, logs: &bytes.Buffer{}}
	f.backend = f.store
	f.cfg = Config{
		AllowedOrigins: []string{site, "http://localhost:3000"},
		ThankYouURL:    site + "/thank-you?from=form",
		Accepted:       appointment.PerHour(3),
		Attempts:       appointment.PerHour(60),
		PerAddress:     appointment.PerDay(3),
		Key:            testKey,
		Phones:         libphonenumber.Reader{},
	}
	f.configure(t, func(*Config) {})
	return f
}

// configure changes the fixture's configuration and builds its handler
// anew, over f.backend, as New builds it in production.
func (f *fixture) configure(t testing.TB, change func(*Config)) {
	t.Helper()
	change(&f.cfg)
	h, err := New(f.cfg, f.profile, f.backend, slog.New(slog.NewJSONHandler(f.logs, nil)), f.metrics)
	if err != nil {
		t.Fatal(err)
	}
	f.h = h
}

var testKey = []byte("0123456789abcdef0123456789abcdef")

var validJSON = `{"firstName":"Jordan","lastName":"Rivera","email":"jordan@example.com","phone":"(303) 555-0142",` +
	`"service":"dry-needling","preferredDays":["mon","wed"],"preferredTimes":["morning"],"newPatient":true,` +
	`"contactMethod":"phone","reason":"Tight shoulder.","consent":true,"_gotcha":""}`

func validValues() url.Values {
	return url.Values{
		"firstName": {"Sam"}, "lastName": {"Lee"}, "email": {"sam@example.com"}, "phone": {"303-555-0199"},
		"service": {"evaluation"}, "preferredDays": {"tue", "thu"}, "consent": {"on"}, "_gotcha": {""},
	}
}

func event(contentType, body string, headers ...string) events.APIGatewayV2HTTPRequest {
	e := events.APIGatewayV2HTTPRequest{
		Version:  "2.0",
		RouteKey: "POST /appointments",
		RawPath:  "/appointments",
		Headers:  map[string]string{"content-type": contentType, "origin": site},
		Body:     body,
	}
	e.RequestContext.RequestID = "req-1"
	e.RequestContext.HTTP.Method = "POST"
	e.RequestContext.HTTP.SourceIP = "198.51.100.7"
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			delete(e.Headers, headers[i])
		} else {
			e.Headers[headers[i]] = headers[i+1]
		}
	}
	return e
}

func jsonEvent(body string, headers ...string) events.APIGatewayV2HTTPRequest {
	return event("application/json", body, append([]string{"accept", "application/json"}, headers...)...)
}

func formEvent(values url.Values, headers ...string) events.APIGatewayV2HTTPRequest {
	return event("application/x-www-form-urlencoded", values.Encode(), append([]string{"accept", "text/html,*/*;q=0.8"}, headers...)...)
}

func (f *fixture) handle(t testing.TB, e events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	resp, err := f.h.Handle(context.Background(), e)
	if err != nil {
		t.Fatalf("Handle() error = %v; client-visible outcomes must be responses", err)
	}
	return resp
}

func decodeProblem(t testing.TB, resp events.APIGatewayV2HTTPResponse) problemDetails {
	t.Helper()
	if ct := resp.Headers["Content-Type"]; ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json (body %s)", ct, resp.Body)
	}
	var p problemDetails
	if err := json.Unmarshal([]byte(resp.Body), &p); err != nil {
		t.Fatalf("problem body %q: %v", resp.Body, err)
	}
	if p.Status != resp.StatusCode || p.Type == "" || p.Title == "" || p.Detail == "" || p.Code == "" {
		t.Errorf("incomplete problem %+v for status %d", p, resp.StatusCode)
	}
	return p
}

func TestJSONSubmissionCreated(t *testing.T) {
	f := newFixture(t)
	resp := f.handle(t, jsonEvent(validJSON, "idempotency-key", "key-1"))
	if resp.StatusCode != 201 {
		t.Fatalf("status = %d, body %s", resp.StatusCode, resp.Body)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
		t.Fatal(err)
	}
	if len(f.store.created) != 1 {
		t.Fatalf("stored %d requests, want 1", len(f.store.created))
	}
	r := f.store.created[0]
	if got["id"] != r.ID || got["reference"] != r.Reference || got["status"] != "received" || len(got) != 3 {
		t.Errorf("body = %v, want id, reference and status of %s", got, r.ID)
	}
	if r.Phone != "+13035550142" || r.Service != "dry-needling" || r.CreatedAt.IsZero() {
		t.Errorf("stored %+v", r)
	}
	if d := f.store.dedupes[0]; d.IdempotencyKey != "key-1" || d.Fingerprint != r.Fingerprint() {
		t.Errorf("dedupe = %+v", d)
	}
	if resp.Headers["Access-Control-Allow-Origin"] != site {
		t.Errorf("CORS header = %q", resp.Headers["Access-Control-Allow-Origin"])
	}
	if f.metrics.counts["Accepted/"] != 1 {
		t.Errorf("metrics = %v", f.metrics.counts)
	}
}

func TestFormPostRedirects(t *testing.T) {
	f := newFixture(t)
	resp := f.handle(t, formEvent(validValues()))
	if resp.StatusCode != 303 {
		t.Fatalf("status = %d, body %s", resp.StatusCode, resp.Body)
	}
	loc, err := url.Parse(resp.Headers["Location"])
	if err != nil {
		t.Fatal(err)
	}
	if loc.Host != "www.example.com" || loc.Path != "/thank-you" || loc.Query().Get("from") != "form" {
		t.Errorf("Location = %s, want the thank-you URL", loc)
	}
	if len(f.store.created) != 1 || loc.Query().Get("reference") != f.store.created[0].Reference {
		t.Errorf("Location = %s, want reference of stored request", loc)
	}
	if got := f.store.created[0].PreferredDays; strings.Join(got, ",") != "tue,thu" {
		t.Errorf("repeated form fields stored as %v", got)
	}
}

func TestBase64FormPost(t *testing.T) {
	f := newFixture(t)
	e := formEvent(validValues())
	e.Body = base64.StdEncoding.EncodeToString([]byte(e.Body))
	e.IsBase64Encoded = true
	if resp := f.handle(t, e); resp.StatusCode != 303 {
		t.Fatalf("status = %d, body %s", resp.StatusCode, resp.Body)
	}
	if len(f.store.created) != 1 || f.store.created[0].FirstName != "Sam" {
		t.Errorf("stored %+v", f.store.created)
	}
}

func TestMultipartPost(t *testing.T) {
	f := newFixture(t)
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range validValues() {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	_ = w.WriteField("utm_source", "newsletter")
	fw, _ := w.CreateFormFile("attachment", "x.txt")
	_, _ = fw.Write([]byte("ignored"))
	_ = w.Close()
	e := event(w.FormDataContentType(), base64.StdEncoding.EncodeToString(buf.Bytes()), "accept", "application/json")
	e.IsBase64Encoded = true
	resp := f.handle(t, e)
	if resp.StatusCode != 201 {
		t.Fatalf("status = %d, body %s", resp.StatusCode, resp.Body)
	}
	if len(f.store.created) != 1 || f.store.created[0].Email != "sam@example.com" {
		t.Errorf("stored %+v", f.store.created)
	}
}

func TestExtraFormFieldsIgnored(t *testing.T) {
	f := newFixture(t)
	v := validValues()
	v.Set("utm_campaign", "spring")
	v.Set("firstname", "lowercase variant")
	if resp := f.handle(t, formEvent(v)); resp.StatusCode != 303 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
}

func TestRefusals(t *testing.T) {
	big := strings.Repeat("a", MaxBodyBytes+1)
	tests := []struct {
		name   string
		event  events.APIGatewayV2HTTPRequest
		status int
		code   string
	}{
		{"unknown JSON field", jsonEvent(`{"firstName":"A","admin":true}`), 400, problem.Malformed},
		{"not JSON", jsonEvent(`{"firstName":`), 400, problem.Malformed},
		{"JSON array", jsonEvent(`[1,2]`), 400, problem.Malformed},
		{"trailing data", jsonEvent(validJSON + `{}`), 400, problem.Malformed},
		{"empty body", jsonEvent(``), 400, problem.Malformed},
		{"bad base64", func() events.APIGatewayV2HTTPRequest { e := jsonEvent("%%%"); e.IsBase64Encoded = true; return e }(), 400, problem.Malformed},
		{"too large", jsonEvent(big), 413, problem.TooLarge},
		{"too large base64", func() events.APIGatewayV2HTTPRequest {
			e := jsonEvent(base64.StdEncoding.EncodeToString([]byte(big)))
			e.IsBase64Encoded = true
			return e
		}(), 413, problem.TooLarge},
		{"text/plain", event("text/plain", validJSON, "accept", "application/json"), 415, problem.UnsupportedMediaType},
		{"no content type", event("", validJSON, "content-type", ""), 415, problem.UnsupportedMediaType},
		{"latin-1", event("application/json; charset=iso-8859-1", validJSON), 415, problem.UnsupportedMediaType},
		{"foreign origin", jsonEvent(validJSON, "origin", "https://evil.example.net"), 403, problem.OriginNotAllowed},
		{"null origin", jsonEvent(validJSON, "origin", "null"), 403, problem.OriginNotAllowed},
		{"origin with other port", jsonEvent(validJSON, "origin", "https://www.example.com:8443"), 403, problem.OriginNotAllowed},
		{"GET", func() events.APIGatewayV2HTTPRequest {
			e := jsonEvent(validJSON)
			e.RequestContext.HTTP.Method = "GET"
			return e
		}(), 405, problem.MethodNotAllowed},
		{"number for name", jsonEvent(strings.Replace(validJSON, `"Jordan"`, `42`, 1)), 422, problem.Validation},
		{"list for email", jsonEvent(strings.Replace(validJSON, `"jordan@example.com"`, `["a@example.com","b@example.com"]`, 1)), 422, problem.Validation},
		{"bad idempotency key", jsonEvent(validJSON, "idempotency-key", "has space"), 400, problem.Malformed},
		{"long idempotency key", jsonEvent(validJSON, "idempotency-key", strings.Repeat("k", 256)), 400, problem.Malformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			resp := f.handle(t, tt.event)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d (body %s)", resp.StatusCode, tt.status, resp.Body)
			}
			if p := decodeProblem(t, resp); p.Code != tt.code {
				t.Errorf("code = %q, want %q", p.Code, tt.code)
			}
			if len(f.store.created) != 0 {
				t.Errorf("stored %d requests, want none", len(f.store.created))
			}
			if f.metrics.counts["Refused/"+tt.code] != 1 {
				t.Errorf("metrics = %v, want one Refused/%s", f.metrics.counts, tt.code)
			}
		})
	}
}

func TestValidationProblem(t *testing.T) {
	f := newFixture(t)
	body := `{"lastName":"","email":"Jordan <j@example.com>","phone":"12","service":"acupuncture","consent":false,"firstName":123}`
	resp := f.handle(t, jsonEvent(body))
	if resp.StatusCode != 422 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	p := decodeProblem(t, resp)
	got := map[string]string{}
	for _, e := range p.Errors {
		if _, dup := got[e.Field]; dup {
			t.Errorf("two errors for %s", e.Field)
		}
		got[e.Field] = e.Code
	}
	want := map[string]string{
		"firstName": "invalid", "lastName": "required", "email": "invalid", "phone": "invalid",
		"service": "not_allowed", "consent": "must_agree",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("errors = %v, want %v", got, want)
	}
	if strings.Contains(resp.Body, "j@example.com") || strings.Contains(resp.Body, "acupuncture") {
		t.Errorf("problem echoes input: %s", resp.Body)
	}
}

func TestFormValidationErrorPage(t *testing.T) {
	f := newFixture(t)
	v := validValues()
	v.Set("firstName", `<script>alert(1)</script>`+strings.Repeat("x", 60))
	v.Set("email", "not-an-email")
	v.Del("consent")
	resp := f.handle(t, formEvent(v, "referer", site+"/book?x=1"))
	if resp.StatusCode != 422 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	if ct := resp.Headers["Content-Type"]; ct != "text/html; charset=utf-8" {
		t.Fatalf("Content-Type = %q", ct)
	}
	body := resp.Body
	for _, want := range []string{`<html lang="en">`, `role="alert"`, "Please check your request", "First name:", "Email:", "Consent:",
		`href="https://www.example.com/book?x=1"`, "Ascent Total Performance", `name="viewport"`,
		// The clinic's number in the national form the emails show.
		"call (303) 555-0187."} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "not-an-email") || strings.Contains(body, "ZgotmplZ") {
		t.Errorf("page echoes input or broke its template:\n%s", body)
	}
	if resp.Headers["Content-Security-Policy"] == "" {
		t.Error("no Content-Security-Policy on the error page")
	}
}

func TestErrorPageBackLinkIgnoresForeignReferer(t *testing.T) {
	f := newFixture(t)
	v := validValues()
	v.Del("email")
	resp := f.handle(t, formEvent(v, "referer", "https://evil.example.net/phish"))
	if strings.Contains(resp.Body, "evil.example.net") || !strings.Contains(resp.Body, `href="https://www.example.com"`) {
		t.Errorf("back link does not lead to the clinic's website:\n%s", resp.Body)
	}
}

func TestFormPostFromForeignOriginRefused(t *testing.T) {
	f := newFixture(t)
	resp := f.handle(t, formEvent(validValues(), "origin", "https://evil.example.net"))
	if resp.StatusCode != 403 || !strings.Contains(resp.Body, "<html") {
		t.Errorf("status = %d, body %s", resp.StatusCode, resp.Body)
	}
	if len(f.store.created) != 0 {
		t.Error("stored a request from a foreign origin")
	}
}

func TestNoOriginAllowed(t *testing.T) {
	// Clients that are not browsers send no Origin; CORS does not concern them.
	f := newFixture(t)
	resp := f.handle(t, jsonEvent(validJSON, "origin", ""))
	if resp.StatusCode != 201 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	if _, ok := resp.Headers["Access-Control-Allow-Origin"]; ok {
		t.Error("CORS header without an Origin")
	}
}

func TestPreflight(t *testing.T) {
	f := newFixture(t)
	e := event("", "", "origin", "http://localhost:3000", "access-control-request-method", "POST", "access-control-request-headers", "content-type,idempotency-key")
	e.RequestContext.HTTP.Method = "OPTIONS"
	resp := f.handle(t, e)
	if resp.StatusCode != 204 || resp.Headers["Access-Control-Allow-Origin"] != "http://localhost:3000" ||
		!strings.Contains(resp.Headers["Access-Control-Allow-Headers"], "Idempotency-Key") {
		t.Errorf("allowed preflight = %d %v", resp.StatusCode, resp.Headers)
	}
	e.Headers["origin"] = "https://evil.example.net"
	resp = f.handle(t, e)
	if resp.StatusCode != 403 || resp.Headers["Access-Control-Allow-Origin"] != "" {
		t.Errorf("foreign preflight = %d %v", resp.StatusCode, resp.Headers)
	}
}

func TestHoneypot(t *testing.T) {
	f := newFixture(t)
	resp := f.handle(t, jsonEvent(strings.Replace(validJSON, `"_gotcha":""`, `"_gotcha":"http://spam.example"`, 1)))
	if resp.StatusCode != 201 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	var got map[string]string
	_ = json.Unmarshal([]byte(resp.Body), &got)
	if got["id"] == "" || len(got["reference"]) != 9 || got["status"] != "received" {
		t.Errorf("honeypot answer %v does not look like a real one", got)
	}
	if len(f.store.created) != 0 {
		t.Error("honeypot submission stored")
	}
	if f.metrics.counts["Refused/honeypot"] != 1 {
		t.Errorf("metrics = %v", f.metrics.counts)
	}
	// Plain form posts get the same redirect as real ones.
	v := validValues()
	v.Set("_gotcha", "x")
	if resp := f.handle(t, formEvent(v)); resp.StatusCode != 303 || len(f.store.created) != 0 {
		t.Errorf("form honeypot: status %d, stored %d", resp.StatusCode, len(f.store.created))
	}
}

func TestStoreOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		receipt *appointment.Receipt
		status  int
		code    string
		header  string
	}{
		{"key reused", appointment.ErrIdempotencyKeyReused, nil, 422, problem.IdempotencyKeyReused, ""},
		{"unavailable", fmt.Errorf("store: %w: throttled", appointment.ErrUnavailable), nil, 503, problem.Unavailable, "Retry-After"},
		{"deadline", context.DeadlineExceeded, nil, 503, problem.Unavailable, "Retry-After"},
		{"bug", errors.New("ValidationException: secret table detail"), nil, 500, problem.Internal, ""},
		{"replay", nil, &appointment.Receipt{ID: "first", Reference: "AAAA-BBBB", Replayed: true}, 201, "", "Idempotent-Replayed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.store.err, f.store.receipt = tt.err, tt.receipt
			resp := f.handle(t, jsonEvent(validJSON, "idempotency-key", "k"))
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tt.status, resp.Body)
			}
			if tt.header != "" && resp.Headers[tt.header] == "" {
				t.Errorf("no %s header", tt.header)
			}
			// A 5xx is a response like any other to Lambda; only this
			// count tells the stack's alarm about it.
			wantServerErrors := 0
			if tt.status >= 500 {
				wantServerErrors = 1
			}
			if got := f.metrics.counts[MetricServerErrors+"/"]; got != wantServerErrors {
				t.Errorf("%s counted %d times, want %d", MetricServerErrors, got, wantServerErrors)
			}
			if tt.code != "" {
				p := decodeProblem(t, resp)
				if p.Code != tt.code {
					t.Errorf("code = %q", p.Code)
				}
				if strings.Contains(resp.Body, "secret") || strings.Contains(resp.Body, "ValidationException") {
					t.Errorf("response reveals internals: %s", resp.Body)
				}
			} else if !strings.Contains(resp.Body, `"id":"first"`) || !strings.Contains(resp.Body, "AAAA-BBBB") {
				t.Errorf("replay body = %s", resp.Body)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t)
	f.configure(t, func(c *Config) { c.PerAddress = appointment.NoLimit }) // isolate the client's limit from the address's
	for i := range 3 {
		if resp := f.handle(t, jsonEvent(validJSON)); resp.StatusCode != 201 {
			t.Fatalf("submission %d: status %d", i+1, resp.StatusCode)
		}
	}
	resp := f.handle(t, jsonEvent(validJSON))
	if resp.StatusCode != 429 {
		t.Fatalf("fourth submission: status %d", resp.StatusCode)
	}
	if ra := resp.Headers["Retry-After"]; ra == "" || ra == "0" || len(ra) > 4 {
		t.Errorf("Retry-After = %q, want seconds up to the window's end", ra)
	}
	other := jsonEvent(validJSON)
	other.RequestContext.HTTP.SourceIP = "203.0.113.9"
	if resp := f.handle(t, other); resp.StatusCode != 201 {
		t.Errorf("another client: status %d", resp.StatusCode)
	}
	f.store.countErr = fmt.Errorf("%w: down", appointment.ErrUnavailable)
	if resp := f.handle(t, other); resp.StatusCode != 503 {
		t.Errorf("counter failure: status %d", resp.StatusCode)
	}
}

// TestLogsCarryNoPatientDetails fills every field with a recognisable value
// and checks that none of them reaches the log, while the request ID and the
// outcome do.
func TestLogsCarryNoPatientDetails(t *testing.T) {
	f := newFixture(t)
	body := `{"firstName":"Sentinelfirst","lastName":"Sentinellast","email":"sentinel.mail@example.com","phone":"303-555-0177",` +
		`"service":"evaluation","reason":"sentinelreason","consent":true}`
	f.handle(t, jsonEvent(body))
	f.store.err = fmt.Errorf("%w: boom", appointment.ErrUnavailable)
	f.handle(t, jsonEvent(body))
	f.store.err = nil
	f.handle(t, jsonEvent(strings.Replace(body, `"consent":true`, `"consent":false`, 1)))
	logs := f.logs.String()
	for _, s := range []string{"Sentinelfirst", "Sentinellast", "sentinel.mail", "555-0177", "5550177", "sentinelreason", "198.51.100.7"} {
		if strings.Contains(logs, s) {
			t.Errorf("log contains %q:\n%s", s, logs)
		}
	}
	for _, want := range []string{`"apiRequestId":"req-1"`, `"outcome":"accepted"`, `"appointmentId":"` + f.store.created[0].ID, `"outcome":"refused"`, `"reason":"validation_failed"`, `"reason":"storage_unavailable"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	p, _ := clinic.Default()
	good := newFixture(t).cfg
	if _, err := New(good, p, &fakeStore{}, slog.Default(), &countingMetrics{}); err != nil {
		t.Fatalf("New(%+v) = %v, want the fixture's configuration accepted", good, err)
	}
	tests := []struct {
		name   string
		change func(*Config)
	}{
		{"origin without scheme", func(c *Config) { c.AllowedOrigins = []string{"www.example.com"} }},
		{"origin with a path", func(c *Config) { c.AllowedOrigins = []string{"https://www.example.com/path"} }},
		{"relative thank-you URL", func(c *Config) { c.ThankYouURL = "/thanks" }},
		{"short key", func(c *Config) { c.Key = testKey[:31] }},
		{"no phone reader", func(c *Config) { c.Phones = nil }},
	}
	for _, tt := range tests {
		cfg := good
		tt.change(&cfg)
		if _, err := New(cfg, p, &fakeStore{}, slog.Default(), &countingMetrics{}); err == nil {
			t.Errorf("%s: New(%+v) accepted", tt.name, cfg)
		}
	}
}

// TestNewRefusesUnsetLimit reproduces a limit turned off by mistake: a
// limit left at its zero value, as a misspelt or forgotten setting leaves
// it, was taken for "off". New now refuses it, naming the limit, and a
// limit is turned off only by saying so, with NoLimit.
func TestNewRefusesUnsetLimit(t *testing.T) {
	p, _ := clinic.Default()
	good := newFixture(t).cfg
	tests := []struct {
		name   string
		change func(*Config)
		want   string // in the error; "" when New must accept
	}{
		{"accepted unset", func(c *Config) { c.Accepted = Limit{} }, "accepted requests"},
		{"attempts unset", func(c *Config) { c.Attempts = Limit{} }, "attempts"},
		{"per address unset", func(c *Config) { c.PerAddress = Limit{} }, "requests per address"},
		{"per address without a window", func(c *Config) { c.PerAddress = Limit{Max: 3} }, "requests per address"},
		{"every limit off", func(c *Config) {
			c.Accepted, c.Attempts, c.PerAddress = appointment.NoLimit, appointment.NoLimit, appointment.NoLimit
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.change(&cfg)
			_, err := New(cfg, p, &fakeStore{}, slog.Default(), &countingMetrics{})
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("New() = %v, want it accepted", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("New() = %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

// blockingStore never answers until its context ends, like DynamoDB that
// has stopped responding.
type blockingStore struct{ fakeStore }

func (*blockingStore) Create(ctx context.Context, _ appointment.Request, _ appointment.Dedupe) (appointment.Receipt, error) {
	<-ctx.Done()
	return appointment.Receipt{}, ctx.Err()
}

// TestSlowStorageAnswersBeforeDeadline: when storage hangs, the patient
// gets 503 with Retry-After while the invocation still has time, not a
// gateway timeout.
func TestSlowStorageAnswersBeforeDeadline(t *testing.T) {
	f := newFixture(t)
	f.backend = &blockingStore{}
	f.configure(t, func(c *Config) { c.Accepted = appointment.NoLimit })
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	resp, err := f.h.Handle(ctx, jsonEvent(validJSON))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 503 || resp.Headers["Retry-After"] == "" {
		t.Errorf("status = %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Headers["Retry-After"])
	}
	if ctx.Err() != nil {
		t.Error("the handler answered only after the invocation's deadline")
	}
}

func TestParseOrigins(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"https://www.example.com", []string{"https://www.example.com"}},
		{" https://a.example.com, https://b.example.com ,,", []string{"https://a.example.com", "https://b.example.com"}},
	}
	for _, tt := range tests {
		if got := ParseOrigins(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("ParseOrigins(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestLanguageInEveryEncoding: the patient's language comes in JSON, a
// urlencoded post and a multipart post alike, and is stored with the
// request; without it, the request is in the clinic's language.
func TestLanguageInEveryEncoding(t *testing.T) {
	multipartEvent := func(v url.Values) events.APIGatewayV2HTTPRequest {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for k, vs := range v {
			for _, s := range vs {
				_ = w.WriteField(k, s)
			}
		}
		_ = w.Close()
		e := event(w.FormDataContentType(), base64.StdEncoding.EncodeToString(buf.Bytes()), "accept", "application/json")
		e.IsBase64Encoded = true
		return e
	}
	spanish := validValues()
	spanish.Set("language", "es")
	tests := []struct {
		name string
		e    events.APIGatewayV2HTTPRequest
		want i18n.Language
	}{
		{"JSON", event("application/json", strings.Replace(validJSON, `{`, `{"language":"es",`, 1)), i18n.Spanish},
		{"urlencoded", formEvent(spanish), i18n.Spanish},
		{"multipart", multipartEvent(spanish), i18n.Spanish},
		{"none", event("application/json", validJSON), i18n.English},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if resp := f.handle(t, tt.e); resp.StatusCode >= 300 && resp.StatusCode != 303 {
				t.Fatalf("status = %d, body %s", resp.StatusCode, resp.Body)
			}
			if len(f.store.created) != 1 || f.store.created[0].Language != tt.want {
				t.Errorf("stored %+v, want one request in %q", f.store.created, tt.want)
			}
		})
	}
	// A language the clinic does not speak is refused by its field.
	f := newFixture(t)
	resp := f.handle(t, event("application/json", strings.Replace(validJSON, `{`, `{"language":"fr",`, 1)))
	if resp.StatusCode != 422 || !strings.Contains(resp.Body, `"field":"language"`) || len(f.store.created) != 0 {
		t.Errorf("French: %d %s, stored %d; want 422 naming the language field, nothing stored", resp.StatusCode, resp.Body, len(f.store.created))
	}
}
