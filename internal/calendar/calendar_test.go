package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/testing/storetest"
)

const organizer = "appointments@mail.example.com"

// made is when the test requests are sent and their invitations made:
// before every booking the tests make.
var made = time.Date(2026, time.January, 5, 17, 30, 0, 0, time.UTC)

func profile(t *testing.T) *clinic.Profile {
	t.Helper()
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// inZone returns a copy of the default profile in another time zone.
func inZone(t *testing.T, zone string) *clinic.Profile {
	t.Helper()
	p := *profile(t)
	p.TimeZone = zone
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return &p
}

// invite is a booking of the profile's first service at its first
// location, at the given wall time in the profile's zone.
func invite(t *testing.T, p *clinic.Profile, m Method, year int, month time.Month, day, hour int) Invite {
	t.Helper()
	r := storetest.Request("Knee pain after running.", made)
	r.Service = p.Services[0].ID
	r.Location = p.Locations[0].ID
	return Invite{
		Method:  m,
		Profile: p,
		Request: r,
		Booking: appointment.Booking{
			Start:     time.Date(year, month, day, hour, 0, 0, 0, p.Zone()).UTC(),
			Length:    45 * time.Minute,
			Clinician: "Dr. Sam Lee, DPT",
			Note:      "Bring your running shoes; arrive 10 minutes early.",
		},
		Organizer: organizer,
		Stamp:     made,
	}
}

func build(t *testing.T, in Invite) ([]byte, *ics.Calendar, *ics.VEvent) {
	t.Helper()
	data, err := Build(in)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	// Every line must also be what RFC 5545's grammar accepts, not only
	// what the library's more lenient parser reads.
	rfcLines(t, data)
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ParseCalendar: %v\n%s", err, data)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d events, want 1\n%s", len(events), data)
	}
	return data, cal, events[0]
}

func calendarProperty(cal *ics.Calendar, name ics.Property) string {
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == string(name) {
			return p.Value
		}
	}
	return ""
}

func value(t *testing.T, e *ics.VEvent, name ics.ComponentProperty) string {
	t.Helper()
	p := e.GetProperty(name)
	if p == nil {
		t.Fatalf("no %s", name)
	}
	return p.Value
}

func param(p *ics.IANAProperty, name ics.Parameter) string {
	return strings.Join(p.ICalParameters[string(name)], ",")
}

// instant reads a DATE-TIME property with a TZID by the VTIMEZONE of the
// same TZID in cal, not by Go's tz database, so that it checks what a
// calendar without the database would make of the invitation.
func instant(t *testing.T, cal *ics.Calendar, p *ics.IANAProperty) time.Time {
	t.Helper()
	tzid := param(p, ics.ParameterTzid)
	wall, err := time.Parse(localFormat, p.Value)
	if err != nil {
		t.Fatalf("%s %q: %v", p.IANAToken, p.Value, err)
	}
	for _, tz := range cal.Timezones() {
		if tz.GetProperty(ics.ComponentPropertyTzid).Value == tzid {
			return resolve(t, tz, wall)
		}
	}
	t.Fatalf("no VTIMEZONE %q", tzid)
	return time.Time{}
}

type observance struct {
	onset    time.Time // in UTC
	from, to int       // seconds east of UTC
}

// observances reads the STANDARD and DAYLIGHT components of a VTIMEZONE,
// in order of onset.
func observances(t *testing.T, tz *ics.VTimezone) []observance {
	t.Helper()
	var obs []observance
	for _, c := range tz.Components {
		var cb *ics.ComponentBase
		switch c := c.(type) {
		case *ics.Standard:
			cb = &c.ComponentBase
		case *ics.Daylight:
			cb = &c.ComponentBase
		default:
			t.Fatalf("unexpected %T in VTIMEZONE", c)
		}
		start, err := time.Parse(localFormat, cb.GetProperty(ics.ComponentPropertyDtStart).Value)
		if err != nil {
			t.Fatal(err)
		}
		from := offset(t, cb.GetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom)).Value)
		to := offset(t, cb.GetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto)).Value)
		obs = append(obs, observance{start.Add(-time.Duration(from) * time.Second), from, to})
	}
	slices.SortFunc(obs, func(a, b observance) int { return a.onset.Compare(b.onset) })
	return obs
}

// resolve applies a VTIMEZONE to a wall time (given with UTC fields): the
// observance in force is the one with the latest onset not after the
// instant the wall time stands for under that observance's offset.
func resolve(t *testing.T, tz *ics.VTimezone, wall time.Time) time.Time {
	t.Helper()
	obs := observances(t, tz)
	for i, o := range obs {
		u := wall.Add(-time.Duration(o.to) * time.Second)
		if u.Before(o.onset) {
			continue
		}
		if i+1 < len(obs) && !u.Before(obs[i+1].onset) {
			continue
		}
		return u
	}
	t.Fatalf("no observance covers %s", wall.Format(localFormat))
	return time.Time{}
}

