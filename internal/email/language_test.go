package email

import (
	"bytes"
	"html"
	"net/mail"
	"regexp"
	"strings"
	"testing"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/i18n"
)

// spanishPatientEmails composes every patient email of the test requests
// sent in Spanish, by case name, with the request each is about.
func spanishPatientEmails(t *testing.T) (map[string]Message, map[string]appointment.Request) {
	t.Helper()
	msgs, requests := map[string]Message{}, map[string]appointment.Request{}
	for _, tc := range composeCases() {
		if tc.request.Language != i18n.Spanish {
			continue
		}
		m, err := tc.composer(t).Compose(Patient, tc.request)
		if err != nil {
			t.Fatalf("patient-%s: %v", tc.name, err)
		}
		msgs["patient-"+tc.name], requests["patient-"+tc.name] = m, tc.request
	}
	for _, tc := range transitionCases(t) {
		if !tc.toPatient || tc.request.Language != i18n.Spanish {
			continue
		}
		m, err := tc.composer(t).Compose(tc.kind, tc.request)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		msgs[tc.name], requests[tc.name] = m, tc.request
	}
	return msgs, requests
}

var (
	htmlTag = regexp.MustCompile(`<[^>]*>`)
	// verb is a fmt verb of a catalog message, where an argument goes.
	verb = regexp.MustCompile(`%(\[\d+\])?[a-z]`)
)

// englishFragments are the fixed words of the English catalog's email
// and calendar messages, and its names of weekdays, months and halves of
// the day: the pieces of each message between its arguments. A Spanish
// email that holds one has English left in it.
func englishFragments() []string {
	var out []string
	for _, k := range i18n.Keys(i18n.English) {
		if !strings.HasPrefix(k, "email.") && !strings.HasPrefix(k, "calendar.") &&
			!strings.HasPrefix(k, "weekday.") && !strings.HasPrefix(k, "month.") && !strings.HasPrefix(k, "clock.") {
			continue
		}
		for _, f := range verb.Split(englishFormat(k), -1) {
			f = strings.Trim(f, " ,.:?")
			// "at" and "or" join arguments; they are words of Spanish
			// text typed by others too short to tell.
			if len(f) < 2 || f == "at" || f == "or" {
				continue
			}
			out = append(out, f)
		}
	}
	return out
}

// englishFormat is the English catalog's format of key: the message
// printed with each argument marked, then split back at the marks.
func englishFormat(key string) string {
	marks := make([]any, 6)
	for i := range marks {
		marks[i] = argMark
	}
	s := i18n.English.Sprintf(key, marks...)
	// Integer verbs print the mark as %!d(string=…); either way, the
	// argument's place becomes a verb again.
	s = regexp.MustCompile(`%!d\(string=`+regexp.QuoteMeta(argMark)+`\)`).ReplaceAllString(s, "%s")
	s = strings.ReplaceAll(s, argMark, "%s")
	// Arguments the message does not take show at its end.
	if i := strings.Index(s, "%!(EXTRA"); i >= 0 {
		s = s[:i]
	}
	return s
}

const argMark = "\x00ARG\x00"

// TestSpanishPatientEmails: every patient email of a request sent in
// Spanish says so in its Content-Language and its HTML's lang, and has no
// English words of its own left in its subject, text, HTML or calendar
// invitation; the words the front desk typed (the booking's note, a
// message) are shown as written, in whatever language they were typed.
func TestSpanishPatientEmails(t *testing.T) {
	msgs, requests := spanishPatientEmails(t)
	// Every kind of patient email is among them.
	for _, name := range []string{"patient-complete-es", "booking-complete-es", "booking-moved-es", "reminder-complete-es",
		"cancelled-complete-es", "cancelled-by-clinic-es", "declined-complete-es"} {
		if _, ok := msgs[name]; !ok {
			t.Errorf("no Spanish case %s", name)
		}
	}
	fragments := englishFragments()
	if len(fragments) < 50 {
		t.Fatalf("only %d English fragments: the catalog was not read", len(fragments))
	}
	for name, m := range msgs {
		t.Run(name, func(t *testing.T) {
			typed := typedByFrontDesk(requests[name])
			for part, s := range spanishParts(t, m) {
				for _, line := range typed {
					s = strings.ReplaceAll(s, line, "")
				}
				for _, f := range fragments {
					if regexp.MustCompile(`\b` + regexp.QuoteMeta(f) + `\b`).MatchString(s) {
						t.Errorf("%s holds the English %q", part, f)
					}
				}
			}
		})
	}
}

// typedByFrontDesk are the lines the front desk typed into r's history,
// which the patient's emails show as written.
func typedByFrontDesk(r appointment.Request) []string {
	var out []string
	for _, tr := range r.History {
		texts := []string{tr.Message}
		if tr.Booking != nil {
			texts = append(texts, tr.Booking.Note, tr.Booking.Clinician)
		}
		for _, text := range texts {
			out = append(out, lines(text)...)
		}
	}
	return out
}

// spanishParts checks that m says it is Spanish, in its Content-Language
// and its HTML's lang, and returns what a reader reads of it, by part: the
// subject, the text, the HTML's text and the calendar's.
func spanishParts(t *testing.T, m Message) map[string]string {
	t.Helper()
	parsed, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := parsed.Header.Get("Content-Language"); got != "es" {
		t.Errorf("Content-Language = %q, want es", got)
	}
	if !strings.Contains(m.HTML, `<html lang="es"`) {
		t.Error(`HTML has no <html lang="es">`)
	}
	return map[string]string{
		"subject":  m.Subject,
		"text":     m.Text,
		"html":     html.UnescapeString(htmlTag.ReplaceAllString(m.HTML, "\n")),
		"calendar": strings.ReplaceAll(strings.ReplaceAll(string(m.Calendar), "\r\n ", ""), `\n`, "\n"),
	}
}
