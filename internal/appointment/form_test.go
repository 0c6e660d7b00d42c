package appointment

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/libphonenumber"
)

func profile(t testing.TB) *clinic.Profile {
	t.Helper()
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// validForm returns a complete, valid submission.
func validForm() Form {
	return Form{
		FieldFirstName:      {"Jordan"},
		FieldLastName:       {"Rivera"},
		FieldEmail:          {"jordan@example.com"},
		FieldPhone:          {"(303) 555-0142"},
		FieldService:        {"dry-needling"},
		FieldPreferredDays:  {"wed", "mon"},
		FieldPreferredTimes: {"morning"},
		FieldNewPatient:     {"true"},
		FieldContactMethod:  {"phone"},
		FieldReason:         {"Tight shoulder."},
		FieldConsent:        {"true"},
	}
}

func with(f Form, field string, values ...string) Form {
	g := Form{}
	for k, v := range f {
		g[k] = v
	}
	if values == nil {
		delete(g, field)
	} else {
		g[field] = values
	}
	return g
}

func TestValidateNormalises(t *testing.T) {
	f := validForm()
	f[FieldFirstName] = []string{"  Zoë  "}
	f[FieldPhone] = []string{"303.555.0142 ext. 12"}
	f[FieldPreferredDays] = []string{"FRI", "mon", "fri", "wed"}
	f[FieldContactMethod] = []string{"Text"}
	f[FieldReason] = []string{"Line one\r\nLine two\rLine three"}

	r, err := f.Validate(profile(t), libphonenumber.Reader{})
	if err != nil {
		t.Fatalf("Validate() error = %v", err)
	}
	if r.FirstName != "Zoë" {
		t.Errorf("FirstName = %q, want trimmed", r.FirstName)
	}
	if r.Phone != "+13035550142" || r.PhoneExtension != "12" {
		t.Errorf("Phone = %q ext %q, want +13035550142 ext 12", r.Phone, r.PhoneExtension)
	}
	// The national form is kept for the pages that cannot format it.
	if r.PhoneText != "(303) 555-0142 ext. 12" {
		t.Errorf("PhoneText = %q, want (303) 555-0142 ext. 12", r.PhoneText)
	}
	if got, want := strings.Join(r.PreferredDays, ","), "mon,wed,fri"; got != want {
		t.Errorf("PreferredDays = %s, want %s", got, want)
	}
	if r.ContactMethod != "text" {
		t.Errorf("ContactMethod = %q", r.ContactMethod)
	}
	if r.Reason != "Line one\nLine two\nLine three" {
		t.Errorf("Reason = %q", r.Reason)
	}
	if r.Location != "main" {
		t.Errorf("Location = %q, want the only location", r.Location)
	}
	if r.NewPatient == nil || !*r.NewPatient {
		t.Errorf("NewPatient = %v, want true", r.NewPatient)
	}
	if r.Status != StatusReceived {
		t.Errorf("Status = %q", r.Status)
	}
}

func TestValidateFieldErrors(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name  string
		form  Form
		field string
		code  string
	}{
		{"missing first name", with(validForm(), FieldFirstName), FieldFirstName, CodeRequired},
		{"blank last name", with(validForm(), FieldLastName, "   "), FieldLastName, CodeRequired},
		{"first name too long", with(validForm(), FieldFirstName, long(51)), FieldFirstName, CodeTooLong},
		{"first name at limit in runes", with(validForm(), FieldFirstName, strings.Repeat("é", 50)), "", ""},
		{"email too long", with(validForm(), FieldEmail, long(250)+"@example.com"), FieldEmail, CodeTooLong},
		{"email missing", with(validForm(), FieldEmail), FieldEmail, CodeRequired},
		{"email display name", with(validForm(), FieldEmail, "Jordan <jordan@example.com>"), FieldEmail, CodeInvalid},
		{"email angle brackets", with(validForm(), FieldEmail, "<jordan@example.com>"), FieldEmail, CodeInvalid},
		{"email list comma", with(validForm(), FieldEmail, "a@example.com, b@example.com"), FieldEmail, CodeInvalid},
		{"email list semicolon", with(validForm(), FieldEmail, "a@example.com;b@example.com"), FieldEmail, CodeInvalid},
		{"email group", with(validForm(), FieldEmail, "team: a@example.com;"), FieldEmail, CodeInvalid},
		{"email comment", with(validForm(), FieldEmail, "a@example.com (me)"), FieldEmail, CodeInvalid},
		{"email quoted", with(validForm(), FieldEmail, `"a b"@example.com`), FieldEmail, CodeInvalid},
		{"email no domain dot", with(validForm(), FieldEmail, "a@localhost"), FieldEmail, CodeInvalid},
		{"email no at", with(validForm(), FieldEmail, "jordan.example.com"), FieldEmail, CodeInvalid},
		{"phone too short", with(validForm(), FieldPhone, "12"), FieldPhone, CodeInvalid},
		{"phone letters", with(validForm(), FieldPhone, "call me"), FieldPhone, CodeInvalid},
		{"phone missing", with(validForm(), FieldPhone), FieldPhone, CodeRequired},
		{"unknown service", with(validForm(), FieldService, "acupuncture"), FieldService, CodeNotAllowed},
		{"missing service", with(validForm(), FieldService), FieldService, CodeRequired},
		{"unknown location", with(validForm(), FieldLocation, "mars"), FieldLocation, CodeNotAllowed},
		{"unknown day", with(validForm(), FieldPreferredDays, "mon", "someday"), FieldPreferredDays, CodeNotAllowed},
		{"unknown time", with(validForm(), FieldPreferredTimes, "midnight"), FieldPreferredTimes, CodeNotAllowed},
		{"unknown contact", with(validForm(), FieldContactMethod, "pigeon"), FieldContactMethod, CodeNotAllowed},
		{"bad boolean", with(validForm(), FieldNewPatient, "maybe"), FieldNewPatient, CodeInvalid},
		{"reason too long", with(validForm(), FieldReason, long(1001)), FieldReason, CodeTooLong},
		{"reason at limit", with(validForm(), FieldReason, long(1000)), "", ""},
		{"reason with NUL", with(validForm(), FieldReason, "a\x00b"), FieldReason, CodeControlCharacter},
		{"reason with tab", with(validForm(), FieldReason, "a\tb"), FieldReason, CodeControlCharacter},
		{"consent missing", with(validForm(), FieldConsent), FieldConsent, CodeRequired},
		{"consent false", with(validForm(), FieldConsent, "false"), FieldConsent, CodeMustAgree},
		{"consent no", with(validForm(), FieldConsent, "no"), FieldConsent, CodeMustAgree},
		{"consent gibberish", with(validForm(), FieldConsent, "sure"), FieldConsent, CodeInvalid},
		{"repeated name different", with(validForm(), FieldFirstName, "Jordan", "Jamie"), FieldFirstName, CodeAmbiguous},
		{"repeated name same", with(validForm(), FieldFirstName, "Jordan", "Jordan"), "", ""},
		{"repeated email different", with(validForm(), FieldEmail, "a@example.com", "b@example.com"), FieldEmail, CodeAmbiguous},
		{"invalid utf-8", with(validForm(), FieldLastName, "Ri\xffvera"), FieldLastName, CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.form.Validate(profile(t), libphonenumber.Reader{})
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() error = %v, want none", err)
				}
				return
			}
			assertFieldError(t, err, tt.field, tt.code)
		})
	}
}

