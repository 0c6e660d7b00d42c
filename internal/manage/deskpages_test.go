package manage

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/testing/clinictest"
	"example.com/appointments/internal/testing/storetest"
)

// deskPage is one page the front desk reaches from its links, as served.
type deskPage struct {
	name string
	resp events.APIGatewayV2HTTPResponse
}

// deskFixture is a fixture whose handler serves the clinic p, with one
// request whose ID and reference are fixed, so that its pages, links
// included, are the same on every run.
func deskFixture(t *testing.T, p *clinic.Profile) *fixture {
	t.Helper()
	f := newFixture(t)
	// Another reason than the fixture's request, which the store would
	// take this one for.
	r := storetest.Request("My left knee hurts on stairs", f.now.Add(-time.Hour))
	var err error
	if r.ID, err = appointment.NewIDFrom(strings.NewReader(strings.Repeat("desk pages", 8))); err != nil {
		t.Fatal(err)
	}
	if r.Reference, err = appointment.NewReferenceFrom(strings.NewReader(strings.Repeat("REFERENCE", 8))); err != nil {
		t.Fatal(err)
	}
	r.Language = i18n.English
	if _, err := f.store.Create(context.Background(), r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	f.r = r
	f.h = New(f.links, appointment.Rules{Profile: p, ReschedulesPerDay: 2}, f.store, slog.New(slog.NewJSONHandler(f.logs, nil)))
	f.h.SetClock(func() time.Time { return f.now })
	return f
}

// deskPages serves every page the front desk of clinic p can meet, in
// each of its states: each action's form, the page after it acted, the
// same link used again, actions no longer allowed, the problems of its
// forms, the limits, the emails' warnings, and the pages of links that
// cannot be used.
func deskPages(t *testing.T, p *clinic.Profile) []deskPage {
	t.Helper()
	var pages []deskPage
	var f *fixture
	get := func(name string, a appointment.Action) string {
		link := f.h.Link(f.r.ID, a, f.now)
		pages = append(pages, deskPage{name, f.do(t, http.MethodGet, link, nil)})
		return link
	}
	post := func(name, link string, form url.Values) {
		resp := f.do(t, http.MethodPost, link, form)
		if name != "" {
			pages = append(pages, deskPage{name, resp})
		} else if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s: %d\n%s", link, resp.StatusCode, resp.Body)
		}
	}
	done := func(name, link string, form url.Values) {
		post("", link, form)
		pages = append(pages, deskPage{name, f.do(t, http.MethodGet, link+"?done=1", nil)})
	}

	// An open request: its forms, what the booked ones' links say, the
	// problems of the schedule form, a contact and a decline.
	f = deskFixture(t, p)
	contact := get("contact-form", appointment.ActionContact)
	schedule := get("schedule-form", appointment.ActionSchedule)
	decline := get("decline-form", appointment.ActionDecline)
	get("reschedule-open", appointment.ActionReschedule)
	get("cancelBooking-open", appointment.ActionCancelBooking)
	get("attended-open", appointment.ActionAttended)
	post("schedule-problems", schedule, url.Values{"date": {"tomorrow"}, "time": {"9"}, "minutes": {"2"}, "clinician": {"Dr. Kim"}, "note": {"Wear shorts."}})
	post("schedule-closed", schedule, url.Values{"date": {"2026-12-06"}, "time": {"09:30"}, "minutes": {"45"}})
	done("contact-done", contact, url.Values{})
	post("contact-used", contact, url.Values{})
	done("decline-done", decline, url.Values{"message": {"We do not treat this; your doctor can refer you."}})
	get("schedule-declined", appointment.ActionSchedule)

	// A booked appointment whose patient's emails went wrong: its forms,
	// attendance too early, reschedules up to the limit, attendance.
	f = deskFixture(t, p)
	ctx := context.Background()
	if ok, _, err := f.store.ClaimEmail(ctx, f.r.ID, appointment.EmailPatient, "l", f.now.Add(time.Minute), f.now); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := f.store.MarkEmailSent(ctx, f.r.ID, appointment.EmailPatient, "l", "msg", f.now); err != nil {
		t.Fatal(err)
	}
	for _, report := range []appointment.Report{
		{Feedback: appointment.FeedbackBounced, BounceType: appointment.BouncePermanent, At: f.now},
		{Feedback: appointment.FeedbackComplained, At: f.now.Add(time.Hour)},
	} {
		if ok, err := f.store.RecordFeedback(ctx, f.r.ID, appointment.EmailPatient, "msg", report); err != nil || !ok {
			t.Fatal(ok, err)
		}
	}
	done("schedule-done", f.h.Link(f.r.ID, appointment.ActionSchedule, f.now), booked)
	kind := appointment.TransitionEmail(appointment.EmailBooking, 0)
	if ok, _, err := f.store.ClaimEmail(ctx, f.r.ID, kind, "l", f.now.Add(time.Minute), f.now); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := f.store.MarkEmailFailed(ctx, f.r.ID, kind, "l", appointment.ReasonHourlyCap, f.now); err != nil {
		t.Fatal(err)
	}
	get("reschedule-form", appointment.ActionReschedule)
	get("cancelBooking-form", appointment.ActionCancelBooking)
	attended := get("attended-form", appointment.ActionAttended)
	get("noShow-form", appointment.ActionNoShow)
	post("attended-early", attended, url.Values{})
	f.now = f.now.Add(time.Minute)
	reschedule := f.h.Link(f.r.ID, appointment.ActionReschedule, f.now)
	done("reschedule-done", reschedule, moved("10:00"))
	get("reschedule-used", appointment.ActionReschedule)
	pages = append(pages, deskPage{"reschedule-used-again", f.do(t, http.MethodGet, reschedule, nil)})
	f.now = f.now.Add(time.Minute)
	post("reschedule-unchanged", f.h.Link(f.r.ID, appointment.ActionReschedule, f.now), moved("10:00"))
	post("", f.h.Link(f.r.ID, appointment.ActionReschedule, f.now), moved("10:30"))
	f.now = f.now.Add(time.Minute)
	post("reschedule-limit", f.h.Link(f.r.ID, appointment.ActionReschedule, f.now), moved("11:00"))
	f.now = bookedStart.Add(time.Hour)
	done("attended-done", f.h.Link(f.r.ID, appointment.ActionAttended, f.now), url.Values{})
	get("noShow-attended", appointment.ActionNoShow)

	// A booked appointment the clinic cancels, with a message.
	f = deskFixture(t, p)
	f.schedule(t)
	cancel := f.h.Link(f.r.ID, appointment.ActionCancelBooking, f.now)
	post("cancelBooking-problem", cancel, url.Values{"message": {"bad\x00"}})
	done("cancelBooking-done", cancel, url.Values{"message": {"Dr. Kim is ill that day.\r\nCall us to book again."}})
	get("contact-cancelled", appointment.ActionContact)

	// A booked appointment nobody came to, recorded too late and then in
	// time; its link, once expired.
	f = deskFixture(t, p)
	f.schedule(t)
	noShow := f.h.Link(f.r.ID, appointment.ActionNoShow, f.now)
	f.now = bookedStart.Add(appointment.AttendanceWindow + time.Minute)
	post("noShow-late", noShow, url.Values{})
	f = deskFixture(t, p)
	f.schedule(t)
	noShow = f.h.Link(f.r.ID, appointment.ActionNoShow, f.now)
	f.now = bookedStart.Add(time.Hour)
	done("noShow-done", noShow, url.Values{})
	f.now = f.now.Add(365 * 24 * time.Hour)
	pages = append(pages, deskPage{"expired", f.do(t, http.MethodGet, noShow, nil)})

	// The patient cancels: the front desk's pages say so.
	f = deskFixture(t, p)
	f.schedule(t)
	post("", f.h.Link(f.r.ID, appointment.ActionCancel, f.now), url.Values{})
	get("contact-patient-cancelled", appointment.ActionContact)

	// Links that cannot be used, and storage out of reach.
	f = deskFixture(t, p)
	link := f.h.Link(f.r.ID, appointment.ActionContact, f.now)
	token := []byte(link[strings.LastIndex(link, "/")+1:])
	token[len(token)/2] ^= 1
	if token[len(token)/2] == '/' {
		token[len(token)/2] = 'A'
	}
	pages = append(pages, deskPage{"invalid", f.do(t, http.MethodGet, PathPrefix+"contact/"+string(token), nil)},
		deskPage{"no-page", f.do(t, http.MethodGet, PathPrefix+"delete/"+string(token), nil)})
	req := events.APIGatewayV2HTTPRequest{RawPath: link, Body: "%%%", IsBase64Encoded: true}
	req.RequestContext.HTTP.Method = http.MethodPost
	unreadable, err := f.h.Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, deskPage{"unreadable", unreadable})
	f.h.store = failingStore{Store: f.store, transition: errors.New("connection reset")}
	post("unavailable", link, url.Values{})
	f.h.store = failingStore{Store: f.store, get: appointment.ErrNotFound}
	get("not-found", appointment.ActionContact)
	return pages
}

