package devserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"example.com/appointments/internal/clinic"
)

// bookAt schedules the server's one request at start, through its schedule
// link, as the front desk's form would post it; outside the opening hours
// when need be, so that any time of day can be booked.
func bookAt(t *testing.T, ts *httptest.Server, start time.Time) {
	t.Helper()
	links, _ := requestActionLinks(t, ts.URL)
	if links["schedule"] == "" {
		t.Fatalf("the requests page offers no schedule link: %v", links)
	}
	resp, err := http.PostForm(ts.URL+links["schedule"], url.Values{
		"date": {start.Format("2006-01-02")}, "time": {start.Format("15:04")}, "minutes": {"30"}, "outsideHours": {"yes"},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasSuffix(resp.Request.URL.String(), "?done=1") {
		t.Fatalf("schedule at %v: %d at %s", start, resp.StatusCode, resp.Request.URL)
	}
}

// pressButton tabs to the form's button and presses Space on it, as a
// keyboard user sends a form, and returns the answer's status.
func pressButton(t *testing.T, ctx context.Context) int64 {
	t.Helper()
	tabTo(t, ctx, "button")
	resp, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(" "))
	if err != nil {
		t.Fatalf("press Space on the button: %v", err)
	}
	return resp.Status
}

// TestBrowserCancelBookingWithKeyboardOnly: on a booked appointment, the
// front desk tries to record attendance too early and is told when it can;
// then it cancels the appointment with a message, by keyboard alone. Each
// page passes axe-core, and the patient alone is emailed the cancellation.
func TestBrowserCancelBookingWithKeyboardOnly(t *testing.T) {
	axe := readAxe(t)
	ctx := newBrowser(t)
	ts := start(t, Options{})
	submitJSON(t, ts, jsonBody)
	day := bookableDay(t)
	bookAt(t, ts, day)
	links, _ := requestActionLinks(t, ts.URL)
	for _, a := range []string{"attended", "noShow", "cancelBooking", "reschedule", "cancel"} {
		if links[a] == "" {
			t.Fatalf("the requests page offers no %s link for the booking: %v", a, links)
		}
	}

	browserDo(t, ctx, "open the attendance page", chromedp.Navigate(ts.URL+links["attended"]), chromedp.WaitVisible(chromedp.CSS("form[method=post]")))
	auditPage(t, ctx, axe, "the attendance page")
	if status := pressButton(t, ctx); status != http.StatusConflict {
		t.Errorf("attendance before the appointment answered %d, want 409", status)
	}
	refused := browserRun(t, ctx, "read the refusal", chromedp.Text(chromedp.CSS("[role=alert]")))
	if want := "It is too early to record attendance: the appointment starts " + day.Format("Monday, January 2") + " at 9:30 AM."; !strings.Contains(refused, want) {
		t.Errorf("the page says %q, want %q", refused, want)
	}
	auditPage(t, ctx, axe, "the attendance page, refused")

	browserDo(t, ctx, "open the cancel page", chromedp.Navigate(ts.URL+links["cancelBooking"]), chromedp.WaitVisible(chromedp.CSS("#message")))
	auditPage(t, ctx, axe, "the front desk's cancel page")
	tabTo(t, ctx, "#message")
	press(t, ctx, "Dr. Lee is away that day.")
	if status := pressButton(t, ctx); status != http.StatusOK {
		t.Errorf("after cancelling: %d, want 200 at the page with ?done=1", status)
	}
	done := browserRun(t, ctx, "read the outcome", chromedp.Text(chromedp.CSS(".done")))
	if !strings.Contains(done, "Done. Cancelled by the front desk on") || !strings.Contains(done, "Message to the patient: “Dr. Lee is away that day.”") {
		t.Errorf("the page after cancelling says %q", done)
	}
	auditPage(t, ctx, axe, "the front desk's cancel page, done")
	// The history's heading ranks below the page's, and looks it.
	sizes := browserRun(t, ctx, "read the headings' sizes", chromedp.Evaluate[[]float64](
		`[...document.querySelectorAll("h1, h2")].map(h => parseFloat(getComputedStyle(h).fontSize))`))
	if len(sizes) != 2 || sizes[1] > sizes[0] {
		t.Errorf("the h1 and the h2 are %v pixels, want an h2 no larger than the h1", sizes)
	}

	waitFor(t, "the cancellation sent", func() bool {
		return strings.Contains(get(t, ts.URL+"/_dev/requests"), `cancelled-1: <span class="sent">`)
	})
	if requests := get(t, ts.URL+"/_dev/requests"); strings.Contains(requests, "cancelNotice") {
		t.Errorf("the front desk's own cancel emailed it a cancel notice:\n%s", requests)
	}
}

// TestBrowserNoShowWithKeyboardOnly: once an appointment has begun, the
// front desk marks it a no-show by keyboard alone, and the page after
// passes axe-core. The appointment is booked for noon tomorrow, a time no
// change of daylight saving time makes ambiguous, and the server's clock
// is moved two days on, when it has begun.
func TestBrowserNoShowWithKeyboardOnly(t *testing.T) {
	axe := readAxe(t)
	ctx := newBrowser(t)
	ts := start(t, Options{})
	submitJSON(t, ts, jsonBody)
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	tomorrow := time.Now().In(p.Zone()).AddDate(0, 0, 1)
	bookAt(t, ts, time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 12, 0, 0, 0, p.Zone()))
	moveClock(t, ts, "day", "day")
	links, _ := requestActionLinks(t, ts.URL)
	if links["noShow"] == "" {
		t.Fatalf("the requests page offers no noShow link: %v", links)
	}
	browserDo(t, ctx, "open the no-show page", chromedp.Navigate(ts.URL+links["noShow"]), chromedp.WaitVisible(chromedp.CSS("form[method=post]")))
	if status := pressButton(t, ctx); status != http.StatusOK {
		t.Errorf("after marking: %d, want 200 at the page with ?done=1", status)
	}
	if done := browserRun(t, ctx, "read the outcome", chromedp.Text(chromedp.CSS(".done"))); !strings.HasPrefix(done, "Done. Marked as no-show on") {
		t.Errorf("the page after marking says %q", done)
	}
	auditPage(t, ctx, axe, "the no-show page, done")
	if requests := get(t, ts.URL+"/_dev/requests"); !strings.Contains(requests, `<span class="state">no-show, `) {
		t.Errorf("the requests page does not show the no-show:\n%s", requests)
	}
}

