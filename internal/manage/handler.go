// Package manage serves the action links of the emails: the front desk
// marks a request contacted, schedules, reschedules or declines it,
// cancels a booking and records whether the patient came, and the patient
// cancels, each from a link, without an account. It is the
// ManageFunction's handler, behind the same HTTP API as the form.
//
// A link is /manage/{action}/{token}, the token signed for one request,
// one action and one audience until an expiry (internal/actionlink). A GET
// shows a small page with the request and one form and changes nothing,
// because mail scanners and link previews follow links; only the form's
// POST acts, and then redirects back to the page, which says what was done.
// Links that expired, were tampered with, or whose action was taken
// already get a page that says so in words.
//
// A link acts once. A change is recorded with the name of the link that
// made it (actionlink.Claims.Link), and that link is refused after, even
// for an action the request's state allows again, a reschedule's. The
// links a page offers for the request's other actions expire with the
// link that opened it (appointment.Request.LinkExpiry), so that one link
// cannot be traded for fresh ones without end; and a request is
// rescheduled at most ReschedulesPerDay times a day, since each move
// emails the patient (appointment.Rules).
package manage

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/problem"
)

// Store is what the handler needs of storage.
type Store interface {
	Get(ctx context.Context, id string) (appointment.Request, error)
	Transition(ctx context.Context, before, after appointment.Request) error
}

// Handler serves the action pages.
type Handler struct {
	links   *actionlink.Signer
	rules   appointment.Rules
	profile *clinic.Profile
	store   Store
	log     *slog.Logger
	now     func() time.Time
}

// New returns a handler that checks the front desk's actions by rules,
// whose Profile is the clinic's.
func New(links *actionlink.Signer, rules appointment.Rules, store Store, log *slog.Logger) *Handler {
	return &Handler{links: links, rules: rules, profile: rules.Profile, store: store, log: log, now: time.Now}
}

// SetClock makes the handler read the time from now: when links expire,
// what a booking may be (not in the past) and the day the pages start
// their calendars from. The local server runs on a clock of its own,
// which its tests and developers move.
func (h *Handler) SetClock(now func() time.Time) { h.now = now }

// PathPrefix is where the action pages live.
const PathPrefix = actionlink.PathPrefix

// Link returns the path of the link for one action on a request, signed
// until the action's expiry from now, as an email's link is.
func (h *Handler) Link(id string, a appointment.Action, now time.Time) string {
	return h.links.Path(id, a, now)
}

// signed returns the path of the link for one action on a request, signed
// until expires.
func (h *Handler) signed(id string, a appointment.Action, expires time.Time) string {
	token := h.links.Sign(actionlink.Claims{RequestID: id, Action: a, Audience: a.Audience(), Expires: expires})
	return PathPrefix + string(a) + "/" + token
}

// MaxBodyBytes bounds a form post: a few short fields.
const MaxBodyBytes = 16 << 10

// Handle serves GET and POST /manage/{action}/{token}. Whatever goes
// wrong is an error that the one problem table (internal/problem) gives
// its status; the page says it in words.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	resp, to, err := h.serve(ctx, req)
	if err != nil {
		return h.fail(err, to), nil
	}
	return resp, nil
}

// pageProblem returns a problem the handler finds itself, in lang: its
// title and text are the catalog's (internal/i18n) keys named
// page.problem.{name}.title and .text.
func pageProblem(code, name string, lang i18n.Language) *problem.Error {
	return &problem.Error{Code: code,
		Title: lang.Sprintf("page.problem." + name + ".title"), Detail: lang.Sprintf("page.problem." + name + ".text")}
}

// reader is the person at a page, for the page of a problem: the
// language they read, and whether they are the front desk, once the link
// says so.
type reader struct {
	lang  i18n.Language
	staff bool
}

// serve shows the page of a link, or takes its action when the page's form
// is posted. It returns who is at the page, for the page of a problem:
// the request's language, once a patient's link says which request it
// is; the clinic's before, and for the front desk.
func (h *Handler) serve(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, reader, error) {
	var none events.APIGatewayV2HTTPResponse
	to := reader{lang: h.profile.Language}
	action, token, ok := parsePath(req.RawPath)
	if !ok {
		return none, to, pageProblem(problem.NotFound, "noPage", to.lang)
	}
	method := req.RequestContext.HTTP.Method
	if method != http.MethodGet && method != http.MethodPost && method != http.MethodHead {
		return none, to, pageProblem(problem.MethodNotAllowed, "method", to.lang)
	}
	now := h.now()
	claims, err := h.verify(ctx, token, action, now)
	// The claims of a link that is not genuine are empty: whoever reads
	// its page is not known to be the front desk.
	to.staff = claims.Audience == appointment.AudienceFrontDesk
	if errors.Is(err, actionlink.ErrExpired) {
		// The token is genuine, so it names the request, whose language
		// the patient reads the page in.
		to.lang = h.expiredLanguage(ctx, claims)
		return none, to, &problem.Error{Code: problem.LinkExpired, Title: to.lang.Sprintf("page.problem.expired.title"),
			Detail: to.lang.Sprintf("page.problem.expired.text", h.when(claims.Expires, to.lang), h.expiredAdvice(claims.Audience, to.lang))}
	}
	if err != nil {
		return none, to, err
	}
	log := h.log.With("appointmentId", claims.RequestID, "action", string(action))
	r, err := h.get(ctx, claims.RequestID, log)
	if err != nil {
		return none, to, err
	}
	to.lang = h.language(r, claims.Audience)
	if method != http.MethodPost {
		return h.page(r, claims, nil, nil, req.QueryStringParameters["done"] == "1"), to, nil
	}
	if r.UsedLink(claims.Link) != nil || !action.Allows(r.Status.Normal()) {
		// Used already, or no longer allowed: the page says what happened,
		// whatever the form holds. Apply would refuse it too.
		return h.page(r, claims, nil, nil, false), to, nil
	}
	form, err := readForm(req)
	if err != nil {
		return none, to, pageProblem(problem.Malformed, "unreadable", to.lang)
	}
	resp, err := h.act(ctx, req.RawPath, r, claims, form, now, log)
	return resp, to, err
}

