package manage

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/i18n"
)

//go:embed templates/*.html.tmpl
var templateFiles embed.FS

var templates = template.Must(template.ParseFS(templateFiles, "templates/*.html.tmpl"))

// titles are the pages' headings, by action, in the clinic's language
// for the front desk; the patient's cancel page says its own in the
// patient's (see title).
var titles = map[appointment.Action]string{
	appointment.ActionContact:       "Mark as contacted",
	appointment.ActionSchedule:      "Schedule the appointment",
	appointment.ActionReschedule:    "Reschedule the appointment",
	appointment.ActionDecline:       "Decline the request",
	appointment.ActionCancel:        "Cancel your appointment request",
	appointment.ActionCancelBooking: "Cancel the appointment",
	appointment.ActionAttended:      "Mark as attended",
	appointment.ActionNoShow:        "Mark as no-show",
}

// title is the heading of the page of action a on r, in lang. The
// patient's cancel page says what it cancels: the request, or the
// appointment once the request is booked.
func title(r appointment.Request, a appointment.Action, lang i18n.Language) string {
	if a != appointment.ActionCancel {
		return titles[a]
	}
	if r.Status.Normal() == appointment.StatusScheduled {
		return lang.Sprintf("page.cancel.title.booked")
	}
	return lang.Sprintf("page.cancel.title")
}

// buttons are the forms' submit labels, by action.
var buttons = map[appointment.Action]string{
	appointment.ActionContact:       "Mark as contacted",
	appointment.ActionSchedule:      "Schedule",
	appointment.ActionReschedule:    "Reschedule",
	appointment.ActionDecline:       "Decline",
	appointment.ActionCancel:        "Cancel my request",
	appointment.ActionCancelBooking: "Cancel the appointment",
	appointment.ActionAttended:      "Mark as attended",
	appointment.ActionNoShow:        "Mark as no-show",
}

// pageData is what the action page shows.
type pageData struct {
	// L is the language of the page: the template says its fixed words,
	// and its lang attribute, in it.
	L                    i18n.Language
	Clinic, Phone, Color string
	// PhoneDial is what the clinic phone's tel: link dials.
	PhoneDial string
	Title     string
	// Done says what the form just did; Outcome what happened to the
	// request earlier, when the action can no longer be taken.
	Done, Outcome string
	Status        string
	// Warnings tell the front desk what became of the patient's emails
	// when it changes what they should do: a bounce, a complaint.
	Warnings []string
	Rows     []row
	History  []string
	// Form is the action's form, when it can be taken now.
	Form *formData
	// Others are links to the other actions open to the same audience.
	Others []link
}

// row is one detail of the request. Tel or Mail, when set, make its value
// a tel: or mailto: link to them; the template writes the scheme, so that
// html/template escapes the rest as part of the address.
type row struct{ Label, Value, Tel, Mail string }

type link struct{ Label, Href string }

type formData struct {
	Action   string
	Button   string
	Problems []appointment.FieldError
	// The fields, as sent or as they start.
	Date, Time, Minutes, Clinician, Note, Message string
	OutsideHours                                  bool
	// Min and Max bound the date: from today to as far ahead as a booking
	// may be made.
	Min, Max string
	// Zone names the clinic's time zone on the date in the form, as its
	// clocks show it then ("MST" or "MDT"), since the time is read there.
	Zone    string
	Confirm string
}

// Problem returns the message for one field, for the template.
func (f *formData) Problem(field string) string {
	for _, p := range f.Problems {
		if p.Field == field {
			return p.Message
		}
	}
	return ""
}

// General returns the messages of the problems with the form as a whole,
// such as a reschedule that changes nothing.
func (f *formData) General() []string {
	var out []string
	for _, p := range f.Problems {
		if p.Field == "" {
			out = append(out, p.Message)
		}
	}
	return out
}

// FieldProblems reports whether a field has a problem.
func (f *formData) FieldProblems() bool {
	for _, p := range f.Problems {
		if p.Field != "" {
			return true
		}
	}
	return false
}

