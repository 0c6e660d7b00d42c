// Package httpapi turns API Gateway HTTP API events for POST /appointments
// into stored appointment requests and answers them: JSON for scripts, a
// redirect or an HTML page for plain form posts, RFC 9457 problems for errors.
package httpapi

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
)

const headerIdempotencyKey = "Idempotency-Key"

// fieldChallenge is the field in which a Cloudflare Turnstile widget posts
// its token. It is read by the handler and never stored.
const fieldChallenge = "cf-turnstile-response"

// Store keeps accepted requests and counts what the limits need.
type Store interface {
	// Create stores r, unless d identifies it as a repeat of a request still
	// remembered; then it returns that request's receipt, marked Replayed.
	Create(ctx context.Context, r appointment.Request, d appointment.Dedupe) (appointment.Receipt, error)
	// Replay returns the receipt of the request d identifies, if one is
	// remembered, without storing anything.
	Replay(ctx context.Context, r appointment.Request, d appointment.Dedupe) (appointment.Receipt, bool, error)
	// Count adds delta to the named counter of the window of the given
	// length that starts at windowStart, and returns its new value.
	Count(ctx context.Context, name string, windowStart time.Time, window time.Duration, delta int) (int, error)
	// Decoy remembers, as durably as Create remembers a request's claims,
	// that the decoy named name was answered in the window of the given
	// length that starts at windowStart, and reports whether it had been
	// already. It is all a submission caught by the honeypot leaves in
	// storage, and its write is of the kind Create makes, so that a
	// decoy's answer takes about as long as a real one's.
	Decoy(ctx context.Context, name string, windowStart time.Time, window time.Duration) (repeat bool, err error)
}

// Challenge verifies the token of a bot challenge such as Cloudflare
// Turnstile. It returns false for a token that was refused and an error when
// the answer could not be had.
type Challenge interface {
	Verify(ctx context.Context, token, remoteIP string) (bool, error)
}

// Metrics counts outcomes.
type Metrics interface {
	Count(name string, dimensions map[string]string)
}

// MetricServerErrors counts requests answered with a 5xx status: storage
// or the bot check unavailable, or a fault of this program. The handler
// answers them as responses, which Lambda's own Errors metric never sees.
const MetricServerErrors = "ServerErrors"

// Limit allows Max events per Window (appointment.Limit).
type Limit = appointment.Limit

// Config is what the handler needs to know about its deployment.
type Config struct {
	// AllowedOrigins are the website origins, like https://www.example.com,
	// that may post the form.
	AllowedOrigins []string
	// ThankYouURL is where plain form posts are sent after success.
	ThankYouURL string
	// Accepted limits the requests one client (source IP) may have stored.
	Accepted Limit
	// Attempts limits every request one client makes, valid or not.
	Attempts Limit
	// PerAddress limits the requests stored for one patient address, so
	// that the form cannot be used to flood a stranger with confirmations.
	PerAddress Limit
	// Key is the stack's secret for keyed hashes: clients and addresses are
	// counted under HMAC-SHA256 values that cannot be reversed without it,
	// and honeypot receipts are derived from it. At least 32 bytes.
	Key []byte
	// Challenge, when set, must accept the submission's Turnstile token
	// before anything is stored.
	Challenge Challenge
	// Phones reads the phone numbers patients type (libphonenumber.Reader).
	Phones appointment.PhoneReader
}

// Handler answers POST /appointments.
type Handler struct {
	cfg     Config
	origins []string
	profile *clinic.Profile
	store   Store
	log     *slog.Logger
	metrics Metrics
	now     func() time.Time
}

// minKeyBytes is the shortest hashing key accepted: HMAC-SHA256 needs no
// more than its block of entropy, and less would make counters guessable.
const minKeyBytes = 32

