package devserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"example.com/appointments/internal/notify"
)

// Outbox keeps every email the local server sends, as its recipient would
// receive it, in a folder: one JSON file per email with the envelope and
// the raw MIME message. Locally it stands in for SES.
type Outbox struct {
	dir string
}

// OpenOutbox opens the outbox kept in dir.
func OpenOutbox(dir string) (*Outbox, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create outbox: %w", err)
	}
	return &Outbox{dir: dir}, nil
}

// outboxEntry is one email in the outbox.
type outboxEntry struct {
	ID        string    `json:"id"`
	MessageID string    `json:"messageId"`
	At        time.Time `json:"at"`
	From      string    `json:"from"`
	To        []string  `json:"to"`
	Raw       []byte    `json:"raw"`
}

var entryID = regexp.MustCompile(`^[0-9]{20}-[a-z2-7]{26}$`)

// Send keeps the message and returns a local message ID.
func (o *Outbox) Send(_ context.Context, from string, to []string, raw []byte) (string, error) {
	return o.keep("", from, to, raw)
}

func (o *Outbox) keep(messageID, from string, to []string, raw []byte) (string, error) {
	now := time.Now()
	// The time first, so names sort in the order the emails were sent.
	id := fmt.Sprintf("%020d-%s", now.UnixNano(), strings.ToLower(rand.Text()))
	if messageID == "" {
		messageID = "local-" + id
	}
	b, err := json.Marshal(outboxEntry{ID: id, MessageID: messageID, At: now.UTC(), From: from, To: to, Raw: raw})
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(o.dir, id+".json"), b, 0o600); err != nil {
		return "", fmt.Errorf("keep email: %w", err)
	}
	return messageID, nil
}

// entries returns the emails in the outbox, newest first.
func (o *Outbox) entries() ([]outboxEntry, error) {
	names, err := filepath.Glob(filepath.Join(o.dir, "*.json"))
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	slices.Reverse(names)
	var out []outboxEntry
	for _, name := range names {
		e, err := o.read(strings.TrimSuffix(filepath.Base(name), ".json"))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (o *Outbox) read(id string) (outboxEntry, error) {
	var e outboxEntry
	if !entryID.MatchString(id) {
		return e, os.ErrNotExist
	}
	b, err := os.ReadFile(filepath.Join(o.dir, id+".json"))
	if err != nil {
		return e, err
	}
	return e, json.Unmarshal(b, &e)
}

// keepingSender sends through another sender and keeps what it sent in the
// outbox, so the outbox shows the emails whichever way they went out.
type keepingSender struct {
	next   notify.Sender
	outbox *Outbox
}

func (k *keepingSender) Send(ctx context.Context, from string, to []string, raw []byte) (string, error) {
	id, err := k.next.Send(ctx, from, to, raw)
	if err != nil {
		return "", err
	}
	_, _ = k.outbox.keep(id, from, to, raw)
	return id, nil
}

// renderedEmail is an outbox entry taken apart for display.
type renderedEmail struct {
	outboxEntry
	Headers []header
	Subject string
	Text    string
	HTML    string
}

type header struct{ Name, Value string }

// shownHeaders are the headers the outbox lists, in this order.
var shownHeaders = []string{"From", "To", "Reply-To", "Subject", "Date", "Message-Id"}

// parse reads the message's headers and its text and HTML parts.
func (e outboxEntry) parse() (renderedEmail, error) {
	out := renderedEmail{outboxEntry: e}
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
h3{font-size:.95rem;margin:0 0 6px}{{end}}
{{define "content"}}<h1>Outbox</h1>
<p>Every email sent, newest first, as its recipient sees it.</p>
{{- range .}}
<article id="email-{{.ID}}">
<h2>{{.Subject}}</h2>
<dl>
<dt>Envelope to</dt><dd>{{range $i, $t := .To}}{{if $i}}, {{end}}{{$t}}{{end}}</dd>
<dt>SES message ID</dt><dd>{{.MessageID}}</dd>
{{- range .Headers}}
<dt>{{.Name}}</dt><dd>{{.Value}}</dd>
{{- end}}
</dl>
<div class="parts">
<section><h3>HTML</h3><iframe sandbox title="HTML part of {{.Subject}}" src="/_dev/outbox/{{.ID}}/html"></iframe></section>
<section><h3>Plain text</h3><pre>{{.Text}}</pre></section>
</div>
</article>
{{- else}}
<p>No emails yet. Send the <a href="/">form</a>.</p>
{{- end}}{{end}}`)

func (s *Server) outboxPage(w http.ResponseWriter, r *http.Request) {
	entries, err := s.outbox.entries()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var emails []renderedEmail
	for _, e := range entries {
		m, err := e.parse()
		if err != nil {
			m.Subject = "(unreadable message: " + err.Error() + ")"
		}
		emails = append(emails, m)
	}
	devPageHeaders(w)
	if err := outboxTemplate.Execute(w, emails); err != nil {
		s.log.Error("outbox page", "error", err)
	}
}

// outboxHTML serves one email's HTML part for the outbox's iframe. The
// sandbox keeps anything in the email from running or reaching the page.
func (s *Server) outboxHTML(w http.ResponseWriter, r *http.Request) {
	e, err := s.outbox.read(r.PathValue("id"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	m, err := e.parse()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = io.WriteString(w, m.HTML)
}
