package email

import (
	"bytes"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"

	"example.com/appointments/internal/i18n"
)

func denver(t testing.TB) *time.Location {
	t.Helper()
	z, err := time.LoadLocation("America/Denver")
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// apply takes the action on r as its audience would, at the given time.
func apply(t testing.TB, r appointment.Request, at time.Time, c appointment.Command) appointment.Request {
	t.Helper()
	c.Audience = c.Action.Audience()
	r, _, err := r.Apply(c, at)
	if err != nil {
		t.Fatalf("%s: %v", c.Action, err)
	}
	return r
}

// The times the front desk and the patients act in the tests, all after
// the requests arrived, and the bookings they make.
var (
	contactedAt   = time.Date(2026, 11, 27, 17, 0, 0, 0, time.UTC)
	scheduledAt   = time.Date(2026, 11, 27, 17, 10, 0, 0, time.UTC)
	cancelledAt   = time.Date(2026, 11, 28, 16, 0, 0, 0, time.UTC)
	rescheduledAt = time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
)

// firstBooking is on a winter morning, MST.
func firstBooking(t testing.TB) *appointment.Booking {
	return &appointment.Booking{
		Start:     time.Date(2026, 12, 2, 9, 30, 0, 0, denver(t)),
		Length:    30 * time.Minute,
		Clinician: "Dr. Sam Patel, DPT",
		Note:      "Please arrive 10 minutes early to fill in the intake form.\r\n\r\nWear shorts <b>& \"a T-shirt\"</b>.",
	}
}

// movedBooking is after the clocks go forward, MDT.
func movedBooking(t testing.TB) *appointment.Booking {
	return &appointment.Booking{
		Start:     time.Date(2027, 3, 16, 10, 0, 0, 0, denver(t)),
		Length:    90 * time.Minute,
		Clinician: "Dr. Sam Patel, DPT",
	}
}

// scheduledRequest is the complete request, contacted and then booked.
func scheduledRequest(t testing.TB) appointment.Request {
	r := apply(t, completeRequest(), contactedAt, appointment.Command{Action: appointment.ActionContact})
	return apply(t, r, scheduledAt, appointment.Command{Action: appointment.ActionSchedule, Booking: firstBooking(t)})
}

// transitionCase is a request taken through its lifecycle, and the email
// of one of its transitions.
type transitionCase struct {
	name    string
	profile func(testing.TB) *clinic.Profile
	request appointment.Request
	kind    Kind
	// toPatient says the email goes to the patient, with the front desk
	// as Reply-To; else the other way round.
	toPatient   bool
	frontDesk   []string
	wantSubject string
	// wantSequence is the invitation's SEQUENCE, for the emails with one.
	wantSequence int
	noLinks      bool
}

func transitionCases(t testing.TB) []transitionCase {
	north := []string{"north@example.com"}
	scheduled := scheduledRequest(t)
	moved := apply(t, scheduled, rescheduledAt, appointment.Command{Action: appointment.ActionReschedule, Booking: movedBooking(t)})
	cancelled := apply(t, scheduled, cancelledAt, appointment.Command{Action: appointment.ActionCancel})
	// The front desk cancels, with a message typed on two lines.
	clinicCancelled := apply(t, scheduled, cancelledAt, appointment.Command{Action: appointment.ActionCancelBooking, Audience: appointment.AudienceFrontDesk,
		Message: "Dr. Patel is ill that day.\r\nCall us to book <b>another time</b> & \"we will fit you in\"."})
	movedCancelled := apply(t, moved, rescheduledAt.Add(time.Hour), appointment.Command{Action: appointment.ActionCancel})
	declined := apply(t, apply(t, completeRequest(), contactedAt, appointment.Command{Action: appointment.ActionContact}), scheduledAt, appointment.Command{
		Action:  appointment.ActionDecline,
		Message: "We only offer dry needling after an evaluation.\r\nPlease book an evaluation first: <b>it takes an hour</b> & \"costs less\".",
	})

	minimalScheduled := apply(t, minimalRequest(), scheduledAt, appointment.Command{Action: appointment.ActionSchedule, Booking: &appointment.Booking{
		Start: time.Date(2026, 12, 1, 8, 0, 0, 0, denver(t)), Length: time.Hour,
	}})
	minimalDeclined := apply(t, minimalRequest(), scheduledAt, appointment.Command{Action: appointment.ActionDecline})
	minimalCancelled := apply(t, minimalRequest(), cancelledAt, appointment.Command{Action: appointment.ActionCancel})
	notANameScheduled := apply(t, notANameRequest(), time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC), appointment.Command{Action: appointment.ActionSchedule, Booking: &appointment.Booking{
		Start: time.Date(2026, 12, 3, 16, 15, 0, 0, denver(t)), Length: time.Hour,
	}})
	northScheduled := apply(t, northRequest(), time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC), appointment.Command{Action: appointment.ActionSchedule, Booking: &appointment.Booking{
		Start: time.Date(2026, 12, 5, 10, 0, 0, 0, denver(t)), Length: 45 * time.Minute, Clinician: "Dr. Zoë Ålund, DPT",
	}})
	northCancelled := apply(t, northScheduled, time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC), appointment.Command{Action: appointment.ActionCancel})

	booking, declinedKind, cancelledKind, notice := appointment.EmailBooking, appointment.EmailDeclined, appointment.EmailCancelled, appointment.EmailCancelNotice
	reminder := appointment.EmailReminder
	te := appointment.TransitionEmail
	return []transitionCase{
		{"booking-complete", defaultProfile, scheduled, te(booking, 1), true, testFrontDesk, "Your appointment is booked: Wednesday, December 2 at 9:30 AM", 0, false},
		{"booking-moved", defaultProfile, moved, te(booking, 2), true, testFrontDesk, "Your appointment has moved: Tuesday, March 16 at 10:00 AM", 1, false},
		{"booking-minimal", defaultProfile, minimalScheduled, te(booking, 0), true, testFrontDesk, "Your appointment is booked: Tuesday, December 1 at 8:00 AM", 0, false},
		{"booking-not-a-name", defaultProfile, notANameScheduled, te(booking, 0), true, testFrontDesk, "Your appointment is booked: Thursday, December 3 at 4:15 PM", 0, false},
		{"booking-location-es", twoSiteProfile, northScheduled, te(booking, 0), true, north, "Su cita está confirmada: sábado, 5 de diciembre, 10:00 a. m.", 0, false},
		{"booking-no-links", defaultProfile, scheduled, te(booking, 1), true, testFrontDesk, "Your appointment is booked: Wednesday, December 2 at 9:30 AM", 0, true},
		{"reminder-complete", defaultProfile, scheduled, te(reminder, 1), true, testFrontDesk, "Reminder: your appointment on Wednesday, December 2 at 9:30 AM", 0, false},
		{"reminder-moved", defaultProfile, moved, te(reminder, 2), true, testFrontDesk, "Reminder: your appointment on Tuesday, March 16 at 10:00 AM", 0, false},
		{"reminder-minimal", defaultProfile, minimalScheduled, te(reminder, 0), true, testFrontDesk, "Reminder: your appointment on Tuesday, December 1 at 8:00 AM", 0, false},
		{"reminder-not-a-name", defaultProfile, notANameScheduled, te(reminder, 0), true, testFrontDesk, "Reminder: your appointment on Thursday, December 3 at 4:15 PM", 0, false},
		{"reminder-location-es", twoSiteProfile, northScheduled, te(reminder, 0), true, north, "Recordatorio: su cita del sábado, 5 de diciembre, 10:00 a. m.", 0, false},
		{"reminder-no-links", defaultProfile, scheduled, te(reminder, 1), true, testFrontDesk, "Reminder: your appointment on Wednesday, December 2 at 9:30 AM", 0, true},
		{"declined-complete", defaultProfile, declined, te(declinedKind, 1), true, testFrontDesk, "About your appointment request K7M2-Q9XD", 0, false},
		{"declined-minimal", defaultProfile, minimalDeclined, te(declinedKind, 0), true, testFrontDesk, "About your appointment request A2B3-C4D5", 0, false},
		{"cancelled-complete", defaultProfile, cancelled, te(cancelledKind, 2), true, testFrontDesk, "Your appointment on Wednesday, December 2 is cancelled", 1, false},
		{"cancelled-moved", defaultProfile, movedCancelled, te(cancelledKind, 3), true, testFrontDesk, "Your appointment on Tuesday, March 16 is cancelled", 2, false},
		{"cancelled-by-clinic", defaultProfile, clinicCancelled, te(cancelledKind, 2), true, testFrontDesk, "Your appointment on Wednesday, December 2 is cancelled", 1, false},
		{"cancelled-location-es", twoSiteProfile, northCancelled, te(cancelledKind, 1), true, north, "Se canceló su cita del sábado, 5 de diciembre", 1, false},
		{"cancelnotice-complete", defaultProfile, cancelled, te(notice, 2), false, testFrontDesk, "Cancelled by the patient: K7M2-Q9XD, Dry needling", 0, false},
		{"cancelnotice-minimal", defaultProfile, minimalCancelled, te(notice, 0), false, testFrontDesk, "Cancelled by the patient: A2B3-C4D5, Physical therapy evaluation", 0, false},
		{"cancelnotice-location-es", twoSiteProfile, northCancelled, te(notice, 1), false, north, "Cancelled by the patient: M3N4-P5Q6, Sports performance", 0, false},

		// Every patient email of the requests above, sent in Spanish.
		{"booking-complete-es", defaultProfile, spanish(scheduled), te(booking, 1), true, testFrontDesk, "Su cita está confirmada: miércoles, 2 de diciembre, 9:30 a. m.", 0, false},
		{"booking-moved-es", defaultProfile, spanish(moved), te(booking, 2), true, testFrontDesk, "Su cita cambió de horario: martes, 16 de marzo, 10:00 a. m.", 1, false},
		{"booking-minimal-es", defaultProfile, spanish(minimalScheduled), te(booking, 0), true, testFrontDesk, "Su cita está confirmada: martes, 1 de diciembre, 8:00 a. m.", 0, false},
		{"booking-not-a-name-es", defaultProfile, spanish(notANameScheduled), te(booking, 0), true, testFrontDesk, "Su cita está confirmada: jueves, 3 de diciembre, 4:15 p. m.", 0, false},
		{"booking-no-links-es", defaultProfile, spanish(scheduled), te(booking, 1), true, testFrontDesk, "Su cita está confirmada: miércoles, 2 de diciembre, 9:30 a. m.", 0, true},
		{"reminder-complete-es", defaultProfile, spanish(scheduled), te(reminder, 1), true, testFrontDesk, "Recordatorio: su cita del miércoles, 2 de diciembre, 9:30 a. m.", 0, false},
		{"reminder-moved-es", defaultProfile, spanish(moved), te(reminder, 2), true, testFrontDesk, "Recordatorio: su cita del martes, 16 de marzo, 10:00 a. m.", 0, false},
		{"reminder-minimal-es", defaultProfile, spanish(minimalScheduled), te(reminder, 0), true, testFrontDesk, "Recordatorio: su cita del martes, 1 de diciembre, 8:00 a. m.", 0, false},
		{"reminder-no-links-es", defaultProfile, spanish(scheduled), te(reminder, 1), true, testFrontDesk, "Recordatorio: su cita del miércoles, 2 de diciembre, 9:30 a. m.", 0, true},
		{"declined-complete-es", defaultProfile, spanish(declined), te(declinedKind, 1), true, testFrontDesk, "Sobre su solicitud de cita K7M2-Q9XD", 0, false},
		{"declined-minimal-es", defaultProfile, spanish(minimalDeclined), te(declinedKind, 0), true, testFrontDesk, "Sobre su solicitud de cita A2B3-C4D5", 0, false},
		{"cancelled-complete-es", defaultProfile, spanish(cancelled), te(cancelledKind, 2), true, testFrontDesk, "Se canceló su cita del miércoles, 2 de diciembre", 1, false},
		{"cancelled-moved-es", defaultProfile, spanish(movedCancelled), te(cancelledKind, 3), true, testFrontDesk, "Se canceló su cita del martes, 16 de marzo", 2, false},
		{"cancelled-by-clinic-es", defaultProfile, spanish(clinicCancelled), te(cancelledKind, 2), true, testFrontDesk, "Se canceló su cita del miércoles, 2 de diciembre", 1, false},
		{"cancelnotice-complete-es", defaultProfile, spanish(cancelled), te(notice, 2), false, testFrontDesk, "Cancelled by the patient: K7M2-Q9XD, Dry needling", 0, false},
	}
}

