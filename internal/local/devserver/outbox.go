package devserver

import (
	"bytes"
	"context"
	"html/template"
	"io"
	"mime"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/local/localstore"
	"example.com/appointments/internal/notify"
)

// outboxPageSize is how many emails one page of the outbox shows.
const outboxPageSize = 20

// keepingSender sends through another sender and keeps what it sent in the
// outbox, so the outbox shows the emails whichever way they went out.
type keepingSender struct {
	next   notify.Sender
	outbox *localstore.Store
}

func (k *keepingSender) Send(ctx context.Context, m appointment.Message) (string, error) {
	id, err := k.next.Send(ctx, m)
	if err != nil {
		return "", err
	}
	// The email is out: a failure to keep a copy must not make it look
	// unsent, which would send it again.
	_, _ = k.outbox.Keep(context.WithoutCancel(ctx), id, m)
	return id, nil
}

// renderedEmail is an outbox entry taken apart for display.
type renderedEmail struct {
	localstore.Email
	// Problem says why the entry or its message cannot be shown.
	Problem string
	Headers []header
	Subject string
	Text    string
	HTML    string
	// Invitation is the calendar invitation the email carries, and
	// InvitationName the file name it is attached under; nil when the
	// email carries none.
	Invitation     []byte
	InvitationName string
}

// header is one shown header; Addresses are its addresses, for the
// headers that hold some, so that the page can link each one.
type header struct {
	Name, Value string
	Addresses   []*mail.Address
}

// shownHeaders are the headers the outbox lists, in this order.
var shownHeaders = []string{"From", "To", "Reply-To", "Subject", "Date", "Message-Id"}

// addressHeaders are the shown headers that hold addresses.
var addressHeaders = []string{"From", "To", "Reply-To"}

// parseEmail reads the message's headers, its text and HTML parts and its
// invitation, wherever they sit in the tree of MIME parts: an email with
// an invitation nests its alternative body inside multipart/mixed.
func parseEmail(e localstore.Email) (renderedEmail, error) {
	out := renderedEmail{Email: e}
	msg, err := message.Read(bytes.NewReader(e.Raw))
	if err != nil {
		return out, err
	}
	h := mail.Header{Header: msg.Header}
	for _, name := range shownHeaders {
		v, err := h.Text(name)
		if err != nil {
			v = h.Get(name)
		}
		sh := header{Name: name, Value: v}
		if slices.Contains(addressHeaders, name) {
			// A list that does not parse is shown as text.
			sh.Addresses, _ = h.AddressList(name)
		}
		out.Headers = append(out.Headers, sh)
		if name == "Subject" {
			out.Subject = v
		}
	}
	// The library decodes each part's transfer encoding as it is read.
	err = msg.Walk(func(_ []int, part *message.Entity, err error) error {
		if err != nil {
			return err
		}
		return out.take(part)
	})
	return out, err
}

// take keeps what the outbox shows of one MIME part: the first text and
// HTML parts of the body, and the invitation, as attached or else as the
// body's calendar part.
func (out *renderedEmail) take(part *message.Entity) error {
	mt, _, _ := part.Header.ContentType()
	disp, dparams, _ := part.Header.ContentDisposition()
	attached := disp == "attachment"
	var dst *string
	switch {
	case mt == "text/plain" && !attached && out.Text == "":
		dst = &out.Text
	case mt == "text/html" && !attached && out.HTML == "":
		dst = &out.HTML
	case (mt == "text/calendar" || mt == "application/ics") && (attached || out.Invitation == nil):
		b, err := io.ReadAll(part.Body)
		if err != nil {
			return err
		}
		out.Invitation, out.InvitationName = b, invitationName(dparams["filename"])
		return nil
	default:
		return nil
	}
	b, err := io.ReadAll(part.Body)
	*dst = string(b)
	return err
}

