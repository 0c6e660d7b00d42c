package appointment

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/clinic"
)

var lifecycleNow = time.Date(2026, 11, 27, 16, 30, 0, 0, time.UTC)

func booking(start time.Time) *Booking {
	return &Booking{Start: start, Length: 45 * time.Minute, Clinician: "Dr. Kim", Note: "Bring shorts."}
}

func command(a Action) Command {
	c := Command{Action: a, Audience: a.Audience()}
	switch a {
	case ActionSchedule:
		c.Booking = booking(lifecycleNow.Add(72 * time.Hour))
	case ActionReschedule:
		// A day later than the schedule's: a reschedule moves something.
		c.Booking = booking(lifecycleNow.Add(96 * time.Hour))
	}
	if a == ActionDecline || a == ActionCancelBooking {
		c.Message = "We do not treat this condition; your doctor can refer you."
	}
	return c
}

// TestEveryTransition tries every action from every status: the allowed
// ones lead where the lifecycle says and are recorded; the others are
// refused with a TransitionError naming the last change, and change
// nothing.
func TestEveryTransition(t *testing.T) {
	allowed := map[Action]map[Status]Status{
		ActionContact:    {StatusReceived: StatusContacted},
		ActionSchedule:   {StatusReceived: StatusScheduled, StatusContacted: StatusScheduled},
		ActionReschedule: {StatusScheduled: StatusScheduled},
		ActionDecline:    {StatusReceived: StatusDeclined, StatusContacted: StatusDeclined},
		ActionCancel:     {StatusReceived: StatusCancelled, StatusContacted: StatusCancelled, StatusScheduled: StatusCancelled},
		// The front desk declines an open request; it cancels a booking.
		ActionCancelBooking: {StatusScheduled: StatusCancelled},
		ActionAttended:      {StatusScheduled: StatusAttended},
		ActionNoShow:        {StatusScheduled: StatusNoShow},
	}
	for _, a := range Actions {
		for _, from := range Statuses {
			t.Run(fmt.Sprintf("%s from %s", a, from), func(t *testing.T) {
				earlier := Transition{Action: ActionContact, Audience: AudienceFrontDesk, From: StatusReceived, To: from, At: lifecycleNow.Add(-time.Hour)}
				r := Request{ID: "r", Status: from, History: []Transition{earlier}}
				if from == StatusScheduled || from == StatusAttended || from == StatusNoShow {
					// Begun half an hour ago: within the attendance
					// window, and still to be moved or cancelled.
					r.Booking = booking(lifecycleNow.Add(-30 * time.Minute))
				}
				got, tr, err := r.Apply(command(a), lifecycleNow)
				to, ok := allowed[a][from]
				if !ok {
					var te *TransitionError
					if !errors.As(err, &te) || te.Status != from || te.Last == nil || te.Last.At != earlier.At {
						t.Fatalf("Apply() error = %v, want a TransitionError with the last change", err)
					}
					if got.Status != from || len(got.History) != 1 {
						t.Errorf("a refused action changed the request: %+v", got)
					}
					return
				}
				if err != nil {
					t.Fatalf("Apply() error = %v", err)
				}
				if got.Status != to || tr.From != from || tr.To != to || tr.Action != a || tr.Audience != a.Audience() || !tr.At.Equal(lifecycleNow) {
					t.Errorf("transition = %+v, status %s", tr, got.Status)
				}
				if len(got.History) != 2 || got.History[1].Action != a {
					t.Errorf("history = %+v", got.History)
				}
				if len(r.History) != 1 {
					t.Error("Apply changed the history of the request it was called on")
				}
			})
		}
	}
}

