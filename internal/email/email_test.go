package email

import (
	"bytes"
	"encoding/base64"
	"flag"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	testSender    = "appointments@example.com"
	testMessageID = "0123456789abcdefghijklmnop"
	// testLinkBase starts every action link the tests' composers make.
	testLinkBase = "https://api.example.com/manage/"
)

// testLinks makes action links the way the callers do, with a fixed token
// in place of the signed one, so that golden files stay the same.
func testLinks(id string, a appointment.Action) string {
	return testLinkBase + string(a) + "/TOKEN-" + id
}

var (
	testFrontDesk = []string{"frontdesk@example.com", "manager@example.com"}
	// testNow is when the tests pretend to send, a minute after the
	// complete request arrived.
	testNow = time.Date(2026, 11, 27, 16, 31, 0, 0, time.UTC)
)

func defaultProfile(t testing.TB) *clinic.Profile {
	t.Helper()
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// twoSiteProfile is the default clinic with a second site that has its own
// front desk.
func twoSiteProfile(t testing.TB) *clinic.Profile {
	t.Helper()
	p := *defaultProfile(t)
	p.Locations = append(slices.Clone(p.Locations), clinic.Location{
		ID:             "north",
		Label:          "Ascent Total Performance North",
		Address:        "400 Sample Road, Longmont, CO 80501",
		FrontDeskEmail: "north@example.com",
	})
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return &p
}

// newTestComposer makes a composer with action links, a fixed clock and a
// fixed Message-ID.
func newTestComposer(t testing.TB, p *clinic.Profile) *Composer {
	t.Helper()
	return newTestComposerWith(t, p, Settings{Sender: testSender, FrontDesk: testFrontDesk, Links: testLinks})
}

func newTestComposerWith(t testing.TB, p *clinic.Profile, s Settings) *Composer {
	t.Helper()
	c, err := NewComposer(p, s)
	if err != nil {
		t.Fatal(err)
	}
	c.now = func() time.Time { return testNow }
	c.newMessageID = func() string { return testMessageID }
	return c
}

func ptr[T any](v T) *T { return &v }

// completeRequest fills in every field.
func completeRequest() appointment.Request {
	return appointment.Request{
		ID:             "req1",
		Reference:      "K7M2-Q9XD",
		FirstName:      "Jordan",
		LastName:       "Rivera",
		Email:          "jordan.rivera@example.com",
		Phone:          "+13035550123",
		Service:        "dry-needling",
		Location:       "main",
		PreferredDays:  []string{"mon", "wed"},
		PreferredTimes: []string{"morning"},
		NewPatient:     ptr(true),
		ContactMethod:  "phone",
		Reason:         "Right shoulder pain since a ski fall in March.\n\nWorse when reaching overhead <b>& \"lifting\"</b>.",
		Status:         appointment.StatusReceived,
		CreatedAt:      time.Date(2026, 11, 27, 16, 30, 0, 0, time.UTC), // Friday 9:30 AM MST
	}
}

// minimalRequest leaves out every optional field.
func minimalRequest() appointment.Request {
	return appointment.Request{
		ID:        "req2",
		Reference: "A2B3-C4D5",
		FirstName: "Ana",
		LastName:  "Li",
		Email:     "ana@example.com",
		Phone:     "+13035550199",
		Service:   "evaluation",
		Location:  "main",
		Status:    appointment.StatusReceived,
		CreatedAt: time.Date(2026, 11, 24, 5, 0, 0, 0, time.UTC), // Monday 10:00 PM MST
	}
}

// notANameRequest has a first name that must not be repeated to the
// patient, and a phone number from abroad.
func notANameRequest() appointment.Request {
	return appointment.Request{
		ID:             "req3",
		Reference:      "Z9Y8-X7W6",
		FirstName:      "J0rdan123 http://x.example",
		LastName:       "<script>alert(1)</script>",
		Email:          "visitor+tag@example.com",
		Phone:          "+442071838750",
		Service:        "evaluation",
		Location:       "main",
		PreferredDays:  []string{"mon", "tue", "wed", "thu", "fri"},
		PreferredTimes: []string{"morning", "afternoon", "evening"},
		NewPatient:     ptr(false),
		ContactMethod:  "email",
		Reason:         "Visit http://x.example \"><img src=x onerror=alert(1)>",
		Status:         appointment.StatusReceived,
		CreatedAt:      time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC), // Saturday 7:00 PM MST
	}
}

