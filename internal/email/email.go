// Package email renders the emails an appointment request calls for: the
// confirmation the patient receives and the notification that tells the
// front desk whom to call back, then one for each change of status that
// someone must hear about (the booking, the decline, the cancellation and
// the front desk's notice of it, and the front desk's copy of each
// booking's invitation), and the reminder the patient receives some
// hours before a booked appointment. One email is about no single
// request: the front desk's morning digest of the day's appointments and
// the requests still open.
//
// Each email is a complete MIME message, ready for SES's raw sending: a
// multipart/alternative body with a plain-text part and an HTML part, both
// UTF-8 and quoted-printable. An email that carries a calendar invitation
// is multipart/mixed instead: the alternative body gains the invitation as
// a third, text/calendar, part, which is what makes mail clients offer to
// add it to the calendar, and the same invitation follows as an invite.ics
// attachment for the clients that only look there.
//
// The HTML is laid out for phones and for the mail clients clinics and
// patients use (Gmail, Outlook, Apple Mail): one column, tables for layout,
// inline styles, no images and nothing fetched from elsewhere.
//
// Nothing a patient typed ever reaches a header, apart from the validated
// patient address: it is the recipient of the emails to the patient and the
// Reply-To of those to the front desk, so that the front desk can answer
// with one click. With Settings.StaffDetail minimal, the emails to the
// front desk carry nothing of the patient at all, Reply-To included.
// Every address leaves in the form appointment.SESAddress gives, 7-bit
// ASCII with the domain in Punycode, which is all SES sends to; the
// notification's text still shows the address as the patient typed it.
package email

import (
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/calendar"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
)

// deskLanguage is the language of the front desk's emails: the clinic's.
// They name the patient's language where they show the patient's details.
func (c *Composer) deskLanguage() i18n.Language { return c.profile.Language }

// Kind names one of the emails a request calls for; the kinds are the
// appointment package's.
type Kind = appointment.EmailKind

// The emails sent for each new request.
const (
	Patient   = appointment.EmailPatient
	FrontDesk = appointment.EmailFrontDesk
)

// Settings say who sends and who receives at the clinic.
type Settings struct {
	// Sender is the verified sender, one bare address such as
	// appointments@example.com.
	Sender string
	// FrontDesk are the front desk's bare addresses, at least one. An
	// internationalised domain may be written either way; it is sent in
	// Punycode.
	FrontDesk []string
	// Links returns the absolute URL of the signed link that takes action a
	// on request id. When it is nil the emails carry no action links, and
	// tell the reader to call or reply instead.
	Links func(id string, a appointment.Action) string
	// StaffDetail says how much of the patient the emails to the front
	// desk show; the zero value is StaffDetailFull.
	StaffDetail StaffDetail
}

// StaffDetail says how much of the patient the emails to the front desk
// carry: the new-request notification, the cancel notice and the digest.
type StaffDetail string

const (
	// StaffDetailFull shows the patient's name, contact details and
	// reason, and makes the patient's address the Reply-To.
	StaffDetailFull StaffDetail = "full"
	// StaffDetailMinimal shows only what identifies the request (its
	// reference, service, location and times) and its links: the front
	// desk reads who the patient is on the request page. No patient
	// address is written anywhere in the message, Reply-To included.
	StaffDetailMinimal StaffDetail = "minimal"
)

// minimal says the front desk's emails leave the patient's details out.
func (c *Composer) minimal() bool { return c.settings.StaffDetail == StaffDetailMinimal }

// Message is one rendered email: what the mail service is handed
// (appointment.Message, the email's identity with it) and the parts it
// was made of.
type Message struct {
	appointment.Message
	Subject string
	// Text is the plain-text part.
	Text string
	// HTML is the HTML part.
	HTML string
	// Calendar is the invitation the message carries, an iCalendar object,
	// or nil when it carries none.
	Calendar []byte
}

//go:embed templates
var templateFS embed.FS