// page renders the action page of request r for the link's claims, with
// the form as sent and its problems after a refused post.
func (h *Handler) page(r appointment.Request, c actionlink.Claims, sent url.Values, problems []appointment.FieldError, done bool) events.APIGatewayV2HTTPResponse {
	now := h.now()
	lang := h.language(r, c.Audience)
	d := pageData{L: lang, Clinic: h.profile.Name, Phone: h.profile.ShownPhone(), PhoneDial: appointment.DialString(h.profile.Phone), Color: h.profile.BrandColor,
		Title: title(r, c.Action, lang), Status: h.status(r, lang)}
	staff := c.Audience == appointment.AudienceFrontDesk
	d.Rows = h.rows(r, staff, lang)
	if staff {
		for _, t := range r.History {
			d.History = append(d.History, h.describe(t, c.Audience, lang))
		}
		d.Warnings = emailWarnings(r)
	}
	// The change this link made, if it made one: it cannot act again.
	used := r.UsedLink(c.Link)
	if done && used != nil {
		d.Done = h.describe(*used, c.Audience, lang)
	}
	allowed := c.Action.Allows(r.Status.Normal())
	switch {
	case allowed && used == nil:
		d.Form = h.form(r, c.Action, sent, problems, lang)
	case d.Done != "":
	case allowed:
		// Only the front desk's reschedule is allowed again after its
		// link acted.
		d.Outcome = "This link has been used. " + h.describe(*used, c.Audience, lang) + " To do it again, use “" + titles[c.Action] + " again” below."
	default:
		d.Outcome = h.outcome(r, c.Audience, lang)
	}
	for _, a := range appointment.Actions {
		if a.Audience() != c.Audience || !a.Allows(r.Status.Normal()) || (a == c.Action && used == nil) {
			continue
		}
		// A page does not outlive the link that opened it (see
		// appointment.Request.LinkExpiry); a link that could not be
		// opened is not offered.
		expires := r.LinkExpiry(a, c.Expires)
		if !expires.After(now) {
			continue
		}
		label := title(r, a, lang)
		if a == c.Action {
			label += " again"
		}
		d.Others = append(d.Others, link{Label: label, Href: h.signed(r.ID, a, expires)})
	}
	status := http.StatusOK
	if len(problems) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return render(status, lang, "page", d)
}

// emailWarnings says what SES reported about the patient's emails that the
// front desk must act on, the worst first; nothing when all is well.
func emailWarnings(r appointment.Request) []string {
	var bounced, complained, suppressed, capped bool
	for kind, d := range r.Deliveries {
		if !kind.ToPatient() {
			continue
		}
		switch {
		case d.Report.Feedback == appointment.FeedbackComplained:
			complained = true
		case d.Report.BouncedForGood():
			bounced = true
		case d.State == appointment.DeliveryFailed && d.Reason == appointment.ReasonComplaint:
			suppressed = true
		case d.State == appointment.DeliveryFailed && d.Reason == appointment.ReasonHourlyCap:
			capped = true
		}
	}
	var out []string
	if complained || suppressed {
		out = append(out, "The patient marked an email from the clinic as spam, so they get no more emails from it. Call them instead.")
	}
	if bounced {
		out = append(out, "An email to the patient bounced: their address does not accept mail. Call them, and ask for an address that works.")
	}
	if capped {
		out = append(out, "An email to the patient was not sent: the clinic sent as many emails to patients this hour as its limit allows. Call them to tell them what it said.")
	}
	return out
}

func lastTransition(r appointment.Request) *appointment.Transition {
	if len(r.History) == 0 {
		return nil
	}
	t := r.History[len(r.History)-1]
	return &t
}

// statusKeys are the catalog's sentences saying where a request stands,
// by its status.
var statusKeys = map[appointment.Status]string{
	appointment.StatusReceived:  "page.status.received",
	appointment.StatusContacted: "page.status.contacted",
	appointment.StatusScheduled: "page.status.scheduled",
	appointment.StatusDeclined:  "page.status.declined",
	appointment.StatusCancelled: "page.status.cancelled",
	appointment.StatusAttended:  "page.status.attended",
	appointment.StatusNoShow:    "page.status.noShow",
}

// status says where the request stands, in a sentence in lang.
func (h *Handler) status(r appointment.Request, lang i18n.Language) string {
	st := r.Status.Normal()
	if st == appointment.StatusScheduled && r.Booking != nil {
		return lang.Sprintf("page.status.booked", h.booking(*r.Booking, lang))
	}
	if key, ok := statusKeys[st]; ok {
		return lang.Sprintf(key)
	}
	return string(r.Status)
}

// booking names an appointment in lang: when, how long, with whom.
func (h *Handler) booking(b appointment.Booking, lang i18n.Language) string {
	at, minutes := h.when(b.Start, lang), int(b.Length/time.Minute)
	if b.Clinician != "" {
		return lang.Sprintf("page.booking.with", at, minutes, b.Clinician)
	}
	return lang.Sprintf("page.booking", at, minutes)
}

// didKeys are the catalog's sentences saying what an action did and when,
// by action, for those that say it the same way to everyone.
var didKeys = map[appointment.Action]string{
	appointment.ActionContact:       "page.did.contact",
	appointment.ActionDecline:       "page.did.decline",
	appointment.ActionCancelBooking: "page.did.cancelBooking",
	appointment.ActionAttended:      "page.did.attended",
	appointment.ActionNoShow:        "page.did.noShow",
}

