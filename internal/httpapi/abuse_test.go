package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/problem"
)

// withEmail returns validJSON with another patient address and first name,
// so that each submission is a distinct request.
func withEmail(addr, first string) string {
	s := strings.Replace(validJSON, "jordan@example.com", addr, 1)
	return strings.Replace(s, `"firstName":"Jordan"`, `"firstName":"`+first+`"`, 1)
}

func fromIP(e events.APIGatewayV2HTTPRequest, ip string) events.APIGatewayV2HTTPRequest {
	e.RequestContext.HTTP.SourceIP = ip
	return e
}

var givenNames = []string{"Ann", "Ben", "Cleo", "Dana", "Eli", "Fay", "Gus", "Hal", "Ida", "Jo"}

// TestPerAddressLimit reproduces the mail cannon: many requests naming one
// stranger's address, from one client and from many, each with another
// name. Only the address's daily allowance is accepted; the rest get 429
// with Retry-After, and nothing more is stored.
func TestPerAddressLimit(t *testing.T) {
	f := newFixture(t)
	f.configure(t, func(c *Config) { c.Accepted = appointment.NoLimit }) // isolate the address limit from the client's
	accepted := 0
	for i, name := range givenNames {
		ip := "198.51.100." + string(rune('1'+i%3))
		resp := f.handle(t, fromIP(jsonEvent(withEmail("victim@example.com", name)), ip))
		switch resp.StatusCode {
		case 201:
			accepted++
		case 429:
			p := decodeProblem(t, resp)
			if p.Code != problem.AddressLimited || resp.Headers["Retry-After"] == "" {
				t.Errorf("refusal %d: code %q, Retry-After %q", i, p.Code, resp.Headers["Retry-After"])
			}
		default:
			t.Fatalf("submission %d: status %d %s", i, resp.StatusCode, resp.Body)
		}
	}
	if accepted != 3 || len(f.store.created) != 3 {
		t.Errorf("accepted %d, stored %d; want 3 of each", accepted, len(f.store.created))
	}

	// Counted by the mailbox the provider delivers to: case, +tags and
	// an internationalised domain's Unicode spelling make no new mailbox,
	// and at Gmail neither do dots; elsewhere a dot makes another address.
	tests := []struct {
		addr string
		want int
	}{
		{"VICTIM@Example.COM", 429},
		{"victim+0@example.com", 429},
		{"victim+clinic@example.com", 429},
		{"Victim+x+y@example.com", 429},
		{"vic.tim@example.com", 201},
	}
	for _, tt := range tests {
		if resp := f.handle(t, jsonEvent(withEmail(tt.addr, "Kim"))); resp.StatusCode != tt.want {
			t.Errorf("%s: status %d, want %d", tt.addr, resp.StatusCode, tt.want)
		}
	}
	for i, addr := range []string{"victim@gmail.com", "v.ictim@gmail.com", "vic.tim+0@googlemail.com", "V.I.C.T.I.M@gmail.com", "victim+x@googlemail.com"} {
		want := map[bool]int{true: 201, false: 429}[i < 3]
		if resp := f.handle(t, jsonEvent(withEmail(addr, givenNames[i]))); resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d", addr, resp.StatusCode, want)
		}
	}
	// The email still goes to the address as typed.
	if got := f.store.created[len(f.store.created)-1].Email; got != "vic.tim+0@googlemail.com" {
		t.Errorf("stored address %q, want it as typed", got)
	}
	for i, addr := range []string{"jordan@bücher.de", "jordan@xn--bcher-kva.de", "Jordan@BÜCHER.de", "jordan@xn--bcher-kva.de"} {
		want := map[bool]int{true: 201, false: 429}[i < 3]
		if resp := f.handle(t, jsonEvent(withEmail(addr, givenNames[i]))); resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d (%s)", addr, resp.StatusCode, want, resp.Body)
		}
	}
}

// TestPerAddressAllowanceGivenBack: a request that was not stored, because
// storage failed or it repeated an earlier one, does not use up the
// address's allowance.
func TestPerAddressAllowanceGivenBack(t *testing.T) {
	f := newFixture(t)
	f.configure(t, func(c *Config) { c.Accepted = appointment.NoLimit })
	f.store.err = appointment.ErrUnavailable
	for range 5 {
		if resp := f.handle(t, jsonEvent(validJSON)); resp.StatusCode != 503 {
			t.Fatalf("status %d, want 503", resp.StatusCode)
		}
	}
	f.store.err = nil
	if resp := f.handle(t, jsonEvent(validJSON)); resp.StatusCode != 201 {
		t.Errorf("after outages: status %d, want 201", resp.StatusCode)
	}
	if n := f.store.count("address#"); n != 1 {
		t.Errorf("address counted %d times, want 1", n)
	}

	// A submission the store answers as a repeat gives its count back too.
	f.store.receipt = &appointment.Receipt{ID: "first", Reference: "AAAA-BBBB", Replayed: true}
	for range 5 {
		if resp := f.handle(t, jsonEvent(withEmail("jordan@example.com", "Jo"))); resp.StatusCode != 201 {
			t.Fatalf("repeat: status %d, want 201", resp.StatusCode)
		}
	}
	if n := f.store.count("address#"); n != 1 {
		t.Errorf("after repeats the address counts %d, want 1", n)
	}
}

