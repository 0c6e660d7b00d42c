package email

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
)

// TestComposeReminderCancelLink: the reminder carries the patient's
// cancel link for the request, and no other action link, in both parts.
func TestComposeReminderCancelLink(t *testing.T) {
	r := scheduledRequest(t)
	var asked []appointment.Action
	c := newTestComposerWith(t, defaultProfile(t), Settings{Sender: testSender, FrontDesk: testFrontDesk,
		Links: func(id string, a appointment.Action) string {
			if id != r.ID {
				t.Errorf("link asked for request %q, want %q", id, r.ID)
			}
			asked = append(asked, a)
			return testLinks(id, a)
		}})
	m, err := c.Compose(appointment.TransitionEmail(appointment.EmailReminder, 1), r)
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || asked[0] != appointment.ActionCancel {
		t.Fatalf("links asked for %q, want only %s", asked, appointment.ActionCancel)
	}
	if got, want := appointment.ActionCancel.Audience(), appointment.AudiencePatient; got != want {
		t.Fatalf("the cancel link's audience is %v, want the patient's", got)
	}
	cancel := testLinks(r.ID, appointment.ActionCancel)
	if !strings.Contains(m.Text, "Cancel this appointment: "+cancel+"\n") {
		t.Errorf("text part lacks the cancel link %s:\n%s", cancel, m.Text)
	}
	var got []string
	for _, a := range anchor.FindAllStringSubmatch(m.HTML, -1) {
		if strings.HasPrefix(a[1], testLinkBase) {
			got = append(got, a[1]+" "+a[2])
		}
	}
	if want := cancel + " Cancel this appointment"; len(got) != 1 || got[0] != want {
		t.Errorf("HTML action links %q, want only %q", got, want)
	}
}

// TestComposeReminderHasNoInvitation: the reminder leaves the booking
// email's invitation as it stands, so it carries none of its own: no
// calendar part and no attachment, just the text and the HTML.
func TestComposeReminderHasNoInvitation(t *testing.T) {
	c := newTestComposer(t, defaultProfile(t))
	m, err := c.Compose(appointment.TransitionEmail(appointment.EmailReminder, 1), scheduledRequest(t))
	if err != nil {
		t.Fatal(err)
	}
	if m.Calendar != nil {
		t.Errorf("the reminder carries an invitation:\n%s", m.Calendar)
	}
	for _, s := range []string{"text/calendar", "application/ics", "invite.ics", "multipart/mixed", "BEGIN:VCALENDAR"} {
		if bytes.Contains(m.Raw, []byte(s)) {
			t.Errorf("the reminder's message holds %q", s)
		}
	}
}

// TestComposeReminderStaffDetail: the reminder goes to the patient, so
// StaffEmailDetail, which is about the front desk's emails, changes
// nothing in it, as it changes nothing in the booking email.
func TestComposeReminderStaffDetail(t *testing.T) {
	for _, tc := range transitionCases(t) {
		if base, _, _ := tc.kind.Transition(); base != appointment.EmailReminder && base != appointment.EmailBooking {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			full, err := tc.composer(t).Compose(tc.kind, tc.request)
			if err != nil {
				t.Fatal(err)
			}
			s := Settings{Sender: testSender, FrontDesk: testFrontDesk, Links: testLinks, StaffDetail: StaffDetailMinimal}
			if tc.noLinks {
				s.Links = nil
			}
			minimal, err := newTestComposerWith(t, tc.profile(t), s).Compose(tc.kind, tc.request)
			if err != nil {
				t.Fatal(err)
			}
			if minimal.Subject != full.Subject || minimal.Text != full.Text || minimal.HTML != full.HTML || !bytes.Equal(minimal.Calendar, full.Calendar) {
				t.Errorf("minimal staff detail changes the patient's email:\n%s", firstDifference(minimal.Text, full.Text))
			}
			// The patient's reply still reaches the front desk.
			checkRaw(t, minimal, tc.request, []string{tc.request.Email}, tc.frontDesk)
		})
	}
}

