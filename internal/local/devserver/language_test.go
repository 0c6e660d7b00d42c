package devserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/appointments/internal/i18n"
)

func getPage(t *testing.T, h http.Handler, target string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s = %d", target, rec.Code)
	}
	return rec.Body.String()
}

// TestFormInSpanish: /?lang=es shows the form in Spanish, from the catalog
// and the profile's Spanish texts, marks it lang="es", and sends language
// es unless the patient chooses otherwise; without lang, or with a
// language the clinic has no texts in, the form is in the clinic's.
func TestFormInSpanish(t *testing.T) {
	p := twoLocations(t)
	h := formHandler(p, "/appointments", "")
	es := getPage(t, h, "/?lang=es")
	doc := parsePage(t, es)
	if html := doc.all(byTag("html")); len(html) != 1 || html[0].attrs["lang"] != "es" {
		t.Fatalf("the Spanish page's html element is %v", html)
	}
	spanish := p.In(i18n.Spanish)
	for _, want := range []string{
		"<h1 id=\"appointment-title\">Solicitar una cita</h1>",
		`<label for="firstName">Nombre</label>`,
		`<label for="preferredDays-mon">Lunes</label>`,
		`<label for="preferredTimes-evening">Noche</label>`,
		`<label for="contactMethod-text">Mensaje de texto</label>`,
		">Enviar solicitud</button>",
		spanish.Services[0].Label,
		spanish.EmergencyNotice,
		"aviso de privacidad (se abre en una pestaña nueva)",
	} {
		if !strings.Contains(es, want) {
			t.Errorf("the Spanish form lacks %q", want)
		}
	}
	if strings.Contains(es, "Request an appointment") || strings.Contains(es, p.Services[0].Label+"<") {
		t.Error("the Spanish form has English in it")
	}
	checked := doc.all(func(e *htmlNode) bool { _, ok := e.attr("checked"); return e.attrs["name"] == "language" && ok })
	if len(checked) != 1 || checked[0].attrs["value"] != "es" {
		t.Errorf("the Spanish form's checked language is %v, want es", checked)
	}
	forms := doc.all(byTag("form"))
	var messages map[string]string
	if err := json.Unmarshal([]byte(forms[0].attrs["data-messages"]), &messages); err != nil || messages["sending"] != "Enviando…" || messages["problem"] != "Hay un problema" {
		t.Errorf("the script's messages are %v (%v), want Spanish", messages, err)
	}
	current := doc.all(func(e *htmlNode) bool { return e.tag == "a" && e.attrs["aria-current"] == "page" })
	if len(current) != 1 || current[0].attrs["href"] != "/?lang=es" || current[0].textContent() != "Español" {
		t.Errorf("the switch marks %v as the page shown", current)
	}

	for _, target := range []string{"/", "/?lang=fr", "/?lang=en"} {
		body := getPage(t, h, target)
		doc := parsePage(t, body)
		if html := doc.all(byTag("html")); html[0].attrs["lang"] != "en" || !strings.Contains(body, "Request an appointment") {
			t.Errorf("GET %s is not the English form", target)
		}
		if links := doc.all(func(e *htmlNode) bool {
			return e.tag == "a" && e.attrs["href"] == "/?lang=es" && e.attrs["lang"] == "es"
		}); len(links) != 1 {
			t.Errorf("GET %s has no link to the Spanish form", target)
		}
	}
}

// TestThankYouInSpanish: the thank-you page the API's redirect leads to
// thanks the patient in the request's language, and leads back to the
// form in it.
func TestThankYouInSpanish(t *testing.T) {
	p := mustDefaultProfile(t)
	body := getPage(t, thankYouHandler(p), "/thank-you?reference=K7M2-Q9XD&lang=es")
	doc := parsePage(t, body)
	if html := doc.all(byTag("html")); html[0].attrs["lang"] != "es" {
		t.Errorf("lang = %q, want es", html[0].attrs["lang"])
	}
	for _, want := range []string{
		"Gracias, recibimos su solicitud", "Su número de referencia es", "K7M2-Q9XD",
		"Nuestra recepción se comunicará con usted dentro de 8 horas hábiles",
		p.In(i18n.Spanish).EmergencyNotice, `<a href="/?lang=es">Volver al formulario de citas</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the Spanish thank-you page lacks %q", want)
		}
	}
	if strings.Contains(body, "Thank you") {
		t.Error("the Spanish thank-you page has English in it")
	}
}

// TestTemplatesSayNothingThemselves: the pages' words come from the
// catalog or the profile, so that each language has them all. Between
// their tags and actions the templates hold nothing but punctuation.
func TestTemplatesSayNothingThemselves(t *testing.T) {
	for _, name := range []string{"web/form.html.tmpl", "web/thank-you.html.tmpl"} {
		b, err := web.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		// Drop comments, actions, the head's style, and tags, leaving text.
		for _, cut := range []struct{ open, close string }{{"{{/*", "*/}}"}, {"{{- /*", "*/}}"}, {"{{", "}}"}, {"<style>", "</style>"}, {"<", ">"}} {
			for {
				i := strings.Index(s, cut.open)
				if i < 0 {
					break
				}
				j := strings.Index(s[i:], cut.close)
				if j < 0 {
					t.Fatalf("%s: unclosed %s", name, cut.open)
				}
				s = s[:i] + " " + s[i+j+len(cut.close):]
			}
		}
		if text := strings.Join(strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(" \n–|", r) }), " "); text != "" {
			t.Errorf("%s says %q itself", name, text)
		}
	}
}
