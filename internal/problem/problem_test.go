package problem

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
)

func TestCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"none", nil, ""},
		{"adapter's own", fmt.Errorf("read: %w", &Error{Code: TooLarge}), TooLarge},
		{"validation", &appointment.ValidationError{}, Validation},
		{"attempts", &appointment.LimitError{Of: appointment.LimitAttempts}, TooManyAttempts},
		{"accepted", &appointment.LimitError{Of: appointment.LimitAccepted}, RateLimited},
		{"per address", &appointment.LimitError{Of: appointment.LimitPerAddress}, AddressLimited},
		{"an action's limit", &appointment.LimitError{Action: appointment.ActionReschedule}, ActionLimited},
		{"attendance too early", fmt.Errorf("apply: %w", &appointment.WindowError{Action: appointment.ActionAttended}), OutsideWindow},
		{"key reused", appointment.ErrIdempotencyKeyReused, IdempotencyKeyReused},
		{"challenge failed", appointment.ErrChallengeFailed, ChallengeFailed},
		// The bot check timing out is its outage, not storage's.
		{"challenge timed out", fmt.Errorf("%w: %w", appointment.ErrChallengeUnavailable, context.DeadlineExceeded), ChallengeUnavailable},
		{"not found", appointment.ErrNotFound, NotFound},
		{"storage down", fmt.Errorf("put: %w", appointment.ErrUnavailable), Unavailable},
		{"storage slow", context.DeadlineExceeded, Unavailable},
		{"anything else", errors.New("ValidationException"), Internal},
	}
	for _, tt := range tests {
		if got := Code(tt.err); got != tt.want {
			t.Errorf("%s: Code(%v) = %q, want %q", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		code string
		want int
	}{
		{Validation, http.StatusUnprocessableEntity},
		{AddressLimited, http.StatusTooManyRequests},
		{LinkExpired, http.StatusGone},
		{OutsideWindow, http.StatusConflict},
		{Unavailable, http.StatusServiceUnavailable},
		{"no such code", http.StatusInternalServerError},
	}
	for _, tt := range tests {
		if got := Status(tt.code); got != tt.want {
			t.Errorf("Status(%q) = %d, want %d", tt.code, got, tt.want)
		}
	}
	for _, code := range limitCodes {
		if _, ok := statuses[code]; !ok {
			t.Errorf("limit code %q has no status", code)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"limit ends in 90.2 s", &appointment.LimitError{Of: appointment.LimitAccepted, Until: now.Add(90*time.Second + 200*time.Millisecond)}, 91},
		{"limit with no end", &appointment.LimitError{Action: appointment.ActionReschedule}, 0},
		{"storage down", appointment.ErrUnavailable, 30},
		{"challenge down", appointment.ErrChallengeUnavailable, 30},
		{"validation", &appointment.ValidationError{}, 0},
	}
	for _, tt := range tests {
		if got := RetryAfter(tt.err, now); got != tt.want {
			t.Errorf("%s: RetryAfter() = %d, want %d", tt.name, got, tt.want)
		}
	}
}