// Composer renders the emails of one clinic. It is safe for concurrent use.
type Composer struct {
	profile *clinic.Profile
	// settings hold every address in the form SES takes.
	settings Settings
	// locationDesks are the front desks of the locations that have their
	// own, by location ID, in the form SES takes.
	locationDesks map[string]string
	// senderDomain names the host part of every Message-ID, so that
	// identifiers are unique to the clinic's own domain.
	senderDomain string
	palette      clinic.Palette
	contact      clinicContact

	// html and text are each kind's templates.
	html map[Kind]renderer
	text map[Kind]renderer

	now          func() time.Time
	newMessageID func() string
}

// NewComposer checks the settings and parses the embedded templates once.
func NewComposer(p *clinic.Profile, s Settings) (*Composer, error) {
	if p == nil {
		return nil, errors.New("clinic profile is required")
	}
	var errs []error
	if sender, err := appointment.SESAddress(s.Sender); err != nil {
		errs = append(errs, fmt.Errorf("sender %q: %w", s.Sender, err))
	} else if !strings.EqualFold(sender, s.Sender) {
		// The sender is the identity verified in SES, which is ASCII, and
		// its domain is the host of every Message-ID, which must be ASCII
		// too; it is kept as configured rather than converted, so that it
		// is plain which identity is used.
		errs = append(errs, fmt.Errorf("sender %q must be ASCII; write it as %q", s.Sender, sender))
	}
	if len(s.FrontDesk) == 0 {
		errs = append(errs, errors.New("at least one front-desk address is required"))
	}
	frontDesk := make([]string, 0, len(s.FrontDesk))
	for _, a := range s.FrontDesk {
		sent, err := appointment.SESAddress(a)
		if err != nil {
			errs = append(errs, fmt.Errorf("front desk %q: %w", a, err))
			continue
		}
		frontDesk = append(frontDesk, sent)
	}
	locationDesks := map[string]string{}
	for _, l := range p.Locations {
		if l.FrontDeskEmail == "" {
			continue
		}
		sent, err := locationFrontDesk(l.FrontDeskEmail)
		if err != nil {
			errs = append(errs, fmt.Errorf("location %s: front desk %q: %w", l.ID, l.FrontDeskEmail, err))
			continue
		}
		locationDesks[l.ID] = sent
	}
	pal, err := clinic.NewPalette(p.BrandColor)
	if err != nil {
		errs = append(errs, err)
	}
	switch s.StaffDetail {
	case "", StaffDetailFull, StaffDetailMinimal:
	default:
		errs = append(errs, fmt.Errorf("staff email detail %q is neither %q nor %q", s.StaffDetail, StaffDetailFull, StaffDetailMinimal))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("email settings: %w", err)
	}

	c := &Composer{
		profile:       p,
		settings:      Settings{Sender: s.Sender, FrontDesk: frontDesk, Links: s.Links, StaffDetail: s.StaffDetail},
		locationDesks: locationDesks,
		senderDomain:  s.Sender[strings.LastIndexByte(s.Sender, '@')+1:],
		palette:       pal,
		contact:       newClinicContact(p),
		now:           time.Now,
		newMessageID:  func() string { return strings.ToLower(rand.Text()) },
	}
	t, err := parsedTemplates()
	if err != nil {
		return nil, err
	}
	c.html, c.text = t.html, t.text
	return c, nil
}

// kindTemplates are each kind's templates.
type kindTemplates struct {
	html, text map[Kind]renderer
}

// parsedTemplates parses the templates once in a process: they depend on
// neither the profile nor the settings, so composers share them
// (html/template escapes a template on its first execution, safely under
// concurrent use).
var parsedTemplates = sync.OnceValues(parseAll)

// parseAll parses every kind's templates.
func parseAll() (kindTemplates, error) {
	layout, err := parseLayout()
	if err != nil {
		return kindTemplates{}, err
	}
	t := kindTemplates{html: map[Kind]renderer{}, text: map[Kind]renderer{}}
	// Kinds that share templates, such as the bounce notice and the front
	// desk's notification, share them parsed once.
	byName := map[string]Kind{}
	for kind, name := range templates {
		if same, ok := byName[name]; ok {
			t.html[kind], t.text[kind] = t.html[same], t.text[same]
			continue
		}
		h, tx, err := parseTemplates(layout, name)
		if err != nil {
			return kindTemplates{}, err
		}
		t.html[kind], t.text[kind] = renderer{h}, renderer{tx}
		byName[name] = kind
	}
	return t, nil
}

