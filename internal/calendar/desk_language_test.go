package calendar

import (
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/testing/clinictest"
)

// TestDeskCopyNamesThePatientsLanguage: the front desk's copy that names
// the patient also names their language, in the clinic's, and a request
// stored without a language is in the clinic's; the copy without the
// patient's name leaves the language out too. A Spanish-speaking clinic's
// copy has its notes, and the front desk's name as its attendee, in
// Spanish.
func TestDeskCopyNamesThePatientsLanguage(t *testing.T) {
	spanishClinic := clinictest.Spanish(t)
	english := profile(t)
	tests := []struct {
		name       string
		in         Invite
		notes      []string
		notInNotes []string
		attendee   string
	}{
		{"english clinic, spanish patient", deskCopy(t, english, Request, i18n.Spanish, true),
			[]string{"Reference: ", "Patient: ", "Language: Spanish", "Clinician: Dr. Sam Lee, DPT"}, []string{"Idioma"}, "Ascent Total Performance front desk"},
		{"english clinic, request without a language", deskCopy(t, english, Request, "", true),
			[]string{"Language: English"}, nil, "Ascent Total Performance front desk"},
		{"minimal", deskCopy(t, english, Request, i18n.Spanish, false),
			[]string{"Reference: "}, []string{"Patient", "Language"}, "Ascent Total Performance front desk"},
		{"spanish clinic", deskCopy(t, spanishClinic, Cancel, i18n.English, true),
			[]string{"Esta cita está cancelada.", "Número de referencia: ", "Paciente: ", "Idioma: inglés", "Profesional: Dr. Sam Lee, DPT"},
			[]string{"cancelled", "Reference", "Patient", "Language", "Clinician"}, "Recepción de Ascent Total Performance"},
		{"spanish clinic, request without a language", deskCopy(t, spanishClinic, Request, "", true),
			[]string{"Idioma: español"}, nil, "Recepción de Ascent Total Performance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, e := build(t, tt.in)
			notes := value(t, e, ics.ComponentPropertyDescription)
			for _, s := range tt.notes {
				if !strings.Contains(notes, s) {
					t.Errorf("DESCRIPTION %q does not say %q", notes, s)
				}
			}
			for _, s := range tt.notInNotes {
				if strings.Contains(notes, s) {
					t.Errorf("DESCRIPTION %q says %q", notes, s)
				}
			}
			for _, a := range e.Attendees() {
				if cn := param(&a.IANAProperty, ics.ParameterCn); cn != tt.attendee {
					t.Errorf("attendee %s is named %q, want %q", a.Email(), cn, tt.attendee)
				}
			}
			if len(e.Attendees()) == 0 {
				t.Error("the copy has no attendee")
			}
		})
	}
}

// deskCopy is the front desk's copy of a booking at p of a request in
// lang, naming the patient or not.
func deskCopy(t *testing.T, p *clinic.Profile, m Method, lang i18n.Language, name bool) Invite {
	in := invite(t, p, m, 2026, time.November, 2, 9)
	in.Request.Language = lang
	in.Desk = &DeskCopy{Attendees: deskAddresses, PatientName: name}
	return in
}
