// Package calendar builds the calendar invitation (an iCalendar object,
// RFC 5545, sent as an iTIP message, RFC 5546) attached to the email that
// tells a patient their appointment is booked, moved or cancelled, so that
// the appointment lands in, moves in or leaves the patient's calendar; and
// the front desk's copy of it, which does the same in the clinic's
// calendar.
package calendar

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
)

// Method is the iTIP method of an invitation: what the patient's calendar
// is asked to do with the event.
type Method string

// The methods the clinic sends. A reschedule is a REQUEST with the same UID
// and a higher SEQUENCE, which calendars apply as an update.
const (
	Request Method = "REQUEST" // a booking or a reschedule
	Cancel  Method = "CANCEL"  // the booking is cancelled
)

// Invite is what an invitation is built from.
type Invite struct {
	Method  Method
	Profile *clinic.Profile
	Request appointment.Request
	Booking appointment.Booking
	// Organizer is the clinic's sending address, bare and ASCII. Calendars
	// send their replies to it and use its domain to scope the UID.
	Organizer string
	// Stamp is when the invitation is made (DTSTAMP).
	Stamp time.Time
	// Desk, when set, makes the invitation the front desk's copy rather
	// than the patient's.
	Desk *DeskCopy
	// Language is the language of the patient's copy: its title, its
	// notes, and the service and location as the profile names them in
	// it. Empty means the request's language, or for a request without
	// one the clinic's. The front desk's copy is in the clinic's
	// language.
	Language i18n.Language
}

// DeskCopy says for whom the front desk's copy of an invitation is and
// how much of the patient it names. The copy has a UID of its own, so
// that it never updates or cancels the patient's event in a calendar that
// sees both, and its attendees are the front desk, never the patient, so
// that nothing the desk's calendar sends about it reaches the patient.
type DeskCopy struct {
	// Attendees are the front desk's bare addresses, at least one.
	Attendees []string
	// PatientName says the copy names the patient (staff detail full);
	// without it the copy carries the request's reference alone.
	PatientName bool
}

// Errors for an invitation that cannot be built.
var (
	ErrNoOrganizer     = errors.New("calendar: organizer address is required")
	ErrNoStart         = errors.New("calendar: booking start is required")
	ErrUnknownService  = errors.New("calendar: unknown service")
	ErrUnknownLocation = errors.New("calendar: unknown location")
)

const (
	// localFormat is a DATE-TIME in local ("floating" or TZID) form.
	localFormat = "20060102T150405"
	// epochOnset is the customary onset of a time zone observance that has
	// no transition to start from.
	epochOnset = "19700101T000000"
)

// Build returns the invitation as an .ics file: CRLF line ends, lines folded
// at 75 octets.
func Build(in Invite) ([]byte, error) {
	inv, err := accept(in)
	if err != nil {
		return nil, err
	}
	cal := newCalendar(in.Method, oneLine(in.Profile.Name))
	// A calendar that does not know the zone by its IANA name places the
	// event by the VTIMEZONE alone, so it must describe the zone as Go
	// knows it around the booking.
	addTimezone(cal, in.Profile.Zone(), in.Booking.Start)
	cal.Components = append(cal.Components, inv.event())

	var b strings.Builder
	if err := cal.SerializeTo(&b, ics.WithNewLineWindows); err != nil {
		return nil, fmt.Errorf("calendar: serialize: %w", err)
	}
	return []byte(b.String()), nil
}

// invitation is an Invite that Build has checked, with what it found out
// on the way: the event's status, the two addresses as they are written,
// and the service and location the request names.
type invitation struct {
	Invite
	status    ics.ObjectStatus
	organizer string
	attendees []string
	service   clinic.Service
	location  clinic.Location
	// lang is the language of the event's words.
	lang i18n.Language
}

// accept checks that in can be an invitation, the method first, then the
// addresses, the booking and the clinic's profile, and returns the first
// problem it finds.
func accept(in Invite) (invitation, error) {
	inv := invitation{Invite: in, lang: in.language()}
	var err error
	if inv.status, err = in.Method.status(); err != nil {
		return invitation{}, err
	}
	if inv.organizer, inv.attendees, err = in.addresses(); err != nil {
		return invitation{}, err
	}
	if err := in.checkBooking(); err != nil {
		return invitation{}, err
	}
	if inv.service, inv.location, err = in.serviceAndLocation(); err != nil {
		return invitation{}, err
	}
	return inv, nil
}