// englishSentences are the English of the catalog's words the action
// pages say (page.*, the front desk's desk.page.*, the problems of its
// forms, desk.form.*, and the form's labels and choices that name the
// patient's details) that a Spanish page must
// not say: each message's text between its arguments, where it differs
// from the Spanish and is long enough not to be a word Spanish shares,
// such as a name.
func englishSentences() []string {
	verb := regexp.MustCompile(`%!\w\([A-Z]+\)`)
	var out []string
	for _, key := range i18n.Keys(i18n.English) {
		if !slices.ContainsFunc([]string{"page.", "desk.page.", "desk.form.", "form.label.", "form.choice."}, func(prefix string) bool { return strings.HasPrefix(key, prefix) }) {
			continue
		}
		en, es := i18n.English.Sprintf(key), i18n.Spanish.Sprintf(key)
		if en == es {
			continue
		}
		for _, part := range verb.Split(en, -1) {
			if part = strings.Join(strings.Fields(part), " "); len(part) >= 12 && !strings.Contains(es, part) {
				out = append(out, part)
			}
		}
	}
	return out
}

// TestSpanishDeskPages: every page the front desk of a Spanish-speaking
// clinic meets is in Spanish, though the patient reads English, and says
// none of the pages' English.
func TestSpanishDeskPages(t *testing.T) {
	p := clinictest.Spanish(t)
	english := englishSentences()
	if len(english) < 50 {
		t.Fatalf("only %d English sentences to look for: %q", len(english), english)
	}
	for _, page := range deskPages(t, p) {
		if !strings.Contains(page.resp.Body, `<html lang="es">`) {
			t.Errorf("%s: not lang=\"es\"", page.name)
		}
		words := strings.Join(strings.Fields(text(page.resp.Body)), " ")
		for _, w := range english {
			if strings.Contains(words, w) {
				t.Errorf("%s says %q in English:\n%s", page.name, w, words)
			}
		}
	}
}