// northRequest is for the site with its own front desk.
func northRequest() appointment.Request {
	return appointment.Request{
		ID:        "req4",
		Reference: "M3N4-P5Q6",
		FirstName: "Zoë O'Brien-Šimić",
		LastName:  "Núñez",
		// A patient who reads Spanish: the front desk's email names it.
		Language:       i18n.Spanish,
		Email:          "zoe@example.org",
		Phone:          "+17205550142",
		PhoneExtension: "204",
		Service:        "sports-performance",
		Location:       "north",
		PreferredDays:  []string{"sat"},
		PreferredTimes: []string{"morning", "afternoon"},
		ContactMethod:  "text",
		Reason:         "Knee pain when running downhill.",
		Status:         appointment.StatusReceived,
		CreatedAt:      time.Date(2026, 11, 29, 19, 0, 0, 0, time.UTC), // Sunday noon MST
	}
}

type composeCase struct {
	name    string
	profile func(testing.TB) *clinic.Profile
	request appointment.Request
	// wantPatientReplyTo is also who the front desk email goes to.
	wantFrontDesk []string
	wantGreeting  string
	// noLinks leaves Settings.Links nil, as a deployment without action
	// pages has it.
	noLinks bool
}

func composeCases() []composeCase {
	return []composeCase{
		{"complete", defaultProfile, completeRequest(), testFrontDesk, "Hi Jordan,", false},
		{"minimal", defaultProfile, minimalRequest(), testFrontDesk, "Hi Ana,", false},
		{"not-a-name", defaultProfile, notANameRequest(), testFrontDesk, "Hello,", false},
		{"location-es", twoSiteProfile, northRequest(), []string{"north@example.com"}, "Hola, Zoë O'Brien-Šimić:", false},
		{"no-links", defaultProfile, completeRequest(), testFrontDesk, "Hi Jordan,", true},
		// The same requests sent in Spanish.
		{"complete-es", defaultProfile, spanish(completeRequest()), testFrontDesk, "Hola, Jordan:", false},
		{"minimal-es", defaultProfile, spanish(minimalRequest()), testFrontDesk, "Hola, Ana:", false},
		{"not-a-name-es", defaultProfile, spanish(notANameRequest()), testFrontDesk, "Hola:", false},
		{"no-links-es", defaultProfile, spanish(completeRequest()), testFrontDesk, "Hola, Jordan:", true},
	}
}

// spanish is r sent in Spanish.
func spanish(r appointment.Request) appointment.Request {
	r.Language = i18n.Spanish
	return r
}

// patientSubject is the subject of the confirmation in r's language.
func patientSubject(r appointment.Request) string {
	if r.Language == i18n.Spanish {
		return "Recibimos su solicitud de cita"
	}
	return "We received your appointment request"
}

// composer makes the composer a case calls for.
func (tc composeCase) composer(t testing.TB) *Composer {
	t.Helper()
	s := Settings{Sender: testSender, FrontDesk: testFrontDesk, Links: testLinks}
	if tc.noLinks {
		s.Links = nil
	}
	return newTestComposerWith(t, tc.profile(t), s)
}

func goldenName(kind Kind) string {
	return map[Kind]string{Patient: "patient", FrontDesk: "frontdesk"}[kind]
}

// checkGolden compares got with the golden file, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file; run go test -update and review the diff\n%s", path, firstDifference(got, string(want)))
	}
}

// firstDifference shows the first line where got and want part.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + gl + "\nwant: " + wl
		}
	}
	return ""
}

