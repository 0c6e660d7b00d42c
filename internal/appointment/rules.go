package appointment

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"example.com/appointments/internal/clinic"
)

// The fields of the forms on the action pages.
const (
	DeskFieldDate         = "date"
	DeskFieldTime         = "time"
	DeskFieldMinutes      = "minutes"
	DeskFieldClinician    = "clinician"
	DeskFieldNote         = "note"
	DeskFieldOutsideHours = "outsideHours"
	DeskFieldMessage      = "message"
)

// deskFields lists the fields of each action's form; the others have none.
var deskFields = map[Action][]string{
	ActionSchedule:      {DeskFieldDate, DeskFieldTime, DeskFieldMinutes, DeskFieldOutsideHours, DeskFieldClinician, DeskFieldNote},
	ActionReschedule:    {DeskFieldDate, DeskFieldTime, DeskFieldMinutes, DeskFieldOutsideHours, DeskFieldClinician, DeskFieldNote},
	ActionDecline:       {DeskFieldMessage},
	ActionCancelBooking: {DeskFieldMessage},
}

// deskErrorFields are the names the fields' problems are reported at,
// where they differ from the field's own. The messages name each field by
// its label in the catalog ("desk.field.<field>").
var deskErrorFields = map[string]string{DeskFieldMinutes: "length"}

func deskErrorField(field string) string {
	if f, ok := deskErrorFields[field]; ok {
		return f
	}
	return field
}

// MaxYearsAhead is how far ahead an appointment may be booked, in years
// from today: a mistyped year must not book one that nobody will remember.
const MaxYearsAhead = 1

// RescheduleWindow is the window ReschedulesPerDay counts in.
const RescheduleWindow = 24 * time.Hour

// Rules are the clinic's settings that the front desk's actions are
// checked against, beside the lifecycle's own rules (Request.Apply).
type Rules struct {
	// Profile gives the clinic's time zone and opening hours.
	Profile *clinic.Profile
	// ReschedulesPerDay is how often one request may be rescheduled in
	// any RescheduleWindow. Each move emails the patient, so a front-desk link,
	// forwarded or leaked, must not be able to mail them without end.
	// Fewer than one allows no reschedule.
	ReschedulesPerDay int
}

// DeskForm is a form posted from an action page: each field with the
// values given for it.
type DeskForm map[string][]string

// Command reads the form posted from the page of action a, for audience,
// into a command. It returns a *ValidationError listing every problem, each
// at its field and written for the front desk:
//   - a field of the action's form given more than once is refused, as the
//     API refuses a repeated field, rather than one of its values guessed;
//   - the date and time are read on the clinic's wall clock, in its zone:
//     a time the clocks skip does not exist, and one they repeat could be
//     either, so both are refused;
//   - the clinician's name is one line; the note and the message may span
//     lines.
//
// The booking is checked at now as Apply checks it, so that every problem
// of the form is listed at once. Fields of other forms are ignored. What
// needs the request, such as a reschedule that changes nothing, is
// checked by Apply.
func (rules Rules) Command(a Action, audience Audience, f DeskForm, now time.Time) (Command, error) {
	cmd := Command{Action: a, Audience: audience}
	var problems []FieldError
	fail := func(field, code, key string, args ...any) {
		problems = append(problems, deskProblem(deskErrorField(field), code, key, args...))
	}
	repeated := map[string]bool{}
	for _, field := range deskFields[a] {
		if len(f[field]) > 1 {
			repeated[field] = true
			fail(field, CodeAmbiguous, "desk.form.repeated", fieldLabel(field))
		}
	}
	value := func(field string) string {
		if repeated[field] || len(f[field]) == 0 {
			return ""
		}
		return f[field][0]
	}
	switch a {
	case ActionSchedule, ActionReschedule:
		b := &Booking{Clinician: value(DeskFieldClinician), Note: value(DeskFieldNote)}
		day, dayErr := time.Parse("2006-01-02", strings.TrimSpace(value(DeskFieldDate)))
		// The words follow the date picker, which shows the date in the
		// browser's own format and sends it as YYYY-MM-DD: a format the
		// picker does not show would only confuse.
		if dayErr != nil && !repeated[DeskFieldDate] && strings.TrimSpace(value(DeskFieldDate)) == "" {
			fail(DeskFieldDate, CodeRequired, "desk.form.date.required")
		} else if dayErr != nil && !repeated[DeskFieldDate] {
			fail(DeskFieldDate, CodeInvalid, "desk.form.date.invalid")
		}
		clock, clockErr := time.Parse("15:04", strings.TrimSpace(value(DeskFieldTime)))
		if clockErr != nil && !repeated[DeskFieldTime] {
			fail(DeskFieldTime, CodeInvalid, "desk.form.time.invalid")
		}
		minutes, minutesErr := strconv.Atoi(strings.TrimSpace(value(DeskFieldMinutes)))
		if minutesErr != nil && !repeated[DeskFieldMinutes] {
			fail(DeskFieldMinutes, CodeInvalid, "desk.form.minutes.invalid")
		}
		b.Length = time.Duration(minutes) * time.Minute
		switch v := strings.TrimSpace(value(DeskFieldOutsideHours)); v {
		case "":
		case "yes", "on", "true":
			cmd.OutsideHours = true
		default:
			fail(DeskFieldOutsideHours, CodeInvalid, "desk.form.outsideHours.invalid")
		}
		// Whether the start and length are known, to be checked.
		known := dayErr == nil && clockErr == nil && minutesErr == nil
		if dayErr == nil && clockErr == nil {
			start, fe := rules.wallClock(day, clock)
			if fe != nil {
				problems = append(problems, *fe)
				known = false
			}
			b.Start = start
		}
		// A copy is checked, as Apply will check it, so that every
		// problem is listed at once; the command keeps the text as
		// typed, for Apply to trim.
		checked := *b
		problems = append(problems, checked.cleanText()...)
		if known {
			problems = append(problems, checked.timeProblems(now)...)
			problems = append(problems, rules.bookingProblems(checked, cmd.OutsideHours, now)...)
		}
		cmd.Booking = b
	case ActionDecline, ActionCancelBooking:
		cmd.Message = value(DeskFieldMessage)
	}
	if len(problems) > 0 {
		return cmd, &ValidationError{Errors: problems}
	}
	return cmd, nil
}