// status is the STATUS of the event that the method sends.
func (m Method) status() (ics.ObjectStatus, error) {
	switch m {
	case Request:
		return ics.ObjectStatusConfirmed, nil
	case Cancel:
		return ics.ObjectStatusCancelled, nil
	}
	return "", fmt.Errorf("calendar: unknown method %q", m)
}

// addresses returns the organizer's address and the attendees' (the
// patient's, or the front desk's for its copy) as the invitation writes
// them.
func (in Invite) addresses() (organizer string, attendees []string, err error) {
	if strings.TrimSpace(in.Organizer) == "" {
		return "", nil, ErrNoOrganizer
	}
	// The same rule as every address that leaves the system: it also keeps
	// the address free of anything that would need escaping, since
	// CAL-ADDRESS values are written as they are.
	organizer, err = appointment.SESAddress(in.Organizer)
	if err != nil {
		return "", nil, fmt.Errorf("calendar: organizer: %w", err)
	}
	if in.Desk == nil {
		attendee, err := appointment.SESAddress(in.Request.Email)
		if err != nil {
			return "", nil, fmt.Errorf("calendar: patient: %w", err)
		}
		return organizer, []string{attendee}, nil
	}
	if len(in.Desk.Attendees) == 0 {
		return "", nil, errors.New("calendar: the front desk's copy has no attendee")
	}
	for i, a := range in.Desk.Attendees {
		attendee, err := appointment.SESAddress(a)
		if err != nil {
			return "", nil, fmt.Errorf("calendar: front desk %d: %w", i, err)
		}
		attendees = append(attendees, attendee)
	}
	return organizer, attendees, nil
}

// checkBooking checks what places the event in time and names it: its
// start and length, when the invitation is made, and the request it
// belongs to.
func (in Invite) checkBooking() error {
	if in.Booking.Start.IsZero() {
		return ErrNoStart
	}
	if in.Booking.Length <= 0 {
		// RFC 5545 wants DTEND after DTSTART.
		return fmt.Errorf("calendar: booking length %v is not positive", in.Booking.Length)
	}
	if in.Stamp.IsZero() {
		return errors.New("calendar: stamp is required")
	}
	if in.Request.ID == "" {
		return errors.New("calendar: request ID is required")
	}
	return nil
}

// language is the language the invitation's words are in: the clinic's
// for the front desk's copy, the patient's for theirs.
func (in Invite) language() i18n.Language {
	var clinicLanguage i18n.Language
	if in.Profile != nil {
		clinicLanguage = in.Profile.Language
	}
	if in.Desk != nil {
		return clinicLanguage.Or(i18n.English)
	}
	return in.Language.Or(in.Request.Language).Or(clinicLanguage).Or(i18n.English)
}

// serviceAndLocation returns the service and the location the request
// names, from the clinic's profile, as a reader of the invitation's
// language reads them.
func (in Invite) serviceAndLocation() (clinic.Service, clinic.Location, error) {
	if in.Profile == nil {
		return clinic.Service{}, clinic.Location{}, errors.New("calendar: clinic profile is required")
	}
	p := in.Profile.In(in.language())
	service, ok := p.Service(in.Request.Service)
	if !ok {
		return clinic.Service{}, clinic.Location{}, fmt.Errorf("%w %q", ErrUnknownService, in.Request.Service)
	}
	location, ok := p.Location(in.Request.Location)
	if !ok {
		return clinic.Service{}, clinic.Location{}, fmt.Errorf("%w %q", ErrUnknownLocation, in.Request.Location)
	}
	return service, location, nil
}

// newCalendar returns the VCALENDAR that carries the event, from the
// clinic and asking the patient's calendar to apply the method.
func newCalendar(m Method, clinicName string) *ics.Calendar {
	cal := ics.NewCalendarFor(clinicName)
	cal.SetProductId("-//" + clinicName + "//Appointments//EN")
	cal.SetMethod(ics.Method(m))
	cal.SetCalscale("GREGORIAN")
	return cal
}