func assertFieldError(t *testing.T, err error, field, code string) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate() error = %v, want a *ValidationError", err)
	}
	if len(ve.Errors) != 1 {
		t.Fatalf("errors = %+v, want exactly one for %s", ve.Errors, field)
	}
	got := ve.Errors[0]
	if got.Field != field || got.Code != code {
		t.Errorf("error = %s/%s, want %s/%s", got.Field, got.Code, field, code)
	}
	if got.Message == "" || !strings.HasPrefix(got.Message, "Please") {
		t.Errorf("message %q is not written for patients", got.Message)
	}
}

// TestSingleLineFieldsRefuseControlCharacters puts CR, LF, NUL and the
// invisible layout characters into every single-line text field.
func TestSingleLineFieldsRefuseControlCharacters(t *testing.T) {
	fields := map[string]string{
		FieldFirstName: "Jordan", FieldLastName: "Rivera", FieldEmail: "jordan@example.com",
		FieldPhone: "3035550142", FieldService: "dry-needling", FieldLocation: "main", FieldContactMethod: "phone",
	}
	injections := map[string]string{
		"CR": "\r", "LF": "\n", "CRLF": "\r\n", "NUL": "\x00", "TAB": "\t", "DEL": "\x7f",
		"line separator": "\u2028", "right-to-left override": "\u202e",
	}
	for field, value := range fields {
		for name, bad := range injections {
			t.Run(field+"/"+name, func(t *testing.T) {
				for _, v := range []string{value + bad + "Bcc: x@example.com", bad + value, value[:1] + bad + value[1:]} {
					_, err := with(validForm(), field, v).Validate(profile(t), libphonenumber.Reader{})
					var ve *ValidationError
					if !errors.As(err, &ve) || !slices.ContainsFunc(ve.Errors, func(fe FieldError) bool { return fe.Field == field }) {
						t.Errorf("%q accepted in %s (error %v)", v, field, err)
					}
				}
			})
		}
	}
}

