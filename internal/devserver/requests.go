package devserver

import (
	"net/http"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/email"
)

// requestRow is one stored request as the requests page shows it.
type requestRow struct {
	appointment.Request
	Created string
	Emails  []emailState
}

type emailState struct {
	Kind, State, Detail string
}

var requestsTemplate = page(`{{define "title"}}Requests{{end}}
{{define "style"}}table{border-collapse:collapse;background:#fff;width:100%;font-size:.9rem}
th,td{border:1px solid #d6d9de;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#eef0f3}
.sent{color:#1b6e2c}.failed{color:#a4161a}.sending{color:#8a5a00}{{end}}
{{define "content"}}<h1>Requests</h1>
<p>Open requests, oldest first, with the state of their emails.</p>
<table>
<thead><tr><th scope="col">Reference</th><th scope="col">Received</th><th scope="col">Patient</th><th scope="col">Service</th><th scope="col">Location</th><th scope="col">Emails</th><th scope="col">ID</th></tr></thead>
<tbody>
{{- range .}}
<tr>
<td class="reference">{{.Reference}}</td>
<td>{{.Created}}</td>
<td>{{.FirstName}} {{.LastName}}<br>{{.Email}}<br>{{.Phone}}</td>
<td>{{.Service}}</td>
<td>{{.Location}}</td>
<td>{{range .Emails}}<div>{{.Kind}}: <span class="{{.State}}">{{.State}}</span>{{if .Detail}} ({{.Detail}}){{end}}</div>{{end}}</td>
<td><code>{{.ID}}</code></td>
</tr>
{{- else}}
<tr><td colspan="7">No requests yet.</td></tr>
{{- end}}
</tbody>
</table>{{end}}`)

func (s *Server) requestsPage(w http.ResponseWriter, r *http.Request) {
	requests, err := s.store.List(r.Context(), appointment.StatusNew, 200)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	rows := make([]requestRow, 0, len(requests))
	for _, req := range requests {
		row := requestRow{Request: req, Created: req.CreatedAt.In(s.profile.Zone()).Format("Mon Jan 2 2006, 3:04 PM MST")}
		for _, kind := range []email.Kind{email.Patient, email.FrontDesk} {
			d := req.Deliveries[kind]
			st := emailState{Kind: string(kind), State: string(d.State)}
			switch d.State {
			case "":
				st.State = "pending"
			case appointment.DeliverySent:
				st.Detail = d.MessageID
			case appointment.DeliveryFailed:
				st.Detail = d.Reason
			case appointment.DeliverySending:
				st.Detail = "lease until " + d.LeaseUntil.Format(time.TimeOnly)
			}
			row.Emails = append(row.Emails, st)
		}
		rows = append(rows, row)
	}
	devPageHeaders(w)
	if err := requestsTemplate.Execute(w, rows); err != nil {
		s.log.Error("requests page", "error", err)
	}
}
