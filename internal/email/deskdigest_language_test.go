package email

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/testing/clinictest"
)

// sentInEnglish is r sent in English.
func sentInEnglish(r appointment.Request) appointment.Request {
	r.Language = i18n.English
	return r
}

// deskDigestPrefixes are the keys of the digest's, the day sheet's and
// the desk's calendar copy's words, and of the links the digest shares
// with the new request's email.
var deskDigestPrefixes = []string{"desk.digest.", "desk.daysheet.", "desk.invite.", "desk.calendar.", "desk.email.action."}

// deskDigestEnglish are the fixed words of the English messages of
// deskDigestPrefixes, the pieces between their arguments, that the
// Spanish catalog words differently: a Spanish-speaking clinic's email
// that holds one has English left in it. Pieces of fewer than 4
// characters are too short to tell from names and numbers.
func deskDigestEnglish() []string {
	var out []string
	for _, k := range i18n.Keys(i18n.English) {
		if !hasDeskDigestPrefix(k, deskDigestPrefixes) || i18n.English.Sprintf(k) == i18n.Spanish.Sprintf(k) {
			continue
		}
		for _, f := range verb.Split(englishFormat(k), -1) {
			if f = strings.Trim(f, " ,.:;()"); len(f) >= 4 {
				out = append(out, f)
			}
		}
	}
	return out
}

func hasDeskDigestPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// spanishDeskInvites composes the front desk's copy of each desk invite
// case for a Spanish-speaking clinic, checking it against its golden
// files ("-es"), by case name.
func spanishDeskInvites(t *testing.T) map[string]Message {
	t.Helper()
	out := map[string]Message{}
	for _, tc := range deskInviteCases(t) {
		c := tc.composer(t)
		c, err := NewComposer(clinictest.Spanish(t), c.settings)
		if err != nil {
			t.Fatal(err)
		}
		c.now, c.newMessageID = func() time.Time { return testNow }, func() string { return testMessageID }
		m, err := c.Compose(tc.kind, tc.request)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		out[tc.name+"-es"] = m
	}
	return out
}

// TestSpanishClinicDeskInvite: a Spanish-speaking clinic's front desk
// gets its calendar copies in Spanish, as their golden files have them,
// naming the patient's language in full mode.
func TestSpanishClinicDeskInvite(t *testing.T) {
	msgs := spanishDeskInvites(t)
	for name, want := range map[string]string{
		"deskinvite-booked-es":    "Programada: K7M2-Q9XD, miércoles, 2 de diciembre, 9:30 a. m.",
		"deskinvite-moved-es":     "Reprogramada: K7M2-Q9XD, martes, 16 de marzo, 10:00 a. m.",
		"deskinvite-cancelled-es": "Cancelada: K7M2-Q9XD, martes, 16 de marzo, 10:00 a. m.",
		"deskinvite-minimal-es":   "Reprogramada: K7M2-Q9XD, martes, 16 de marzo, 10:00 a. m.",
	} {
		m := msgs[name]
		checkGolden(t, name+".html", m.HTML)
		checkGolden(t, name+".txt", m.Text)
		if m.Subject != want {
			t.Errorf("%s: Subject = %q, want %q", name, m.Subject, want)
		}
		minimal := name == "deskinvite-minimal-es"
		for _, part := range []string{m.Text, m.HTML, string(m.Calendar)} {
			if got := strings.Contains(part, "Idioma"); got == minimal {
				t.Errorf("%s: a part names the patient's language: %v, want %v", name, got, !minimal)
			}
		}
	}
}

// TestSpanishClinicDeskDigestWords: the digests, day sheets and calendar
// copies of a Spanish-speaking clinic say so in their Content-Language
// and HTML, and hold none of the English words of their catalog section
// in their subject, text, HTML or the calendar copy's notes.
func TestSpanishClinicDeskDigestWords(t *testing.T) {
	msgs := spanishDeskInvites(t)
	for _, tc := range digestCases(t) {
		if !strings.HasSuffix(tc.name, "-es") {
			continue
		}
		m, err := tc.composer(t).ComposeDigest(tc.digest(t))
		if err != nil {
			t.Fatal(err)
		}
		msgs["digest-"+tc.name] = m
	}
	if len(msgs) != 7 {
		t.Fatalf("%d Spanish emails, want 4 desk invites and 3 digests", len(msgs))
	}
	fragments := deskDigestEnglish()
	if len(fragments) < 40 {
		t.Fatalf("only %d English fragments: the catalog was not read", len(fragments))
	}
	for name, m := range msgs {
		t.Run(name, func(t *testing.T) {
			for part, s := range spanishParts(t, m) {
				for _, f := range fragments {
					forms := []string{f}
					// The text's section headings are in capitals.
					if part == "text" {
						forms = append(forms, strings.ToUpper(f))
					}
					for _, f := range forms {
						if regexp.MustCompile(`\b` + regexp.QuoteMeta(f) + `\b`).MatchString(s) {
							t.Errorf("%s holds the English %q", part, f)
						}
					}
				}
			}
		})
	}
}
