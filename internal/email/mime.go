package email

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"mime/quotedprintable"
	"sync"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"example.com/appointments/internal/calendar"
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
// The MIME library formats every header. The message is otherwise written
// here rather than with the library's writers, which copy and parse each
// part's header again for every message and encode through several
// layers of writers: the parts' headers are the same in every message,
// so the library writes each once (partHeader), and each body goes
// straight through the standard library's quoted-printable or base64
// encoding into the message. The bytes are those the library's writers
// write; a test holds the two to that.
func (c *Composer) encode(msg Message, replyTo []string, method calendar.Method) ([]byte, error) {
	var h mail.Header
	// The library writes header fields in the reverse order of setting
	// them; setting them backwards makes the message read naturally.
	h.SetMessageID(c.newMessageID() + "@" + c.senderDomain)
	h.SetSubject(msg.Subject)
	h.SetAddressList("Reply-To", bareAddresses(replyTo))
	h.SetAddressList("To", bareAddresses(msg.To))
	h.SetAddressList("From", []*mail.Address{{Name: c.profile.Name, Address: msg.From}})
	h.SetDate(c.now().In(c.profile.Zone()))
	h.Set("MIME-Version", "1.0")

	parts := []inlinePart{
		{"text/plain", "", msg.Text},
		{"text/html", "", msg.HTML},
	}
	if method != "" {
		parts = append(parts, inlinePart{"text/calendar", method, string(msg.Calendar)})
	}
	size := 1024
	for _, p := range parts {
		// Room for the headers, and the soft line breaks of mostly-ASCII
		// text.
		size += 256 + len(p.body) + len(p.body)/8
	}
	size += len(msg.Calendar) * 4 / 3

	var w mimeWriter
	w.buf.Grow(size)
	outer := newBoundary()
	if method == "" {
		h.SetContentType("multipart/alternative", map[string]string{"boundary": outer})
		if err := w.header(h.Header.Header); err != nil {
			return nil, err
		}
		if err := w.alternatives(outer, parts); err != nil {
			return nil, err
		}
		return w.buf.Bytes(), nil
	}

	h.SetContentType("multipart/mixed", map[string]string{"boundary": outer})
	if err := w.header(h.Header.Header); err != nil {
		return nil, err
	}
	inner := newBoundary()
	var ih message.Header
	ih.SetContentType("multipart/alternative", map[string]string{"boundary": inner})
	w.delimiter(outer, true)
	if err := w.header(ih.Header); err != nil {
		return nil, err
	}
	if err := w.alternatives(inner, parts); err != nil {
		return nil, err
	}
	attachment, err := partHeader(partKey{attachment: true})
	if err != nil {
		return nil, err
	}
	w.delimiter(outer, false)
	w.buf.Write(attachment)
	w.buf.Write(appendBase64Lines(w.buf.AvailableBuffer(), msg.Calendar))
	w.close(outer)
	return w.buf.Bytes(), nil
}

// inlinePart is one of the alternative forms of a message's body; method
// is the invitation's, for the calendar part.
type inlinePart struct {
	mediaType string
	method    calendar.Method
	body      string
}

// mimeWriter writes a message in the framing of RFC 2046's multipart
// bodies, as the library's textproto.MultipartWriter does.
type mimeWriter struct {
	buf bytes.Buffer
}

func (w *mimeWriter) header(h textproto.Header) error {
	return textproto.WriteHeader(&w.buf, h)
}

// delimiter starts a part; the CRLF before the boundary belongs to it,
// so that the part before ends without one.
func (w *mimeWriter) delimiter(boundary string, first bool) {
	if !first {
		w.buf.WriteString("\r\n")
	}
	w.buf.WriteString("--")
	w.buf.WriteString(boundary)
	w.buf.WriteString("\r\n")
}

// close ends the multipart body.
func (w *mimeWriter) close(boundary string) {
	w.buf.WriteString("\r\n--")
	w.buf.WriteString(boundary)
	w.buf.WriteString("--\r\n")
}

// alternatives writes the parts as a multipart/alternative body, each
// quoted-printable.
func (w *mimeWriter) alternatives(boundary string, parts []inlinePart) error {
	for i, p := range parts {
		header, err := partHeader(partKey{mediaType: p.mediaType, method: p.method})
		if err != nil {
			return err
		}
		w.delimiter(boundary, i == 0)
		w.buf.Write(header)
		qp := quotedprintable.NewWriter(&w.buf)
		if _, err := io.WriteString(qp, p.body); err != nil {
			return err
		}
		if err := qp.Close(); err != nil {
			return err
		}
	}
	w.close(boundary)
	return nil
}

// newBoundary returns a random boundary of the library's form: 30 random
// bytes in hex.
func newBoundary() string {
	var b [30]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// partKey names a part's header: an inline part's media type, with the
// invitation's method for a calendar; or the invitation's attachment.
type partKey struct {
	mediaType  string
	method     calendar.Method
	attachment bool
}

// partHeaders holds each part's header as the library writes it, by key.
var partHeaders sync.Map

// partHeader returns the header of the part, blank line included, as the
// library writes it. It has the library write a message with the part,
// once for each kind of part, and keeps the part's header.
func partHeader(k partKey) ([]byte, error) {
	if h, ok := partHeaders.Load(k); ok {
		return h.([]byte), nil
	}
	var buf bytes.Buffer
	var start int
	if k.attachment {
		w, err := mail.CreateWriter(&buf, mail.Header{})
		if err != nil {
			return nil, err
		}
		var ah mail.AttachmentHeader
		// application/ics rather than text/calendar, so that no client
		// takes the attachment for a second invitation to act on.
		ah.SetContentType("application/ics", map[string]string{"name": "invite.ics"})
		ah.SetFilename("invite.ics")
		ah.Set("Content-Transfer-Encoding", "base64")
		start = buf.Len()
		if _, err := w.CreateAttachment(ah); err != nil {
			return nil, err
		}
	} else {
		w, err := mail.CreateInlineWriter(&buf, mail.Header{})
		if err != nil {
			return nil, err
		}
		params := map[string]string{"charset": "utf-8"}
		if k.method != "" {
			params["method"] = string(k.method)
		}
		var ph mail.InlineHeader
		ph.SetContentType(k.mediaType, params)
		// Quoted-printable keeps the mostly-ASCII text readable in the
		// raw message and its lines short, whatever the template
		// produced.
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		start = buf.Len()
		if _, err := w.CreatePart(ph); err != nil {
			return nil, err
		}
	}
	// What the part wrote is its delimiter line, then its header.
	_, h, _ := bytes.Cut(buf.Bytes()[start:], []byte("\r\n"))
	h = bytes.Clone(h)
	partHeaders.Store(k, h)
	return h, nil
}

// base64Line is how many bytes one 76-character line of base64 encodes.
const base64Line = 57

// appendBase64Lines appends b in base64 as the library's writer encodes
// it: lines of 76 characters, CRLF between them and none after the last.
func appendBase64Lines(dst, b []byte) []byte {
	for i := 0; i < len(b); i += base64Line {
		if i > 0 {
			dst = append(dst, '\r', '\n')
		}
		dst = base64.StdEncoding.AppendEncode(dst, b[i:min(i+base64Line, len(b))])
	}
	return dst
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
