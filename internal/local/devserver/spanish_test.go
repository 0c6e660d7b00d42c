package devserver

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"strings"
	"testing"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/local/localstore"
	"example.com/appointments/internal/testing/clinictest"
)

// spanishBody is jsonBody sent by a patient who reads Spanish.
var spanishBody = strings.Replace(jsonBody, `"consent":true`, `"consent":true,"language":"es"`, 1)

// contentLanguage returns the Content-Language header of a raw email.
func contentLanguage(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the email does not parse: %v", err)
	}
	return m.Header.Get("Content-Language")
}

// emailsOf returns the outbox's emails of one request, by kind.
func emailsOf(t *testing.T, srv *Server, id string) map[appointment.EmailKind]localstore.Email {
	t.Helper()
	emails, _, err := srv.local.Emails(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[appointment.EmailKind]localstore.Email{}
	for _, e := range emails {
		if e.RequestID == id {
			out[e.Kind] = e
		}
	}
	return out
}

// followSpanishRequest follows a request sent in Spanish through the
// server ts: submitted through the API, booked from the front desk's
// email, cancelled from the patient's link in the booking email. The
// patient's pages and emails are in Spanish; the front desk's stay in
// the clinic's language, and name the patient's. It returns the
// request's emails.
func followSpanishRequest(t *testing.T, ts *httptest.Server, srv *Server) map[appointment.EmailKind]localstore.Email {
	t.Helper()
	receipt := submitJSON(t, ts, spanishBody)
	emailsSettled(t, ts, srv)
	r, err := srv.store.Get(context.Background(), receipt["id"])
	if err != nil {
		t.Fatal(err)
	}
	if r.Language != i18n.Spanish {
		t.Fatalf("the request is stored in %q, want es", r.Language)
	}

	start := bookableDay(t)
	postBooking(t, outboxLink(t, ts, appointment.ActionSchedule), start)
	emailsSettled(t, ts, srv)
	booking, ok := emailsOf(t, srv, r.ID)[appointment.TransitionEmail(appointment.EmailBooking, 0)]
	if !ok {
		t.Fatal("no booking email in the outbox")
	}
	link := cancelLink(t, ts, booking)
	if link == "" {
		t.Fatal("the booking email carries no cancel link")
	}

	page := get(t, link)
	for _, want := range []string{`<html lang="es">`, "<h1>Cancelar su cita</h1>", "Cita programada para el " + i18n.Spanish.Weekday(start.Weekday()),
		"Punción seca", "Cancelar mi cita"} {
		if !strings.Contains(page, want) {
			t.Errorf("the patient's cancel page lacks %q:\n%s", want, page)
		}
	}
	resp, err := http.PostForm(link, nil)
	if err != nil {
		t.Fatal(err)
	}
	done, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasSuffix(resp.Request.URL.String(), "?done=1") {
		t.Fatalf("cancelling: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	for _, want := range []string{`<html lang="es">`, "Listo.", "usted canceló su cita del " + i18n.Spanish.Weekday(start.Weekday())} {
		if !strings.Contains(string(done), want) {
			t.Errorf("the page after cancelling lacks %q:\n%s", want, done)
		}
	}
	emailsSettled(t, ts, srv)
	if r, err = srv.store.Get(context.Background(), r.ID); err != nil || r.Status != appointment.StatusCancelled {
		t.Fatalf("after the patient cancelled: %s, %v", r.Status, err)
	}

	emails := emailsOf(t, srv, r.ID)
	month := i18n.Spanish.Month(start.Month())
	patient := []struct {
		kind appointment.EmailKind
		// words the subject says, in Spanish
		words []string
	}{
		{email.Patient, []string{"solicitud"}},
		{appointment.TransitionEmail(appointment.EmailBooking, 0), []string{"cita", month}},
		{appointment.TransitionEmail(appointment.EmailCancelled, 1), []string{"cita", "cancel", month}},
	}
	for _, p := range patient {
		e, ok := emails[p.kind]
		if !ok {
			t.Errorf("no %s email", p.kind)
			continue
		}
		m, err := parseEmail(e)
		if err != nil {
			t.Fatalf("%s: %v", p.kind, err)
		}
		if got := contentLanguage(t, e.Raw); got != "es" {
			t.Errorf("%s: Content-Language %q, want es", p.kind, got)
		}
		if !strings.Contains(m.HTML, `lang="es"`) {
			t.Errorf("%s: the HTML is not lang=\"es\"", p.kind)
		}
		subject := strings.ToLower(m.Subject)
		for _, w := range p.words {
			if !strings.Contains(subject, w) {
				t.Errorf("%s: the subject %q does not say %q", p.kind, m.Subject, w)
			}
		}
		for _, english := range []string{"your", "appointment", "request", "booked"} {
			if strings.Contains(subject, english) {
				t.Errorf("%s: the subject %q says %q", p.kind, m.Subject, english)
			}
		}
	}

	desk := []struct {
		kind    appointment.EmailKind
		subject string
	}{
		{email.FrontDesk, "New appointment request " + r.Reference},
		{appointment.TransitionEmail(appointment.EmailCancelNotice, 1), "Cancelled by the patient: " + r.Reference},
		{appointment.TransitionEmail(appointment.EmailDeskInvite, 0), ""},
		{appointment.TransitionEmail(appointment.EmailDeskInvite, 1), ""},
	}
	for _, d := range desk {
		e, ok := emails[d.kind]
		if !ok {
			t.Errorf("no %s email", d.kind)
			continue
		}
		m, err := parseEmail(e)
		if err != nil {
			t.Fatalf("%s: %v", d.kind, err)
		}
		if got := contentLanguage(t, e.Raw); got == "es" || strings.Contains(m.HTML, `lang="es"`) {
			t.Errorf("%s: the front desk's email is in Spanish (Content-Language %q)", d.kind, got)
		}
		if !strings.HasPrefix(m.Subject, d.subject) || strings.Contains(m.Subject, month) || strings.Contains(m.Subject, "Punción") {
			t.Errorf("%s: the subject %q is not the clinic's English", d.kind, m.Subject)
		}
	}
	if e, ok := emails[email.FrontDesk]; ok {
		if m, _ := parseEmail(e); !strings.Contains(m.Text, "Spanish") {
			t.Errorf("the front desk's new-request email does not name Spanish:\n%s", m.Text)
		}
	}
	return emails
}

// TestSpanishRequestEndToEnd follows a Spanish request through schedule
// and cancel on the embedded store.
func TestSpanishRequestEndToEnd(t *testing.T) {
	ts, srv := startServer(t, Options{ManualReminders: true})
	followSpanishRequest(t, ts, srv)
}

// TestSpanishRequestAgainstEmulatedAWS follows a Spanish request through
// schedule and cancel on DynamoDB and SES at moto's endpoint: the language
// is stored in the table, and the emails SES sends carry it.
func TestSpanishRequestAgainstEmulatedAWS(t *testing.T) {
	moto, backend := emulatedAWS(t)
	ts, srv := startServer(t, Options{ManualReminders: true, Backend: backend})
	emails := followSpanishRequest(t, ts, srv)
	// SES sent what the outbox keeps: the patient's three emails in
	// Spanish, the front desk's four in the clinic's language.
	raw := moto.RawEmails(t)
	if len(raw) != len(emails) {
		t.Errorf("%d emails at SES, want %d", len(raw), len(emails))
	}
	spanish := 0
	for _, m := range raw {
		if m.Message.Header.Get("Content-Language") == "es" {
			spanish++
		}
	}
	if spanish != 3 {
		t.Errorf("%d emails at SES in Spanish, want the patient's 3", spanish)
	}
}

// TestSpanishClinicEndToEnd follows a request to a clinic whose language
// is Spanish, from a patient who asks in English: the patient's emails and
// pages are English; the front desk's emails, its pages and the problems
// of its forms are Spanish, and name the patient's language.
func TestSpanishClinicEndToEnd(t *testing.T) {
	ts, srv := startServer(t, Options{ManualReminders: true, Profile: clinictest.Spanish(t)})
	followRequestToSpanishClinic(t, ts, srv)
}

// TestSpanishClinicAgainstEmulatedAWS follows the same request on
// DynamoDB and SES at moto's endpoint: SES sends the front desk's four
// emails in Spanish and the patient's three in English.
func TestSpanishClinicAgainstEmulatedAWS(t *testing.T) {
	moto, backend := emulatedAWS(t)
	ts, srv := startServer(t, Options{ManualReminders: true, Backend: backend, Profile: clinictest.Spanish(t)})
	followRequestToSpanishClinic(t, ts, srv)
	languages := map[string]int{}
	for _, m := range moto.RawEmails(t) {
		languages[m.Message.Header.Get("Content-Language")]++
	}
	if languages["es"] != 4 || languages["en"] != 3 || len(languages) != 2 {
		t.Errorf("SES sent emails in %v, want 4 in es and 3 in en", languages)
	}
}

// followRequestToSpanishClinic follows a request in English to the
// Spanish-speaking clinic of the server ts through schedule and the
// patient's cancel, checking the language of every page and email.
func followRequestToSpanishClinic(t *testing.T, ts *httptest.Server, srv *Server) {
	t.Helper()
	receipt := submitJSON(t, ts, strings.Replace(jsonBody, `"consent":true`, `"consent":true,"language":"en"`, 1))
	emailsSettled(t, ts, srv)

	link := outboxLink(t, ts, appointment.ActionSchedule)
	page := get(t, link)
	for _, want := range []string{`<html lang="es">`, "<h1>Programar la cita</h1>", "Idioma", "inglés", "Punción seca"} {
		if !strings.Contains(page, want) {
			t.Errorf("the front desk's schedule page lacks %q:\n%s", want, page)
		}
	}
	// A date the form cannot read is refused in Spanish, and books nothing.
	resp, err := http.PostForm(link, url.Values{"date": {"el martes"}, "time": {"09:30"}, "minutes": {"30"}})
	if err != nil {
		t.Fatal(err)
	}
	refused, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(refused), "No se pudo leer esa fecha; elíjala en el calendario.") {
		t.Errorf("a date that cannot be read: %d\n%s", resp.StatusCode, refused)
	}

	start := bookableDay(t)
	postBooking(t, link, start)
	emailsSettled(t, ts, srv)
	emails := emailsOf(t, srv, receipt["id"])
	booking := emails[appointment.TransitionEmail(appointment.EmailBooking, 0)]
	cancel := cancelLink(t, ts, booking)
	if cancel == "" {
		t.Fatal("the booking email carries no cancel link")
	}
	if page := get(t, cancel); !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, "Dry needling") {
		t.Errorf("the patient's cancel page is not English:\n%s", page)
	}
	if resp, err := http.PostForm(cancel, nil); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	emailsSettled(t, ts, srv)

	emails = emailsOf(t, srv, receipt["id"])
	for kind, lang := range map[appointment.EmailKind]string{
		email.Patient: "en",
		appointment.TransitionEmail(appointment.EmailBooking, 0):   "en",
		appointment.TransitionEmail(appointment.EmailCancelled, 1): "en",
		email.FrontDesk: "es",
		appointment.TransitionEmail(appointment.EmailDeskInvite, 0):   "es",
		appointment.TransitionEmail(appointment.EmailCancelNotice, 1): "es",
		appointment.TransitionEmail(appointment.EmailDeskInvite, 1):   "es",
	} {
		e, ok := emails[kind]
		if !ok {
			t.Errorf("no %s email", kind)
			continue
		}
		m, err := parseEmail(e)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if got := contentLanguage(t, e.Raw); got != lang || !strings.Contains(m.HTML, `lang="`+lang+`"`) {
			t.Errorf("%s: Content-Language %q, want %s", kind, got, lang)
		}
		if lang == "es" {
			for _, english := range []string{"Appointment", "appointment", "request", "Booked", "Cancelled", "Reference"} {
				if strings.Contains(m.Subject, english) || strings.Contains(m.Text, english+":") {
					t.Errorf("%s: the front desk's email says %q:\n%s\n%s", kind, english, m.Subject, m.Text)
				}
			}
		}
	}
	if m, err := parseEmail(emails[email.FrontDesk]); err != nil || !strings.Contains(m.Text, "Idioma: inglés") {
		t.Errorf("the front desk's new-request email does not name English in Spanish (%v):\n%s", err, m.Text)
	}
}