// New returns a handler. It checks the configuration once, so that a
// mistake stops the function at start-up rather than on a patient's request.
func New(cfg Config, profile *clinic.Profile, store Store, log *slog.Logger, metrics Metrics) (*Handler, error) {
	var origins []string
	for _, o := range cfg.AllowedOrigins {
		n, err := NormalizeOrigin(o)
		if err != nil {
			return nil, err
		}
		origins = append(origins, n)
	}
	u, err := url.Parse(cfg.ThankYouURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("thank-you URL must be an absolute http or https URL")
	}
	if len(cfg.Key) < minKeyBytes {
		return nil, fmt.Errorf("hashing key must be at least %d bytes", minKeyBytes)
	}
	if cfg.Phones == nil {
		return nil, errors.New("no phone number reader")
	}
	cfg.Key = slices.Clone(cfg.Key)
	return &Handler{cfg: cfg, origins: origins, profile: profile, store: store, log: log, metrics: metrics, now: time.Now}, nil
}

// ParseOrigins reads a comma-separated list of origins, as the
// ALLOWED_ORIGINS setting holds them, dropping spaces and empty entries.
func ParseOrigins(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

// NormalizeOrigin returns an origin in the form browsers send it:
// scheme://host[:port], lower case, without a path.
func NormalizeOrigin(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", errors.New("allowed origin " + strconv.Quote(s) + " must look like https://www.example.com")
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// outcome is what happened to one request, for the log and the metrics.
type outcome struct {
	status   int
	code     string // problem code, or "" on success
	id       string
	replayed bool
	honeypot bool
}

// Handle answers one API Gateway HTTP API (payload 2.0) event. Every
// outcome a caller can see is a response; the returned error is always nil.
func (h *Handler) Handle(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := h.now()
	// The logger adds Lambda's own request ID from ctx; API Gateway's ID
	// is the one its access log records.
	log := h.log.With("apiRequestId", e.RequestContext.RequestID)
	resp, out := h.serve(ctx, e, log)

	attrs := []any{"status", out.status, "durationMs", h.now().Sub(start).Milliseconds()}
	switch {
	case out.code != "":
		attrs = append(attrs, "outcome", "refused", "reason", out.code)
		h.metrics.Count("Refused", map[string]string{"Reason": out.code})
	case out.honeypot:
		// The sender is told it worked, but nothing was stored; the log and
		// the metrics say what really happened.
		attrs = append(attrs, "outcome", "refused", "reason", "honeypot")
		h.metrics.Count("Refused", map[string]string{"Reason": "honeypot"})
	case out.replayed:
		attrs = append(attrs, "outcome", "replayed", "appointmentId", out.id)
		h.metrics.Count("Replayed", nil)
	default:
		attrs = append(attrs, "outcome", "accepted", "appointmentId", out.id)
		h.metrics.Count("Accepted", nil)
	}
	level := slog.LevelInfo
	if out.status >= 500 {
		level = slog.LevelError
		// The patient was answered, so Lambda counts no error: this count
		// is what the stack's alarm on failed submissions watches.
		h.metrics.Count(MetricServerErrors, nil)
	}
	log.Log(ctx, level, "appointment request handled", attrs...)
	return resp, nil
}

// submission is a request that was read and checked as far as it can be
// without storage.
type submission struct {
	form   appointment.Form
	req    appointment.Request
	dedupe appointment.Dedupe // its Idempotency-Key and fingerprint
	valid  bool
}

// serve answers one request. The checks run in this order:
//  1. the attempt is counted against the client's budget, whatever follows;
//  2. the origin, method, media type and body are read and the form is
//     validated, with no storage involved;
//  3. a valid submission that repeats a remembered one (its Idempotency-Key,
//     or the same details moments ago) gets the remembered answer, even when
//     the client is over a limit, since a retry must learn how its request
//     went;
//  4. a client over its attempt budget is refused, then anything invalid;
//  5. the bot challenge, when configured, is verified;
//  6. the client's limit on stored requests is counted, then the patient
//     mailbox's, for honeypot submissions too, so that a bot meets them
//     as a person would;
//  7. a submission caught by the honeypot gets a decoy answer; any other
//     is stored.
func (h *Handler) serve(ctx context.Context, e events.APIGatewayV2HTTPRequest, log *slog.Logger) (events.APIGatewayV2HTTPResponse, outcome) {
	headers := lowerKeys(e.Headers)
	origin := headers["origin"]
	contentType := headers["content-type"]
	// Plain HTML form posts get pages; scripts, and anything that asks for
	// JSON, get JSON. The encoding decides before the body is read.
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	r := responder{h: h, origin: h.allowedOrigin(origin), html: wantsHTML(mt, headers["accept"]), back: h.backURL(headers["referer"])}

	if e.RequestContext.HTTP.Method == http.MethodOptions {
		return h.preflight(origin, headers)
	}

	ctx, cancel := storageContext(ctx)
	defer cancel()
	now := h.now()
	sourceIP := e.RequestContext.HTTP.SourceIP
	client := h.hash("client", sourceIP)

	sub, refusal, refused := h.read(ctx, e, headers, r, log)
	if sub.valid {
		// Stamped once, so that every write of this submission names the
		// same request, and a claim it finds under its own ID is its own.
		sub.req.Stamp(now)
	}
	challenge := h.challenge(ctx, sub, sourceIP)
	if resp, out, done := h.submitAtOnce(ctx, r, sub, refused, challenge, client, now, log); done {
		return resp, out
	}

	overBudget := h.countAttempt(ctx, client, now, log)
	if sub.valid {
		receipt, found, err := h.store.Replay(ctx, sub.req, sub.dedupe)
		switch {
		case err != nil:
			// A reused idempotency key too: the problem table answers it.
			return r.fail(ctx, err, log)
		case found:
			return r.success(receipt)
		}
	}
	if overBudget != nil {
		return r.limited(codeTooManyAttempts, *overBudget)
	}
	if refused {
		return refusal.resp, refusal.out
	}

	if h.cfg.Challenge != nil {
		passed, err := challenge()
		if err != nil {
			// Fail closed: without an answer, a bot could not be told apart.
			log.ErrorContext(ctx, "bot challenge unavailable", "error", err)
			return r.problem(codeChallengeUnavailable, nil)
		}
		if !passed {
			return r.problem(codeChallengeFailed, nil)
		}
	}

	if h.cfg.Accepted.On() {
		if wait, err := h.spend(ctx, "client#"+client, h.cfg.Accepted, now); err != nil {
			return r.fail(ctx, err, log)
		} else if wait != nil {
			return r.limited(codeRateLimited, *wait)
		}
	}
	var address string // the patient address's counter, when it is counted
	if h.cfg.PerAddress.On() {
		address = h.addressCounter(sub.req.Email)
		wait, err := h.spend(ctx, address, h.cfg.PerAddress, now)
		if err != nil {
			return r.fail(ctx, err, log)
		}
		if wait != nil {
			return r.limited(codeAddressLimited, *wait)
		}
	}
	if sub.form.IsSpam() {
		return h.decoy(ctx, r, sub.dedupe, address, now, log)
	}

	receipt, err := h.store.Create(ctx, sub.req, sub.dedupe)
	if (err != nil || receipt.Replayed) && address != "" {
		// Nothing new was stored, so the patient address's allowance is
		// given back: a patient whose first try met an outage, or who
		// clicked twice, still has all of it.
		h.refund(ctx, address, h.cfg.PerAddress, now, log)
	}
	if err != nil {
		return r.fail(ctx, err, log)
	}
	return r.success(receipt)
}

// Submitter is a Store that can also count a submission against its
// limits, take its claims and store it in one atomic write (dynamo.Store's
// Submit), and count a submission it will not store in one atomic write
// (Spend). Each returns false when its write did not apply, having written
// nothing. A Submitter's Decoy keeps each decoy as the counter of its
// name, at 1 once answered, so that Spend can take a decoy's record with
// the others, as a counter with a Max of 1.
type Submitter interface {
	Submit(ctx context.Context, r appointment.Request, d appointment.Dedupe, spends []appointment.Spend) (appointment.Receipt, bool, error)
	Spend(ctx context.Context, spends []appointment.Spend) (bool, error)
}

// submitAtOnce stores a valid submission with a single write to storage,
// when the store can do that: the usual case of a new request from a
// client and a patient within their limits, which would otherwise take a
// round trip per counter, one to look for a repeat, one per claim and one
// for the request. A submission caught by the honeypot is counted the same
// way, with its decoy's counter in place of the claims and the request, so
// that its answer costs what a real one's does and comes as soon. Whenever
// the write does not apply (a limit reached, a repeat, a conflict),
// nothing was written and done is false: serve then takes the checks one
// at a time, in their order, and answers as always.
func (h *Handler) submitAtOnce(ctx context.Context, r responder, sub submission, refused bool, challenge func() (bool, error), client string, now time.Time, log *slog.Logger) (resp events.APIGatewayV2HTTPResponse, out outcome, done bool) {
	s, ok := h.store.(Submitter)
	if !ok || !sub.valid || refused {
		return resp, out, false
	}
	if passed, err := challenge(); err != nil || !passed {
		return resp, out, false
	}
	var spends []appointment.Spend
	add := func(name string, l Limit) {
		if l.On() {
			spends = append(spends, appointment.Spend{Name: name, WindowStart: now.Truncate(l.Window), Window: l.Window, Max: l.Max})
		}
	}
	add("attempts#"+client, h.cfg.Attempts)
	add("client#"+client, h.cfg.Accepted)
	add(h.addressCounter(sub.req.Email), h.cfg.PerAddress)
	if sub.form.IsSpam() {
		// The decoy's record stands for the claims: when it is there
		// already, this is a repeat, which the step-by-step path answers.
		seed, window := h.decoySeed(sub.dedupe)
		add("honeypot#"+seed, Limit{Max: 1, Window: window})
		counted, err := s.Spend(ctx, spends)
		if err != nil {
			resp, out = r.fail(ctx, err, log)
			return resp, out, true
		}
		if !counted {
			return resp, out, false
		}
		resp, out = h.decoyAnswer(ctx, r, seed, false, log)
		return resp, out, true
	}
	receipt, stored, err := s.Submit(ctx, sub.req, sub.dedupe, spends)
	if err != nil {
		// The write may or may not have applied: a retry of the
		// submission finds out, through its claims, and answers as
		// for a repeat.
		resp, out = r.fail(ctx, err, log)
		return resp, out, true
	}
	if !stored {
		return resp, out, false
	}
	resp, out = r.success(receipt)
	return resp, out, true
}

// challenge returns the verification of the submission's bot challenge,
// asked of the verifier at most once however often it is called, since a
// challenge's token is good for one verification. Without a verifier every
// submission passes.
func (h *Handler) challenge(ctx context.Context, sub submission, sourceIP string) func() (bool, error) {
	if h.cfg.Challenge == nil {
		return func() (bool, error) { return true, nil }
	}
	return sync.OnceValues(func() (bool, error) {
		return h.cfg.Challenge.Verify(ctx, firstValue(sub.form[fieldChallenge]), sourceIP)
	})
}

// refusal is an answer decided while reading a request.
type refusal struct {
	resp events.APIGatewayV2HTTPResponse
	out  outcome
}

// read checks everything about a request that needs no storage. It returns
// the submission, valid or not, and the refusal when there is one.
func (h *Handler) read(ctx context.Context, e events.APIGatewayV2HTTPRequest, headers map[string]string, r responder, log *slog.Logger) (submission, refusal, bool) {
	refuse := func(resp events.APIGatewayV2HTTPResponse, out outcome) (submission, refusal, bool) {
		return submission{}, refusal{resp, out}, true
	}
	method := e.RequestContext.HTTP.Method
	if origin := headers["origin"]; origin != "" && r.origin == "" {
		return refuse(r.problem(codeOriginNotAllowed, nil))
	}
	if method != http.MethodPost {
		resp, out := r.problem(codeMethodNotAllowed, nil)
		resp.Headers["Allow"] = "POST, OPTIONS"
		return refuse(resp, out)
	}
	mt, params, err := mediaType(headers["content-type"])
	if err != nil {
		return refuse(r.fail(ctx, err, log))
	}
	b, err := body(e.Body, e.IsBase64Encoded)
	if err != nil {
		return refuse(r.fail(ctx, err, log))
	}
	form, typeErrs, err := decode(mt, params, b)
	if err != nil {
		return refuse(r.fail(ctx, err, log))
	}
	// Validation comes before the honeypot, so that a bot learns nothing
	// from which of its submissions are refused.
	req, err := form.Validate(h.profile, h.cfg.Phones)
	if errs := fieldErrors(typeErrs, err); len(errs) > 0 {
		return refuse(r.problem(codeValidation, errs))
	}
	key := headers[strings.ToLower(headerIdempotencyKey)]
	if !validIdempotencyKey(key) {
		return refuse(r.problem(codeMalformed, []appointment.FieldError{{
			Field: headerIdempotencyKey, Code: appointment.CodeInvalid,
			Message: "The request's Idempotency-Key header must be 1 to 255 visible characters.",
		}}))
	}
	d := appointment.Dedupe{IdempotencyKey: key, Fingerprint: req.Fingerprint()}
	return submission{form: form, req: req, dedupe: d, valid: true}, refusal{}, false
}

// countAttempt counts a request against the client's attempt budget and
// returns how long the client must wait when it is over. A counter that
// cannot be reached lets the request through: the limits on stored
// requests, and the store itself, still stand behind it, and a patient
// should see what is wrong with the form rather than an outage.
func (h *Handler) countAttempt(ctx context.Context, client string, now time.Time, log *slog.Logger) *time.Duration {
	if !h.cfg.Attempts.On() {
		return nil
	}
	wait, err := h.spend(ctx, "attempts#"+client, h.cfg.Attempts, now)
	if err != nil {
		log.WarnContext(ctx, "attempt not counted", "error", err)
		return nil
	}
	return wait
}

// spend counts one event against a limit. It returns how long until the
// window ends when the limit is exceeded, or nil.
func (h *Handler) spend(ctx context.Context, name string, l Limit, now time.Time) (*time.Duration, error) {
	start := now.Truncate(l.Window)
	n, err := h.store.Count(ctx, name, start, l.Window, 1)
	if err != nil {
		return nil, err
	}
	if n <= l.Max {
		return nil, nil
	}
	wait := start.Add(l.Window).Sub(now)
	return &wait, nil
}

// refund gives back what spend counted, as far as storage lets it; a count
// that stays is only a little too strict.
func (h *Handler) refund(ctx context.Context, name string, l Limit, now time.Time, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 500*time.Millisecond)
	defer cancel()
	if _, err := h.store.Count(ctx, name, now.Truncate(l.Window), l.Window, -1); err != nil {
		log.WarnContext(ctx, "count not given back", "error", err)
	}
}

// decoy answers a submission caught by the honeypot as a real one would be
// answered, storing nothing. Its ID and reference are derived from the
// submission under the stack's key, so that sending it again gets the same
// answer, marked as a replay, just as a real repeat does; a bot cannot
// tell from the answers that it was caught. address is the patient
// address's counter, already counted, or "": as for a real request, a
// decoy that turns out to be a repeat (or cannot be counted) gives that
// count back.
func (h *Handler) decoy(ctx context.Context, r responder, d appointment.Dedupe, address string, now time.Time, log *slog.Logger) (events.APIGatewayV2HTTPResponse, outcome) {
	seed, window := h.decoySeed(d)
	repeat, err := h.store.Decoy(ctx, "honeypot#"+seed, now.Truncate(window), window)
	if (err != nil || repeat) && address != "" {
		h.refund(ctx, address, h.cfg.PerAddress, now, log)
	}
	if err != nil {
		return r.fail(ctx, err, log)
	}
	return h.decoyAnswer(ctx, r, seed, repeat, log)
}

// decoySeed returns what a decoy's receipt is derived from and its counter
// named by, and how long a repeat of it is recognised: as long as a real
// request's would be.
func (h *Handler) decoySeed(d appointment.Dedupe) (seed string, window time.Duration) {
	window = appointment.DedupeWindow
	if d.IdempotencyKey != "" {
		window = appointment.IdempotencyWindow
	}
	return h.hash("honeypot", d.IdempotencyKey+"\x00"+d.Fingerprint), window
}

// decoyAnswer answers with the receipt derived from seed, marked as a
// replay when it repeats an earlier decoy.
func (h *Handler) decoyAnswer(ctx context.Context, r responder, seed string, replayed bool, log *slog.Logger) (events.APIGatewayV2HTTPResponse, outcome) {
	// 26 bytes draw the ID and the reference needs 8 of its 29 symbols
	// from a byte each, rejecting 24 of 256 values: 128 bytes run short
	// with a chance far below one in 2^100.
	b, err := hkdf.Key(sha256.New, h.cfg.Key, nil, seed, 128)
	if err != nil {
		return r.fail(ctx, err, log)
	}
	src := bytes.NewReader(b)
	id, err := appointment.NewIDFrom(src)
	if err != nil {
		return r.fail(ctx, err, log)
	}
	ref, err := appointment.NewReferenceFrom(src)
	if err != nil {
		return r.fail(ctx, err, log)
	}
	resp, out := r.success(appointment.Receipt{ID: id, Reference: ref, Replayed: replayed})
	out.honeypot = true
	return resp, out
}

// hash returns the keyed hash of value for the given purpose
// (appointment.KeyedHash): what a counter is named by, so that the table
// never holds a client's address or a patient's email.
func (h *Handler) hash(purpose, value string) string {
	return appointment.KeyedHash(h.cfg.Key, purpose, value)
}

// addressCounter names the per-address counter of a patient address: the
// keyed hash of the mailbox it reaches (appointment.Mailbox), so that
// every spelling of one mailbox spends one allowance.
func (h *Handler) addressCounter(addr string) string {
	return "address#" + h.hash("address", appointment.Mailbox(addr))
}

func firstValue(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}

// storageContext leaves the handler a second before the function's deadline
// to answer 503 when storage is slow, rather than letting the invocation
// time out and the patient see a gateway error.
func storageContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if deadline, ok := ctx.Deadline(); ok {
		return context.WithDeadline(ctx, deadline.Add(-time.Second))
	}
	return context.WithTimeout(ctx, 9*time.Second)
}