func TestUnicodeNames(t *testing.T) {
	for _, name := range []string{"Zoë", "José", "Nguyễn", "Søren", "Åsa-Marie", "O'Brien", "李", "محمد", "Ἀλέξανδρος", "Łukasz"} {
		r, err := with(validForm(), FieldFirstName, name).Validate(profile(t), libphonenumber.Reader{})
		if err != nil {
			t.Errorf("%q refused: %v", name, err)
			continue
		}
		if r.FirstName != name {
			t.Errorf("FirstName = %q, want %q", r.FirstName, name)
		}
	}
}

func TestBooleanSpellings(t *testing.T) {
	tests := []struct {
		values []string
		want   *bool
	}{
		{[]string{"true"}, ptr(true)}, {[]string{"TRUE"}, ptr(true)}, {[]string{"yes"}, ptr(true)},
		{[]string{"on"}, ptr(true)}, {[]string{"1"}, ptr(true)}, {[]string{"Yes "}, ptr(true)},
		{[]string{"false"}, ptr(false)}, {[]string{"no"}, ptr(false)}, {[]string{"off"}, ptr(false)},
		{[]string{"0"}, ptr(false)}, {[]string{""}, nil}, {nil, nil},
		// A hidden "false" followed by a ticked checkbox of the same name.
		{[]string{"false", "on"}, ptr(true)},
		{[]string{"true", "false"}, ptr(false)},
	}
	for _, tt := range tests {
		r, err := with(validForm(), FieldNewPatient, tt.values...).Validate(profile(t), libphonenumber.Reader{})
		if err != nil {
			t.Errorf("%q: error %v", tt.values, err)
			continue
		}
		if (r.NewPatient == nil) != (tt.want == nil) || (r.NewPatient != nil && *r.NewPatient != *tt.want) {
			t.Errorf("%q: NewPatient = %v, want %v", tt.values, show(r.NewPatient), show(tt.want))
		}
	}
	if _, err := with(validForm(), FieldConsent, "false", "on").Validate(profile(t), libphonenumber.Reader{}); err != nil {
		t.Errorf("hidden false then ticked consent: %v", err)
	}
}

func ptr(b bool) *bool { return &b }

func show(b *bool) string {
	if b == nil {
		return "nil"
	}
	return map[bool]string{true: "true", false: "false"}[*b]
}

func TestValidateReportsEveryProblem(t *testing.T) {
	_, err := Form{FieldEmail: {"nope"}, FieldConsent: {"false"}}.Validate(profile(t), libphonenumber.Reader{})
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v", err)
	}
	var got []string
	for _, fe := range ve.Errors {
		got = append(got, fe.Field)
	}
	want := []string{FieldFirstName, FieldLastName, FieldEmail, FieldPhone, FieldService, FieldConsent}
	if !slices.Equal(got, want) {
		t.Errorf("fields = %v, want %v", got, want)
	}
}

func TestLocationRequiredWithSeveralLocations(t *testing.T) {
	p := profile(t)
	p.Locations = append(p.Locations, clinic.Location{ID: "north", Label: "North", Address: "1 North St"})
	_, err := validForm().Validate(p, libphonenumber.Reader{})
	assertFieldError(t, err, FieldLocation, CodeRequired)
	r, err := with(validForm(), FieldLocation, "north").Validate(p, libphonenumber.Reader{})
	if err != nil || r.Location != "north" {
		t.Errorf("Validate() = %q, %v", r.Location, err)
	}
}