// event returns the appointment as the VEVENT the patient's calendar
// keeps, with its ORGANIZER and ATTENDEE.
func (inv invitation) event() *addressedEvent {
	zone := inv.Profile.Zone()
	event := ics.NewEvent(inv.uid())
	event.SetSequence(inv.Booking.Sequence)
	event.SetDtStampTime(inv.Stamp)
	// SetStartAt and SetEndAt write UTC; the wall time with TZID keeps the
	// appointment at the clinic's hour in the patient's calendar, whatever
	// zone the patient is in.
	event.SetProperty(ics.ComponentPropertyDtStart, inv.Booking.Start.In(zone).Format(localFormat), ics.WithTZID(zone.String()))
	event.SetProperty(ics.ComponentPropertyDtEnd, inv.Booking.End().In(zone).Format(localFormat), ics.WithTZID(zone.String()))
	event.SetSummary(inv.summary())
	event.SetLocation(oneLine(inv.location.Label) + ", " + oneLine(inv.location.Address))
	if inv.Desk != nil {
		event.SetDescription(deskDescription(inv.Invite, inv.lang))
	} else {
		event.SetDescription(description(inv.Invite, inv.Profile, inv.lang))
	}
	event.SetStatus(inv.status)
	return &addressedEvent{VEvent: event, addresses: inv.addressLines()}
}

// uid is the event's UID. It stays the same through every reschedule and
// the cancel, so that each message updates the one event; the organizer's
// domain keeps it apart from other senders' UIDs. The front desk's copy
// has a UID of its own, so that a calendar that holds both never takes
// one for the other.
func (inv invitation) uid() string {
	domain := inv.organizer[strings.LastIndexByte(inv.organizer, '@')+1:]
	if inv.Desk != nil {
		return inv.Request.ID + "-desk@" + domain
	}
	return inv.Request.ID + "@" + domain
}

// summary is the event's title: for the patient, the service and the
// clinic; for the front desk, the service and who comes, by name only
// when the copy may name the patient.
func (inv invitation) summary() string {
	service := oneLine(inv.service.Label)
	if inv.Desk == nil {
		return inv.lang.Sprintf("calendar.summary", service, oneLine(inv.Profile.Name))
	}
	who := oneLine(inv.Request.Reference)
	if name := oneLine(inv.Request.FirstName + " " + inv.Request.LastName); inv.Desk.PatientName && name != "" {
		who = name + " (" + who + ")"
	}
	return who + ": " + service
}

// addressLines are the event's ORGANIZER, the clinic, and its ATTENDEEs:
// the patient, whose answer a REQUEST awaits, or for the front desk's
// copy, the front desk, from whom none is asked.
func (inv invitation) addressLines() []contentLine {
	lines := []contentLine{{"ORGANIZER", []parameter{{"CN", paramText(inv.Profile.Name)}}, "mailto:" + inv.organizer}}
	if inv.Desk != nil {
		for _, a := range inv.attendees {
			lines = append(lines, contentLine{"ATTENDEE", []parameter{
				{"CN", paramText(inv.lang.Sprintf("desk.calendar.attendee", inv.Profile.Name))},
				{"ROLE", string(ics.ParticipationRoleNonParticipant)},
				{"PARTSTAT", string(ics.ParticipationStatusAccepted)},
				{"RSVP", "FALSE"},
			}, "mailto:" + a})
		}
		return lines
	}
	attendee := []parameter{
		{"CN", paramText(inv.Request.FirstName + " " + inv.Request.LastName)},
		{"ROLE", string(ics.ParticipationRoleReqParticipant)},
	}
	if inv.Method == Request {
		attendee = append(attendee, parameter{"PARTSTAT", string(ics.ParticipationStatusNeedsAction)})
	}
	return append(lines, contentLine{"ATTENDEE", attendee, "mailto:" + inv.attendees[0]})
}

