package calendar

import (
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"example.com/appointments/internal/i18n"
)

// TestPatientCopyInTheirLanguage: the patient's invitation is in the
// request's language, its title, its notes and the service's name; the
// front desk's copy of the same booking stays in the clinic's.
func TestPatientCopyInTheirLanguage(t *testing.T) {
	p := profile(t)
	in := invite(t, p, Request, 2026, time.November, 2, 9)
	in.Request.Language = i18n.Spanish
	spanishService := p.In(i18n.Spanish).Services[0].Label
	if spanishService == p.Services[0].Label {
		t.Fatalf("the profile's first service has no Spanish name of its own")
	}

	cancelled := in
	cancelled.Method = Cancel
	cancelled.Booking.Sequence = 1
	desk := in
	desk.Desk = &DeskCopy{Attendees: deskAddresses}
	tests := []struct {
		name        string
		in          Invite
		summary     string
		description []string
		notInNotes  []string
	}{
		{"patient", in, spanishService + " en " + p.Name,
			[]string{"Número de referencia: " + in.Request.Reference, "Profesional: Dr. Sam Lee, DPT", "Nota: Bring your running shoes", "Para cambiar o cancelar la cita, llame a " + p.Name + " al " + p.Phone + "."},
			[]string{"Reference:", "Clinician:", "To change"}},
		{"patient cancelled", cancelled, spanishService + " en " + p.Name,
			[]string{"Esta cita está cancelada.", "Número de referencia: "},
			[]string{"This appointment is cancelled."}},
		{"front desk", desk, in.Request.Reference + ": " + p.Services[0].Label,
			[]string{"Reference: " + in.Request.Reference, "Clinician: Dr. Sam Lee, DPT"},
			[]string{"Número", "Profesional"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, e := build(t, tt.in)
			if got := value(t, e, ics.ComponentPropertySummary); got != tt.summary {
				t.Errorf("SUMMARY = %q, want %q", got, tt.summary)
			}
			notes := value(t, e, ics.ComponentPropertyDescription)
			for _, s := range tt.description {
				if !strings.Contains(notes, s) {
					t.Errorf("DESCRIPTION %q does not say %q", notes, s)
				}
			}
			for _, s := range tt.notInNotes {
				if strings.Contains(notes, s) {
					t.Errorf("DESCRIPTION %q says %q", notes, s)
				}
			}
		})
	}

	// The Language field overrides the request's, as the email composer
	// sets it; a request without one is in the clinic's.
	english := in
	english.Language = i18n.English
	_, _, e := build(t, english)
	if got, want := value(t, e, ics.ComponentPropertySummary), p.Services[0].Label+" at "+p.Name; got != want {
		t.Errorf("with Language en, SUMMARY = %q, want %q", got, want)
	}
}
