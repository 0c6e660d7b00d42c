package email

import (
	"html/template"
	"net/url"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/libphonenumber"
)

// Both templates of a kind receive the same view, so that the plain-text
// and HTML parts say the same things; every sentence that depends on the
// request is therefore built here rather than in two templates.

// layoutView is what the shared page frame needs.
type layoutView struct {
	// Lang is the language the email is written in: the patient's for
	// the patient's emails, the clinic's for the front desk's. The
	// templates take their words from it (.Lang.Sprintf) and the HTML
	// names it in its lang attribute.
	Lang i18n.Language
	// Title is the document title, the same as the subject.
	Title   string
	Heading string
	Palette clinic.Palette
	Clinic  clinicContact
}

// clinicContact is how patients reach the clinic.
type clinicContact struct {
	Name    string
	Address string
	// PhoneText is the number as people write it; PhoneDial is what a tel:
	// link dials.
	PhoneText string
	PhoneDial string
	// WebsiteURL is the link's destination; WebsiteHost its text.
	WebsiteURL  string
	WebsiteHost string
}

// requestDetails are what both emails say about the request.
type requestDetails struct {
	Reference       string
	Service         string
	WhatToExpect    []string
	Location        string
	LocationAddress string
	// PreferredWhen is the preferred days and times in words.
	PreferredWhen string
	// ReplyBy is when the front desk answers at the latest, or empty when
	// the opening hours give no such moment.
	ReplyBy string
}

// patientView is the data of the patient's confirmation. It holds nothing
// the patient typed apart from a first name that appointment.GreetingName
// accepts.
type patientView struct {
	layoutView
	requestDetails
	Greeting string
	// NextSteps are the sentences saying who gets in touch, how and when.
	NextSteps       []string
	EmergencyNotice string
	// CancelURL is the patient's link to cancel the request, or empty when
	// the emails carry no links.
	CancelURL string
}

// patientContact is how a front-desk email shows the patient's name and
// ways of reaching them.
type patientContact struct {
	// Minimal says the email leaves out the patient's details (see
	// StaffDetailMinimal); the other fields are then empty.
	Minimal   bool
	FullName  string
	PhoneText string
	PhoneDial string
	Email     string
	// EmailLink is the address a mailto: link opens: the SES form, since
	// mail clients differ in how they handle a Unicode domain in a URL.
	EmailLink string
}

// patientContact is r's contact for a front-desk email, whose address in
// the form SES takes is patientAddress, or only Minimal when the clinic
// keeps the patient's details out of its emails.
func (c *Composer) patientContact(r appointment.Request, patientAddress string) patientContact {
	if c.minimal() {
		return patientContact{Minimal: true}
	}
	p := patientContact{
		FullName:  strings.TrimSpace(r.FirstName + " " + r.LastName),
		Email:     r.Email,
		EmailLink: patientAddress,
	}
	p.PhoneText, p.PhoneDial = DisplayPhone(r.Phone, r.PhoneExtension, c.profile.DefaultRegion)
	return p
}

// frontDeskView is the data of the front desk's notification.
type frontDeskView struct {
	layoutView
	requestDetails
	patientContact
	// NewPatient says whether the patient has been to the clinic before.
	NewPatient        string
	ContactPreference string
	// Language is the patient's language, named in the clinic's, so
	// that the front desk knows which to call back in.
	Language string
	// Reason holds the lines of the patient's message; it is empty when
	// they gave none.
	Reason   []string
	Received string
	// Actions are the links that act on the request, in the order the
	// front desk usually takes them; empty when the emails carry no links.
	Actions []actionLink
	// Notice, when set, is what the email is about, above the request:
	// the bounce notice is the new-request email with a notice.
	Notice string
}

// actionLink is a link that acts on a request.
type actionLink struct {
	Label string
	URL   string
}

func newClinicContact(p *clinic.Profile) clinicContact {
	c := clinicContact{Name: p.Name, Address: p.Address, WebsiteURL: p.Website}
	c.PhoneText, c.PhoneDial = DisplayPhone(p.Phone, "", p.DefaultRegion)
	if u, err := url.Parse(p.Website); err == nil {
		c.WebsiteHost = u.Host
	}
	return c
}