func (tc transitionCase) composer(t testing.TB) *Composer {
	t.Helper()
	s := Settings{Sender: testSender, FrontDesk: testFrontDesk, Links: testLinks}
	if tc.noLinks {
		s.Links = nil
	}
	return newTestComposerWith(t, tc.profile(t), s)
}

func TestComposeTransitionGolden(t *testing.T) {
	for _, tc := range transitionCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			msg, err := tc.composer(t).Compose(tc.kind, tc.request)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.name+".html", msg.HTML)
			checkGolden(t, tc.name+".txt", msg.Text)
		})
	}
}

func TestComposeTransitionMessage(t *testing.T) {
	for _, tc := range transitionCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.request
			m, err := tc.composer(t).Compose(tc.kind, r)
			if err != nil {
				t.Fatal(err)
			}
			to, replyTo := []string{r.Email}, tc.frontDesk
			if !tc.toPatient {
				to, replyTo = replyTo, to
			}
			if !slices.Equal(m.To, to) {
				t.Errorf("To = %q, want %q", m.To, to)
			}
			if m.Subject != tc.wantSubject {
				t.Errorf("Subject = %q, want %q", m.Subject, tc.wantSubject)
			}
			if m.Kind != tc.kind {
				t.Errorf("Kind = %q, want %q", m.Kind, tc.kind)
			}
			if m.From != testSender {
				t.Errorf("From = %q, want %q", m.From, testSender)
			}
			if !strings.Contains(m.Text, r.Reference) || !strings.Contains(m.HTML, r.Reference) {
				t.Errorf("the email does not give the reference %s", r.Reference)
			}
			base, _, _ := tc.kind.Transition()
			wantCalendar := base == appointment.EmailBooking || base == appointment.EmailCancelled
			if (m.Calendar != nil) != wantCalendar {
				t.Errorf("Calendar attached: %v, want %v", m.Calendar != nil, wantCalendar)
			}
			if tc.toPatient {
				// The patient reads nothing of what they typed but a first
				// name that looks like one.
				for _, s := range append(strings.Split(r.Reason, "\n"), r.LastName, r.Phone) {
					if s != "" && (strings.Contains(m.Text, s) || strings.Contains(m.HTML, htmlEscape(s))) {
						t.Errorf("patient email contains %q", s)
					}
				}
				phone := "(303) 555-0187"
				if !strings.Contains(m.Text, phone) || !strings.Contains(m.HTML, phone) {
					t.Errorf("patient email does not give the clinic's phone %s", phone)
				}
			} else {
				for _, s := range []string{r.FirstName, r.LastName} {
					if !strings.Contains(m.Text, s) {
						t.Errorf("front-desk notice does not name the patient: no %q", s)
					}
				}
			}
			checkRaw(t, m, r, to, replyTo)
		})
	}
}

