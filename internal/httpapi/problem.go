package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/problem"
)

// details are the patient-facing explanations of the problems the form's
// handler answers, one for each code it can answer; %[1]s is the clinic's
// phone number. Each code's status is the one table's (problem.Status).
var details = map[string]string{
	problem.Malformed:            "We could not read your request. Please try again from the form on our website.",
	problem.OriginNotAllowed:     "This form can only be sent from the clinic's own website.",
	problem.MethodNotAllowed:     "Requests must be sent with the form on our website.",
	problem.TooLarge:             "Your request is too long. Please shorten your message and try again.",
	problem.UnsupportedMediaType: "We could not read your request. Please send it from the form on our website.",
	problem.Validation:           "Some details need your attention. Please check them and send the form again.",
	problem.IdempotencyKeyReused: "This request was already sent with different details. Please reload the page and send the form again.",
	problem.RateLimited:          "We have received several requests from you in a short time. Please try again later, or call us at %[1]s.",
	problem.TooManyAttempts:      "We have received many attempts from your connection in a short time. Please try again later, or call us at %[1]s.",
	problem.AddressLimited:       "We have already received several requests for this email address today, and our front desk will be in touch about them. Please try again tomorrow, or call us at %[1]s.",
	problem.ChallengeFailed:      "We could not confirm that this request was sent by a person. Please reload the page and send the form again, or call us at %[1]s.",
	problem.ChallengeUnavailable: "We could not check your request just now. Please try again in a minute, or call us at %[1]s.",
	problem.Internal:             "Something went wrong on our side and your request was not saved. Please try again, or call us at %[1]s.",
	problem.Unavailable:          "We could not save your request just now. Please try again in a minute, or call us at %[1]s.",
}

// errorFields lists what an error says about particular fields.
func errorFields(err error) []appointment.FieldError {
	// As in problem.Code, the usual refusals are told apart without the
	// allocations of errors.As.
	switch e := err.(type) {
	case *appointment.ValidationError:
		return e.Errors
	case *appointment.LimitError:
		return nil
	}
	var pe *problem.Error
	var ve *appointment.ValidationError
	switch {
	case errors.As(err, &pe) && pe.Fields != nil:
		return pe.Fields
	case errors.As(err, &pe) && pe.Detail != "":
		return []appointment.FieldError{{Field: "body", Code: pe.Code, Message: pe.Detail}}
	case errors.As(err, &ve):
		return ve.Errors
	case errors.Is(err, appointment.ErrIdempotencyKeyReused):
		return []appointment.FieldError{{
			Field: headerIdempotencyKey, Code: problem.IdempotencyKeyReused,
			Message: "This request was already sent with different details.",
		}}
	}
	return nil
}

// problemDetails is an RFC 9457 problem detail. Code is the
// machine-readable problem code; Errors lists field problems for
// validation failures.
type problemDetails struct {
	Type   string                   `json:"type"`
	Title  string                   `json:"title"`
	Status int                      `json:"status"`
	Detail string                   `json:"detail"`
	Code   string                   `json:"code"`
	Errors []appointment.FieldError `json:"errors,omitempty"`
}

func (h *Handler) newProblem(code string, errs []appointment.FieldError) problemDetails {
	detail, ok := details[code]
	if !ok {
		code, detail = problem.Internal, details[problem.Internal]
	}
	status := problem.Status(code)
	return problemDetails{
		// about:blank says the status code is all the type there is; the
		// code member tells problems with one status apart.
		Type:   "about:blank",
		Title:  http.StatusText(status),
		Status: status,
		Detail: h.detail(detail),
		Code:   code,
		Errors: errs,
	}
}

func (h *Handler) detail(detail string) string {
	if strings.Contains(detail, "%[1]s") {
		return fmt.Sprintf(detail, h.profile.ShownPhone())
	}
	return detail
}

