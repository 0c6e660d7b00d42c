package appointment

import (
	"testing"
	"time"
)

// step is a command and the time it is given at.
type step struct {
	c  Command
	at time.Time
}

// apply applies the commands in order, each at its time, and fails the
// test on a refusal.
func apply(t *testing.T, r Request, steps ...step) Request {
	t.Helper()
	for _, s := range steps {
		var err error
		if r, _, err = r.Apply(s.c, s.at); err != nil {
			t.Fatalf("%s at %v: %v", s.c.Action, s.at, err)
		}
	}
	return r
}

func schedule(start time.Time) Command {
	return Command{Action: ActionSchedule, Audience: AudienceFrontDesk, Booking: booking(start)}
}

func reschedule(start time.Time) Command {
	return Command{Action: ActionReschedule, Audience: AudienceFrontDesk, Booking: booking(start)}
}

// TestReminder: one reminder per booking, of the latest booking, due from
// the reminder time until the appointment begins; none for a booking made
// inside the window, none once the booking is cancelled or attended, none
// when reminders are off.
func TestReminder(t *testing.T) {
	const before = 24 * time.Hour
	now := lifecycleNow
	start := now.Add(72 * time.Hour)
	received := Request{ID: "r", Status: StatusReceived}
	tests := []struct {
		name     string
		r        Request
		before   time.Duration
		wantKind EmailKind // empty: no reminder
		wantAt   time.Time
	}{
		{"booked ahead", apply(t, received, step{schedule(start), now}), before, "reminder-0", start.Add(-before)},
		{"contacted, then booked", apply(t, received,
			step{Command{Action: ActionContact, Audience: AudienceFrontDesk}, now},
			step{schedule(start), now}), before, "reminder-1", start.Add(-before)},
		{"booked at the last moment before the window", apply(t, received, step{schedule(start), start.Add(-before - time.Millisecond)}), before, "reminder-0", start.Add(-before)},
		{"booked as the window opens", apply(t, received, step{schedule(start), start.Add(-before)}), before, "", time.Time{}},
		{"booked inside the window", apply(t, received, step{schedule(start), start.Add(-2 * time.Hour)}), before, "", time.Time{}},
		{"moved later", apply(t, received, step{schedule(start), now}, step{reschedule(start.Add(48 * time.Hour)), now.Add(time.Hour)}), before, "reminder-1", start.Add(48*time.Hour - before)},
		{"moved into the window", apply(t, received, step{schedule(start), now}, step{reschedule(start.Add(-60 * time.Hour)), now.Add(time.Hour)}), before, "", time.Time{}},
		{"cancelled by the patient", apply(t, received, step{schedule(start), now}, step{Command{Action: ActionCancel, Audience: AudiencePatient}, now.Add(time.Hour)}), before, "", time.Time{}},
		{"cancelled by the front desk", apply(t, received, step{schedule(start), now}, step{Command{Action: ActionCancelBooking, Audience: AudienceFrontDesk}, now.Add(time.Hour)}), before, "", time.Time{}},
		{"attended", apply(t, received, step{schedule(start), now}, step{Command{Action: ActionAttended, Audience: AudienceFrontDesk}, start.Add(time.Minute)}), before, "", time.Time{}},
		{"reminders off", apply(t, received, step{schedule(start), now}), 0, "", time.Time{}},
		{"open request", received, before, "", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := tt.r.Reminder(tt.before)
			if ok != (tt.wantKind != "") {
				t.Fatalf("Reminder() = %+v, %t; want a reminder: %t", m, ok, tt.wantKind != "")
			}
			if !ok {
				return
			}
			if m.Kind != tt.wantKind || !m.At.Equal(tt.wantAt) || !m.Start.Equal(tt.r.Booking.Start) {
				t.Errorf("Reminder() = %+v, want kind %s at %v for the start %v", m, tt.wantKind, tt.wantAt, tt.r.Booking.Start)
			}
			if !m.Kind.ToPatient() {
				t.Errorf("%s does not go to the patient", m.Kind)
			}
			if n, latestOnly := m.Kind.LatestOnly(); !latestOnly || n != len(tt.r.History) {
				t.Errorf("%s.LatestOnly() = %d, %t; want %d, true", m.Kind, n, latestOnly, len(tt.r.History))
			}
		})
	}
}

// TestReminderDue: due from its time, both ends as the rule says, until
// the appointment begins and not after.
func TestReminderDue(t *testing.T) {
	start := lifecycleNow.Add(24 * time.Hour)
	m := Reminder{Kind: "reminder-0", At: lifecycleNow, Start: start}
	for _, tt := range []struct {
		at   time.Time
		want bool
	}{
		{lifecycleNow.Add(-time.Millisecond), false},
		{lifecycleNow, true},
		{start.Add(-time.Millisecond), true},
		{start, false},
		{start.Add(time.Hour), false},
	} {
		if got := m.Due(tt.at); got != tt.want {
			t.Errorf("Due(%v) = %t, want %t", tt.at, got, tt.want)
		}
	}
}

// TestLatestOnly: only reminders are tied to the latest change; the other
// emails of a transition go whatever happened after.
func TestLatestOnly(t *testing.T) {
	for _, tt := range []struct {
		kind EmailKind
		n    int
		ok   bool
	}{
		{"reminder-0", 1, true},
		{"reminder-4", 5, true},
		{"booking-0", 0, false},
		{"cancelled-3", 0, false},
		{EmailPatient, 0, false},
		{"reminder", 0, false},
		{"reminder-x", 0, false},
	} {
		if n, ok := tt.kind.LatestOnly(); n != tt.n || ok != tt.ok {
			t.Errorf("%q.LatestOnly() = %d, %t; want %d, %t", tt.kind, n, ok, tt.n, tt.ok)
		}
	}
}

// TestEmailKindBase: a transition's email is named by its base kind
// without its place in the history; any other kind is itself.
func TestEmailKindBase(t *testing.T) {
	for _, tt := range []struct{ kind, want EmailKind }{
		{"reminder-2", EmailReminder},
		{"booking-0", EmailBooking},
		{"deskInvite-11", EmailDeskInvite},
		{EmailPatient, EmailPatient},
		{"digest", "digest"},
		{"reminder-x", "reminder-x"},
	} {
		if got := tt.kind.Base(); got != tt.want {
			t.Errorf("%q.Base() = %q, want %q", tt.kind, got, tt.want)
		}
	}
}