// fieldErrors merges the errors found while decoding with those found by
// validation. A field that could not be decoded was left out of the form, so
// validation's "required" for it is dropped in favour of the decoding error.
func fieldErrors(typeErrs []appointment.FieldError, err error) []appointment.FieldError {
	errs := slices.Clone(typeErrs)
	var ve *appointment.ValidationError
	if errors.As(err, &ve) {
		for _, fe := range ve.Errors {
			if !slices.ContainsFunc(typeErrs, func(t appointment.FieldError) bool { return t.Field == fe.Field }) {
				errs = append(errs, fe)
			}
		}
	}
	return errs
}

// validIdempotencyKey accepts no key, or 1 to 255 visible ASCII characters.
func validIdempotencyKey(k string) bool {
	if len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

func wantsHTML(mediaType, accept string) bool {
	if mediaType != mediaForm && mediaType != mediaMultipart {
		return false
	}
	a := strings.ToLower(accept)
	return !strings.Contains(a, "application/json") && !strings.Contains(a, "application/problem+json")
}

func (h *Handler) allowedOrigin(origin string) string {
	if origin == "" {
		return ""
	}
	n, err := NormalizeOrigin(origin)
	if err != nil || !slices.Contains(h.origins, n) {
		return ""
	}
	return n
}

// backURL is where the error page's link leads: the page the form was on
// when it belongs to an allowed origin, or else the clinic's website.
func (h *Handler) backURL(referer string) string {
	if u, err := url.Parse(referer); err == nil && u.Scheme != "" && h.allowedOrigin(u.Scheme+"://"+u.Host) != "" {
		return u.String()
	}
	return h.profile.Website
}

// preflight answers a CORS preflight request. Behind API Gateway the API's
// own CORS settings answer these; the handler does too so that it behaves
// the same wherever it runs.
func (h *Handler) preflight(origin string, headers map[string]string) (events.APIGatewayV2HTTPResponse, outcome) {
	allowed := h.allowedOrigin(origin)
	if allowed == "" || !strings.EqualFold(headers["access-control-request-method"], http.MethodPost) {
		r := responder{h: h}
		return r.problem(codeOriginNotAllowed, nil)
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: http.StatusNoContent,
		Headers: map[string]string{
			"Access-Control-Allow-Origin":  allowed,
			"Access-Control-Allow-Methods": "POST",
			"Access-Control-Allow-Headers": "Content-Type, Idempotency-Key",
			"Access-Control-Max-Age":       "600",
			"Vary":                         "Origin",
		},
	}, outcome{status: http.StatusNoContent}
}

func lowerKeys(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// responder builds the responses for one request.
type responder struct {
	h      *Handler
	origin string // the request's origin when it is allowed
	html   bool   // answer with pages rather than JSON
	back   string
}

func (r responder) headers(contentType string) map[string]string {
	h := map[string]string{
		"Content-Type":           contentType,
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	}
	if r.origin != "" {
		h["Access-Control-Allow-Origin"] = r.origin
		h["Access-Control-Expose-Headers"] = "Retry-After"
		h["Vary"] = "Origin"
	}
	return h
}

func (r responder) success(receipt appointment.Receipt) (events.APIGatewayV2HTTPResponse, outcome) {
	out := outcome{id: receipt.ID, replayed: receipt.Replayed}
	if r.html {
		u, _ := url.Parse(r.h.cfg.ThankYouURL)
		q := u.Query()
		q.Set("reference", receipt.Reference)
		u.RawQuery = q.Encode()
		hdr := r.headers("text/plain; charset=utf-8")
		hdr["Location"] = u.String()
		out.status = http.StatusSeeOther
		return events.APIGatewayV2HTTPResponse{StatusCode: out.status, Headers: hdr, Body: "See " + u.String() + "\n"}, out
	}
	b, _ := json.Marshal(map[string]string{"id": receipt.ID, "reference": receipt.Reference, "status": "received"})
	hdr := r.headers("application/json")
	if receipt.Replayed {
		hdr["Idempotent-Replayed"] = "true"
	}
	out.status = http.StatusCreated
	return events.APIGatewayV2HTTPResponse{StatusCode: out.status, Headers: hdr, Body: string(b)}, out
}

func (r responder) problem(code string, errs []appointment.FieldError) (events.APIGatewayV2HTTPResponse, outcome) {
	p := r.h.newProblem(code, errs)
	out := outcome{status: p.Status, code: p.Code}
	var resp events.APIGatewayV2HTTPResponse
	if r.html {
		hdr := r.headers("text/html; charset=utf-8")
		// The page needs nothing but its own inline styles.
		hdr["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'"
		hdr["Referrer-Policy"] = "no-referrer"
		resp = events.APIGatewayV2HTTPResponse{StatusCode: p.Status, Headers: hdr, Body: string(r.h.errorHTML(p, r.back))}
	} else {
		resp = events.APIGatewayV2HTTPResponse{StatusCode: p.Status, Headers: r.headers("application/problem+json"), Body: string(p.json())}
	}
	if s := retryAfter[p.Code]; s > 0 {
		resp.Headers["Retry-After"] = strconv.Itoa(s)
	}
	return resp, out
}

// limited answers a request over one of the limits, saying when to try
// again.
func (r responder) limited(code string, wait time.Duration) (events.APIGatewayV2HTTPResponse, outcome) {
	resp, out := r.problem(code, nil)
	resp.Headers["Retry-After"] = strconv.Itoa(int(wait.Seconds()) + 1)
	return resp, out
}

// fail answers an error with its problem. Storage that is down or slow is
// logged as a warning and answered 503 with Retry-After, since trying again
// shortly is safe; a fault of this program is logged as an error and
// answered 500. Either way the cause is logged, never shown.
func (r responder) fail(ctx context.Context, err error, log *slog.Logger) (events.APIGatewayV2HTTPResponse, outcome) {
	code := errorCode(err)
	switch code {
	case codeUnavailable:
		log.WarnContext(ctx, "storage unavailable", "error", err)
	case codeInternal:
		log.ErrorContext(ctx, "request failed", "error", err)
	}
	return r.problem(code, errorFields(err))
}