// invitationName is the file name an invitation is downloaded under: its
// attachment's, when that is a plain .ics name, or invite.ics.
func invitationName(name string) string {
	if name == "" || name != path.Base(name) || !strings.HasSuffix(strings.ToLower(name), ".ics") {
		return "invite.ics"
	}
	return name
}

// devPage is the frame of the server's development pages: the same head,
// navigation and styles, with each page's own title, styles and content.
var devPage = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{template "title" .}} – local development</title>
<style>
body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1b1b1b;background:#f4f5f7}
header{background:#1b1b1b;color:#fff;padding:12px 20px}
header a{color:#9fd3e0;margin-right:16px}
main{max-width:1100px;margin:0 auto;padding:16px 20px;overflow-x:auto}
{{template "style" .}}
</style>
</head>
<body>
<header><a href="/">Form</a><a href="/_dev/outbox">Outbox</a><a href="/_dev/requests">Requests</a></header>
<main>
{{template "content" .}}
</main>
</body>
</html>
`))

// page returns a development page made of the frame and the given parts.
func page(parts string) *template.Template {
	return template.Must(template.Must(devPage.Clone()).Parse(parts))
}

var outboxTemplate = page(`{{define "title"}}Outbox{{end}}
{{define "style"}}article{background:#fff;border:1px solid #d6d9de;border-radius:8px;margin:0 0 24px;padding:16px}
h2{font-size:1.15rem;margin:0 0 8px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 12px;font-size:.9rem}
dt{font-weight:600;color:#4a5360}dd{margin:0;word-break:break-all}
.parts{display:grid;gap:16px;grid-template-columns:repeat(auto-fit,minmax(320px,1fr))}
iframe{width:100%;height:900px;border:1px solid #d6d9de;border-radius:4px;background:#fff}
pre{white-space:pre-wrap;background:#f8f9fa;border:1px solid #d6d9de;border-radius:4px;padding:12px;margin:0;font-size:.85rem;max-height:900px;overflow:auto}
h3{font-size:.95rem;margin:0 0 6px}
.bad{border-color:#a4161a}.bad h2{color:#a4161a}
.feedback{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:0 0 12px;font-size:.9rem}
.notice{background:#e8f4f8;border:1px solid #9fd3e0;border-radius:6px;padding:8px 12px}{{end}}
{{define "content"}}<h1>Outbox</h1>
<p>Every email sent, newest first, as its recipient sees it.</p>
{{- with .Notice}}
<p class="notice" role="status">{{.}}</p>
{{- end}}
{{- range .Emails}}
{{- if .Problem}}
<article id="email-{{.ID}}" class="bad">
<h2>Unreadable email {{.ID}}</h2>
<p>{{.Problem}}</p>
</article>
{{- else}}
<article id="email-{{.ID}}">
<h2>{{.Subject}}</h2>
<dl>
<dt>Envelope to</dt><dd>{{range $i, $t := .To}}{{if $i}}, {{end}}<a href="mailto:{{$t}}">{{$t}}</a>{{end}}</dd>
<dt>SES message ID</dt><dd>{{.MessageID}}</dd>
{{- range .Headers}}
<dt>{{.Name}}</dt><dd>{{if .Addresses}}{{range $i, $a := .Addresses}}{{if $i}}, {{end}}{{with $a.Name}}{{.}} {{end}}<a href="mailto:{{$a.Address}}">{{$a.Address}}</a>{{end}}{{else}}{{.Value}}{{end}}</dd>
{{- end}}
</dl>
{{- if .Invitation}}
<p><a href="/_dev/outbox/{{.ID}}/invitation" download="{{.InvitationName}}">Download the invitation ({{.InvitationName}})</a></p>
{{- end}}
{{- if .RequestID}}
<form class="feedback" method="post" action="/_dev/outbox/{{.ID}}/feedback">
<span>What SES reports back:</span>
<button name="event" value="delivery">Delivered</button>
<button name="event" value="bounce">Bounced</button>
<button name="event" value="complaint">Marked as spam</button>
</form>
{{- end}}
<div class="parts">
<section><h3>HTML</h3><iframe sandbox="allow-top-navigation-by-user-activation" title="HTML part of {{.Subject}}" src="/_dev/outbox/{{.ID}}/html"></iframe></section>
<section><h3>Plain text</h3><pre tabindex="0">{{.Text}}</pre></section>
</div>
</article>
{{- end}}
{{- else}}
<p>No emails yet. Send the <a href="/">form</a>.</p>
{{- end}}
{{- if .Next}}
<nav><a rel="next" href="/_dev/outbox?before={{.Next}}">Older emails</a></nav>
{{- end}}{{end}}`)

func (s *Server) outboxPage(w http.ResponseWriter, r *http.Request) {
	var before uint64
	if v := r.URL.Query().Get("before"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			http.Error(w, "before must be an email's number", http.StatusBadRequest)
			return
		}
		before = n
	}
	entries, next, err := s.local.Emails(r.Context(), before, outboxPageSize)
	if err != nil {
		s.log.Error("outbox page", "error", err)
		http.Error(w, "The outbox cannot be read; the server's log says why.", http.StatusServiceUnavailable)
		return
	}
	data := struct {
		Emails []renderedEmail
		Next   uint64
		Notice string
	}{Next: next, Notice: feedbackNotices[r.URL.Query().Get("feedback")]}
	for _, e := range entries {
		m := renderedEmail{Email: e}
		if e.Err != nil {
			m.Problem = "The entry cannot be read: " + e.Err.Error()
		} else if m, err = parseEmail(e); err != nil {
			m.Problem = "The message cannot be read: " + err.Error()
		}
		data.Emails = append(data.Emails, m)
	}
	devPageHeaders(w)
	if err := outboxTemplate.Execute(w, data); err != nil {
		s.log.Error("outbox page", "error", err)
	}
}

// outboxHTML serves one email's HTML part for the outbox's iframe. The
// sandbox keeps anything in the email from running or reaching the page.
// It lets a person's click on a link navigate the whole tab, and the
// email's links are made to target it: the action pages they lead to
// refuse to be framed (frame-ancestors 'none', against clickjacking), so
// inside the frame they would not open at all.
func (s *Server) outboxHTML(w http.ResponseWriter, r *http.Request) {
	m, ok := s.outboxEmail(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "sandbox allow-top-navigation-by-user-activation; default-src 'none'; style-src 'unsafe-inline'")
	_, _ = io.WriteString(w, linksOnTop(m.HTML))
}

// outboxInvitation serves the invitation an email carries as a calendar
// file to download, as the email's recipient would save it.
func (s *Server) outboxInvitation(w http.ResponseWriter, r *http.Request) {
	m, ok := s.outboxEmail(w, r)
	if !ok {
		return
	}
	if m.Invitation == nil {
		http.Error(w, "This email carries no invitation.", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": m.InvitationName}))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(m.Invitation)
}

// outboxEmail reads the email the request's path names, or answers that
// it cannot.
func (s *Server) outboxEmail(w http.ResponseWriter, r *http.Request) (renderedEmail, bool) {
	e, ok, err := s.local.EmailByID(r.Context(), r.PathValue("id"))
	if err != nil || !ok || e.Err != nil {
		http.NotFound(w, r)
		return renderedEmail{}, false
	}
	m, err := parseEmail(e)
	if err != nil {
		http.Error(w, "The message cannot be read: "+err.Error(), http.StatusUnprocessableEntity)
		return renderedEmail{}, false
	}
	return m, true
}

// headTag finds the start tag of an HTML document's head.
var headTag = regexp.MustCompile(`(?i)<head(\s[^>]*)?>`)

// linksOnTop makes the links of an email's HTML open in the whole tab, with
// a base element first in its head, or first in a document without one.
func linksOnTop(doc string) string {
	const base = `<base target="_top">`
	if loc := headTag.FindStringIndex(doc); loc != nil {
		return doc[:loc[1]] + base + doc[loc[1]:]
	}
	return base + doc
}