// DisplayPhone returns number, with its extension, as the clinic's emails and
// pages show it: the text libphonenumber.Format gives, or, when the library cannot read
// number, number as written followed by the extension; and what a tel:
// link dials, the E.164 form (or number's digits) with RFC 3966's
// extension parameter, which phones dial after a pause.
func DisplayPhone(number, extension, region string) (text, dial string) {
	extension = appointment.DialString(extension)
	text, dial, ok := libphonenumber.Format(number, extension, region)
	if !ok {
		text, dial = number, appointment.DialString(number)
		if extension != "" {
			text += " ext. " + extension
		}
	}
	if extension != "" {
		dial += ";ext=" + extension
	}
	return text, dial
}

// details gathers what both emails say about the request, in language
// lang, with the service and the location as a reader of lang reads them.
func (c *Composer) details(lang i18n.Language, r appointment.Request, s clinic.Service, l clinic.Location) requestDetails {
	d := requestDetails{
		Reference:       r.Reference,
		Service:         s.Label,
		WhatToExpect:    s.WhatToExpect,
		Location:        l.Label,
		LocationAddress: l.Address,
		PreferredWhen:   preferredWhen(lang, r.PreferredDays, r.PreferredTimes),
	}
	if by, ok := c.profile.ReplyBy(r.CreatedAt); ok {
		d.ReplyBy = shortWhenZone(lang, by)
	}
	return d
}

const (
	deadlineLayout = "Monday, January 2 at 3:04 PM MST"
	receivedLayout = "Monday, January 2, 2006 at 3:04 PM MST"
)

// layout holds what every email's frame shows. There is no hidden
// preheader: invisible text is one of the marks of spam that filters score.
func (c *Composer) layout(lang i18n.Language, subject, heading string) layoutView {
	return layoutView{
		Lang:    lang,
		Title:   subject,
		Heading: heading,
		Palette: c.palette,
		Clinic:  c.contact,
	}
}

// greeting opens a patient's email by first name when the name is one
// appointment.GreetingName accepts, and without a name otherwise.
func greeting(lang i18n.Language, r appointment.Request) string {
	if name, ok := appointment.GreetingName(r.FirstName); ok {
		return lang.Sprintf("email.greeting.name", name)
	}
	return lang.Sprintf("email.greeting")
}

func (c *Composer) patientView(lang i18n.Language, r appointment.Request, d requestDetails, subject string, links map[appointment.Action]string) patientView {
	next := "email.patient.next.contact"
	if slices.Contains(appointment.ContactMethods, r.ContactMethod) {
		next = "email.patient.next." + r.ContactMethod
	}
	hours := c.profile.ReplyWithinBusinessHours
	plural := i18n.Plural(hours)
	promise := lang.Sprintf("email.patient.promise."+plural, hours)
	if d.ReplyBy != "" {
		promise = lang.Sprintf("email.patient.promiseBy."+plural, hours, d.ReplyBy)
	}
	return patientView{
		layoutView:     c.layout(lang, subject, lang.Sprintf("email.patient.subject")),
		requestDetails: d,
		Greeting:       greeting(lang, r),
		NextSteps: []string{
			lang.Sprintf(next),
			promise,
			lang.Sprintf("email.patient.booked"),
		},
		EmergencyNotice: c.profile.In(lang).EmergencyNotice,
		CancelURL:       links[appointment.ActionCancel],
	}
}

// deskLink is the front desk's link to an action on a request, with the
// catalog key of its words, which are the action page's own.
type deskLink struct {
	key    string
	action appointment.Action
}

// frontDeskActions are the front desk's first steps with a new request,
// in its notification and in the digest.
var frontDeskActions = []deskLink{
	{"desk.email.action.contact", appointment.ActionContact},
	{"desk.email.action.schedule", appointment.ActionSchedule},
	{"desk.email.action.decline", appointment.ActionDecline},
}

// minimalFrontDeskActions are frontDeskActions in minimal mode: the
// contact link's page shows the whole request to whoever holds the link,
// so it is the way in to the patient's details.
var minimalFrontDeskActions = []deskLink{
	{"desk.email.action.open", appointment.ActionContact},
	{"desk.email.action.schedule", appointment.ActionSchedule},
	{"desk.email.action.decline", appointment.ActionDecline},
}

// deskActions are the front desk's first steps with a request, as the
// staff-detail setting allows them.
func (c *Composer) deskActions() []deskLink {
	if c.minimal() {
		return minimalFrontDeskActions
	}
	return frontDeskActions
}

