// Package problem is the one table of the outcomes an HTTP caller can be
// told about: each problem code has one status, and the errors of the
// domain and of storage become codes in one place (Code). Both HTTP
// handlers, the form's (internal/httpapi) and the action links'
// (internal/manage), answer through it; each says the words of its own
// audience, a patient's or the front desk's.
package problem

import (
	"context"
	"errors"
	"math"
	"net/http"
	"time"

	"example.com/appointments/internal/appointment"
)

// Problem codes: the one set of outcomes a caller can be told about.
const (
	Malformed            = "malformed_request"
	OriginNotAllowed     = "origin_not_allowed"
	MethodNotAllowed     = "method_not_allowed"
	NotFound             = "not_found"
	LinkExpired          = "link_expired"
	TooLarge             = "too_large"
	UnsupportedMediaType = "unsupported_media_type"
	Validation           = "validation_failed"
	IdempotencyKeyReused = "idempotency_key_reused"
	RateLimited          = "rate_limited"
	TooManyAttempts      = "too_many_attempts"
	AddressLimited       = "address_rate_limited"
	ActionLimited        = "action_limited"
	// OutsideWindow: an action its time does not allow yet, or any more,
	// such as recording attendance before the appointment.
	OutsideWindow        = "outside_window"
	ChallengeFailed      = "challenge_failed"
	ChallengeUnavailable = "challenge_unavailable"
	Internal             = "internal_error"
	Unavailable          = "storage_unavailable"
)

var statuses = map[string]int{
	Malformed:            http.StatusBadRequest,
	OriginNotAllowed:     http.StatusForbidden,
	MethodNotAllowed:     http.StatusMethodNotAllowed,
	NotFound:             http.StatusNotFound,
	LinkExpired:          http.StatusGone,
	TooLarge:             http.StatusRequestEntityTooLarge,
	UnsupportedMediaType: http.StatusUnsupportedMediaType,
	Validation:           http.StatusUnprocessableEntity,
	IdempotencyKeyReused: http.StatusUnprocessableEntity,
	RateLimited:          http.StatusTooManyRequests,
	TooManyAttempts:      http.StatusTooManyRequests,
	AddressLimited:       http.StatusTooManyRequests,
	ActionLimited:        http.StatusTooManyRequests,
	OutsideWindow:        http.StatusConflict,
	ChallengeFailed:      http.StatusForbidden,
	ChallengeUnavailable: http.StatusServiceUnavailable,
	Internal:             http.StatusInternalServerError,
	Unavailable:          http.StatusServiceUnavailable,
}

// Status returns the HTTP status of a code; an unknown code is a fault of
// this program.
func Status(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// retryAfter is the Retry-After, in seconds, of the failures that trying
// again shortly can get past: an outage of storage or of the bot check.
// The limits set their own, from the end of their window (RetryAfter).
var retryAfter = map[string]int{
	Unavailable:          30,
	ChallengeUnavailable: 30,
}

// RetryAfter returns the seconds a caller answered with err at now should
// wait before trying again, or 0 when trying again would not help.
func RetryAfter(err error, now time.Time) int {
	if limit := asLimit(err); limit != nil {
		if limit.Until.IsZero() || !limit.Until.After(now) {
			return 0
		}
		return int(math.Ceil(limit.Until.Sub(now).Seconds()))
	}
	return retryAfter[Code(err)]
}

// asLimit returns the *appointment.LimitError err is or wraps, or nil.
func asLimit(err error) *appointment.LimitError {
	if limit, ok := err.(*appointment.LimitError); ok {
		return limit
	}
	var limit *appointment.LimitError
	errors.As(err, &limit)
	return limit
}

// Error is a problem an adapter finds itself, such as a body it cannot
// read or a link that is not one, with words of its own for the caller.
type Error struct {
	Code string
	// Title and Detail, when set, are what the caller is told; otherwise
	// the adapter's words for Code.
	Title  string
	Detail string
	// Fields are what the problem says about particular fields, if
	// anything.
	Fields []appointment.FieldError
}

func (e *Error) Error() string { return e.Code + ": " + e.Detail }

// Code is the problem code an error is answered with: the one place where
// errors, from reading a request, the domain or storage, become outcomes
// a caller can be told about. Anything not known here is a fault of this
// program.
func Code(err error) string {
	// The errors a request is refused with most often come unwrapped,
	// and are told apart without errors.As, which costs an allocation
	// each on every answer.
	switch e := err.(type) {
	case nil:
		return ""
	case *Error:
		return e.Code
	case *appointment.ValidationError:
		return Validation
	case *appointment.LimitError:
		return limitCodes[e.Of]
	}
	return wrappedCode(err)
}

// wrappedCode is Code for any error, wrapped or not.
func wrappedCode(err error) string {
	var pe *Error
	var ve *appointment.ValidationError
	var limit *appointment.LimitError
	var window *appointment.WindowError
	switch {
	case errors.As(err, &pe):
		return pe.Code
	case errors.As(err, &window):
		return OutsideWindow
	case errors.As(err, &ve):
		return Validation
	case errors.As(err, &limit):
		return limitCodes[limit.Of]
	case errors.Is(err, appointment.ErrIdempotencyKeyReused):
		return IdempotencyKeyReused
	case errors.Is(err, appointment.ErrChallengeFailed):
		return ChallengeFailed
	// Before the outage of storage, which a timeout of the bot check
	// would otherwise be taken for.
	case errors.Is(err, appointment.ErrChallengeUnavailable):
		return ChallengeUnavailable
	case errors.Is(err, appointment.ErrNotFound):
		return NotFound
	case errors.Is(err, appointment.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return Unavailable
	}
	return Internal
}

// limitCodes are the codes of the limits: each submission limit has its
// own, so that its answer can say which was reached; an action's limit
// (Of empty) has one.
var limitCodes = map[appointment.SubmitLimit]string{
	appointment.LimitAttempts:   TooManyAttempts,
	appointment.LimitAccepted:   RateLimited,
	appointment.LimitPerAddress: AddressLimited,
	"":                          ActionLimited,
}
