package devserver

import (
	"html"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// bookingSubject starts the subject of the patient's booking email.
const bookingSubject = "Your appointment is booked: "

// bookedServer runs a server with one request booked from the front desk's
// email, and returns it with the outbox number of the booking email, which
// the real composer wrote: multipart/mixed around the alternative body and
// the invitation.
func bookedServer(t *testing.T) (ts *httptest.Server, bookingID string) {
	t.Helper()
	ts = start(t, Options{})
	submitJSON(t, ts, jsonBody)
	waitFor(t, "both emails sent", func() bool {
		return strings.Count(get(t, ts.URL+"/_dev/requests"), `class="sent"`) == 2
	})
	m := regexp.MustCompile(regexp.QuoteMeta(ts.URL) + `/manage/schedule/[A-Za-z0-9_-]+`).FindString(get(t, ts.URL+"/_dev/outbox"))
	if m == "" {
		t.Fatal("the outbox's emails carry no schedule link")
	}
	resp, err := http.PostForm(m, url.Values{"date": {bookableDay(t).Format("2006-01-02")}, "time": {"09:30"}, "minutes": {"45"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("schedule: %d", resp.StatusCode)
	}
	var outbox string
	waitFor(t, "the booking email", func() bool {
		outbox = get(t, ts.URL+"/_dev/outbox")
		return strings.Contains(outbox, "<h2>"+bookingSubject)
	})
	id := regexp.MustCompile(`<article id="email-(\d+)">\s*<h2>` + bookingSubject).FindStringSubmatch(outbox)
	if id == nil {
		t.Fatalf("no booking email in the outbox:\n%s", outbox)
	}
	return ts, id[1]
}

// outboxArticleOf returns the outbox's article of the email numbered id.
func outboxArticleOf(t *testing.T, outbox, id string) string {
	t.Helper()
	for _, m := range outboxArticle.FindAllStringSubmatch(outbox, -1) {
		if m[1] == id {
			return m[2]
		}
	}
	t.Fatalf("no email %s in the outbox:\n%s", id, outbox)
	return ""
}

// TestOutboxShowsNestedMultipart: the booking email, whose text and HTML
// sit inside a multipart/alternative inside multipart/mixed, shows its
// text on the outbox page and its HTML in the frame.
func TestOutboxShowsNestedMultipart(t *testing.T) {
	ts, id := bookedServer(t)
	article := outboxArticleOf(t, get(t, ts.URL+"/_dev/outbox"), id)
	text := regexp.MustCompile(`(?s)<pre[^>]*>(.*?)</pre>`).FindStringSubmatch(article)
	if text == nil || !strings.Contains(html.UnescapeString(text[1]), "9:30") {
		t.Errorf("the booking email's plain text is not shown:\n%s", article)
	}
	body := get(t, ts.URL+"/_dev/outbox/"+id+"/html")
	if !strings.Contains(body, "<h1") || !strings.Contains(body, "9:30") {
		t.Errorf("the booking email's HTML frame shows:\n%s", body)
	}
}

// TestOutboxOffersTheInvitation: an email with an invitation has a link to
// download it, served as a calendar file with a name; an email without one
// has no link, and its download is not found.
func TestOutboxOffersTheInvitation(t *testing.T) {
	ts, id := bookedServer(t)
	// The booking email is in; the desk's copy of the invitation, sent
	// for the same change, may still be on its way.
	var outbox string
	waitFor(t, "the desk's copy of the invitation", func() bool {
		outbox = get(t, ts.URL+"/_dev/outbox")
		return strings.Count(outbox, `/invitation"`) >= 2
	})
	href := "/_dev/outbox/" + id + "/invitation"
	if !strings.Contains(outboxArticleOf(t, outbox, id), `href="`+href+`"`) {
		t.Errorf("the booking email offers no download of its invitation")
	}
	// The patient's booking email and the front desk's copy for the
	// clinic's calendar carry one each; the request's first two emails none.
	if n := strings.Count(outbox, `/invitation"`); n != 2 {
		t.Errorf("the outbox offers %d invitations, want the booking email's and the desk's copy's", n)
	}
	resp, err := http.Get(ts.URL + href)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", href, resp.StatusCode, b)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/calendar" {
		t.Errorf("Content-Type %q, want text/calendar", resp.Header.Get("Content-Type"))
	}
	disp, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
	if disp != "attachment" || !strings.HasSuffix(params["filename"], ".ics") {
		t.Errorf("Content-Disposition %q, want an attachment named *.ics", resp.Header.Get("Content-Disposition"))
	}
	if s := string(b); !strings.HasPrefix(s, "BEGIN:VCALENDAR") || !strings.Contains(s, "METHOD:REQUEST") {
		t.Errorf("the download is not the invitation:\n%s", s)
	}
	for _, path := range []string{"/_dev/outbox/1/invitation", "/_dev/outbox/999/invitation"} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

// TestOutboxPreviewOpensLinksOnTop: the frame lets the email's links, and
// only a person's click on them, navigate the whole tab, because the
// action pages refuse to be framed; the action pages still refuse.
func TestOutboxPreviewOpensLinksOnTop(t *testing.T) {
	ts, id := bookedServer(t)
	article := outboxArticleOf(t, get(t, ts.URL+"/_dev/outbox"), id)
	if !strings.Contains(article, `<iframe sandbox="allow-top-navigation-by-user-activation"`) {
		t.Errorf("the preview frame does not allow top navigation on a click:\n%s", article)
	}
	resp, err := http.Get(ts.URL + "/_dev/outbox/" + id + "/html")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox allow-top-navigation-by-user-activation;") {
		t.Errorf("the preview's policy is %q, want a sandbox that allows only top navigation on a click", csp)
	}
	if n := strings.Count(string(b), `<base target="_top">`); n != 1 || strings.Index(string(b), "<base") > strings.Index(string(b), "</head>") {
		t.Errorf("the preview has %d <base target=_top> in its head:\n%s", n, b)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(ts.URL) + `/manage/[a-z]+/[A-Za-z0-9_-]+`).FindString(string(b))
	if link == "" {
		t.Fatalf("the booking email has no action link:\n%s", b)
	}
	resp, err = http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("the action page's policy is %q: it must still refuse to be framed", csp)
	}
}