func (p problemDetails) json() []byte {
	b, err := json.Marshal(p)
	if err != nil {
		// A problem holds only strings and ints, so this cannot happen.
		panic(err)
	}
	return b
}

// fieldLabels name the fields on the HTML error page.
var fieldLabels = map[string]string{
	appointment.FieldFirstName:      "First name",
	appointment.FieldLastName:       "Last name",
	appointment.FieldEmail:          "Email",
	appointment.FieldPhone:          "Phone",
	appointment.FieldService:        "Service",
	appointment.FieldLocation:       "Location",
	appointment.FieldPreferredDays:  "Preferred days",
	appointment.FieldPreferredTimes: "Preferred times",
	appointment.FieldNewPatient:     "New patient",
	appointment.FieldContactMethod:  "How to contact you",
	appointment.FieldReason:         "What brings you in",
	appointment.FieldConsent:        "Consent",
	appointment.FieldLanguage:       "Language",
	headerIdempotencyKey:            "Request",
}

type errorPageData struct {
	Clinic   string
	Color    string
	Phone    string
	Title    string
	Detail   string
	Problems []errorPageItem
	BackURL  string
}

type errorPageItem struct {
	Label   string
	Message string
}

// errorPage is shown to plain HTML form posts. It needs no script or
// external resource, works at any width, and puts the list of problems in
// an alert region so screen readers announce it.
var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – {{.Clinic}}</title>
<style>
body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#f6f7f7}
header{background:{{.Color}};color:#fff;padding:16px 20px}
header p{margin:0;font-weight:600}
main{max-width:36rem;margin:0 auto;padding:24px 20px}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 12px}
.alert{background:#fff;border-left:6px solid #b3261e;padding:12px 16px;margin:16px 0}
.alert ul{margin:8px 0 0;padding-left:20px}
a{color:{{.Color}};font-weight:600}
a:focus{outline:3px solid #1b1b1b;outline-offset:2px}
@media (prefers-color-scheme:dark){body{background:#121212;color:#eee}.alert{background:#1e1e1e}a{color:#9fd3e0}a:focus{outline-color:#eee}}
</style>
</head>
<body>
<header><p>{{.Clinic}}</p></header>
<main>
<h1>{{.Title}}</h1>
<div class="alert" role="alert">
<p>{{.Detail}}</p>
{{- if .Problems}}
<ul>
{{- range .Problems}}
<li><strong>{{.Label}}:</strong> {{.Message}}</li>
{{- end}}
</ul>
{{- end}}
</div>
<p><a href="{{.BackURL}}">Go back to the form</a>. Your browser's Back button also returns you to it, usually with what you typed still filled in.</p>
<p>If you would rather talk to us, call {{.Phone}}.</p>
</main>
</body>
</html>
`))

// errorTitles are the page headings for plain form posts.
var errorTitles = map[int]string{
	http.StatusUnprocessableEntity: "Please check your request",
	http.StatusTooManyRequests:     "Please try again later",
	http.StatusServiceUnavailable:  "Your request was not sent",
	http.StatusInternalServerError: "Your request was not sent",
}

func (h *Handler) errorHTML(p problemDetails, backURL string) []byte {
	title, ok := errorTitles[p.Status]
	if !ok {
		title = "We could not accept your request"
	}
	data := errorPageData{
		Clinic:  h.profile.Name,
		Color:   h.profile.BrandColor,
		Phone:   h.profile.ShownPhone(),
		Title:   title,
		Detail:  p.Detail,
		BackURL: backURL,
	}
	for _, fe := range p.Errors {
		label, ok := fieldLabels[fe.Field]
		if !ok {
			label = "Request"
		}
		data.Problems = append(data.Problems, errorPageItem{Label: label, Message: fe.Message})
	}
	var buf bytes.Buffer
	if err := errorPage.Execute(&buf, data); err != nil {
		// The template and its data are fixed by the program.
		panic(err)
	}
	return buf.Bytes()
}
