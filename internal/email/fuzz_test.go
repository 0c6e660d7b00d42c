package email

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"
	"testing"

	"example.com/appointments/internal/appointment"
)

// FuzzCompose feeds arbitrary names and reasons to both emails and checks
// what must hold whatever a patient types: no header depends on it, the
// HTML gains no markup from it, and the patient's confirmation never
// repeats the reason or the last name.
func FuzzCompose(f *testing.F) {
	f.Add("Jordan", "Rivera", "Shoulder pain.\nWorse at night.", "jordan")
	f.Add("<script>alert(1)</script>", `"><img src=x onerror=alert(1)>`, `</p><a href="https://evil.example">Pay here</a>`, "x")
	f.Add("J0rdan123", "http://x", "line one\r\nline two\r\rBcc: someone@example.com", "a.b")
	f.Add("Zoë", "Núñez", "=?utf-8?q?Hello?= \u202e", "zoe")
	c := newTestComposer(f, defaultProfile(f))

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

		for _, kind := range []Kind{Patient, FrontDesk} {
			got, err := c.Compose(kind, r)
			if err != nil {
				t.Fatalf("Compose(%s): %v", kind, err)
			}
			want, err := c.Compose(kind, base)
			if err != nil {
				t.Fatalf("Compose(%s) baseline: %v", kind, err)
			}
			if g, w := headerFields(t, got.Raw), headerFields(t, want.Raw); g != w {
				t.Errorf("%s headers depend on what the patient typed:\n got: %s\nwant: %s", kind, g, w)
			}
			for _, mark := range []string{"<", ">"} {
				if g, w := strings.Count(got.HTML, mark), strings.Count(want.HTML, mark); g != w {
					t.Errorf("%s HTML has %d %q, want %d: patient text was not escaped", kind, g, mark, w)
				}
			}
			checkLines(t, got)
		}

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
	for _, key := range []string{"From", "To", "Reply-To"} {
		if _, err := m.Header.AddressList(key); err != nil {
			t.Errorf("%s does not parse: %v", key, err)
		}
	}
	var b strings.Builder
	for _, key := range []string{"Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Reply-To", "Subject", "To"} {
		v := m.Header.Get(key)
		if key == "Content-Type" {
			v, _, _ = mime.ParseMediaType(v)
		}
		b.WriteString(key + ": " + v + "\n")
	}
	if got, want := len(m.Header), 8; got != want {
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
