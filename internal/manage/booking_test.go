package manage

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"example.com/appointments/internal/appointment"
)

// TestBookingRules: a time the clinic's clock skips or repeats, a time
// the clinic is closed (unless the front desk ticks "Outside opening
// hours") and a date more than a year ahead are refused with 422 and a
// message at the field, for the front desk; nothing is booked, and nothing
// is logged as an error. The fixture's now is Friday, November 27, 2026.
func TestBookingRules(t *testing.T) {
	tests := []struct {
		name              string
		date, clock, mins string
		outsideHours      bool
		field             string
		want              []string
	}{
		// Denver's clocks go from 2:00 to 3:00 AM on March 14, 2027.
		{"skipped by the spring change", "2027-03-14", "02:30", "45", true, "time", []string{"2:30 AM", "does not exist", "Sunday, March 14, 2027"}},
		// And from 2:00 back to 1:00 AM on November 7, 2027.
		{"repeated by the fall change", "2027-11-07", "01:30", "45", true, "time", []string{"1:30 AM", "twice", "Sunday, November 7, 2027"}},
		// 12:30 AM and two hours end at the second 1:30 AM, which a calendar
		// would read as the first.
		{"ending in the repeated hour", "2027-11-07", "00:30", "120", true, "length", []string{"1:30 AM", "twice"}},
		{"closed on Sundays", "2026-12-06", "03:00", "45", false, "start", []string{"closed on Sundays", "Outside opening hours"}},
		{"before opening", "2026-12-01", "06:30", "45", false, "start", []string{"7:00 AM to 7:00 PM", "Outside opening hours"}},
		{"running past closing", "2026-12-05", "11:30", "60", false, "start", []string{"8:00 AM to 12:00 PM", "12:30 PM"}},
		{"the last day of the calendar", "9999-12-31", "10:00", "45", false, "date", []string{"at most a year ahead", "November 27, 2027"}},
		{"a year and a day ahead", "2027-11-28", "10:00", "45", true, "date", []string{"at most a year ahead"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			form := url.Values{"date": {tt.date}, "time": {tt.clock}, "minutes": {tt.mins}}
			if tt.outsideHours {
				form.Set("outsideHours", "on")
			}
			resp := f.do(t, http.MethodPost, f.h.Link(f.r.ID, appointment.ActionSchedule, f.now), form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("POST %s %s: %d, want 422\n%s", tt.date, tt.clock, resp.StatusCode, resp.Body)
			}
			msg := fieldMessage(resp.Body, tt.field)
			for _, want := range tt.want {
				if !strings.Contains(msg, want) {
					t.Errorf("the message at %s is %q, want it to say %q", tt.field, msg, want)
				}
			}
			if r := f.stored(t); r.Status != appointment.StatusReceived || len(r.History) != 0 {
				t.Errorf("a refused booking changed the request: %s with %d changes", r.Status, len(r.History))
			}
			if strings.Contains(f.logs.String(), `"level":"ERROR"`) {
				t.Errorf("a refused booking logged an error:\n%s", f.logs)
			}
		})
	}
}

// TestOutsideOpeningHours: with the box ticked, the front desk books a
// time the clinic is usually closed; the page says it was done.
func TestOutsideOpeningHours(t *testing.T) {
	f := newFixture(t)
	link := f.h.Link(f.r.ID, appointment.ActionSchedule, f.now)
	page := f.do(t, http.MethodGet, link, nil)
	if !strings.Contains(page.Body, `name="outsideHours"`) {
		t.Fatalf("the schedule form has no outsideHours box:\n%s", page.Body)
	}
	form := url.Values{"date": {"2026-12-06"}, "time": {"10:00"}, "minutes": {"45"}, "outsideHours": {"on"}}
	if resp := f.do(t, http.MethodPost, link, form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a Sunday with the box ticked: %d\n%s", resp.StatusCode, resp.Body)
	}
	if r := f.stored(t); r.Status != appointment.StatusScheduled {
		t.Errorf("a Sunday with the box ticked left the request %s", r.Status)
	}
}