// trap fills the honeypot of a JSON body.
func trap(body string) string {
	return strings.Replace(body, `"_gotcha":""`, `"_gotcha":"x"`, 1)
}

// TestHoneypotMeetsTheClientLimit: a bot caught by the honeypot is limited
// like a person, so that endless 201s do not tell it it was caught.
func TestHoneypotMeetsTheClientLimit(t *testing.T) {
	f := newFixture(t)
	var statuses []int
	for i, name := range givenNames[:4] {
		statuses = append(statuses, f.handle(t, jsonEvent(trap(withEmail("bot"+strconv.Itoa(i)+"@example.com", name)))).StatusCode)
	}
	if want := []int{201, 201, 201, 429}; !slices.Equal(statuses, want) {
		t.Errorf("statuses %v, want %v", statuses, want)
	}
}

// atomicStore is fakeStore with the one-write path dynamo.Store has:
// Submit and Spend count every spend, and Submit stores the request, only
// if every counter stays within its Max; otherwise they write nothing and
// the handler takes the step-by-step path.
type atomicStore struct{ *fakeStore }

func (s atomicStore) spendAll(spends []appointment.Spend) bool {
	if s.counts == nil {
		s.counts = map[string]int{}
	}
	for _, sp := range spends {
		if s.counts[sp.Name+"@"+sp.WindowStart.String()] >= sp.Max {
			return false
		}
	}
	for _, sp := range spends {
		s.counts[sp.Name+"@"+sp.WindowStart.String()]++
	}
	return true
}

func (s atomicStore) Spend(_ context.Context, spends []appointment.Spend) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.countErr != nil {
		return false, s.countErr
	}
	return s.spendAll(spends), nil
}

func (s atomicStore) Submit(_ context.Context, r appointment.Request, d appointment.Dedupe, spends []appointment.Spend) (appointment.Receipt, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil || s.countErr != nil || s.receipt != nil || s.replay != nil || !s.spendAll(spends) {
		return appointment.Receipt{}, false, nil
	}
	s.created = append(s.created, r)
	s.dedupes = append(s.dedupes, d)
	return appointment.Receipt{ID: r.ID, Reference: r.Reference}, true, nil
}

