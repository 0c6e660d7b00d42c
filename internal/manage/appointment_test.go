package manage

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/testing/storetest"
)

// bookedStart is when the fixture's booking (booked) begins: Tuesday,
// December 1, 2026 at 9:30 AM MST.
var bookedStart = time.Date(2026, 12, 1, 16, 30, 0, 0, time.UTC)

// TestCancelBooking: the front desk cancels a booked appointment with a
// message to the patient; the page then says who cancelled and shows the
// message, and the link cannot act again. An open request offers no such
// cancel: the front desk declines it.
func TestCancelBooking(t *testing.T) {
	f := newFixture(t)
	open := f.do(t, http.MethodGet, f.h.Link(f.r.ID, appointment.ActionCancelBooking, f.now), nil)
	if !strings.Contains(open.Body, "This can no longer be done") || strings.Contains(open.Body, `method="post"`) {
		t.Errorf("the cancel page of an open request offers a form:\n%s", open.Body)
	}
	f.schedule(t)
	link := f.h.Link(f.r.ID, appointment.ActionCancelBooking, f.now)
	page := f.do(t, http.MethodGet, link, nil)
	for _, want := range []string{"<h1>Cancel the appointment</h1>", `<label for="message">Message to the patient`, "The patient is emailed that the clinic cancelled"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the cancel page lacks %q", want)
		}
	}
	resp := f.do(t, http.MethodPost, link, url.Values{"message": {"Dr. Kim is ill that day.\r\nCall us to book again."}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST: %d\n%s", resp.StatusCode, resp.Body)
	}
	r := f.stored(t)
	last := r.History[len(r.History)-1]
	if r.Status != appointment.StatusCancelled || last.Action != appointment.ActionCancelBooking || last.Audience != appointment.AudienceFrontDesk ||
		last.Message != "Dr. Kim is ill that day.\nCall us to book again." || last.Booking == nil || last.Booking.Sequence != 1 {
		t.Fatalf("after the cancel: %s, %+v", r.Status, last)
	}
	done := f.do(t, http.MethodGet, link+"?done=1", nil)
	if !strings.Contains(done.Body, "Done. Cancelled by the front desk on ") || !strings.Contains(done.Body, "Message to the patient: “Dr. Kim is ill that day.\nCall us to book again.”") {
		t.Errorf("the page after the cancel:\n%s", done.Body)
	}
	// A second use says what happened, and records nothing.
	f.wantPost(t, link, url.Values{"message": {"again"}}, http.StatusOK, "This can no longer be done. Cancelled by the front desk", 2)
}

// wantPost posts form to link and checks that the answer has the status
// and says want, and that the request then has changes changes recorded.
func (f *fixture) wantPost(t *testing.T, link string, form url.Values, status int, want string, changes int) {
	t.Helper()
	resp := f.do(t, http.MethodPost, link, form)
	if resp.StatusCode != status || !strings.Contains(resp.Body, want) {
		t.Errorf("POST: %d, want %d with %q\n%s", resp.StatusCode, status, want, resp.Body)
	}
	if r := f.stored(t); len(r.History) != changes {
		t.Errorf("after the POST the request has %d changes, want %d", len(r.History), changes)
	}
}

