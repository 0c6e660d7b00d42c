// Package manage serves the action links of the emails: the front desk
// marks a request contacted, schedules, reschedules or declines it, and the
// patient cancels, each from a link, without an account. It is the
// ManageFunction's handler, behind the same HTTP API as the form.
//
// A link is /manage/{action}/{token}, the token signed for one request,
// one action and one audience until an expiry (internal/actionlink). A GET
// shows a small page with the request and one form and changes nothing,
// because mail scanners and link previews follow links; only the form's
// POST acts, and then redirects back to the page, which says what was done.
// Links that expired, were tampered with, or whose action was taken
// already get a page that says so in words.
package manage

import (
	"context"
	"encoding/base64"
	"errors"
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
)

// Store is what the handler needs of storage.
type Store interface {
	Get(ctx context.Context, id string) (appointment.Request, error)
	Transition(ctx context.Context, before, after appointment.Request) error
}

// Handler serves the action pages.
type Handler struct {
	links   *actionlink.Signer
	profile *clinic.Profile
	store   Store
	log     *slog.Logger
	now     func() time.Time
}

// New returns a handler.
func New(links *actionlink.Signer, profile *clinic.Profile, store Store, log *slog.Logger) *Handler {
	return &Handler{links: links, profile: profile, store: store, log: log, now: time.Now}
}

// PathPrefix is where the action pages live.
const PathPrefix = actionlink.PathPrefix

// Link returns the path of the link for one action on a request, signed
// until the action's expiry from now.
func (h *Handler) Link(id string, a appointment.Action, now time.Time) string {
	return h.links.Path(id, a, now)
}

// MaxBodyBytes bounds a form post: a few short fields.
const MaxBodyBytes = 16 << 10

// Handle serves GET and POST /manage/{action}/{token}.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	action, token, ok := parsePath(req.RawPath)
	if !ok {
		return h.problem(http.StatusNotFound, "This page does not exist", "Check the link in your email, or call us.", nil), nil
	}
	method := req.RequestContext.HTTP.Method
	if method != http.MethodGet && method != http.MethodPost && method != http.MethodHead {
		resp := h.problem(http.StatusMethodNotAllowed, "This page cannot do that", "Open the link from your email.", nil)
		resp.Headers["Allow"] = "GET, POST"
		return resp, nil
	}
	now := h.now()
	claims, err := h.links.Verify(token, action, now)
	switch {
	case errors.Is(err, actionlink.ErrExpired):
		return h.problem(http.StatusGone, "This link has expired",
			"It stopped working on "+h.when(claims.Expires)+". "+h.expiredAdvice(claims.Audience), nil), nil
	case err != nil:
		h.log.InfoContext(ctx, "refused action link", "action", string(action), "reason", err.Error())
		return h.problem(http.StatusNotFound, "This link is not valid",
			"It may have been copied incompletely. Open it again from your email, or call us.", nil), nil
	}
	log := h.log.With("appointmentId", claims.RequestID, "action", string(action))
	r, err := h.store.Get(ctx, claims.RequestID)
	if errors.Is(err, appointment.ErrNotFound) {
		return h.problem(http.StatusNotFound, "This request is no longer on file",
			"Requests are kept for a limited time. Call us if you still need an appointment.", nil), nil
	}
	if err != nil {
		log.ErrorContext(ctx, "cannot read request", "error", err)
		return h.unavailable(), nil
	}
	if method != http.MethodPost {
		return h.page(r, claims, nil, nil, req.QueryStringParameters["done"] == "1"), nil
	}
	form, err := readForm(req)
	if err != nil {
		return h.problem(http.StatusBadRequest, "The form could not be read", "Go back and send it again.", nil), nil
	}
	cmd, problems := h.command(action, claims.Audience, r, form)
	if len(problems) > 0 {
		return h.page(r, claims, form, problems, false), nil
	}
	for attempt := 0; ; attempt++ {
		after, _, err := r.Apply(cmd, now)
		var invalid *appointment.ValidationError
		switch {
		case errors.As(err, &invalid):
			return h.page(r, claims, form, invalid.Errors, false), nil
		case err != nil:
			// Taken already, or no longer allowed: the page says what
			// happened.
			return h.page(r, claims, nil, nil, false), nil
		}
		err = h.store.Transition(ctx, r, after)
		if errors.Is(err, appointment.ErrConflict) && attempt == 0 {
			// Someone acted on the request meanwhile; decide again on
			// what it is now.
			if r, err = h.store.Get(ctx, claims.RequestID); err != nil {
				log.ErrorContext(ctx, "cannot read request", "error", err)
				return h.unavailable(), nil
			}
			continue
		}
		if err != nil {
			log.ErrorContext(ctx, "cannot record transition", "error", err)
			return h.unavailable(), nil
		}
		log.InfoContext(ctx, "request changed", "from", string(r.Status), "to", string(after.Status), "audience", string(claims.Audience))
		// Back to the page, so that a reload does not post again.
		return events.APIGatewayV2HTTPResponse{
			StatusCode: http.StatusSeeOther,
			Headers:    pageHeaders(map[string]string{"Location": req.RawPath + "?done=1"}),
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

// command reads the form of an action into a command, or lists what is
// wrong with it.
func (h *Handler) command(a appointment.Action, audience appointment.Audience, r appointment.Request, form url.Values) (appointment.Command, []appointment.FieldError) {
	cmd := appointment.Command{Action: a, Audience: audience}
	switch a {
	case appointment.ActionSchedule, appointment.ActionReschedule:
		var problems []appointment.FieldError
		day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(form.Get("date")), h.profile.Zone())
		if err != nil {
			problems = append(problems, appointment.FieldError{Field: "date", Code: appointment.CodeInvalid, Message: "Enter the date as YYYY-MM-DD."})
		}
		clock, err := time.Parse("15:04", strings.TrimSpace(form.Get("time")))
		if err != nil {
			problems = append(problems, appointment.FieldError{Field: "time", Code: appointment.CodeInvalid, Message: "Enter the time of day, such as 09:30 or 14:00."})
		}
		minutes, err := strconv.Atoi(strings.TrimSpace(form.Get("minutes")))
		if err != nil {
			problems = append(problems, appointment.FieldError{Field: "length", Code: appointment.CodeInvalid, Message: "Enter the length in minutes."})
		}
		if len(problems) > 0 {
			return cmd, problems
		}
		// The wall-clock time in the clinic's zone, as the front desk
		// reads its own calendar.
		start := time.Date(day.Year(), day.Month(), day.Day(), clock.Hour(), clock.Minute(), 0, 0, h.profile.Zone())
		cmd.Booking = &appointment.Booking{Start: start, Length: time.Duration(minutes) * time.Minute,
			Clinician: form.Get("clinician"), Note: form.Get("note")}
	case appointment.ActionDecline:
		cmd.Message = form.Get("message")
	}
	return cmd, nil
}

func (h *Handler) expiredAdvice(a appointment.Audience) string {
	if a == appointment.AudiencePatient {
		return "To change or cancel your appointment request, call us at " + h.profile.Phone + "."
	}
	return "The morning digest carries fresh links for every open request."
}

// when formats a time in the clinic's zone, as people say it.
func (h *Handler) when(t time.Time) string {
	return t.In(h.profile.Zone()).Format("Monday, January 2 at 3:04 PM")
}

func (h *Handler) unavailable() events.APIGatewayV2HTTPResponse {
	resp := h.problem(http.StatusServiceUnavailable, "Please try again in a minute",
		"We could not reach our records just now. Nothing was changed.", nil)
	resp.Headers["Retry-After"] = "30"
	return resp
}