// describe says what one transition did and when, in lang, to the
// audience of the page: the patient reads of their own acts as theirs.
func (h *Handler) describe(t appointment.Transition, to appointment.Audience, lang i18n.Language) string {
	at := h.when(t.At, lang)
	message := ""
	if t.Message != "" {
		message = lang.Sprintf("page.did.message", t.Message)
	}
	switch t.Action {
	case appointment.ActionSchedule, appointment.ActionReschedule:
		if t.Booking != nil {
			return lang.Sprintf("page.did."+string(t.Action), at, h.booking(*t.Booking, lang))
		}
	case appointment.ActionCancel:
		return h.describeCancel(t, to, at, lang)
	case appointment.ActionDecline, appointment.ActionCancelBooking:
		return lang.Sprintf(didKeys[t.Action], at) + message
	}
	if key, ok := didKeys[t.Action]; ok {
		return lang.Sprintf(key, at)
	}
	return string(t.Action) + " on " + at + "."
}

// describeCancel says what the patient's cancel did: to the patient, in
// their own words.
func (h *Handler) describeCancel(t appointment.Transition, to appointment.Audience, at string, lang i18n.Language) string {
	if to != appointment.AudiencePatient {
		return lang.Sprintf("page.did.cancel", at)
	}
	if t.Booking != nil {
		return lang.Sprintf("page.did.cancel.yours.booked", h.booking(*t.Booking, lang), at)
	}
	return lang.Sprintf("page.did.cancel.yours", at)
}

// outcome says, in lang, why the action can no longer be taken.
func (h *Handler) outcome(r appointment.Request, to appointment.Audience, lang i18n.Language) string {
	if last := lastTransition(r); last != nil {
		return lang.Sprintf("page.outcome", h.describe(*last, to, lang))
	}
	return lang.Sprintf("page.outcome.status", string(r.Status.Normal()))
}

// rows are the request's details, in lang: all of them for the front
// desk, what the patient needs to recognise their own request otherwise.
func (h *Handler) rows(r appointment.Request, staff bool, lang i18n.Language) []row {
	profile := h.profile.In(lang)
	service := r.Service
	if s, ok := profile.Service(r.Service); ok {
		service = s.Label
	}
	location := r.Location
	if l, ok := profile.Location(r.Location); ok {
		location = l.Label + ", " + l.Address
	}
	rows := []row{{Label: lang.Sprintf("page.row.reference"), Value: r.Reference}, {Label: lang.Sprintf("page.row.service"), Value: service},
		{Label: lang.Sprintf("page.row.location"), Value: location}, {Label: lang.Sprintf("page.row.received"), Value: h.when(r.CreatedAt, lang)}}
	if !staff {
		return rows
	}
	// The national form written at submission, as the emails show it;
	// E.164 for a request stored before it was.
	phone := r.PhoneText
	if phone == "" {
		phone = r.Phone
		if r.PhoneExtension != "" {
			phone += " ext. " + r.PhoneExtension
		}
	}
	dial := r.Phone
	if ext := appointment.DialString(r.PhoneExtension); ext != "" {
		// RFC 3966's extension parameter, which phones dial after a pause.
		dial += ";ext=" + ext
	}
	rows = append(rows, row{Label: "Patient", Value: strings.TrimSpace(r.FirstName + " " + r.LastName)},
		row{Label: "Phone", Value: phone, Tel: dial}, row{Label: "Email", Value: r.Email, Mail: r.Email})
	var days, times []string
	for _, d := range r.PreferredDays {
		days = append(days, appointment.DayLabel(d))
	}
	for _, t := range r.PreferredTimes {
		times = append(times, appointment.TimeLabel(t))
	}
	if len(days) > 0 {
		rows = append(rows, row{Label: "Preferred days", Value: strings.Join(days, ", ")})
	}
	if len(times) > 0 {
		rows = append(rows, row{Label: "Preferred times", Value: strings.Join(times, ", ")})
	}
	if r.ContactMethod != "" {
		rows = append(rows, row{Label: "Contact by", Value: appointment.ContactMethodLabel(r.ContactMethod)})
	}
	// The language the patient reads, in which to call them back; named
	// in the clinic's language, as the rest of the page is written.
	rows = append(rows, row{Label: "Language", Value: r.Language.Or(h.profile.Language).Name(h.profile.Language)})
	if r.Reason != "" {
		rows = append(rows, row{Label: "Reason", Value: r.Reason})
	}
	return rows
}