// wallClock returns the instant at which the clinic's clocks show the time
// of day clock on the date day, both read in UTC as time.Parse returns
// them; or the problem with it, at the time field, when the clocks skip
// that time or show it twice.
func (rules Rules) wallClock(day, clock time.Time) (time.Time, *FieldError) {
	y, m, d := day.Date()
	at := instantsOf(rules.Profile.Zone(), y, m, d, clock.Hour(), clock.Minute())
	switch len(at) {
	case 1:
		return at[0], nil
	case 0:
		fe := deskProblem(DeskFieldTime, CodeInvalid, "desk.form.time.skipped", clockOf(clock), dayOf(day))
		return time.Time{}, &fe
	}
	return time.Time{}, repeatedTimeProblem(DeskFieldTime, day, clock)
}

// repeatedTimeProblem says that a start or end falls in the time the
// clocks repeat when they go back. An invitation gives times on the
// clinic's wall clock, and a calendar reads a repeated one as the first:
// so a booking there would be misread, or end before it starts.
func repeatedTimeProblem(field string, day, clock time.Time) *FieldError {
	key := "desk.form.time.repeated.start"
	if field != DeskFieldTime {
		key = "desk.form.time.repeated.end"
	}
	fe := deskProblem(field, CodeAmbiguous, key, clockOf(clock), dayOf(day))
	return &fe
}