// TestHoneypotMeetsTheAddressLimit reproduces a tell of the honeypot:
// caught submissions naming one address were all answered 201, where real
// ones met the per-address limit. They now count against the address as
// real ones do, whichever way the store counts: a bot gets 429 where a
// person would, nothing is stored, and a decoy sent again (answered as a
// replay, as a real repeat is) gives its count back.
func TestHoneypotMeetsTheAddressLimit(t *testing.T) {
	stores := []struct {
		name string
		wrap func(*fakeStore) Store
	}{
		{"step by step", func(s *fakeStore) Store { return s }},
		{"one write", func(s *fakeStore) Store { return atomicStore{s} }},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			f := newFixture(t)
			f.backend = st.wrap(f.store)
			f.configure(t, func(c *Config) { c.Accepted = appointment.NoLimit }) // isolate the address limit from the client's

			var statuses []int
			first := f.handle(t, jsonEvent(trap(withEmail("victim@example.com", givenNames[0]))))
			again := f.handle(t, jsonEvent(trap(withEmail("victim@example.com", givenNames[0]))))
			statuses = append(statuses, first.StatusCode, again.StatusCode)
			if again.Headers["Idempotent-Replayed"] != "true" || again.Body != first.Body {
				t.Errorf("the decoy sent again: %s (replayed %q), want %s replayed", again.Body, again.Headers["Idempotent-Replayed"], first.Body)
			}
			for i, name := range givenNames[1:5] {
				// Spellings of the same mailbox count as one, as for a
				// real request.
				addr := []string{"victim@example.com", "Victim+1@example.com", "victim+2@example.com", "victim@example.com"}[i]
				resp := f.handle(t, jsonEvent(trap(withEmail(addr, name))))
				statuses = append(statuses, resp.StatusCode)
				if resp.StatusCode == 429 && (decodeProblem(t, resp).Code != problem.AddressLimited || resp.Headers["Retry-After"] == "") {
					t.Errorf("%s: a 429 without the address code or Retry-After: %v %s", addr, resp.Headers, resp.Body)
				}
			}
			if want := []int{201, 201, 201, 201, 429, 429}; !slices.Equal(statuses, want) {
				t.Errorf("statuses %v, want %v", statuses, want)
			}
			// The address's allowance is spent for a real request too.
			if resp := f.handle(t, jsonEvent(withEmail("victim@example.com", "Kim"))); resp.StatusCode != 429 {
				t.Errorf("a real request after three decoys: status %d, want 429", resp.StatusCode)
			}
			if len(f.store.created) != 0 {
				t.Errorf("stored %d requests, want none", len(f.store.created))
			}
			if f.metrics.counts["Refused/honeypot"] != 4 {
				t.Errorf("metrics %v, want 4 honeypot refusals", f.metrics.counts)
			}
		})
	}

	// Real requests spend the allowance decoys then meet.
	f := newFixture(t)
	f.configure(t, func(c *Config) { c.Accepted = appointment.NoLimit })
	var statuses []int
	for i, name := range givenNames[:4] {
		body := withEmail("victim@example.com", name)
		if i%2 == 1 {
			body = trap(body)
		}
		statuses = append(statuses, f.handle(t, jsonEvent(body)).StatusCode)
	}
	if want := []int{201, 201, 201, 429}; !slices.Equal(statuses, want) || len(f.store.created) != 2 {
		t.Errorf("statuses %v, stored %d; want %v and 2 stored", statuses, len(f.store.created), want)
	}
}

// TestAttemptBudget reproduces one client sending invalid requests without
// end: past the attempt budget it gets 429 like any other client over a
// limit, while other clients are unaffected.
func TestAttemptBudget(t *testing.T) {
	f := newFixture(t)
	invalid := strings.Replace(validJSON, `"consent":true`, `"consent":false`, 1)
	var statuses []int
	for range 100 {
		statuses = append(statuses, f.handle(t, jsonEvent(invalid)).StatusCode)
	}
	for i, s := range statuses {
		want := 422
		if i >= 60 {
			want = 429
		}
		if s != want {
			t.Fatalf("attempt %d: status %d, want %d", i+1, s, want)
		}
	}
	resp := f.handle(t, jsonEvent(validJSON))
	if resp.StatusCode != 429 || decodeProblem(t, resp).Code != problem.TooManyAttempts || resp.Headers["Retry-After"] == "" {
		t.Errorf("valid request over the budget: %d %s", resp.StatusCode, resp.Body)
	}
	// Refusals that need no body count too.
	bad := jsonEvent(validJSON, "origin", "https://evil.example.net")
	if resp := f.handle(t, bad); resp.StatusCode != 429 {
		t.Errorf("foreign origin over the budget: status %d, want 429", resp.StatusCode)
	}
	if len(f.store.created) != 0 {
		t.Errorf("stored %d requests, want none", len(f.store.created))
	}
	if resp := f.handle(t, fromIP(jsonEvent(validJSON), "203.0.113.50")); resp.StatusCode != 201 {
		t.Errorf("another client: status %d, want 201", resp.StatusCode)
	}
}

// TestAttemptCounterDownStillValidates: when the attempt counter cannot be
// reached, a patient still sees what is wrong with the form.
func TestAttemptCounterDownStillValidates(t *testing.T) {
	f := newFixture(t)
	f.store.countErr = appointment.ErrUnavailable
	invalid := strings.Replace(validJSON, `"consent":true`, `"consent":false`, 1)
	if resp := f.handle(t, jsonEvent(invalid)); resp.StatusCode != 422 {
		t.Errorf("status %d, want 422", resp.StatusCode)
	}
}