// TestWrongAudienceIsRefused: the patient cannot act as the front desk,
// nor the front desk cancel as the patient.
func TestWrongAudienceIsRefused(t *testing.T) {
	r := Request{Status: StatusReceived}
	for _, a := range Actions {
		c := command(a)
		c.Audience = AudiencePatient
		if a.Audience() == AudiencePatient {
			c.Audience = AudienceFrontDesk
		}
		if _, _, err := r.Apply(c, lifecycleNow); !errors.Is(err, ErrWrongAudience) {
			t.Errorf("%s by %s: %v, want ErrWrongAudience", a, c.Audience, err)
		}
	}
	if _, _, err := r.Apply(Command{Action: "delete", Audience: AudienceFrontDesk}, lifecycleNow); err == nil {
		t.Error("an unknown action was applied")
	}
}

// TestBookingSequence: a booking starts at sequence 0, each reschedule and
// the cancelling of a booked request raise it, so that calendars replace
// the invitation they hold.
func TestBookingSequence(t *testing.T) {
	r := Request{Status: StatusReceived}
	r, _, err := r.Apply(command(ActionSchedule), lifecycleNow)
	if err != nil || r.Booking.Sequence != 0 {
		t.Fatalf("schedule: %+v, %v", r.Booking, err)
	}
	r, tr, err := r.Apply(command(ActionReschedule), lifecycleNow)
	if err != nil || r.Booking.Sequence != 1 || tr.Booking.Sequence != 1 {
		t.Fatalf("reschedule: %+v, %v", r.Booking, err)
	}
	r, tr, err = r.Apply(command(ActionCancel), lifecycleNow)
	if err != nil || r.Booking.Sequence != 2 || tr.Booking == nil || tr.Booking.Sequence != 2 {
		t.Fatalf("cancel: %+v, %v", r.Booking, err)
	}
	// Cancelling a request never booked carries no booking.
	open := Request{Status: StatusContacted}
	if _, tr, err := open.Apply(command(ActionCancel), lifecycleNow); err != nil || tr.Booking != nil {
		t.Errorf("cancel of an open request: %+v, %v", tr, err)
	}
}

// TestAttendanceWindow: attendance is recorded from the appointment's
// start until AttendanceWindow after it, both ends included; before and
// after, it is refused with a WindowError that says when the window opens
// and closes, and nothing changes.
func TestAttendanceWindow(t *testing.T) {
	start := time.Date(2026, 12, 2, 16, 30, 0, 0, time.UTC)
	tests := []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"a day before", start.Add(-24 * time.Hour), false},
		{"a second before the start", start.Add(-time.Second), false},
		{"at the start", start, true},
		{"during the appointment", start.Add(20 * time.Minute), true},
		{"six days after", start.Add(6 * 24 * time.Hour), true},
		{"at the window's end", start.Add(AttendanceWindow), true},
		{"a second after the window", start.Add(AttendanceWindow + time.Second), false},
		{"a month after", start.Add(30 * 24 * time.Hour), false},
	}
	for _, a := range []Action{ActionAttended, ActionNoShow} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s %s", a, tt.name), func(t *testing.T) {
				r := Request{ID: "r", Status: StatusScheduled, Booking: booking(start)}
				got, tr, err := r.Apply(Command{Action: a, Audience: AudienceFrontDesk}, tt.at)
				if tt.ok {
					if err != nil {
						t.Fatalf("Apply() error = %v", err)
					}
					if tr.Booking == nil || !tr.Booking.Start.Equal(start) || got.Booking.Sequence != 0 {
						t.Errorf("transition = %+v; want the booking recorded, unchanged", tr)
					}
					return
				}
				var we *WindowError
				if !errors.As(err, &we) {
					t.Fatalf("Apply() error = %v, want a WindowError", err)
				}
				if !we.Opens.Equal(start) || !we.Closes.Equal(start.Add(AttendanceWindow)) || we.Action != a {
					t.Errorf("WindowError = %+v", we)
				}
				if got.Status != StatusScheduled || len(got.History) != 0 {
					t.Errorf("a refused attendance changed the request: %+v", got)
				}
			})
		}
	}
}

