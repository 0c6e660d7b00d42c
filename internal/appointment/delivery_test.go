package appointment

import (
	"fmt"
	"testing"
	"time"
)

func TestDeliveryClaimable(t *testing.T) {
	now := time.Date(2026, 11, 27, 16, 30, 0, 0, time.UTC)
	tests := []struct {
		name string
		d    Delivery
		want bool
	}{
		{"never tried", Delivery{}, true},
		{"lease running", Delivery{State: DeliverySending, LeaseUntil: now.Add(time.Second)}, false},
		{"lease ends now", Delivery{State: DeliverySending, LeaseUntil: now}, false},
		{"lease ran out", Delivery{State: DeliverySending, LeaseUntil: now.Add(-time.Millisecond)}, true},
		{"sent", Delivery{State: DeliverySent, LeaseUntil: now.Add(-time.Hour)}, false},
		{"failed", Delivery{State: DeliveryFailed}, false},
	}
	for _, tt := range tests {
		if got := tt.d.Claimable(now); got != tt.want {
			t.Errorf("%s: Claimable() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestTransitionEmailKinds(t *testing.T) {
	k := TransitionEmail(EmailBooking, 2)
	if k != "booking-2" {
		t.Errorf("TransitionEmail() = %q", k)
	}
	if base, i, ok := k.Transition(); base != EmailBooking || i != 2 || !ok {
		t.Errorf("Transition() = %q, %d, %v", base, i, ok)
	}
	for _, k := range []EmailKind{EmailPatient, EmailFrontDesk, "booking", "booking-", "booking-x", "booking--1", "booking-01", "other-1"} {
		if _, _, ok := k.Transition(); ok {
			t.Errorf("%q read as a transition email", k)
		}
	}
	booked := &Booking{Start: time.Now(), Length: time.Hour}
	tests := []struct {
		t    Transition
		want string
	}{
		{Transition{Action: ActionContact, To: StatusContacted}, "[]"},
		{Transition{Action: ActionSchedule, To: StatusScheduled, Booking: booked}, "[booking deskInvite]"},
		{Transition{Action: ActionReschedule, To: StatusScheduled, Booking: booked}, "[booking deskInvite]"},
		{Transition{Action: ActionDecline, To: StatusDeclined}, "[declined]"},
		{Transition{Action: ActionCancel, To: StatusCancelled}, "[cancelNotice]"},
		{Transition{Action: ActionCancel, To: StatusCancelled, Booking: booked}, "[cancelNotice cancelled deskInvite]"},
		// Any cancelling of a booked appointment removes it from the
		// clinic's calendar, whatever action did it.
		{Transition{Action: "deskCancel", To: StatusCancelled, Booking: booked}, "[deskInvite]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(TransitionEmails(tt.t)); got != tt.want {
			t.Errorf("TransitionEmails(%s) = %s, want %s", tt.t.Action, got, tt.want)
		}
	}
}

// TestEmailRecipient: each kind of email a request calls for goes to one
// recipient, decided here; a kind no request calls for has none.
func TestEmailRecipient(t *testing.T) {
	tests := []struct {
		kind   EmailKind
		want   Recipient
		wantOK bool
	}{
		{EmailPatient, RecipientPatient, true},
		{EmailFrontDesk, RecipientFrontDesk, true},
		{EmailBounceNotice, RecipientFrontDesk, true},
		{TransitionEmail(EmailBooking, 0), RecipientPatient, true},
		{TransitionEmail(EmailDeclined, 1), RecipientPatient, true},
		{TransitionEmail(EmailCancelled, 2), RecipientPatient, true},
		{TransitionEmail(EmailCancelNotice, 2), RecipientFrontDesk, true},
		{TransitionEmail(EmailDeskInvite, 1), RecipientFrontDesk, true},
		{TransitionEmail(EmailReminder, 3), RecipientPatient, true},
		{EmailDeskInvite, 0, false},
		{EmailReminder, 0, false},
		{EmailBooking, 0, false},
		{"digest", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := tt.kind.Recipient()
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%q.Recipient() = %v, %v, want %v, %v", tt.kind, got, ok, tt.want, tt.wantOK)
		}
	}
}