func (h *Handler) form(r appointment.Request, a appointment.Action, sent url.Values, problems []appointment.FieldError, lang i18n.Language) *formData {
	f := &formData{Action: string(a), Button: buttons[a], Problems: problems}
	zone := h.profile.Zone()
	today := h.now().In(zone)
	f.Min, f.Max = today.Format("2006-01-02"), today.AddDate(appointment.MaxYearsAhead, 0, 0).Format("2006-01-02")
	switch a {
	case appointment.ActionSchedule, appointment.ActionReschedule:
		minutes := 45
		if s, ok := h.profile.Service(r.Service); ok {
			minutes = int(s.Length() / time.Minute)
		}
		f.Minutes = strconv.Itoa(minutes)
		f.Zone = today.Format("MST")
		if b := r.Booking; b != nil {
			f.Zone = b.Start.In(zone).Format("MST")
			f.Date, f.Time = b.Start.In(zone).Format("2006-01-02"), b.Start.In(zone).Format("15:04")
			f.Minutes, f.Clinician, f.Note = strconv.Itoa(int(b.Length/time.Minute)), b.Clinician, b.Note
			// A booking made outside the opening hours keeps the box
			// ticked, so that changing only its note is not refused.
			f.OutsideHours = !h.profile.OpenThroughout(b.Start, b.End())
		}
	case appointment.ActionCancel:
		f.Confirm = lang.Sprintf("page.cancel.confirm")
		f.Button = lang.Sprintf("page.cancel.button")
		if r.Status.Normal() == appointment.StatusScheduled {
			f.Button = lang.Sprintf("page.cancel.button.booked")
		}
	case appointment.ActionCancelBooking:
		f.Confirm = "The patient is emailed that the clinic cancelled the appointment, with your message if you write one, and their calendar drops it."
	case appointment.ActionAttended, appointment.ActionNoShow:
		f.Confirm = h.attendanceWindow(r)
	case appointment.ActionContact:
		f.Confirm = "Mark this request once someone has spoken with the patient or left a message."
	}
	if sent != nil {
		f.Date, f.Time, f.Minutes = sent.Get("date"), sent.Get("time"), sent.Get("minutes")
		if day, err := time.ParseInLocation("2006-01-02", f.Date, zone); err == nil {
			f.Zone = day.Add(12 * time.Hour).Format("MST")
		}
		f.Clinician, f.Note, f.Message = sent.Get("clinician"), sent.Get("note"), sent.Get("message")
		f.OutsideHours = sent.Get(appointment.DeskFieldOutsideHours) != ""
	}
	return f
}

// attendanceWindow says from when until when attendance can be recorded
// for r's appointment.
func (h *Handler) attendanceWindow(r appointment.Request) string {
	if r.Booking == nil {
		return ""
	}
	opens := r.Booking.Start
	return "Attendance can be recorded from the start of the appointment, " + h.when(opens, h.profile.Language) + ", until " + h.when(opens.Add(appointment.AttendanceWindow), h.profile.Language) + ". The patient is not emailed."
}

// problemData is what a problem page shows, in L.
type problemData struct {
	L                               i18n.Language
	Clinic, Phone, PhoneDial, Color string
	Title, Text                     string
}

// problem renders a page, in lang, that explains why nothing can be done
// here.
func (h *Handler) problem(status int, lang i18n.Language, title, text string) events.APIGatewayV2HTTPResponse {
	return render(status, lang, "problem", problemData{L: lang, Clinic: h.profile.Name, Phone: h.profile.ShownPhone(), PhoneDial: appointment.DialString(h.profile.Phone),
		Color: h.profile.BrandColor, Title: title, Text: text})
}

// csp allows the page's own inline style and posting its form to itself,
// nothing else: no script, no framing, no other destination.
const csp = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func pageHeaders(extra map[string]string) map[string]string {
	h := map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "no-store",
		"Content-Security-Policy": csp,
		"X-Content-Type-Options":  "nosniff",
		// The token is in the address: it must not travel on to other
		// sites, nor the page be indexed.
		"Referrer-Policy": "no-referrer",
		"X-Robots-Tag":    "noindex, nofollow",
	}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

func render(status int, lang i18n.Language, name string, data any) events.APIGatewayV2HTTPResponse {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		// The templates are fixed and tested; a failure here is a bug, and
		// the patient still gets a page.
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusInternalServerError, Headers: pageHeaders(nil),
			Body: "<!doctype html><html lang=\"" + lang.Tag().String() + "\"><title>" + template.HTMLEscapeString(lang.Sprintf("page.problem.bug.title")) +
				"</title><p>" + template.HTMLEscapeString(lang.Sprintf("page.problem.bug.text")) + "</p>"}
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: pageHeaders(nil), Body: b.String()}
}
