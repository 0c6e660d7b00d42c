package email

import (
	"bytes"
	"io"

	"github.com/emersion/go-message/mail"
)

// encode writes msg as a MIME message: the headers, then a
// multipart/alternative body with the plain-text part first, so that
// clients able to show HTML pick the last, richer part.
func (c *Composer) encode(msg Message, replyTo []string) ([]byte, error) {
	var h mail.Header
	// The library writes header fields in the reverse order of setting
	// them; setting them backwards makes the message read naturally.
	h.SetMessageID(c.newMessageID() + "@" + c.senderDomain)
	h.SetSubject(msg.Subject)
	h.SetAddressList("Reply-To", bareAddresses(replyTo))
	h.SetAddressList("To", bareAddresses(msg.To))
	h.SetAddressList("From", []*mail.Address{{Name: c.profile.Name, Address: msg.From}})
	h.SetDate(c.now().In(c.profile.Zone()))

	var buf bytes.Buffer
	w, err := mail.CreateInlineWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	for _, part := range []struct{ mediaType, body string }{
		{"text/plain", msg.Text},
		{"text/html", msg.HTML},
	} {
		var ph mail.InlineHeader
		ph.SetContentType(part.mediaType, map[string]string{"charset": "utf-8"})
		// Quoted-printable keeps the mostly-ASCII text readable in the raw
		// message and its lines short, whatever the template produced.
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := w.CreatePart(ph)
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(pw, part.body); err != nil {
			return nil, err
		}
		if err := pw.Close(); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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