func TestComposeGolden(t *testing.T) {
	for _, tc := range composeCases() {
		c := tc.composer(t)
		for _, kind := range []Kind{Patient, FrontDesk} {
			t.Run(goldenName(kind)+"-"+tc.name, func(t *testing.T) {
				msg, err := c.Compose(kind, tc.request)
				if err != nil {
					t.Fatal(err)
				}
				name := goldenName(kind) + "-" + tc.name
				checkGolden(t, name+".html", msg.HTML)
				checkGolden(t, name+".txt", msg.Text)
			})
		}
	}
}

func TestComposeMessage(t *testing.T) {
	for _, tc := range composeCases() {
		c := tc.composer(t)
		r := tc.request
		t.Run(tc.name, func(t *testing.T) {
			patient, err := c.Compose(Patient, r)
			if err != nil {
				t.Fatal(err)
			}
			frontDesk, err := c.Compose(FrontDesk, r)
			if err != nil {
				t.Fatal(err)
			}

			if got, want := patient.To, []string{r.Email}; !slices.Equal(got, want) {
				t.Errorf("patient To = %q, want %q", got, want)
			}
			if got, want := frontDesk.To, tc.wantFrontDesk; !slices.Equal(got, want) {
				t.Errorf("front desk To = %q, want %q", got, want)
			}
			if got, want := patient.Subject, patientSubject(r); got != want {
				t.Errorf("patient Subject = %q, want %q", got, want)
			}
			if got, want := patient.Kind, Patient; got != want {
				t.Errorf("patient Kind = %q, want %q", got, want)
			}
			if !strings.Contains(patient.Text, tc.wantGreeting+"\n") || !strings.Contains(patient.HTML, ">"+htmlEscape(tc.wantGreeting)+"<") {
				t.Errorf("patient email does not greet with %q", tc.wantGreeting)
			}
			if r.Reason != "" {
				for _, line := range strings.Split(r.Reason, "\n") {
					if line != "" && (strings.Contains(patient.Text, line) || strings.Contains(patient.HTML, htmlEscape(line))) {
						t.Errorf("patient email contains the reason %q", line)
					}
				}
			}
			for _, m := range []Message{patient, frontDesk} {
				if got, want := m.From, testSender; got != want {
					t.Errorf("%s From = %q, want %q", m.Kind, got, want)
				}
				if size := len(m.HTML); size >= 100<<10 {
					t.Errorf("%s HTML is %d bytes, want under 100 KB", m.Kind, size)
				}
				if !strings.Contains(m.Text, r.Reference) || !strings.Contains(m.HTML, r.Reference) {
					t.Errorf("%s email does not give the reference %s", m.Kind, r.Reference)
				}
			}

			wantReplyTo := map[Kind][]string{Patient: tc.wantFrontDesk, FrontDesk: {r.Email}}
			wantTo := map[Kind][]string{Patient: {r.Email}, FrontDesk: tc.wantFrontDesk}
			for _, m := range []Message{patient, frontDesk} {
				checkRaw(t, m, r, wantTo[m.Kind], wantReplyTo[m.Kind])
			}
		})
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(s)
}

// checkRaw parses the message as a mail client would and checks its
// headers and parts.
func checkRaw(t *testing.T, m Message, r appointment.Request, wantTo, wantReplyTo []string) {
	t.Helper()
	raw := m.Raw
	if i := bytes.IndexByte(bytes.ReplaceAll(raw, []byte("\r\n"), nil), '\n'); i >= 0 {
		t.Errorf("%s: Raw has a bare LF", m.Kind)
	}
	if i := bytes.IndexByte(bytes.ReplaceAll(raw, []byte("\r\n"), nil), '\r'); i >= 0 {
		t.Errorf("%s: Raw has a bare CR", m.Kind)
	}
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 998 {
			t.Errorf("%s: line %d of Raw is %d octets, over 998", m.Kind, i+1, len(line))
		}
	}

	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: parse Raw: %v", m.Kind, err)
	}
	h := msg.Header

	var names []string
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	wantNames := []string{"Content-Language", "Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Reply-To", "Subject", "To"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("%s: header fields %q, want %q", m.Kind, names, wantNames)
	}
	// The patient's emails are in the request's language, the front
	// desk's in the clinic's.
	wantLanguage := "en"
	if recipient, _ := m.Kind.Recipient(); recipient == appointment.RecipientPatient && r.Language == i18n.Spanish {
		wantLanguage = "es"
	}
	if got := h.Get("Content-Language"); got != wantLanguage {
		t.Errorf("%s: Content-Language = %q, want %q", m.Kind, got, wantLanguage)
	}
	if want := `<html lang="` + wantLanguage + `"`; !strings.Contains(m.HTML, want) {
		t.Errorf("%s: HTML does not start with %s", m.Kind, want)
	}

	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != testSender || from[0].Name != "Ascent Total Performance" {
		t.Errorf("%s: From = %q (%v), want Ascent Total Performance <%s>", m.Kind, h.Get("From"), err, testSender)
	}
	if got, err := addresses(h, "To"); err != nil || !slices.Equal(got, wantTo) {
		t.Errorf("%s: To = %q (%v), want %q", m.Kind, got, err, wantTo)
	}
	if got, err := addresses(h, "Reply-To"); err != nil || !slices.Equal(got, wantReplyTo) {
		t.Errorf("%s: Reply-To = %q (%v), want %q", m.Kind, got, err, wantReplyTo)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("%s: Subject = %q (%v), want %q", m.Kind, subject, err, m.Subject)
	}
	if date, err := h.Date(); err != nil || !date.Equal(testNow) {
		t.Errorf("%s: Date = %v (%v), want %v", m.Kind, date, err, testNow)
	}
	if got, want := h.Get("Message-Id"), "<"+testMessageID+"@example.com>"; got != want {
		t.Errorf("%s: Message-ID = %q, want %q", m.Kind, got, want)
	}
	if got, want := h.Get("Mime-Version"), "1.0"; got != want {
		t.Errorf("%s: MIME-Version = %q, want %q", m.Kind, got, want)
	}

	// The patient's name is never in a header, not even as a display name.
	headerEnd := bytes.Index(raw, []byte("\r\n\r\n"))
	header := string(raw[:headerEnd])
	for _, s := range []string{r.FirstName, r.LastName} {
		if strings.Contains(header, s) {
			t.Errorf("%s: header contains the patient's name %q", m.Kind, s)
		}
	}

	checkBody(t, m, h.Get("Content-Type"), msg.Body)
}