// TestBrowserSpanishCancelWithKeyboardOnly: a patient who asked in Spanish
// cancels their booked appointment from their link by keyboard alone. The
// page is Spanish, says so in its lang attribute, and passes axe-core
// before and after.
func TestBrowserSpanishCancelWithKeyboardOnly(t *testing.T) {
	axe := readAxe(t)
	ctx := newBrowser(t)
	ts := start(t, Options{})
	submitJSON(t, ts, spanishBody)
	bookAt(t, ts, bookableDay(t))
	links, _ := requestActionLinks(t, ts.URL)
	if links["cancel"] == "" {
		t.Fatalf("the requests page offers no cancel link for the booking: %v", links)
	}

	browserDo(t, ctx, "open the patient's cancel page", chromedp.Navigate(ts.URL+links["cancel"]), chromedp.WaitVisible(chromedp.CSS("form[method=post]")))
	if lang := browserRun(t, ctx, "read the page's language", chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "es" {
		t.Errorf("the page's lang is %q, want es", lang)
	}
	if h1 := browserRun(t, ctx, "read the heading", chromedp.Text(chromedp.CSS("h1"))); h1 != "Cancelar su cita" {
		t.Errorf("the heading is %q", h1)
	}
	auditPage(t, ctx, axe, "the patient's Spanish cancel page")
	if button := browserRun(t, ctx, "read the button", chromedp.Text(chromedp.CSS("button"))); button != "Cancelar mi cita" {
		t.Errorf("the button says %q", button)
	}
	if status := pressButton(t, ctx); status != http.StatusOK {
		t.Errorf("after cancelling: %d, want 200 at the page with ?done=1", status)
	}
	done := browserRun(t, ctx, "read the outcome", chromedp.Text(chromedp.CSS(".done")))
	if !strings.HasPrefix(done, "Listo. El ") || !strings.Contains(done, "usted canceló su cita del ") {
		t.Errorf("the page after cancelling says %q", done)
	}
	auditPage(t, ctx, axe, "the patient's Spanish cancel page, done")
}
