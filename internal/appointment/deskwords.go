package appointment

import (
	"strings"
	"time"

	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
)

// Localized is an argument of a message that each language writes its own
// way, such as a date: FieldError.In writes it in the message's language.
type Localized interface {
	In(l i18n.Language) string
}

// deskProblem returns the problem code with field of a front desk's form,
// its message the catalog's key, in English until In gives it in the
// clinic's language.
func deskProblem(field, code, key string, args ...any) FieldError {
	fe := FieldError{Field: field, Code: code, Key: key, Args: args}
	fe.Message = fe.text(i18n.English)
	return fe
}

// fieldLabel names a field of the front desk's forms within a sentence:
// "the note", which Spanish writes with its article.
type fieldLabel string

func (f fieldLabel) In(l i18n.Language) string { return l.Sprintf("desk.field." + string(f)) }

// dayOf is a date as a sentence says it: "Sunday, November 1, 2026".
type dayOf time.Time

func (d dayOf) In(l i18n.Language) string { return l.Date(time.Time(d)) }

// clockOf is a time of day: "1:30 AM".
type clockOf time.Time

func (c clockOf) In(l i18n.Language) string { return l.Clock(time.Time(c)) }

// everyWeekday is a day of the week as a rule names it: "Sundays".
type everyWeekday time.Weekday

func (d everyWeekday) In(l i18n.Language) string {
	return l.Sprintf("desk.form.every." + time.Weekday(d).String())
}

// openHours are a day's opening hours: "8:00 AM to 12:00 PM and 1:00 PM
// to 6:00 PM".
type openHours []clinic.Span

func (h openHours) In(l i18n.Language) string {
	spans := make([]string, len(h))
	for i, s := range h {
		spans[i] = l.Sprintf("desk.form.span", l.Clock(s.Opens), l.Clock(s.Closes))
	}
	if len(spans) < 2 {
		return strings.Join(spans, "")
	}
	return l.Sprintf("desk.form.and", strings.Join(spans[:len(spans)-1], ", "), spans[len(spans)-1])
}
