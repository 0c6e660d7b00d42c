package email

import (
	"strings"
	"testing"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/testing/clinictest"
)

// deskEmailSpanishComposer is a composer for the Spanish-speaking clinic,
// with the front desk's detail given (full or minimal).
func deskEmailSpanishComposer(t testing.TB, detail StaffDetail) *Composer {
	t.Helper()
	return newTestComposerWith(t, clinictest.Spanish(t), Settings{Sender: testSender, FrontDesk: testFrontDesk, Links: testLinks, StaffDetail: detail})
}

// deskEmailMessages composes with c the front desk's emails about one
// request that are written in the clinic's language by view.go and the
// cancel notice: the new request, the bounce notice and the cancel
// notice of r, booked and then cancelled by the patient.
func deskEmailMessages(t *testing.T, c *Composer, r appointment.Request) map[string]Message {
	t.Helper()
	scheduled := apply(t, apply(t, r, contactedAt, appointment.Command{Action: appointment.ActionContact}),
		scheduledAt, appointment.Command{Action: appointment.ActionSchedule, Booking: firstBooking(t)})
	cancelled := apply(t, scheduled, cancelledAt, appointment.Command{Action: appointment.ActionCancel})
	out := map[string]Message{}
	var err error
	if out["frontdesk"], err = c.Compose(FrontDesk, r); err != nil {
		t.Fatal(err)
	}
	if out["bouncenotice"], err = c.Compose(appointment.EmailBounceNotice, r); err != nil {
		t.Fatal(err)
	}
	if out["cancelnotice"], err = c.Compose(appointment.TransitionEmail(appointment.EmailCancelNotice, len(cancelled.History)-1), cancelled); err != nil {
		t.Fatal(err)
	}
	return out
}

// deskEmailSpanishCases are the Spanish-speaking clinic's desk emails
// for the complete request, sent in English, by golden name: in full, and
// in minimal mode (the "-staff-minimal" goldens of
// TestComposeStaffMinimalGolden).
func deskEmailSpanishCases(t *testing.T) map[string]Message {
	t.Helper()
	r := completeRequest()
	r.Language = i18n.English
	out := map[string]Message{}
	for detail, suffix := range map[StaffDetail]string{StaffDetailFull: "-clinic-es", StaffDetailMinimal: "-clinic-es-staff-minimal"} {
		for name, m := range deskEmailMessages(t, deskEmailSpanishComposer(t, detail), r) {
			out[name+suffix] = m
		}
	}
	return out
}

// TestComposeSpanishClinicDeskGolden: a Spanish-speaking clinic's front
// desk reads the new request, the bounce notice and the cancel notice in
// Spanish, with natural subjects, and the patient's language named in
// Spanish.
func TestComposeSpanishClinicDeskGolden(t *testing.T) {
	msgs := deskEmailSpanishCases(t)
	for name, m := range msgs {
		checkGolden(t, name+".html", m.HTML)
		checkGolden(t, name+".txt", m.Text)
	}
	for name, want := range map[string]string{
		"frontdesk-clinic-es":                  "Nueva solicitud de cita K7M2-Q9XD: Punción seca, Ascent Total Performance",
		"bouncenotice-clinic-es":               "Llame al paciente: no se pudo entregar la confirmación de K7M2-Q9XD",
		"cancelnotice-clinic-es":               "Solicitud cancelada por el paciente: K7M2-Q9XD, Punción seca",
		"frontdesk-clinic-es-staff-minimal":    "Nueva solicitud de cita K7M2-Q9XD: Punción seca, Ascent Total Performance",
		"cancelnotice-clinic-es-staff-minimal": "Solicitud cancelada por el paciente: K7M2-Q9XD, Punción seca",
		"bouncenotice-clinic-es-staff-minimal": "Llame al paciente: no se pudo entregar la confirmación de K7M2-Q9XD",
	} {
		if got := msgs[name].Subject; got != want {
			t.Errorf("%s: subject %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"frontdesk-clinic-es", "cancelnotice-clinic-es"} {
		for _, part := range []string{msgs[name].Text, msgs[name].HTML} {
			if !strings.Contains(part, "Idioma: inglés") && !strings.Contains(part, ">inglés</p>") {
				t.Errorf("%s does not name the patient's language in Spanish", name)
			}
		}
	}
	// A patient who wrote in Spanish is named so, as is one whose request
	// was stored before requests had a language: it is the clinic's.
	for _, r := range []appointment.Request{spanish(completeRequest()), completeRequest()} {
		for name, m := range deskEmailMessages(t, deskEmailSpanishComposer(t, StaffDetailFull), r) {
			if name != "bouncenotice" && !strings.Contains(m.Text, "Idioma: español") {
				t.Errorf("%s (request language %q) does not say the patient reads Spanish", name, r.Language)
			}
		}
	}
}

// TestSpanishClinicDeskEmailsHaveNoEnglish: no English sentence of the
// desk's emails is left in the Spanish-speaking clinic's: no whole
// sentence or piece of one between its arguments (of 12 characters or
// more, which no Spanish text shares by chance), and no English label or
// link word at the start of a line of the plain text, where they stand
// alone. The emails say they are Spanish in their Content-Language and
// their HTML's lang.
func TestSpanishClinicDeskEmailsHaveNoEnglish(t *testing.T) {
	sentences, labels := deskEmailEnglish()
	if len(sentences) < 15 || len(labels) < 10 {
		t.Fatalf("only %d sentences and %d labels: the catalog was not read", len(sentences), len(labels))
	}
	for name, m := range deskEmailSpanishCases(t) {
		t.Run(name, func(t *testing.T) {
			for part, s := range spanishParts(t, m) {
				for _, e := range sentences {
					if strings.Contains(s, e) {
						t.Errorf("%s holds the English %q", part, e)
					}
				}
			}
			for _, line := range strings.Split(m.Text, "\n") {
				for _, l := range labels {
					if strings.HasPrefix(line, l) {
						t.Errorf("text has the English label %q: %q", l, line)
					}
				}
			}
		})
	}
}

// deskEmailEnglish are the English words of the desk's emails that the
// Spanish must not hold: the pieces of the section's messages and of the
// patient's labels they reuse, between the messages' arguments, where
// long enough to tell; and the English labels and link words, followed by
// the colon the plain text puts after them.
func deskEmailEnglish() (sentences, labels []string) {
	reused := []string{"email.label.preferred", "email.label.reference", "email.label.service", "email.label.location",
		"email.label.phone", "form.choice.contact.phone", "form.choice.contact.email", "form.choice.contact.text"}
	for _, k := range append(deskEmailKeys(), reused...) {
		en, es := englishFormat(k), i18n.Spanish.Sprintf(k)
		if en == es {
			continue
		}
		for _, f := range verb.Split(en, -1) {
			if f = strings.TrimSpace(f); len(f) >= 12 {
				sentences = append(sentences, f)
			}
		}
		if strings.Contains(k, ".label.") || strings.Contains(k, ".action.") {
			labels = append(labels, strings.TrimSuffix(en, ":")+":")
		}
	}
	return sentences, labels
}

// deskEmailKeys are the keys of the desk emails' section of the catalog.
func deskEmailKeys() []string {
	var out []string
	for _, k := range i18n.Keys(i18n.English) {
		if strings.HasPrefix(k, "desk.email.") {
			out = append(out, k)
		}
	}
	return out
}