func TestIsSpam(t *testing.T) {
	if validForm().IsSpam() {
		t.Error("form without honeypot is spam")
	}
	if with(validForm(), FieldHoneypot, "").IsSpam() {
		t.Error("empty honeypot is spam")
	}
	if !with(validForm(), FieldHoneypot, "http://spam.example").IsSpam() {
		t.Error("filled honeypot is not spam")
	}
}

func TestFingerprint(t *testing.T) {
	p := profile(t)
	a, _ := validForm().Validate(p, libphonenumber.Reader{})
	b, _ := with(validForm(), FieldPreferredDays, "mon", "wed", "mon").Validate(p, libphonenumber.Reader{})
	c, _ := with(validForm(), FieldReason, "Tight shoulder!").Validate(p, libphonenumber.Reader{})
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("the same request in another order has another fingerprint")
	}
	if a.Fingerprint() == c.Fingerprint() {
		t.Error("different requests share a fingerprint")
	}
	a.Stamp(timeZero)
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("the fingerprint depends on the ID or time")
	}
}

func TestNewReference(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		ref := NewReference()
		if len(ref) != 9 || ref[4] != '-' {
			t.Fatalf("reference %q is not XXXX-XXXX", ref)
		}
		for _, c := range strings.ReplaceAll(ref, "-", "") {
			if !strings.ContainsRune(referenceAlphabet, c) {
				t.Fatalf("reference %q has %q, which can be misheard", ref, c)
			}
		}
		seen[ref] = true
	}
	if len(seen) < 999 {
		t.Errorf("%d distinct references in 1000", len(seen))
	}
}

var timeZero = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// TestValidateEmailAddresses checks the addresses Amazon SES cannot take:
// it sends only to 7-bit ASCII local parts of at most 64 octets, at
// domains in Punycode, and a domain label that mixes alphabets is how a
// look-alike of a real domain is made.
func TestValidateEmailAddresses(t *testing.T) {
	tests := []struct {
		name  string
		email string
		// code is the error code wanted, or empty when the address is
		// accepted and stored as typed.
		code string
	}{
		{"ASCII", "jordan@example.com", ""},
		{"internationalised domain", "jordan@bücher.de", ""},
		{"internationalised domain in Punycode", "jordan@xn--bcher-kva.de", ""},
		{"internationalised domain in capitals", "jordan@BÜCHER.de", ""},
		{"decomposed umlaut", "jordan@bu\u0308cher.de", ""},
		{"Japanese domain", "taro@例え.jp", ""},
		{"Han and Hiragana in one label", "taro@ドメイン例え.jp", ""},
		{"Latin and Han in one label", "li@abc中文.example", ""},
		{"Latin and Hangul in one label", "minjun@abc한국.example", ""},
		{"Cyrillic domain", "anna@пример.рф", ""},
		{"digits and hyphens with Cyrillic", "anna@пример-24.рф", ""},
		{"local part at 64", strings.Repeat("a", 64) + "@example.com", ""},
		{"plus tag", "jordan+clinic@example.com", ""},
		{"Cyrillic local part", "тест@example.com", CodeInvalid},
		{"one Cyrillic letter in the local part", "j\u043erdan@example.com", CodeInvalid},
		{"accented local part", "josé@example.com", CodeInvalid},
		{"local part over 64", strings.Repeat("a", 65) + "@example.com", CodeTooLong},
		{"Cyrillic letter in a Latin domain", "jordan@ex\u0430mple.com", CodeInvalid},
		{"Cyrillic letters in local part and domain", "j\u043erdan@ex\u0430mple.com", CodeInvalid},
		{"Greek letter in a Latin domain", "jordan@ex\u03b1mple.com", CodeInvalid},
		{"mixed label in Punycode", "jordan@xn--exmple-4nf.com", CodeInvalid},
		{"Hangul and Hiragana in one label", "a@한국ひら.example", CodeInvalid},
		{"Bopomofo and Hangul in one label", "a@ㄅ한국.example", CodeInvalid},
		{"underscore in domain", "jordan@ex_ample.com", CodeInvalid},
		{"hyphen at label start", "jordan@-example.com", CodeInvalid},
		{"empty label", "jordan@example..com", CodeInvalid},
		{"full-width letters", "jordan@ｅｘａｍｐｌｅ.com", CodeInvalid},
		{"label over 63", "jordan@" + strings.Repeat("a", 64) + ".com", CodeInvalid},
		// 61 characters as typed, but 66 octets in Punycode.
		{"Punycode label over 63", "jordan@ü" + strings.Repeat("a", 60) + ".de", CodeInvalid},
		// 222 characters as typed, but 297 octets in Punycode.
		{"over 254 octets in Punycode", strings.Repeat("a", 64) + "@" + strings.Repeat(devanagariLabel+".", 5) + "in", CodeTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := with(validForm(), FieldEmail, "  "+tt.email+" ").Validate(profile(t), libphonenumber.Reader{})
			if tt.code != "" {
				assertFieldError(t, err, FieldEmail, tt.code)
				return
			}
			if err != nil {
				t.Fatalf("Validate() error = %v, want none", err)
			}
			if got, want := r.Email, tt.email; got != want {
				t.Errorf("Email = %q, want %q as typed", got, want)
			}
		})
	}
}