// checkBody checks the MIME structure of a message's body: multipart/
// alternative with the text and the HTML part, or, for a message with an
// invitation, multipart/mixed holding that alternative with the
// invitation as a third part, followed by the invitation as an attachment.
func checkBody(t *testing.T, m Message, contentType string, body io.Reader) {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(contentType)
	wantType := "multipart/alternative"
	if m.Calendar != nil {
		wantType = "multipart/mixed"
	}
	if err != nil || mediaType != wantType {
		t.Fatalf("%s: Content-Type = %q (%v), want %s", m.Kind, contentType, err, wantType)
	}
	want := []struct{ mediaType, body string }{
		{"text/plain", m.Text},
		{"text/html", m.HTML},
	}
	var mixed *multipart.Reader
	if m.Calendar != nil {
		mixed = multipart.NewReader(body, params["boundary"])
		p, err := mixed.NextRawPart()
		if err != nil {
			t.Fatalf("%s: first part of the mixed body: %v", m.Kind, err)
		}
		mediaType, params, err = mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil || mediaType != "multipart/alternative" {
			t.Fatalf("%s: first part Content-Type = %q (%v), want multipart/alternative", m.Kind, p.Header.Get("Content-Type"), err)
		}
		body = p
		want = append(want, struct{ mediaType, body string }{"text/calendar", string(m.Calendar)})
	}
	mr := multipart.NewReader(body, params["boundary"])
	for i, want := range want {
		// NextRawPart leaves the transfer encoding for the test to undo.
		p, err := mr.NextRawPart()
		if err != nil {
			t.Fatalf("%s: part %d: %v", m.Kind, i+1, err)
		}
		mt, ps, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil || mt != want.mediaType || !strings.EqualFold(ps["charset"], "utf-8") {
			t.Errorf("%s: part %d Content-Type = %q, want %s; charset=utf-8", m.Kind, i+1, p.Header.Get("Content-Type"), want.mediaType)
		}
		if mt == "text/calendar" && (ps["method"] == "" || !bytes.Contains(m.Calendar, []byte("\r\nMETHOD:"+ps["method"]+"\r\n"))) {
			t.Errorf("%s: calendar part method=%q, want the invitation's METHOD", m.Kind, ps["method"])
		}
		if got := p.Header.Get("Content-Transfer-Encoding"); got != "quoted-printable" {
			t.Errorf("%s: part %d Content-Transfer-Encoding = %q, want quoted-printable", m.Kind, i+1, got)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(p))
		if err != nil {
			t.Fatalf("%s: part %d: %v", m.Kind, i+1, err)
		}
		// Every line ends in CRLF on the wire, whichever ends the field has.
		wantBody := strings.ReplaceAll(strings.ReplaceAll(want.body, "\r\n", "\n"), "\n", "\r\n")
		if got := string(body); got != wantBody {
			t.Errorf("%s: part %d decodes to something else than the %s field\n%s", m.Kind, i+1, want.mediaType, firstDifference(got, wantBody))
		}
	}
	if _, err := mr.NextRawPart(); err != io.EOF {
		t.Errorf("%s: want exactly %d alternatives, next part: %v", m.Kind, len(want), err)
	}
	if mixed == nil {
		return
	}
	p, err := mixed.NextRawPart()
	if err != nil {
		t.Fatalf("%s: no attachment after the body: %v", m.Kind, err)
	}
	if mt, ps, err := mime.ParseMediaType(p.Header.Get("Content-Type")); err != nil || mt != "application/ics" || ps["name"] != "invite.ics" {
		t.Errorf("%s: attachment Content-Type = %q, want application/ics; name=invite.ics", m.Kind, p.Header.Get("Content-Type"))
	}
	if d, ps, err := mime.ParseMediaType(p.Header.Get("Content-Disposition")); err != nil || d != "attachment" || ps["filename"] != "invite.ics" {
		t.Errorf("%s: attachment Content-Disposition = %q, want attachment; filename=invite.ics", m.Kind, p.Header.Get("Content-Disposition"))
	}
	if got := p.Header.Get("Content-Transfer-Encoding"); got != "base64" {
		t.Errorf("%s: attachment Content-Transfer-Encoding = %q, want base64", m.Kind, got)
	}
	attached, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, p))
	if err != nil {
		t.Fatalf("%s: attachment: %v", m.Kind, err)
	}
	if !bytes.Equal(attached, m.Calendar) {
		t.Errorf("%s: the attachment is not the invitation", m.Kind)
	}
	if _, err := mixed.NextRawPart(); err != io.EOF {
		t.Errorf("%s: want nothing after the attachment, next part: %v", m.Kind, err)
	}
}