// deskActionLinks are the links of actions that links holds, worded in
// lang, in the order of actions.
func deskActionLinks(lang i18n.Language, actions []deskLink, links map[appointment.Action]string) []actionLink {
	var out []actionLink
	for _, a := range actions {
		if u := links[a.action]; u != "" {
			out = append(out, actionLink{Label: lang.Sprintf(a.key), URL: u})
		}
	}
	return out
}

// frontDeskView is the data of the front desk's notification about r,
// whose address in the form SES takes is patientAddress, in the clinic's
// language.
func (c *Composer) frontDeskView(r appointment.Request, patientAddress string, d requestDetails, subject string, links map[appointment.Action]string) frontDeskView {
	lang := c.deskLanguage()
	v := frontDeskView{
		layoutView:     c.layout(lang, subject, lang.Sprintf("desk.email.new.heading")),
		requestDetails: d,
		patientContact: c.patientContact(r, patientAddress),
		Received:       whenText(lang, r.CreatedAt.In(c.profile.Zone())),
	}
	if c.minimal() {
		// Preferences are the patient's too.
		v.PreferredWhen = ""
		v.Actions = deskActionLinks(lang, c.deskActions(), links)
		return v
	}
	v.NewPatient = lang.Sprintf("desk.email.patient.notStated")
	if r.NewPatient != nil {
		v.NewPatient = lang.Sprintf("desk.email.patient.returning")
		if *r.NewPatient {
			v.NewPatient = lang.Sprintf("desk.email.patient.new")
		}
	}
	v.ContactPreference = contactPreference(lang, r.ContactMethod)
	v.Language = r.Language.Or(c.profile.Language).Name(lang)
	v.Reason = lines(r.Reason)
	v.Actions = deskActionLinks(lang, c.deskActions(), links)
	return v
}

// contactPreference names, in lang, the way the patient asked to be
// contacted, as the form offers it; a way the form does not offer, which
// a validated request cannot hold, is shown as stored.
func contactPreference(lang i18n.Language, method string) string {
	switch {
	case method == "":
		return lang.Sprintf("desk.email.noPreference")
	case slices.Contains(appointment.ContactMethods, method):
		return lang.Sprintf("form.choice.contact." + method)
	}
	return method
}

// lines splits text someone typed into its lines, with line ends made
// alike and the whole trimmed, for the templates to join with breaks; nil
// when there is no text.
func lines(s string) []string {
	s = appointment.NormalizeLines(s)
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// preferredWhen puts the preferred days and times in words of lang, such
// as "Monday or Wednesday, in the morning". No choice and every choice
// both mean the patient can come at any time.
func preferredWhen(lang i18n.Language, days, times []string) string {
	var dayWords []string
	for i, d := range clinic.Weekdays {
		if slices.Contains(days, d) {
			// clinic.Weekdays start on Monday, time.Weekday on Sunday.
			dayWords = append(dayWords, lang.Weekday(time.Weekday((i+1)%7)))
		}
	}
	var timeWords []string
	for _, t := range appointment.Times {
		if slices.Contains(times, t) {
			timeWords = append(timeWords, lang.Sprintf("email.preferred."+t))
		}
	}
	when := lang.Sprintf("email.preferred.anyDay")
	if len(dayWords) > 0 && len(dayWords) < len(clinic.Weekdays) {
		when = orList(lang, dayWords)
	}
	if len(timeWords) > 0 && len(timeWords) < len(appointment.Times) {
		when = lang.Sprintf("email.preferred.in", when, orList(lang, timeWords))
	} else {
		when = lang.Sprintf("email.preferred.anyTime", when)
	}
	return capitalized(when)
}

// orList joins words as "a, b or c", in lang.
func orList(lang i18n.Language, words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return lang.Sprintf("email.or", strings.Join(words[:len(words)-1], ", "), words[len(words)-1])
}

// textFuncs give the plain-text templates upper, which writes a
// section's heading in capitals, in any language ("PRÓXIMOS PASOS").
var textFuncs = texttemplate.FuncMap{"upper": strings.ToUpper}

// htmlFuncs give the HTML templates the conditional comments Outlook on
// Windows needs: its Word-based renderer ignores max-width, so it gets a
// fixed-width table around the column. They are constants, never data.
var htmlFuncs = template.FuncMap{
	"outlookOpen": func() template.HTML {
		return `<!--[if mso]><table role="presentation" width="600" align="center" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->`
	},
	"outlookClose": func() template.HTML {
		return `<!--[if mso]></td></tr></table><![endif]-->`
	},
}
