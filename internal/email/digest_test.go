package email

import (
	"bytes"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/testing/clinictest"
)

// digestAt is when the tests' digests are made: Monday, November 30,
// 8:00 AM MST, the default schedule's first run after the test requests
// came in.
var digestAt = time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)

// digestCase is a morning digest of some open requests.
type digestCase struct {
	name    string
	profile func(testing.TB) *clinic.Profile
	// requests are listed in this order, each marked overdue as
	// appointment.Request.Overdue says.
	requests    []appointment.Request
	wantSubject string
	noLinks     bool
	// days is the day sheet, if any; minimal composes in minimal mode.
	days    func(testing.TB) []DigestDay
	minimal bool
}

func digestCases(t testing.TB) []digestCase {
	// The complete request, contacted the day it came in.
	contacted := apply(t, completeRequest(), contactedAt, appointment.Command{Action: appointment.ActionContact})
	// The minimal request as the first versions stored it.
	legacy := minimalRequest()
	legacy.Status = "new"
	return []digestCase{
		// Overdue first; then a contacted request and one received on
		// Saturday evening, whose answer is due on Monday afternoon.
		{"complete", defaultProfile, []appointment.Request{minimalRequest(), contacted, notANameRequest()}, "Open requests: 3 (1 overdue)", false, nil, false},
		{"no-links", defaultProfile, []appointment.Request{legacy, contacted, notANameRequest()}, "Open requests: 3 (1 overdue)", true, nil, false},
		// A site with its own front desk: the digest still goes to the
		// clinic-wide one, who sees every site's requests.
		{"location", twoSiteProfile, []appointment.Request{minimalRequest(), completeRequest(), northRequest()}, "Open requests: 3 (2 overdue)", false, nil, false},
		{"none-overdue", defaultProfile, []appointment.Request{contacted, notANameRequest()}, "Open requests: 2", false, nil, false},
		// The day sheet beside an open request: today's appointments, and
		// none yet on the next clinic day.
		{"daysheet", defaultProfile, []appointment.Request{minimalRequest()}, "Open requests: 1 (1 overdue); 2 appointments today", false, daySheet, false},
		// The day sheet alone, in minimal mode: references, no names.
		{"daysheet-minimal", defaultProfile, nil, "2 appointments today, 1 on Tuesday", false, daySheetBothDays, true},
		// A Spanish-speaking clinic's digests, in Spanish; the requests
		// sent in English name their language.
		{"complete-es", clinictest.Spanish, []appointment.Request{sentInEnglish(minimalRequest()), contacted, notANameRequest()}, "Solicitudes abiertas: 3 (1 atrasada)", false, nil, false},
		{"daysheet-es", clinictest.Spanish, []appointment.Request{minimalRequest()}, "Solicitudes abiertas: 1 (1 atrasada); 2 citas hoy", false, daySheetEnglishPatient, false},
		{"daysheet-minimal-es", clinictest.Spanish, nil, "2 citas hoy, 1 el martes", false, daySheetBothDays, true},
	}
}

// daySheetEnglishPatient is daySheet with its first appointment's
// request sent in English.
func daySheetEnglishPatient(t testing.TB) []DigestDay {
	days := daySheet(t)
	days[0].Appointments[0].Request = sentInEnglish(days[0].Appointments[0].Request)
	return days
}

// daySheetStart is 9:00 AM MST on the digest's day.
var daySheetStart = time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC)

// booked is r scheduled at start for 45 minutes with the clinician.
func booked(t testing.TB, r appointment.Request, start time.Time, clinician string) DigestAppointment {
	b := &appointment.Booking{Start: start, Length: 45 * time.Minute, Clinician: clinician}
	r = apply(t, r, scheduledAt, appointment.Command{Action: appointment.ActionSchedule, Booking: b, OutsideHours: true})
	return DigestAppointment{Request: r, Booking: *r.Booking}
}