// Prepare parses the emails' templates, which the first NewComposer
// would otherwise do, so that a function can have it done while it waits
// for the network at start.
func Prepare() {
	parsedTemplates()
}

// parseLayout parses the HTML frame of every email, with the snippets
// the emails' contents share.
func parseLayout() (*htmltemplate.Template, error) {
	h, err := htmltemplate.New("layout.html.tmpl").Funcs(htmlFuncs).ParseFS(templateFS, "templates/layout.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse html layout: %w", err)
	}
	return h, nil
}

// parseTemplates parses the HTML template of the given name, into a copy
// of the layout, which must not have been executed, and the plain-text
// template.
func parseTemplates(layout *htmltemplate.Template, name string) (*htmltemplate.Template, *texttemplate.Template, error) {
	h, err := layout.Clone()
	if err == nil {
		h, err = h.ParseFS(templateFS, "templates/"+name+".html.tmpl")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s html template: %w", name, err)
	}
	t, err := texttemplate.New(name+".txt.tmpl").Funcs(textFuncs).ParseFS(templateFS,
		"templates/"+name+".txt.tmpl", "templates/common.txt.tmpl")
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s text template: %w", name, err)
	}
	return h, t, nil
}

// templates are the templates' file names, by the kind of email they
// render: for the emails of a transition, by the base kind.
var templates = map[Kind]string{
	Patient:                       "patient",
	FrontDesk:                     "frontdesk",
	appointment.EmailBooking:      "booking",
	appointment.EmailDeclined:     "declined",
	appointment.EmailCancelled:    "cancelled",
	appointment.EmailCancelNotice: "cancelnotice",
	appointment.EmailBounceNotice: "frontdesk",
	appointment.EmailDeskInvite:   "deskinvite",
	appointment.EmailReminder:     "reminder",
	DigestKind:                    "digest",
}

// Compose renders the kind of email for request r, to the recipient
// the kind has (appointment.EmailKind.Recipient). The request must be
// validated and normalised: Phone in E.164, PreferredDays and
// PreferredTimes as IDs, Location a profile location ID and CreatedAt set.
//
// Besides Patient and FrontDesk, kind may be one that
// appointment.TransitionEmail makes for a transition in r.History; the
// email is then about that transition, which must be one the email is
// for (a booking email or a reminder needs a schedule or a reschedule
// with a booking, and so on).
func (c *Composer) Compose(kind Kind, r appointment.Request) (Message, error) {
	base, index, tr, err := transitionOf(kind, r)
	if err != nil {
		return Message{}, err
	}
	recipient, ok := kind.Recipient()
	if !ok {
		return Message{}, fmt.Errorf("no recipient for %s emails", kind)
	}
	// The patient reads the language they asked in; a request stored
	// before requests had a language is in the clinic's.
	lang := c.deskLanguage()
	if recipient == appointment.RecipientPatient {
		lang = r.Language.Or(c.profile.Language)
	}
	in, err := c.requestParts(base, r, lang)
	if err != nil {
		return Message{}, err
	}
	msg := Message{Message: appointment.Message{RequestID: r.ID, Kind: kind, From: c.settings.Sender}}
	// A reply from the patient reaches the front desk that handles the
	// request, and one from the front desk reaches the patient.
	var replyTo []string
	switch recipient {
	case appointment.RecipientPatient:
		msg.To = []string{in.patientAddress}
		replyTo = in.frontDesk
	case appointment.RecipientFrontDesk:
		msg.To = in.frontDesk
		replyTo = c.staffReplyTo(in.patientAddress)
	}
	v := c.view(base, in, index, tr)
	if v.noReply {
		replyTo = nil
	}
	msg.Subject = v.subject
	if v.method != "" {
		var desk *calendar.DeskCopy
		if v.deskCopy {
			desk = &calendar.DeskCopy{Attendees: msg.To, PatientName: !c.minimal()}
		}
		if msg.Calendar, err = c.invitation(v.method, r, in.location, tr, desk, lang); err != nil {
			return Message{}, fmt.Errorf("%s calendar invitation: %w", base, err)
		}
	}
	return c.render(msg, base, v.data, replyTo, v.method, lang)
}