func addresses(h mail.Header, key string) ([]string, error) {
	list, err := h.AddressList(key)
	var out []string
	for _, a := range list {
		if a.Name != "" {
			out = append(out, a.Name+" <"+a.Address+">")
			continue
		}
		out = append(out, a.Address)
	}
	return out, err
}

func TestNewComposerRejectsSettings(t *testing.T) {
	p := defaultProfile(t)
	tests := []struct {
		name     string
		settings Settings
	}{
		{"no sender", Settings{FrontDesk: testFrontDesk}},
		{"sender with name", Settings{Sender: "Clinic <appointments@example.com>", FrontDesk: testFrontDesk}},
		{"sender with space", Settings{Sender: " appointments@example.com", FrontDesk: testFrontDesk}},
		{"non-ASCII sender", Settings{Sender: "termine@bücher.example", FrontDesk: testFrontDesk}},
		{"no front desk", Settings{Sender: testSender}},
		{"front desk list in one", Settings{Sender: testSender, FrontDesk: []string{"a@example.com, b@example.com"}}},
		{"front desk header injection", Settings{Sender: testSender, FrontDesk: []string{"a@example.com\r\nBcc: x@example.com"}}},
		{"front desk non-ASCII local part", Settings{Sender: testSender, FrontDesk: []string{"empfang@example.com", "empfänger@example.com"}}},
		{"front desk look-alike domain", Settings{Sender: testSender, FrontDesk: []string{"frontdesk@ex\u0430mple.com"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewComposer(p, tt.settings); err == nil {
				t.Errorf("NewComposer(%+v) succeeded, want an error", tt.settings)
			}
		})
	}
}

// TestNewComposerRejectsLocationFrontDesk checks a location's own front
// desk by the same rule as the clinic-wide one, when the composer is made
// rather than when a request for that location arrives.
func TestNewComposerRejectsLocationFrontDesk(t *testing.T) {
	for _, addr := range []string{"nörth@example.com", "North <north@ex\u0430mple.com>", "north@ex_ample.com"} {
		p := twoSiteProfile(t)
		p.Locations[1].FrontDeskEmail = addr
		if _, err := NewComposer(p, Settings{Sender: testSender, FrontDesk: testFrontDesk}); err == nil {
			t.Errorf("NewComposer with location front desk %q succeeded, want an error", addr)
		}
	}
}

func TestComposeRejectsRequests(t *testing.T) {
	c := newTestComposer(t, defaultProfile(t))
	booking := appointment.TransitionEmail(appointment.EmailBooking, 1)
	tests := []struct {
		name   string
		kind   Kind
		change func(*appointment.Request)
	}{
		{"unknown kind", "reminder", func(*appointment.Request) {}},
		{"unknown transition kind", "invoice-1", func(*appointment.Request) {}},
		{"transition index with a leading zero", "booking-01", func(*appointment.Request) {}},
		{"negative transition index", "booking--1", func(*appointment.Request) {}},
		{"transition out of range", appointment.TransitionEmail(appointment.EmailBooking, 2), func(*appointment.Request) {}},
		{"transition far out of range", appointment.TransitionEmail(appointment.EmailBooking, 1<<40), func(*appointment.Request) {}},
		{"transition without history", booking, func(r *appointment.Request) { r.History = nil }},
		{"booking for a contact", appointment.TransitionEmail(appointment.EmailBooking, 0), func(*appointment.Request) {}},
		{"declined for a schedule", appointment.TransitionEmail(appointment.EmailDeclined, 1), func(*appointment.Request) {}},
		{"cancelled for a schedule", appointment.TransitionEmail(appointment.EmailCancelled, 1), func(*appointment.Request) {}},
		{"reminder for a contact", appointment.TransitionEmail(appointment.EmailReminder, 0), func(*appointment.Request) {}},
		{"reminder without a booking", appointment.TransitionEmail(appointment.EmailReminder, 1), func(r *appointment.Request) { r.History[1].Booking = nil }},
		{"reminder without a start", appointment.TransitionEmail(appointment.EmailReminder, 1), func(r *appointment.Request) { r.History[1].Booking.Start = time.Time{} }},
		{"reminder out of range", appointment.TransitionEmail(appointment.EmailReminder, 2), func(*appointment.Request) {}},
		{"cancel notice for a schedule", appointment.TransitionEmail(appointment.EmailCancelNotice, 1), func(*appointment.Request) {}},
		{"booking without a booking", booking, func(r *appointment.Request) { r.History[1].Booking = nil }},
		{"booking without a start", booking, func(r *appointment.Request) { r.History[1].Booking.Start = time.Time{} }},
		{"booking without a length", booking, func(r *appointment.Request) { r.History[1].Booking.Length = 0 }},
		{"booking without an ID", booking, func(r *appointment.Request) { r.ID = "" }},
		{"front desk without an ID", FrontDesk, func(r *appointment.Request) { r.ID = "" }},
		{"booking email with name", booking, func(r *appointment.Request) { r.Email = "Jordan <jordan@example.com>" }},
		{"email with name", Patient, func(r *appointment.Request) { r.Email = "Jordan <jordan@example.com>" }},
		{"email with header", FrontDesk, func(r *appointment.Request) { r.Email = "jordan@example.com\r\nBcc: x@example.com" }},
		{"email list", Patient, func(r *appointment.Request) { r.Email = "a@example.com,b@example.com" }},
		{"email non-ASCII local part", Patient, func(r *appointment.Request) { r.Email = "тест@example.com" }},
		{"email look-alike domain", FrontDesk, func(r *appointment.Request) { r.Email = "jordan@ex\u0430mple.com" }},
		{"no reference", Patient, func(r *appointment.Request) { r.Reference = "" }},
		{"reference with line break", FrontDesk, func(r *appointment.Request) { r.Reference = "K7M2\r\nBcc: x" }},
		{"phone not E.164", FrontDesk, func(r *appointment.Request) { r.Phone = "303-555-0123" }},
		{"unknown service", Patient, func(r *appointment.Request) { r.Service = "massage" }},
		{"unknown location", Patient, func(r *appointment.Request) { r.Location = "south" }},
		{"booking at an unknown location", booking, func(r *appointment.Request) { r.Location = "south" }},
		{"no creation time", Patient, func(r *appointment.Request) { r.CreatedAt = time.Time{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A request the front desk has contacted and then booked, so
			// that transition emails have a history to point into.
			r := scheduledRequest(t)
			tt.change(&r)
			_, err := c.Compose(tt.kind, r)
			if err == nil {
				t.Fatalf("Compose succeeded, want an error")
			}
			checkNoPatientDetails(t, err, r)
		})
	}
}

// checkNoPatientDetails checks that an error, which ends up in logs, holds
// nothing the patient or the front desk wrote about the patient.
func checkNoPatientDetails(t *testing.T, err error, r appointment.Request) {
	t.Helper()
	details := []string{r.FirstName, r.LastName, r.Email, r.Phone, r.PhoneExtension}
	details = append(details, strings.Split(r.Reason, "\n")...)
	for _, tr := range r.History {
		details = append(details, strings.Split(tr.Message, "\n")...)
		if tr.Booking != nil {
			details = append(details, tr.Booking.Clinician)
			details = append(details, strings.Split(tr.Booking.Note, "\n")...)
		}
	}
	for _, d := range details {
		if d = strings.TrimSpace(d); len(d) >= 3 && strings.Contains(err.Error(), d) {
			t.Errorf("error %q holds the patient detail %q", err, d)
		}
	}
}

func TestComposeDefaultsToOnlyLocation(t *testing.T) {
	c := newTestComposer(t, defaultProfile(t))
	r := completeRequest()
	r.Location = ""
	msg, err := c.Compose(FrontDesk, r)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := msg.Subject, "New appointment request K7M2-Q9XD: Dry needling, Ascent Total Performance"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
}

func TestComposeMessageIDIsRandom(t *testing.T) {
	c, err := NewComposer(defaultProfile(t), Settings{Sender: testSender, FrontDesk: testFrontDesk})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for range 3 {
		msg, err := c.Compose(Patient, completeRequest())
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(msg.Raw))
		if err != nil {
			t.Fatal(err)
		}
		id := m.Header.Get("Message-Id")
		if !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") || ids[id] {
			t.Errorf("Message-ID %q is malformed or repeated", id)
		}
		ids[id] = true
	}
}