// TestComposeBookingWords checks the sentences that depend on the
// transition: the time in the clinic's zone with its abbreviation, the
// front desk's words as written and escaped, and the time a cancel frees.
func TestComposeBookingWords(t *testing.T) {
	cases := map[string]transitionCase{}
	for _, tc := range transitionCases(t) {
		cases[tc.name] = tc
	}
	tests := []struct {
		name       string
		text, html []string
		notText    []string
	}{
		{"booking-complete",
			[]string{"Hi Jordan,", "Wednesday, December 2, 2026\n9:30 AM MST\n", "Length: 30 minutes", "Clinician: Dr. Sam Patel, DPT",
				"A note from our front desk:\n  Please arrive 10 minutes early to fill in the intake form.\n\n  Wear shorts <b>& \"a T-shirt\"</b>.\n",
				"Need to cancel? Cancel this appointment: " + testLinkBase + "cancel/TOKEN-req1\n", "call us at (303) 555-0187"},
			[]string{"intake form.<br><br>Wear shorts &lt;b&gt;&amp; &#34;a T-shirt&#34;&lt;/b&gt;.", `href="` + testLinkBase + `cancel/TOKEN-req1"`},
			[]string{"Previously"}},
		{"booking-moved",
			[]string{"Your appointment has moved\n", "Tuesday, March 16, 2027\n10:00 AM MDT\n", "Length: 1 hour 30 minutes", "Previously: Wednesday, December 2, 2026 at 9:30 AM MST"},
			[]string{"<h1 style=\"margin:0 0 16px;font-family:Arial,Helvetica,sans-serif;font-size:24px;line-height:1.25;font-weight:bold;\">Your appointment has moved</h1>"},
			[]string{"A note from our front desk"}},
		{"booking-not-a-name", []string{"Hello,\n"}, nil, nil},
		{"booking-no-links", []string{"To change or cancel your appointment, call us at (303) 555-0187"}, nil, []string{"Need to cancel?", "TOKEN"}},
		{"reminder-complete",
			[]string{"Hi Jordan,", "A reminder of your appointment\n", "This is a reminder of your upcoming appointment with Ascent Total Performance.",
				"Wednesday, December 2, 2026\n9:30 AM MST\n", "Length: 30 minutes", "Clinician: Dr. Sam Patel, DPT", "Service: Dry needling",
				"Location: Ascent Total Performance, 1200 Example Avenue, Suite 100, Boulder, CO 80302",
				"A note from our front desk:\n  Please arrive 10 minutes early to fill in the intake form.\n\n  Wear shorts <b>& \"a T-shirt\"</b>.\n",
				"WHAT TO BRING\n\n- Comfortable clothes you can move in\n- A photo ID and your insurance card\n",
				"Need to cancel? Cancel this appointment: " + testLinkBase + "cancel/TOKEN-req1\n", "To change the time, call us at (303) 555-0187", "Reference: K7M2-Q9XD"},
			[]string{"intake form.<br><br>Wear shorts &lt;b&gt;&amp; &#34;a T-shirt&#34;&lt;/b&gt;.", `href="` + testLinkBase + `cancel/TOKEN-req1"`,
				"<li style=\"margin:0 0 4px;\">A list of the medications you take</li>"},
			[]string{"Previously", "has moved", "is booked", "invitation", "WHAT TO EXPECT", "not for emergencies"}},
		{"reminder-moved",
			[]string{"Tuesday, March 16, 2027\n10:00 AM MDT\n", "Length: 1 hour 30 minutes"},
			nil,
			[]string{"Previously", "December 2", "A note from our front desk"}},
		{"reminder-minimal", []string{"Hi Ana,", "Tuesday, December 1, 2026\n8:00 AM MST\n", "Length: 1 hour"}, nil, []string{"Clinician", "A note from our front desk"}},
		{"reminder-not-a-name", []string{"Hello,\n"}, nil, []string{"J0rdan"}},
		{"reminder-location-es", []string{"Hola, Zoë O'Brien-Šimić:", "Profesional: Dr. Zoë Ålund, DPT", "Sede: Ascent Total Performance North, 400 Sample Road, Longmont, CO 80501"}, nil, nil},
		{"reminder-no-links", []string{"To change or cancel your appointment, call us at (303) 555-0187"}, nil, []string{"Need to cancel?", "TOKEN"}},
		{"declined-complete",
			[]string{"We are sorry we cannot offer you an appointment for this request.", "A message from our front desk:\n  We only offer dry needling after an evaluation.\n  Please book an evaluation first: <b>it takes an hour</b> & \"costs less\".\n",
				"Call us at (303) 555-0187 and we will help you find the right care."},
			[]string{"evaluation.<br>Please book an evaluation first: &lt;b&gt;it takes an hour&lt;/b&gt; &amp; &#34;costs less&#34;.", `Call us at <a class="link" href="tel:&#43;13035550187"`},
			nil},
		{"declined-minimal", []string{"Hi Ana,"}, nil, []string{"A message from our front desk"}},
		{"cancelled-complete", []string{"Cancelled appointment: Wednesday, December 2, 2026 at 9:30 AM MST", "send a new request on our website, https://www.example.com."}, nil, []string{"TOKEN"}},
		{"cancelnotice-complete", []string{"Jordan Rivera\nPhone: (303) 555-0123\n", "The appointment on Wednesday, December 2, 2026 at 9:30 AM MST is now free.", "Cancelled: Saturday, November 28, 2026 at 9:00 AM MST"}, nil, []string{"TOKEN"}},
		{"cancelnotice-minimal", []string{"Nothing was booked for this request yet."}, nil, []string{"is now free"}},
		{"cancelnotice-location-es", []string{"Phone: (720) 555-0142 ext. 204", "The appointment on Saturday, December 5, 2026 at 10:00 AM MST is now free."}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := cases[tt.name]
			m, err := tc.composer(t).Compose(tc.kind, tc.request)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.text {
				if !strings.Contains(m.Text, s) {
					t.Errorf("text does not say %q", s)
				}
			}
			for _, s := range tt.html {
				if !strings.Contains(m.HTML, s) {
					t.Errorf("HTML does not say %q", s)
				}
			}
			for _, s := range tt.notText {
				if strings.Contains(m.Text, s) || strings.Contains(m.HTML, s) {
					t.Errorf("the email says %q", s)
				}
			}
		})
	}
}

