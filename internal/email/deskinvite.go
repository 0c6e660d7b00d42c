package email

import (
	"strings"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/calendar"
)

// deskInviteView is the data of the front desk's copy of a booking's
// invitation: the email that carries it into the clinic's calendar, and
// says what it is. With minimal staff detail it names the request by its
// reference alone.
type deskInviteView struct {
	layoutView
	Intro     string
	Reference string
	Minimal   bool
	// FullName is the patient's name, and PhoneText and PhoneDial their
	// phone as shown and as a tel: link dials it; empty in minimal mode.
	FullName        string
	PhoneText       string
	PhoneDial       string
	When            string
	Length          string
	Service         string
	Location        string
	LocationAddress string
	Clinician       string
	// Previously is when the appointment was before a reschedule.
	Previously string
	// RescheduleURL is the front desk's link to move the appointment,
	// while it is booked.
	RescheduleURL string
	Footer        string
}

// deskInvite words the front desk's copy of the invitation for the
// booking of transition tr (index in the history): a booking, a move or a
// cancel, and the method of its invitation.
func (c *Composer) deskInvite(in requestParts, index int, tr *appointment.Transition) emailView {
	r, d := in.r, in.details
	start := tr.Booking.Start.In(c.profile.Zone())
	v := deskInviteView{
		Reference:       r.Reference,
		Minimal:         c.minimal(),
		When:            start.Format(receivedLayout),
		Length:          lengthWords(c.deskLanguage(), tr.Booking.Length),
		Service:         d.Service,
		Location:        d.Location,
		LocationAddress: d.LocationAddress,
		Clinician:       strings.TrimSpace(tr.Booking.Clinician),
		Footer:          "A copy of the calendar invitation of this appointment, for the clinic's calendar, sent by the appointment request form on the " + c.profile.Name + " website.",
	}
	if !v.Minimal {
		v.FullName = strings.TrimSpace(r.FirstName + " " + r.LastName)
		v.PhoneText, v.PhoneDial = DisplayPhone(r.Phone, r.PhoneExtension, c.profile.DefaultRegion)
	}
	subject, heading := "Booked: ", "Appointment booked"
	v.Intro = "The attached invitation adds this appointment to the clinic's calendar."
	method := calendar.Request
	switch {
	case tr.To == appointment.StatusCancelled:
		subject, heading, method = "Cancelled: ", "Appointment cancelled", calendar.Cancel
		v.Intro = "This appointment is cancelled. The attached cancellation removes it from the clinic's calendar."
	case tr.Action == appointment.ActionReschedule:
		subject, heading = "Moved: ", "Appointment moved"
		v.Intro = "This appointment has moved. The attached invitation updates it in the clinic's calendar."
		if p := previousBooking(r.History[:index]); p != nil {
			v.Previously = p.Start.In(c.profile.Zone()).Format(receivedLayout)
		}
	}
	if tr.To == appointment.StatusScheduled && r.Status.Normal() == appointment.StatusScheduled {
		v.RescheduleURL = in.links[appointment.ActionReschedule]
	}
	subject += r.Reference + ", " + start.Format(subjectWhenLayout)
	v.layoutView = c.layout(c.deskLanguage(), subject, heading)
	// A reply would reach no one who can act on it: the calendar sends its
	// own replies to the organizer, and the patient is not to be written to
	// from a calendar copy.
	return emailView{subject: subject, data: v, method: method, noReply: true, deskCopy: true}
}
