package manage

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"example.com/appointments/internal/appointment"
)

// TestDeskFieldsAreOneLine: the clinician's name is one line. A line
// break of any kind, the line and paragraph separators included, is
// refused at the field; the note, which may span lines, keeps its breaks.
func TestDeskFieldsAreOneLine(t *testing.T) {
	for name, clinician := range map[string]string{
		"line feed":           "Dr. Kim\nBook now at example.com",
		"carriage return":     "Dr. Kim\rBook now",
		"line separator":      "Dr. Kim\u2028Book now",
		"paragraph separator": "Dr. Kim\u2029Book now",
		"next line":           "Dr. Kim\u0085Book now",
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			form := url.Values{"date": {"2026-12-01"}, "time": {"09:30"}, "minutes": {"45"}, "clinician": {clinician}}
			resp := f.do(t, http.MethodPost, f.h.Link(f.r.ID, appointment.ActionSchedule, f.now), form)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(fieldMessage(resp.Body, "clinician"), "one line") {
				t.Errorf("clinician %q: %d, message %q", clinician, resp.StatusCode, fieldMessage(resp.Body, "clinician"))
			}
			if r := f.stored(t); len(r.History) != 0 {
				t.Errorf("a refused clinician was booked")
			}
		})
	}
	f := newFixture(t)
	form := url.Values{"date": {"2026-12-01"}, "time": {"09:30"}, "minutes": {"45"}, "clinician": {"Dr. Kim"}, "note": {"Wear shorts.\r\nBring water."}}
	if resp := f.do(t, http.MethodPost, f.h.Link(f.r.ID, appointment.ActionSchedule, f.now), form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a note of two lines: %d\n%s", resp.StatusCode, resp.Body)
	}
	if r := f.stored(t); r.Booking == nil || r.Booking.Note != "Wear shorts.\nBring water." {
		t.Errorf("booking = %+v, want the note's two lines", r.Booking)
	}
}

// TestRepeatedDeskFieldsAreRefused: a field given twice is refused at the
// field, whether or not the values agree, as the API refuses a repeated
// field; nothing is guessed and nothing changes.
func TestRepeatedDeskFieldsAreRefused(t *testing.T) {
	base := url.Values{"date": {"2026-12-01"}, "time": {"09:30"}, "minutes": {"45"}, "clinician": {"Dr. Kim"}, "note": {"Wear shorts."}}
	tests := []struct {
		action appointment.Action
		field  string
		values []string
	}{
		{appointment.ActionSchedule, "date", []string{"2026-12-01", "2026-12-02"}},
		{appointment.ActionSchedule, "time", []string{"09:30", "09:30"}},
		{appointment.ActionSchedule, "minutes", []string{"45", "60"}},
		{appointment.ActionSchedule, "clinician", []string{"Dr. Kim", "Dr. Lee"}},
		{appointment.ActionSchedule, "note", []string{"Wear shorts.", ""}},
		{appointment.ActionSchedule, "outsideHours", []string{"on", "on"}},
		{appointment.ActionDecline, "message", []string{"We are full.", "We are full."}},
	}
	for _, tt := range tests {
		t.Run(string(tt.action)+" "+tt.field, func(t *testing.T) {
			f := newFixture(t)
			form := url.Values{}
			if tt.action == appointment.ActionSchedule {
				for k, v := range base {
					form[k] = v
				}
			}
			form[tt.field] = tt.values
			resp := f.do(t, http.MethodPost, f.h.Link(f.r.ID, tt.action, f.now), form)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "more than once") {
				t.Errorf("%s given twice: %d\n%s", tt.field, resp.StatusCode, resp.Body)
			}
			if r := f.stored(t); len(r.History) != 0 {
				t.Errorf("a form with %s given twice changed the request", tt.field)
			}
		})
	}
}
