package digest

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/email"
)

// scheduled is a request booked at start for an hour, with the booking
// in its history only, as the status index holds it.
func scheduled(id string, start time.Time) appointment.Request {
	r := request(id, appointment.StatusScheduled, start.Add(-10*24*time.Hour))
	r.History = []appointment.Transition{{Action: appointment.ActionSchedule, From: appointment.StatusReceived, To: appointment.StatusScheduled,
		At: r.CreatedAt.Add(time.Hour), Booking: &appointment.Booking{Start: start, Length: time.Hour}}}
	return r
}

// daySheetOf is each day of the sheet with the IDs booked on it.
func daySheetOf(days []email.DigestDay) []string {
	var out []string
	for _, d := range days {
		s := d.Day.Format("Mon Jan 2") + ":"
		for _, a := range d.Appointments {
			s += " " + a.Request.ID
		}
		out = append(out, s)
	}
	return out
}

// TestDaySheet: today and the next clinic day, by the profile's opening
// hours in the clinic's zone, are always listed; a closed day between
// them only when something is booked on it; each day's appointments in
// the order of their start, and only those of scheduled requests.
func TestDaySheet(t *testing.T) {
	p := profile(t)
	rescheduled := scheduled("rescheduled", at(t, 12, 1, 9, 0))
	rescheduled.History = append(rescheduled.History, appointment.Transition{Action: appointment.ActionReschedule,
		From: appointment.StatusScheduled, To: appointment.StatusScheduled, Booking: &appointment.Booking{Start: at(t, 12, 7, 8, 0), Length: time.Hour, Sequence: 1}})
	cancelled := scheduled("cancelled", at(t, 12, 7, 9, 0))
	cancelled.Status = appointment.StatusCancelled
	withBooking := request("with-booking", appointment.StatusScheduled, at(t, 11, 20, 9, 0))
	withBooking.Booking = &appointment.Booking{Start: at(t, 12, 5, 11, 0), Length: time.Hour}
	requests := []appointment.Request{
		scheduled("friday", at(t, 12, 4, 16, 0)),
		scheduled("saturday", at(t, 12, 5, 9, 0)),
		withBooking,
		scheduled("sunday", at(t, 12, 6, 10, 0)),
		scheduled("monday-late", at(t, 12, 7, 7, 30)),
		scheduled("monday-early", at(t, 12, 7, 7, 0)),
		rescheduled,
		cancelled,
		scheduled("tuesday", at(t, 12, 8, 9, 0)),
		request("no-booking", appointment.StatusScheduled, at(t, 11, 20, 9, 0)),
	}
	tests := []struct {
		name string
		now  time.Time
		want []string
	}{
		// Friday: Saturday is a clinic day; Sunday and Monday wait.
		{"friday", at(t, 12, 4, 8, 0), []string{"Fri Dec 4: friday", "Sat Dec 5: saturday with-booking"}},
		// Saturday, from the local server's button: Sunday is closed but
		// has an appointment, then Monday.
		{"saturday", at(t, 12, 5, 8, 0), []string{"Sat Dec 5: saturday with-booking", "Sun Dec 6: sunday", "Mon Dec 7: monday-early monday-late rescheduled"}},
		// Late in the evening, in Denver: already the next day in UTC.
		{"thursday evening", at(t, 12, 3, 22, 30), []string{"Thu Dec 3:", "Fri Dec 4: friday"}},
		// Monday: today's appointments, the earlier one already past.
		{"monday afternoon", at(t, 12, 7, 13, 0), []string{"Mon Dec 7: monday-early monday-late rescheduled", "Tue Dec 8: tuesday"}},
	}
	for _, tt := range tests {
		if got := daySheetOf(DaySheet(p, requests, tt.now)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: day sheet %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestSendsForAppointmentsAlone: with no request open but an appointment
// on the day sheet, the digest goes, once a day, with the day sheet.
func TestSendsForAppointmentsAlone(t *testing.T) {
	w := newWorld(t,
		scheduled("today", at(t, 11, 30, 10, 0)),
		scheduled("tomorrow", at(t, 12, 1, 9, 0)),
		scheduled("next-week", at(t, 12, 7, 9, 0)),
		request("declined", appointment.StatusDeclined, at(t, 11, 20, 9, 0)),
	)
	ctx := context.Background()
	for i, now := range []time.Time{at(t, 11, 30, 8, 0), at(t, 11, 30, 9, 0)} {
		sent, err := w.h.Send(ctx, now)
		if err != nil || sent != (i == 0) {
			t.Fatalf("send %d: sent %v, %v", i+1, sent, err)
		}
	}
	if len(w.outbox.sent) != 1 {
		t.Fatalf("%d digests sent, want 1", len(w.outbox.sent))
	}
	d := w.composer.digests[0]
	if len(d.Entries) != 0 {
		t.Errorf("digest lists %v, want no open requests", ids(d))
	}
	if got, want := daySheetOf(d.Days), []string{"Mon Nov 30: today", "Tue Dec 1: tomorrow"}; !slices.Equal(got, want) {
		t.Errorf("day sheet %q, want %q", got, want)
	}
	raw := w.outbox.sent[0]
	if !bytes.Contains(raw, []byte("Subject: 1 appointment today, 1 on Tuesday")) {
		t.Errorf("digest subject:\n%s", raw[:bytes.Index(raw, []byte("\r\n\r\n"))])
	}
	for _, link := range []string{"https://api.example.com/manage/reschedule/today", "https://api.example.com/manage/reschedule/tomorrow"} {
		if !bytes.Contains(raw, []byte(link)) {
			t.Errorf("digest does not carry %s", link)
		}
	}
	if !slices.Contains(w.store.listed, appointment.StatusScheduled) {
		t.Errorf("listed statuses %q, want scheduled among them", w.store.listed)
	}
	if !strings.Contains(w.log.String(), `"appointments":2`) {
		t.Errorf("log does not count the appointments:\n%s", w.log)
	}
}

// TestNoDigestForPastAppointments: a scheduled request whose appointment
// is past, or after the next clinic day, sends no digest.
func TestNoDigestForPastAppointments(t *testing.T) {
	w := newWorld(t, scheduled("last-week", at(t, 11, 23, 9, 0)), scheduled("next-week", at(t, 12, 7, 9, 0)))
	if sent, err := w.h.Send(context.Background(), at(t, 11, 30, 8, 0)); err != nil || sent {
		t.Fatalf("sent %v, %v; want nothing", sent, err)
	}
	if len(w.outbox.sent) != 0 || len(w.store.counts) != 0 {
		t.Errorf("sent %d, counted %v", len(w.outbox.sent), w.store.counts)
	}
}
