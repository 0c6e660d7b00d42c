package appointment

import "time"

// EmailReminder reminds the patient of a booked appointment some hours
// before it (Reminders): its time, its place, what to bring and the link
// to cancel. Its kind carries the place in the history of the schedule or
// reschedule that made the booking (TransitionEmail), so that a booking
// moved after its reminder went out gets a reminder of its own.
const EmailReminder EmailKind = "reminder"

// DefaultReminderHoursBefore is how long before a booked appointment the
// patient is reminded, unless the stack says otherwise: a day, the lead
// time clinics most often use.
const DefaultReminderHoursBefore = 24

// Reminder is the reminder a booked request calls for: the email of kind
// Kind, due from At until the appointment starts at Start.
type Reminder struct {
	Kind  EmailKind
	At    time.Time
	Start time.Time
}

// Due reports whether the reminder should go out at now: its time has
// come and the appointment has not begun. A reminder that could not be
// sent before the appointment began is not sent after.
func (m Reminder) Due(now time.Time) bool {
	return !now.Before(m.At) && now.Before(m.Start)
}

// Reminder returns the reminder r calls for when patients are reminded
// the given time before their appointments; ok is false when it calls for
// none. A request calls for one while it is scheduled, once per booking:
// the booking made by its latest schedule or reschedule, which is then the
// last change in its history, since any later change (a cancel, an
// attendance) ends the booking or makes a reminder pointless. A booking
// made or moved less than before ahead of its start calls for none: the
// booking email the patient just received says all a reminder would.
func (r Request) Reminder(before time.Duration) (Reminder, bool) {
	if before <= 0 || r.Status.Normal() != StatusScheduled || len(r.History) == 0 {
		return Reminder{}, false
	}
	i := len(r.History) - 1
	t := r.History[i]
	if (t.Action != ActionSchedule && t.Action != ActionReschedule) || t.Booking == nil {
		return Reminder{}, false
	}
	at := t.Booking.Start.Add(-before)
	if !t.At.Before(at) {
		return Reminder{}, false
	}
	return Reminder{Kind: TransitionEmail(EmailReminder, i), At: at, Start: t.Booking.Start}, true
}

// LatestOnly reports whether the email of kind k may be sent only while
// the transition it belongs to is still the last change of its request,
// and if so how many changes the history then holds. A reminder is such
// an email: once the booking is moved, cancelled or attended, the
// reminder of it must not go. The store checks it atomically with the
// claim on the email (ClaimEmail), so that a cancel that lands between
// reading the request and sending its reminder stops the reminder.
func (k EmailKind) LatestOnly() (historyLen int, ok bool) {
	base, i, ok := k.Transition()
	if !ok || base != EmailReminder {
		return 0, false
	}
	return i + 1, true
}