// daySheet has two appointments today and none on Tuesday.
func daySheet(t testing.TB) []DigestDay {
	return []DigestDay{
		{Day: daySheetStart.Add(-16 * time.Hour).Add(7 * time.Hour), Appointments: []DigestAppointment{
			booked(t, completeRequest(), daySheetStart, "Dr. Sam Ortiz, DPT"),
			booked(t, notANameRequest(), daySheetStart.Add(5*time.Hour+30*time.Minute), ""),
		}},
		{Day: daySheetStart.Add(8 * time.Hour).Add(7 * time.Hour)},
	}
}

// daySheetBothDays has two appointments today and one on Tuesday.
func daySheetBothDays(t testing.TB) []DigestDay {
	days := daySheet(t)
	days[1].Appointments = []DigestAppointment{booked(t, minimalRequest(), daySheetStart.Add(24*time.Hour), "Dr. Sam Ortiz, DPT")}
	return days
}

func (tc digestCase) composer(t testing.TB) *Composer {
	t.Helper()
	s := Settings{Sender: testSender, FrontDesk: testFrontDesk, Links: testLinks}
	if tc.noLinks {
		s.Links = nil
	}
	if tc.minimal {
		s.StaffDetail = StaffDetailMinimal
	}
	return newTestComposerWith(t, tc.profile(t), s)
}

func (tc digestCase) digest(t testing.TB) Digest {
	p := tc.profile(t)
	d := Digest{At: digestAt}
	for _, r := range tc.requests {
		d.Entries = append(d.Entries, DigestEntry{Request: r, Overdue: r.Overdue(p, digestAt)})
	}
	if tc.days != nil {
		d.Days = tc.days(t)
	}
	return d
}

func TestComposeDigestGolden(t *testing.T) {
	for _, tc := range digestCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			msg, err := tc.composer(t).ComposeDigest(tc.digest(t))
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "digest-"+tc.name+".html", msg.HTML)
			checkGolden(t, "digest-"+tc.name+".txt", msg.Text)
		})
	}
}

func TestComposeDigestMessage(t *testing.T) {
	for _, tc := range digestCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.digest(t)
			m, err := tc.composer(t).ComposeDigest(d)
			if err != nil {
				t.Fatal(err)
			}
			if m.Kind != DigestKind || m.From != testSender || !slices.Equal(m.To, testFrontDesk) {
				t.Errorf("Kind %q, From %q, To %q; want the digest from %s to the clinic-wide front desk %q", m.Kind, m.From, m.To, testSender, testFrontDesk)
			}
			if m.Subject != tc.wantSubject {
				t.Errorf("Subject = %q, want %q", m.Subject, tc.wantSubject)
			}

			msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for k := range msg.Header {
				names = append(names, k)
			}
			slices.Sort(names)
			// No Reply-To: there is no one patient to answer.
			if want := []string{"Content-Language", "Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To"}; !slices.Equal(names, want) {
				t.Errorf("header fields %q, want %q", names, want)
			}
			header := string(m.Raw[:bytes.Index(m.Raw, []byte("\r\n\r\n"))])
			checkBody(t, m, msg.Header.Get("Content-Type"), msg.Body)

			for _, e := range d.Entries {
				r := e.Request
				for _, part := range []string{m.Text, m.HTML} {
					if !strings.Contains(part, r.Reference) {
						t.Errorf("digest does not list %s", r.Reference)
					}
				}
				// Name and phone, to call back; nothing else the patient
				// wrote about themselves.
				for _, line := range append(strings.Split(r.Reason, "\n"), r.Email) {
					if line = strings.TrimSpace(line); line != "" && (strings.Contains(m.Text, line) || strings.Contains(m.HTML, htmlEscape(line))) {
						t.Errorf("digest shows %q of %s", line, r.Reference)
					}
				}
				for _, s := range []string{r.FirstName, r.LastName, r.Reference} {
					if strings.Contains(header, s) {
						t.Errorf("header contains %q", s)
					}
				}
			}
		})
	}
}

