package appointment

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"example.com/appointments/internal/clinic"
)

// Where a request stands with the front desk. A request is received when
// stored; the front desk marks it contacted, schedules it (again, on a
// reschedule) or declines it; the patient may cancel it while it is open or
// scheduled, and the front desk may cancel a booking. Once the appointment
// has begun, the front desk records whether the patient came: attended or
// no-show.
const (
	StatusReceived  Status = "received"
	StatusContacted Status = "contacted"
	StatusScheduled Status = "scheduled"
	StatusDeclined  Status = "declined"
	StatusCancelled Status = "cancelled"
	StatusAttended  Status = "attended"
	StatusNoShow    Status = "no-show"
)

// Statuses lists every status a request can be in, in the order of the
// lifecycle.
var Statuses = []Status{StatusReceived, StatusContacted, StatusScheduled, StatusDeclined, StatusCancelled, StatusAttended, StatusNoShow}

// Open reports whether the front desk still owes the patient an answer.
func (s Status) Open() bool { return s == StatusReceived || s == StatusContacted }

// Active reports whether the front desk may still act on a request in
// status s: it is open, or booked and not yet marked attended or no-show.
func (s Status) Active() bool { return s.Open() || s == StatusScheduled }

// Audience is who acts on a request: the front desk, or the patient.
type Audience string

// The audiences, each of which gets links of its own in its emails.
const (
	AudienceFrontDesk Audience = "frontDesk"
	AudiencePatient   Audience = "patient"
)

// Action is what someone does to a request.
type Action string

// The actions, with the audience each belongs to (Audience).
const (
	ActionContact    Action = "contact"
	ActionSchedule   Action = "schedule"
	ActionReschedule Action = "reschedule"
	ActionDecline    Action = "decline"
	ActionCancel     Action = "cancel"
	// ActionCancelBooking is the front desk's cancel of a booked
	// appointment, as when the patient phones to cancel; an open request
	// the front desk cannot take is declined instead.
	ActionCancelBooking Action = "cancelBooking"
	// ActionAttended and ActionNoShow record whether the patient came,
	// within the AttendanceWindow.
	ActionAttended Action = "attended"
	ActionNoShow   Action = "noShow"
)

// Actions lists every action.
var Actions = []Action{ActionContact, ActionSchedule, ActionReschedule, ActionDecline, ActionCancel, ActionCancelBooking, ActionAttended, ActionNoShow}

// Audience is who may take the action: the patient cancels, the front desk
// does the rest, its own cancel of a booking included.
func (a Action) Audience() Audience {
	if a == ActionCancel {
		return AudiencePatient
	}
	return AudienceFrontDesk
}

// transitions lists, for each action, the states it may start from and
// the state it leads to.
var transitions = map[Action]struct {
	from []Status
	to   Status
}{
	ActionContact:    {[]Status{StatusReceived}, StatusContacted},
	ActionSchedule:   {[]Status{StatusReceived, StatusContacted}, StatusScheduled},
	ActionReschedule: {[]Status{StatusScheduled}, StatusScheduled},
	ActionDecline:    {[]Status{StatusReceived, StatusContacted}, StatusDeclined},
	ActionCancel:     {[]Status{StatusReceived, StatusContacted, StatusScheduled}, StatusCancelled},
	// The front desk's cancel and the attendance need a booking.
	ActionCancelBooking: {[]Status{StatusScheduled}, StatusCancelled},
	ActionAttended:      {[]Status{StatusScheduled}, StatusAttended},
	ActionNoShow:        {[]Status{StatusScheduled}, StatusNoShow},
}

// AttendanceWindow is how long after an appointment's start the front desk
// may record whether the patient came: from the start, since nobody knows
// before, until a week after, long enough for a busy week's catching up.
const AttendanceWindow = 7 * 24 * time.Hour

// Attendance reports whether a is one of the actions that record whether
// the patient came.
func (a Action) Attendance() bool { return a == ActionAttended || a == ActionNoShow }

