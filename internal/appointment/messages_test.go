package appointment

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/libphonenumber"
)

// everyFieldError drives Validate with a mistake in every field, of every
// kind the validator finds, and returns the errors it reports.
func everyFieldError(t *testing.T) []FieldError {
	t.Helper()
	long := func(n int) string { return strings.Repeat("a", n) }
	several := profile(t)
	several.Locations = append(several.Locations, clinic.Location{ID: "north", Label: "North", Address: "1 North St"})
	type mistake struct {
		form    Form
		profile *clinic.Profile
	}
	var mistakes []mistake
	add := func(f Form) { mistakes = append(mistakes, mistake{f, profile(t)}) }
	singles := []string{FieldFirstName, FieldLastName, FieldEmail, FieldPhone, FieldService, FieldLocation, FieldContactMethod, FieldReason, FieldLanguage}
	for _, field := range singles {
		add(with(validForm(), field, "one", "two"))
		add(with(validForm(), field, "Ri\xffvera"))
	}
	for _, field := range []string{FieldFirstName, FieldLastName, FieldEmail, FieldPhone, FieldReason} {
		add(with(validForm(), field, "a\x00b"))
	}
	for field, n := range map[string]int{FieldFirstName: MaxNameLength, FieldLastName: MaxNameLength, FieldEmail: MaxEmailLength, FieldPhone: MaxPhoneLength, FieldReason: MaxReasonLength} {
		add(with(validForm(), field, long(n+1)))
	}
	for _, field := range []string{FieldFirstName, FieldLastName, FieldEmail, FieldPhone, FieldService, FieldConsent} {
		add(with(validForm(), field))
	}
	mistakes = append(mistakes, mistake{validForm(), several})
	for _, email := range []string{
		"jordan", "тест@example.com", long(65) + "@example.com", "jordan@ex\u0430mple.com", "jordan@ex_ample.com",
		long(64) + "@" + strings.Repeat(devanagariLabel+".", 5) + "in",
	} {
		add(with(validForm(), FieldEmail, email))
	}
	add(with(validForm(), FieldPhone, "12"))
	add(with(validForm(), FieldPhone, "+1 900 654 3210"))
	add(with(validForm(), FieldService, "acupuncture"))
	add(with(validForm(), FieldLocation, "mars"))
	add(with(validForm(), FieldPreferredDays, "someday"))
	add(with(validForm(), FieldPreferredTimes, "midnight"))
	add(with(validForm(), FieldNewPatient, "maybe"))
	add(with(validForm(), FieldContactMethod, "pigeon"))
	add(with(validForm(), FieldConsent, "false"))
	add(with(validForm(), FieldConsent, "sure"))
	add(with(validForm(), FieldLanguage, "fr"))

	var out []FieldError
	for _, m := range mistakes {
		_, err := m.form.Validate(m.profile, libphonenumber.Reader{})
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("Validate(%q) error = %v, want field errors", m.form, err)
		}
		out = append(out, ve.Errors...)
	}
	return out
}

// TestEveryFieldErrorIsInSpanish: every message the validator gives a
// patient has a key in the catalogs, and its Spanish is not the English;
// every field error key of the catalog is one the walk above reaches, so
// that a new message cannot escape it.
func TestEveryFieldErrorIsInSpanish(t *testing.T) {
	reached := map[string]bool{}
	for _, fe := range everyFieldError(t) {
		if fe.Key == "" {
			t.Errorf("%s %s: %q has no catalog key", fe.Field, fe.Code, fe.Message)
			continue
		}
		reached[fe.Key] = true
		es := fe.In(i18n.Spanish)
		if es.Message == fe.Message || es.Message == fe.Key || strings.Contains(es.Message, "%!") {
			t.Errorf("%s %s (%s): Spanish %q, English %q", fe.Field, fe.Code, fe.Key, es.Message, fe.Message)
		}
		if es.Field != fe.Field || es.Code != fe.Code {
			t.Errorf("%s %s: in Spanish %s %s, want the same field and code", fe.Field, fe.Code, es.Field, es.Code)
		}
		if en := fe.In(i18n.English); en.Message != fe.Message {
			t.Errorf("%s: English %q, Message %q", fe.Key, en.Message, fe.Message)
		}
	}
	for _, k := range i18n.Keys(i18n.English) {
		field, _, ok := strings.Cut(strings.TrimPrefix(k, "form."), ".")
		if strings.HasPrefix(k, "form.") && ok && slices.Contains(Fields, field) && !reached[k] {
			t.Errorf("no mistake in the walk reaches %q", k)
		}
	}
	if !reached["field.language.invalid"] {
		t.Error(`no mistake in the walk reaches "field.language.invalid"`)
	}
}

// TestFieldErrorsInSpanish checks the Spanish of a few messages exactly.
func TestFieldErrorsInSpanish(t *testing.T) {
	tests := []struct {
		form        Form
		field, code string
		want        string
	}{
		{with(validForm(), FieldFirstName), FieldFirstName, CodeRequired, "Escriba su nombre."},
		{with(validForm(), FieldEmail, "jordan"), FieldEmail, CodeInvalid, "Escriba una sola dirección de correo electrónico, como nombre@example.com."},
		{with(validForm(), FieldPhone, "12"), FieldPhone, CodeInvalid, "Escriba un número de teléfono que podamos marcar, con el código de área."},
		{with(validForm(), FieldReason, strings.Repeat("a", MaxReasonLength+1)), FieldReason, CodeTooLong, "Acorte su mensaje a 1000 caracteres como máximo."},
		{with(validForm(), FieldConsent, "false"), FieldConsent, CodeMustAgree, "Confirme que podemos comunicarnos con usted sobre su solicitud y que leyó el aviso de privacidad."},
		{with(validForm(), FieldLanguage, "fr"), FieldLanguage, CodeInvalid, "Elija inglés o español."},
	}
	for _, tt := range tests {
		_, err := tt.form.Validate(profile(t), libphonenumber.Reader{})
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Errors) != 1 {
			t.Fatalf("Validate() error = %v, want one field error", err)
		}
		got := ve.Errors[0].In(i18n.Spanish)
		if got.Field != tt.field || got.Code != tt.code || got.Message != tt.want {
			t.Errorf("got %s %s %q, want %s %s %q", got.Field, got.Code, got.Message, tt.field, tt.code, tt.want)
		}
	}
}

func TestFormLanguage(t *testing.T) {
	tests := []struct {
		values []string
		want   i18n.Language
	}{
		{nil, i18n.English},
		{[]string{"es"}, i18n.Spanish},
		{[]string{" ES "}, i18n.Spanish},
		{[]string{"fr"}, i18n.English},
		{[]string{"es", "en"}, i18n.English},
		{[]string{"es", "es"}, i18n.Spanish},
	}
	for _, tt := range tests {
		f := with(validForm(), FieldFirstName)
		f[FieldLanguage] = tt.values
		if got := f.Language(i18n.English); got != tt.want {
			t.Errorf("Language(%q) = %q, want %q", tt.values, got, tt.want)
		}
	}
}
