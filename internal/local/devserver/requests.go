package devserver

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/local/localstore"
)

// requestRow is one stored request as the requests page shows it.
type requestRow struct {
	appointment.Request
	Created string
	// PhoneText and PhoneDial are the patient's number as the emails show
	// it and as a tel: link.
	PhoneText string
	PhoneDial template.URL
	Emails    []emailState
	// State says where the request stands; History lists its changes;
	// Actions are the front desk's links for what can be done now.
	State   string
	History []string
	// Reminder says when the booking's reminder goes, or why none does.
	Reminder string
	Actions  []actionLink
	// Key and Problem name an entry that cannot be read, and say why.
	Key, Problem string
}

// requestsPageSize is how many requests one page shows.
const requestsPageSize = 50

type emailState struct {
	Kind, State, Detail string
	// Feedback is what SES reported back about a sent email.
	Feedback string
}

type actionLink struct{ Label, Href string }

var requestsTemplate = page(`{{define "title"}}Requests{{end}}
{{define "style"}}table{border-collapse:collapse;background:#fff;width:100%;font-size:.9rem}
th,td{border:1px solid #d6d9de;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#eef0f3}
.sent{color:#1b6e2c}.failed{color:#a4161a}.sending{color:#8a5a00}.bad td{color:#a4161a}
.digest{margin:0 0 16px}.digest button{font:inherit;padding:6px 14px}
.notice{background:#fff6e0;border:1px solid #e8b64c;border-radius:6px;padding:8px 12px}
.action a{display:inline-block;min-height:24px;line-height:24px}
.reminders{background:#fff;border:1px solid #d6d9de;border-radius:8px;margin:0 0 16px;padding:12px 16px}
.reminders h2{font-size:1.15rem;margin:0 0 8px}.reminders p{margin:0 0 8px}
.reminders form{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:0 0 8px}
.reminders button{font:inherit;padding:6px 14px;min-height:24px}{{end}}
{{define "content"}}<h1>Requests</h1>
<p>{{.Intro}}</p>
{{- if .Notice}}
<p class="notice" role="status">{{.Notice}}</p>
{{- end}}
<form class="digest" method="post" action="/_dev/digest"><button type="submit">Send the digest now</button> <span>The front desk's morning email of the open requests, as the schedule sends it on AWS.</span></form>
<section class="reminders" aria-labelledby="reminders-heading">
<h2 id="reminders-heading">Reminders and the clock</h2>
<p>The server's clock, as the clinic reads it: <strong class="clock">{{.Clock}}</strong>{{with .Ahead}}, moved ahead by {{.}}{{end}}. The action pages, the reminders, the digest and the stored records read it; the form's submissions keep real time, and a restart puts the clock back on it.</p>
<p>Each booked appointment's reminder goes {{.Before}} hours before it, once; the server sends those due every minute, as RemindFunction's schedule does every five minutes on AWS.</p>
<form method="post" action="/_dev/reminders"><button type="submit">Send due reminders now</button></form>
<form method="post" action="/_dev/clock"><button type="submit" name="move" value="hour">Move the clock ahead 1 hour</button> <button type="submit" name="move" value="day">Move the clock ahead 1 day</button> <button type="submit" name="move" value="reset">Reset the clock to real time</button></form>
</section>
<table>
<thead><tr><th scope="col">Reference</th><th scope="col">Received</th><th scope="col">Patient</th><th scope="col">Service</th><th scope="col">Location</th><th scope="col">State</th><th scope="col">Emails</th><th scope="col">ID</th></tr></thead>
<tbody>
{{- range .Rows}}
{{- if .Problem}}
<tr class="bad"><td colspan="7">Unreadable request: {{.Problem}}</td><td><code>{{.Key}}</code></td></tr>
{{- else}}
<tr>
<td class="reference">{{.Reference}}</td>
<td>{{.Created}}</td>
<td>{{.FirstName}} {{.LastName}}<br><a href="mailto:{{.Email}}">{{.Email}}</a><br><a href="{{.PhoneDial}}">{{.PhoneText}}</a></td>
<td>{{.Service}}</td>
<td>{{.Location}}</td>
<td><span class="state">{{.State}}</span>{{range .History}}<div class="history">{{.}}</div>{{end}}{{with .Reminder}}<div class="reminder">Reminder: {{.}}</div>{{end}}{{range .Actions}}<div class="action"><a href="{{.Href}}">{{.Label}}</a></div>{{end}}</td>
<td>{{range .Emails}}<div>{{.Kind}}: <span class="{{.State}}">{{.State}}</span>{{with .Feedback}}, <span class="feedback">{{.}}</span>{{end}}{{if .Detail}} ({{.Detail}}){{end}}</div>{{end}}</td>
<td><code>{{.ID}}</code></td>
</tr>
{{- end}}
{{- else}}
<tr><td colspan="8">No requests yet.</td></tr>
{{- end}}
</tbody>
</table>
{{- if .Next}}
<nav><a rel="next" href="/_dev/requests?after={{.Next}}">Older requests</a></nav>
{{- end}}{{end}}`)