// devanagariLabel is a domain label of 30 characters whose Punycode form
// is 45 octets long.
const devanagariLabel = "कजणफवगञथभषङठधयहछढपलखझतबशघटदमसच"

// TestValidateRefusesInvisibleCharacters puts characters that show nothing,
// or change nothing that can be seen, into every text field a patient
// types. They can hide or split words, so that a field says something other
// than what a reader sees.
func TestValidateRefusesInvisibleCharacters(t *testing.T) {
	invisible := map[string]rune{
		"zero width space":                  '\u200b',
		"zero width non-joiner":             '\u200c',
		"zero width joiner":                 '\u200d',
		"byte order mark":                   '\ufeff',
		"soft hyphen":                       '\u00ad',
		"left-to-right mark":                '\u200e',
		"right-to-left mark":                '\u200f',
		"Arabic letter mark":                '\u061c',
		"word joiner":                       '\u2060',
		"invisible plus":                    '\u2064',
		"language tag":                      '\U000e0001',
		"tag space":                         '\U000e0020',
		"tag letter a":                      '\U000e0061',
		"cancel tag":                        '\U000e007f',
		"variation selector 1":              '\ufe00',
		"variation selector 16":             '\ufe0f',
		"variation selector 17":             '\U000e0100',
		"Mongolian free variation selector": '\u180b',
		"Hangul choseong filler":            '\u115f',
		"Hangul jungseong filler":           '\u1160',
		"Hangul filler":                     '\u3164',
		"halfwidth Hangul filler":           '\uffa0',
		"combining grapheme joiner":         '\u034f',
		"interlinear annotation anchor":     '\ufff9',
		"Khmer vowel inherent":              '\u17b4',
		"unassigned default ignorable":      '\U000e0002',
		"Mongolian vowel separator":         '\u180e',
		"shorthand format letter overlap":   '\U0001bca0',
		"musical symbol begin beam":         '\U0001d173',
	}
	fields := map[string]string{
		FieldFirstName: "Jordan",
		FieldLastName:  "Rivera",
		FieldEmail:     "jordan@example.com",
		FieldPhone:     "3035550142",
		FieldReason:    "Tight shoulder.",
	}
	for field, value := range fields {
		for name, r := range invisible {
			t.Run(field+"/"+name, func(t *testing.T) {
				for _, v := range []string{value[:2] + string(r) + value[2:], string(r) + value, value + string(r)} {
					_, err := with(validForm(), field, v).Validate(profile(t), libphonenumber.Reader{})
					var ve *ValidationError
					if !errors.As(err, &ve) || !slices.ContainsFunc(ve.Errors, func(fe FieldError) bool {
						return fe.Field == field && fe.Code == CodeControlCharacter
					}) {
						t.Errorf("%+q accepted in %s (error %v)", v, field, err)
					}
				}
			})
		}
	}
}

