package digest

import (
	"cmp"
	"slices"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/email"
)

// clinicDaysAhead bounds the search for the next clinic day: a clinic
// closed for longer than that has no next day on the day sheet.
const clinicDaysAhead = 14

// DaySheet lists the appointments of the scheduled requests by day, for
// the digest made at now: today, every day after it up to the next day
// the clinic opens (its opening hours, in its zone), and that day. Today
// and the next clinic day are listed even with no appointments; a day
// between them, when the clinic is closed, only when something was booked
// on it anyway, so that no booked appointment falls between two digests.
// Each day's appointments are in the order of their start.
func DaySheet(p *clinic.Profile, scheduled []appointment.Request, now time.Time) []email.DigestDay {
	zone := p.Zone()
	today, _ := localDay(now, zone)
	var days []email.DigestDay
	days = append(days, email.DigestDay{Day: today})
	for i := 1; i <= clinicDaysAhead; i++ {
		day := dayAfter(today, i, zone)
		days = append(days, email.DigestDay{Day: day})
		if len(p.OpenOn(day)) > 0 {
			break
		}
	}
	if len(days) > 1 && len(p.OpenOn(days[len(days)-1].Day)) == 0 {
		// No clinic day within reach: the day sheet is today's alone.
		days = days[:1]
	}
	end := dayAfter(days[len(days)-1].Day, 1, zone)
	for _, r := range scheduled {
		b, ok := booking(r)
		if !ok || b.Start.Before(today) || !b.Start.Before(end) {
			continue
		}
		start, _ := localDay(b.Start, zone)
		for i := range days {
			if days[i].Day.Equal(start) {
				days[i].Appointments = append(days[i].Appointments, email.DigestAppointment{Request: r, Booking: b})
			}
		}
	}
	out := days[:0]
	for i, d := range days {
		if i == 0 || i == len(days)-1 || len(d.Appointments) > 0 {
			slices.SortFunc(d.Appointments, func(a, b email.DigestAppointment) int {
				return cmp.Or(a.Booking.Start.Compare(b.Booking.Start), cmp.Compare(a.Request.Reference, b.Request.Reference), cmp.Compare(a.Request.ID, b.Request.ID))
			})
			out = append(out, d)
		}
	}
	return out
}

// booking returns the booking of a scheduled request. The status index
// holds a request's history but not its current booking, which is the
// latest one its history recorded.
func booking(r appointment.Request) (appointment.Booking, bool) {
	if r.Status.Normal() != appointment.StatusScheduled {
		return appointment.Booking{}, false
	}
	if r.Booking != nil {
		return *r.Booking, true
	}
	for i := len(r.History) - 1; i >= 0; i-- {
		if b := r.History[i].Booking; b != nil {
			return *b, true
		}
	}
	return appointment.Booking{}, false
}

// dayAfter is the start of the day n days after day, in zone.
func dayAfter(day time.Time, n int, zone *time.Location) time.Time {
	y, m, d := day.In(zone).Date()
	return time.Date(y, m, d+n, 0, 0, 0, 0, zone)
}

// appointments counts the appointments on the day sheet.
func appointments(days []email.DigestDay) int {
	n := 0
	for _, d := range days {
		n += len(d.Appointments)
	}
	return n
}
