// Package httpapi reads API Gateway HTTP API events for POST /appointments,
// hands each submission to the use case (appointment.Submitter), which
// decides what is counted, refused and stored, and answers: JSON for
// scripts, a redirect or an HTML page for plain form posts, RFC 9457
// problems for errors, whose statuses come from the one problem table
// (internal/problem).
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/problem"
)

const headerIdempotencyKey = "Idempotency-Key"

// fieldChallenge is the field in which a Cloudflare Turnstile widget posts
// its token. It is read by the handler and never stored.
const fieldChallenge = "cf-turnstile-response"

// Store keeps accepted requests and counts what the limits need
// (appointment.SubmissionStore). A store that is also an
// appointment.AtomicStore, as dynamo.Store is, takes a new submission in
// one write.
type Store = appointment.SubmissionStore

// Challenge verifies the token of a bot challenge such as Cloudflare
// Turnstile (appointment.Challenge).
type Challenge = appointment.Challenge

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
	// Accepted, Attempts and PerAddress are the submission's limits
	// (appointment.SubmitLimits): each on, or appointment.NoLimit; a limit
	// left unset is refused by New.
	Accepted   Limit
	Attempts   Limit
	PerAddress Limit
	// Key is the stack's secret for keyed hashes (appointment.NewSubmitter),
	// at least 32 bytes.
	Key []byte
	// Challenge, when set, must accept the submission's Turnstile token
	// before anything is stored.
	Challenge Challenge
	// Phones reads the phone numbers patients type (libphonenumber.Reader).
	Phones appointment.PhoneReader
}

// Handler answers POST /appointments: it reads a submission, hands it to
// the use case (appointment.Submitter) and answers what it returns.
type Handler struct {
	cfg       Config
	origins   []string
	profile   *clinic.Profile
	submitter *appointment.Submitter
	log       *slog.Logger
	metrics   Metrics
	now       func() time.Time
}

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
	if cfg.Phones == nil {
		return nil, errors.New("no phone number reader")
	}
	limits := appointment.SubmitLimits{Attempts: cfg.Attempts, Accepted: cfg.Accepted, PerAddress: cfg.PerAddress}
	submitter, err := appointment.NewSubmitter(store, limits, cfg.Key, cfg.Challenge)
	if err != nil {
		return nil, err
	}
	cfg.Key = nil // the submitter keeps its own copy
	return &Handler{cfg: cfg, origins: origins, profile: profile, submitter: submitter, log: log, metrics: metrics, now: time.Now}, nil
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

