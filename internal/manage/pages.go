package manage

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
)

//go:embed templates/*.html.tmpl
var templateFiles embed.FS

var templates = template.Must(template.ParseFS(templateFiles, "templates/*.html.tmpl"))

// titleKeys are the catalog's headings of the front desk's pages, by
// action, in the clinic's language; the patient's cancel page says its
// own in the patient's (see title).
var titleKeys = map[appointment.Action]string{
	appointment.ActionContact:       "desk.page.title.contact",
	appointment.ActionSchedule:      "desk.page.title.schedule",
	appointment.ActionReschedule:    "desk.page.title.reschedule",
	appointment.ActionDecline:       "desk.page.title.decline",
	appointment.ActionCancelBooking: "desk.page.title.cancelBooking",
	appointment.ActionAttended:      "desk.page.title.attended",
	appointment.ActionNoShow:        "desk.page.title.noShow",
}

// title is the heading of the page of action a on r, in lang. The
// patient's cancel page says what it cancels: the request, or the
// appointment once the request is booked.
func title(r appointment.Request, a appointment.Action, lang i18n.Language) string {
	if a != appointment.ActionCancel {
		return lang.Sprintf(titleKeys[a])
	}
	if r.Status.Normal() == appointment.StatusScheduled {
		return lang.Sprintf("page.cancel.title.booked")
	}
	return lang.Sprintf("page.cancel.title")
}

// buttonKeys are the catalog's submit labels of the front desk's forms,
// by action: the heading of the page, for the actions whose button says
// it. The patient's cancel button is the form's own (see form).
var buttonKeys = map[appointment.Action]string{
	appointment.ActionContact:       "desk.page.title.contact",
	appointment.ActionSchedule:      "desk.page.button.schedule",
	appointment.ActionReschedule:    "desk.page.button.reschedule",
	appointment.ActionDecline:       "desk.page.button.decline",
	appointment.ActionCancelBooking: "desk.page.title.cancelBooking",
	appointment.ActionAttended:      "desk.page.title.attended",
	appointment.ActionNoShow:        "desk.page.title.noShow",
}

// pageData is what the action page shows.
type pageData struct {
	// L is the language of the page: the template says its fixed words,
	// and its lang attribute, in it.
	L                    i18n.Language
	Clinic, Phone, Color string
	// PhoneDial is what the clinic phone's tel: link dials, and Questions
	// what the page says before it (questions).
	PhoneDial, Questions string
	Title                string
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
	staff := c.Audience == appointment.AudienceFrontDesk
	d := pageData{L: lang, Clinic: h.profile.Name, Phone: h.profile.ShownPhone(), PhoneDial: appointment.DialString(h.profile.Phone),
		Questions: questions(staff, lang), Color: h.profile.BrandColor, Title: title(r, c.Action, lang), Status: h.status(r, staff, lang)}
	d.Rows = h.rows(r, staff, lang)
	if staff {
		for _, t := range r.History {
			d.History = append(d.History, h.describe(t, c.Audience, lang))
		}
		d.Warnings = emailWarnings(r, lang)
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
		d.Outcome = lang.Sprintf("desk.page.used", h.describe(*used, c.Audience, lang), lang.Sprintf("desk.page.again", title(r, c.Action, lang)))
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
			label = lang.Sprintf("desk.page.again", label)
		}
		d.Others = append(d.Others, link{Label: label, Href: h.signed(r.ID, a, expires)})
	}
	status := http.StatusOK
	if len(problems) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return render(status, lang, "page", d)
}

// questions is what a page says before the clinic's number, in lang: the
// patient is asked to call the clinic, and the front desk, in Spanish,
// told to call it rather than asked to call itself.
func questions(staff bool, lang i18n.Language) string {
	if staff {
		return lang.Sprintf("desk.page.questions")
	}
	return lang.Sprintf("page.questions")
}