func offset(t *testing.T, s string) int {
	t.Helper()
	if (len(s) != 5 && len(s) != 7) || (s[0] != '+' && s[0] != '-') {
		t.Fatalf("UTC offset %q", s)
	}
	n := 0
	for i, unit := range []int{3600, 60, 1} {
		if 1+2*i >= len(s) {
			break
		}
		v, err := strconv.Atoi(s[1+2*i : 3+2*i])
		if err != nil {
			t.Fatalf("UTC offset %q", s)
		}
		n += v * unit
	}
	if s[0] == '-' {
		n = -n
	}
	return n
}

func TestRequest(t *testing.T) {
	p := profile(t)
	in := invite(t, p, Request, 2026, time.November, 2, 9)
	data, cal, e := build(t, in)

	for prop, want := range map[ics.Property]string{
		ics.PropertyMethod:    "REQUEST",
		ics.PropertyVersion:   "2.0",
		ics.PropertyCalscale:  "GREGORIAN",
		ics.PropertyProductId: "-//Ascent Total Performance//Appointments//EN",
	} {
		if got := calendarProperty(cal, prop); got != want {
			t.Errorf("%s = %q, want %q", prop, got, want)
		}
	}
	for prop, want := range map[ics.ComponentProperty]string{
		ics.ComponentPropertyUniqueId: in.Request.ID + "@mail.example.com",
		ics.ComponentPropertySequence: "0",
		ics.ComponentPropertyStatus:   "CONFIRMED",
		ics.ComponentPropertyDtstamp:  "20260105T173000Z",
		ics.ComponentPropertySummary:  "Physical therapy evaluation at Ascent Total Performance",
		ics.ComponentPropertyLocation: "Ascent Total Performance, 1200 Example Avenue, Suite 100, Boulder, CO 80302",
		ics.ComponentPropertyDtStart:  "20261102T090000",
		ics.ComponentPropertyDtEnd:    "20261102T094500",
	} {
		if got := value(t, e, prop); got != want {
			t.Errorf("%s = %q, want %q", prop, got, want)
		}
	}
	for _, prop := range []ics.ComponentProperty{ics.ComponentPropertyDtStart, ics.ComponentPropertyDtEnd} {
		if got := param(e.GetProperty(prop), ics.ParameterTzid); got != "America/Denver" {
			t.Errorf("%s TZID = %q", prop, got)
		}
	}
	// The location's comma is escaped on the wire, and the summary and
	// location are one property line each once unfolded.
	if !bytes.Contains(data, []byte(`Ascent Total Performance\, 1200 Example Avenue\, Suite 100`)) {
		t.Errorf("LOCATION not escaped:\n%s", data)
	}

	org := e.GetProperty(ics.ComponentPropertyOrganizer)
	if org.Value != "mailto:"+organizer || param(org, ics.ParameterCn) != "Ascent Total Performance" {
		t.Errorf("ORGANIZER = %q CN=%q", org.Value, param(org, ics.ParameterCn))
	}
	attendees := e.Attendees()
	if len(attendees) != 1 {
		t.Fatalf("%d attendees, want 1", len(attendees))
	}
	a := attendees[0]
	if a.Email() != "jordan@example.com" || !strings.HasPrefix(a.Value, "mailto:") {
		t.Errorf("ATTENDEE = %q", a.Value)
	}
	if cn := param(&a.IANAProperty, ics.ParameterCn); cn != "Jordan Rivera" {
		t.Errorf("ATTENDEE CN = %q", cn)
	}
	if role := param(&a.IANAProperty, ics.ParameterRole); role != "REQ-PARTICIPANT" {
		t.Errorf("ATTENDEE ROLE = %q", role)
	}
	if a.ParticipationStatus() != ics.ParticipationStatusNeedsAction {
		t.Errorf("ATTENDEE PARTSTAT = %q", a.ParticipationStatus())
	}

	desc := value(t, e, ics.ComponentPropertyDescription)
	for _, want := range []string{
		"Reference: " + in.Request.Reference,
		"Clinician: Dr. Sam Lee, DPT",
		"Note: Bring your running shoes; arrive 10 minutes early.",
		p.Phone,
	} {
		if !strings.Contains(desc, want) {
			t.Errorf("DESCRIPTION %q lacks %q", desc, want)
		}
	}

	start := instant(t, cal, e.GetProperty(ics.ComponentPropertyDtStart))
	end := instant(t, cal, e.GetProperty(ics.ComponentPropertyDtEnd))
	if !start.Equal(in.Booking.Start) || end.Sub(start) != in.Booking.Length {
		t.Errorf("event runs %v to %v, want %v for %v", start, end, in.Booking.Start, in.Booking.Length)
	}
}

