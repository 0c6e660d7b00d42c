package email

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/i18n"
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
	// subjectWhenLayout is an appointment's time in a front-desk subject:
	// short, and without the zone, which the email itself gives.
	subjectWhenLayout = "Monday, January 2 at 3:04 PM"
	dayLayout         = "Monday, January 2, 2006"
	timeLayout        = "3:04 PM MST"
)

// The patient's emails write dates and times in the patient's language,
// from i18n's words; each says in a comment which English it matches.

// dayText is the day of t with its year: "Wednesday, December 9, 2026",
// "miércoles, 9 de diciembre de 2026".
func dayText(lang i18n.Language, t time.Time) string { return lang.Date(t) }

// dayLine is dayText on a line of its own, where it starts with a
// capital as a sentence does: "Miércoles, 9 de diciembre de 2026".
func dayLine(lang i18n.Language, t time.Time) string { return capitalized(dayText(lang, t)) }

// capitalized is s with its first letter in upper case.
func capitalized(s string) string {
	first, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(first)) + s[size:]
}

// timeText is the time of day of t with its zone's abbreviation, which is
// the same in every language: "9:30 AM MST", "9:30 a. m. (MST)".
func timeText(lang i18n.Language, t time.Time) string {
	return lang.Sprintf("email.time.zone", lang.Clock(t), t.Format("MST"))
}

// whenText is the day, with its year, and the time of t:
// "Wednesday, December 9, 2026 at 9:30 AM MST".
func whenText(lang i18n.Language, t time.Time) string {
	return lang.Sprintf("email.at", dayText(lang, t), timeText(lang, t))
}

// shortDay is the day of t without its year, as a subject says it:
// "Wednesday, December 9", "miércoles, 9 de diciembre".
func shortDay(lang i18n.Language, t time.Time) string {
	return lang.Sprintf("email.date.short", lang.Weekday(t.Weekday()), lang.Month(t.Month()), t.Day())
}

// shortWhen is the day, without its year, and the time of t, without
// the zone, which the email itself gives: a subject's
// "Wednesday, December 9 at 9:30 AM".
func shortWhen(lang i18n.Language, t time.Time) string {
	return lang.Sprintf("email.at", shortDay(lang, t), lang.Clock(t))
}

// shortWhenZone is shortWhen with the zone: "Wednesday, December 9 at
// 9:30 AM MST", "miércoles, 9 de diciembre, 9:30 a. m. (MST)".
func shortWhenZone(lang i18n.Language, t time.Time) string {
	return lang.Sprintf("email.at", shortDay(lang, t), timeText(lang, t))
}

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

func (c *Composer) bookingView(lang i18n.Language, r appointment.Request, d requestDetails, index int, t *appointment.Transition, links map[appointment.Action]string) bookingView {
	b := *t.Booking
	start := b.Start.In(c.profile.Zone())
	words := "email.booking."
	v := bookingView{
		requestDetails: d,
		Greeting:       greeting(lang, r),
		Day:            dayLine(lang, start),
		Time:           timeText(lang, start),
		When:           whenText(lang, start),
		Length:         lengthWords(lang, b.Length),
		Clinician:      strings.TrimSpace(b.Clinician),
		Note:           lines(b.Note),
		CancelURL:      links[appointment.ActionCancel],
	}
	if t.Action == appointment.ActionReschedule {
		words = "email.moved."
		if p := previousBooking(r.History[:index]); p != nil {
			v.Previously = whenText(lang, p.Start.In(c.profile.Zone()))
		}
	}
	v.Intro = lang.Sprintf(words+"intro", c.profile.Name)
	v.layoutView = c.layout(lang, lang.Sprintf(words+"subject", shortWhen(lang, start)), lang.Sprintf(words+"heading"))
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

func (c *Composer) reminderView(lang i18n.Language, r appointment.Request, d requestDetails, t *appointment.Transition, links map[appointment.Action]string) reminderView {
	b := *t.Booking
	start := b.Start.In(c.profile.Zone())
	return reminderView{
		layoutView:     c.layout(lang, lang.Sprintf("email.reminder.subject", shortWhen(lang, start)), lang.Sprintf("email.reminder.heading")),
		requestDetails: d,
		Greeting:       greeting(lang, r),
		Intro:          lang.Sprintf("email.reminder.intro", c.profile.Name),
		Day:            dayLine(lang, start),
		Time:           timeText(lang, start),
		Length:         lengthWords(lang, b.Length),
		Clinician:      strings.TrimSpace(b.Clinician),
		Note:           lines(b.Note),
		WhatToBring:    c.profile.In(lang).WhatToBring,
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

// lengthWords says how long an appointment lasts, in lang, as
// "45 minutes" or "1 hour 30 minutes" ("1 hora y 30 minutos").
func lengthWords(lang i18n.Language, d time.Duration) string {
	minutes := int(d.Round(time.Minute) / time.Minute)
	plural := func(n int, unit string) string {
		if n == 1 {
			return lang.Sprintf("email.length." + unit + ".one")
		}
		return lang.Sprintf("email.length."+unit+".other", n)
	}
	h, m := minutes/60, minutes%60
	switch {
	case h == 0:
		return plural(m, "minute")
	case m == 0:
		return plural(h, "hour")
	}
	return lang.Sprintf("email.length.join", plural(h, "hour"), plural(m, "minute"))
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

func (c *Composer) cancelledView(lang i18n.Language, r appointment.Request, d requestDetails, t *appointment.Transition) cancelledView {
	start := t.Booking.Start.In(c.profile.Zone())
	return cancelledView{
		layoutView:     c.layout(lang, lang.Sprintf("email.cancelled.subject", shortDay(lang, start)), lang.Sprintf("email.cancelled.heading")),
		requestDetails: d,
		Greeting:       greeting(lang, r),
		When:           whenText(lang, start),
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

func (c *Composer) declinedView(lang i18n.Language, r appointment.Request, d requestDetails, t *appointment.Transition, subject string) declinedView {
	return declinedView{
		layoutView:     c.layout(lang, subject, lang.Sprintf("email.declined.heading")),
		requestDetails: d,
		Greeting:       greeting(lang, r),
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
	// Language is the patient's language, named in the clinic's, so
	// that the front desk knows which to call back in; empty in minimal
	// mode, where the patient's details are left out.
	Language string
}

// cancelNoticeView is the data of the cancel notice, in the clinic's
// language: the time t gave back, if any, and when the patient
// cancelled.
func (c *Composer) cancelNoticeView(r appointment.Request, patientAddress string, d requestDetails, t *appointment.Transition, subject string) cancelNoticeView {
	lang, zone := c.deskLanguage(), c.profile.Zone()
	v := cancelNoticeView{
		layoutView:     c.layout(lang, subject, lang.Sprintf("desk.email.cancel.heading")),
		requestDetails: d,
		patientContact: c.patientContact(r, patientAddress),
		Freed:          lang.Sprintf("desk.email.cancel.nothing"),
	}
	if !t.At.IsZero() {
		v.Cancelled = whenText(lang, t.At.In(zone))
	}
	if t.Booking != nil {
		v.Freed = lang.Sprintf("desk.email.cancel.freed", whenText(lang, t.Booking.Start.In(zone)))
	}
	if c.minimal() {
		// Preferences are the patient's too.
		v.PreferredWhen = ""
	} else {
		v.Language = r.Language.Or(c.profile.Language).Name(lang)
	}
	return v
}