// language is the language of r's pages for audience a: the patient reads
// the request's (the clinic's for a request stored before requests had
// one); the front desk reads the clinic's.
func (h *Handler) language(r appointment.Request, a appointment.Audience) i18n.Language {
	if a == appointment.AudiencePatient {
		return r.Language.Or(h.profile.Language)
	}
	return h.profile.Language
}

// expiredLanguage is the language of the page of an expired link: the
// request's for the patient's link, if it can still be read; the clinic's
// otherwise.
func (h *Handler) expiredLanguage(ctx context.Context, c actionlink.Claims) i18n.Language {
	if c.Audience != appointment.AudiencePatient {
		return h.profile.Language
	}
	r, err := h.store.Get(ctx, c.RequestID)
	if err != nil {
		return h.profile.Language
	}
	return h.language(r, c.Audience)
}

// verify checks a link's token for action at now. An expired token's
// error is actionlink.ErrExpired, with its claims, which say when it
// expired and for whom.
func (h *Handler) verify(ctx context.Context, token string, action appointment.Action, now time.Time) (actionlink.Claims, error) {
	claims, err := h.links.Verify(token, action, now)
	switch {
	case errors.Is(err, actionlink.ErrExpired):
		return claims, err
	case err != nil:
		h.log.InfoContext(ctx, "refused action link", "action", string(action), "reason", err.Error())
		return claims, pageProblem(problem.NotFound, "invalid", h.profile.Language)
	}
	return claims, nil
}

// get reads the request a link is for.
func (h *Handler) get(ctx context.Context, id string, log *slog.Logger) (appointment.Request, error) {
	r, err := h.store.Get(ctx, id)
	if err != nil && !errors.Is(err, appointment.ErrNotFound) {
		return r, storageFailed(ctx, log, "cannot read request", err)
	}
	return r, err
}

// storageFailed logs a failure of storage and returns it as the outage it
// is to the person at the page: whatever the cause, nothing was changed,
// and trying again in a minute may work.
func storageFailed(ctx context.Context, log *slog.Logger, msg string, err error) error {
	log.ErrorContext(ctx, msg, "error", err)
	if errors.Is(err, appointment.ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %w", appointment.ErrUnavailable, err)
}

// act takes the action of a posted form on r, and redirects back to the
// page at path, so that a reload does not post again.
func (h *Handler) act(ctx context.Context, path string, r appointment.Request, claims actionlink.Claims, form url.Values, now time.Time, log *slog.Logger) (events.APIGatewayV2HTTPResponse, error) {
	var none events.APIGatewayV2HTTPResponse
	cmd, err := h.rules.Command(claims.Action, claims.Audience, appointment.DeskForm(form), now)
	var invalid *appointment.ValidationError
	if errors.As(err, &invalid) {
		return h.page(r, claims, form, invalid.Errors, false), nil
	}
	cmd.Link = claims.Link
	for attempt := 0; ; attempt++ {
		after, _, err := h.rules.Apply(r, cmd, now)
		var limit *appointment.LimitError
		var window *appointment.WindowError
		switch {
		case errors.As(err, &invalid):
			return h.page(r, claims, form, invalid.Errors, false), nil
		case errors.As(err, &window):
			return h.outsideWindow(r, claims, window), nil
		case errors.As(err, &limit):
			log.InfoContext(ctx, "action refused by its limit", "limit", limit.Limit)
			return h.limited(r, claims, form, limit), nil
		case err != nil:
			// Taken already, or no longer allowed: the page says what
			// happened.
			return h.page(r, claims, nil, nil, false), nil
		}
		err = h.store.Transition(ctx, r, after)
		if errors.Is(err, appointment.ErrConflict) && attempt == 0 {
			// Someone acted on the request meanwhile; decide again on
			// what it is now.
			if r, err = h.get(ctx, claims.RequestID, log); err != nil {
				return none, err
			}
			continue
		}
		if err != nil {
			return none, storageFailed(ctx, log, "cannot record transition", err)
		}
		log.InfoContext(ctx, "request changed", "from", string(r.Status), "to", string(after.Status), "audience", string(claims.Audience))
		return events.APIGatewayV2HTTPResponse{
			StatusCode: http.StatusSeeOther,
			Headers:    pageHeaders(map[string]string{"Location": path + "?done=1"}),
		}, nil
	}
}

// parsePath reads /manage/{action}/{token}.
func parsePath(path string) (appointment.Action, string, bool) {
	rest, ok := strings.CutPrefix(path, PathPrefix)
	if !ok {
		return "", "", false
	}
	action, token, ok := strings.Cut(rest, "/")
	if !ok || token == "" || strings.Contains(token, "/") {
		return "", "", false
	}
	for _, a := range appointment.Actions {
		if string(a) == action {
			return a, token, true
		}
	}
	return "", "", false
}

func readForm(req events.APIGatewayV2HTTPRequest) (url.Values, error) {
	body := req.Body
	if req.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return nil, err
		}
		body = string(b)
	}
	if len(body) > MaxBodyBytes {
		return nil, errors.New("form too large")
	}
	return url.ParseQuery(body)
}

