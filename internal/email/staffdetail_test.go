package email

import (
	"bytes"
	"net/mail"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
)

// TestUnknownStaffDetail: a detail other than full and minimal is refused.
func TestUnknownStaffDetail(t *testing.T) {
	if _, err := NewComposer(defaultProfile(t), Settings{Sender: testSender, FrontDesk: testFrontDesk, StaffDetail: "partial"}); err == nil {
		t.Error("NewComposer accepted an unknown staff detail")
	}
}

func minimalStaffComposer(t testing.TB) *Composer {
	t.Helper()
	return newTestComposerWith(t, defaultProfile(t), Settings{Sender: testSender, FrontDesk: testFrontDesk, Links: testLinks, StaffDetail: StaffDetailMinimal})
}

// staffMinimalMessages renders every kind of email to the front desk in
// minimal mode, for r, its cancellation, the front desk's copy of its
// invitation, a digest listing it and a day sheet with its appointment.
func staffMinimalMessages(t *testing.T, r appointment.Request) map[string]Message {
	t.Helper()
	c := minimalStaffComposer(t)
	scheduled := apply(t, apply(t, r, contactedAt, appointment.Command{Action: appointment.ActionContact}),
		scheduledAt, appointment.Command{Action: appointment.ActionSchedule, Booking: firstBooking(t)})
	contacted := apply(t, r, contactedAt, appointment.Command{Action: appointment.ActionContact})
	contacted.ID, contacted.Reference = "req9", "B3C4-D5E6"

	out := deskEmailMessages(t, c, r)
	var err error
	if out["deskinvite"], err = c.Compose(appointment.TransitionEmail(appointment.EmailDeskInvite, len(scheduled.History)-1), scheduled); err != nil {
		t.Fatal(err)
	}
	b := *scheduled.Booking
	day := time.Date(b.Start.Year(), b.Start.Month(), b.Start.Day(), 0, 0, 0, 0, denver(t))
	if out["daysheet"], err = c.ComposeDigest(Digest{At: day.Add(8 * time.Hour), Days: []DigestDay{
		{Day: day, Appointments: []DigestAppointment{{Request: scheduled, Booking: b}}},
	}}); err != nil {
		t.Fatal(err)
	}
	p := defaultProfile(t)
	if out["digest"], err = c.ComposeDigest(Digest{At: digestAt, Entries: []DigestEntry{
		{Request: r, Overdue: r.Overdue(p, digestAt)},
		{Request: contacted, Overdue: contacted.Overdue(p, digestAt)},
	}}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestComposeStaffMinimalGolden(t *testing.T) {
	for name, msg := range staffMinimalMessages(t, completeRequest()) {
		checkGolden(t, name+"-staff-minimal.html", msg.HTML)
		checkGolden(t, name+"-staff-minimal.txt", msg.Text)
	}
}

// TestComposeStaffMinimalLeavesOutPatient renders every email to the
// front desk in minimal mode for a request full of distinctive values and
// checks that none of them is anywhere in the message, headers included.
func TestComposeStaffMinimalLeavesOutPatient(t *testing.T) {
	r := completeRequest()
	r.FirstName = "Quillonfirst"
	r.LastName = "Zephyrlast"
	r.Email = "sentinel.mailbox@sentinel-domain.example"
	r.Phone = "+13035550177"
	r.PhoneExtension = "8642"
	r.Reason = "Xylophonic reason sentence"
	r.CreatedAt = time.Date(2026, 11, 27, 16, 30, 0, 0, time.UTC)
	sentinels := []string{
		"Quillonfirst", "Zephyrlast", "sentinel.mailbox", "sentinel-domain",
		"5550177", "555-0177", "555 0177", "8642", "Xylophonic",
		// Labels of the details left out.
		"Preferred times", "Contact preference", "New patient", "Phone:", "Email:", "mailto:", "tel:",
	}
	for name, msg := range staffMinimalMessages(t, r) {
		header, body, _ := bytes.Cut(msg.Raw, []byte("\r\n\r\n"))
		for _, part := range []struct{ where, text string }{
			{"raw message", string(msg.Raw)},
			{"subject", msg.Subject},
			{"text part", msg.Text},
			{"HTML part", msg.HTML},
			{"body", string(body)},
			{"invitation", string(msg.Calendar)},
		} {
			// An invitation's organizer and attendees are the clinic's
			// own addresses, written as mailto: URIs; only those may be.
			text := part.text
			for _, a := range append([]string{testSender}, testFrontDesk...) {
				text = strings.ReplaceAll(text, "mailto:"+a, "")
			}
			for _, s := range sentinels {
				if strings.Contains(text, s) {
					t.Errorf("%s: the %s contains %q", name, part.where, s)
				}
			}
		}
		if strings.Contains(strings.ToLower(string(header)), "reply-to") {
			t.Errorf("%s: minimal mode has a Reply-To header", name)
		}
		m, err := mail.ReadMessage(bytes.NewReader(msg.Raw))
		if err != nil {
			t.Fatal(err)
		}
		if m.Header.Get("Reply-To") != "" {
			t.Errorf("%s: Reply-To = %q", name, m.Header.Get("Reply-To"))
		}
	}
	// The reference, service and location are what the front desk goes by.
	msgs := staffMinimalMessages(t, r)
	for _, name := range []string{"frontdesk", "digest"} {
		for _, want := range []string{r.Reference, "Dry needling", "Open the request", testLinkBase + "contact/TOKEN-req1"} {
			if !strings.Contains(msgs[name].Text, want) {
				t.Errorf("%s text lacks %q", name, want)
			}
		}
	}
	if !strings.Contains(msgs["cancelnotice"].Text, "is now free") {
		t.Error("the cancel notice does not say which time is free")
	}
}
