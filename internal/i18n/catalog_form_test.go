package i18n

import "testing"

func init() {
	for _, k := range []string{
		"form.firstName.too_long", "form.lastName.too_long", "form.email.too_long",
		"form.phone.too_long", "form.reason.too_long",
		"form.email.local_too_long", "form.email.sent_too_long",
	} {
		messageArgs[k] = []any{"50"}
	}
	for _, k := range []string{
		"form.problem.rate_limited", "form.problem.too_many_attempts", "form.problem.address_rate_limited",
		"form.problem.challenge_failed", "form.problem.challenge_unavailable",
		"form.problem.internal_error", "form.problem.storage_unavailable",
		"form.errorpage.call",
	} {
		messageArgs[k] = []any{"(555) 010-0100"}
	}
	for _, k := range []string{
		"form.page.intro", "form.page.reason.hint", "form.page.consent.before", "form.page.thanks.body",
		"form.script.unreachable.call", "form.script.failed.call", "form.script.reference", "form.thanks.body",
	} {
		messageArgs[k] = []any{"8"}
	}
	messageArgs["form.body.unknown_field"] = []any{`"nickname"`}
}

// TestFormLimitsAreWrittenAsTyped: limits are passed as text, so that the
// printer does not group their digits ("1,000") in one language and not
// in the form's markup.
func TestFormLimitsAreWrittenAsTyped(t *testing.T) {
	for _, tt := range []struct {
		l    Language
		want string
	}{
		{English, "Please shorten your message to at most 1000 characters."},
		{Spanish, "Acorte su mensaje a 1000 caracteres como máximo."},
	} {
		if got := tt.l.Sprintf("form.reason.too_long", "1000"); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.l, got, tt.want)
		}
	}
}