// TestCancelBookingMessageChecked: a message with a character that cannot
// be sent is shown again with its problem, and nothing changes.
func TestCancelBookingMessageChecked(t *testing.T) {
	f := newFixture(t)
	f.schedule(t)
	resp := f.do(t, http.MethodPost, f.h.Link(f.r.ID, appointment.ActionCancelBooking, f.now), url.Values{"message": {"bad\x00"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || fieldMessage(resp.Body, "message") == "" {
		t.Errorf("a bad message: %d\n%s", resp.StatusCode, resp.Body)
	}
	if r := f.stored(t); r.Status != appointment.StatusScheduled {
		t.Errorf("a refused cancel changed the request to %s", r.Status)
	}
}

// TestAttendance: attendance is recorded from the appointment's start until
// a week after it; before and after, the page says when it can be, with
// the status the problem table gives, and nothing changes.
func TestAttendance(t *testing.T) {
	tests := []struct {
		name   string
		at     time.Time
		status int
		want   string
	}{
		{"the day before", bookedStart.Add(-24 * time.Hour), http.StatusConflict,
			"It is too early to record attendance: the appointment starts Tuesday, December 1 at 9:30 AM. Record it from then until Tuesday, December 8 at 9:30 AM."},
		{"a minute before", bookedStart.Add(-time.Minute), http.StatusConflict, "It is too early to record attendance"},
		{"at the start", bookedStart, http.StatusSeeOther, ""},
		{"six days after", bookedStart.Add(6 * 24 * time.Hour), http.StatusSeeOther, ""},
		{"at the window's end", bookedStart.Add(appointment.AttendanceWindow), http.StatusSeeOther, ""},
		{"a minute after the window", bookedStart.Add(appointment.AttendanceWindow + time.Minute), http.StatusConflict,
			"It is too late to record attendance: it could be recorded until Tuesday, December 8 at 9:30 AM, a week after the appointment began."},
	}
	outcomes := map[appointment.Action]appointment.Status{appointment.ActionAttended: appointment.StatusAttended, appointment.ActionNoShow: appointment.StatusNoShow}
	for a, want := range outcomes {
		for _, tt := range tests {
			t.Run(string(a)+" "+tt.name, func(t *testing.T) {
				f := newFixture(t)
				f.schedule(t)
				link := f.h.Link(f.r.ID, a, f.now)
				f.now = tt.at
				resp := f.do(t, http.MethodPost, link, url.Values{})
				if resp.StatusCode != tt.status || !strings.Contains(resp.Body, tt.want) {
					t.Fatalf("POST: %d, want %d with %q\n%s", resp.StatusCode, tt.status, tt.want, resp.Body)
				}
				r := f.stored(t)
				if tt.status != http.StatusSeeOther {
					if r.Status != appointment.StatusScheduled || len(r.History) != 1 {
						t.Errorf("a refused attendance changed the request: %s", r.Status)
					}
					return
				}
				if r.Status != want {
					t.Errorf("status %s, want %s", r.Status, want)
				}
				page := f.do(t, http.MethodGet, link+"?done=1", nil)
				if !strings.Contains(page.Body, "Done. Marked as ") || len(pageLinks(page.Body)) != 0 {
					t.Errorf("the page after recording attendance:\n%s", page.Body)
				}
			})
		}
	}
}

// TestAttendancePage: the page says when attendance can be recorded, and a
// scheduled request's pages offer the cancel and both attendance links.
func TestAttendancePage(t *testing.T) {
	f := newFixture(t)
	f.schedule(t)
	page := f.do(t, http.MethodGet, f.h.Link(f.r.ID, appointment.ActionAttended, f.now), nil)
	want := "Attendance can be recorded from the start of the appointment, Tuesday, December 1 at 9:30 AM, until Tuesday, December 8 at 9:30 AM. The patient is not emailed."
	if !strings.Contains(page.Body, want) {
		t.Errorf("the attendance page lacks %q:\n%s", want, page.Body)
	}
	links := pageLinks(page.Body)
	for _, a := range []appointment.Action{appointment.ActionReschedule, appointment.ActionCancelBooking, appointment.ActionNoShow} {
		if len(links[a]) != 1 {
			t.Errorf("the attendance page offers %s links %q, want one", a, links[a])
		}
	}
}

// TestPatientCancelWords: once booked, the patient cancels an appointment,
// not a request, and afterwards the page speaks to them; the front desk
// reads that the patient cancelled.
func TestPatientCancelWords(t *testing.T) {
	f := newFixture(t)
	link := f.h.Link(f.r.ID, appointment.ActionCancel, f.now)
	if page := f.do(t, http.MethodGet, link, nil); !strings.Contains(page.Body, "<h1>Cancel your appointment request</h1>") || !strings.Contains(page.Body, "Cancel my request</button>") {
		t.Errorf("the cancel page of an open request:\n%s", page.Body)
	}
	f.schedule(t)
	if page := f.do(t, http.MethodGet, link, nil); !strings.Contains(page.Body, "<h1>Cancel your appointment</h1>") || !strings.Contains(page.Body, "Cancel my appointment</button>") {
		t.Errorf("the cancel page once booked:\n%s", page.Body)
	}
	if resp := f.do(t, http.MethodPost, link, url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST: %d", resp.StatusCode)
	}
	done := f.do(t, http.MethodGet, link+"?done=1", nil)
	want := "Done. You cancelled your appointment of Tuesday, December 1 at 9:30 AM (45 minutes) with Dr. Kim on "
	if !strings.Contains(done.Body, want) || strings.Contains(done.Body, "by the patient") {
		t.Errorf("the patient's page after cancelling lacks %q:\n%s", want, done.Body)
	}
	desk := f.do(t, http.MethodGet, f.h.Link(f.r.ID, appointment.ActionContact, f.now), nil)
	if !strings.Contains(desk.Body, "<li>Cancelled by the patient on ") {
		t.Errorf("the front desk's history:\n%s", desk.Body)
	}
}

// TestDeclineMessageInHistory: the front desk's message with a decline
// stays readable in the request's history.
func TestDeclineMessageInHistory(t *testing.T) {
	f := newFixture(t)
	if resp := f.do(t, http.MethodPost, f.h.Link(f.r.ID, appointment.ActionDecline, f.now), url.Values{"message": {"We do not treat this; <b>your doctor</b> can refer you."}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST: %d", resp.StatusCode)
	}
	page := f.do(t, http.MethodGet, f.h.Link(f.r.ID, appointment.ActionContact, f.now), nil)
	want := "Message to the patient: “We do not treat this; &lt;b&gt;your doctor&lt;/b&gt; can refer you.”</li>"
	if !strings.Contains(page.Body, want) {
		t.Errorf("the history lacks %q:\n%s", want, page.Body)
	}
}

// TestContactLinks: the patient's phone and email, and the clinic's phone,
// are tel: and mailto: links.
func TestContactLinks(t *testing.T) {
	f := newFixture(t)
	// html/template writes the plus sign as a character reference.
	page := html.UnescapeString(f.do(t, http.MethodGet, f.h.Link(f.r.ID, appointment.ActionContact, f.now), nil).Body)
	for _, want := range []string{
		`<a href="tel:` + f.r.Phone + `;ext=` + f.r.PhoneExtension + `">(303) 555-0142 ext. 12</a>`,
		`<a href="mailto:` + f.r.Email + `">` + f.r.Email + `</a>`,
		// The clinic's number in the national form the emails show.
		`Questions? Call <a href="tel:+13035550187">(303) 555-0187</a>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
	patient := html.UnescapeString(f.do(t, http.MethodGet, f.h.Link(f.r.ID, appointment.ActionCancel, f.now), nil).Body)
	if !strings.Contains(patient, `<a href="tel:+13035550187">(303) 555-0187</a>`) {
		t.Errorf("the patient's page lacks the clinic's tel: link:\n%s", patient)
	}
}

// TestPhoneOfAnOlderRequest: a request stored before its number's national
// form was kept shows the number as stored, still a tel: link.
func TestPhoneOfAnOlderRequest(t *testing.T) {
	f := newFixture(t)
	older := f.r
	older.PhoneText = ""
	f.h.store = staticStore{older}
	page := html.UnescapeString(f.do(t, http.MethodGet, f.h.Link(f.r.ID, appointment.ActionContact, f.now), nil).Body)
	if want := `<a href="tel:+13035550142;ext=12">+13035550142 ext. 12</a>`; !strings.Contains(page, want) {
		t.Errorf("the page lacks %q:\n%s", want, page)
	}
}

// staticStore holds one request, as it was stored.
type staticStore struct{ r appointment.Request }

func (s staticStore) Get(context.Context, string) (appointment.Request, error) { return s.r, nil }

func (s staticStore) Transition(context.Context, appointment.Request, appointment.Request) error {
	return appointment.ErrConflict
}

// TestScheduleFormNamesTheZone: the time field names the clinic's zone as
// its clocks show it on the form's date: standard time in winter,
// daylight saving time in summer.
func TestScheduleFormNamesTheZone(t *testing.T) {
	f := newFixture(t)
	link := f.h.Link(f.r.ID, appointment.ActionSchedule, f.now)
	if page := f.do(t, http.MethodGet, link, nil); !strings.Contains(page.Body, `<label for="time">Time (MST)</label>`) {
		t.Errorf("in November the time field is not named MST")
	}
	summer := f.do(t, http.MethodPost, link, url.Values{"date": {"2027-07-06"}, "time": {"25:00"}, "minutes": {"45"}})
	if !strings.Contains(summer.Body, `<label for="time">Time (MDT)</label>`) {
		t.Errorf("for a date in July the time field is not named MDT:\n%s", summer.Body)
	}
}

// TestStaffPageNamesTheLanguage: the front desk's page of a request names
// the language the patient reads, in the clinic's language, and the
// clinic's for a request stored before requests had one; the patient's
// own page does not.
func TestStaffPageNamesTheLanguage(t *testing.T) {
	for _, tt := range []struct {
		language i18n.Language
		want     string
	}{
		{i18n.Spanish, "Spanish"},
		{"", "English"},
	} {
		f := newFixture(t)
		r := storetest.Request("Sore knee", f.now.Add(-time.Hour))
		r.Language = tt.language
		if _, err := f.store.Create(context.Background(), r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
			t.Fatal(err)
		}
		page := f.do(t, http.MethodGet, f.h.Link(r.ID, appointment.ActionContact, f.now), nil).Body
		if !regexp.MustCompile(`Language</[a-z]+>\s*<[a-z]+[^>]*>` + tt.want + `<`).MatchString(page) {
			t.Errorf("language %q: the front desk's page does not name %s:\n%s", tt.language, tt.want, page)
		}
		if patient := f.do(t, http.MethodGet, f.h.Link(r.ID, appointment.ActionCancel, f.now), nil).Body; strings.Contains(patient, "Language") {
			t.Errorf("the patient's page names the language:\n%s", patient)
		}
	}
}