// TestComposeDigestOrderAndLinks: overdue requests come under their own
// heading before the rest, each part in the order given, and each request
// carries the links its status allows.
func TestComposeDigestOrderAndLinks(t *testing.T) {
	tc := digestCases(t)[0]
	m, err := tc.composer(t).ComposeDigest(tc.digest(t))
	if err != nil {
		t.Fatal(err)
	}
	overdue, contacted, received := tc.requests[0], tc.requests[1], tc.requests[2]
	for _, part := range []struct{ body, overdueHeading, openHeading string }{
		{m.Text, "\nOVERDUE\n", "\nOPEN\n"},
		{m.HTML, ">Overdue</h2>", ">Open</h2>"},
	} {
		var at []int
		for _, s := range []string{part.overdueHeading, overdue.Reference, part.openHeading, contacted.Reference, received.Reference} {
			at = append(at, strings.Index(part.body, s))
		}
		if !slices.IsSorted(at) || at[0] < 0 {
			t.Errorf("not the overdue heading and request, then the open heading and the rest oldest first (at %v):\n%s", at, part.body)
		}
	}
	for _, tt := range []struct {
		r    appointment.Request
		want []appointment.Action
	}{
		{overdue, []appointment.Action{appointment.ActionContact, appointment.ActionSchedule, appointment.ActionDecline}},
		{contacted, []appointment.Action{appointment.ActionSchedule, appointment.ActionDecline}},
		{received, []appointment.Action{appointment.ActionContact, appointment.ActionSchedule, appointment.ActionDecline}},
	} {
		for _, a := range appointment.Actions {
			link := testLinks(tt.r.ID, a)
			if got, want := strings.Contains(m.Text, link), slices.Contains(tt.want, a); got != want {
				t.Errorf("%s: %s link shown: %v, want %v", tt.r.Reference, a, got, want)
			}
		}
	}
	for _, want := range []string{"Not answered yet; the answer was due by Tuesday, November 24 at 3:00 PM MST", "Contacted Friday, November 27 at 10:00 AM MST",
		"Not answered yet; answer by Monday, November 30 at 3:00 PM MST", "Received Monday, November 23 at 10:00 PM MST, 6 days ago"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
}

// TestComposeDigestLongList: past MaxDigestEntries the digest says how
// many more are open instead of listing them, and stays within the size
// Gmail shows unclipped.
func TestComposeDigestLongList(t *testing.T) {
	c := newTestComposer(t, defaultProfile(t))
	const open = 3 * MaxDigestEntries
	m, err := c.ComposeDigest(fullDigest(open))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("Open requests: %d (5 overdue)", open); m.Subject != want {
		t.Errorf("Subject = %q, want %q", m.Subject, want)
	}
	if n := strings.Count(m.Text, "\nPhone: "); n != MaxDigestEntries {
		t.Errorf("text lists %d requests, want %d", n, MaxDigestEntries)
	}
	if want := fmt.Sprintf("%d more open requests are not listed here", open-MaxDigestEntries); !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
		t.Errorf("digest does not say %q", want)
	}
	if strings.Contains(m.Text, fmt.Sprintf("req%03d", MaxDigestEntries)) {
		t.Error("a request past the limit is listed")
	}
	if size := len(m.HTML); size > 100*1000 {
		t.Errorf("HTML of a full digest is %d bytes, want at most 100 KB", size)
	}
}

// fullDigest lists n requests, the first 5 overdue, each with the longest
// name, number and labels the tests have.
func fullDigest(n int) Digest {
	d := Digest{At: digestAt}
	for i := range n {
		r := northRequest()
		r.Location = "main"
		r.Reference = notANameRequest().Reference
		r.ID = fmt.Sprintf("req%03d", i)
		r.CreatedAt = notANameRequest().CreatedAt.Add(time.Duration(i) * time.Minute)
		d.Entries = append(d.Entries, DigestEntry{Request: r, Overdue: i < 5})
	}
	return d
}

