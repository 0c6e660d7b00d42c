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
)

//go:embed templates/*.html.tmpl
var templateFiles embed.FS

var templates = template.Must(template.ParseFS(templateFiles, "templates/*.html.tmpl"))

// titles are the pages' headings, by action.
var titles = map[appointment.Action]string{
	appointment.ActionContact:    "Mark as contacted",
	appointment.ActionSchedule:   "Schedule the appointment",
	appointment.ActionReschedule: "Reschedule the appointment",
	appointment.ActionDecline:    "Decline the request",
	appointment.ActionCancel:     "Cancel your appointment request",
}

// buttons are the forms' submit labels, by action.
var buttons = map[appointment.Action]string{
	appointment.ActionContact:    "Mark as contacted",
	appointment.ActionSchedule:   "Schedule",
	appointment.ActionReschedule: "Reschedule",
	appointment.ActionDecline:    "Decline",
	appointment.ActionCancel:     "Cancel my request",
}

// pageData is what the action page shows.
type pageData struct {
	Clinic, Phone, Color string
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

type row struct{ Label, Value string }

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
	Confirm  string
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
	d := pageData{Clinic: h.profile.Name, Phone: h.profile.Phone, Color: h.profile.BrandColor, Title: titles[c.Action], Status: h.status(r)}
	staff := c.Audience == appointment.AudienceFrontDesk
	d.Rows = h.rows(r, staff)
	if staff {
		for _, t := range r.History {
			d.History = append(d.History, h.describe(t))
		}
		d.Warnings = emailWarnings(r)
	}
	// The change this link made, if it made one: it cannot act again.
	used := r.UsedLink(c.Link)
	if done && used != nil {
		d.Done = h.describe(*used)
	}
	allowed := c.Action.Allows(r.Status.Normal())
	switch {
	case allowed && used == nil:
		d.Form = h.form(r, c.Action, sent, problems)
	case d.Done != "":
	case allowed:
		d.Outcome = "This link has been used. " + h.describe(*used) + " To do it again, use “" + titles[c.Action] + " again” below."
	default:
		d.Outcome = h.outcome(r, c.Action)
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
		label := titles[a]
		if a == c.Action {
			label += " again"
		}
		d.Others = append(d.Others, link{Label: label, Href: h.signed(r.ID, a, expires)})
	}
	status := http.StatusOK
	if len(problems) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return render(status, "page", d)
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

// status says where the request stands, in a sentence.
func (h *Handler) status(r appointment.Request) string {
	switch r.Status.Normal() {
	case appointment.StatusReceived:
		return "Received; nobody has called back yet."
	case appointment.StatusContacted:
		return "The front desk has been in touch."
	case appointment.StatusScheduled:
		if r.Booking != nil {
			return "Booked for " + h.booking(*r.Booking) + "."
		}
		return "Booked."
	case appointment.StatusDeclined:
		return "Declined."
	case appointment.StatusCancelled:
		return "Cancelled."
	}
	return string(r.Status)
}

func (h *Handler) booking(b appointment.Booking) string {
	s := h.when(b.Start) + " (" + strconv.Itoa(int(b.Length/time.Minute)) + " minutes)"
	if b.Clinician != "" {
		s += " with " + b.Clinician
	}
	return s
}

// describe says what one transition did and when.
func (h *Handler) describe(t appointment.Transition) string {
	at := h.when(t.At)
	switch t.Action {
	case appointment.ActionContact:
		return "Marked as contacted on " + at + "."
	case appointment.ActionSchedule:
		if t.Booking != nil {
			return "Scheduled on " + at + " for " + h.booking(*t.Booking) + "."
		}
	case appointment.ActionReschedule:
		if t.Booking != nil {
			return "Rescheduled on " + at + " to " + h.booking(*t.Booking) + "."
		}
	case appointment.ActionDecline:
		return "Declined on " + at + "."
	case appointment.ActionCancel:
		return "Cancelled by the patient on " + at + "."
	}
	return string(t.Action) + " on " + at + "."
}

// outcome says why the action can no longer be taken.
func (h *Handler) outcome(r appointment.Request, a appointment.Action) string {
	if last := lastTransition(r); last != nil {
		return "This can no longer be done. " + h.describe(*last)
	}
	return "This can no longer be done: the request is " + string(r.Status.Normal()) + "."
}

// rows are the request's details: all of them for the front desk, what
// the patient needs to recognise their own request otherwise.
func (h *Handler) rows(r appointment.Request, staff bool) []row {
	service := r.Service
	if s, ok := h.profile.Service(r.Service); ok {
		service = s.Label
	}
	location := r.Location
	if l, ok := h.profile.Location(r.Location); ok {
		location = l.Label + ", " + l.Address
	}
	rows := []row{{"Reference", r.Reference}, {"Service", service}, {"Location", location}, {"Received", h.when(r.CreatedAt)}}
	if !staff {
		return rows
	}
	phone := r.Phone
	if r.PhoneExtension != "" {
		phone += " ext. " + r.PhoneExtension
	}
	rows = append(rows, row{"Patient", strings.TrimSpace(r.FirstName + " " + r.LastName)}, row{"Phone", phone}, row{"Email", r.Email})
	var days, times []string
	for _, d := range r.PreferredDays {
		days = append(days, appointment.DayLabel(d))
	}
	for _, t := range r.PreferredTimes {
		times = append(times, appointment.TimeLabel(t))
	}
	if len(days) > 0 {
		rows = append(rows, row{"Preferred days", strings.Join(days, ", ")})
	}
	if len(times) > 0 {
		rows = append(rows, row{"Preferred times", strings.Join(times, ", ")})
	}
	if r.ContactMethod != "" {
		rows = append(rows, row{"Contact by", appointment.ContactMethodLabel(r.ContactMethod)})
	}
	if r.Reason != "" {
		rows = append(rows, row{"Reason", r.Reason})
	}
	return rows
}

func (h *Handler) form(r appointment.Request, a appointment.Action, sent url.Values, problems []appointment.FieldError) *formData {
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
		if b := r.Booking; b != nil {
			f.Date, f.Time = b.Start.In(zone).Format("2006-01-02"), b.Start.In(zone).Format("15:04")
			f.Minutes, f.Clinician, f.Note = strconv.Itoa(int(b.Length/time.Minute)), b.Clinician, b.Note
			// A booking made outside the opening hours keeps the box
			// ticked, so that changing only its note is not refused.
			f.OutsideHours = !h.profile.OpenThroughout(b.Start, b.End())
		}
	case appointment.ActionCancel:
		f.Confirm = "We will tell the front desk, and free the time for someone else."
	case appointment.ActionContact:
		f.Confirm = "Mark this request once someone has spoken with the patient or left a message."
	}
	if sent != nil {
		f.Date, f.Time, f.Minutes = sent.Get("date"), sent.Get("time"), sent.Get("minutes")
		f.Clinician, f.Note, f.Message = sent.Get("clinician"), sent.Get("note"), sent.Get("message")
		f.OutsideHours = sent.Get(appointment.DeskFieldOutsideHours) != ""
	}
	return f
}

// problemData is what a problem page shows.
type problemData struct {
	Clinic, Phone, Color string
	Title, Text          string
}

// problem renders a page that explains why nothing can be done here.
func (h *Handler) problem(status int, title, text string, _ error) events.APIGatewayV2HTTPResponse {
	return render(status, "problem", problemData{Clinic: h.profile.Name, Phone: h.profile.Phone, Color: h.profile.BrandColor, Title: title, Text: text})
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

func render(status int, name string, data any) events.APIGatewayV2HTTPResponse {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		// The templates are fixed and tested; a failure here is a bug, and
		// the patient still gets a page.
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusInternalServerError, Headers: pageHeaders(nil),
			Body: "<!doctype html><title>Error</title><p>Something went wrong on our side. Please call us.</p>"}
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: pageHeaders(nil), Body: b.String()}
}