// deskDescription is the notes of the front desk's copy, in lang, the
// clinic's: the reference, which finds the request, the patient's name
// and language when the copy may carry them, and the clinician. The note
// to the patient is left out: it is the patient's.
func deskDescription(in Invite, lang i18n.Language) string {
	var lines []string
	if in.Method == Cancel {
		lines = append(lines, lang.Sprintf("calendar.cancelled"))
	}
	if ref := oneLine(in.Request.Reference); ref != "" {
		lines = append(lines, lang.Sprintf("calendar.reference", ref))
	}
	if name := oneLine(in.Request.FirstName + " " + in.Request.LastName); in.Desk.PatientName && name != "" {
		lines = append(lines, lang.Sprintf("desk.calendar.patient", name))
		// A request stored before requests had a language is in the
		// clinic's.
		lines = append(lines, lang.Sprintf("desk.calendar.language", in.Request.Language.Or(lang).Name(lang)))
	}
	if c := oneLine(in.Booking.Clinician); c != "" {
		lines = append(lines, lang.Sprintf("calendar.clinician", c))
	}
	return strings.Join(lines, "\n")
}

// description is the event's notes, in lang: what the patient may need
// at hand when looking at the appointment in their calendar.
func description(in Invite, p *clinic.Profile, lang i18n.Language) string {
	var lines []string
	if in.Method == Cancel {
		lines = append(lines, lang.Sprintf("calendar.cancelled"))
	}
	if ref := oneLine(in.Request.Reference); ref != "" {
		lines = append(lines, lang.Sprintf("calendar.reference", ref))
	}
	if c := oneLine(in.Booking.Clinician); c != "" {
		lines = append(lines, lang.Sprintf("calendar.clinician", c))
	}
	if n := multiLine(in.Booking.Note); n != "" {
		lines = append(lines, lang.Sprintf("calendar.note", n))
	}
	lines = append(lines, lang.Sprintf("calendar.change", oneLine(p.Name), oneLine(p.Phone)))
	return strings.Join(lines, "\n")
}

// addTimezone adds a VTIMEZONE for loc with one observance per transition,
// each with its explicit onset, from the start of the year before the
// booking's to the end of the year after it. Explicit onsets rather than
// RRULEs describe the zone exactly as Go's database has it, including
// changes of rule, and three years cover the booking wherever it falls in
// its year. The observance in force when that span begins is included too,
// so that no instant of the span is left without one.
func addTimezone(cal *ics.Calendar, loc *time.Location, around time.Time) {
	tz := cal.AddTimezone(loc.String())
	year := around.In(loc).Year()
	from := time.Date(year-1, time.January, 1, 0, 0, 0, 0, loc)
	until := time.Date(year+2, time.January, 1, 0, 0, 0, 0, loc)

	var onsets []time.Time
	if start, _ := from.ZoneBounds(); !start.IsZero() {
		onsets = append(onsets, start)
	}
	for t := from; ; {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(until) {
			break
		}
		onsets = append(onsets, end)
		t = end
	}

	if len(onsets) == 0 {
		// A zone that has never changed, such as UTC: one observance,
		// offset to itself.
		name, offset := around.In(loc).Zone()
		addObservance(tz, false, epochOnset, offset, offset, name)
		return
	}
	for _, onset := range onsets {
		_, before := onset.Add(-time.Nanosecond).Zone()
		name, after := onset.Zone()
		// DTSTART of an observance is its onset in the wall time that was
		// in force until then (RFC 5545, 3.6.5).
		local := onset.In(time.FixedZone("", before)).Format(localFormat)
		addObservance(tz, onset.IsDST(), local, before, after, name)
	}
}

// addObservance adds a STANDARD or DAYLIGHT sub-component. The library has
// AddStandard but no counterpart for DAYLIGHT, so both are built the same
// way from its types.
func addObservance(tz *ics.VTimezone, daylight bool, dtstart string, from, to int, name string) {
	var c *ics.ComponentBase
	if daylight {
		d := &ics.Daylight{}
		tz.Components = append(tz.Components, d)
		c = &d.ComponentBase
	} else {
		c = &tz.AddStandard().ComponentBase
	}
	c.AddProperty(ics.ComponentPropertyDtStart, dtstart)
	c.AddProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), utcOffset(from))
	c.AddProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), utcOffset(to))
	if name != "" {
		c.AddProperty(ics.ComponentProperty(ics.PropertyTzname), oneLine(name))
	}
}