// TestComposeInternationalDomain checks that an address at an
// internationalised domain leaves in the form Amazon SES takes, 7-bit ASCII
// with the domain in Punycode, while the front desk still reads it as the
// patient typed it.
func TestComposeInternationalDomain(t *testing.T) {
	p := twoSiteProfile(t)
	p.Locations[1].FrontDeskEmail = "Nord <Empfang@BÜCHER.example>"
	c, err := NewComposer(p, Settings{Sender: testSender, FrontDesk: []string{"Praxis@Bücher.example"}})
	if err != nil {
		t.Fatal(err)
	}
	c.now = func() time.Time { return testNow }
	c.newMessageID = func() string { return testMessageID }

	const typed, sent = "jordan@bücher.de", "jordan@xn--bcher-kva.de"
	tests := []struct {
		location      string
		wantFrontDesk string
	}{
		{"main", "Praxis@xn--bcher-kva.example"},
		{"north", "Empfang@xn--bcher-kva.example"},
	}
	for _, tt := range tests {
		t.Run(tt.location, func(t *testing.T) {
			r := completeRequest()
			r.Email = typed
			r.Location = tt.location
			patient, err := c.Compose(Patient, r)
			if err != nil {
				t.Fatal(err)
			}
			frontDesk, err := c.Compose(FrontDesk, r)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := patient.To, []string{sent}; !slices.Equal(got, want) {
				t.Errorf("patient To = %q, want %q", got, want)
			}
			if got, want := frontDesk.To, []string{tt.wantFrontDesk}; !slices.Equal(got, want) {
				t.Errorf("front desk To = %q, want %q", got, want)
			}
			checkRaw(t, patient, r, []string{sent}, []string{tt.wantFrontDesk})
			checkRaw(t, frontDesk, r, []string{tt.wantFrontDesk}, []string{sent})
			for _, m := range []Message{patient, frontDesk} {
				for _, a := range m.To {
					if strings.IndexFunc(a, func(r rune) bool { return r >= 0x80 }) >= 0 {
						t.Errorf("%s To %q is not ASCII", m.Kind, a)
					}
				}
				header := m.Raw[:bytes.Index(m.Raw, []byte("\r\n\r\n"))]
				if i := bytes.IndexFunc(header, func(r rune) bool { return r >= 0x80 }); i >= 0 {
					t.Errorf("%s header is not 7-bit ASCII at octet %d: %q", m.Kind, i, header)
				}
			}
			if !strings.Contains(frontDesk.Text, "Email: "+typed+"\n") {
				t.Errorf("front desk text does not show the address as typed, %q", typed)
			}
			if !strings.Contains(frontDesk.HTML, `href="mailto:`+sent+`"`) {
				t.Errorf("front desk mailto: link is not the ASCII form %q", sent)
			}
		})
	}
}