// TestDaylightSaving: America/Denver leaves MDT (-06:00) for MST (-07:00)
// on Sunday 1 November 2026, so 9:00 on the Monday after is 16:00 UTC and
// 9:00 the Monday before is 15:00 UTC, as read from the VTIMEZONE.
func TestDaylightSaving(t *testing.T) {
	p := profile(t)
	for _, tc := range []struct {
		month time.Month
		day   int
		want  time.Time
	}{
		{time.October, 26, time.Date(2026, 10, 26, 15, 0, 0, 0, time.UTC)},
		{time.November, 2, time.Date(2026, 11, 2, 16, 0, 0, 0, time.UTC)},
		{time.March, 9, time.Date(2026, 3, 9, 15, 0, 0, 0, time.UTC)},
		{time.March, 6, time.Date(2026, 3, 6, 16, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.want.Format(time.DateOnly), func(t *testing.T) {
			_, cal, e := build(t, invite(t, p, Request, 2026, tc.month, tc.day, 9))
			if v := value(t, e, ics.ComponentPropertyDtStart); !strings.HasSuffix(v, "T090000") {
				t.Errorf("DTSTART = %q, want the clinic's wall time", v)
			}
			if got := instant(t, cal, e.GetProperty(ics.ComponentPropertyDtStart)); !got.Equal(tc.want) {
				t.Errorf("DTSTART is %v by the VTIMEZONE, want %v", got, tc.want)
			}
			tzs := cal.Timezones()
			if len(tzs) != 1 {
				t.Fatalf("%d VTIMEZONEs, want 1", len(tzs))
			}
			var standard, daylight int
			for _, c := range tzs[0].Components {
				switch c := c.(type) {
				case *ics.Standard:
					standard++
					if c.GetProperty(ics.ComponentProperty(ics.PropertyTzname)).Value != "MST" {
						t.Errorf("STANDARD TZNAME is not MST")
					}
				case *ics.Daylight:
					daylight++
				}
			}
			if standard < 3 || daylight < 3 {
				t.Errorf("%d STANDARD and %d DAYLIGHT, want the transitions of three years", standard, daylight)
			}
		})
	}
}

// TestTimezonesAgainstGo: in zones on either side of the equator, with
// half-hour offsets and without daylight saving, every onset in the
// VTIMEZONE is a transition of Go's tz database to the same offsets, and
// the VTIMEZONE places the event where the database does, throughout the
// year.
func TestTimezonesAgainstGo(t *testing.T) {
	zones := []string{"America/Denver", "Europe/London", "Australia/Sydney", "America/St_Johns", "Asia/Kolkata", "America/Phoenix", "UTC"}
	for _, zone := range zones {
		p := inZone(t, zone)
		_, cal, _ := build(t, invite(t, p, Request, 2027, time.June, 1, 9))
		for _, o := range observances(t, cal.Timezones()[0]) {
			if o.from == o.to {
				continue
			}
			_, before := o.onset.Add(-time.Second).In(p.Zone()).Zone()
			_, after := o.onset.In(p.Zone()).Zone()
			if before != o.from || after != o.to {
				t.Errorf("%s: onset %v from %d to %d; Go has %d to %d", zone, o.onset, o.from, o.to, before, after)
			}
		}
		for month := time.January; month <= time.December; month++ {
			for _, day := range []int{1, 15, 28} {
				in := invite(t, p, Request, 2027, month, day, 9)
				_, cal, e := build(t, in)
				got := instant(t, cal, e.GetProperty(ics.ComponentPropertyDtStart))
				if !got.Equal(in.Booking.Start) {
					t.Errorf("%s %s: VTIMEZONE gives %v, Go gives %v", zone, in.Booking.Start.In(p.Zone()).Format(time.DateTime), got, in.Booking.Start)
				}
				end := instant(t, cal, e.GetProperty(ics.ComponentPropertyDtEnd))
				if !end.Equal(in.Booking.End()) {
					t.Errorf("%s: DTEND %v, want %v", zone, end, in.Booking.End())
				}
			}
		}
	}
}

func TestZoneWithoutDaylightSaving(t *testing.T) {
	for _, tc := range []struct {
		zone string
		want time.Time
	}{
		{"America/Phoenix", time.Date(2026, 11, 2, 16, 0, 0, 0, time.UTC)},
		{"UTC", time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			data, cal, e := build(t, invite(t, inZone(t, tc.zone), Request, 2026, time.November, 2, 9))
			tzs := cal.Timezones()
			if len(tzs) != 1 || tzs[0].GetProperty(ics.ComponentPropertyTzid).Value != tc.zone {
				t.Fatalf("want one VTIMEZONE %s:\n%s", tc.zone, data)
			}
			if n := len(tzs[0].Components); n != 1 {
				t.Fatalf("%d observances, want 1:\n%s", n, data)
			}
			if _, ok := tzs[0].Components[0].(*ics.Standard); !ok {
				t.Errorf("observance is %T, want STANDARD", tzs[0].Components[0])
			}
			if param(e.GetProperty(ics.ComponentPropertyDtStart), ics.ParameterTzid) != tc.zone {
				t.Errorf("DTSTART is not in %s", tc.zone)
			}
			if got := instant(t, cal, e.GetProperty(ics.ComponentPropertyDtStart)); !got.Equal(tc.want) {
				t.Errorf("DTSTART is %v by the VTIMEZONE, want %v", got, tc.want)
			}
		})
	}
}

