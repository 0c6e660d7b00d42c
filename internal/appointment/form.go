package appointment

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
)

// Field names, the same in every encoding the form may use.
const (
	FieldFirstName      = "firstName"
	FieldLastName       = "lastName"
	FieldEmail          = "email"
	FieldPhone          = "phone"
	FieldService        = "service"
	FieldLocation       = "location"
	FieldPreferredDays  = "preferredDays"
	FieldPreferredTimes = "preferredTimes"
	FieldNewPatient     = "newPatient"
	FieldContactMethod  = "contactMethod"
	FieldReason         = "reason"
	FieldConsent        = "consent"
	FieldLanguage       = "language"
	FieldHoneypot       = "_gotcha"
)

// Fields lists every field a submission may carry.
var Fields = []string{
	FieldFirstName, FieldLastName, FieldEmail, FieldPhone, FieldService, FieldLocation,
	FieldPreferredDays, FieldPreferredTimes, FieldNewPatient, FieldContactMethod,
	FieldReason, FieldConsent, FieldLanguage, FieldHoneypot,
}

// listFields may be repeated; every other field holds one value.
var listFields = []string{FieldPreferredDays, FieldPreferredTimes}

// IsList reports whether the field holds a list of values.
func IsList(field string) bool { return slices.Contains(listFields, field) }

// Choices for the fields with a fixed set of values, in display order.
var (
	Times          = []string{"morning", "afternoon", "evening"}
	ContactMethods = []string{"phone", "email", "text"}
)

// Limits on field lengths, counted in characters.
const (
	MaxNameLength   = 50
	MaxEmailLength  = 254
	MaxPhoneLength  = 40
	MaxReasonLength = 1000
)

// Field error codes, stable for programs; messages are for patients.
const (
	CodeRequired         = "required"
	CodeTooLong          = "too_long"
	CodeInvalid          = "invalid"
	CodeControlCharacter = "control_character"
	CodeNotAllowed       = "not_allowed"
	CodeAmbiguous        = "ambiguous"
	CodeMustAgree        = "must_agree"
	// CodeUnchanged is a reschedule to the booking as it stands, and
	// CodeLimit an action taken as often as its limit allows (LimitError);
	// their problems concern the form as a whole, so they name no field.
	CodeUnchanged = "unchanged"
	CodeLimit     = "limit"
)

// FieldError is one problem with one field.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Key names the message in the catalogs of internal/i18n, and Args are
	// what it takes (a Localized one written in the message's language),
	// so that it can be read in the patient's language or the clinic's
	// (In); Message is its English.
	Key  string `json:"-"`
	Args []any  `json:"-"`
}

// NewFieldError returns the problem code with field, its message the
// catalog's key in English.
func NewFieldError(field, code, key string, args ...string) FieldError {
	fe := FieldError{Field: field, Code: code, Key: key}
	for _, a := range args {
		fe.Args = append(fe.Args, a)
	}
	fe.Message = fe.text(i18n.English)
	return fe
}

// In returns the error with its message in language l, when it has a key.
func (fe FieldError) In(l i18n.Language) FieldError {
	if fe.Key != "" {
		fe.Message = fe.text(l)
	}
	return fe
}

func (fe FieldError) text(l i18n.Language) string {
	args := make([]any, len(fe.Args))
	for i, a := range fe.Args {
		if w, ok := a.(Localized); ok {
			a = w.In(l)
		}
		args[i] = a
	}
	return l.Sprintf(fe.Key, args...)
}

// ValidationError lists every problem found in a submission.
type ValidationError struct {
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	fields := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		fields[i] = fe.Field + ":" + fe.Code
	}
	return "invalid appointment request: " + strings.Join(fields, ", ")
}

// Form is a submission as the website sent it: each field name with the
// values given for it, whatever the encoding. Decoders put JSON booleans in
// as "true" or "false" and JSON arrays in as repeated values.
type Form map[string][]string

// PhoneFormatter writes a number read by a PhoneReader, with its
// extension, as someone in region reads it: in the national form when the
// number is in region, in the international form otherwise. A PhoneReader
// that is one too gives the request its PhoneText.
type PhoneFormatter interface {
	FormatPhone(e164, extension, region string) (text string, ok bool)
}