// TestComposeNamesAndAddressesTheEmail: every email about a request
// carries its identity, the request's ID and its own kind, for the sender
// to hand on, and goes to the recipient its kind has in the domain
// (appointment.EmailKind.Recipient): the patient alone, or the front desk
// and never the patient. The digest is about no single request.
func TestComposeNamesAndAddressesTheEmail(t *testing.T) {
	type wanted struct {
		name string
		c    *Composer
		kind Kind
		r    appointment.Request
	}
	var emails []wanted
	for _, tc := range composeCases() {
		for _, kind := range []Kind{Patient, FrontDesk, appointment.EmailBounceNotice} {
			emails = append(emails, wanted{string(kind) + "/" + tc.name, tc.composer(t), kind, tc.request})
		}
	}
	for _, tc := range transitionCases(t) {
		emails = append(emails, wanted{tc.name, tc.composer(t), tc.kind, tc.request})
	}
	for _, e := range emails {
		m, err := e.c.Compose(e.kind, e.r)
		if err != nil {
			t.Fatalf("%s: %v", e.name, err)
		}
		if m.RequestID != e.r.ID || m.Kind != e.kind {
			t.Errorf("%s: identity %q/%q, want %q/%q", e.name, m.RequestID, m.Kind, e.r.ID, e.kind)
		}
		patient, err := appointment.SESAddress(e.r.Email)
		if err != nil {
			t.Fatal(err)
		}
		recipient, _ := e.kind.Recipient()
		toPatient := slices.Contains(m.To, patient)
		if got, want := toPatient && len(m.To) == 1, recipient == appointment.RecipientPatient; got != want || (!want && toPatient) {
			t.Errorf("%s: To %q with the patient at %q; want the patient alone %v", e.name, m.To, patient, want)
		}
	}
	m, err := newTestComposer(t, defaultProfile(t)).ComposeDigest(fullDigest(3))
	if err != nil {
		t.Fatal(err)
	}
	if m.RequestID != "" || m.Kind != DigestKind {
		t.Errorf("digest identity %q/%q, want no request and %q", m.RequestID, m.Kind, DigestKind)
	}
}
