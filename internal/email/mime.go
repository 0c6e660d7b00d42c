package email

import (
	"bytes"
	"io"

	"github.com/emersion/go-message/mail"

	"example.com/appointments/internal/calendar"
	"example.com/appointments/internal/i18n"
)

// encode writes msg as a MIME message: the headers, then a
// multipart/alternative body with the plain-text part first, so that
// clients able to show HTML pick the last, richer part.
//
// A message with a calendar invitation (method set) is multipart/mixed:
// the alternative body, which then ends with the invitation as a
// text/calendar part whose method parameter makes Gmail, Outlook and Apple
// Mail offer to accept it, and the same invitation again as an invite.ics
// attachment, which is what other clients and calendar apps open.
//
// The MIME library writes all of it: headers, boundaries, framing and the
// transfer encodings.
func (c *Composer) encode(msg Message, replyTo []string, method calendar.Method, lang i18n.Language) ([]byte, error) {
	var h mail.Header
	// The library writes header fields in the reverse order of setting
	// them; setting them backwards makes the message read naturally.
	// Content-Language (RFC 3282) names the language the email is
	// written in, which mail clients use to offer a translation or pick a
	// spelling checker for the reply.
	h.Set("Content-Language", lang.Tag().String())
	h.SetMessageID(c.newMessageID() + "@" + c.senderDomain)
	h.SetSubject(msg.Subject)
	h.SetAddressList("Reply-To", bareAddresses(replyTo))
	h.SetAddressList("To", bareAddresses(msg.To))
	h.SetAddressList("From", []*mail.Address{{Name: c.profile.Name, Address: msg.From}})
	h.SetDate(c.now().In(c.profile.Zone()))

	parts := []inlinePart{
		{"text/plain", "", msg.Text},
		{"text/html", "", msg.HTML},
	}
	var buf bytes.Buffer
	// Room for the headers, and the soft line breaks of mostly-ASCII text.
	buf.Grow(2048 + len(msg.Text)*9/8 + len(msg.HTML)*9/8 + len(msg.Calendar)*3)
	if method == "" {
		w, err := mail.CreateInlineWriter(&buf, h)
		if err != nil {
			return nil, err
		}
		if err := writeAlternatives(w, parts); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}

	w, err := mail.CreateWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	iw, err := w.CreateInline()
	if err != nil {
		return nil, err
	}
	parts = append(parts, inlinePart{"text/calendar", method, string(msg.Calendar)})
	if err := writeAlternatives(iw, parts); err != nil {
		return nil, err
	}
	var ah mail.AttachmentHeader
	// application/ics rather than text/calendar, so that no client takes
	// the attachment for a second invitation to act on.
	ah.SetContentType("application/ics", map[string]string{"name": "invite.ics"})
	ah.SetFilename("invite.ics")
	ah.Set("Content-Transfer-Encoding", "base64")
	aw, err := w.CreateAttachment(ah)
	if err != nil {
		return nil, err
	}
	if _, err := aw.Write(msg.Calendar); err != nil {
		return nil, err
	}
	if err := aw.Close(); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// inlinePart is one of the alternative forms of a message's body; method
// is the invitation's, for the calendar part.
type inlinePart struct {
	mediaType string
	method    calendar.Method
	body      string
}

// writeAlternatives writes the parts into the multipart/alternative body,
// each quoted-printable, and closes it.
func writeAlternatives(w *mail.InlineWriter, parts []inlinePart) error {
	for _, p := range parts {
		params := map[string]string{"charset": "utf-8"}
		if p.method != "" {
			params["method"] = string(p.method)
		}
		var ph mail.InlineHeader
		ph.SetContentType(p.mediaType, params)
		// Quoted-printable keeps the mostly-ASCII text readable in the
		// raw message and its lines short, whatever the template
		// produced.
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := w.CreatePart(ph)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(pw, p.body); err != nil {
			return err
		}
		if err := pw.Close(); err != nil {
			return err
		}
	}
	return w.Close()
}

// bareAddresses turns addresses into header addresses without display
// names, so that no name, and in particular no patient's name, is ever
// written into a header.
func bareAddresses(addrs []string) []*mail.Address {
	out := make([]*mail.Address, len(addrs))
	for i, a := range addrs {
		out[i] = &mail.Address{Address: a}
	}
	return out
}
