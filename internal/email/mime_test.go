package email

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/emersion/go-message/mail"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/calendar"
)

// The messages must be the bytes the MIME library's writers write: these
// tests compare the encoder with them.

// encodeByLibrary writes the message with the library's writers, as the
// encoder writes it.
func encodeByLibrary(c *Composer, msg Message, replyTo []string, method calendar.Method) ([]byte, error) {
	var h mail.Header
	h.SetMessageID(c.newMessageID() + "@" + c.senderDomain)
	h.SetSubject(msg.Subject)
	h.SetAddressList("Reply-To", bareAddresses(replyTo))
	h.SetAddressList("To", bareAddresses(msg.To))
	h.SetAddressList("From", []*mail.Address{{Name: c.profile.Name, Address: msg.From}})
	h.SetDate(c.now().In(c.profile.Zone()))

	type part struct {
		mediaType string
		params    map[string]string
		body      string
	}
	parts := []part{
		{"text/plain", map[string]string{"charset": "utf-8"}, msg.Text},
		{"text/html", map[string]string{"charset": "utf-8"}, msg.HTML},
	}
	writeAlternatives := func(w *mail.InlineWriter, parts []part) error {
		for _, p := range parts {
			var ph mail.InlineHeader
			ph.SetContentType(p.mediaType, p.params)
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
	var buf bytes.Buffer
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
	parts = append(parts, part{"text/calendar", map[string]string{"charset": "utf-8", "method": string(method)}, string(msg.Calendar)})
	if err := writeAlternatives(iw, parts); err != nil {
		return nil, err
	}
	var ah mail.AttachmentHeader
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

func checkEncoding(t *testing.T, c *Composer, msg Message, replyTo []string, method calendar.Method) {
	t.Helper()
	got, err := c.encode(msg, replyTo, method)
	if err != nil {
		t.Fatal(err)
	}
	want, err := encodeByLibrary(c, msg, replyTo, method)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := sameBoundaries(got), sameBoundaries(want); g != w {
		t.Errorf("%s email (method %q) differs from the library's\n%s", msg.Kind, method, firstDifference(g, w))
	}
}

func TestEncodeMatchesLibrary(t *testing.T) {
	c := newTestComposer(t, defaultProfile(t))
	for _, kind := range []Kind{Patient, FrontDesk} {
		m := compose(t, c, kind, completeRequest())
		checkEncoding(t, c, m, testFrontDesk, "")
	}
	for _, tc := range transitionCases(t) {
		c := tc.composer(t)
		m := compose(t, c, tc.kind, tc.request)
		method := calendar.Method("")
		if m.Calendar != nil {
			method = calendar.Request
		}
		checkEncoding(t, c, m, nil, method)
	}

	// Arbitrary bodies, subjects and invitations of every length around
	// the base64 lines'.
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range 400 {
		m := Message{
			Kind:    appointment.EmailBooking,
			From:    testSender,
			To:      []string{"jordan@example.com"},
			Subject: arbitraryText(rng),
			Text:    arbitraryText(rng),
			HTML:    arbitraryText(rng),
		}
		replyTo := testFrontDesk[:i%3]
		method := calendar.Method("")
		if i%2 == 0 {
			m.Calendar = make([]byte, i/2)
			for j := range m.Calendar {
				m.Calendar[j] = byte(rng.IntN(256))
			}
			method = []calendar.Method{calendar.Request, calendar.Cancel}[i%4/2]
		}
		checkEncoding(t, c, m, replyTo, method)
	}
}

func TestBoundariesDiffer(t *testing.T) {
	if a, b := newBoundary(), newBoundary(); a == b || len(a) != 60 || !boundaryPattern.MatchString(a) {
		t.Errorf("boundaries %q and %q: want two different ones of 60 hex digits", a, b)
	}
}
