package httpapi

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/problem"
)

// mistakenJSON is validJSON with a mistake in the phone number and the
// first name missing, asking for language unless it is empty.
func mistakenJSON(language string) string {
	s := strings.Replace(validJSON, `"firstName":"Jordan",`, "", 1)
	s = strings.Replace(s, `"phone":"(303) 555-0142"`, `"phone":"12"`, 1)
	if language != "" {
		s = strings.Replace(s, `{`, `{"language":"`+language+`",`, 1)
	}
	return s
}

// TestProblemInTheRequestsLanguage: a request that asks for Spanish is
// answered in Spanish, its codes the same as in English; one that asks for
// a language there is none of, or none, in the clinic's.
func TestProblemInTheRequestsLanguage(t *testing.T) {
	f := newFixture(t)
	en := decodeProblem(t, f.handle(t, jsonEvent(mistakenJSON("en"))))
	es := decodeProblem(t, f.handle(t, jsonEvent(mistakenJSON("es"))))
	if es.Detail != "Hay datos que necesitan su atención. Revíselos y vuelva a enviar el formulario." {
		t.Errorf("detail = %q", es.Detail)
	}
	if es.Code != en.Code || es.Status != en.Status || es.Title != en.Title || len(es.Errors) != len(en.Errors) {
		t.Fatalf("Spanish problem %+v, English %+v: want the same codes", es, en)
	}
	want := map[string]string{
		appointment.FieldFirstName: "Escriba su nombre.",
		appointment.FieldPhone:     "Escriba un número de teléfono que podamos marcar, con el código de área.",
	}
	for i, fe := range es.Errors {
		if fe.Field != en.Errors[i].Field || fe.Code != en.Errors[i].Code {
			t.Errorf("error %d: %s %s in Spanish, %s %s in English", i, fe.Field, fe.Code, en.Errors[i].Field, en.Errors[i].Code)
		}
		if fe.Message != want[fe.Field] {
			t.Errorf("%s: message %q, want %q", fe.Field, fe.Message, want[fe.Field])
		}
	}
	for _, language := range []string{"", "fr"} {
		p := decodeProblem(t, f.handle(t, jsonEvent(mistakenJSON(language))))
		if p.Detail != en.Detail || p.Errors[0].Message != en.Errors[0].Message {
			t.Errorf("language %q: %q, %q; want the clinic's English", language, p.Detail, p.Errors[0].Message)
		}
	}
}

// TestErrorPageInSpanish: the page a plain form post gets names the
// fields, says what is wrong and leads back in Spanish, and says so in its
// lang attribute.
func TestErrorPageInSpanish(t *testing.T) {
	f := newFixture(t)
	v := validValues()
	v.Set("language", "es")
	v.Del("email")
	resp := f.handle(t, formEvent(v))
	if resp.StatusCode != 422 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	for _, want := range []string{
		`<html lang="es">`,
		"<h1>Revise su solicitud</h1>",
		"<strong>Correo electrónico:</strong> Escriba su dirección de correo electrónico para que podamos confirmar su solicitud.",
		">Volver al formulario</a>. También puede volver con el botón Atrás de su navegador",
		"Si prefiere hablar con nosotros, llame al " + f.profile.ShownPhone() + ".",
	} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("page lacks %q:\n%s", want, resp.Body)
		}
	}
	v.Set("language", "en")
	if resp := f.handle(t, formEvent(v)); !strings.Contains(resp.Body, `<html lang="en">`) || !strings.Contains(resp.Body, "<h1>Please check your request</h1>") {
		t.Errorf("English page:\n%s", resp.Body)
	}
}

// TestLimitInSpanish: a refusal for too many requests explains itself in
// the request's language, with the clinic's number, and keeps its code.
func TestLimitInSpanish(t *testing.T) {
	f := newFixture(t)
	f.configure(t, func(c *Config) { c.PerAddress = appointment.NoLimit })
	body := strings.Replace(validJSON, `{`, `{"language":"es",`, 1)
	for range 3 {
		if resp := f.handle(t, jsonEvent(body)); resp.StatusCode != 201 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	p := decodeProblem(t, f.handle(t, jsonEvent(body)))
	want := "Recibimos varias solicitudes suyas en poco tiempo. Inténtelo de nuevo más tarde o llámenos al " + f.profile.ShownPhone() + "."
	if p.Code != problem.RateLimited || p.Detail != want {
		t.Errorf("problem %s %q, want %s %q", p.Code, p.Detail, problem.RateLimited, want)
	}
}

// TestEveryDetailInSpanish: each problem the form's handler answers is
// explained in Spanish, not in English.
func TestEveryDetailInSpanish(t *testing.T) {
	f := newFixture(t)
	for code := range details {
		en := f.h.newProblem(code, nil, i18n.English)
		es := f.h.newProblem(code, nil, i18n.Spanish)
		if es.Code != code || es.Detail == en.Detail || strings.Contains(es.Detail, "%!") || es.Detail == details[code] {
			t.Errorf("%s: Spanish %q, English %q", code, es.Detail, en.Detail)
		}
		if withPhone[code] != strings.Contains(es.Detail, f.profile.ShownPhone()) {
			t.Errorf("%s: %q gives the phone number: %v, want %v", code, es.Detail, !withPhone[code], withPhone[code])
		}
	}
}

// TestUnreadableBodyInTheClinicsLanguage: a body that cannot be read says
// so in the clinic's language, there being no language in it to read; a
// field sent twice in a request for Spanish is answered in Spanish.
func TestUnreadableBodyInTheClinicsLanguage(t *testing.T) {
	f := newFixture(t)
	p := decodeProblem(t, f.handle(t, jsonEvent(`{"nickname":"x"}`)))
	if len(p.Errors) != 1 || p.Errors[0].Message != `unknown field "nickname"` || p.Errors[0].Field != "body" {
		t.Errorf("errors = %+v", p.Errors)
	}
	p = decodeProblem(t, f.handle(t, jsonEvent(`{"language":"es","firstName":"A","firstName":"B"}`)))
	if len(p.Errors) == 0 || p.Errors[0].Field != "firstName" || p.Errors[0].Code != appointment.CodeAmbiguous || p.Errors[0].Message != "Envíe este campo una sola vez." {
		t.Errorf("errors = %+v", p.Errors)
	}
}

// TestRedirectCarriesTheLanguage: the thank-you page a form post is sent
// to learns the request's language, to thank the patient in it.
func TestRedirectCarriesTheLanguage(t *testing.T) {
	f := newFixture(t)
	v := validValues()
	v.Set("language", "es")
	resp := f.handle(t, formEvent(v))
	loc, err := url.Parse(resp.Headers["Location"])
	if resp.StatusCode != 303 || err != nil || loc.Query().Get("lang") != "es" || loc.Query().Get("reference") != f.store.created[0].Reference {
		t.Errorf("status %d, Location %q", resp.StatusCode, resp.Headers["Location"])
	}
	var got map[string]string
	body := strings.Replace(validJSON, `{`, `{"language":"es",`, 1)
	if err := json.Unmarshal([]byte(f.handle(t, jsonEvent(body, "idempotency-key", "k2")).Body), &got); err != nil || got["status"] != "received" {
		t.Errorf("JSON answer %v, %v", got, err)
	}
}