// TestReplayBeforeLimits: a retry with its Idempotency-Key gets the stored
// answer even when the client is over every limit.
func TestReplayBeforeLimits(t *testing.T) {
	f := newFixture(t)
	f.configure(t, func(c *Config) { c.Attempts, c.Accepted = appointment.PerHour(1), appointment.PerHour(1) })
	first := f.handle(t, jsonEvent(validJSON, "idempotency-key", "k-1"))
	if first.StatusCode != 201 {
		t.Fatalf("first: %d", first.StatusCode)
	}
	if resp := f.handle(t, jsonEvent(withEmail("sam@example.com", "Sam"))); resp.StatusCode != 429 {
		t.Fatalf("new request over the limit: %d, want 429", resp.StatusCode)
	}
	var receipt struct{ ID, Reference string }
	_ = json.Unmarshal([]byte(first.Body), &receipt)
	f.store.replay = &appointment.Receipt{ID: receipt.ID, Reference: receipt.Reference, Replayed: true}
	again := f.handle(t, jsonEvent(validJSON, "idempotency-key", "k-1"))
	if again.StatusCode != 201 || again.Body != first.Body || again.Headers["Idempotent-Replayed"] != "true" {
		t.Errorf("retry over the limits: %d %s, want the first answer replayed", again.StatusCode, again.Body)
	}
	if d := f.store.replays[len(f.store.replays)-1]; d.IdempotencyKey != "k-1" || d.Fingerprint == "" {
		t.Errorf("Replay asked with %+v", d)
	}
	f.store.replay, f.store.replayErr = nil, appointment.ErrIdempotencyKeyReused
	if resp := f.handle(t, jsonEvent(withEmail("sam@example.com", "Sam"), "idempotency-key", "k-1")); resp.StatusCode != 422 {
		t.Errorf("key reused: %d, want 422", resp.StatusCode)
	}
}

// TestCountersAreKeyedHashes: counters are named by HMAC-SHA256 under the
// stack's key, not by a hash anyone can compute from an IP address or an
// email address, and the names hold neither.
func TestCountersAreKeyedHashes(t *testing.T) {
	names := func(key []byte) []string {
		f := newFixture(t)
		f.configure(t, func(c *Config) { c.Key = key })
		f.handle(t, jsonEvent(validJSON))
		var out []string
		for k := range f.store.counts {
			out = append(out, k)
		}
		return out
	}
	a := names(testKey)
	b := names([]byte("another-key-another-key-another-k"))
	if len(a) != 3 {
		t.Fatalf("counters %v, want attempts, client and address", a)
	}
	unkeyed := sha256.Sum256([]byte("rate-limit:198.51.100.7"))
	for _, name := range a {
		for _, leak := range []string{"198.51.100.7", "jordan", "example.com", hex.EncodeToString(unkeyed[:12])} {
			if strings.Contains(name, leak) {
				t.Errorf("counter %q reveals %q", name, leak)
			}
		}
		for _, other := range b {
			if name == other {
				t.Errorf("counter %q is the same under another key", name)
			}
		}
	}
}

var idPattern = regexp.MustCompile(`^[a-z2-7]{26}$`)

// TestHoneypotLooksReal: a bot cannot tell it hit the honeypot. Invalid
// bodies are refused as real ones are; the same body twice gets the same
// answer, marked as a replay; nothing is stored.
func TestHoneypotLooksReal(t *testing.T) {
	f := newFixture(t)
	trapped := strings.Replace(validJSON, `"_gotcha":""`, `"_gotcha":"http://spam.example"`, 1)
	invalid := strings.Replace(trapped, `"consent":true`, `"consent":false`, 1)
	if resp := f.handle(t, jsonEvent(invalid)); resp.StatusCode != 422 {
		t.Errorf("invalid honeypot body: status %d, want 422 like a real one", resp.StatusCode)
	}
	first := f.handle(t, jsonEvent(trapped))
	again := f.handle(t, jsonEvent(trapped))
	other := f.handle(t, jsonEvent(strings.Replace(trapped, "Tight", "Sore", 1)))
	if first.StatusCode != 201 || again.StatusCode != 201 || other.StatusCode != 201 {
		t.Fatalf("statuses %d %d %d", first.StatusCode, again.StatusCode, other.StatusCode)
	}
	if again.Body != first.Body || again.Headers["Idempotent-Replayed"] != "true" || first.Headers["Idempotent-Replayed"] != "" {
		t.Errorf("repeat: %s (replayed %q), first %s", again.Body, again.Headers["Idempotent-Replayed"], first.Body)
	}
	if other.Body == first.Body {
		t.Error("another body got the same answer")
	}
	var got struct{ ID, Reference string }
	_ = json.Unmarshal([]byte(first.Body), &got)
	if !idPattern.MatchString(got.ID) || !regexp.MustCompile(`^[2-9A-HJKMNP-TW-Z]{4}-[2-9A-HJKMNP-TW-Z]{4}$`).MatchString(got.Reference) {
		t.Errorf("decoy receipt %+v does not look like a real one", got)
	}
	if len(f.store.created) != 0 {
		t.Errorf("stored %d requests, want none", len(f.store.created))
	}
}