// requestParts are the parts of a request that every email about it is
// made of, checked.
type requestParts struct {
	r appointment.Request
	// lang is the language the email is written in.
	lang i18n.Language
	// patientAddress is the patient's address in the form SES takes.
	patientAddress string
	service        clinic.Service
	location       clinic.Location
	// frontDesk are the addresses of the location's front desk.
	frontDesk []string
	details   requestDetails
	links     map[appointment.Action]string
}

// requestParts checks request r and gathers what the email of base kind,
// written in lang, is made of: the service and the location as a reader
// of lang reads them.
func (c *Composer) requestParts(base Kind, r appointment.Request, lang i18n.Language) (requestParts, error) {
	// Errors below name fields, never their values: they end up in logs,
	// and logs carry no patient details.
	patientAddress, err := appointment.SESAddress(r.Email)
	if err != nil {
		return requestParts{}, fmt.Errorf("request email: %w", err)
	}
	if _, err := appointment.ParseReference(r.Reference); err != nil {
		return requestParts{}, errors.New("request reference is missing or malformed")
	}
	if !appointment.IsE164(r.Phone) {
		return requestParts{}, errors.New("request phone is not in E.164 form")
	}
	if r.CreatedAt.IsZero() {
		return requestParts{}, errors.New("request has no creation time")
	}
	service, ok := c.profile.In(lang).Service(r.Service)
	if !ok {
		return requestParts{}, errors.New("request service is not in the clinic profile")
	}
	location, err := c.location(r.Location)
	if err != nil {
		return requestParts{}, err
	}
	if l, ok := c.profile.In(lang).Location(location.ID); ok {
		location = l
	}
	links, err := c.links(base, r)
	if err != nil {
		return requestParts{}, err
	}
	return requestParts{
		r:              r,
		lang:           lang,
		patientAddress: patientAddress,
		service:        service,
		location:       location,
		frontDesk:      c.frontDeskAddresses(location),
		details:        c.details(lang, r, service, location),
		links:          links,
	}, nil
}

// emailView is what one email says: its subject, the data its templates
// render, and the calendar method of the invitation it carries, if any.
type emailView struct {
	subject string
	data    any
	method  calendar.Method
	// noReply says the email has no Reply-To, so that a reply goes to the
	// sender's mailbox.
	noReply bool
	// deskCopy says the invitation is the front desk's copy.
	deskCopy bool
}

// view words the email of base kind about the request of in; index and
// tr are the transition it is about, if any.
func (c *Composer) view(base Kind, in requestParts, index int, tr *appointment.Transition) emailView {
	r, d, links, lang := in.r, in.details, in.links, in.lang
	switch base {
	case Patient:
		subject := lang.Sprintf("email.patient.subject")
		return emailView{subject: subject, data: c.patientView(lang, r, d, subject, links)}
	case FrontDesk:
		subject := lang.Sprintf("desk.email.new.subject", r.Reference, in.service.Label, in.location.Label)
		return emailView{subject: subject, data: c.frontDeskView(r, in.patientAddress, d, subject, links)}
	case appointment.EmailBooking:
		v := c.bookingView(lang, r, d, index, tr, links)
		return emailView{subject: v.Title, data: v, method: calendar.Request}
	case appointment.EmailReminder:
		// No invitation: the booking email's stands for the booking.
		v := c.reminderView(lang, r, d, tr, links)
		return emailView{subject: v.Title, data: v}
	case appointment.EmailCancelled:
		v := c.cancelledView(lang, r, d, tr)
		return emailView{subject: v.Title, data: v, method: calendar.Cancel}
	case appointment.EmailDeclined:
		subject := lang.Sprintf("email.declined.subject", r.Reference)
		return emailView{subject: subject, data: c.declinedView(lang, r, d, tr, subject)}
	case appointment.EmailBounceNotice:
		subject := lang.Sprintf("desk.email.bounce.subject", r.Reference)
		v := c.frontDeskView(r, in.patientAddress, d, subject, links)
		v.Heading = lang.Sprintf("desk.email.bounce.heading")
		v.Notice = lang.Sprintf("desk.email.bounce.notice", c.profile.Name)
		// The patient's address is the one that bounced: a reply to it
		// would bounce too.
		return emailView{subject: subject, data: v, noReply: true}
	case appointment.EmailCancelNotice:
		subject := lang.Sprintf("desk.email.cancel.subject", r.Reference, in.service.Label)
		return emailView{subject: subject, data: c.cancelNoticeView(r, in.patientAddress, d, tr, subject)}
	case appointment.EmailDeskInvite:
		return c.deskInvite(in, index, tr)
	}
	return emailView{}
}

