package calendar

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

var deskAddresses = []string{"frontdesk@example.com", "manager@example.com"}

// TestDeskCopy: the front desk's copy of an invitation has a UID of its
// own, distinct from the patient's and the same through a reschedule and
// the cancel, with a higher SEQUENCE each time; the clinic organizes it
// and the front desk attends, never the patient; and with minimal staff
// detail it carries the reference and no patient's name.
func TestDeskCopy(t *testing.T) {
	p := profile(t)
	patient := invite(t, p, Request, 2026, time.November, 2, 9)
	_, _, patientEvent := build(t, patient)

	for _, withName := range []bool{true, false} {
		booked := patient
		booked.Desk = &DeskCopy{Attendees: deskAddresses, PatientName: withName}
		moved := booked
		moved.Booking.Start = moved.Booking.Start.Add(24 * time.Hour)
		moved.Booking.Sequence = 1
		cancelled := moved
		cancelled.Method = Cancel
		cancelled.Booking.Sequence = 2

		var uids []string
		for i, in := range []Invite{booked, moved, cancelled} {
			data, cal, e := build(t, in)
			uids = append(uids, e.Id())
			if got, want := calendarProperty(cal, ics.PropertyMethod), string(in.Method); got != want {
				t.Errorf("copy %d: METHOD = %q, want %q", i, got, want)
			}
			if got, want := value(t, e, ics.ComponentPropertySequence), []string{"0", "1", "2"}[i]; got != want {
				t.Errorf("copy %d: SEQUENCE = %q, want %q", i, got, want)
			}
			if got := value(t, e, ics.ComponentPropertyOrganizer); got != "mailto:"+organizer {
				t.Errorf("copy %d: ORGANIZER = %q", i, got)
			}
			var attendees []string
			for _, a := range e.Attendees() {
				attendees = append(attendees, a.Email())
			}
			if !slices.Equal(attendees, deskAddresses) {
				t.Errorf("copy %d: attendees %q, want the front desk %q", i, attendees, deskAddresses)
			}
			summary := value(t, e, ics.ComponentPropertySummary)
			if !strings.Contains(summary, patient.Request.Reference) || !strings.Contains(value(t, e, ics.ComponentPropertyDescription), "Reference: "+patient.Request.Reference) {
				t.Errorf("copy %d: SUMMARY %q or DESCRIPTION lacks the reference", i, summary)
			}
			for _, s := range []string{patient.Request.Email, patient.Booking.Note[:10]} {
				if bytes.Contains(data, []byte(s)) {
					t.Errorf("copy %d carries %q, which is the patient's", i, s)
				}
			}
			if got := bytes.Contains(data, []byte(patient.Request.LastName)); got != withName {
				t.Errorf("copy %d (names the patient: %v) shows the last name: %v\n%s", i, withName, got, data)
			}
		}
		if uids[0] != uids[1] || uids[1] != uids[2] {
			t.Errorf("the copy's UID changes: %q", uids)
		}
		if uids[0] == patientEvent.Id() || !strings.HasSuffix(uids[0], organizer[strings.IndexByte(organizer, '@'):]) {
			t.Errorf("the copy's UID %q, want one of its own beside the patient's %q, in the organizer's domain", uids[0], patientEvent.Id())
		}
	}
}

// TestDeskCopyErrors: a copy needs a front desk to attend it, each at an
// address SES sends to.
func TestDeskCopyErrors(t *testing.T) {
	p := profile(t)
	for _, attendees := range [][]string{nil, {"not an address"}} {
		in := invite(t, p, Request, 2026, time.November, 2, 9)
		in.Desk = &DeskCopy{Attendees: attendees}
		if _, err := Build(in); err == nil {
			t.Errorf("Build(desk copy for %q) succeeded", attendees)
		}
	}
}
