package email

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
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
	Time      string
	Reference string
	FullName  string
	Service   string
	Location  string
	Clinician string
	Actions   []actionLink
	Palette   clinic.Palette
	Minimal   bool
}

// dayActions are the front desk's links on a booked appointment, with the
// words of the action pages.
var dayActions = []labelledAction{
	{"Reschedule", appointment.ActionReschedule},
	{"Cancel the appointment", appointment.ActionCancelBooking},
	{"Mark as attended", appointment.ActionAttended},
	{"Mark as no-show", appointment.ActionNoShow},
}

// daySheet describes the digest's days, and counts the appointments on
// them.
func (c *Composer) daySheet(days []DigestDay, at time.Time) ([]daySheetDay, int, error) {
	zone := c.profile.Zone()
	today := at.In(zone).Format(time.DateOnly)
	var out []daySheetDay
	total := 0
	for i, d := range days {
		if d.Day.IsZero() {
			return nil, 0, fmt.Errorf("day %d has no date", i)
		}
		day := daySheetDay{Heading: d.Day.In(zone).Format(dayLayout)}
		if d.Day.In(zone).Format(time.DateOnly) == today {
			day.Heading = "Today, " + day.Heading
		}
		if len(d.Appointments) == 0 {
			day.Empty = "No appointments booked."
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
			day.More = count(more, "more appointment is", "more appointments are") + " booked this day, not listed here to keep this email short."
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
	zone := c.profile.Zone()
	item := appointmentItem{
		Time:      b.Start.In(zone).Format("3:04 PM") + " to " + b.End().In(zone).Format(timeLayout),
		Reference: r.Reference,
		Service:   r.Service,
		Location:  r.Location,
		Clinician: strings.TrimSpace(b.Clinician),
		Palette:   c.palette,
		Minimal:   c.minimal(),
	}
	if !item.Minimal {
		item.FullName = strings.TrimSpace(r.FirstName + " " + r.LastName)
	}
	if s, ok := c.profile.Service(r.Service); ok {
		item.Service = s.Label
	}
	if l, err := c.location(r.Location); err == nil {
		item.Location = l.Label
	}
	var err error
	if item.Actions, err = c.actionLinks(r.ID, r.Status.Normal(), dayActions); err != nil {
		return appointmentItem{}, err
	}
	return item, nil
}

// daySheetSubject is the part of the digest's subject that counts the
// appointments: those of today, and those of the days after it that the
// day sheet lists. It is empty when there are none.
func (c *Composer) daySheetSubject(days []DigestDay, at time.Time) string {
	zone := c.profile.Zone()
	today := at.In(zone).Format(time.DateOnly)
	var parts []string
	total := 0
	for _, d := range days {
		n := len(d.Appointments)
		total += n
		if d.Day.In(zone).Format(time.DateOnly) == today {
			parts = append(parts, count(n, "appointment", "appointments")+" today")
			continue
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d on %s", n, d.Day.In(zone).Format("Monday")))
		}
	}
	if total == 0 {
		return ""
	}
	return strings.Join(parts, ", ")
}