// invitation builds the calendar invitation, with the given method, for
// the booking of transition tr of request r at location l: the patient's,
// in the patient's language lang, or the front desk's copy when desk is
// set.
func (c *Composer) invitation(method calendar.Method, r appointment.Request, l clinic.Location, tr *appointment.Transition, desk *calendar.DeskCopy, lang i18n.Language) ([]byte, error) {
	// The invitation names the location by ID; a request from a
	// single-site clinic may leave it out, and means that site.
	r.Location = l.ID
	return calendar.Build(calendar.Invite{
		Method:    method,
		Profile:   c.profile,
		Request:   r,
		Booking:   *tr.Booking,
		Organizer: c.settings.Sender,
		Stamp:     c.now(),
		Desk:      desk,
		Language:  lang,
	})
}

// render fills in msg's text and HTML parts from the templates of the
// given kind with data, and encodes the whole message.
func (c *Composer) render(msg Message, kind Kind, data any, replyTo []string, method calendar.Method, lang i18n.Language) (Message, error) {
	text, html := c.text[kind], c.html[kind]
	if text.t == nil || html.t == nil {
		return Message{}, fmt.Errorf("no template for %s emails", kind)
	}
	var err error
	if msg.Text, err = text.execute(data); err != nil {
		return Message{}, fmt.Errorf("render %s text: %w", kind, err)
	}
	if msg.HTML, err = html.execute(data); err != nil {
		return Message{}, fmt.Errorf("render %s html: %w", kind, err)
	}
	if msg.Raw, err = c.encode(msg, replyTo, method, lang); err != nil {
		return Message{}, fmt.Errorf("encode %s email: %w", kind, err)
	}
	return msg, nil
}

// staffReplyTo is the Reply-To of an email to the front desk about one
// request: the patient, so that a reply reaches them, except in minimal
// mode, where the address is one of the details left out; a reply then
// goes to the sender's mailbox.
func (c *Composer) staffReplyTo(patientAddress string) []string {
	if c.minimal() {
		return nil
	}
	return []string{patientAddress}
}

// location returns the request's location. A request without one can only
// come from a clinic with a single site, which is then the one meant.
func (c *Composer) location(id string) (clinic.Location, error) {
	if id == "" && len(c.profile.Locations) == 1 {
		return c.profile.Locations[0], nil
	}
	l, ok := c.profile.Location(id)
	if !ok {
		return clinic.Location{}, errors.New("request location is not in the clinic profile")
	}
	return l, nil
}

// frontDeskAddresses returns who handles requests for the location: its own
// front desk when the profile names one, else the clinic-wide front desk.
func (c *Composer) frontDeskAddresses(l clinic.Location) []string {
	if a, ok := c.locationDesks[l.ID]; ok {
		return []string{a}
	}
	return slices.Clone(c.settings.FrontDesk)
}

// locationFrontDesk returns a location's front-desk address in the form
// SES takes. The profile allows a display name there; recipients are
// bare, so that no name is written into a header.
func locationFrontDesk(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", err
	}
	return appointment.SESAddress(a.Address)
}