func TestComposeDigestRejects(t *testing.T) {
	scheduled := scheduledRequest(t)
	noID := completeRequest()
	noID.ID = ""
	tests := []struct {
		name     string
		digest   Digest
		settings func(*Settings)
	}{
		{"no time", Digest{Entries: []DigestEntry{{Request: completeRequest()}}}, nil},
		{"no requests", Digest{At: digestAt}, nil},
		{"scheduled request", Digest{At: digestAt, Entries: []DigestEntry{{Request: completeRequest()}, {Request: scheduled}}}, nil},
		{"no creation time", Digest{At: digestAt, Entries: []DigestEntry{{Request: appointment.Request{ID: "x", Status: appointment.StatusReceived}}}}, nil},
		{"no ID for the links", Digest{At: digestAt, Entries: []DigestEntry{{Request: noID}}}, nil},
		{"relative links", Digest{At: digestAt, Entries: []DigestEntry{{Request: completeRequest()}}}, func(s *Settings) {
			s.Links = func(id string, a appointment.Action) string { return "/manage/" + string(a) + "/t" }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Settings{Sender: testSender, FrontDesk: testFrontDesk, Links: testLinks}
			if tt.settings != nil {
				tt.settings(&s)
			}
			_, err := newTestComposerWith(t, defaultProfile(t), s).ComposeDigest(tt.digest)
			if err == nil {
				t.Fatal("ComposeDigest succeeded, want an error")
			}
			for _, e := range tt.digest.Entries {
				checkNoPatientDetails(t, err, e.Request)
			}
		})
	}
}

// TestComposeDigestStaleProfile: a request whose service and location the
// profile no longer has is still listed, by their IDs, so that it cannot
// hold back the digest of every other request.
func TestComposeDigestStaleProfile(t *testing.T) {
	r := completeRequest()
	r.Service, r.Location = "massage", "south"
	m, err := newTestComposer(t, defaultProfile(t)).ComposeDigest(Digest{At: digestAt, Entries: []DigestEntry{{Request: r}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "\nmassage, south\n") {
		t.Errorf("text does not list the request by its service and location IDs:\n%s", m.Text)
	}
}

// TestComposeRefusesDigestKind: the digest is about no single request, so
// Compose does not make it.
func TestComposeRefusesDigestKind(t *testing.T) {
	if _, err := newTestComposer(t, defaultProfile(t)).Compose(DigestKind, completeRequest()); err == nil {
		t.Error("Compose(DigestKind) succeeded, want an error")
	}
}

func TestAgeWords(t *testing.T) {
	tests := []struct {
		age  time.Duration
		want string
	}{
		{-time.Minute, "just now"},
		{30 * time.Second, "just now"},
		{time.Minute, "1 minute ago"},
		{59 * time.Minute, "59 minutes ago"},
		{time.Hour, "1 hour ago"},
		{5*time.Hour + 59*time.Minute, "5 hours ago"},
		{23 * time.Hour, "23 hours ago"},
		{24 * time.Hour, "1 day ago"},
		{47 * time.Hour, "1 day ago"},
		{3*24*time.Hour + 5*time.Hour, "3 days ago"},
	}
	for _, tt := range tests {
		if got := ageWords(i18n.English, tt.age); got != tt.want {
			t.Errorf("ageWords(%v) = %q, want %q", tt.age, got, tt.want)
		}
	}
	for age, want := range map[time.Duration]string{
		30 * time.Second: "hace un momento",
		time.Minute:      "hace 1 minuto",
		59 * time.Minute: "hace 59 minutos",
		time.Hour:        "hace 1 hora",
		23 * time.Hour:   "hace 23 horas",
		47 * time.Hour:   "hace 1 día",
		75 * time.Hour:   "hace 3 días",
	} {
		if got := ageWords(i18n.Spanish, age); got != want {
			t.Errorf("ageWords(es, %v) = %q, want %q", age, got, want)
		}
	}
}