// TestCancel: a cancel names the same event, with the raised sequence, so
// that the patient's calendar removes it.
func TestCancel(t *testing.T) {
	p := profile(t)
	booked := invite(t, p, Request, 2026, time.November, 2, 9)
	_, _, first := build(t, booked)

	cancelled := booked
	cancelled.Method = Cancel
	cancelled.Booking.Sequence = 1
	cancelled.Stamp = booked.Stamp.Add(time.Hour)
	_, cal, e := build(t, cancelled)

	if got := calendarProperty(cal, ics.PropertyMethod); got != "CANCEL" {
		t.Errorf("METHOD = %q", got)
	}
	if e.Id() != first.Id() {
		t.Errorf("UID %q, want the booking's %q", e.Id(), first.Id())
	}
	for prop, want := range map[ics.ComponentProperty]string{
		ics.ComponentPropertySequence:  "1",
		ics.ComponentPropertyStatus:    "CANCELLED",
		ics.ComponentPropertyDtstamp:   "20260105T183000Z",
		ics.ComponentPropertyOrganizer: "mailto:" + organizer,
	} {
		if got := value(t, e, prop); got != want {
			t.Errorf("%s = %q, want %q", prop, got, want)
		}
	}
	if a := e.Attendees(); len(a) != 1 || a[0].Email() != "jordan@example.com" {
		t.Errorf("attendees %v", a)
	}
	if !strings.Contains(value(t, e, ics.ComponentPropertyDescription), "cancelled") {
		t.Errorf("DESCRIPTION does not say the appointment is cancelled")
	}
}

// TestInjection: line breaks in what people type stay inside their
// property, and quotes and punctuation in a name stay inside its parameter.
func TestInjection(t *testing.T) {
	const evil = "\r\nATTENDEE:mailto:evil@example.net"
	for _, br := range []string{evil, "\n" + evil[2:], "\r" + evil[2:]} {
		in := invite(t, profile(t), Request, 2026, time.November, 2, 9)
		in.Booking.Clinician = "Dr. Lee" + br
		in.Booking.Note = "First line, second; part" + br + "\r\nlast line"
		in.Request.FirstName = `Jo "Jo"; ROLE=CHAIR:` + br
		in.Request.LastName = "O'Brien, Jr."
		data, _, e := build(t, in)

		for _, line := range strings.Split(string(data), "\r\n") {
			if strings.Contains(line, "\r") || strings.Contains(line, "\n") {
				t.Errorf("bare line break in %q", line)
			}
			if strings.HasPrefix(line, "ATTENDEE:") {
				t.Errorf("injected line %q", line)
			}
		}
		attendees := e.Attendees()
		if len(attendees) != 1 {
			t.Fatalf("%d attendees, want 1:\n%s", len(attendees), data)
		}
		a := attendees[0]
		if a.Email() != "jordan@example.com" {
			t.Errorf("attendee %q", a.Value)
		}
		if role := param(&a.IANAProperty, ics.ParameterRole); role != "REQ-PARTICIPANT" {
			t.Errorf("ROLE = %q", role)
		}
		if cn := param(&a.IANAProperty, ics.ParameterCn); !strings.Contains(cn, "O'Brien, Jr.") || strings.Contains(cn, `"`) {
			t.Errorf("CN = %q", cn)
		}
		desc := value(t, e, ics.ComponentPropertyDescription)
		if !strings.Contains(desc, "Note: First line, second; part\nATTENDEE:mailto:evil@example.net\nlast line") {
			t.Errorf("DESCRIPTION = %q", desc)
		}
		if !strings.Contains(desc, "Clinician: Dr. Lee ATTENDEE:mailto:evil@example.net\n") {
			t.Errorf("DESCRIPTION = %q", desc)
		}
	}
}

