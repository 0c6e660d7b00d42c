package email

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
)

// DigestDay is one day of the digest's day sheet: the appointments booked
// on it, so that every booked appointment of the day can be reached from
// its link.
type DigestDay struct {
	// Day is the day's start in the clinic's zone.
	Day time.Time
	// Appointments are the day's appointments, in the order of their start.
	Appointments []DigestAppointment
}

// DigestAppointment is one booked appointment on the day sheet.
type DigestAppointment struct {
	Request appointment.Request
	Booking appointment.Booking
}

// MaxDayAppointments is how many appointments the day sheet lists for one
// day. Past it the email says how many more are booked: with
// MaxDigestEntries open requests beside them, a longer list would pass
// the size at which Gmail clips a message.
const MaxDayAppointments = 40

// daySheetDay is one day as the digest shows it.
type daySheetDay struct {
	Heading string
	// Empty says the day has no appointments.
	Empty string
	Items []appointmentItem
	More  string
}

// appointmentItem is one appointment as the day sheet shows it: when,
// with whom and the request's reference; the patient's name only in full
// mode.
type appointmentItem struct {
	// Lang is the language of the digest, the clinic's.
	Lang      i18n.Language
	Time      string
	Reference string
	FullName  string
	// Language names the patient's language when it is not the clinic's;
	// empty in minimal mode.
	Language  string
	Service   string
	Location  string
	Clinician string
	Actions   []actionLink
	Palette   clinic.Palette
	Minimal   bool
}

// dayActions are the front desk's links on a booked appointment.
var dayActions = []deskLink{
	{"desk.daysheet.action.reschedule", appointment.ActionReschedule},
	{"desk.daysheet.action.cancel", appointment.ActionCancelBooking},
	{"desk.daysheet.action.attended", appointment.ActionAttended},
	{"desk.daysheet.action.noShow", appointment.ActionNoShow},
}

// daySheet describes the digest's days, and counts the appointments on
// them.
func (c *Composer) daySheet(days []DigestDay, at time.Time) ([]daySheetDay, int, error) {
	zone, lang := c.profile.Zone(), c.deskLanguage()
	today := at.In(zone).Format(time.DateOnly)
	var out []daySheetDay
	total := 0
	for i, d := range days {
		if d.Day.IsZero() {
			return nil, 0, fmt.Errorf("day %d has no date", i)
		}
		day := daySheetDay{Heading: dayLine(lang, d.Day.In(zone))}
		if d.Day.In(zone).Format(time.DateOnly) == today {
			day.Heading = lang.Sprintf("desk.daysheet.today", dayText(lang, d.Day.In(zone)))
		}
		if len(d.Appointments) == 0 {
			day.Empty = lang.Sprintf("desk.daysheet.empty")
		}
		for j, a := range d.Appointments {
			total++
			if j >= MaxDayAppointments {
				continue
			}
			item, err := c.appointmentItem(a)
			if err != nil {
				return nil, 0, fmt.Errorf("day %d, appointment %d: %w", i, j, err)
			}
			day.Items = append(day.Items, item)
		}
		if more := len(d.Appointments) - len(day.Items); more > 0 {
			day.More = lang.Sprintf("desk.daysheet.more."+i18n.Plural(more), more)
		}
		out = append(out, day)
	}
	return out, total, nil
}

// appointmentItem describes one booked appointment for the day sheet.
// Errors name no detail of the patient's: they end up in logs.
func (c *Composer) appointmentItem(a DigestAppointment) (appointmentItem, error) {
	r, b := a.Request, a.Booking
	if b.Start.IsZero() || b.Length <= 0 {
		return appointmentItem{}, errors.New("the booking has no start or no length")
	}
	zone, lang := c.profile.Zone(), c.deskLanguage()
	item := appointmentItem{
		Lang:      lang,
		Time:      lang.Sprintf("desk.daysheet.time", lang.Clock(b.Start.In(zone)), timeText(lang, b.End().In(zone))),
		Reference: r.Reference,
		Service:   r.Service,
		Location:  r.Location,
		Clinician: strings.TrimSpace(b.Clinician),
		Palette:   c.palette,
		Minimal:   c.minimal(),
	}
	if !item.Minimal {
		item.FullName = strings.TrimSpace(r.FirstName + " " + r.LastName)
		item.Language = c.languageLine(r)
	}
	if s, ok := c.profile.Service(r.Service); ok {
		item.Service = s.Label
	}
	if l, err := c.location(r.Location); err == nil {
		item.Location = l.Label
	}
	var err error
	if item.Actions, err = c.actionLinks(lang, r.ID, r.Status.Normal(), dayActions); err != nil {
		return appointmentItem{}, err
	}
	return item, nil
}

// daySheetSubject is the part of the digest's subject that counts the
// appointments: those of today, and those of the days after it that the
// day sheet lists. It is empty when there are none.
func (c *Composer) daySheetSubject(days []DigestDay, at time.Time) string {
	zone, lang := c.profile.Zone(), c.deskLanguage()
	today := at.In(zone).Format(time.DateOnly)
	var parts []string
	total := 0
	for _, d := range days {
		n := len(d.Appointments)
		total += n
		if d.Day.In(zone).Format(time.DateOnly) == today {
			parts = append(parts, lang.Sprintf("desk.daysheet.subject.today."+i18n.Plural(n), n))
			continue
		}
		if n > 0 {
			parts = append(parts, lang.Sprintf("desk.daysheet.subject.day", n, lang.Weekday(d.Day.In(zone).Weekday())))
		}
	}
	if total == 0 {
		return ""
	}
	return strings.Join(parts, ", ")
}
