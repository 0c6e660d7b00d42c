package appointment

import (
	"slices"
	"testing"
	"time"
)

func TestFeedbackReplaces(t *testing.T) {
	for f, want := range map[Feedback][]Feedback{
		FeedbackDelivered:  {FeedbackDelivered},
		FeedbackBounced:    {FeedbackDelivered, FeedbackBounced},
		FeedbackComplained: {FeedbackDelivered, FeedbackBounced, FeedbackComplained},
	} {
		if got := f.Replaces(); !slices.Equal(got, want) {
			t.Errorf("%s replaces %v, want %v", f, got, want)
		}
		if !f.Valid() {
			t.Errorf("%s is not valid", f)
		}
	}
	if Feedback("opened").Valid() || Feedback("").Valid() {
		t.Error("an unknown feedback is valid")
	}
}

func TestToPatient(t *testing.T) {
	for kind, want := range map[EmailKind]bool{
		EmailPatient:                          true,
		EmailFrontDesk:                        false,
		EmailBounceNotice:                     false,
		TransitionEmail(EmailBooking, 0):      true,
		TransitionEmail(EmailDeclined, 1):     true,
		TransitionEmail(EmailCancelled, 2):    true,
		TransitionEmail(EmailCancelNotice, 2): false,
		TransitionEmail(EmailDeskInvite, 1):   false,
		TransitionEmail(EmailReminder, 1):     true,
		"digest":                              false,
	} {
		if got := kind.ToPatient(); got != want {
			t.Errorf("%s.ToPatient() = %v, want %v", kind, got, want)
		}
	}
}

// TestFeedbackEmails: the front desk's notice is due once, when the
// confirmation's permanent bounce is first recorded; no other feedback
// calls for an email.
func TestFeedbackEmails(t *testing.T) {
	at := time.Date(2026, 11, 24, 16, 2, 13, 0, time.UTC)
	with := func(kind EmailKind, r Report) *Request {
		return &Request{Deliveries: map[EmailKind]Delivery{kind: {State: DeliverySent, Report: r}}}
	}
	permanent := Report{Feedback: FeedbackBounced, BounceType: BouncePermanent, At: at}
	transient := Report{Feedback: FeedbackBounced, BounceType: "Transient", At: at}
	delivered := Report{Feedback: FeedbackDelivered, At: at}
	for _, tt := range []struct {
		name          string
		before, after *Request
		want          bool
	}{
		{"first permanent bounce", with(EmailPatient, delivered), with(EmailPatient, permanent), true},
		{"from no record", &Request{}, with(EmailPatient, permanent), true},
		{"no before image", nil, with(EmailPatient, permanent), true},
		{"again", with(EmailPatient, permanent), with(EmailPatient, permanent), false},
		{"transient", &Request{}, with(EmailPatient, transient), false},
		{"delivered", &Request{}, with(EmailPatient, delivered), false},
		{"front desk's email", &Request{}, with(EmailFrontDesk, permanent), false},
		{"booking email", &Request{}, with(TransitionEmail(EmailBooking, 0), permanent), false},
		{"removed", with(EmailPatient, delivered), nil, false},
	} {
		got := FeedbackEmails(tt.before, tt.after)
		if (len(got) == 1 && got[0] == EmailBounceNotice) != tt.want || len(got) > 1 {
			t.Errorf("%s: %v, want notice %v", tt.name, got, tt.want)
		}
	}
	if CauseOf(EmailPatient, permanent) != CauseFeedbackNotice || CauseOf(EmailPatient, transient) != CauseFeedback || CauseOf(EmailFrontDesk, permanent) != CauseFeedback {
		t.Error("CauseOf does not match FeedbackEmails")
	}
}

// TestSuppressionKey: one key per mailbox however the address is typed,
// different for other addresses and other keys, and not the address.
func TestSuppressionKey(t *testing.T) {
	k := []byte("key")
	a := SuppressionKey(k, "Jordan@Example.org")
	for _, same := range []string{" jordan@example.ORG ", "jordan+x@example.org", "Jordan+Clinic@Example.org"} {
		if a != SuppressionKey(k, same) {
			t.Errorf("%q has another key than the mailbox it reaches", same)
		}
	}
	if g := SuppressionKey(k, "jordan.rivera@gmail.com"); g != SuppressionKey(k, "JordanRivera+x@googlemail.com") {
		t.Error("a Gmail address spelt with dots, a tag or the other domain has another key")
	}
	if a == SuppressionKey(k, "jordan2@example.org") || a == SuppressionKey([]byte("other"), "jordan@example.org") {
		t.Error("another address or key gives the same key")
	}
	if len(a) != 32 {
		t.Errorf("key %q is not 128 bits in hex", a)
	}
}

// TestSuppressionKeys: an address is looked up under its mailbox's key,
// and also under the key a suppression of the address as typed was
// recorded with before suppressions were kept per mailbox, where the two
// differ.
func TestSuppressionKeys(t *testing.T) {
	k := []byte("key")
	tests := []struct {
		addr string
		want []string
	}{
		{"Jordan@Example.org", []string{SuppressionKey(k, "jordan@example.org")}},
		{"Jordan+News@Example.org", []string{SuppressionKey(k, "jordan@example.org"), KeyedHash(k, "suppression", "jordan+news@example.org")}},
		{"J.Rivera@GMail.com", []string{SuppressionKey(k, "jrivera@gmail.com"), KeyedHash(k, "suppression", "j.rivera@gmail.com")}},
	}
	for _, tt := range tests {
		if got := SuppressionKeys(k, tt.addr); !slices.Equal(got, tt.want) {
			t.Errorf("SuppressionKeys(%q) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}