// instantsOf returns the instants at which clocks in zone show the given
// date and time of day, earlier first: one, as a rule; none when a change
// to daylight saving time skips it; two when the change back repeats it.
// time.Date picks one of them without saying so.
func instantsOf(zone *time.Location, year int, month time.Month, day, hour, minute int) []time.Time {
	wall := time.Date(year, month, day, hour, minute, 0, 0, time.UTC)
	var out []time.Time
	// The offsets in force a day and a half either side cover any change
	// of clocks that night.
	for _, probe := range []time.Duration{-36 * time.Hour, 0, 36 * time.Hour} {
		_, offset := wall.Add(probe).In(zone).Zone()
		t := wall.Add(-time.Duration(offset) * time.Second).In(zone)
		y, m, d := t.Date()
		if y == year && m == month && d == day && t.Hour() == hour && t.Minute() == minute && !slices.ContainsFunc(out, t.Equal) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// Apply applies c to r at now, as Request.Apply does, and checks what
// needs the clinic's settings:
//   - a booking lies within the clinic's opening hours unless the command
//     says it is meant to be outside them (OutsideHours), starts no more
//     than MaxYearsAhead ahead, and neither starts nor ends in the hour
//     the clocks repeat;
//   - a request is rescheduled at most ReschedulesPerDay times in any
//     RescheduleWindow; past it, the error is a *LimitError.
//
// The lifecycle's refusals (*TransitionError) come first, then every
// problem with the booking (*ValidationError), then the limit.
func (rules Rules) Apply(r Request, c Command, now time.Time) (Request, Transition, error) {
	after, tr, err := r.Apply(c, now)
	var invalid *ValidationError
	if err != nil && !errors.As(err, &invalid) {
		return r, Transition{}, err
	}
	var problems []FieldError
	if invalid != nil {
		problems = invalid.Errors
	}
	if (c.Action == ActionSchedule || c.Action == ActionReschedule) && c.Booking != nil && !c.Booking.Start.IsZero() {
		problems = append(problems, rules.bookingProblems(*c.Booking, c.OutsideHours, now)...)
	}
	if len(problems) > 0 {
		return r, Transition{}, &ValidationError{Errors: problems}
	}
	if c.Action == ActionReschedule {
		if err := rules.checkReschedules(r, now); err != nil {
			return r, Transition{}, err
		}
	}
	return after, tr, nil
}

// bookingProblems lists what keeps the booking b from being made at now
// by the clinic's rules.
func (rules Rules) bookingProblems(b Booking, outsideHours bool, now time.Time) []FieldError {
	zone := rules.Profile.Zone()
	var problems []FieldError
	start, end := b.Start.In(zone), b.End().In(zone)
	today := now.In(zone)
	last := time.Date(today.Year()+MaxYearsAhead, today.Month(), today.Day(), 0, 0, 0, 0, zone)
	if time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, zone).After(last) {
		problems = append(problems, deskProblem(DeskFieldDate, CodeInvalid, "desk.form.yearAhead", dayOf(last)))
		// The hours of a day that far off are no help.
		return problems
	}
	for _, edge := range []struct {
		field string
		at    time.Time
	}{{DeskFieldTime, start}, {"length", end}} {
		y, m, d := edge.at.Date()
		if at := instantsOf(zone, y, m, d, edge.at.Hour(), edge.at.Minute()); len(at) > 1 && (edge.field == DeskFieldTime || !at[0].Equal(edge.at)) {
			// A start there cannot be told from its twin; an end there is
			// read right only when it is the first of the two.
			problems = append(problems, *repeatedTimeProblem(edge.field, edge.at, edge.at))
		}
	}
	if !outsideHours && !rules.Profile.OpenThroughout(start, end) {
		problems = append(problems, rules.closedProblem(start, end))
	}
	return problems
}

// closedProblem says when the clinic is open on the day of an appointment
// it would be closed for.
func (rules Rules) closedProblem(start, end time.Time) FieldError {
	days := everyWeekday(start.Weekday())
	spans := rules.Profile.OpenOn(start)
	if len(spans) == 0 {
		return deskProblem("start", CodeNotAllowed, "desk.form.closed", days)
	}
	return deskProblem("start", CodeNotAllowed, "desk.form.closedThen", days, openHours(spans), clockOf(start), clockOf(end))
}

// LimitError means that an action was taken, or a submission made, as
// often as a limit allows in a window; it can be taken again from Until,
// which is zero when it cannot be taken at all.
type LimitError struct {
	// Action is the action limited, or "" for a submission's limit, which
	// Of names.
	Action Action
	Of     SubmitLimit
	// Limit is how often the action may be taken in Window.
	Limit  int
	Window time.Duration
	Until  time.Time
}

func (e *LimitError) Error() string {
	if e.Action == "" {
		return fmt.Sprintf("%s limit of %d in %v reached", e.Of, e.Limit, e.Window)
	}
	return fmt.Sprintf("%s taken %d times in %v, the most allowed", e.Action, e.Limit, e.Window)
}

// checkReschedules refuses a reschedule of r at now when r was
// rescheduled ReschedulesPerDay times in the RescheduleWindow before. The
// history is the count: each reschedule is recorded there by the same
// conditional write that makes it, so two at once cannot both slip under
// the limit.
func (rules Rules) checkReschedules(r Request, now time.Time) error {
	since := now.Add(-RescheduleWindow)
	var recent []time.Time
	for _, t := range r.History {
		if t.Action == ActionReschedule && t.At.After(since) {
			recent = append(recent, t.At)
		}
	}
	if len(recent) < rules.ReschedulesPerDay {
		return nil
	}
	e := &LimitError{Action: ActionReschedule, Limit: max(rules.ReschedulesPerDay, 0), Window: RescheduleWindow}
	if rules.ReschedulesPerDay > 0 {
		// The history is in time order: once the oldest of the last
		// Limit reschedules leaves the window, one more is allowed.
		e.Until = recent[len(recent)-rules.ReschedulesPerDay].Add(RescheduleWindow)
	}
	return e
}

// LinksAfterAppointment is how long after a booked appointment the front
// desk's links of its request keep working: the week in which the front
// desk may still need to act on it.
const LinksAfterAppointment = 7 * 24 * time.Hour

// LinkExpiry returns when a link for action a on r must stop working, when
// a page offers it, having been opened with a link that expires at opener.
// A page does not extend the life of the link that opened it: otherwise a
// link about to expire could be traded for fresh ones, page after page. So
// the link expires with its opener, except that the front desk's links of
// a scheduled request last until LinksAfterAppointment after the
// appointment ends, as the spec's rule for a booked appointment says,
// whichever link opened the page.
func (r Request) LinkExpiry(a Action, opener time.Time) time.Time {
	if a.Audience() == AudienceFrontDesk && r.Status.Normal() == StatusScheduled && r.Booking != nil {
		return r.Booking.End().Add(LinksAfterAppointment).UTC()
	}
	return opener
}
