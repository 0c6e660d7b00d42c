package devserver

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/i18n"
)

// TestBrowserSpanishForm fills in the Spanish form as a patient would:
// the page says it is in Spanish, a mistake is explained in Spanish next
// to its field, the corrected form is confirmed in Spanish, and the clinic
// stores the request in Spanish. axe-core finds nothing on the form, its
// error state, its confirmation or the Spanish thank-you page.
func TestBrowserSpanishForm(t *testing.T) {
	axe := readAxe(t)
	ctx := newBrowser(t)
	ts, srv := startServer(t, Options{})
	problems := consoleProblems(ctx)

	browserDo(t, ctx, "open the Spanish form", chromedp.Navigate(ts.URL+"/?lang=es"), chromedp.WaitVisible(chromedp.CSS("#firstName")))
	if lang := browserRun(t, ctx, "read the page's language", chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "es" {
		t.Errorf("the page's lang is %q, want es", lang)
	}
	auditPage(t, ctx, axe, "the Spanish form")

	bad := jordan
	bad.email = "jordan.rivera@example"
	browserDo(t, ctx, "send with a mistake", fillForm(bad), sendForm(), chromedp.WaitVisible(chromedp.CSS("#email-error")))
	state := browserRun(t, ctx, "read the error state", chromedp.Evaluate[struct {
		Title      string `json:"title"`
		Detail     string `json:"detail"`
		EmailError string `json:"emailError"`
		Focused    string `json:"focused"`
	}](`({
		title: document.querySelector("[data-summary-title]").textContent,
		detail: document.querySelector("[data-summary-detail]").textContent,
		emailError: document.getElementById("email-error").textContent,
		focused: document.activeElement.id,
	})`))
	want := "Error: Escriba una sola dirección de correo electrónico, como nombre@example.com."
	if state.Title != "Hay un problema" || state.EmailError != want || !strings.HasPrefix(state.Detail, "Hay datos que necesitan su atención.") {
		t.Errorf("the error state reads %+v, want it in Spanish", state)
	}
	if state.Focused != "appointment-problems" {
		t.Errorf("focus is on #%s, want the error summary", state.Focused)
	}
	auditPage(t, ctx, axe, "the Spanish form's error state")

	// The patient follows the summary's link to the field and types the
	// address again.
	browserDo(t, ctx, "correct the email address and send",
		chromedp.Click(chromedp.CSS(`[data-summary-list] a[href="#email"]`)),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("email").select()`),
		chromedp.SendKeys(chromedp.CSS("#email"), jordan.email),
		chromedp.WaitNotVisible(chromedp.CSS("#email-error")),
		sendForm(),
		chromedp.WaitVisible(chromedp.CSS("#appointment-success")),
	)
	if got := browserRun(t, ctx, "read the confirmation", chromedp.Text(chromedp.CSS("#appointment-success-title"))); got != "Gracias, recibimos su solicitud" {
		t.Errorf("the confirmation reads %q", got)
	}
	ref := browserRun(t, ctx, "read the reference", chromedp.Text(chromedp.CSS("[data-reference]")))
	if !referenceShape.MatchString(ref) {
		t.Errorf("the page shows reference %q", ref)
	}
	auditPage(t, ctx, axe, "the Spanish confirmation")

	stored, err := srv.store.List(context.Background(), appointment.StatusReceived, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || stored[0].Reference != ref || stored[0].Language != i18n.Spanish {
		t.Errorf("stored %d requests; want one, %s, in Spanish: %+v", len(stored), ref, stored)
	}

	browserDo(t, ctx, "open the Spanish thank-you page", chromedp.Navigate(ts.URL+"/thank-you?reference="+ref+"&lang=es"), chromedp.WaitVisible(chromedp.CSS("#reference")))
	auditPage(t, ctx, axe, "the Spanish thank-you page")
	if p := problems(); len(p) > 0 {
		t.Errorf("the page logged problems:\n%s", strings.Join(p, "\n"))
	}
}