// invitationParts walks the message as a mail client does and returns the
// body of the inline text/calendar part, its method parameter, and the
// body of the invite.ics attachment.
func invitationParts(t *testing.T, raw []byte) (inline []byte, method string, attached []byte) {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if mt, _, _ := e.Header.ContentType(); mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q, want multipart/mixed", mt)
	}
	var inlines, attachments int
	err = e.Walk(func(path []int, part *message.Entity, err error) error {
		if err != nil {
			return err
		}
		mt, params, _ := part.Header.ContentType()
		switch mt {
		case "text/calendar":
			inlines++
			if len(path) != 2 || path[0] != 0 {
				t.Errorf("text/calendar part at %v, want inside the alternative body", path)
			}
			method = params["method"]
			inline, err = io.ReadAll(part.Body)
		case "application/ics":
			attachments++
			h := mail.AttachmentHeader{Header: part.Header}
			if name, _ := h.Filename(); name != "invite.ics" {
				t.Errorf("attachment named %q, want invite.ics", name)
			}
			if !slices.Equal(path, []int{1}) {
				t.Errorf("attachment at %v, want after the body", path)
			}
			attached, err = io.ReadAll(part.Body)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if inlines != 1 || attachments != 1 {
		t.Fatalf("%d text/calendar parts and %d attachments, want one of each", inlines, attachments)
	}
	return inline, method, attached
}

func calendarMethod(cal *ics.Calendar) string {
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == string(ics.PropertyMethod) {
			return p.Value
		}
	}
	return ""
}

// TestComposeInvitation reads the invitation back out of the message and
// checks that it books, moves or cancels the one event, at the clinic's
// wall time in its zone.
func TestComposeInvitation(t *testing.T) {
	for _, tc := range transitionCases(t) {
		base, index, _ := tc.kind.Transition()
		var wantMethod string
		switch base {
		case appointment.EmailBooking:
			wantMethod = "REQUEST"
		case appointment.EmailCancelled:
			wantMethod = "CANCEL"
		default:
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			m, err := tc.composer(t).Compose(tc.kind, tc.request)
			if err != nil {
				t.Fatal(err)
			}
			inline, method, attached := invitationParts(t, m.Raw)
			if method != wantMethod {
				t.Errorf("text/calendar method=%q, want %s", method, wantMethod)
			}
			if !bytes.Equal(inline, m.Calendar) || !bytes.Equal(attached, m.Calendar) {
				t.Errorf("the parts do not carry the invitation as composed")
			}
			cal, err := ics.ParseCalendar(bytes.NewReader(inline))
			if err != nil {
				t.Fatalf("ParseCalendar: %v\n%s", err, inline)
			}
			if got := calendarMethod(cal); got != wantMethod {
				t.Errorf("METHOD:%s, want %s", got, wantMethod)
			}
			events := cal.Events()
			if len(events) != 1 {
				t.Fatalf("%d events, want 1", len(events))
			}
			e := events[0]
			if got := e.GetProperty(ics.ComponentPropertySequence); got == nil || got.Value != strconv.Itoa(tc.wantSequence) {
				t.Errorf("SEQUENCE %v, want %d", got, tc.wantSequence)
			}
			if got, want := e.Id(), tc.request.ID+"@example.com"; got != want {
				t.Errorf("UID %q, want %q, the same through every change", got, want)
			}
			b := tc.request.History[index].Booking
			start := e.GetProperty(ics.ComponentPropertyDtStart)
			if start == nil {
				t.Fatal("no DTSTART")
			}
			if got := strings.Join(start.ICalParameters[string(ics.ParameterTzid)], ","); got != "America/Denver" {
				t.Errorf("DTSTART TZID=%q, want America/Denver", got)
			}
			if got, want := start.Value, b.Start.In(denver(t)).Format("20060102T150405"); got != want {
				t.Errorf("DTSTART %s, want the clinic's wall time %s", got, want)
			}
			if got := e.GetProperty(ics.ComponentPropertyDtstamp); got == nil || got.Value != testNow.Format("20060102T150405Z") {
				t.Errorf("DTSTAMP %v, want the composer's clock %v", got, testNow)
			}
		})
	}
}