// WindowError means that attendance was recorded outside the
// AttendanceWindow of the appointment: before it starts (Opens is still to
// come), or more than the window after.
type WindowError struct {
	Action        Action
	Opens, Closes time.Time
	At            time.Time
}

func (e *WindowError) Error() string {
	if e.At.Before(e.Opens) {
		return fmt.Sprintf("cannot record %s before the appointment starts", e.Action)
	}
	return fmt.Sprintf("cannot record %s more than %v after the appointment starts", e.Action, AttendanceWindow)
}

// Allows reports whether the action may be taken on a request in status s.
func (a Action) Allows(s Status) bool {
	t, ok := transitions[a]
	if !ok {
		return false
	}
	for _, from := range t.from {
		if from == s {
			return true
		}
	}
	return false
}

// Booking is an appointment the front desk made for a request.
type Booking struct {
	// Start is when the appointment begins; the front desk enters it in the
	// clinic's time zone.
	Start time.Time
	// Length is how long it lasts.
	Length time.Duration
	// Clinician and Note are optional, shown to the patient.
	Clinician string
	Note      string
	// Sequence counts the changes to the booking, for calendar invitations:
	// 0 when first made, one more on each reschedule and on cancelling.
	Sequence int
}

// End is when the appointment ends.
func (b Booking) End() time.Time { return b.Start.Add(b.Length) }

// Transition is one recorded change of a request's status.
type Transition struct {
	Action   Action
	Audience Audience
	From, To Status
	At       time.Time
	// Booking is the booking a schedule, a reschedule or the cancelling of
	// a booked request made or ended.
	Booking *Booking
	// Message is the front desk's note to the patient with a decline or
	// with its cancel of a booking.
	Message string
	// Link names the action link the change was made with (Command.Link),
	// so that the link cannot act again; empty for a change made
	// otherwise, and for those recorded before links were named.
	Link string
}

// Command is an action with what it needs.
type Command struct {
	Action   Action
	Audience Audience
	// Booking is required to schedule and reschedule.
	Booking *Booking
	// OutsideHours says that the front desk means to book a time the
	// clinic is usually closed (Rules.Apply).
	OutsideHours bool
	// Message is optional with a decline and with the front desk's cancel.
	Message string
	// Link names the action link the command comes from: a digest of its
	// token, which names one link and cannot be turned back into it
	// (actionlink.Claims.Link). A link that made a change once is refused
	// after, even when the request's status would allow its action again,
	// as a reschedule's does.
	Link string
}

// Limits of what the front desk types into a booking or a decline.
const (
	MinBookingLength  = 5 * time.Minute
	MaxBookingLength  = 8 * time.Hour
	maxClinicianChars = 80
	maxNoteChars      = 500
	maxMessageChars   = 1000
)

// Errors of the lifecycle.
var (
	// ErrWrongAudience means the action belongs to the other audience.
	ErrWrongAudience = errors.New("this action is not for this audience")
	// ErrConflict means the request changed between reading and writing
	// it; read it again and decide again.
	ErrConflict = errors.New("the request changed meanwhile")
)

// TransitionError means the action cannot be taken in the request's
// status, as when a link was used already. Last, when set, is the change
// that got there first, for saying what happened; with LinkUsed, it is the
// change the command's own link made earlier.
type TransitionError struct {
	Action   Action
	Status   Status
	Last     *Transition
	LinkUsed bool
}

func (e *TransitionError) Error() string {
	if e.LinkUsed {
		return fmt.Sprintf("the link to %s this request was used already", e.Action)
	}
	return fmt.Sprintf("cannot %s a request that is %s", e.Action, e.Status)
}

// UsedLink returns the change that the link named link made to the
// request, or nil when it made none.
func (r Request) UsedLink(link string) *Transition {
	if link == "" {
		return nil
	}
	for i := range r.History {
		if r.History[i].Link == link {
			t := r.History[i]
			return &t
		}
	}
	return nil
}