// emailWarnings says, in lang, what SES reported about the patient's
// emails that the front desk must act on, the worst first; nothing when
// all is well.
func emailWarnings(r appointment.Request, lang i18n.Language) []string {
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
		out = append(out, lang.Sprintf("desk.page.warning.complaint"))
	}
	if bounced {
		out = append(out, lang.Sprintf("desk.page.warning.bounce"))
	}
	if capped {
		out = append(out, lang.Sprintf("desk.page.warning.capped"))
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
// by its status, as the patient reads them; deskStatusKeys those the
// front desk reads where they differ, which say the same in English and,
// in Spanish, speak of the patient rather than to them.
var (
	statusKeys = map[appointment.Status]string{
		appointment.StatusReceived:  "page.status.received",
		appointment.StatusContacted: "page.status.contacted",
		appointment.StatusScheduled: "page.status.scheduled",
		appointment.StatusDeclined:  "page.status.declined",
		appointment.StatusCancelled: "page.status.cancelled",
		appointment.StatusAttended:  "page.status.attended",
		appointment.StatusNoShow:    "page.status.noShow",
	}
	deskStatusKeys = map[appointment.Status]string{
		appointment.StatusReceived:  "desk.page.status.received",
		appointment.StatusContacted: "desk.page.status.contacted",
		appointment.StatusDeclined:  "desk.page.status.declined",
		appointment.StatusAttended:  "desk.page.status.attended",
		appointment.StatusNoShow:    "desk.page.status.noShow",
	}
)

// status says where the request stands, in a sentence in lang, to the
// front desk when staff.
func (h *Handler) status(r appointment.Request, staff bool, lang i18n.Language) string {
	st := r.Status.Normal()
	if st == appointment.StatusScheduled && r.Booking != nil {
		return lang.Sprintf("page.status.booked", h.booking(*r.Booking, lang))
	}
	if key, ok := deskStatusKeys[st]; ok && staff {
		return lang.Sprintf(key)
	}
	if key, ok := statusKeys[st]; ok {
		return lang.Sprintf(key)
	}
	return string(r.Status)
}

// stateName names a request's status in lang, as a word: English names it
// as it is stored.
func stateName(st appointment.Status, lang i18n.Language) string {
	if _, ok := statusKeys[st]; ok {
		return lang.Sprintf("desk.page.state." + string(st))
	}
	return string(st)
}

// booking names an appointment in lang: when, how long, with whom.
func (h *Handler) booking(b appointment.Booking, lang i18n.Language) string {
	at, minutes := h.when(b.Start, lang), int(b.Length/time.Minute)
	if b.Clinician != "" {
		return lang.Sprintf("page.booking.with", at, minutes, b.Clinician)
	}
	return lang.Sprintf("page.booking", at, minutes)
}

// didPrefixes begin the catalog's keys of the sentences saying what an
// action did and when ("<prefix><action>", "<prefix>message" for the
// message to the patient that a decline or a cancel may carry): the
// patient's, and the front desk's, the same in English and, in Spanish,
// of the patient rather than to them. The patient reads of their own
// cancel in words of their own (describeCancel).
const (
	patientDid = "page.did."
	deskDid    = "desk.page.did."
)

// describe says what one transition did and when, in lang, to the
// audience of the page: the patient reads of their own acts as theirs.
func (h *Handler) describe(t appointment.Transition, to appointment.Audience, lang i18n.Language) string {
	prefix := patientDid
	if to == appointment.AudienceFrontDesk {
		prefix = deskDid
	}
	at := h.when(t.At, lang)
	message := ""
	if t.Message != "" {
		message = lang.Sprintf(prefix+"message", t.Message)
	}
	key, ok := prefix+string(t.Action), slices.Contains(appointment.Actions, t.Action)
	switch {
	case t.Action == appointment.ActionCancel:
		return h.describeCancel(t, to, at, lang)
	case t.Action == appointment.ActionSchedule || t.Action == appointment.ActionReschedule:
		if t.Booking != nil {
			return lang.Sprintf(key, at, h.booking(*t.Booking, lang))
		}
	case t.Action == appointment.ActionDecline || t.Action == appointment.ActionCancelBooking:
		return lang.Sprintf(key, at) + message
	case ok:
		return lang.Sprintf(key, at)
	}
	return lang.Sprintf("desk.page.did.other", string(t.Action), at)
}

// describeCancel says what the patient's cancel did: to the patient, in
// their own words; to the front desk, what the patient cancelled.
func (h *Handler) describeCancel(t appointment.Transition, to appointment.Audience, at string, lang i18n.Language) string {
	if to != appointment.AudiencePatient {
		if t.Booking != nil {
			return lang.Sprintf(deskDid+"cancel.booked", at)
		}
		return lang.Sprintf(deskDid+"cancel", at)
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
	if to == appointment.AudienceFrontDesk {
		return lang.Sprintf("desk.page.outcome.status", stateName(r.Status.Normal(), lang))
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
	rows = append(rows, row{Label: lang.Sprintf("desk.page.row.patient"), Value: strings.TrimSpace(r.FirstName + " " + r.LastName)},
		row{Label: lang.Sprintf("form.label.phone"), Value: phone, Tel: dial}, row{Label: lang.Sprintf("form.label.email"), Value: r.Email, Mail: r.Email})
	var days, times []string
	for _, d := range r.PreferredDays {
		days = append(days, dayName(d, lang))
	}
	for _, t := range r.PreferredTimes {
		times = append(times, choiceName("form.choice.time.", t, appointment.Times, lang))
	}
	if len(days) > 0 {
		rows = append(rows, row{Label: lang.Sprintf("form.label.preferredDays"), Value: strings.Join(days, ", ")})
	}
	if len(times) > 0 {
		rows = append(rows, row{Label: lang.Sprintf("form.label.preferredTimes"), Value: strings.Join(times, ", ")})
	}
	if r.ContactMethod != "" {
		rows = append(rows, row{Label: lang.Sprintf("desk.page.row.contactBy"),
			Value: choiceName("form.choice.contact.", r.ContactMethod, appointment.ContactMethods, lang)})
	}
	// The language the patient reads, in which to call them back; named
	// in the clinic's language, as the rest of the page is written.
	rows = append(rows, row{Label: lang.Sprintf("form.label.language"), Value: r.Language.Or(h.profile.Language).Name(h.profile.Language)})
	if r.Reason != "" {
		rows = append(rows, row{Label: lang.Sprintf("desk.page.row.reason"), Value: r.Reason})
	}
	return rows
}

// dayName names a preferred day in lang, as the form offered it: "Monday",
// "lunes"; a day the form does not offer as it is stored.
func dayName(id string, lang i18n.Language) string {
	i := slices.Index(clinic.Weekdays, id)
	if i < 0 {
		return id
	}
	// clinic.Weekdays starts on Monday, time.Weekday on Sunday.
	return lang.Weekday(time.Weekday((i + 1) % 7))
}

// choiceName names one of the form's fixed choices in lang, by the
// catalog's key prefix+id as the form offered it; a choice that is not one
// of choices, which a validated request cannot hold, as it is stored.
func choiceName(prefix, id string, choices []string, lang i18n.Language) string {
	if !slices.Contains(choices, id) {
		return id
	}
	return lang.Sprintf(prefix + id)
}

func (h *Handler) form(r appointment.Request, a appointment.Action, sent url.Values, problems []appointment.FieldError, lang i18n.Language) *formData {
	f := &formData{Action: string(a)}
	// The problems come in English; each is shown in the page's language.
	for _, p := range problems {
		f.Problems = append(f.Problems, p.In(lang))
	}
	if key, ok := buttonKeys[a]; ok {
		f.Button = lang.Sprintf(key)
	}
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
		f.Confirm = lang.Sprintf("desk.page.confirm.cancelBooking")
	case appointment.ActionAttended, appointment.ActionNoShow:
		f.Confirm = h.attendanceWindow(r, lang)
	case appointment.ActionContact:
		f.Confirm = lang.Sprintf("desk.page.confirm.contact")
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

// attendanceWindow says, in lang, from when until when attendance can be
// recorded for r's appointment.
func (h *Handler) attendanceWindow(r appointment.Request, lang i18n.Language) string {
	if r.Booking == nil {
		return ""
	}
	opens := r.Booking.Start
	return lang.Sprintf("desk.page.confirm.attendance", h.when(opens, lang), h.when(opens.Add(appointment.AttendanceWindow), lang))
}

// problemData is what a problem page shows, in L.
type problemData struct {
	L                                          i18n.Language
	Clinic, Phone, PhoneDial, Questions, Color string
	Title, Text                                string
}

// problem renders a page, in lang, that explains why nothing can be done
// here, to the front desk when staff.
func (h *Handler) problem(status int, lang i18n.Language, staff bool, title, text string) events.APIGatewayV2HTTPResponse {
	return render(status, lang, "problem", problemData{L: lang, Clinic: h.profile.Name, Phone: h.profile.ShownPhone(), PhoneDial: appointment.DialString(h.profile.Phone),
		Questions: questions(staff, lang), Color: h.profile.BrandColor, Title: title, Text: text})
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
