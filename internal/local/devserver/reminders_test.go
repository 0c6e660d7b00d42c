package devserver

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/local/localstore"
)

// startServer runs a server over httptest, as start does, and returns the
// server itself too, so that a test can read its outbox's records.
func startServer(t *testing.T, opts Options) (*httptest.Server, *Server) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	opts.Origin = "http://" + ts.Listener.Addr().String()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	srv, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	return ts, srv
}

// postFrom posts form to the server's path with the given Origin header
// (none when empty), without following a redirect.
func postFrom(t *testing.T, ts *httptest.Server, path, origin string, form url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return noRedirect(t, req)
}

// noticeOf returns the notice a page shows, unescaped; empty if none.
var noticePattern = regexp.MustCompile(`<p class="notice" role="status">([^<]*)</p>`)

func noticeOf(page string) string {
	m := noticePattern.FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// pressOnRequestsPage posts one of the requests page's forms from the
// page's own origin, follows the redirect back to the page, and returns
// the page.
func pressOnRequestsPage(t *testing.T, ts *httptest.Server, path string, form url.Values) string {
	t.Helper()
	resp := postFrom(t, ts, path, ts.URL, form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/_dev/requests?") {
		t.Fatalf("POST %s %v: %d to %q, want 303 back to the requests page", path, form, resp.StatusCode, loc)
	}
	return get(t, ts.URL+loc)
}

// sendDueReminders presses "Send due reminders now" and returns the
// notice the page then shows.
func sendDueReminders(t *testing.T, ts *httptest.Server) string {
	t.Helper()
	return noticeOf(pressOnRequestsPage(t, ts, "/_dev/reminders", nil))
}

// moveClock presses the clock's buttons, in order, and returns the
// requests page after the last.
func moveClock(t *testing.T, ts *httptest.Server, moves ...string) string {
	t.Helper()
	var page string
	for _, m := range moves {
		page = pressOnRequestsPage(t, ts, "/_dev/clock", url.Values{"move": {m}})
	}
	return page
}

// reminderEmails returns the reminders in the server's outbox, oldest
// first.
func reminderEmails(t *testing.T, srv *Server) []localstore.Email {
	t.Helper()
	emails, _, err := srv.local.Emails(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []localstore.Email
	for i := len(emails) - 1; i >= 0; i-- {
		if base, _, ok := emails[i].Kind.Transition(); ok && base == appointment.EmailReminder {
			out = append(out, emails[i])
		}
	}
	return out
}

// outboxLink returns the newest link for action that the outbox's emails
// carry, absolute, as a person would copy it from the email.
func outboxLink(t *testing.T, ts *httptest.Server, action appointment.Action) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(ts.URL) + `/manage/` + string(action) + `/[A-Za-z0-9_-]+`).FindString(get(t, ts.URL+"/_dev/outbox"))
	if m == "" {
		t.Fatalf("no email in the outbox carries a %s link", action)
	}
	return m
}

// cancelLink returns the patient's cancel link to this server that the
// email's text carries; empty if none.
func cancelLink(t *testing.T, ts *httptest.Server, e localstore.Email) string {
	t.Helper()
	m, err := parseEmail(e)
	if err != nil {
		t.Fatalf("the outbox's email %d: %v", e.ID, err)
	}
	return regexp.MustCompile(regexp.QuoteMeta(ts.URL) + `/manage/cancel/[A-Za-z0-9_-]+`).FindString(m.Text)
}

