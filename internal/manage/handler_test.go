package manage

import (
	"bytes"
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/local/localstore"
	"example.com/appointments/internal/testing/storetest"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

type fixture struct {
	h     *Handler
	store *localstore.Store
	links *actionlink.Signer
	now   time.Time
	r     appointment.Request
	// logs holds what the handler logged, as JSON lines.
	logs *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	profile, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	links, err := actionlink.New(testKey)
	if err != nil {
		t.Fatal(err)
	}
	store, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f := &fixture{store: store, links: links, now: storetest.T0, logs: &bytes.Buffer{}}
	store.SetClock(func() time.Time { return f.now })
	f.r = storetest.Request("Knee pain after running", f.now.Add(-time.Hour))
	if _, err := store.Create(context.Background(), f.r, appointment.Dedupe{Fingerprint: f.r.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	f.h = New(links, appointment.Rules{Profile: profile, ReschedulesPerDay: 5}, store, slog.New(slog.NewJSONHandler(f.logs, nil)))
	f.h.SetClock(func() time.Time { return f.now })
	return f
}

func (f *fixture) do(t *testing.T, method, path string, form url.Values) events.APIGatewayV2HTTPResponse {
	t.Helper()
	req := events.APIGatewayV2HTTPRequest{RawPath: path}
	req.RequestContext.HTTP.Method = method
	if form != nil {
		req.Body = form.Encode()
		req.Headers = map[string]string{"content-type": "application/x-www-form-urlencoded"}
	}
	if p, q, ok := strings.Cut(path, "?"); ok {
		req.RawPath = p
		v, _ := url.ParseQuery(q)
		req.QueryStringParameters = map[string]string{}
		for k := range v {
			req.QueryStringParameters[k] = v.Get(k)
		}
	}
	resp, err := f.h.Handle(context.Background(), req)
	if err != nil {
		t.Fatalf("Handle() error = %v", err)
	}
	return resp
}

func (f *fixture) stored(t *testing.T) appointment.Request {
	t.Helper()
	r, err := f.store.Get(context.Background(), f.r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestGetChangesNothing: opening any link, as a mail scanner does, shows a
// page and leaves the request as it was.
func TestGetChangesNothing(t *testing.T) {
	f := newFixture(t)
	for _, a := range appointment.Actions {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			resp := f.do(t, method, f.h.Link(f.r.ID, a, f.now), nil)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s %s: %d", method, a, resp.StatusCode)
			}
		}
	}
	if r := f.stored(t); r.Status != appointment.StatusReceived || len(r.History) != 0 {
		t.Errorf("after every GET: %s with %d changes", r.Status, len(r.History))
	}
	page := f.do(t, http.MethodGet, f.h.Link(f.r.ID, appointment.ActionContact, f.now), nil)
	for _, want := range []string{"Mark as contacted", f.r.Reference, "Jordan Rivera", `method="post"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("contact page lacks %q", want)
		}
	}
	if page.Headers["Referrer-Policy"] != "no-referrer" || !strings.Contains(page.Headers["Content-Security-Policy"], "form-action 'self'") {
		t.Errorf("page headers = %v", page.Headers)
	}
}

// TestContactThenAlreadyDone: posting the form marks the request, sends
// the browser back to the page, which says so; the same link used again
// says when it was done instead of acting twice.
func TestContactThenAlreadyDone(t *testing.T) {
	f := newFixture(t)
	link := f.h.Link(f.r.ID, appointment.ActionContact, f.now)
	f.now = time.Date(2026, 11, 24, 16, 14, 0, 0, time.UTC) // Tuesday, 9:14 AM in Denver
	resp := f.do(t, http.MethodPost, link, url.Values{})
	if resp.StatusCode != http.StatusSeeOther || resp.Headers["Location"] != link+"?done=1" {
		t.Fatalf("POST: %d to %q", resp.StatusCode, resp.Headers["Location"])
	}
	r := f.stored(t)
	if r.Status != appointment.StatusContacted || len(r.History) != 1 || r.History[0].Audience != appointment.AudienceFrontDesk {
		t.Fatalf("after POST: %+v", r)
	}
	done := f.do(t, http.MethodGet, link+"?done=1", nil)
	if !strings.Contains(done.Body, "Marked as contacted on Tuesday, November 24 at 9:14 AM") {
		t.Errorf("the page after the post does not say what was done:\n%s", done.Body)
	}
	again := f.do(t, http.MethodPost, link, url.Values{})
	if again.StatusCode != http.StatusOK || !strings.Contains(again.Body, "This can no longer be done. Marked as contacted on Tuesday, November 24 at 9:14 AM") {
		t.Errorf("a second use: %d\n%s", again.StatusCode, again.Body)
	}
	if r := f.stored(t); len(r.History) != 1 {
		t.Errorf("a second use recorded %d changes", len(r.History))
	}
}

// TestScheduleInTheClinicsZone: the date and time the front desk enters
// are read in the clinic's time zone, across the change from daylight
// saving time; the length starts from the service's.
func TestScheduleInTheClinicsZone(t *testing.T) {
	f := newFixture(t)
	link := f.h.Link(f.r.ID, appointment.ActionSchedule, f.now)
	page := f.do(t, http.MethodGet, link, nil)
	if !strings.Contains(page.Body, `id="minutes" name="minutes" type="number" inputmode="numeric" min="5" max="480" step="5" required value="30"`) {
		t.Errorf("the length does not start from dry needling's 30 minutes")
	}
	resp := f.do(t, http.MethodPost, link, url.Values{"date": {"2026-12-01"}, "time": {"09:30"}, "minutes": {"45"}, "clinician": {"Dr. Kim"}, "note": {"Wear shorts."}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST: %d\n%s", resp.StatusCode, resp.Body)
	}
	r := f.stored(t)
	want := time.Date(2026, 12, 1, 16, 30, 0, 0, time.UTC) // 9:30 MST
	if r.Status != appointment.StatusScheduled || r.Booking == nil || !r.Booking.Start.Equal(want) || r.Booking.Length != 45*time.Minute || r.Booking.Clinician != "Dr. Kim" {
		t.Fatalf("booking = %+v", r.Booking)
	}
	// The page now offers a reschedule, signed afresh.
	page = f.do(t, http.MethodGet, link, nil)
	if !strings.Contains(page.Body, "Booked for Tuesday, December 1 at 9:30 AM (45 minutes) with Dr. Kim") || !strings.Contains(page.Body, PathPrefix+"reschedule/") {
		t.Errorf("the page after scheduling:\n%s", page.Body)
	}
}

// TestScheduleProblemsAreShown: a form with mistakes is shown again with
// what was typed and a message at each field, and changes nothing.
func TestScheduleProblemsAreShown(t *testing.T) {
	f := newFixture(t)
	link := f.h.Link(f.r.ID, appointment.ActionSchedule, f.now)
	resp := f.do(t, http.MethodPost, link, url.Values{"date": {"tomorrow"}, "time": {"09:30"}, "minutes": {"45"}, "clinician": {"Dr. Kim"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "That date could not be read; pick it from the calendar.") || !strings.Contains(resp.Body, `value="Dr. Kim"`) || !strings.Contains(resp.Body, `aria-invalid="true"`) {
		t.Errorf("bad date: %d\n%s", resp.StatusCode, resp.Body)
	}
	resp = f.do(t, http.MethodPost, link, url.Values{"date": {"2026-12-01"}, "time": {"09:30"}, "minutes": {"2"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "Enter a length from 5 minutes to 8 hours.") {
		t.Errorf("bad length: %d\n%s", resp.StatusCode, resp.Body)
	}
	if r := f.stored(t); r.Status != appointment.StatusReceived {
		t.Errorf("a refused form changed the request to %s", r.Status)
	}
}

// TestBadLinks: tampered, expired, wrong-action and unknown links get a
// page in words, never an error dump, and change nothing.
func TestBadLinks(t *testing.T) {
	f := newFixture(t)
	link := f.h.Link(f.r.ID, appointment.ActionContact, f.now)
	token := link[strings.LastIndex(link, "/")+1:]
	flipped := []byte(token)
	flipped[len(flipped)/2] ^= 1
	if flipped[len(flipped)/2] == '/' {
		flipped[len(flipped)/2] = 'A'
	}
	tests := []struct {
		name, path string
		status     int
		want       string
	}{
		{"tampered", PathPrefix + "contact/" + string(flipped), http.StatusNotFound, "This link is not valid"},
		{"wrong action", PathPrefix + "decline/" + token, http.StatusNotFound, "This link is not valid"},
		{"unknown action", PathPrefix + "delete/" + token, http.StatusNotFound, "This page does not exist"},
		{"no token", PathPrefix + "contact/", http.StatusNotFound, "This page does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				resp := f.do(t, method, tt.path, url.Values{})
				if resp.StatusCode != tt.status || !strings.Contains(resp.Body, tt.want) {
					t.Errorf("%s: %d\n%s", method, resp.StatusCode, resp.Body)
				}
			}
		})
	}
	f.now = f.now.Add(actionlink.FrontDeskValidity + time.Minute)
	resp := f.do(t, http.MethodPost, link, url.Values{})
	if resp.StatusCode != http.StatusGone || !strings.Contains(resp.Body, "This link has expired") || !strings.Contains(resp.Body, "morning digest") {
		t.Errorf("expired: %d\n%s", resp.StatusCode, resp.Body)
	}
	if r := f.stored(t); r.Status != appointment.StatusReceived {
		t.Errorf("a bad link changed the request to %s", r.Status)
	}
}

// TestPatientCancels: the patient's page shows only what identifies the
// request, and cancelling it is recorded with the patient as the actor.
func TestPatientCancels(t *testing.T) {
	f := newFixture(t)
	link := f.h.Link(f.r.ID, appointment.ActionCancel, f.now)
	page := f.do(t, http.MethodGet, link, nil)
	if !strings.Contains(page.Body, "Cancel your appointment request") || strings.Contains(page.Body, "Knee pain") || strings.Contains(page.Body, f.r.Phone) {
		t.Errorf("the patient's page:\n%s", page.Body)
	}
	if resp := f.do(t, http.MethodPost, link, url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST: %d", resp.StatusCode)
	}
	r := f.stored(t)
	if r.Status != appointment.StatusCancelled || r.History[0].Audience != appointment.AudiencePatient {
		t.Errorf("after cancelling: %+v", r)
	}
	// The front desk's links now say what happened.
	contact := f.do(t, http.MethodGet, f.h.Link(f.r.ID, appointment.ActionContact, f.now), nil)
	if !strings.Contains(contact.Body, "Cancelled by the patient on") {
		t.Errorf("the contact page after a cancel:\n%s", contact.Body)
	}
}

// conflictStore acts as another front-desk member who got there between
// the read and the write.
type conflictStore struct {
	*localstore.Store
	once bool
}

func (c *conflictStore) Transition(ctx context.Context, before, after appointment.Request) error {
	if !c.once {
		c.once = true
		other, _, err := before.Apply(appointment.Command{Action: appointment.ActionDecline, Audience: appointment.AudienceFrontDesk}, before.CreatedAt.Add(time.Minute))
		if err != nil {
			return err
		}
		if err := c.Store.Transition(ctx, before, other); err != nil {
			return err
		}
	}
	return c.Store.Transition(ctx, before, after)
}

// TestConcurrentActionsDoNotBothWin: when another action lands between
// reading and writing, the handler reads again and reports what happened
// instead of overwriting it.
func TestConcurrentActionsDoNotBothWin(t *testing.T) {
	f := newFixture(t)
	f.h.store = &conflictStore{Store: f.store}
	resp := f.do(t, http.MethodPost, f.h.Link(f.r.ID, appointment.ActionContact, f.now), url.Values{})
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "Declined on") {
		t.Errorf("after losing the race: %d\n%s", resp.StatusCode, resp.Body)
	}
	if r := f.stored(t); r.Status != appointment.StatusDeclined || len(r.History) != 1 {
		t.Errorf("stored = %s with %d changes", r.Status, len(r.History))
	}
}

// TestPastStartMarksTheFields: a time that has passed is explained at the
// date and time fields, which are marked for assistive technology.
func TestPastStartMarksTheFields(t *testing.T) {
	f := newFixture(t)
	link := f.h.Link(f.r.ID, appointment.ActionSchedule, f.now)
	yesterday := f.now.Add(-48 * time.Hour).In(f.h.profile.Zone()).Format("2006-01-02")
	resp := f.do(t, http.MethodPost, link, url.Values{"date": {yesterday}, "time": {"09:30"}, "minutes": {"45"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, `id="start-error"`) ||
		strings.Count(resp.Body, `aria-describedby="start-error"`) != 2 {
		t.Errorf("a past start: %d\n%s", resp.StatusCode, resp.Body)
	}
}

// TestEmailWarnings: the front desk's page says when the patient's email
// bounced or drew a complaint, so that they call instead; the patient's
// own page says nothing of it.
func TestEmailWarnings(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	contact := f.h.Link(f.r.ID, appointment.ActionContact, f.now)
	if page := f.do(t, http.MethodGet, contact, nil); strings.Contains(page.Body, "bounced") || strings.Contains(page.Body, "spam") {
		t.Fatal("a warning with nothing to warn of")
	}
	if ok, _, err := f.store.ClaimEmail(ctx, f.r.ID, appointment.EmailPatient, "l", f.now.Add(time.Minute), f.now); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := f.store.MarkEmailSent(ctx, f.r.ID, appointment.EmailPatient, "l", "msg", f.now); err != nil {
		t.Fatal(err)
	}
	bounce := appointment.Report{Feedback: appointment.FeedbackBounced, BounceType: appointment.BouncePermanent, At: f.now}
	if ok, err := f.store.RecordFeedback(ctx, f.r.ID, appointment.EmailPatient, "msg", bounce); err != nil || !ok {
		t.Fatal(ok, err)
	}
	page := f.do(t, http.MethodGet, contact, nil)
	if !strings.Contains(page.Body, "An email to the patient bounced") {
		t.Errorf("no bounce warning on the front desk's page:\n%s", page.Body)
	}
	cancel := f.do(t, http.MethodGet, f.h.Link(f.r.ID, appointment.ActionCancel, f.now), nil)
	if strings.Contains(cancel.Body, "bounced") {
		t.Error("the patient's page warns of the bounce")
	}
	complaint := appointment.Report{Feedback: appointment.FeedbackComplained, At: f.now.Add(time.Hour)}
	if ok, err := f.store.RecordFeedback(ctx, f.r.ID, appointment.EmailPatient, "msg", complaint); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if page := f.do(t, http.MethodGet, contact, nil); !strings.Contains(page.Body, "marked an email from the clinic as spam") {
		t.Errorf("no complaint warning:\n%s", page.Body)
	}
}

// TestCappedEmailWarning: when the hourly cap held back an email to the
// patient, the front desk's page says so, so that they call instead.
func TestCappedEmailWarning(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.schedule(t)
	kind := appointment.TransitionEmail(appointment.EmailBooking, 0)
	if ok, _, err := f.store.ClaimEmail(ctx, f.r.ID, kind, "l", f.now.Add(time.Minute), f.now); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := f.store.MarkEmailFailed(ctx, f.r.ID, kind, "l", appointment.ReasonHourlyCap, f.now); err != nil {
		t.Fatal(err)
	}
	page := f.do(t, http.MethodGet, f.h.Link(f.r.ID, appointment.ActionContact, f.now), nil)
	if !strings.Contains(page.Body, "An email to the patient was not sent") {
		t.Errorf("no warning of the held-back email:\n%s", page.Body)
	}
}

// booked is the booking the reschedule tests start from: Tuesday,
// December 1, 2026 at 9:30 AM in Denver, within the clinic's hours.
var booked = url.Values{"date": {"2026-12-01"}, "time": {"09:30"}, "minutes": {"45"}, "clinician": {"Dr. Kim"}, "note": {"Wear shorts."}}

// moved returns the booking moved to another time of day, on the same
// Tuesday.
func moved(clock string) url.Values {
	v := url.Values{}
	for k, vs := range booked {
		v[k] = append([]string(nil), vs...)
	}
	v.Set("time", clock)
	return v
}

// schedule books the fixture's request as booked says.
func (f *fixture) schedule(t *testing.T) {
	t.Helper()
	resp := f.do(t, http.MethodPost, f.h.Link(f.r.ID, appointment.ActionSchedule, f.now), booked)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("schedule: %d\n%s", resp.StatusCode, resp.Body)
	}
}

// pageLinks returns the action links a page offers, by action.
func pageLinks(body string) map[appointment.Action][]string {
	links := map[appointment.Action][]string{}
	for _, m := range regexp.MustCompile(`href="(`+regexp.QuoteMeta(PathPrefix)+`([a-zA-Z]+)/[^"]+)"`).FindAllStringSubmatch(body, -1) {
		a := appointment.Action(m[2])
		links[a] = append(links[a], html.UnescapeString(m[1]))
	}
	return links
}

// linkClaims verifies a link's token for its action and returns its
// claims.
func (f *fixture) linkClaims(t *testing.T, a appointment.Action, link string) actionlink.Claims {
	t.Helper()
	c, err := f.links.Verify(link[strings.LastIndex(link, "/")+1:], a, f.now)
	if err != nil {
		t.Fatalf("%s link %s: %v", a, link, err)
	}
	return c
}

// fieldMessage returns the text of the error message shown at a field.
func fieldMessage(body, field string) string {
	_, rest, ok := strings.Cut(body, `id="`+field+`-error">`)
	if !ok {
		return ""
	}
	msg, _, _ := strings.Cut(rest, "</p>")
	return msg
}
