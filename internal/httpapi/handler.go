// Package httpapi turns API Gateway HTTP API events for POST /appointments
// into stored appointment requests and answers them: JSON for scripts, a
// redirect or an HTML page for plain form posts, RFC 9457 problems for errors.
package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
)

const headerIdempotencyKey = "Idempotency-Key"

// Store keeps accepted requests and counts submissions per client.
type Store interface {
	// Create stores r, unless d identifies it as a repeat of a request still
	// remembered; then it returns that request's receipt, marked Replayed.
	Create(ctx context.Context, r appointment.Request, d appointment.Dedupe) (appointment.Receipt, error)
	// CountSubmission adds one to the client's count for the window that
	// starts at windowStart and returns the new count.
	CountSubmission(ctx context.Context, client string, windowStart time.Time) (int, error)
}

// Metrics counts outcomes.
type Metrics interface {
	Count(name string, dimensions map[string]string)
}

// Config is what the handler needs to know about its deployment.
type Config struct {
	// AllowedOrigins are the website origins, like https://www.example.com,
	// that may post the form.
	AllowedOrigins []string
	// ThankYouURL is where plain form posts are sent after success.
	ThankYouURL string
	// RateLimit is how many submissions one client may make per RateWindow;
	// zero turns the limit off.
	RateLimit  int
	RateWindow time.Duration
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
	if cfg.RateLimit > 0 && cfg.RateWindow <= 0 {
		cfg.RateWindow = time.Hour
	}
	return &Handler{cfg: cfg, origins: origins, profile: profile, store: store, log: log, metrics: metrics, now: time.Now}, nil
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
	log := h.log.With("requestId", e.RequestContext.RequestID)
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		log = log.With("awsRequestId", lc.AwsRequestID)
	}
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
	}
	log.Log(ctx, level, "appointment request handled", attrs...)
	return resp, nil
}

func (h *Handler) serve(ctx context.Context, e events.APIGatewayV2HTTPRequest, log *slog.Logger) (events.APIGatewayV2HTTPResponse, outcome) {
	headers := lowerKeys(e.Headers)
	origin := headers["origin"]
	contentType := headers["content-type"]
	// Plain HTML form posts get pages; scripts, and anything that asks for
	// JSON, get JSON. The encoding decides before the body is read.
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	r := responder{h: h, origin: h.allowedOrigin(origin), html: wantsHTML(mt, headers["accept"]), back: h.backURL(headers["referer"])}

	method := e.RequestContext.HTTP.Method
	if method == http.MethodOptions {
		return h.preflight(origin, headers)
	}
	if origin != "" && r.origin == "" {
		return r.problem(codeOriginNotAllowed, nil)
	}
	if method != http.MethodPost {
		resp, out := r.problem(codeMethodNotAllowed, nil)
		resp.Headers["Allow"] = "POST, OPTIONS"
		return resp, out
	}

	mt, params, err := mediaType(contentType)
	if err != nil {
		return r.decodeProblem(err)
	}
	b, err := body(e.Body, e.IsBase64Encoded)
	if err != nil {
		return r.decodeProblem(err)
	}
	form, typeErrs, err := decode(mt, params, b)
	if err != nil {
		return r.decodeProblem(err)
	}

	if form.IsSpam() {
		resp, out := r.success(appointment.Receipt{ID: appointment.NewID(), Reference: appointment.NewReference()})
		out.honeypot = true
		return resp, out
	}

	req, err := form.Validate(h.profile)
	if errs := fieldErrors(typeErrs, err); len(errs) > 0 {
		return r.problem(codeValidation, errs)
	}

	key := headers[strings.ToLower(headerIdempotencyKey)]
	if !validIdempotencyKey(key) {
		return r.problem(codeMalformed, []appointment.FieldError{{
			Field: headerIdempotencyKey, Code: appointment.CodeInvalid,
			Message: "The request's Idempotency-Key header must be 1 to 255 visible characters.",
		}})
	}

	ctx, cancel := storageContext(ctx)
	defer cancel()

	if h.cfg.RateLimit > 0 {
		window := h.now().Truncate(h.cfg.RateWindow)
		n, err := h.store.CountSubmission(ctx, clientKey(e.RequestContext.HTTP.SourceIP), window)
		if err != nil {
			return r.storeProblem(err, log)
		}
		if n > h.cfg.RateLimit {
			resp, out := r.problem(codeRateLimited, nil)
			resp.Headers["Retry-After"] = strconv.Itoa(int(window.Add(h.cfg.RateWindow).Sub(h.now()).Seconds()) + 1)
			return resp, out
		}
	}

	req.Stamp(h.now())
	receipt, err := h.store.Create(ctx, req, appointment.Dedupe{IdempotencyKey: key, Fingerprint: req.Fingerprint()})
	if errors.Is(err, appointment.ErrIdempotencyKeyReused) {
		return r.problem(codeIdempotencyKeyReused, []appointment.FieldError{{
			Field: headerIdempotencyKey, Code: codeIdempotencyKeyReused,
			Message: "This request was already sent with different details.",
		}})
	}
	if err != nil {
		return r.storeProblem(err, log)
	}
	return r.success(receipt)
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

// clientKey identifies a client for rate limiting without storing its
// address: a hash of the source IP.
func clientKey(sourceIP string) string {
	sum := sha256.Sum256([]byte("rate-limit:" + sourceIP))
	return hex.EncodeToString(sum[:12])
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
	if r.html {
		hdr := r.headers("text/html; charset=utf-8")
		// The page needs nothing but its own inline styles.
		hdr["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'"
		hdr["Referrer-Policy"] = "no-referrer"
		return events.APIGatewayV2HTTPResponse{StatusCode: p.Status, Headers: hdr, Body: string(r.h.errorHTML(p, r.back))}, out
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: p.Status, Headers: r.headers("application/problem+json"), Body: string(p.json())}, out
}

func (r responder) decodeProblem(err error) (events.APIGatewayV2HTTPResponse, outcome) {
	var de *decodeError
	if !errors.As(err, &de) {
		return r.problem(codeInternal, nil)
	}
	var errs []appointment.FieldError
	if de.detail != "" {
		errs = []appointment.FieldError{{Field: "body", Code: de.code, Message: de.detail}}
	}
	return r.problem(de.code, errs)
}

// storeProblem answers a storage failure. Storage that is down or slow gets
// 503 with Retry-After, since trying again shortly is safe; anything else is
// a fault of this program and gets 500. Either way the cause is logged, not
// shown.
func (r responder) storeProblem(err error, log *slog.Logger) (events.APIGatewayV2HTTPResponse, outcome) {
	if errors.Is(err, appointment.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		log.Warn("storage unavailable", "error", err)
		resp, out := r.problem(codeUnavailable, nil)
		resp.Headers["Retry-After"] = "30"
		return resp, out
	}
	log.Error("storage failed", "error", err)
	return r.problem(codeInternal, nil)
}
