package email

import (
	"bytes"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"testing"

	"example.com/appointments/internal/appointment"
)

// FuzzCompose feeds arbitrary names and reasons to every email and checks
// what must hold whatever a patient types: no header depends on it, the
// HTML gains no markup from it, and the emails to the patient never repeat
// the reason or the last name. The same text as the front desk's note or
// decline message, which the patient reads, must not add markup either.
func FuzzCompose(f *testing.F) {
	f.Add("Jordan", "Rivera", "Shoulder pain.\nWorse at night.", "jordan")
	f.Add("<script>alert(1)</script>", `"><img src=x onerror=alert(1)>`, `</p><a href="https://evil.example">Pay here</a>`, "x")
	f.Add("J0rdan123", "http://x", "line one\r\nline two\r\rBcc: someone@example.com", "a.b")
	f.Add("Zoë", "Núñez", "=?utf-8?q?Hello?= \u202e", "zoe")
	c := newTestComposer(f, defaultProfile(f))

	// Histories that call for every transition email: contacted, booked
	// and cancelled by the patient; and contacted and declined.
	cancelled := apply(f, scheduledRequest(f), cancelledAt, appointment.Command{Action: appointment.ActionCancel}).History
	declined := apply(f, apply(f, completeRequest(), contactedAt, appointment.Command{Action: appointment.ActionContact}), scheduledAt,
		appointment.Command{Action: appointment.ActionDecline, Message: "Please call us."}).History
	transitions := []struct {
		kind    Kind
		history []appointment.Transition
		// toPatient says the patient reads the email.
		toPatient bool
	}{
		{appointment.TransitionEmail(appointment.EmailBooking, 1), cancelled, true},
		{appointment.TransitionEmail(appointment.EmailCancelled, 2), cancelled, true},
		{appointment.TransitionEmail(appointment.EmailReminder, 1), cancelled, true},
		{appointment.TransitionEmail(appointment.EmailCancelNotice, 2), cancelled, false},
		{appointment.TransitionEmail(appointment.EmailDeclined, 1), declined, true},
	}

	f.Fuzz(func(t *testing.T, first, last, reason, local string) {
		if len(first)+len(last)+len(reason) > 4096 {
			t.Skip("longer than any form allows")
		}
		r := completeRequest()
		r.Email = fuzzAddress(local)
		r.FirstName, r.LastName, r.Reason = first, last, reason

		// The baseline is the same request with harmless text of the same
		// shape: as many reason lines, but no markup in any of them.
		base := r
		base.FirstName, base.LastName, base.Reason = "Ann", "Lee", maskLines(reason)

		for _, kind := range []Kind{Patient, FrontDesk, appointment.EmailBounceNotice} {
			compareToBaseline(t, c, kind, r, base)
		}
		for _, tr := range transitions {
			r.History, base.History = tr.history, tr.history
			compareToBaseline(t, c, tr.kind, r, base)
			if !tr.toPatient {
				continue
			}
			without := r
			without.Reason, without.LastName = "", ""
			compareToBaseline(t, c, tr.kind, r, without)
			if a, b := compose(t, c, tr.kind, r), compose(t, c, tr.kind, without); a.Text != b.Text || a.HTML != b.HTML {
				t.Errorf("the %s email changes with the reason or the last name", tr.kind)
			}

			// The front desk's words, which the patient reads, are escaped
			// as the patient's own are.
			written, masked := r, base
			written.History, masked.History = slices.Clone(tr.history), slices.Clone(tr.history)
			for i := range written.History {
				if b := written.History[i].Booking; b != nil {
					wb, mb := *b, *b
					wb.Clinician, wb.Note = first, reason
					mb.Clinician, mb.Note = "", maskLines(reason)
					if strings.TrimSpace(first) != "" {
						mb.Clinician = "Ann Lee"
					}
					written.History[i].Booking, masked.History[i].Booking = &wb, &mb
				}
				if written.History[i].Message != "" {
					written.History[i].Message, masked.History[i].Message = reason, maskLines(reason)
				}
			}
			compareToBaseline(t, c, tr.kind, written, masked)
		}
		r.History = nil

		// Only the first name, and only when it looks like one, may reach
		// the patient.
		withReason, err := c.Compose(Patient, r)
		if err != nil {
			t.Fatal(err)
		}
		r.Reason, r.LastName = "", ""
		without, err := c.Compose(Patient, r)
		if err != nil {
			t.Fatal(err)
		}
		if withReason.Text != without.Text || withReason.HTML != without.HTML {
			t.Errorf("the patient email changes with the reason or the last name")
		}
	})
}

