package manage

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/local/localstore"
	"example.com/appointments/internal/testing/storetest"
)

// spanish makes the fixture's request one sent in Spanish: a new request,
// stored beside the English one.
func (f *fixture) spanish(t *testing.T) {
	t.Helper()
	r := storetest.Request("Me duele la rodilla", f.now.Add(-time.Hour))
	r.Language = i18n.Spanish
	if _, err := f.store.Create(context.Background(), r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	f.r = r
}

// englishWords are the English page's fixed words, which a Spanish page
// must not show: a page that missed its translation shows one of them.
var englishWords = []string{"Cancel ", "Cancelled", "Reference", "Service", "Location", "Received", "Questions?", "Done.", "We will", "Booked",
	"You cancelled", "minutes", " AM", " PM", " at ", " with ", "Dry needling", "Other", "This ", "Call us", "link"}

var tags = regexp.MustCompile(`(?s)<style>.*?</style>|<[^>]*>`)

// text is what a page says: its words without tags, with its attributes'
// words (aria-label, title) read apart.
func text(body string) string {
	var labels []string
	for _, m := range regexp.MustCompile(`aria-label="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		labels = append(labels, m[1])
	}
	return html.UnescapeString(tags.ReplaceAllString(body, " ") + " " + strings.Join(labels, " "))
}

// checkSpanish fails the test when page is not a Spanish page that says
// each of want.
func checkSpanish(t *testing.T, name, body string, want ...string) {
	t.Helper()
	if !strings.Contains(body, `<html lang="es">`) {
		t.Errorf("%s: not lang=\"es\"", name)
	}
	words := strings.Join(strings.Fields(text(body)), " ")
	for _, w := range want {
		if !strings.Contains(words, w) {
			t.Errorf("%s: does not say %q:\n%s", name, w, words)
		}
	}
	for _, w := range englishWords {
		if strings.Contains(words, w) {
			t.Errorf("%s: says %q in English:\n%s", name, w, words)
		}
	}
}

// TestSpanishCancelOpenRequest: a patient who asked in Spanish reads the
// cancel page of their open request in Spanish, before and after
// cancelling, and again from the same link afterwards.
func TestSpanishCancelOpenRequest(t *testing.T) {
	f := newFixture(t)
	f.spanish(t)
	link := f.h.Link(f.r.ID, appointment.ActionCancel, f.now)
	page := f.do(t, http.MethodGet, link, nil)
	checkSpanish(t, "before", page.Body,
		"Cancelar su solicitud de cita – Ascent",
		"Solicitud recibida; todavía no nos hemos comunicado con usted.",
		"Número de referencia "+f.r.Reference,
		"Servicio Punción seca",
		"Sede Ascent Total Performance, 1200 Example Avenue",
		"Recibida viernes, 27 de noviembre, a las 8:30 a. m. (MST)",
		"Le avisaremos a la recepción y el horario quedará libre para otra persona.",
		"Cancelar mi solicitud",
		"¿Tiene preguntas? Llámenos al")
	if resp := f.do(t, http.MethodPost, link, url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST: %d", resp.StatusCode)
	}
	done := f.do(t, http.MethodGet, link+"?done=1", nil)
	checkSpanish(t, "done", done.Body,
		"Listo. El viernes, 27 de noviembre, a las 9:30 a. m. (MST), usted canceló su solicitud de cita.",
		"Cancelada.")
	again := f.do(t, http.MethodGet, link, nil)
	checkSpanish(t, "again", again.Body,
		"Esta acción ya no es posible. El viernes, 27 de noviembre, a las 9:30 a. m. (MST), usted canceló su solicitud de cita.")
}

// TestSpanishCancelBookedAppointment: the cancel page of a booked
// appointment names it, in Spanish, before and after the patient cancels
// it; the front desk's page of the same request stays in the clinic's
// language, and names the patient's.
func TestSpanishCancelBookedAppointment(t *testing.T) {
	f := newFixture(t)
	f.spanish(t)
	f.schedule(t)
	link := f.h.Link(f.r.ID, appointment.ActionCancel, f.now)
	appt := "martes, 1 de diciembre, a las 9:30 a. m. (MST), de 45 minutos, con Dr. Kim"
	page := f.do(t, http.MethodGet, link, nil)
	checkSpanish(t, "before", page.Body,
		"Cancelar su cita –",
		"Cita programada para el "+appt+".",
		"Cancelar mi cita")
	if strings.Contains(page.Body, "Cancelar su solicitud") {
		t.Errorf("the page of a booked appointment calls it a request:\n%s", page.Body)
	}
	if resp := f.do(t, http.MethodPost, link, url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST: %d", resp.StatusCode)
	}
	done := f.do(t, http.MethodGet, link+"?done=1", nil)
	checkSpanish(t, "done", done.Body,
		"Listo. El viernes, 27 de noviembre, a las 9:30 a. m. (MST), usted canceló su cita del "+appt+".")

	desk := f.do(t, http.MethodGet, f.h.Link(f.r.ID, appointment.ActionContact, f.now), nil)
	words := strings.Join(strings.Fields(text(desk.Body)), " ")
	for _, want := range []string{`<html lang="en">`, "<h1>Mark as contacted</h1>"} {
		if !strings.Contains(desk.Body, want) {
			t.Errorf("the front desk's page lacks %q:\n%s", want, desk.Body)
		}
	}
	for _, want := range []string{"Language Spanish", "Service Dry needling", "Cancelled by the patient on Friday, November 27 at 9:30 AM.",
		"Scheduled on Friday, November 27 at 9:30 AM for Tuesday, December 1 at 9:30 AM (45 minutes) with Dr. Kim."} {
		if !strings.Contains(words, want) {
			t.Errorf("the front desk's page does not say %q:\n%s", want, words)
		}
	}
	for _, unwanted := range []string{"Punción", "a. m.", "Cancelada", "usted"} {
		if strings.Contains(words, unwanted) {
			t.Errorf("the front desk's page says %q:\n%s", unwanted, words)
		}
	}
}

// TestSpanishOutcomes: what the clinic did to a Spanish request reads in
// Spanish on the patient's page, the front desk's message as written.
func TestSpanishOutcomes(t *testing.T) {
	f := newFixture(t)
	f.spanish(t)
	decline := f.h.Link(f.r.ID, appointment.ActionDecline, f.now)
	if resp := f.do(t, http.MethodPost, decline, url.Values{"message": {"No atendemos ese seguro."}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("decline: %d\n%s", resp.StatusCode, resp.Body)
	}
	page := f.do(t, http.MethodGet, f.h.Link(f.r.ID, appointment.ActionCancel, f.now), nil)
	checkSpanish(t, "declined", page.Body,
		"Solicitud no aceptada.",
		"Esta acción ya no es posible. La clínica no aceptó su solicitud el viernes, 27 de noviembre, a las 9:30 a. m. (MST). Mensaje de la clínica: “No atendemos ese seguro.”")
}

// TestSpanishProblemPages: a patient's link that expired says so in the
// request's language, with the clinic's phone; a link that names no
// request it can read says it in the clinic's.
func TestSpanishProblemPages(t *testing.T) {
	f := newFixture(t)
	f.spanish(t)
	link := f.h.Link(f.r.ID, appointment.ActionCancel, f.now)
	f.now = f.now.Add(actionlink.PatientValidity + time.Hour)
	expired := f.do(t, http.MethodGet, link, nil)
	if expired.StatusCode != http.StatusGone {
		t.Errorf("expired: status %d", expired.StatusCode)
	}
	checkSpanish(t, "expired", expired.Body,
		"Este enlace ya venció",
		"Dejó de funcionar el jueves, 25 de febrero, a las 9:30 a. m. (MST).",
		"Para cambiar o cancelar su solicitud de cita, llámenos al "+f.h.profile.ShownPhone()+".")

	f.now = storetest.T0
	token := link[strings.LastIndex(link, "/")+1:]
	flipped := []byte(token)
	flipped[len(flipped)/2] ^= 1
	if flipped[len(flipped)/2] == '/' {
		flipped[len(flipped)/2] = 'A'
	}
	// A request never stored, as one deleted once kept long enough.
	gone := f.h.Link(storetest.Request("", f.now).ID, appointment.ActionCancel, f.now)
	for _, tt := range []struct{ name, path, want string }{
		{"tampered", PathPrefix + "cancel/" + string(flipped), "This link is not valid"},
		{"not found", gone, "This request is no longer on file"},
	} {
		resp := f.do(t, http.MethodGet, tt.path, nil)
		if !strings.Contains(resp.Body, `<html lang="en">`) || !strings.Contains(resp.Body, tt.want) {
			t.Errorf("%s: %d\n%s", tt.name, resp.StatusCode, resp.Body)
		}
	}
}

// TestWhen: the pages say a time as each language does; Spanish says one
// o'clock in the singular, and names the zone.
func TestWhen(t *testing.T) {
	f := newFixture(t)
	zone := f.h.profile.Zone()
	for _, tt := range []struct {
		l    i18n.Language
		t    time.Time
		want string
	}{
		{i18n.English, time.Date(2026, 12, 9, 9, 30, 0, 0, zone), "Wednesday, December 9 at 9:30 AM"},
		{i18n.Spanish, time.Date(2026, 12, 9, 9, 30, 0, 0, zone), "miércoles, 9 de diciembre, a las 9:30 a. m. (MST)"},
		{i18n.Spanish, time.Date(2026, 12, 9, 13, 5, 0, 0, zone), "miércoles, 9 de diciembre, a la 1:05 p. m. (MST)"},
		{i18n.Spanish, time.Date(2026, 7, 4, 0, 15, 0, 0, zone), "sábado, 4 de julio, a las 12:15 a. m. (MDT)"},
		{i18n.English, time.Date(2026, 12, 9, 13, 5, 0, 0, zone), "Wednesday, December 9 at 1:05 PM"},
	} {
		if got := f.h.when(tt.t, tt.l); got != tt.want {
			t.Errorf("when(%v, %s) = %q, want %q", tt.t, tt.l, got, tt.want)
		}
	}
}

// unavailableStore reads, but fails every write as DynamoDB does when it
// cannot be reached.
type unavailableStore struct{ *localstore.Store }

func (unavailableStore) Transition(context.Context, appointment.Request, appointment.Request) error {
	return appointment.ErrUnavailable
}

// TestSpanishProblemsWhileActing: the problems a patient can meet once
// their request is read (the form unreadable, the records out of reach)
// are said in the request's language, and change nothing.
func TestSpanishProblemsWhileActing(t *testing.T) {
	f := newFixture(t)
	f.spanish(t)
	link := f.h.Link(f.r.ID, appointment.ActionCancel, f.now)

	req := events.APIGatewayV2HTTPRequest{RawPath: link, Body: "%%%", IsBase64Encoded: true}
	req.RequestContext.HTTP.Method = http.MethodPost
	unreadable, err := f.h.Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if unreadable.StatusCode != http.StatusBadRequest {
		t.Errorf("unreadable: status %d", unreadable.StatusCode)
	}
	checkSpanish(t, "unreadable", unreadable.Body, "No pudimos leer el formulario", "Regrese y envíelo de nuevo.")

	f.h.store = unavailableStore{f.store}
	down := f.do(t, http.MethodPost, link, url.Values{})
	if down.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("unavailable: status %d", down.StatusCode)
	}
	checkSpanish(t, "unavailable", down.Body, "Intente de nuevo en un minuto",
		"En este momento no pudimos consultar nuestros registros. No se hizo ningún cambio.")
	if r := f.stored(t); r.Status != appointment.StatusReceived {
		t.Errorf("the request is %s, want still received", r.Status)
	}
}