// TestCancelBooking: the front desk's cancel ends the booking for the
// calendars, as the patient's does, keeps its message, checked as a
// decline's is, and emails only the patient.
func TestCancelBooking(t *testing.T) {
	r := Request{ID: "r", Status: StatusScheduled, Booking: booking(lifecycleNow.Add(48 * time.Hour))}
	c := Command{Action: ActionCancelBooking, Audience: AudienceFrontDesk, Message: "  Dr. Kim is ill.\r\nCall us to book again.  "}
	got, tr, err := r.Apply(c, lifecycleNow)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusCancelled || tr.Booking == nil || tr.Booking.Sequence != 1 || got.Booking.Sequence != 1 {
		t.Errorf("cancel: status %s, transition %+v", got.Status, tr)
	}
	if want := "Dr. Kim is ill.\nCall us to book again."; tr.Message != want {
		t.Errorf("message = %q, want %q", tr.Message, want)
	}
	// The patient is told, and the clinic's calendar drops its copy; the
	// desk gets no notice of its own cancel.
	if got, want := TransitionEmails(tr), []EmailKind{EmailCancelled, EmailDeskInvite}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("TransitionEmails = %v, want %v", got, want)
	}
	c.Message = "bad\x00message"
	var ve *ValidationError
	if _, _, err := r.Apply(c, lifecycleNow); !errors.As(err, &ve) {
		t.Errorf("a message with a control character: %v, want a ValidationError", err)
	}
	for _, a := range []Action{ActionAttended, ActionNoShow} {
		if _, tr, _ := r.Apply(Command{Action: a, Audience: AudienceFrontDesk}, r.Booking.Start); len(TransitionEmails(tr)) != 0 {
			t.Errorf("%s emails %v, want nobody", a, TransitionEmails(tr))
		}
	}
}

// TestBookingIsChecked: what the front desk types into a booking is
// checked field by field, with messages it can act on.
func TestBookingIsChecked(t *testing.T) {
	tests := []struct {
		name  string
		b     *Booking
		field string
	}{
		{"missing", nil, "start"},
		{"no start", &Booking{Length: time.Hour}, "start"},
		{"past", &Booking{Start: lifecycleNow.Add(-2 * time.Hour), Length: time.Hour}, "start"},
		{"too short", &Booking{Start: lifecycleNow.Add(time.Hour), Length: time.Minute}, "length"},
		{"too long", &Booking{Start: lifecycleNow.Add(time.Hour), Length: 9 * time.Hour}, "length"},
		{"long clinician", &Booking{Start: lifecycleNow.Add(time.Hour), Length: time.Hour, Clinician: strings.Repeat("x", 81)}, "clinician"},
		{"control in note", &Booking{Start: lifecycleNow.Add(time.Hour), Length: time.Hour, Note: "a\x1bb"}, "note"},
		{"header in clinician", &Booking{Start: lifecycleNow.Add(time.Hour), Length: time.Hour, Clinician: "Kim\u200b"}, "clinician"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Request{Status: StatusReceived}
			got, _, err := r.Apply(Command{Action: ActionSchedule, Audience: AudienceFrontDesk, Booking: tt.b}, lifecycleNow)
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) == 0 || ve.Errors[0].Field != tt.field || ve.Errors[0].Message == "" {
				t.Fatalf("Apply() error = %v, want a problem with %s", err, tt.field)
			}
			if got.Status != StatusReceived {
				t.Error("a refused booking changed the status")
			}
		})
	}
	r := Request{Status: StatusReceived}
	b := booking(lifecycleNow.Add(time.Hour))
	b.Note = "  Line one\r\nline two  "
	got, _, err := r.Apply(Command{Action: ActionSchedule, Audience: AudienceFrontDesk, Booking: b}, lifecycleNow)
	if err != nil || got.Booking.Note != "Line one\nline two" {
		t.Errorf("note = %q, %v", got.Booking.Note, err)
	}
}