// TestValidateReasonKeepsLineBreaksAndEmoji checks what the reason may
// still hold: several lines, and emoji, whose sequences are joined by
// characters that are otherwise invisible.
func TestValidateReasonKeepsLineBreaksAndEmoji(t *testing.T) {
	for _, reason := range []string{
		"Line one\nLine two",
		"Knee hurts \u2764\ufe0f",                 // red heart with emoji presentation
		"Knee hurts \U0001f937\u200d\u2640\ufe0f", // woman shrugging
		"Family: \U0001f468\u200d\U0001f469\u200d\U0001f467",
		"Thumbs up \U0001f44d\U0001f3fd", // with a skin tone
	} {
		r, err := with(validForm(), FieldReason, reason).Validate(profile(t), libphonenumber.Reader{})
		if err != nil {
			t.Errorf("%+q refused: %v", reason, err)
			continue
		}
		if r.Reason != reason {
			t.Errorf("Reason = %+q, want %+q", r.Reason, reason)
		}
	}
}

// TestValidatePhoneRefusesCostlyNumbers checks that the clinic is never
// asked to call a number that costs it more than an ordinary call: a
// premium-rate number as "call-back number" is a way to make money from
// the clinic's phone bill.
func TestValidatePhoneRefusesCostlyNumbers(t *testing.T) {
	tests := []struct {
		phone string
		// code is the error code wanted, or empty when the number is
		// accepted.
		code string
	}{
		{"(303) 555-0142", ""},
		{"+44 20 7183 8750", ""},
		{"+1 800 555 0199", ""},
		{"+1 900 654 3210", CodeNotAllowed},
		{"+44 909 879 0879", CodeNotAllowed},
		{"+49 180 1 234567", CodeNotAllowed}, // shared cost
		{"+33 884 01 23 45", CodeNotAllowed}, // shared cost
	}
	for _, tt := range tests {
		t.Run(tt.phone, func(t *testing.T) {
			_, err := with(validForm(), FieldPhone, tt.phone).Validate(profile(t), libphonenumber.Reader{})
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Validate() error = %v, want none", err)
				}
				return
			}
			assertFieldError(t, err, FieldPhone, tt.code)
		})
	}
}

// TestValidateLanguage: the patient's language is the one the form sends,
// in any case; without one, the clinic's; anything else is refused.
func TestValidateLanguage(t *testing.T) {
	p := profile(t)
	spanishClinic := *p
	spanishClinic.Language = i18n.Spanish
	tests := []struct {
		name     string
		form     Form
		profile  *clinic.Profile
		want     i18n.Language
		wantCode string
	}{
		{"none sent", validForm(), p, i18n.English, ""},
		{"none sent to a Spanish-speaking clinic", validForm(), &spanishClinic, i18n.Spanish, ""},
		{"blank", with(validForm(), FieldLanguage, " "), &spanishClinic, i18n.Spanish, ""},
		{"Spanish", with(validForm(), FieldLanguage, "es"), p, i18n.Spanish, ""},
		{"English to a Spanish-speaking clinic", with(validForm(), FieldLanguage, "EN"), &spanishClinic, i18n.English, ""},
		{"another language", with(validForm(), FieldLanguage, "fr"), p, "", CodeInvalid},
		{"a region", with(validForm(), FieldLanguage, "es-MX"), p, "", CodeInvalid},
		{"two", with(validForm(), FieldLanguage, "en", "es"), p, "", CodeAmbiguous},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.form.Validate(tt.profile, libphonenumber.Reader{})
			if tt.wantCode == "" {
				if err != nil || r.Language != tt.want {
					t.Fatalf("Validate() = %q, %v; want %q", r.Language, err, tt.want)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Field != FieldLanguage || ve.Errors[0].Code != tt.wantCode || ve.Errors[0].Message == "" {
				t.Errorf("Validate() error = %v, want one %s error on %s with a message", err, tt.wantCode, FieldLanguage)
			}
		})
	}
}

// TestFingerprintOfALanguage: a request in Spanish is not the same
// request in English; an English one keeps the fingerprint it had before
// requests had a language.
func TestFingerprintOfALanguage(t *testing.T) {
	p := profile(t)
	en, _ := validForm().Validate(p, libphonenumber.Reader{})
	es, _ := with(validForm(), FieldLanguage, "es").Validate(p, libphonenumber.Reader{})
	if en.Fingerprint() == es.Fingerprint() {
		t.Error("the same request in English and Spanish shares a fingerprint")
	}
	before := en
	before.Language = ""
	if en.Fingerprint() != before.Fingerprint() {
		t.Error("an English request's fingerprint changed with the language")
	}
}
