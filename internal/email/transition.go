package email

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"example.com/appointments/internal/appointment"
)

// transitionOf returns the kind of template the email of the given kind
// uses, and, for the email of a transition, that transition and its index
// in the history. It checks
// that the transition is one the email is about, so that a kind sent for
// the wrong place in the history fails rather than tells the patient
// something that did not happen.
func transitionOf(kind Kind, r appointment.Request) (Kind, int, *appointment.Transition, error) {
	if kind == Patient || kind == FrontDesk || kind == appointment.EmailBounceNotice {
		return kind, -1, nil, nil
	}
	base, i, ok := kind.Transition()
	if !ok {
		return "", 0, nil, fmt.Errorf("unknown email kind %q", kind)
	}
	if i >= len(r.History) {
		return "", 0, nil, fmt.Errorf("%s email: the request has no transition %d", base, i)
	}
	t := r.History[i]
	var fits bool
	switch base {
	case appointment.EmailBooking, appointment.EmailReminder:
		fits = (t.Action == appointment.ActionSchedule || t.Action == appointment.ActionReschedule) && t.Booking != nil
	case appointment.EmailCancelled:
		fits = (t.Action == appointment.ActionCancel || t.Action == appointment.ActionCancelBooking) && t.Booking != nil
	case appointment.EmailCancelNotice:
		fits = t.Action == appointment.ActionCancel
	case appointment.EmailDeclined:
		fits = t.Action == appointment.ActionDecline
	case appointment.EmailDeskInvite:
		fits = t.Booking != nil && (t.To == appointment.StatusScheduled || t.To == appointment.StatusCancelled)
	}
	if !fits {
		return "", 0, nil, fmt.Errorf("%s email: transition %d (%s) is not one it is about", base, i, t.Action)
	}
	if b := t.Booking; b != nil && (b.Start.IsZero() || b.Length <= 0) {
		return "", 0, nil, fmt.Errorf("%s email: the booking of transition %d has no start or no length", base, i)
	}
	return base, i, &t, nil
}

// actionsIn lists the action links each kind of email carries: the front
// desk's first steps with a new request, and the patient's way to cancel
// while there is a request or an appointment to cancel.
var actionsIn = map[Kind][]appointment.Action{
	FrontDesk:                     {appointment.ActionContact, appointment.ActionSchedule, appointment.ActionDecline},
	appointment.EmailBounceNotice: {appointment.ActionContact, appointment.ActionSchedule, appointment.ActionDecline},
	Patient:                       {appointment.ActionCancel},
	appointment.EmailBooking:      {appointment.ActionCancel},
	appointment.EmailReminder:     {appointment.ActionCancel},
	appointment.EmailDeskInvite:   {appointment.ActionReschedule},
}

// links returns the action links the kind of email carries, by action;
// none when the settings give no way to make them.
func (c *Composer) links(base Kind, r appointment.Request) (map[appointment.Action]string, error) {
	actions := actionsIn[base]
	if c.settings.Links == nil || len(actions) == 0 {
		return nil, nil
	}
	if r.ID == "" {
		return nil, errors.New("request has no ID for its action links")
	}
	out := make(map[appointment.Action]string, len(actions))
	for _, a := range actions {
		u := c.settings.Links(r.ID, a)
		// The link's token is a credential: the error says which link,
		// never what it holds.
		if !absoluteURL(u) {
			return nil, fmt.Errorf("the %s link is not an absolute http or https URL", a)
		}
		out[a] = u
	}
	return out, nil
}