// TestDeclineMessage: the front desk's note is kept with the decline, and
// checked like any text it types.
func TestDeclineMessage(t *testing.T) {
	r := Request{Status: StatusContacted}
	_, tr, err := r.Apply(Command{Action: ActionDecline, Audience: AudienceFrontDesk, Message: " We are full until March. "}, lifecycleNow)
	if err != nil || tr.Message != "We are full until March." {
		t.Errorf("decline = %+v, %v", tr, err)
	}
	if _, _, err := r.Apply(Command{Action: ActionDecline, Audience: AudienceFrontDesk, Message: strings.Repeat("x", 1001)}, lifecycleNow); err == nil {
		t.Error("an overlong message was accepted")
	}
}

// TestLegacyStatus: a request stored as "new" by the first versions is
// received.
func TestLegacyStatus(t *testing.T) {
	r := Request{Status: "new"}
	got, tr, err := r.Apply(command(ActionContact), lifecycleNow)
	if err != nil || tr.From != StatusReceived || got.Status != StatusContacted {
		t.Errorf("contact of a legacy request: %+v, %v", tr, err)
	}
	if !StatusReceived.Open() || !StatusContacted.Open() || StatusScheduled.Open() || StatusDeclined.Open() {
		t.Error("Open() is wrong")
	}
	// A listing of received requests by the stored status finds both.
	if got := StatusReceived.StoredAs(); len(got) != 2 || got[0] != StatusReceived || got[1].Normal() != StatusReceived {
		t.Errorf("StatusReceived.StoredAs() = %q", got)
	}
	if got := StatusContacted.StoredAs(); len(got) != 1 || got[0] != StatusContacted {
		t.Errorf("StatusContacted.StoredAs() = %q", got)
	}
}

// TestOverdue: a received request is overdue once the reply time its
// confirmation promised has passed, counted in opening hours: nights,
// Sundays and the short Saturday do not count against the front desk.
func TestOverdue(t *testing.T) {
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	denver := p.Zone()
	at := func(month time.Month, day, hour, minute int) time.Time {
		return time.Date(2026, month, day, hour, minute, 0, 0, denver)
	}
	// The default profile promises 8 business hours; it opens Monday to
	// Thursday 7:00-19:00, Friday 7:00-17:00, Saturday 8:00-12:00.
	tests := []struct {
		name     string
		received time.Time
		now      time.Time
		want     bool
	}{
		{"same day, in time", at(11, 23, 9, 0), at(11, 23, 16, 59), false},
		{"same day, late", at(11, 23, 9, 0), at(11, 23, 17, 1), true},
		{"overnight is not counted", at(11, 23, 18, 0), at(11, 24, 13, 59), false},
		{"overnight, late", at(11, 23, 18, 0), at(11, 24, 14, 1), true},
		{"Friday evening, Saturday morning counts", at(11, 27, 18, 0), at(11, 30, 10, 59), false},
		{"Friday evening, Monday late", at(11, 27, 18, 0), at(11, 30, 11, 1), true},
		{"Saturday afternoon, Sunday not counted", at(11, 28, 13, 0), at(11, 29, 23, 0), false},
		{"Saturday afternoon, Monday late", at(11, 28, 13, 0), at(11, 30, 15, 1), true},
		{"across the change from daylight time", at(10, 30, 16, 0), at(11, 2, 9, 59), false},
		{"across the change, late", at(10, 30, 16, 0), at(11, 2, 10, 1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Request{Status: StatusReceived, CreatedAt: tt.received.UTC()}
			if got := r.Overdue(p, tt.now); got != tt.want {
				by, _ := p.ReplyBy(r.CreatedAt)
				t.Errorf("Overdue() = %v, want %v (reply due %v)", got, tt.want, by.In(denver))
			}
		})
	}
	late := Request{Status: StatusContacted, CreatedAt: at(11, 2, 9, 0)}
	if late.Overdue(p, at(11, 27, 9, 0)) {
		t.Error("a contacted request is overdue")
	}
	legacy := Request{Status: "new", CreatedAt: at(11, 2, 9, 0)}
	if !legacy.Overdue(p, at(11, 27, 9, 0)) {
		t.Error("a request stored as new is not overdue")
	}
}
