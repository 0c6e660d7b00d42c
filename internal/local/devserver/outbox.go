package devserver

import (
	"bytes"
	"context"
	"html/template"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"strconv"
	"strings"

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
}

type header struct{ Name, Value string }

// shownHeaders are the headers the outbox lists, in this order.
var shownHeaders = []string{"From", "To", "Reply-To", "Subject", "Date", "Message-Id"}

// parse reads the message's headers and its text and HTML parts.
func parseEmail(e localstore.Email) (renderedEmail, error) {
	out := renderedEmail{Email: e}
	msg, err := mail.ReadMessage(bytes.NewReader(e.Raw))
	if err != nil {
		return out, err
	}
	dec := new(mime.WordDecoder)
	for _, name := range shownHeaders {
		v, err := dec.DecodeHeader(msg.Header.Get(name))
		if err != nil {
			v = msg.Header.Get(name)
		}
		out.Headers = append(out.Headers, header{name, v})
		if name == "Subject" {
			out.Subject = v
		}
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return out, err
	}
	if !strings.HasPrefix(mt, "multipart/") {
		b, err := io.ReadAll(msg.Body)
		out.Text = string(b)
		return out, err
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		// The reader decodes quoted-printable parts itself.
		part, err := mr.NextPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		b, err := io.ReadAll(part)
		if err != nil {
			return out, err
		}
		switch ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct {
		case "text/plain":
			out.Text = string(b)
		case "text/html":
			out.HTML = string(b)
		}
	}
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
<dt>Envelope to</dt><dd>{{range $i, $t := .To}}{{if $i}}, {{end}}{{$t}}{{end}}</dd>
<dt>SES message ID</dt><dd>{{.MessageID}}</dd>
{{- range .Headers}}
<dt>{{.Name}}</dt><dd>{{.Value}}</dd>
{{- end}}
</dl>
{{- if .RequestID}}
<form class="feedback" method="post" action="/_dev/outbox/{{.ID}}/feedback">
<span>What SES reports back:</span>
<button name="event" value="delivery">Delivered</button>
<button name="event" value="bounce">Bounced</button>
<button name="event" value="complaint">Marked as spam</button>
</form>
{{- end}}
<div class="parts">
<section><h3>HTML</h3><iframe sandbox title="HTML part of {{.Subject}}" src="/_dev/outbox/{{.ID}}/html"></iframe></section>
<section><h3>Plain text</h3><pre>{{.Text}}</pre></section>
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
func (s *Server) outboxHTML(w http.ResponseWriter, r *http.Request) {
	e, ok, err := s.local.EmailByID(r.Context(), r.PathValue("id"))
	if err != nil || !ok || e.Err != nil {
		http.NotFound(w, r)
		return
	}
	m, err := parseEmail(e)
	if err != nil {
		http.Error(w, "The message cannot be read: "+err.Error(), http.StatusUnprocessableEntity)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = io.WriteString(w, m.HTML)
}
