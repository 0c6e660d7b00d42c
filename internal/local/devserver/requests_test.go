package devserver

import (
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPagesLinkPhonesAndEmails: the requests page and the outbox show the
// patient's phone in the clinic country's national format, as the emails
// do, and every phone and email address as a link that calls or writes to
// it.
func TestPagesLinkPhonesAndEmails(t *testing.T) {
	ts := start(t, Options{})
	submitJSON(t, ts, strings.Replace(jsonBody, `"(303) 555-0142"`, `"303-555-0142 ext. 12"`, 1))
	submitJSON(t, ts, strings.NewReplacer(`"(303) 555-0142"`, `"+44 20 7183 8750"`, "jordan@", "sam@").Replace(jsonBody))
	waitFor(t, "four emails sent", func() bool {
		return strings.Count(get(t, ts.URL+"/_dev/requests"), `class="sent"`) == 4
	})
	requests := html.UnescapeString(get(t, ts.URL+"/_dev/requests"))
	for _, want := range []string{
		`<a href="tel:+13035550142;ext=12">(303) 555-0142 ext. 12</a>`,
		`<a href="tel:+442071838750">+44 20 7183 8750</a>`,
		`<a href="mailto:jordan@example.com">jordan@example.com</a>`,
		`<a href="mailto:sam@example.com">sam@example.com</a>`,
	} {
		if !strings.Contains(requests, want) {
			t.Errorf("the requests page does not show %s", want)
		}
	}
	if strings.Contains(requests, ">+13035550142") {
		t.Error("the requests page shows a phone in E.164")
	}
	outbox := get(t, ts.URL+"/_dev/outbox")
	for _, want := range []string{
		`<dt>Envelope to</dt><dd><a href="mailto:jordan@example.com">jordan@example.com</a></dd>`,
		`<dt>To</dt><dd><a href="mailto:frontdesk@example.com">frontdesk@example.com</a></dd>`,
		`<dt>From</dt><dd>Ascent Total Performance <a href="mailto:appointments@example.com">appointments@example.com</a></dd>`,
	} {
		if !strings.Contains(outbox, want) {
			t.Errorf("the outbox does not show %s", want)
		}
	}
}

// TestFormPagesShowTheClinicPhoneNationally: the demo form and the
// thank-you page show the clinic's number in its country's national
// format, as the emails do, each time as a tel: link.
func TestFormPagesShowTheClinicPhoneNationally(t *testing.T) {
	p := mustDefaultProfile(t)
	for name, h := range map[string]http.Handler{"the form": formHandler(p, "/appointments", ""), "the thank-you page": thankYouHandler(p)} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		body := html.UnescapeString(rec.Body.String())
		if strings.Contains(body, ">+1 303-555-0187<") || !strings.Contains(body, `<a href="tel:+13035550187">(303) 555-0187</a>`) {
			t.Errorf("%s does not link the clinic's number as (303) 555-0187:\n%s", name, body)
		}
	}
}