// PhoneReader reads the phone numbers patients type. The rules of what a
// dialable number is, region by region, are libphonenumber's metadata,
// which internal/libphonenumber holds; the domain decides what the clinic
// accepts of them.
type PhoneReader interface {
	// ReadPhone reads typed as a phone number, in region's national form
	// when it has no country code. It returns the number in E.164, any
	// extension apart, and whether calling it costs more than an ordinary
	// call (premium rate or shared cost); an error when it is not a number
	// anyone can dial.
	ReadPhone(typed, region string) (e164, extension string, costly bool, err error)
}

// IsSpam reports whether the honeypot field, which people never see and so
// never fill in, has a value.
func (f Form) IsSpam() bool {
	return slices.ContainsFunc(f[FieldHoneypot], func(v string) bool { return strings.TrimSpace(v) != "" })
}

// Validate checks the submission against the rules of the form and the
// clinic's profile and returns the normalised request. The error is a
// *ValidationError listing every problem, so a patient can fix them all at
// once. The request has no ID, reference or creation time yet. Phone
// numbers are read with phones.
func (f Form) Validate(p *clinic.Profile, phones PhoneReader) (Request, error) {
	v := validator{form: f}
	r := Request{Status: StatusReceived}

	r.FirstName = v.name(FieldFirstName)
	r.LastName = v.name(FieldLastName)
	r.Email = v.email()
	r.Phone, r.PhoneExtension = v.phone(phones, p.DefaultRegion)
	if f, ok := phones.(PhoneFormatter); ok && r.Phone != "" {
		if text, ok := f.FormatPhone(r.Phone, r.PhoneExtension, p.DefaultRegion); ok {
			r.PhoneText = text
		}
	}
	r.Service = v.service(p)
	r.Location = v.location(p)
	r.PreferredDays = v.list(FieldPreferredDays, clinic.Weekdays)
	r.PreferredTimes = v.list(FieldPreferredTimes, Times)
	r.NewPatient = v.optionalBool(FieldNewPatient)
	r.ContactMethod = v.choice(FieldContactMethod, ContactMethods)
	r.Reason = v.reason()
	v.consent()
	r.Language = v.language(p.Language)

	if len(v.errs) > 0 {
		return Request{}, &ValidationError{Errors: v.errs}
	}
	return r, nil
}

// validator collects field errors while reading a form.
type validator struct {
	form Form
	errs []FieldError
}

// fail records a problem with field, its message the catalog's key
// (NewFieldError).
func (v *validator) fail(field, code, key string, args ...string) {
	v.errs = append(v.errs, NewFieldError(field, code, key, args...))
}

// key is the catalog's key of a message about field: "form.<field>.<what>".
func key(field, what string) string { return "form." + field + "." + what }

// single returns the one value of a single-valued field, untrimmed. A field repeated
// with different values is ambiguous: the form has one box for it, so
// guessing which one the patient meant could store the wrong detail.
func (v *validator) single(field string) (string, bool) {
	values := v.form[field]
	if len(values) == 0 {
		return "", true
	}
	for _, other := range values[1:] {
		if other != values[0] {
			v.fail(field, CodeAmbiguous, key(field, "ambiguous"))
			return "", false
		}
	}
	if !utf8.ValidString(values[0]) {
		v.fail(field, CodeInvalid, key(field, "unreadable"))
		return "", false
	}
	return values[0], true
}

// line returns a trimmed single-line text field, refusing control characters.
func (v *validator) line(field string, max int) (string, bool) {
	s, ok := v.single(field)
	if !ok {
		return "", false
	}
	// Checked before trimming: a line break at either end is as unwelcome
	// as one in the middle.
	if strings.IndexFunc(s, isForbiddenInLine) >= 0 {
		v.fail(field, CodeControlCharacter, key(field, CodeControlCharacter))
		return "", false
	}
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > max {
		v.fail(field, CodeTooLong, key(field, CodeTooLong), strconv.Itoa(max))
		return "", false
	}
	return s, true
}

// isForbiddenInLine reports control characters and the characters that
// show nothing themselves: line and paragraph separators, bidirectional
// controls, zero-width spaces and joiners, soft hyphens, tag characters,
// variation selectors and fillers. They can disguise what a field says,
// split a word so that a filter misses it, or carry hidden text, and no
// name, address or phone number needs them.
func isForbiddenInLine(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	}
	return isInvisible(r)
}