// TestComposeLinks checks which emails carry which action links, in both
// parts, and that without Links none does.
func TestComposeLinks(t *testing.T) {
	link := func(a appointment.Action) string { return testLinks("req1", a) }
	scheduled := scheduledRequest(t)
	tests := []struct {
		kind Kind
		r    appointment.Request
		want []string
		// wantText are the lines of the text part that hold the links.
		wantText []string
	}{
		{FrontDesk, completeRequest(),
			[]string{link(appointment.ActionContact), link(appointment.ActionSchedule), link(appointment.ActionDecline)},
			[]string{"Mark as contacted: " + link(appointment.ActionContact), "Schedule: " + link(appointment.ActionSchedule), "Decline: " + link(appointment.ActionDecline)}},
		{Patient, completeRequest(), []string{link(appointment.ActionCancel)}, []string{"Need to cancel? Cancel this request: " + link(appointment.ActionCancel)}},
		{appointment.TransitionEmail(appointment.EmailBooking, 1), scheduled, []string{link(appointment.ActionCancel)}, []string{"Need to cancel? Cancel this appointment: " + link(appointment.ActionCancel)}},
		{appointment.TransitionEmail(appointment.EmailReminder, 1), scheduled, []string{link(appointment.ActionCancel)}, []string{"Need to cancel? Cancel this appointment: " + link(appointment.ActionCancel)}},
		{appointment.TransitionEmail(appointment.EmailCancelNotice, 2), apply(t, scheduled, cancelledAt, appointment.Command{Action: appointment.ActionCancel}), nil, nil},
	}
	with := newTestComposer(t, defaultProfile(t))
	without := newTestComposerWith(t, defaultProfile(t), Settings{Sender: testSender, FrontDesk: testFrontDesk})
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			m, err := with.Compose(tt.kind, tt.r)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range anchor.FindAllStringSubmatch(m.HTML, -1) {
				if strings.HasPrefix(a[1], testLinkBase) {
					got = append(got, a[1])
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("HTML action links %q, want %q", got, tt.want)
			}
			for _, line := range tt.wantText {
				if !strings.Contains(m.Text, "\n"+line+"\n") {
					t.Errorf("text has no line %q", line)
				}
			}
			if n := strings.Count(m.Text, testLinkBase); n != len(tt.want) {
				t.Errorf("text has %d action links, want %d", n, len(tt.want))
			}

			plain, err := without.Compose(tt.kind, tt.r)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{"manage", "TOKEN", "Act on this request", "Need to cancel?"} {
				if strings.Contains(plain.Text, s) || strings.Contains(plain.HTML, s) {
					t.Errorf("without Links, the email says %q", s)
				}
			}
		})
	}
}