// requestsData is what the requests page shows.
type requestsData struct {
	Intro string
	// Notice says how the last press of a button went.
	Notice string
	// Clock is the server's time in the clinic's zone; Ahead, how far it
	// was moved ahead of real time, empty when it was not; Before, how
	// many hours before an appointment its reminder goes.
	Clock, Ahead string
	Before       int
	Rows         []requestRow
	Next         string
}

func (s *Server) requestsPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.requests(r)
	if errors.Is(err, localstore.ErrCursor) {
		http.Error(w, "after must be a cursor from the page before", http.StatusBadRequest)
		return
	}
	if err != nil {
		s.log.Error("requests page", "error", err)
		http.Error(w, "The requests cannot be read; the server's log says why.", http.StatusServiceUnavailable)
		return
	}
	q := r.URL.Query()
	switch {
	case q.Has("digest"):
		data.Notice = digestNotices[q.Get("digest")]
	case q.Has("reminders"):
		data.Notice = reminderNotice(q)
	case q.Has("clock"):
		data.Notice = clockMoves[q.Get("clock")].notice
	}
	devPageHeaders(w)
	if err := requestsTemplate.Execute(w, data); err != nil {
		s.log.Error("requests page", "error", err)
	}
}

// requests reads one page of requests: every request, newest first, from
// the embedded store, or from the backend's status index those the front
// desk can still act on (appointment.Status.Active): received, contacted
// and scheduled.
func (s *Server) requests(r *http.Request) (requestsData, error) {
	now := s.clock.now()
	data, err := s.requestRows(r, now)
	data.Clock = now.In(s.profile.Zone()).Format("Mon Jan 2 2006, 3:04 PM MST")
	if ahead := s.clock.ahead(); ahead > 0 {
		data.Ahead = describeAhead(ahead)
	}
	data.Before = int(s.before.Hours())
	return data, err
}

// requestRows reads the requests of one page, as requests says.
func (s *Server) requestRows(r *http.Request, now time.Time) (requestsData, error) {
	if s.stream != nil {
		data := requestsData{Intro: "Requests the front desk can still act on (received, contacted, scheduled), by state, oldest first, with the state of their emails."}
		for _, status := range appointment.Statuses {
			if !status.Active() {
				continue
			}
			list, err := s.store.List(r.Context(), status, 200)
			if err != nil {
				return data, err
			}
			for _, req := range list {
				data.Rows = append(data.Rows, s.requestRow(req, now))
			}
		}
		return data, nil
	}
	entries, next, err := s.local.Requests(r.Context(), r.URL.Query().Get("after"), requestsPageSize)
	data := requestsData{Intro: "Every request, newest first, with the state of its emails.", Next: next}
	for _, e := range entries {
		if e.Err != nil {
			data.Rows = append(data.Rows, requestRow{Key: e.Key, Problem: e.Err.Error()})
			continue
		}
		data.Rows = append(data.Rows, s.requestRow(e.Request, now))
	}
	return data, err
}

func (s *Server) requestRow(req appointment.Request, now time.Time) requestRow {
	zone := s.profile.Zone()
	row := requestRow{Request: req, Created: req.CreatedAt.In(zone).Format("Mon Jan 2 2006, 3:04 PM MST"), State: string(req.Status.Normal())}
	text, dial := email.DisplayPhone(req.Phone, req.PhoneExtension, s.profile.DefaultRegion)
	// html/template refuses tel: URLs it did not see built; Display's dial
	// string holds only digits, a plus and the extension parameter.
	row.PhoneText, row.PhoneDial = text, template.URL("tel:"+dial)
	if req.Booking != nil {
		row.State += ", " + req.Booking.Start.In(zone).Format("Mon Jan 2, 3:04 PM")
	}
	for _, t := range req.History {
		row.History = append(row.History, fmt.Sprintf("%s by %s, %s", t.Action, t.Audience, t.At.In(zone).Format("Mon Jan 2, 3:04 PM")))
	}
	// The local server plays every part: the patient's cancel link is here
	// beside the front desk's.
	for _, a := range appointment.Actions {
		if a.Allows(req.Status.Normal()) {
			row.Actions = append(row.Actions, actionLink{Label: string(a), Href: s.links.RequestPath(req, a, now)})
		}
	}
	row.Reminder = s.reminderState(req, now)
	kinds := []email.Kind{email.Patient, email.FrontDesk}
	for kind := range req.Deliveries {
		if kind != email.Patient && kind != email.FrontDesk {
			kinds = append(kinds, kind)
		}
	}
	slices.Sort(kinds[2:])
	for _, kind := range kinds {
		d := req.Deliveries[kind]
		st := emailState{Kind: string(kind), State: string(d.State)}
		switch d.State {
		case "":
			st.State = "pending"
		case appointment.DeliverySent:
			st.Detail = d.MessageID
			if f := d.Report.Feedback; f != "" {
				st.Feedback = string(f)
				if d.Report.BounceType != "" {
					st.Feedback += " (" + d.Report.BounceType + ")"
				}
			}
		case appointment.DeliveryFailed:
			st.Detail = d.Reason
		case appointment.DeliverySending:
			st.Detail = "lease until " + d.LeaseUntil.Format(time.TimeOnly)
		}
		row.Emails = append(row.Emails, st)
	}
	return row
}