// isInvisible reports the format characters (category Cf, which holds the
// bidirectional controls, the zero-width characters, the soft hyphen and
// the tag characters) and the other code points Unicode marks as default
// ignorable, to be drawn as nothing: the variation selectors, the Hangul
// fillers and the like. Together they cover Unicode's
// Default_Ignorable_Code_Point property, and a few visible format
// characters, such as the Arabic number sign, that no field needs.
func isInvisible(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

func (v *validator) name(field string) string {
	s, ok := v.line(field, MaxNameLength)
	if ok && s == "" {
		v.fail(field, CodeRequired, key(field, CodeRequired))
	}
	return s
}

// email returns the address as the patient typed it, trimmed. It is
// checked by the rule SESAddress applies on the way out, so that every
// address accepted here can be sent to.
func (v *validator) email() string {
	s, ok := v.line(FieldEmail, MaxEmailLength)
	if !ok {
		return ""
	}
	if s == "" {
		v.fail(FieldEmail, CodeRequired, key(FieldEmail, CodeRequired))
		return ""
	}
	if _, _, problem := splitAddress(s); problem != nil {
		v.fail(FieldEmail, problem.code, problem.key, problem.args...)
		return ""
	}
	return s
}

func (v *validator) phone(phones PhoneReader, region string) (number, extension string) {
	s, ok := v.line(FieldPhone, MaxPhoneLength)
	if !ok {
		return "", ""
	}
	if s == "" {
		v.fail(FieldPhone, CodeRequired, key(FieldPhone, CodeRequired))
		return "", ""
	}
	number, extension, costly, err := phones.ReadPhone(s, region)
	if err != nil {
		v.fail(FieldPhone, CodeInvalid, key(FieldPhone, CodeInvalid))
		return "", ""
	}
	// The clinic pays for its call-backs. A premium-rate or shared-cost
	// number given as the patient's would let a stranger earn money from
	// the clinic's phone bill, one form at a time.
	if costly {
		v.fail(FieldPhone, CodeNotAllowed, key(FieldPhone, CodeNotAllowed))
		return "", ""
	}
	return number, extension
}

func (v *validator) service(p *clinic.Profile) string {
	s, ok := v.single(FieldService)
	switch {
	case !ok:
		return ""
	case s == "":
		v.fail(FieldService, CodeRequired, key(FieldService, CodeRequired))
		return ""
	}
	if _, found := p.Service(s); !found {
		v.fail(FieldService, CodeNotAllowed, key(FieldService, CodeNotAllowed))
		return ""
	}
	return s
}

// location returns the chosen location. With one location it may be left
// out; it is then that location.
func (v *validator) location(p *clinic.Profile) string {
	s, ok := v.single(FieldLocation)
	switch {
	case !ok:
		return ""
	case s == "" && len(p.Locations) == 1:
		return p.Locations[0].ID
	case s == "":
		v.fail(FieldLocation, CodeRequired, key(FieldLocation, CodeRequired))
		return ""
	}
	if _, found := p.Location(s); !found {
		v.fail(FieldLocation, CodeNotAllowed, key(FieldLocation, CodeNotAllowed))
		return ""
	}
	return s
}

// list returns the chosen values in the order of choices, without repeats.
// Values are matched without regard to case. Like the other choices they
// are not trimmed: a browser sends them exactly as the form's markup has them.
func (v *validator) list(field string, choices []string) []string {
	chosen := map[string]bool{}
	for _, raw := range v.form[field] {
		s := strings.ToLower(raw)
		if s == "" {
			continue
		}
		if !slices.Contains(choices, s) {
			v.fail(field, CodeNotAllowed, key(field, CodeNotAllowed))
			return nil
		}
		chosen[s] = true
	}
	var out []string
	for _, c := range choices {
		if chosen[c] {
			out = append(out, c)
		}
	}
	return out
}

func (v *validator) choice(field string, choices []string) string {
	s, ok := v.single(field)
	s = strings.ToLower(s)
	if !ok || s == "" {
		return ""
	}
	if !slices.Contains(choices, s) {
		v.fail(field, CodeNotAllowed, key(field, CodeNotAllowed))
		return ""
	}
	return s
}

// boolValue reads a yes/no field. When the field is repeated the last value
// counts: a form may pair a hidden "false" with a checkbox of the same name
// so that an unticked box is still sent.
// It returns nil when the field is absent or empty, and records an error
// for a value that is neither yes nor no.
func (v *validator) boolValue(field, message string) (value *bool, valid bool) {
	values := v.form[field]
	if len(values) == 0 {
		return nil, true
	}
	yes, no := true, false
	switch strings.ToLower(strings.TrimSpace(values[len(values)-1])) {
	case "true", "yes", "on", "1", "y":
		return &yes, true
	case "false", "no", "off", "0", "n":
		return &no, true
	case "":
		return nil, true
	}
	v.fail(field, CodeInvalid, message)
	return nil, false
}

func (v *validator) optionalBool(field string) *bool {
	b, _ := v.boolValue(field, key(field, CodeInvalid))
	return b
}

func (v *validator) consent() {
	// One message answers each of its codes: what the patient must do is
	// the same.
	message := key(FieldConsent, CodeRequired)
	b, valid := v.boolValue(FieldConsent, message)
	switch {
	case !valid:
	case b == nil:
		v.fail(FieldConsent, CodeRequired, message)
	case !*b:
		v.fail(FieldConsent, CodeMustAgree, message)
	}
}

// reason returns the free-text reason with line breaks normalised to "\n".
func (v *validator) reason() string {
	s, ok := v.single(FieldReason)
	if !ok {
		return ""
	}
	s = NormalizeLines(s)
	if hasForbiddenInReason(s) {
		v.fail(FieldReason, CodeControlCharacter, key(FieldReason, CodeControlCharacter))
		return ""
	}
	if utf8.RuneCountInString(s) > MaxReasonLength {
		v.fail(FieldReason, CodeTooLong, key(FieldReason, CodeTooLong), strconv.Itoa(MaxReasonLength))
		return ""
	}
	return s
}

// hasForbiddenInReason applies the single-line rule to a message that may
// span lines. Phones offer emoji on every keyboard, and some of them are
// written with a zero width joiner (a shrugging woman is a shrug, a joiner
// and the female sign) or with variation selector 16 (the red heart), so
// these two are allowed between symbols, where they only choose how an
// emoji is drawn and cannot hide or split a word.
func hasForbiddenInReason(s string) bool {
	var prev rune
	for i, r := range s {
		switch {
		case r == '\n':
		case r == emojiPresentation && isEmojiBase(prev):
		case r == zeroWidthJoiner && isEmojiPart(prev) && isEmojiBase(nextRune(s, i+utf8.RuneLen(r))):
		case isForbiddenInLine(r):
			return true
		}
		prev = r
	}
	return false
}

const (
	zeroWidthJoiner   = '\u200d'
	emojiPresentation = '\ufe0f'
)

// isEmojiBase reports the symbols emoji are drawn from: most are "other
// symbols" (category So), such as the faces and the hearts.
func isEmojiBase(r rune) bool { return unicode.Is(unicode.So, r) }

// isEmojiPart reports what may end an emoji before a joiner: its symbol,
// one of the five skin-tone modifiers, or variation selector 16.
func isEmojiPart(r rune) bool {
	return isEmojiBase(r) || (r >= '\U0001f3fb' && r <= '\U0001f3ff') || r == emojiPresentation
}

// nextRune returns the rune at byte offset i of s, or utf8.RuneError at
// the end.
func nextRune(s string, i int) rune {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r
}

// Stamp gives a validated request its identity and creation time.
func (r *Request) Stamp(now time.Time) {
	r.ID = NewID()
	r.Reference = NewReference()
	r.CreatedAt = now.UTC()
}

// language returns the language the patient chose, or the clinic's when
// the form sends none: the form may have no switch.
func (v *validator) language(clinic i18n.Language) i18n.Language {
	s, ok := v.single(FieldLanguage)
	if !ok {
		return ""
	}
	if strings.TrimSpace(s) == "" {
		return clinic
	}
	l, ok := i18n.Parse(s)
	if !ok {
		v.fail(FieldLanguage, CodeInvalid, "field.language.invalid")
		return ""
	}
	return l
}

// Language is the language to answer the form in: the one it asks for
// when that is one, even if other fields have mistakes, and otherwise the
// clinic's.
func (f Form) Language(clinic i18n.Language) i18n.Language {
	values := f[FieldLanguage]
	if len(values) == 0 || slices.ContainsFunc(values[1:], func(o string) bool { return o != values[0] }) {
		return clinic
	}
	if l, ok := i18n.Parse(values[0]); ok {
		return l
	}
	return clinic
}