// TestComposeRejectsLinks: a Links function that returns no usable URL
// fails the email rather than sending a broken link, and the error does not
// repeat the link, whose token is a credential.
func TestComposeRejectsLinks(t *testing.T) {
	for _, bad := range []string{"", "/manage/cancel/SECRET", "javascript:alert('SECRET')", "https://api.example.com/manage/SECRET token", "https://api.example.com/SECRET\r\nX: y", "ftp://api.example.com/SECRET", "https://user:SECRET@api.example.com/", "https://api.example.com/manage/SECRET\u00e9"} {
		c := newTestComposerWith(t, defaultProfile(t), Settings{Sender: testSender, FrontDesk: testFrontDesk,
			Links: func(string, appointment.Action) string { return bad }})
		for _, kind := range []Kind{Patient, FrontDesk} {
			_, err := c.Compose(kind, completeRequest())
			if err == nil {
				t.Errorf("%s with link %q: succeeded, want an error", kind, bad)
				continue
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("%s: error %q repeats the link", kind, err)
			}
		}
	}
}

func TestLengthWords(t *testing.T) {
	for d, want := range map[time.Duration]string{
		5 * time.Minute:   "5 minutes",
		time.Minute:       "1 minute",
		time.Hour:         "1 hour",
		90 * time.Minute:  "1 hour 30 minutes",
		61 * time.Minute:  "1 hour 1 minute",
		8 * time.Hour:     "8 hours",
		125 * time.Minute: "2 hours 5 minutes",
	} {
		if got := lengthWords(i18n.English, d); got != want {
			t.Errorf("lengthWords(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestLengthWordsInSpanish: Spanish joins hours and minutes with "y".
func TestLengthWordsInSpanish(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Minute:       "1 minuto",
		30 * time.Minute:  "30 minutos",
		time.Hour:         "1 hora",
		90 * time.Minute:  "1 hora y 30 minutos",
		125 * time.Minute: "2 horas y 5 minutos",
	} {
		if got := lengthWords(i18n.Spanish, d); got != want {
			t.Errorf("lengthWords(es, %v) = %q, want %q", d, got, want)
		}
	}
}

// TestDatesInSpanish: the patient's emails write an appointment's time
// as Spanish does, with the zone's abbreviation as the English has it.
func TestDatesInSpanish(t *testing.T) {
	at := time.Date(2026, 12, 9, 9, 30, 0, 0, denver(t))
	for _, tt := range []struct {
		name string
		f    func(i18n.Language, time.Time) string
		en   string
		es   string
	}{
		{"dayLine", dayLine, "Wednesday, December 9, 2026", "Miércoles, 9 de diciembre de 2026"},
		{"timeText", timeText, "9:30 AM MST", "9:30 a. m. (MST)"},
		{"whenText", whenText, "Wednesday, December 9, 2026 at 9:30 AM MST", "miércoles, 9 de diciembre de 2026, 9:30 a. m. (MST)"},
		{"shortWhen", shortWhen, "Wednesday, December 9 at 9:30 AM", "miércoles, 9 de diciembre, 9:30 a. m."},
		{"shortWhenZone", shortWhenZone, "Wednesday, December 9 at 9:30 AM MST", "miércoles, 9 de diciembre, 9:30 a. m. (MST)"},
		{"shortDay", shortDay, "Wednesday, December 9", "miércoles, 9 de diciembre"},
	} {
		if got := tt.f(i18n.English, at); got != tt.en {
			t.Errorf("%s(en) = %q, want %q", tt.name, got, tt.en)
		}
		if got := tt.f(i18n.Spanish, at); got != tt.es {
			t.Errorf("%s(es) = %q, want %q", tt.name, got, tt.es)
		}
	}
}

// TestComposeInvitationHeaders: the message with an invitation keeps the
// same header fields, 7-bit and with bare addresses, as every other.
func TestComposeInvitationHeaders(t *testing.T) {
	c := newTestComposer(t, defaultProfile(t))
	r := scheduledRequest(t)
	r.Email = "jordan@bücher.de"
	m, err := c.Compose(appointment.TransitionEmail(appointment.EmailBooking, 1), r)
	if err != nil {
		t.Fatal(err)
	}
	header := m.Raw[:bytes.Index(m.Raw, []byte("\r\n\r\n"))]
	if i := bytes.IndexFunc(header, func(r rune) bool { return r >= 0x80 }); i >= 0 {
		t.Errorf("header is not 7-bit ASCII at octet %d", i)
	}
	checkRaw(t, m, r, []string{"jordan@xn--bcher-kva.de"}, testFrontDesk)
}
