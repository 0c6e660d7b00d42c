package devserver

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// postDigest presses the requests page's digest button, with the given
// Origin header (none when empty), and returns the answer.
func postDigest(t *testing.T, url, origin string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/_dev/digest", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return noRedirect(t, req)
}

// TestDigestButton: with two requests, one of them contacted, the
// requests page's button sends one digest to the outbox listing both, and
// a second press the same day sends nothing; a post from another site, or
// from nowhere, is refused.
func TestDigestButton(t *testing.T) {
	ts := start(t, Options{})
	jordan := submitJSON(t, ts, jsonBody)
	sam := submitJSON(t, ts, strings.NewReplacer("Jordan", "Sam", "jordan@", "sam@").Replace(jsonBody))
	waitFor(t, "both requests' emails sent", func() bool {
		return strings.Count(get(t, ts.URL+"/_dev/requests"), `class="sent"`) == 4
	})

	// The front desk calls Sam back.
	requests := get(t, ts.URL+"/_dev/requests")
	row := requests[strings.Index(requests, sam["reference"]):]
	contact := regexp.MustCompile(`href="(/manage/contact/[A-Za-z0-9_-]+)"`).FindStringSubmatch(row)
	if contact == nil {
		t.Fatalf("no contact link for %s:\n%s", sam["reference"], requests)
	}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+contact[1], strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("marking contacted: %d", resp.StatusCode)
	}
	if !strings.Contains(get(t, ts.URL+"/_dev/requests"), `<span class="state">contacted</span>`) {
		t.Fatal("the request was not marked contacted")
	}

	page := get(t, ts.URL+"/_dev/requests")
	if !strings.Contains(page, `<form class="digest" method="post" action="/_dev/digest">`) || !strings.Contains(page, "Send the digest now") {
		t.Fatalf("the requests page has no digest button:\n%s", page)
	}
	for _, origin := range []string{"https://www.example.com", "null", ""} {
		if resp := postDigest(t, ts.URL, origin); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a post with Origin %q: %d, want 403", origin, resp.StatusCode)
		}
	}
	if n := strings.Count(get(t, ts.URL+"/_dev/outbox"), "<article"); n != 4 {
		t.Fatalf("the outbox holds %d emails after the refused posts, want the 4 of the requests", n)
	}

	resp = postDigest(t, ts.URL, ts.URL)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/_dev/requests") {
		t.Fatalf("the button: %d to %q, want 303 back to the requests page", resp.StatusCode, loc)
	}
	if back := get(t, ts.URL+resp.Header.Get("Location")); !strings.Contains(back, "The digest of open requests was sent") {
		t.Errorf("the requests page does not say the digest was sent:\n%s", back)
	}
	outbox := get(t, ts.URL+"/_dev/outbox")
	articles := strings.Split(outbox, "<article")
	if len(articles) != 6 {
		t.Fatalf("the outbox holds %d emails, want 5: the requests' and one digest", len(articles)-1)
	}
	newest := html.UnescapeString(articles[1])
	if !strings.Contains(newest, "<h2>Open requests: 2</h2>") || !strings.Contains(newest, "frontdesk@example.com") {
		t.Fatalf("the newest email is not the digest to the front desk:\n%s", newest)
	}
	text := newest[strings.Index(newest, "<pre"):]
	j, s := strings.Index(text, jordan["reference"]), strings.Index(text, sam["reference"])
	if j < 0 || s < 0 {
		t.Fatalf("the digest does not list both requests:\n%s", text)
	}
	if !strings.Contains(text, "Contacted ") || !strings.Contains(text, "Mark as contacted: "+ts.URL+"/manage/contact/") {
		t.Errorf("the digest lacks the contacted request's state or the received one's link to this server:\n%s", text)
	}

	// Once a day, as the schedule's repeats on AWS.
	resp = postDigest(t, ts.URL, strings.Replace(ts.URL, "127.0.0.1", "localhost", 1))
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(get(t, ts.URL+loc), "No digest was sent") {
		t.Errorf("the second press: %d to %q", resp.StatusCode, loc)
	}
	if n := strings.Count(get(t, ts.URL+"/_dev/outbox"), "<article"); n != 5 {
		t.Errorf("the outbox holds %d emails after the second press, want still 5", n)
	}
}