// TestComposeReminderWhatToBring: the list comes from the profile, and a
// profile without one gives a reminder without the section.
func TestComposeReminderWhatToBring(t *testing.T) {
	kind := appointment.TransitionEmail(appointment.EmailReminder, 1)
	p := *defaultProfile(t)
	p.WhatToBring = []string{"Your running shoes", "A water bottle & <b>a towel</b>"}
	// The profile speaks English alone: a translation would need the list
	// in Spanish too.
	p.Translations = nil
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	m, err := newTestComposer(t, &p).Compose(kind, scheduledRequest(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := "WHAT TO BRING\n\n- Your running shoes\n- A water bottle & <b>a towel</b>\n"; !strings.Contains(m.Text, want) {
		t.Errorf("text part lacks %q:\n%s", want, m.Text)
	}
	for _, want := range []string{">What to bring</h2>", ">Your running shoes</li>", ">A water bottle &amp; &lt;b&gt;a towel&lt;/b&gt;</li>"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}

	p.WhatToBring = nil
	m, err = newTestComposer(t, &p).Compose(kind, scheduledRequest(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"WHAT TO BRING", "What to bring", "<ul", "<li"} {
		if strings.Contains(m.Text, s) || strings.Contains(m.HTML, s) {
			t.Errorf("without a list, the reminder says %q", s)
		}
	}
}

// TestComposeReminderOnlyOfABooking: a reminder is of the booking a
// schedule or a reschedule made; for any other transition it is refused,
// with an error that says nothing of the patient.
func TestComposeReminderOnlyOfABooking(t *testing.T) {
	c := newTestComposer(t, defaultProfile(t))
	scheduled := scheduledRequest(t)
	moved := apply(t, scheduled, rescheduledAt, appointment.Command{Action: appointment.ActionReschedule, Booking: movedBooking(t)})
	cancelled := apply(t, scheduled, cancelledAt, appointment.Command{Action: appointment.ActionCancel})
	byClinic := apply(t, scheduled, cancelledAt, appointment.Command{Action: appointment.ActionCancelBooking, Message: "Dr. Patel is ill."})
	attended := apply(t, scheduled, time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC), appointment.Command{Action: appointment.ActionAttended})
	declined := apply(t, apply(t, completeRequest(), contactedAt, appointment.Command{Action: appointment.ActionContact}), scheduledAt,
		appointment.Command{Action: appointment.ActionDecline})
	tests := []struct {
		name  string
		r     appointment.Request
		index int
		ok    bool
	}{
		{"schedule", scheduled, 1, true},
		{"reschedule", moved, 2, true},
		{"contact", scheduled, 0, false},
		{"cancel by the patient", cancelled, 2, false},
		{"cancel by the clinic", byClinic, 2, false},
		{"attended", attended, 2, false},
		{"decline", declined, 1, false},
		{"past the history", scheduled, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := c.Compose(appointment.TransitionEmail(appointment.EmailReminder, tt.index), tt.r)
			if got := err == nil; got != tt.ok {
				t.Fatalf("Compose error = %v, want success %v", err, tt.ok)
			}
			if err != nil {
				checkNoPatientDetails(t, err, tt.r)
				return
			}
			if want := tt.r.History[tt.index].Booking.Start.In(denver(t)).Format(dayLayout); !strings.Contains(m.Text, want) {
				t.Errorf("the reminder is not of the booking of transition %d, on %s", tt.index, want)
			}
		})
	}
}

// TestDefaultProfileWhatToBring: the default clinic's reminder lists the
// profile's things to bring, word for word.
func TestDefaultProfileWhatToBring(t *testing.T) {
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := newTestComposer(t, p).Compose(appointment.TransitionEmail(appointment.EmailReminder, 1), scheduledRequest(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.WhatToBring {
		if !strings.Contains(m.Text, "\n- "+s+"\n") || !strings.Contains(m.HTML, htmlEscape(s)+"</li>") {
			t.Errorf("the reminder does not list %q", s)
		}
	}
}
