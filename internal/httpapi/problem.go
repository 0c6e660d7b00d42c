package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"slices"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/problem"
)

// details name, for each code the form's handler can answer, the
// catalog's key of its patient-facing explanation (internal/i18n), whose
// %[1]s, where it has one, is the clinic's phone number (withPhone). Each
// code's status is the one table's (problem.Status).
var details = map[string]string{}

// withPhone are the codes whose explanation ends by giving the clinic's
// phone number.
var withPhone = map[string]bool{}

func init() {
	for _, code := range []string{
		problem.Malformed, problem.OriginNotAllowed, problem.MethodNotAllowed, problem.TooLarge,
		problem.UnsupportedMediaType, problem.Validation, problem.IdempotencyKeyReused,
	} {
		details[code] = "form.problem." + code
	}
	for _, code := range []string{
		problem.RateLimited, problem.TooManyAttempts, problem.AddressLimited, problem.ChallengeFailed,
		problem.ChallengeUnavailable, problem.Internal, problem.Unavailable,
	} {
		details[code] = "form.problem." + code
		withPhone[code] = true
	}
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
		return []appointment.FieldError{appointment.NewFieldError(headerIdempotencyKey, problem.IdempotencyKeyReused, "form.idempotency.reused")}
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

// newProblem is the problem of code, with errs, as a reader of lang reads
// it: its detail and the messages of errs in lang, its codes the same in
// every language.
func (h *Handler) newProblem(code string, errs []appointment.FieldError, lang i18n.Language) problemDetails {
	if _, ok := details[code]; !ok {
		code = problem.Internal
	}
	status := problem.Status(code)
	if errs != nil {
		shown := make([]appointment.FieldError, len(errs))
		for i, fe := range errs {
			shown[i] = fe.In(lang)
		}
		errs = shown
	}
	return problemDetails{
		// about:blank says the status code is all the type there is; the
		// code member tells problems with one status apart.
		Type:   "about:blank",
		Title:  http.StatusText(status),
		Status: status,
		Detail: h.detail(code, lang),
		Code:   code,
		Errors: errs,
	}
}

func (h *Handler) detail(code string, lang i18n.Language) string {
	if withPhone[code] {
		return lang.Sprintf(details[code], h.profile.ShownPhone())
	}
	return lang.Sprintf(details[code])
}

func (p problemDetails) json() []byte {
	b, err := json.Marshal(p)
	if err != nil {
		// A problem holds only strings and ints, so this cannot happen.
		panic(err)
	}
	return b
}

// fieldLabel names a field on the HTML error page, in lang: the field's
// label in the catalog, or "Request" for anything else (the
// Idempotency-Key header, the body).
func fieldLabel(field string, lang i18n.Language) string {
	if slices.Contains(appointment.Fields, field) && field != appointment.FieldHoneypot {
		return lang.Sprintf("form.label." + field)
	}
	return lang.Sprintf("form.label.request")
}

type errorPageData struct {
	Lang     string
	Clinic   string
	Color    string
	Phone    string
	Title    string
	Detail   string
	Problems []errorPageItem
	BackURL  string
	Back     string
	After    string
	Call     string
}

type errorPageItem struct {
	Label   string
	Message string
}

// errorPage is shown to plain HTML form posts. It needs no script or
// external resource, works at any width, and puts the list of problems in
// an alert region so screen readers announce it.
var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="{{.Lang}}">
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
<p><a href="{{.BackURL}}">{{.Back}}</a>{{.After}}</p>
<p>{{.Call}}</p>
</main>
</body>
</html>
`))

// errorTitles are the page headings for plain form posts, as the
// catalog's keys.
var errorTitles = map[int]string{
	http.StatusUnprocessableEntity: "form.errorpage.title.check",
	http.StatusTooManyRequests:     "form.errorpage.title.later",
	http.StatusServiceUnavailable:  "form.errorpage.title.notsent",
	http.StatusInternalServerError: "form.errorpage.title.notsent",
}

// errorHTML is the page of problem p, in lang, as p already is.
func (h *Handler) errorHTML(p problemDetails, backURL string, lang i18n.Language) []byte {
	title, ok := errorTitles[p.Status]
	if !ok {
		title = "form.errorpage.title.other"
	}
	data := errorPageData{
		Lang:    lang.Tag().String(),
		Clinic:  h.profile.Name,
		Color:   h.profile.BrandColor,
		Phone:   h.profile.ShownPhone(),
		Title:   lang.Sprintf(title),
		Detail:  p.Detail,
		BackURL: backURL,
		Back:    lang.Sprintf("form.errorpage.back"),
		After:   lang.Sprintf("form.errorpage.back.after"),
		Call:    lang.Sprintf("form.errorpage.call", h.profile.ShownPhone()),
	}
	for _, fe := range p.Errors {
		data.Problems = append(data.Problems, errorPageItem{Label: fieldLabel(fe.Field, lang), Message: fe.Message})
	}
	var buf bytes.Buffer
	if err := errorPage.Execute(&buf, data); err != nil {
		// The template and its data are fixed by the program.
		panic(err)
	}
	return buf.Bytes()
}