// absoluteURL reports whether s is an absolute http or https URL written
// in printable ASCII, as the text part shows it whole and mail clients
// make a link of it only up to the first space.
func absoluteURL(s string) bool {
	for _, r := range s {
		if r <= ' ' || r >= 0x7f {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}

const (
	// subjectWhenLayout is an appointment's time in a subject: short, and
	// without the zone, which the email itself gives.
	subjectWhenLayout = "Monday, January 2 at 3:04 PM"
	subjectDayLayout  = "Monday, January 2"
	dayLayout         = "Monday, January 2, 2006"
	timeLayout        = "3:04 PM MST"
)

// bookingView is the data of the email that tells the patient what was
// booked. The clinician's name and the note are the front desk's words,
// shown to the patient as written.
type bookingView struct {
	layoutView
	requestDetails
	Greeting string
	Intro    string
	// Day and Time are when the appointment starts, in the clinic's zone
	// with its abbreviation; When says both at once.
	Day, Time, When string
	Length          string
	Clinician       string
	// Note holds the lines of the front desk's note.
	Note []string
	// Previously is when the appointment was before a reschedule.
	Previously string
	CancelURL  string
}

func (c *Composer) bookingView(r appointment.Request, d requestDetails, index int, t *appointment.Transition, links map[appointment.Action]string) bookingView {
	b := *t.Booking
	start := b.Start.In(c.profile.Zone())
	subject, heading := "Your appointment is booked: ", "Your appointment is booked"
	intro := "Your appointment with " + c.profile.Name + " is booked. We look forward to seeing you."
	v := bookingView{
		requestDetails: d,
		Greeting:       greeting(r),
		Day:            start.Format(dayLayout),
		Time:           start.Format(timeLayout),
		When:           start.Format(receivedLayout),
		Length:         lengthWords(b.Length),
		Clinician:      strings.TrimSpace(b.Clinician),
		Note:           lines(b.Note),
		CancelURL:      links[appointment.ActionCancel],
	}
	if t.Action == appointment.ActionReschedule {
		subject, heading = "Your appointment has moved: ", "Your appointment has moved"
		intro = "Your appointment with " + c.profile.Name + " has moved to a new time. The attached invitation updates it in your calendar."
		if p := previousBooking(r.History[:index]); p != nil {
			v.Previously = p.Start.In(c.profile.Zone()).Format(receivedLayout)
		}
	}
	v.Intro = intro
	v.layoutView = c.layout(subject+start.Format(subjectWhenLayout), heading)
	return v
}

// reminderView is the data of the email that reminds the patient of a
// booked appointment some hours before it: when, how long, with whom,
// where, what to bring and how to cancel or change it, with the booking's
// note shown as written. It carries no invitation: the one the booking
// email carried stands unchanged.
type reminderView struct {
	layoutView
	requestDetails
	Greeting string
	Intro    string
	// Day and Time are when the appointment starts, in the clinic's zone
	// with its abbreviation, as the booking email shows them.
	Day, Time   string
	Length      string
	Clinician   string
	Note        []string
	WhatToBring []string
	CancelURL   string
}

func (c *Composer) reminderView(r appointment.Request, d requestDetails, t *appointment.Transition, links map[appointment.Action]string) reminderView {
	b := *t.Booking
	start := b.Start.In(c.profile.Zone())
	return reminderView{
		layoutView:     c.layout("Reminder: your appointment on "+start.Format(subjectWhenLayout), "A reminder of your appointment"),
		requestDetails: d,
		Greeting:       greeting(r),
		Intro:          "This is a reminder of your upcoming appointment with " + c.profile.Name + ". We look forward to seeing you.",
		Day:            start.Format(dayLayout),
		Time:           start.Format(timeLayout),
		Length:         lengthWords(b.Length),
		Clinician:      strings.TrimSpace(b.Clinician),
		Note:           lines(b.Note),
		WhatToBring:    c.profile.WhatToBring,
		CancelURL:      links[appointment.ActionCancel],
	}
}

// previousBooking returns the booking a reschedule replaced: the latest
// one made before it.
func previousBooking(before []appointment.Transition) *appointment.Booking {
	for i := len(before) - 1; i >= 0; i-- {
		if b := before[i].Booking; b != nil {
			return b
		}
	}
	return nil
}

// lengthWords says how long an appointment lasts, as "45 minutes" or
// "1 hour 30 minutes".
func lengthWords(d time.Duration) string {
	minutes := int(d.Round(time.Minute) / time.Minute)
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.Itoa(n) + " " + unit + "s"
	}
	h, m := minutes/60, minutes%60
	switch {
	case h == 0:
		return plural(m, "minute")
	case m == 0:
		return plural(h, "hour")
	}
	return plural(h, "hour") + " " + plural(m, "minute")
}

// cancelledView is the data of the email that tells the patient that
// their appointment is cancelled: confirmed when they cancelled it, told
// when the clinic did (ByClinic), with the lines of the front desk's
// message, if any, shown as written.
type cancelledView struct {
	layoutView
	requestDetails
	Greeting string
	When     string
	ByClinic bool
	Message  []string
}

func (c *Composer) cancelledView(r appointment.Request, d requestDetails, t *appointment.Transition) cancelledView {
	start := t.Booking.Start.In(c.profile.Zone())
	return cancelledView{
		layoutView:     c.layout("Your appointment on "+start.Format(subjectDayLayout)+" is cancelled", "Your appointment is cancelled"),
		requestDetails: d,
		Greeting:       greeting(r),
		When:           start.Format(receivedLayout),
		ByClinic:       t.Action == appointment.ActionCancelBooking,
		Message:        lines(t.Message),
	}
}

// declinedView is the data of the email that tells the patient the
// clinic cannot take their request. Message holds the lines of the front
// desk's message, shown as written.
type declinedView struct {
	layoutView
	requestDetails
	Greeting string
	Message  []string
}

func (c *Composer) declinedView(r appointment.Request, d requestDetails, t *appointment.Transition, subject string) declinedView {
	return declinedView{
		layoutView:     c.layout(subject, "About your appointment request"),
		requestDetails: d,
		Greeting:       greeting(r),
		Message:        lines(t.Message),
	}
}

// cancelNoticeView is the data of the email that tells the front desk a
// patient cancelled.
type cancelNoticeView struct {
	layoutView
	requestDetails
	patientContact
	// Freed says which appointment time the cancellation gave back.
	Freed     string
	Cancelled string
}

func (c *Composer) cancelNoticeView(r appointment.Request, patientAddress string, d requestDetails, t *appointment.Transition, subject string) cancelNoticeView {
	zone := c.profile.Zone()
	v := cancelNoticeView{
		layoutView:     c.layout(subject, "Cancelled by the patient"),
		requestDetails: d,
		patientContact: c.patientContact(r, patientAddress),
		Freed:          "Nothing was booked for this request yet.",
	}
	if !t.At.IsZero() {
		v.Cancelled = t.At.In(zone).Format(receivedLayout)
	}
	if t.Booking != nil {
		v.Freed = "The appointment on " + t.Booking.Start.In(zone).Format(receivedLayout) + " is now free."
	}
	if c.minimal() {
		// Preferences are the patient's too.
		v.PreferredWhen = ""
	}
	return v
}