// Apply returns the request as the command leaves it at the given time, and
// the transition it records. It checks who may act, whether the request's
// status allows the action, and what the command carries; it changes
// nothing on a refusal.
func (r Request) Apply(c Command, at time.Time) (Request, Transition, error) {
	t, ok := transitions[c.Action]
	if !ok {
		return r, Transition{}, fmt.Errorf("unknown action %q", c.Action)
	}
	if c.Audience != c.Action.Audience() {
		return r, Transition{}, ErrWrongAudience
	}
	status := r.Status.Normal()
	if used := r.UsedLink(c.Link); used != nil {
		return r, Transition{}, &TransitionError{Action: c.Action, Status: status, Last: used, LinkUsed: true}
	}
	if !c.Action.Allows(status) {
		e := &TransitionError{Action: c.Action, Status: status}
		if n := len(r.History); n > 0 {
			last := r.History[n-1]
			e.Last = &last
		}
		return r, Transition{}, e
	}
	tr := Transition{Action: c.Action, Audience: c.Audience, From: status, To: t.to, At: at.UTC(), Link: c.Link}
	switch c.Action {
	case ActionSchedule, ActionReschedule:
		if c.Booking == nil {
			return r, Transition{}, &ValidationError{Errors: []FieldError{deskProblem("start", CodeRequired, "desk.form.start.required")}}
		}
		b := *c.Booking
		if err := b.check(at); err != nil {
			return r, Transition{}, err
		}
		b.Start = b.Start.UTC()
		b.Sequence = 0
		if r.Booking != nil {
			if c.Action == ActionReschedule && b.same(*r.Booking) {
				// It would email the patient that nothing moved.
				return r, Transition{}, &ValidationError{Errors: []FieldError{deskProblem("", CodeUnchanged, "desk.form.unchanged")}}
			}
			b.Sequence = r.Booking.Sequence + 1
		}
		tr.Booking = &b
		r.Booking = &b
	case ActionDecline, ActionCancelBooking:
		msg, fe := cleanLines(DeskFieldMessage, c.Message, maxMessageChars)
		if fe != nil {
			return r, Transition{}, &ValidationError{Errors: []FieldError{*fe}}
		}
		tr.Message = msg
	case ActionAttended, ActionNoShow:
		if err := r.checkAttendance(c.Action, at); err != nil {
			return r, Transition{}, err
		}
		if r.Booking != nil {
			b := *r.Booking
			tr.Booking = &b
		}
	}
	if (c.Action == ActionCancel || c.Action == ActionCancelBooking) && r.Booking != nil && status == StatusScheduled {
		// The calendar must drop the booking: its cancellation is one
		// more change to it.
		b := *r.Booking
		b.Sequence++
		tr.Booking = &b
		r.Booking = &b
	}
	r.Status = t.to
	r.History = append(append([]Transition(nil), r.History...), tr)
	return r, tr, nil
}

// checkAttendance refuses to record attendance at a time outside the
// AttendanceWindow of r's booking.
func (r Request) checkAttendance(a Action, at time.Time) error {
	if r.Booking == nil {
		return &TransitionError{Action: a, Status: r.Status.Normal()}
	}
	opens := r.Booking.Start
	closes := opens.Add(AttendanceWindow)
	if at.Before(opens) || at.After(closes) {
		return &WindowError{Action: a, Opens: opens.UTC(), Closes: closes.UTC(), At: at.UTC()}
	}
	return nil
}

// Normal reads the status the first versions stored for a received
// request, "new", as received.
func (s Status) Normal() Status {
	if s == statusNewLegacy {
		return StatusReceived
	}
	return s
}

// statusNewLegacy is how the first versions stored a received request.
const statusNewLegacy Status = "new"