func (h *Handler) expiredAdvice(a appointment.Audience, lang i18n.Language) string {
	if a == appointment.AudiencePatient {
		return lang.Sprintf("page.problem.expired.patient", h.profile.ShownPhone())
	}
	return lang.Sprintf("page.problem.expired.frontDesk")
}

// when formats a time in the clinic's zone, as people of lang say it:
// "Wednesday, December 9 at 9:30 AM", "miércoles, 9 de diciembre, a las
// 9:30 a. m. (MST)".
func (h *Handler) when(t time.Time, lang i18n.Language) string {
	t = t.In(h.profile.Zone())
	key := "page.when"
	if t.Hour()%12 == 1 {
		key = "page.when.one"
	}
	return lang.Sprintf(key, lang.Weekday(t.Weekday()), lang.Month(t.Month()), t.Day(), lang.Clock(t), t.Format("MST"))
}

// limited renders the page of an action refused by its limit, with the
// form as sent, and says when it can be taken again.
func (h *Handler) limited(r appointment.Request, c actionlink.Claims, sent url.Values, e *appointment.LimitError) events.APIGatewayV2HTTPResponse {
	lang := h.profile.Language
	msg := lang.Sprintf("desk.page.limit", e.Limit)
	if !e.Until.IsZero() {
		msg += lang.Sprintf("desk.page.limit.until", h.when(e.Until, lang))
	}
	resp := h.page(r, c, sent, []appointment.FieldError{{Code: appointment.CodeLimit, Message: msg}}, false)
	resp.StatusCode = problem.Status(problem.Code(e))
	h.retryAfter(resp, e)
	return resp
}

// outsideWindow renders the page of attendance recorded before the
// appointment began or too long after, and says when it can be recorded.
func (h *Handler) outsideWindow(r appointment.Request, c actionlink.Claims, e *appointment.WindowError) events.APIGatewayV2HTTPResponse {
	lang := h.profile.Language
	msg := lang.Sprintf("desk.page.window.early", h.when(e.Opens, lang), h.when(e.Closes, lang))
	if e.At.After(e.Closes) {
		msg = lang.Sprintf("desk.page.window.late", h.when(e.Closes, lang))
	}
	resp := h.page(r, c, nil, []appointment.FieldError{{Code: appointment.CodeNotAllowed, Message: msg}}, false)
	resp.StatusCode = problem.Status(problem.Code(e))
	return resp
}

// words name what the pages say of the problems that come from the domain
// or storage (page.problem.{name}.title and .text in the catalog); the
// handler's own problems carry their words.
var words = map[string]string{
	problem.NotFound:    "notFound",
	problem.Unavailable: "unavailable",
}

// fail renders the page of a problem, for the person at the page, with
// the status the problem table gives its code.
func (h *Handler) fail(err error, to reader) events.APIGatewayV2HTTPResponse {
	lang := to.lang
	code := problem.Code(err)
	name, ok := words[code]
	if !ok {
		name = words[problem.Unavailable]
	}
	title, text := lang.Sprintf("page.problem."+name+".title"), lang.Sprintf("page.problem."+name+".text")
	var pe *problem.Error
	if errors.As(err, &pe) && pe.Title != "" {
		title, text = pe.Title, pe.Detail
	}
	resp := h.problem(problem.Status(code), lang, to.staff, title, text)
	if code == problem.MethodNotAllowed {
		resp.Headers["Allow"] = "GET, POST"
	}
	h.retryAfter(resp, err)
	return resp
}

// retryAfter says when trying again can help, if it can (problem.RetryAfter).
func (h *Handler) retryAfter(resp events.APIGatewayV2HTTPResponse, err error) {
	if s := problem.RetryAfter(err, h.now()); s > 0 {
		resp.Headers["Retry-After"] = strconv.Itoa(s)
	}
}