// serve answers one request: it reads the submission, which needs no
// storage, and hands it to the use case, which decides in its order
// (appointment.Submitter.Submit) and whose errors the problem table
// answers. A submission that could not be read is handed over too, so that
// its attempt counts against the client's budget.
func (h *Handler) serve(ctx context.Context, e events.APIGatewayV2HTTPRequest, log *slog.Logger) (events.APIGatewayV2HTTPResponse, outcome) {
	headers := lowerKeys(e.Headers)
	origin := headers["origin"]
	// Plain HTML form posts get pages; scripts, and anything that asks for
	// JSON, get JSON. The encoding decides before the body is read.
	mt, _, _ := strings.Cut(headers["content-type"], ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	r := responder{h: h, origin: h.allowedOrigin(origin), html: wantsHTML(mt, headers["accept"]), back: h.backURL(headers["referer"]), lang: h.profile.Language}

	if e.RequestContext.HTTP.Method == http.MethodOptions {
		return h.preflight(origin, headers)
	}

	ctx, cancel := storageContext(ctx)
	defer cancel()
	sub, lang := h.read(e, headers, r)
	r.lang = lang
	sub.SourceIP = e.RequestContext.HTTP.SourceIP
	sub.Log = log
	receipt, err := h.submitter.Submit(ctx, sub)
	if err != nil {
		return r.fail(ctx, err, log)
	}
	return r.success(receipt)
}

// read checks everything about a request that needs no storage. It returns
// the submission, with Invalid set when it cannot be stored, and the
// language to answer in: the one the form asks for when it is one, else
// the clinic's, also when the body could not be read.
func (h *Handler) read(e events.APIGatewayV2HTTPRequest, headers map[string]string, r responder) (appointment.Submission, i18n.Language) {
	lang := h.profile.Language
	invalid := func(err error) (appointment.Submission, i18n.Language) {
		return appointment.Submission{Invalid: err}, lang
	}
	if origin := headers["origin"]; origin != "" && r.origin == "" {
		return invalid(&problem.Error{Code: problem.OriginNotAllowed})
	}
	if e.RequestContext.HTTP.Method != http.MethodPost {
		return invalid(&problem.Error{Code: problem.MethodNotAllowed})
	}
	mt, params, err := mediaType(headers["content-type"])
	if err != nil {
		return invalid(err)
	}
	b, err := body(e.Body, e.IsBase64Encoded)
	if err != nil {
		return invalid(err)
	}
	form, typeErrs, err := decode(mt, params, b)
	if err != nil {
		return invalid(err)
	}
	lang = form.Language(lang)
	// Validation comes before the honeypot, so that a bot learns nothing
	// from which of its submissions are refused.
	req, err := form.Validate(h.profile, h.cfg.Phones)
	if errs := fieldErrors(typeErrs, err); len(errs) > 0 {
		return invalid(&appointment.ValidationError{Errors: errs})
	}
	key := headers[strings.ToLower(headerIdempotencyKey)]
	if !validIdempotencyKey(key) {
		return invalid(&problem.Error{Code: problem.Malformed, Fields: []appointment.FieldError{
			appointment.NewFieldError(headerIdempotencyKey, appointment.CodeInvalid, "form.idempotency.invalid"),
		}})
	}
	return appointment.Submission{
		Request:        req,
		Dedupe:         appointment.Dedupe{IdempotencyKey: key, Fingerprint: req.Fingerprint()},
		Spam:           form.IsSpam(),
		ChallengeToken: firstValue(form[fieldChallenge]),
	}, lang
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
		r := responder{h: h, lang: h.profile.Language}
		return r.problem(problem.OriginNotAllowed, nil)
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
	lang   i18n.Language // the language to answer in
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
	out := outcome{id: receipt.ID, replayed: receipt.Replayed, honeypot: receipt.Decoy}
	if r.html {
		u, _ := url.Parse(r.h.cfg.ThankYouURL)
		q := u.Query()
		q.Set("reference", receipt.Reference)
		q.Del("lang")
		// The thank-you page speaks the request's language. It comes last,
		// after the reference, which is what a reader of the address looks
		// for.
		u.RawQuery = q.Encode() + "&lang=" + url.QueryEscape(string(r.lang))
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
	p := r.h.newProblem(code, errs, r.lang)
	out := outcome{status: p.Status, code: p.Code}
	var resp events.APIGatewayV2HTTPResponse
	if r.html {
		hdr := r.headers("text/html; charset=utf-8")
		// The page needs nothing but its own inline styles.
		hdr["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'"
		hdr["Referrer-Policy"] = "no-referrer"
		resp = events.APIGatewayV2HTTPResponse{StatusCode: p.Status, Headers: hdr, Body: string(r.h.errorHTML(p, r.back, r.lang))}
	} else {
		resp = events.APIGatewayV2HTTPResponse{StatusCode: p.Status, Headers: r.headers("application/problem+json"), Body: string(p.json())}
	}
	if code == problem.MethodNotAllowed {
		resp.Headers["Allow"] = "POST, OPTIONS"
	}
	return resp, out
}

// fail answers an error with its problem (problem.Code), and says when to
// try again where that can help: after a limit's window, or shortly after
// an outage. An outage of storage is logged as a warning, since trying
// again shortly is safe; of the bot check, or a fault of this program, as
// an error. Either way the cause is logged, never shown.
func (r responder) fail(ctx context.Context, err error, log *slog.Logger) (events.APIGatewayV2HTTPResponse, outcome) {
	code := problem.Code(err)
	switch code {
	case problem.Unavailable:
		log.WarnContext(ctx, "storage unavailable", "error", err)
	case problem.ChallengeUnavailable:
		log.ErrorContext(ctx, "bot challenge unavailable", "error", err)
	case problem.Internal:
		log.ErrorContext(ctx, "request failed", "error", err)
	}
	resp, out := r.problem(code, errorFields(err))
	if s := problem.RetryAfter(err, r.h.now()); s > 0 {
		resp.Headers["Retry-After"] = strconv.Itoa(s)
	}
	return resp, out
}