// TestLines: every line, folded ones included, is at most 75 octets and
// ends in CRLF, and folding never splits a character.
func TestLines(t *testing.T) {
	in := invite(t, profile(t), Request, 2026, time.November, 2, 9)
	in.Booking.Note = strings.Repeat("Zoë’s physiotherapy plan — ½ hour of mobility work 🏃, then rest; ", 8)
	in.Request.FirstName = strings.Repeat("Ångström", 10)
	// A comma makes the CN a quoted string, which folds like the rest.
	in.Request.LastName = "Núñez-Rivera, Jr. 🏃"
	data, _, e := build(t, in)

	if !bytes.HasSuffix(data, []byte("END:VCALENDAR\r\n")) {
		t.Errorf("does not end in END:VCALENDAR CRLF")
	}
	lines := strings.Split(string(data), "\r\n")
	if lines[len(lines)-1] != "" {
		t.Errorf("last line %q has no CRLF", lines[len(lines)-1])
	}
	folded := 0
	for _, line := range lines[:len(lines)-1] {
		if len(line) > 75 {
			t.Errorf("%d octets: %q", len(line), line)
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("bare line break in %q", line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("split character in %q", line)
		}
		if strings.HasPrefix(line, " ") {
			folded++
		}
	}
	if folded == 0 {
		t.Errorf("nothing folded:\n%s", data)
	}
	if got := value(t, e, ics.ComponentPropertyDescription); !strings.Contains(got, "Note: "+strings.TrimSpace(in.Booking.Note)) {
		t.Errorf("note did not survive folding: %q", got)
	}
	cn := param(&e.Attendees()[0].IANAProperty, ics.ParameterCn)
	if cn != in.Request.FirstName+" "+in.Request.LastName {
		t.Errorf("CN did not survive folding: %q", cn)
	}
}

// TestParameterQuoting: a name that holds a colon, a semicolon or a comma
// is quoted in the CN parameter (RFC 5545, 3.2), so that a parser that
// follows the RFC reads the patient's address as the attendee and the
// clinic's as the organizer, whatever the names hold, and each name whole
// as its CN. Backslash escapes, which RFC 5545 does not have in
// parameters, made "x:mailto:atk@evil.example;ROLE=CHAIR" end the
// parameters at its first colon and become the address.
func TestParameterQuoting(t *testing.T) {
	tests := []struct {
		first, last string
		clinic      string
		wantCN      string
		wantOrgCN   string
	}{
		{"Jordan", "Rivera", "Ascent Total Performance", "Jordan Rivera", "Ascent Total Performance"},
		{"Jordan", "x:mailto:atk@evil.example;ROLE=CHAIR", "Ascent Total Performance", "Jordan x:mailto:atk@evil.example;ROLE=CHAIR", "Ascent Total Performance"},
		{"Jo;ROLE=CHAIR;PARTSTAT=ACCEPTED", "Rivera", "Ascent Total Performance", "Jo;ROLE=CHAIR;PARTSTAT=ACCEPTED Rivera", "Ascent Total Performance"},
		{"Jordan", "O'Brien, Jr.", "Ascent Total Performance", "Jordan O'Brien, Jr.", "Ascent Total Performance"},
		{`Jo "Jo"`, `Rivera":mailto:atk@evil.example`, "Ascent Total Performance", "Jo Jo Rivera:mailto:atk@evil.example", "Ascent Total Performance"},
		{`Jo\`, `\":mailto:atk@evil.example;X=\"`, "Ascent Total Performance", "Jo :mailto:atk@evil.example;X=", "Ascent Total Performance"},
		{"Zoë", "Núñez", "Physio: Boulder; Denver, CO", "Zoë Núñez", "Physio: Boulder; Denver, CO"},
		{"Jordan", "Rivera", `"Ascent" PT:mailto:atk@evil.example`, "Jordan Rivera", "Ascent PT:mailto:atk@evil.example"},
	}
	for _, tt := range tests {
		t.Run(tt.first+" "+tt.last+" at "+tt.clinic, func(t *testing.T) {
			p := *profile(t)
			p.Name = tt.clinic
			in := invite(t, &p, Request, 2026, time.November, 2, 9)
			in.Request.FirstName, in.Request.LastName = tt.first, tt.last
			data, err := Build(in)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]rfcLine{
				"ATTENDEE": {"ATTENDEE", map[string][]string{
					"CN":       {tt.wantCN},
					"ROLE":     {"REQ-PARTICIPANT"},
					"PARTSTAT": {"NEEDS-ACTION"},
				}, "mailto:jordan@example.com"},
				"ORGANIZER": {"ORGANIZER", map[string][]string{"CN": {tt.wantOrgCN}}, "mailto:" + organizer},
			}
			got := map[string][]rfcLine{}
			for _, l := range rfcLines(t, data) {
				if _, ok := want[l.name]; ok {
					got[l.name] = append(got[l.name], l)
				}
			}
			for name, w := range want {
				if len(got[name]) != 1 {
					t.Fatalf("%d %s lines, want 1:\n%s", len(got[name]), name, data)
				}
				g := got[name][0]
				if g.value != w.value || !maps.EqualFunc(g.params, w.params, slices.Equal) {
					t.Errorf("%s is %q with %q; want %q with %q\n%s", name, g.value, g.params, w.value, w.params, data)
				}
			}

			// The library's parser, as lenient calendars are, reads the
			// same.
			_, _, e := build(t, in)
			a := e.Attendees()
			if len(a) != 1 {
				t.Fatalf("the library reads %d attendees, want 1", len(a))
			}
			if got, cn := a[0].Email(), param(&a[0].IANAProperty, ics.ParameterCn); got != "jordan@example.com" || cn != tt.wantCN {
				t.Errorf("the library reads the attendee as %q with CN %q, want %q with CN %q", got, cn, "jordan@example.com", tt.wantCN)
			}
		})
	}
}

// rfcLine is a content line as RFC 5545 reads it: its name, its
// parameters by upper-case name with their values unquoted, and its value.
type rfcLine struct {
	name   string
	params map[string][]string
	value  string
}

// rfcLines unfolds data and parses every content line by the grammar of
// RFC 5545, sections 3.1 and 3.2, failing the test on anything the grammar
// does not accept.
func rfcLines(t *testing.T, data []byte) []rfcLine {
	t.Helper()
	text, ok := strings.CutSuffix(string(data), "\r\n")
	if !ok {
		t.Fatalf("does not end with CRLF:\n%s", data)
	}
	var unfolded []string
	for _, l := range strings.Split(text, "\r\n") {
		// A line that starts with a space or a tab continues the one
		// before; the CRLF and that one character are removed (3.1).
		if l != "" && (l[0] == ' ' || l[0] == '\t') && len(unfolded) > 0 {
			unfolded[len(unfolded)-1] += l[1:]
			continue
		}
		unfolded = append(unfolded, l)
	}
	lines := make([]rfcLine, 0, len(unfolded))
	for _, l := range unfolded {
		cl, err := parseContentLine(l)
		if err != nil {
			t.Fatalf("%v: %q\n%s", err, l, data)
		}
		lines = append(lines, cl)
	}
	return lines
}

// parseContentLine parses one unfolded line:
//
//	contentline   = name *(";" param ) ":" value
//	name          = iana-token / x-name    ; 1*(ALPHA / DIGIT / "-")
//	param         = param-name "=" param-value *("," param-value)
//	param-value   = paramtext / quoted-string
//	paramtext     = *SAFE-CHAR
//	quoted-string = DQUOTE *QSAFE-CHAR DQUOTE
//	value         = *VALUE-CHAR
//
// where QSAFE-CHAR is any character but a control and DQUOTE, SAFE-CHAR
// any but a control, DQUOTE, ";", ":" and ",", and VALUE-CHAR any but a
// control. The controls are %x00-08, %x0A-1F and %x7F: all but HTAB.
func parseContentLine(line string) (rfcLine, error) {
	if !utf8.ValidString(line) {
		return rfcLine{}, errors.New("not UTF-8")
	}
	l := rfcLine{params: map[string][]string{}}
	var i int
	l.name, i = rfcToken(line, 0)
	if l.name == "" {
		return l, errors.New("no name")
	}
	for i < len(line) && line[i] == ';' {
		var name string
		name, i = rfcToken(line, i+1)
		if name == "" {
			return l, fmt.Errorf("no parameter name at %d", i)
		}
		if i >= len(line) || line[i] != '=' {
			return l, fmt.Errorf("no = after parameter %s", name)
		}
		for {
			var v string
			var err error
			if v, i, err = rfcParamValue(line, i+1); err != nil {
				return l, fmt.Errorf("parameter %s: %w", name, err)
			}
			l.params[strings.ToUpper(name)] = append(l.params[strings.ToUpper(name)], v)
			if i >= len(line) || line[i] != ',' {
				break
			}
		}
	}
	if i >= len(line) || line[i] != ':' {
		return l, fmt.Errorf("no colon after the parameters, at %d", i)
	}
	l.value = line[i+1:]
	if strings.IndexFunc(l.value, isControl) >= 0 {
		return l, errors.New("a control character in the value")
	}
	return l, nil
}

// rfcToken returns the iana-token or x-name at s[i:] and where it ends.
func rfcToken(s string, i int) (string, int) {
	j := i
	for j < len(s) && (s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= '0' && s[j] <= '9' || s[j] == '-') {
		j++
	}
	return s[i:j], j
}

// rfcParamValue returns the param-value at s[i:], unquoted, and where it
// ends.
func rfcParamValue(s string, i int) (string, int, error) {
	if i < len(s) && s[i] == '"' {
		end := strings.IndexByte(s[i+1:], '"')
		if end < 0 {
			return "", i, errors.New("a quoted-string without its closing DQUOTE")
		}
		v := s[i+1 : i+1+end]
		if strings.IndexFunc(v, isControl) >= 0 {
			return "", i, errors.New("a control character in a quoted-string")
		}
		return v, i + end + 2, nil
	}
	end := strings.IndexAny(s[i:], "\";:,")
	if end < 0 {
		return "", i, errors.New("no end")
	}
	v := s[i : i+end]
	if strings.IndexFunc(v, isControl) >= 0 {
		return "", i, errors.New("a control character in paramtext")
	}
	if s[i+end] == '"' {
		return "", i, errors.New("a DQUOTE inside paramtext")
	}
	return v, i + end, nil
}

func isControl(r rune) bool {
	return r <= 0x08 || r >= 0x0A && r <= 0x1F || r == 0x7F
}

// TestFold: a line folded at any length, with characters of one to four
// octets falling on every boundary, has lines of at most 75 octets, none
// with a split character, and unfolds to itself.
func TestFold(t *testing.T) {
	for _, unit := range []string{"a", "é", "—", "🏃"} {
		for n := range 200 {
			line := "ATTENDEE;CN=" + strings.Repeat(unit, n) + ":mailto:jordan@example.com"
			folded := fold(line, 75, "\r\n")
			text, ok := strings.CutSuffix(folded, "\r\n")
			if !ok {
				t.Fatalf("%q does not end with CRLF", folded)
			}
			var unfolded strings.Builder
			for i, l := range strings.Split(text, "\r\n") {
				if len(l) > 75 || !utf8.ValidString(l) {
					t.Errorf("%d octets or a split character: %q", len(l), l)
				}
				if i > 0 {
					l, ok = strings.CutPrefix(l, " ")
					if !ok {
						t.Errorf("continuation %q does not start with a space", l)
					}
				}
				unfolded.WriteString(l)
			}
			if unfolded.String() != line {
				t.Errorf("unfolds to %q, want %q", unfolded.String(), line)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	p := profile(t)
	for _, tc := range []struct {
		name   string
		change func(*Invite)
		want   error
	}{
		{"no organizer", func(in *Invite) { in.Organizer = "" }, ErrNoOrganizer},
		{"blank organizer", func(in *Invite) { in.Organizer = "  " }, ErrNoOrganizer},
		{"organizer not an address", func(in *Invite) { in.Organizer = "Clinic <a@example.com>" }, nil},
		{"zero start", func(in *Invite) { in.Booking.Start = time.Time{} }, ErrNoStart},
		{"unknown service", func(in *Invite) { in.Request.Service = "massage" }, ErrUnknownService},
		{"unknown location", func(in *Invite) { in.Request.Location = "annex" }, ErrUnknownLocation},
		{"unknown method", func(in *Invite) { in.Method = "PUBLISH" }, nil},
		{"no length", func(in *Invite) { in.Booking.Length = 0 }, nil},
		{"no stamp", func(in *Invite) { in.Stamp = time.Time{} }, nil},
		{"no profile", func(in *Invite) { in.Profile = nil }, nil},
		{"no request ID", func(in *Invite) { in.Request.ID = "" }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := invite(t, p, Request, 2026, time.November, 2, 9)
			tc.change(&in)
			data, err := Build(in)
			if err == nil {
				t.Fatalf("built:\n%s", data)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}

// TestErrorOrder pins what Build says of an invitation it cannot build,
// and which problem it names when there are several: the checks, listed
// here in the order Build makes them, are broken one by one from the last,
// and each time the one just broken must be the one reported.
func TestErrorOrder(t *testing.T) {
	p := profile(t)
	checks := []struct {
		change func(*Invite)
		want   string
	}{
		{func(in *Invite) { in.Method = "PUBLISH" }, `calendar: unknown method "PUBLISH"`},
		{func(in *Invite) { in.Organizer = " " }, "calendar: organizer address is required"},
		{func(in *Invite) { in.Organizer = "Clinic <a@example.com>" }, "calendar: organizer: email address is not one bare address"},
		{func(in *Invite) { in.Request.Email = "jordan@" }, "calendar: patient: email address is not one bare address"},
		{func(in *Invite) { in.Booking.Start = time.Time{} }, "calendar: booking start is required"},
		{func(in *Invite) { in.Booking.Length = -time.Minute }, "calendar: booking length -1m0s is not positive"},
		{func(in *Invite) { in.Stamp = time.Time{} }, "calendar: stamp is required"},
		{func(in *Invite) { in.Request.ID = "" }, "calendar: request ID is required"},
		{func(in *Invite) { in.Profile = nil }, "calendar: clinic profile is required"},
		{func(in *Invite) { in.Request.Service = "massage" }, `calendar: unknown service "massage"`},
		{func(in *Invite) { in.Request.Location = "annex" }, `calendar: unknown location "annex"`},
	}
	in := invite(t, p, Cancel, 2026, time.November, 2, 9)
	for i := len(checks) - 1; i >= 0; i-- {
		checks[i].change(&in)
		data, err := Build(in)
		if err == nil {
			t.Fatalf("check %d: built:\n%s", i, data)
		}
		if got, want := err.Error(), checks[i].want; got != want {
			t.Errorf("check %d: error %q, want %q", i, got, want)
		}
	}
}

func TestUTCOffset(t *testing.T) {
	for seconds, want := range map[int]string{
		0: "+0000", -7 * 3600: "-0700", 5*3600 + 1800: "+0530", -(3*3600 + 1800): "-0330",
		-(6*3600 + 59*60 + 56): "-065956",
	} {
		if got := utcOffset(seconds); got != want {
			t.Errorf("utcOffset(%d) = %q, want %q", seconds, got, want)
		}
	}
}

func ExampleBuild() {
	p, err := clinic.Default()
	if err != nil {
		panic(err)
	}
	r := storetest.Request("", made)
	r.ID, r.Reference = "01KAXV3J8N0Q4R5S6T7V8W9X0Y", "KX7P-4MNR"
	r.Service, r.Location = "evaluation", "main"
	data, err := Build(Invite{
		Method:    Request,
		Profile:   p,
		Request:   r,
		Booking:   appointment.Booking{Start: time.Date(2026, 11, 2, 16, 0, 0, 0, time.UTC), Length: time.Hour, Clinician: "Dr. Sam Lee"},
		Organizer: "appointments@example.com",
		Stamp:     made,
	})
	if err != nil {
		panic(err)
	}
	// The VTIMEZONE holds every transition of 2025 to 2027, and the one
	// in force when 2025 begins.
	fmt.Print(strings.ReplaceAll(string(data), "\r\n", "\n"))
	// Output:
	// BEGIN:VCALENDAR
	// VERSION:2.0
	// PRODID:-//Ascent Total Performance//Appointments//EN
	// METHOD:REQUEST
	// CALSCALE:GREGORIAN
	// BEGIN:VTIMEZONE
	// TZID:America/Denver
	// BEGIN:STANDARD
	// DTSTART:20241103T020000
	// TZOFFSETFROM:-0600
	// TZOFFSETTO:-0700
	// TZNAME:MST
	// END:STANDARD
	// BEGIN:DAYLIGHT
	// DTSTART:20250309T020000
	// TZOFFSETFROM:-0700
	// TZOFFSETTO:-0600
	// TZNAME:MDT
	// END:DAYLIGHT
	// BEGIN:STANDARD
	// DTSTART:20251102T020000
	// TZOFFSETFROM:-0600
	// TZOFFSETTO:-0700
	// TZNAME:MST
	// END:STANDARD
	// BEGIN:DAYLIGHT
	// DTSTART:20260308T020000
	// TZOFFSETFROM:-0700
	// TZOFFSETTO:-0600
	// TZNAME:MDT
	// END:DAYLIGHT
	// BEGIN:STANDARD
	// DTSTART:20261101T020000
	// TZOFFSETFROM:-0600
	// TZOFFSETTO:-0700
	// TZNAME:MST
	// END:STANDARD
	// BEGIN:DAYLIGHT
	// DTSTART:20270314T020000
	// TZOFFSETFROM:-0700
	// TZOFFSETTO:-0600
	// TZNAME:MDT
	// END:DAYLIGHT
	// BEGIN:STANDARD
	// DTSTART:20271107T020000
	// TZOFFSETFROM:-0600
	// TZOFFSETTO:-0700
	// TZNAME:MST
	// END:STANDARD
	// END:VTIMEZONE
	// BEGIN:VEVENT
	// UID:01KAXV3J8N0Q4R5S6T7V8W9X0Y@example.com
	// SEQUENCE:0
	// DTSTAMP:20260105T173000Z
	// DTSTART;TZID=America/Denver:20261102T090000
	// DTEND;TZID=America/Denver:20261102T100000
	// SUMMARY:Physical therapy evaluation at Ascent Total Performance
	// LOCATION:Ascent Total Performance\, 1200 Example Avenue\, Suite 100\,
	//   Boulder\, CO 80302
	// DESCRIPTION:Reference: KX7P-4MNR\nClinician: Dr. Sam Lee\nTo change or
	//   cancel\, call Ascent Total Performance at +1 303-555-0187.
	// STATUS:CONFIRMED
	// ORGANIZER;CN=Ascent Total Performance:mailto:appointments@example.com
	// ATTENDEE;CN=Jordan Rivera;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION:mailto
	//  :jordan@example.com
	// END:VEVENT
	// END:VCALENDAR
}

// A cancel in a clinic on UTC: the event keeps its UID, carries the next
// SEQUENCE and CANCELLED, asks the patient for no answer, and keeps the
// lines of the front desk's note.
func ExampleBuild_cancel() {
	p, err := clinic.Default()
	if err != nil {
		panic(err)
	}
	utc := *p
	utc.TimeZone = "UTC"
	if err := utc.Validate(); err != nil {
		panic(err)
	}
	r := storetest.Request("", made)
	r.ID, r.Reference = "01KAXV3J8N0Q4R5S6T7V8W9X0Y", "KX7P-4MNR"
	r.Service, r.Location = "dry-needling", "main"
	data, err := Build(Invite{
		Method:  Cancel,
		Profile: &utc,
		Request: r,
		Booking: appointment.Booking{
			Start: time.Date(2026, 11, 2, 16, 0, 0, 0, time.UTC), Length: 30 * time.Minute,
			Sequence: 2, Note: "Sorry for the change.\r\nCall us to book again.",
		},
		Organizer: "appointments@example.com",
		Stamp:     made,
	})
	if err != nil {
		panic(err)
	}
	fmt.Print(strings.ReplaceAll(string(data), "\r\n", "\n"))
	// Output:
	// BEGIN:VCALENDAR
	// VERSION:2.0
	// PRODID:-//Ascent Total Performance//Appointments//EN
	// METHOD:CANCEL
	// CALSCALE:GREGORIAN
	// BEGIN:VTIMEZONE
	// TZID:UTC
	// BEGIN:STANDARD
	// DTSTART:19700101T000000
	// TZOFFSETFROM:+0000
	// TZOFFSETTO:+0000
	// TZNAME:UTC
	// END:STANDARD
	// END:VTIMEZONE
	// BEGIN:VEVENT
	// UID:01KAXV3J8N0Q4R5S6T7V8W9X0Y@example.com
	// SEQUENCE:2
	// DTSTAMP:20260105T173000Z
	// DTSTART;TZID=UTC:20261102T160000
	// DTEND;TZID=UTC:20261102T163000
	// SUMMARY:Dry needling at Ascent Total Performance
	// LOCATION:Ascent Total Performance\, 1200 Example Avenue\, Suite 100\,
	//   Boulder\, CO 80302
	// DESCRIPTION:This appointment is cancelled.\nReference: KX7P-4MNR\nNote:
	//   Sorry for the change.\nCall us to book again.\nTo change or cancel\, call
	//   Ascent Total Performance at +1 303-555-0187.
	// STATUS:CANCELLED
	// ORGANIZER;CN=Ascent Total Performance:mailto:appointments@example.com
	// ATTENDEE;CN=Jordan Rivera;ROLE=REQ-PARTICIPANT:mailto:jordan@example.com
	// END:VEVENT
	// END:VCALENDAR
}
