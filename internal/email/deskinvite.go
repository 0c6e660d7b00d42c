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
	// FullName is the patient's name, PhoneText and PhoneDial their
	// phone as shown and as a tel: link dials it, and Language their
	// language named in the clinic's; empty in minimal mode.
	FullName        string
	PhoneText       string
	PhoneDial       string
	Language        string
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
	r, d, lang := in.r, in.details, c.deskLanguage()
	start := tr.Booking.Start.In(c.profile.Zone())
	v := deskInviteView{
		Reference:       r.Reference,
		Minimal:         c.minimal(),
		When:            whenText(lang, start),
		Length:          lengthWords(lang, tr.Booking.Length),
		Service:         d.Service,
		Location:        d.Location,
		LocationAddress: d.LocationAddress,
		Clinician:       strings.TrimSpace(tr.Booking.Clinician),
		Footer:          lang.Sprintf("desk.invite.footer", c.profile.Name),
	}
	if !v.Minimal {
		v.FullName = strings.TrimSpace(r.FirstName + " " + r.LastName)
		v.PhoneText, v.PhoneDial = DisplayPhone(r.Phone, r.PhoneExtension, c.profile.DefaultRegion)
		v.Language = r.Language.Or(lang).Name(lang)
	}
	words := "desk.invite.booked."
	v.Intro = lang.Sprintf(words + "intro")
	method := calendar.Request
	switch {
	case tr.To == appointment.StatusCancelled:
		words, method = "desk.invite.cancelled.", calendar.Cancel
		// The patient's calendar copy says the same first sentence.
		v.Intro = lang.Sprintf("calendar.cancelled") + " " + lang.Sprintf(words+"intro")
	case tr.Action == appointment.ActionReschedule:
		words = "desk.invite.moved."
		v.Intro = lang.Sprintf(words + "intro")
		if p := previousBooking(r.History[:index]); p != nil {
			v.Previously = whenText(lang, p.Start.In(c.profile.Zone()))
		}
	}
	if tr.To == appointment.StatusScheduled && r.Status.Normal() == appointment.StatusScheduled {
		v.RescheduleURL = in.links[appointment.ActionReschedule]
	}
	subject := lang.Sprintf(words+"subject", r.Reference, shortWhen(lang, start))
	v.layoutView = c.layout(lang, subject, lang.Sprintf(words+"heading"))
	// A reply would reach no one who can act on it: the calendar sends its
	// own replies to the organizer, and the patient is not to be written to
	// from a calendar copy.
	return emailView{subject: subject, data: v, method: method, noReply: true, deskCopy: true}
}