func compose(t *testing.T, c *Composer, kind Kind, r appointment.Request) Message {
	t.Helper()
	m, err := c.Compose(kind, r)
	if err != nil {
		t.Fatalf("Compose(%s): %v", kind, err)
	}
	return m
}

// compareToBaseline composes the kind for r and for a baseline request
// that differs only in harmless text of the same shape, and checks that the
// headers are the same and the HTML has the same markup.
func compareToBaseline(t *testing.T, c *Composer, kind Kind, r, baseline appointment.Request) {
	t.Helper()
	got, want := compose(t, c, kind, r), compose(t, c, kind, baseline)
	if g, w := headerFields(t, got.Raw), headerFields(t, want.Raw); g != w {
		t.Errorf("%s headers depend on what was typed:\n got: %s\nwant: %s", kind, g, w)
	}
	for _, mark := range []string{"<", ">"} {
		if g, w := strings.Count(got.HTML, mark), strings.Count(want.HTML, mark); g != w {
			t.Errorf("%s HTML has %d %q, want %d: typed text was not escaped", kind, g, mark, w)
		}
	}
	checkLines(t, got)
}

// fuzzAddress makes a valid bare address from fuzzed text, as validation
// guarantees for real requests.
func fuzzAddress(s string) string {
	local := strings.Map(func(r rune) rune {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			return r
		}
		return -1
	}, strings.ToLower(s))
	if local == "" {
		local = "patient"
	}
	return local[:min(len(local), 64)] + "@example.com"
}

// maskLines keeps the line structure of a reason and replaces every
// non-empty line with "x".
func maskLines(s string) string {
	lines := strings.Split(appointment.NormalizeLines(s), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "x"
		}
	}
	return strings.Join(lines, "\n")
}

// headerFields returns the parsed header, with the random multipart
// boundary left out, in a form that can be compared.
func headerFields(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse Raw: %v", err)
	}
	// Emails to the front desk that no reply should follow (the bounce
	// notice) have no Reply-To; every other header is always there.
	keys, want := []string{"From", "To"}, 8
	if _, ok := m.Header["Reply-To"]; ok {
		keys, want = append(keys, "Reply-To"), 9
	}
	for _, key := range keys {
		if _, err := m.Header.AddressList(key); err != nil {
			t.Errorf("%s does not parse: %v", key, err)
		}
	}
	var b strings.Builder
	for _, key := range []string{"Content-Language", "Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Reply-To", "Subject", "To"} {
		v := m.Header.Get(key)
		if key == "Content-Type" {
			v, _, _ = mime.ParseMediaType(v)
		}
		b.WriteString(key + ": " + v + "\n")
	}
	if got := len(m.Header); got != want {
		t.Errorf("message has %d header fields, want %d", got, want)
	}
	return b.String()
}

// checkLines checks the line rules of RFC 5322: CRLF only, at most 998
// octets.
func checkLines(t *testing.T, m Message) {
	t.Helper()
	for i, line := range bytes.Split(m.Raw, []byte("\r\n")) {
		if bytes.ContainsAny(line, "\r\n") {
			t.Errorf("%s: line %d of Raw has a bare CR or LF", m.Kind, i+1)
		}
		if len(line) > 998 {
			t.Errorf("%s: line %d of Raw is %d octets", m.Kind, i+1, len(line))
		}
	}
}