var update = flag.Bool("update", false, "rewrite the golden pages in testdata")

// goldenDeskPages are the pages compared whole with testdata, in each of
// the clinic's languages: a form with the patient's details, a used link
// with the emails' warnings and the history, and a refused action.
var goldenDeskPages = []string{"schedule-form", "reschedule-used-again", "noShow-late"}

// TestDeskPagesGolden: the front desk's pages are as testdata has them,
// for the English-speaking clinic and the Spanish-speaking one; -update
// rewrites them.
func TestDeskPagesGolden(t *testing.T) {
	for _, c := range deskClinics(t) {
		pages := map[string]string{}
		for _, page := range deskPages(t, c.profile) {
			pages[page.name] = page.resp.Body
		}
		for _, name := range goldenDeskPages {
			body, ok := pages[name]
			if !ok {
				t.Fatalf("no page %s", name)
			}
			file := filepath.Join("testdata", "desk-"+name+"-"+c.name+".html.golden")
			if *update {
				if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if body != string(want) {
				t.Errorf("%s differs from %s; run go test -update to accept it:\n%s", name, file, body)
			}
		}
	}
}

type deskClinic struct {
	name    string
	profile *clinic.Profile
}

// deskClinics are the default clinic, which speaks English, and the same
// clinic speaking Spanish.
func deskClinics(t *testing.T) []deskClinic {
	t.Helper()
	en, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	es := clinictest.Spanish(t)
	return []deskClinic{{"en", en}, {"es", es}}
}