// emailsSettled waits until every email the stored requests' changes
// call for (the request's two, and those of each change in its history)
// is sent or failed, and returns the requests page then. It reads each
// request whole from the store: the page may be read before a change's
// emails are even claimed.
func emailsSettled(t *testing.T, ts *httptest.Server, srv *Server) string {
	t.Helper()
	ctx := context.Background()
	waitFor(t, "every email settled", func() bool {
		found := 0
		for _, status := range appointment.Statuses {
			list, err := srv.store.List(ctx, status, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, listed := range list {
				r, err := srv.store.Get(ctx, listed.ID)
				if err != nil {
					t.Fatal(err)
				}
				found++
				want := []appointment.EmailKind{email.Patient, email.FrontDesk}
				for i, tr := range r.History {
					for _, base := range appointment.TransitionEmails(tr) {
						want = append(want, appointment.TransitionEmail(base, i))
					}
				}
				for _, kind := range want {
					if st := r.Deliveries[kind].State; st != appointment.DeliverySent && st != appointment.DeliveryFailed {
						return false
					}
				}
			}
		}
		return found > 0
	})
	return get(t, ts.URL+"/_dev/requests")
}

// postBooking posts the schedule or reschedule form of link for an
// appointment of 30 minutes at start, in the clinic's zone, outside the
// opening hours if need be, so that any time of day can be booked.
func postBooking(t *testing.T, link string, start time.Time) {
	t.Helper()
	resp, err := http.PostForm(link, url.Values{
		"date": {start.Format("2006-01-02")}, "time": {start.Format("15:04")}, "minutes": {"30"}, "outsideHours": {"yes"},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasSuffix(resp.Request.URL.String(), "?done=1") {
		t.Fatalf("booking at %v: %d at %s", start, resp.StatusCode, resp.Request.URL)
	}
}

// TestRemindersOnTheServersClock follows a booking's reminder end to end
// on the server's clock, moved by the requests page's buttons: booked
// from the front desk's email three days ahead, it is not due at once;
// two days and three hours later it goes once to the patient with the
// cancel link, however often the button is pressed; a reschedule a day
// later makes a new reminder due a day later; after the patient cancels,
// none goes.
func TestRemindersOnTheServersClock(t *testing.T) {
	ts, srv := startServer(t, Options{ManualReminders: true})
	zone := srv.profile.Zone()
	submitJSON(t, ts, jsonBody)
	emailsSettled(t, ts, srv)
	start := time.Now().In(zone).Add(72 * time.Hour).Truncate(time.Minute)
	postBooking(t, outboxLink(t, ts, appointment.ActionSchedule), start)
	page := emailsSettled(t, ts, srv)
	if want := "Reminder: due " + start.Add(-24*time.Hour).Format("Mon Jan 2, 3:04 PM"); !strings.Contains(page, want) {
		t.Errorf("the requests page does not say %q:\n%s", want, page)
	}

	if got := sendDueReminders(t, ts); !strings.HasPrefix(got, "No reminder was due") {
		t.Errorf("pressed at once: the notice says %q, want none due", got)
	}
	if n := len(reminderEmails(t, srv)); n != 0 {
		t.Fatalf("%d reminders sent three days ahead of the appointment", n)
	}

	page = moveClock(t, ts, "day", "day", "hour", "hour", "hour")
	if !strings.Contains(page, "moved ahead by 2 days 3 hours") {
		t.Errorf("the requests page does not say how far the clock moved:\n%s", page)
	}
	if got, want := sendDueReminders(t, ts), "Reminders sent: 1; they are in the outbox."; got != want {
		t.Errorf("pressed when due: the notice says %q, want %q", got, want)
	}
	sent := reminderEmails(t, srv)
	if len(sent) != 1 {
		t.Fatalf("%d reminders sent when one was due", len(sent))
	}
	if got := strings.Join(sent[0].To, ","); got != "jordan@example.com" {
		t.Errorf("the reminder went to %q, want the patient", got)
	}
	if cancelLink(t, ts, sent[0]) == "" {
		t.Errorf("the reminder carries no cancel link to this server:\n%s", sent[0].Raw)
	}
	if page := get(t, ts.URL+"/_dev/requests"); !strings.Contains(page, "Reminder: sent") {
		t.Errorf("the requests page does not show the reminder sent:\n%s", page)
	}
	if got := sendDueReminders(t, ts); !strings.HasPrefix(got, "No reminder was due") {
		t.Errorf("pressed again: the notice says %q, want none due", got)
	}
	if n := len(reminderEmails(t, srv)); n != 1 {
		t.Fatalf("%d reminders after pressing again, want still 1", n)
	}

	// The front desk moves the appointment a day later: its reminder is
	// due a day later too.
	moved := start.Add(24 * time.Hour)
	postBooking(t, outboxLink(t, ts, appointment.ActionReschedule), moved)
	page = emailsSettled(t, ts, srv)
	if want := "Reminder: due " + start.Format("Mon Jan 2, 3:04 PM"); !strings.Contains(page, want) {
		t.Errorf("after the reschedule the requests page does not say %q:\n%s", want, page)
	}
	if got := sendDueReminders(t, ts); !strings.HasPrefix(got, "No reminder was due") {
		t.Errorf("pressed after the reschedule: the notice says %q, want none due", got)
	}
	moveClock(t, ts, "day")
	if got, want := sendDueReminders(t, ts), "Reminders sent: 1; they are in the outbox."; got != want {
		t.Errorf("pressed when the moved booking's reminder was due: the notice says %q, want %q", got, want)
	}
	sent = reminderEmails(t, srv)
	if len(sent) != 2 || sent[1].Kind == sent[0].Kind {
		t.Fatalf("reminders after the reschedule: %d, want 2 of two bookings", len(sent))
	}

	// The patient cancels from the latest reminder: no more reminders,
	// however far the clock moves.
	cancel := cancelLink(t, ts, sent[1])
	if cancel == "" {
		t.Fatalf("the second reminder carries no cancel link to this server:\n%s", sent[1].Raw)
	}
	resp, err := http.PostForm(cancel, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasSuffix(resp.Request.URL.String(), "?done=1") {
		t.Fatalf("the patient's cancel: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	if page := get(t, ts.URL+"/_dev/requests"); !strings.Contains(page, `<span class="state">cancelled`) || strings.Contains(page, "Reminder:") {
		t.Errorf("after the cancel the request is not cancelled, or still shows a reminder:\n%s", page)
	}
	moveClock(t, ts, "hour")
	if got := sendDueReminders(t, ts); !strings.HasPrefix(got, "No reminder was due") {
		t.Errorf("pressed after the cancel: the notice says %q, want none due", got)
	}
	if n := len(reminderEmails(t, srv)); n != 2 {
		t.Errorf("%d reminders after the cancel, want still 2", n)
	}

	page = moveClock(t, ts, "reset")
	if strings.Contains(page, "moved ahead by") || noticeOf(page) != "The server's clock is back on real time." {
		t.Errorf("after the reset the page says %q and shows the clock moved:\n%s", noticeOf(page), page)
	}
}

// TestNoReminderForABookingInsideTheWindow: an appointment booked three
// hours ahead gets no reminder: the page says so, and the button sends
// none as the clock reaches it.
func TestNoReminderForABookingInsideTheWindow(t *testing.T) {
	ts, srv := startServer(t, Options{ManualReminders: true})
	submitJSON(t, ts, jsonBody)
	emailsSettled(t, ts, srv)
	start := time.Now().In(srv.profile.Zone()).Add(3 * time.Hour).Truncate(time.Minute)
	postBooking(t, outboxLink(t, ts, appointment.ActionSchedule), start)
	if page := emailsSettled(t, ts, srv); !strings.Contains(page, "Reminder: none: booked inside the 24 hours") {
		t.Errorf("the requests page does not say the booking gets no reminder:\n%s", page)
	}
	for range 2 {
		moveClock(t, ts, "hour")
		if got := sendDueReminders(t, ts); !strings.HasPrefix(got, "No reminder was due") {
			t.Errorf("the notice says %q, want none due", got)
		}
	}
	if n := len(reminderEmails(t, srv)); n != 0 {
		t.Errorf("%d reminders for a booking made inside the window", n)
	}
}

// TestRemindersSweptInTheBackground: without the button, the server's own
// sweep sends a due reminder, once, on the server's clock.
func TestRemindersSweptInTheBackground(t *testing.T) {
	ts, srv := startServer(t, Options{ReminderSweep: 50 * time.Millisecond})
	submitJSON(t, ts, jsonBody)
	emailsSettled(t, ts, srv)
	postBooking(t, outboxLink(t, ts, appointment.ActionSchedule), time.Now().In(srv.profile.Zone()).Add(72*time.Hour).Truncate(time.Minute))
	emailsSettled(t, ts, srv)
	moveClock(t, ts, "day", "day", "hour")
	waitFor(t, "the reminder swept", func() bool { return len(reminderEmails(t, srv)) > 0 })
	// A few more sweeps run; none sends it again.
	time.Sleep(10 * 50 * time.Millisecond)
	if n := len(reminderEmails(t, srv)); n != 1 {
		t.Errorf("%d reminders sent by the background sweeps, want 1", n)
	}
	if page := get(t, ts.URL+"/_dev/requests"); !strings.Contains(page, "Reminder: sent") {
		t.Errorf("the requests page does not show the reminder sent:\n%s", page)
	}
}

// TestRemindersAndClockRefuseOtherOrigins: the reminders and clock buttons
// answer only posts from the server's own pages; a post from another
// site, from an opaque origin or from nowhere is refused and changes
// nothing.
func TestRemindersAndClockRefuseOtherOrigins(t *testing.T) {
	ts, srv := startServer(t, Options{ManualReminders: true})
	submitJSON(t, ts, jsonBody)
	emailsSettled(t, ts, srv)
	postBooking(t, outboxLink(t, ts, appointment.ActionSchedule), time.Now().In(srv.profile.Zone()).Add(30*time.Hour).Truncate(time.Minute))
	emailsSettled(t, ts, srv)
	for _, origin := range []string{"https://www.example.com", "null", ""} {
		for _, post := range []struct {
			path string
			form url.Values
		}{
			{"/_dev/clock", url.Values{"move": {"day"}}},
			{"/_dev/reminders", nil},
		} {
			if resp := postFrom(t, ts, post.path, origin, post.form); resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with Origin %q: %d, want 403", post.path, origin, resp.StatusCode)
			}
		}
	}
	if ahead := srv.clock.ahead(); ahead != 0 {
		t.Errorf("the refused posts moved the clock by %v", ahead)
	}
	if n := len(reminderEmails(t, srv)); n != 0 {
		t.Errorf("the refused posts sent %d reminders", n)
	}
	// From the server's own page, under another of its names, both work:
	// the clock moves a day, which makes the reminder due.
	other := strings.Replace(ts.URL, "127.0.0.1", "localhost", 1)
	if resp := postFrom(t, ts, "/_dev/clock", other, url.Values{"move": {"day"}}); resp.StatusCode != http.StatusSeeOther || srv.clock.ahead() != 24*time.Hour {
		t.Errorf("a post from the server's own page: %d, the clock %v ahead", resp.StatusCode, srv.clock.ahead())
	}
	if resp := postFrom(t, ts, "/_dev/reminders", other, nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a post from the server's own page: %d, want 303", resp.StatusCode)
	}
	if n := len(reminderEmails(t, srv)); n != 1 {
		t.Errorf("%d reminders after the button from the server's own page, want 1", n)
	}
}

// TestClockForm: the clock's form takes only its own buttons' values; the
// requests page shows only the fixed notices, whatever the query says.
func TestClockForm(t *testing.T) {
	ts, srv := startServer(t, Options{ManualReminders: true})
	for _, move := range []string{"", "week", "-1h", "hour,day"} {
		if resp := postFrom(t, ts, "/_dev/clock", ts.URL, url.Values{"move": {move}}); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("move %q: %d, want 400", move, resp.StatusCode)
		}
	}
	if ahead := srv.clock.ahead(); ahead != 0 {
		t.Errorf("refused moves moved the clock by %v", ahead)
	}
	tests := []struct {
		query, want string
	}{
		{"clock=hour", "The server's clock moved ahead 1 hour."},
		{"clock=%3Cb%3Ehi", ""},
		{"reminders=sent&sent=2&unsent=1", "Reminders sent: 2; they are in the outbox. Not sent: 1; the state of each request's emails below says why."},
		{"reminders=sent&sent=%3Cb%3E&unsent=-4", "Reminders sent: 0."},
		{"reminders=sent&sent=0&unsent=1", "Reminders sent: 0. Not sent: 1; the state of each request's emails below says why."},
		{"reminders=left&left=3", "Reminders not settled: 3; the next sweep tries again, and the server's log says why."},
		{"reminders=whatever", ""},
	}
	for _, tt := range tests {
		if got := noticeOf(get(t, ts.URL+"/_dev/requests?"+tt.query)); got != tt.want {
			t.Errorf("?%s: notice %q, want %q", tt.query, got, tt.want)
		}
	}
}

// TestDescribeAhead: the page says how far the clock moved in words.
func TestDescribeAhead(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{time.Hour, "1 hour"},
		{51 * time.Hour, "2 days 3 hours"},
		{24*time.Hour + time.Minute, "1 day 1 minute"},
		{20 * time.Second, "less than a minute"},
	}
	for _, tt := range tests {
		if got := describeAhead(tt.d); got != tt.want {
			t.Errorf("describeAhead(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// TestActionPagesReadTheServersClock: the front desk's booking is made at
// the server's time, not the real one. With the clock two days ahead, an
// appointment three days ahead in real time is less than a day ahead on
// the server's clock: booked inside the reminder time, it gets none,
// where a booking made on real time would have had one.
func TestActionPagesReadTheServersClock(t *testing.T) {
	ts, srv := startServer(t, Options{ManualReminders: true})
	moveClock(t, ts, "day", "day")
	submitJSON(t, ts, jsonBody)
	emailsSettled(t, ts, srv)
	start := time.Now().In(srv.profile.Zone()).Add(71 * time.Hour).Truncate(time.Minute)
	postBooking(t, outboxLink(t, ts, appointment.ActionSchedule), start)
	page := emailsSettled(t, ts, srv)
	if !strings.Contains(page, "Reminder: none: booked inside the 24 hours") {
		t.Errorf("the requests page does not say the booking gets no reminder:\n%s", page)
	}
	// The history records the booking at the server's time.
	if want := "schedule by frontDesk, " + srv.clock.now().In(srv.profile.Zone()).Format("Mon Jan 2"); !strings.Contains(page, want) {
		t.Errorf("the requests page does not show %q:\n%s", want, page)
	}
	moveClock(t, ts, "day")
	if got := sendDueReminders(t, ts); !strings.HasPrefix(got, "No reminder was due") {
		t.Errorf("the notice says %q, want none due", got)
	}
	if n := len(reminderEmails(t, srv)); n != 0 {
		t.Errorf("%d reminders for a booking made inside the window on the server's clock", n)
	}
}

// TestDigestReadsTheServersClock: the digest goes once a day by the
// server's clock: a second press the same day sends nothing, and one after
// the clock moved a day ahead sends the next day's.
func TestDigestReadsTheServersClock(t *testing.T) {
	ts, srv := startServer(t, Options{ManualReminders: true})
	submitJSON(t, ts, jsonBody)
	emailsSettled(t, ts, srv)
	digests := func() int {
		emails, _, err := srv.local.Emails(context.Background(), 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range emails {
			if e.RequestID == "" {
				n++
			}
		}
		return n
	}
	for i, want := range []struct {
		move   string
		notice string
		sent   int
	}{
		{"", "The digest of open requests was sent", 1},
		{"", "No digest was sent", 1},
		{"day", "The digest of open requests was sent", 2},
	} {
		if want.move != "" {
			moveClock(t, ts, want.move)
		}
		if got := noticeOf(pressOnRequestsPage(t, ts, "/_dev/digest", nil)); !strings.HasPrefix(got, want.notice) {
			t.Errorf("press %d: the notice says %q, want %q", i+1, got, want.notice)
		}
		if n := digests(); n != want.sent {
			t.Errorf("press %d: %d digests in the outbox, want %d", i+1, n, want.sent)
		}
	}
}

// TestRemindersAgainstEmulatedAWS: on DynamoDB and SES at moto's endpoint,
// the sweep finds the booking through the table's ByAppointment index and
// sends its reminder through SES once, on the server's clock.
func TestRemindersAgainstEmulatedAWS(t *testing.T) {
	moto, backend := emulatedAWS(t)
	ts, srv := startServer(t, Options{ManualReminders: true, Backend: backend})
	submitJSON(t, ts, jsonBody)
	emailsSettled(t, ts, srv)
	start := time.Now().In(srv.profile.Zone()).Add(72 * time.Hour).Truncate(time.Minute)
	postBooking(t, outboxLink(t, ts, appointment.ActionSchedule), start)
	emailsSettled(t, ts, srv)
	before := len(moto.RawEmails(t))
	if got := sendDueReminders(t, ts); !strings.HasPrefix(got, "No reminder was due") {
		t.Errorf("pressed at once: the notice says %q, want none due", got)
	}
	moveClock(t, ts, "day", "day", "hour")
	for range 2 {
		sendDueReminders(t, ts)
	}
	if got := len(moto.RawEmails(t)) - before; got != 1 {
		t.Errorf("%d reminders sent through SES, want 1", got)
	}
	if n := len(reminderEmails(t, srv)); n != 1 {
		t.Errorf("%d reminders in the outbox, want 1", n)
	}
}