func TestRealIDsLookLikeDecoys(t *testing.T) {
	for range 20 {
		if id := appointment.NewID(); !idPattern.MatchString(id) {
			t.Fatalf("NewID() = %q", id)
		}
	}
}

// TestJSONReadLikeForms: a key given twice and text that is not UTF-8 are
// refused, as repeated and broken form fields are; nothing is stored.
func TestJSONReadLikeForms(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		field string
		code  string
	}{
		{"duplicate consent", strings.Replace(validJSON, `"consent":true`, `"consent":false,"consent":true`, 1), "consent", appointment.CodeAmbiguous},
		{"duplicate email", strings.Replace(validJSON, `"email":"jordan@example.com"`, `"email":"jordan@example.com","email":"other@example.com"`, 1), "email", appointment.CodeAmbiguous},
		{"invalid UTF-8", strings.Replace(validJSON, "Jordan", "Jor\xffdan", 1), "firstName", appointment.CodeInvalid},
		{"lone surrogate", strings.Replace(validJSON, "Jordan", `Jor\ud800dan`, 1), "firstName", appointment.CodeInvalid},
		{"invalid UTF-8 in a list", strings.Replace(validJSON, `"mon"`, "\"mo\xc3\"", 1), "preferredDays", appointment.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			resp := f.handle(t, jsonEvent(tt.body))
			if resp.StatusCode != 422 {
				t.Fatalf("status %d, want 422: %s", resp.StatusCode, resp.Body)
			}
			p := decodeProblem(t, resp)
			found := false
			for _, fe := range p.Errors {
				found = found || (fe.Field == tt.field && fe.Code == tt.code)
			}
			if !found {
				t.Errorf("errors %+v, want %s on %s", p.Errors, tt.code, tt.field)
			}
			if len(f.store.created) != 0 {
				t.Error("request stored")
			}
		})
	}
}

// fakeChallenge answers Turnstile verifications from a table.
type fakeChallenge struct {
	answers map[string]bool
	err     error
	asked   []string
}

func (c *fakeChallenge) Verify(_ context.Context, token, remoteIP string) (bool, error) {
	c.asked = append(c.asked, token+"|"+remoteIP)
	return c.answers[token], c.err
}

func TestChallenge(t *testing.T) {
	withToken := func(token string) string {
		return strings.Replace(validJSON, `"_gotcha":""`, `"_gotcha":"","cf-turnstile-response":"`+token+`"`, 1)
	}
	tests := []struct {
		name   string
		body   string
		err    error
		status int
		code   string
	}{
		{"passes", withToken("good"), nil, 201, ""},
		{"refused", withToken("bad"), nil, 403, problem.ChallengeFailed},
		{"missing", validJSON, nil, 403, problem.ChallengeFailed},
		{"siteverify down", withToken("good"), context.DeadlineExceeded, 503, problem.ChallengeUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			c := &fakeChallenge{answers: map[string]bool{"good": true}, err: tt.err}
			f.configure(t, func(cfg *Config) { cfg.Challenge = c })
			resp := f.handle(t, jsonEvent(tt.body))
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, resp.Body)
			}
			if tt.code != "" && decodeProblem(t, resp).Code != tt.code {
				t.Errorf("code %s, want %s", decodeProblem(t, resp).Code, tt.code)
			}
			if stored := len(f.store.created); stored != map[bool]int{true: 1}[tt.status == 201] {
				t.Errorf("stored %d", stored)
			}
			if tt.code == problem.ChallengeUnavailable && resp.Headers["Retry-After"] == "" {
				t.Error("no Retry-After")
			}
		})
	}

	// The token travels with the client's IP; without a challenge
	// configured, the field is accepted and ignored; it is never stored.
	f := newFixture(t)
	c := &fakeChallenge{answers: map[string]bool{"good": true}}
	f.configure(t, func(cfg *Config) { cfg.Challenge = c })
	f.handle(t, jsonEvent(withToken("good")))
	if len(c.asked) != 1 || c.asked[0] != "good|198.51.100.7" {
		t.Errorf("asked %v", c.asked)
	}
	f.configure(t, func(cfg *Config) { cfg.Challenge = nil })
	if resp := f.handle(t, jsonEvent(withEmail("sam@example.com", "Sam"))); resp.StatusCode != 201 {
		t.Errorf("without a challenge: %d", resp.StatusCode)
	}
	v := validValues()
	v.Set(fieldChallenge, "good")
	f.configure(t, func(cfg *Config) { cfg.Challenge = c })
	if resp := f.handle(t, formEvent(v)); resp.StatusCode != 303 {
		t.Errorf("form post with token: %d", resp.StatusCode)
	}
}
