package email

import (
	"bytes"
	"math/rand/v2"
	netmail "net/mail"
	"strings"
	"testing"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/calendar"
	"example.com/appointments/internal/i18n"
)

// TestEncodeArbitraryMessages encodes messages with arbitrary subjects and
// bodies, and invitations of every length around the base64 lines', and
// reads each back: the structure checkBody expects, every part decoding to
// what was written, and a MIME-Version header.
func TestEncodeArbitraryMessages(t *testing.T) {
	c := newTestComposer(t, defaultProfile(t))
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range 400 {
		m := Message{
			Message: appointment.Message{Kind: appointment.EmailBooking, From: testSender, To: []string{"jordan@example.com"}},
			Subject: arbitraryText(rng),
			// Templates end lines with LF; a lone CR never reaches the
			// encoder.
			Text: strings.ReplaceAll(arbitraryText(rng), "\r", ""),
			HTML: strings.ReplaceAll(arbitraryText(rng), "\r", ""),
		}
		replyTo := testFrontDesk[:i%3]
		method := calendar.Method("")
		if i%2 == 0 {
			method = []calendar.Method{calendar.Request, calendar.Cancel}[i%4/2]
			m.Calendar = []byte("BEGIN:VCALENDAR\r\nMETHOD:" + string(method) + "\r\n")
			for range i / 2 {
				m.Calendar = append(m.Calendar, byte(' '+rng.IntN(256-' ')))
			}
		}
		raw, err := c.encode(m, replyTo, method, i18n.English)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := netmail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("message %d does not parse: %v", i, err)
		}
		if got := msg.Header.Get("MIME-Version"); got != "1.0" {
			t.Errorf("message %d: MIME-Version = %q, want 1.0", i, got)
		}
		checkBody(t, m, msg.Header.Get("Content-Type"), msg.Body)
	}
}