// StoredAs lists the values a request in status s may carry in storage,
// which is what an index by status is keyed by: Normal maps them back to s
// on read, but a query for received requests must ask for those the first
// versions stored as "new" too, or it misses them.
func (s Status) StoredAs() []Status {
	if s == StatusReceived {
		return []Status{StatusReceived, statusNewLegacy}
	}
	return []Status{s}
}

// check checks the booking at now and trims its text; see timeProblems and
// cleanText.
func (b *Booking) check(now time.Time) error {
	errs := append(b.timeProblems(now), b.cleanText()...)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// timeProblems lists what is wrong with the booking's start and length at
// now: a start missing or past, a length out of bounds.
func (b Booking) timeProblems(now time.Time) []FieldError {
	var errs []FieldError
	if b.Start.IsZero() {
		errs = append(errs, deskProblem("start", CodeRequired, "desk.form.start.required"))
	} else if b.Start.Before(now.Add(-time.Hour)) {
		errs = append(errs, deskProblem("start", CodeInvalid, "desk.form.start.past"))
	}
	if b.Length < MinBookingLength || b.Length > MaxBookingLength {
		errs = append(errs, deskProblem("length", CodeInvalid, "desk.form.length.range", int(MinBookingLength.Minutes()), int(MaxBookingLength.Hours())))
	}
	return errs
}

// cleanText trims the clinician's name and the note and lists what is
// wrong with them: the name is one line, the note may span lines.
func (b *Booking) cleanText() []FieldError {
	var errs []FieldError
	var fe *FieldError
	if b.Clinician, fe = cleanLine(DeskFieldClinician, b.Clinician, maxClinicianChars); fe != nil {
		errs = append(errs, *fe)
	}
	if b.Note, fe = cleanLines(DeskFieldNote, b.Note, maxNoteChars); fe != nil {
		errs = append(errs, *fe)
	}
	return errs
}

// same reports whether b books what o does: the same time, length,
// clinician and note. Both are as checked, their text trimmed.
func (b Booking) same(o Booking) bool {
	return b.Start.Equal(o.Start) && b.Length == o.Length && b.Clinician == o.Clinician && b.Note == o.Note
}

// cleanLine trims and checks a one-line field the front desk typed, by
// the rule of the patient's one-line fields: valid UTF-8, no line break of
// any kind (the line and paragraph separators too), no control or
// invisible character, at most max characters.
func cleanLine(field, s string, max int) (string, *FieldError) {
	if !utf8.ValidString(s) || strings.IndexFunc(s, isForbiddenInLine) >= 0 {
		fe := deskProblem(field, CodeControlCharacter, "desk.form.line", fieldLabel(field))
		return "", &fe
	}
	return checkLength(field, strings.TrimSpace(s), max)
}

// cleanLines trims and checks a note or message the front desk typed, by
// the rule of the patient's message: valid UTF-8, line breaks made "\n",
// no control or invisible character but those an emoji is written with,
// at most max characters.
func cleanLines(field, s string, max int) (string, *FieldError) {
	s = NormalizeLines(s)
	if !utf8.ValidString(s) || hasForbiddenInReason(s) {
		fe := deskProblem(field, CodeControlCharacter, "desk.form.characters", fieldLabel(field))
		return "", &fe
	}
	return checkLength(field, s, max)
}

func checkLength(field, s string, max int) (string, *FieldError) {
	if n := utf8.RuneCountInString(s); n > max {
		fe := deskProblem(field, CodeTooLong, "desk.form.tooLong", fieldLabel(field), max, n)
		return "", &fe
	}
	return s, nil
}

// Overdue reports whether the front desk has not answered the request in
// the time its confirmation promised the patient: it is still received,
// and the reply time, counted in the clinic's opening hours from when it
// came in, has passed. A request already contacted is not overdue.
func (r Request) Overdue(p *clinic.Profile, now time.Time) bool {
	if r.Status.Normal() != StatusReceived {
		return false
	}
	by, ok := p.ReplyBy(r.CreatedAt)
	return ok && now.After(by)
}