// utcOffset formats seconds east of UTC as a UTC-OFFSET: ±hhmm, with
// seconds only when there are some (local mean times have them). RFC 5545
// does not allow -0000.
func utcOffset(seconds int) string {
	sign := '+'
	if seconds < 0 {
		sign = '-'
		seconds = -seconds
	}
	h, m, s := seconds/3600, seconds/60%60, seconds%60
	if s != 0 {
		return fmt.Sprintf("%c%02d%02d%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%c%02d%02d", sign, h, m)
}

// oneLine returns s with each run of control characters and line or
// paragraph separators replaced by one space, trimmed. The library escapes
// "\n" in TEXT values but writes a "\r" as it is, and a bare CR ends a line
// for some readers, so nothing a person typed may keep one.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Join(strings.FieldsFunc(s, isBreak), " "))
}

// multiLine keeps the lines of s, with every line end made "\n" for the
// library to escape, and each line cleaned as oneLine does.
func multiLine(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = oneLine(l)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// addressedEvent is the event with its ORGANIZER and ATTENDEE, which are
// written here rather than by the library. The library writes every
// parameter value but ALTREP with backslash escapes, which RFC 5545 does
// not have in parameters: a parser that follows the RFC ends a CN such as
// "x\:mailto\:atk@evil.example\;ROLE=CHAIR" at its first colon and reads
// the rest as the address, so a patient's name could make someone else
// the attendee. The RFC quotes such a value instead (section 3.2).
type addressedEvent struct {
	*ics.VEvent
	addresses []contentLine
}

// SerializeTo writes the event as the library does, with the address
// lines after its other properties.
func (e *addressedEvent) SerializeTo(w io.Writer, config *ics.SerializationConfiguration) error {
	var b strings.Builder
	if err := e.VEvent.SerializeTo(&b, config); err != nil {
		return err
	}
	body, ok := strings.CutSuffix(b.String(), "END:"+string(ics.ComponentVEvent)+config.NewLine)
	if !ok {
		return errors.New("calendar: the library's event does not end with END:VEVENT")
	}
	for _, l := range e.addresses {
		body += fold(l.String(), config.MaxLength, config.NewLine)
	}
	_, err := io.WriteString(w, body+"END:"+string(ics.ComponentVEvent)+config.NewLine)
	return err
}

// contentLine is a property with parameters (RFC 5545, 3.1) whose name,
// parameter names and value need no escaping, as an address's do not.
type contentLine struct {
	name   string
	params []parameter
	value  string
}

type parameter struct{ name, value string }

// String returns the line unfolded, with each parameter value that holds
// a colon, a semicolon or a comma in double quotes, as section 3.2 wants.
// The values come from paramText, so none holds a DQUOTE or a control.
func (l contentLine) String() string {
	var b strings.Builder
	b.WriteString(l.name)
	for _, p := range l.params {
		b.WriteString(";" + p.name + "=")
		if strings.ContainsAny(p.value, ":;,") {
			b.WriteString(`"` + p.value + `"`)
		} else {
			b.WriteString(p.value)
		}
	}
	b.WriteString(":" + l.value)
	return b.String()
}

// fold returns line folded as section 3.1 wants: lines of at most
// maxOctets octets, each after the first starting with a space, with no
// character split between two lines, each ended by newline.
func fold(line string, maxOctets int, newline string) string {
	var b strings.Builder
	limit := maxOctets
	for len(line) > limit {
		cut := limit
		for !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut] + newline + " ")
		line = line[cut:]
		limit = maxOctets - 1 // the space that starts the next line is one
	}
	b.WriteString(line + newline)
	return b.String()
}

// paramText makes s fit for a parameter such as CN. A parameter value can
// hold no control character and no DQUOTE in any form (RFC 5545, 3.1), so
// those go. Backslashes go too: RFC 5545 reads them as written in a
// parameter, but parsers that read them as escapes, as some do, would
// take a quoted value that ends in one to run on past its closing quote.
func paramText(s string) string {
	s = strings.ToValidUTF8(oneLine(s), "\uFFFD")
	return strings.NewReplacer(`"`, "", `\`, "").Replace(s)
}

func isBreak(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}
