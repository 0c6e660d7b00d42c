package devserver

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// pressFeedback presses one of an outbox email's feedback buttons.
func pressFeedback(t *testing.T, base, id, event, origin string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/_dev/outbox/"+id+"/feedback", strings.NewReader(url.Values{"event": {event}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return noRedirect(t, req)
}

// outboxID returns the outbox number of the email with the given subject.
func outboxID(t *testing.T, outbox, subject string) string {
	t.Helper()
	m := regexp.MustCompile(`<article id="email-(\d+)">\s*<h2>` + regexp.QuoteMeta(subject) + `</h2>`).FindStringSubmatch(outbox)
	if m == nil {
		t.Fatalf("no email %q in the outbox:\n%s", subject, outbox)
	}
	return m[1]
}

// TestFeedbackButtons: the outbox makes up SES's reports locally. A bounce
// of the confirmation is recorded on it and brings the front desk one
// notice; a complaint suppresses the mailbox, so the next request naming
// it, under any spelling that reaches it, gets no confirmation. Only the
// server's own pages may press the buttons.
func TestFeedbackButtons(t *testing.T) {
	ts := start(t, Options{})
	receipt := submitJSON(t, ts, jsonBody)
	waitFor(t, "both emails sent", func() bool {
		return strings.Count(get(t, ts.URL+"/_dev/requests"), `class="sent"`) == 2
	})
	outbox := get(t, ts.URL+"/_dev/outbox")
	confirmation := outboxID(t, outbox, "We received your appointment request")
	if !strings.Contains(outbox, `action="/_dev/outbox/`+confirmation+`/feedback"`) {
		t.Fatal("the confirmation has no feedback buttons")
	}

	for _, origin := range []string{"https://www.example.com", ""} {
		if resp := pressFeedback(t, ts.URL, confirmation, "bounce", origin); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a press from %q: %d, want 403", origin, resp.StatusCode)
		}
	}
	if resp := pressFeedback(t, ts.URL, confirmation, "opened", ts.URL); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown event: %d, want 400", resp.StatusCode)
	}
	if resp := pressFeedback(t, ts.URL, "999", "bounce", ts.URL); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a missing email: %d, want 404", resp.StatusCode)
	}

	for range 2 {
		resp := pressFeedback(t, ts.URL, confirmation, "bounce", ts.URL)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/_dev/outbox?feedback=recorded") {
			t.Fatalf("bounce: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	notice := "Call the patient: the confirmation of " + receipt["reference"] + " bounced"
	waitFor(t, "the bounce notice", func() bool { return strings.Contains(get(t, ts.URL+"/_dev/outbox"), notice) })
	if !strings.Contains(get(t, ts.URL+"/_dev/requests"), `<span class="feedback">bounced (Permanent)</span>`) {
		t.Error("the requests page does not show the bounce")
	}
	if !strings.Contains(get(t, ts.URL+"/_dev/outbox?feedback=recorded"), `role="status"`) {
		t.Error("the outbox does not say the report was recorded")
	}

	// The patient marks their confirmation as spam. The next request names
	// the same mailbox with a +tag, and is suppressed all the same.
	if resp := pressFeedback(t, ts.URL, confirmation, "complaint", ts.URL); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("complaint: %d", resp.StatusCode)
	}
	tagged := strings.Replace(jsonBody, "jordan@example.com", "Jordan+clinic@example.com", 1)
	again := submitJSON(t, ts, strings.Replace(tagged, "dry-needling", "evaluation", 1))
	waitFor(t, "the second request's emails settled", func() bool {
		page := get(t, ts.URL+"/_dev/requests")
		row := page[strings.Index(page, again["reference"]):]
		row = row[:strings.Index(row, "</tr>")]
		return strings.Contains(row, `class="failed"`) && strings.Contains(row, `class="sent"`)
	})
	page := get(t, ts.URL+"/_dev/requests")
	if !strings.Contains(page, "suppressed: the address marked an earlier email as spam") {
		t.Error("the second confirmation is not shown as suppressed")
	}
	if n := strings.Count(get(t, ts.URL+"/_dev/outbox"), "<article"); n != 4 {
		t.Errorf("outbox has %d emails, want 4: two, the notice, and the front desk's of the second request", n)
	}
}
