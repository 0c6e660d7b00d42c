package email

import (
	"bytes"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"example.com/appointments/internal/appointment"
)

// deskInviteCase is the front desk's copy of the invitation of one
// transition.
type deskInviteCase struct {
	name        string
	request     appointment.Request
	kind        Kind
	minimal     bool
	wantSubject string
	wantMethod  string
	// wantSequence is the invitation's SEQUENCE, the patient's own.
	wantSequence string
}

func deskInviteCases(t testing.TB) []deskInviteCase {
	scheduled := scheduledRequest(t)
	moved := apply(t, scheduled, rescheduledAt, appointment.Command{Action: appointment.ActionReschedule, Booking: movedBooking(t)})
	movedCancelled := apply(t, moved, rescheduledAt.Add(time.Hour), appointment.Command{Action: appointment.ActionCancel})
	te := func(i int) Kind { return appointment.TransitionEmail(appointment.EmailDeskInvite, i) }
	return []deskInviteCase{
		{"deskinvite-booked", scheduled, te(1), false, "Booked: K7M2-Q9XD, Wednesday, December 2 at 9:30 AM", "REQUEST", "0"},
		{"deskinvite-moved", moved, te(2), false, "Moved: K7M2-Q9XD, Tuesday, March 16 at 10:00 AM", "REQUEST", "1"},
		{"deskinvite-cancelled", movedCancelled, te(3), false, "Cancelled: K7M2-Q9XD, Tuesday, March 16 at 10:00 AM", "CANCEL", "2"},
		{"deskinvite-minimal", moved, te(2), true, "Moved: K7M2-Q9XD, Tuesday, March 16 at 10:00 AM", "REQUEST", "1"},
	}
}

func (tc deskInviteCase) composer(t testing.TB) *Composer {
	s := Settings{Sender: testSender, FrontDesk: testFrontDesk, Links: testLinks}
	if tc.minimal {
		s.StaffDetail = StaffDetailMinimal
	}
	return newTestComposerWith(t, defaultProfile(t), s)
}

// TestComposeDeskInvite: the front desk's copy is as its golden files
// have it, and goes to the front desk,
// with no Reply-To; its invitation books, moves or cancels an event of its
// own (a UID apart from the patient's, the same through every change) with
// the clinic as organizer and the front desk as attendees; and in minimal
// mode neither the email nor the invitation names the patient.
func TestComposeDeskInvite(t *testing.T) {
	var uids []string
	for _, tc := range deskInviteCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.request
			m, err := tc.composer(t).Compose(tc.kind, r)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.name+".html", m.HTML)
			checkGolden(t, tc.name+".txt", m.Text)
			if m.Subject != tc.wantSubject || !slices.Equal(m.To, testFrontDesk) || m.Kind != tc.kind {
				t.Errorf("Subject %q to %q (%s), want %q to the front desk %q", m.Subject, m.To, m.Kind, tc.wantSubject, testFrontDesk)
			}
			msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
			if err != nil {
				t.Fatal(err)
			}
			if got := msg.Header.Get("Reply-To"); got != "" {
				t.Errorf("Reply-To %q, want none", got)
			}
			inline, method, attached := invitationParts(t, m.Raw)
			if method != tc.wantMethod || !bytes.Equal(inline, m.Calendar) || !bytes.Equal(attached, m.Calendar) {
				t.Errorf("text/calendar method=%q, want %s, with the invitation as composed in both parts", method, tc.wantMethod)
			}
			cal, err := ics.ParseCalendar(bytes.NewReader(m.Calendar))
			if err != nil {
				t.Fatal(err)
			}
			e := cal.Events()[0]
			if got := calendarMethod(cal); got != tc.wantMethod {
				t.Errorf("METHOD:%s, want %s", got, tc.wantMethod)
			}
			if got := e.GetProperty(ics.ComponentPropertySequence); got == nil || got.Value != tc.wantSequence {
				t.Errorf("SEQUENCE %v, want %s", got, tc.wantSequence)
			}
			uids = append(uids, e.Id())
			if got, want := e.GetProperty(ics.ComponentPropertyOrganizer).Value, "mailto:"+testSender; got != want {
				t.Errorf("ORGANIZER %q, want %q", got, want)
			}
			var attendees []string
			for _, a := range e.Attendees() {
				attendees = append(attendees, a.Email())
			}
			if !slices.Equal(attendees, testFrontDesk) {
				t.Errorf("ATTENDEEs %q, want the front desk %q", attendees, testFrontDesk)
			}
			for _, part := range []string{m.Text, m.HTML, string(m.Calendar)} {
				if !strings.Contains(part, r.Reference) {
					t.Errorf("a part does not give the reference %s", r.Reference)
				}
				for _, s := range []string{r.FirstName, r.LastName, "555-0123"} {
					if tc.minimal && strings.Contains(part, s) {
						t.Errorf("a part shows %q in minimal mode", s)
					}
				}
				if !tc.minimal && !strings.Contains(part, r.LastName) {
					t.Errorf("a part does not name the patient")
				}
				if strings.Contains(part, r.Email) {
					t.Errorf("a part shows the patient's email address")
				}
			}
		})
	}
	patient := scheduledRequest(t).ID + "@example.com"
	for _, uid := range uids {
		if uid != uids[0] || uid == patient {
			t.Errorf("UIDs %q, want one of their own, apart from the patient's %q, the same through every change", uids, patient)
			break
		}
	}
}

// TestDeskInviteFitsItsTransition: the copy is made only for a transition
// that books, moves or cancels a booking.
func TestDeskInviteFitsItsTransition(t *testing.T) {
	c := newTestComposer(t, defaultProfile(t))
	contacted := apply(t, completeRequest(), contactedAt, appointment.Command{Action: appointment.ActionContact})
	unbooked := apply(t, completeRequest(), cancelledAt, appointment.Command{Action: appointment.ActionCancel})
	for _, r := range []appointment.Request{contacted, unbooked} {
		if _, err := c.Compose(appointment.TransitionEmail(appointment.EmailDeskInvite, 0), r); err == nil {
			t.Errorf("a desk copy was made for a %s", r.History[0].Action)
		}
	}
}
