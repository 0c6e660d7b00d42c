package notify

import (
	"context"
	"sync"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/email"
)

// memorySuppressions is a suppression list that records what it was asked.
type memorySuppressions struct {
	mu    sync.Mutex
	keys  map[string]bool
	asked []string
}

func (m *memorySuppressions) Suppressed(_ context.Context, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.asked = append(m.asked, key)
	return m.keys[key], nil
}

// TestSuppressionCoversTheMailbox reproduces a complaint stepped around by
// another spelling of the address: once a mailbox complained, no patient
// email goes to it under any address its provider delivers there (a
// +tag, dots at Gmail, case), while another mailbox still gets its email,
// and the front desk always does. A suppression recorded under the key of
// the address as typed, as they were before suppressions were kept per
// mailbox, still holds for that address.
func TestSuppressionCoversTheMailbox(t *testing.T) {
	key := []byte("suppression-test-key")
	list := &memorySuppressions{keys: map[string]bool{
		appointment.SuppressionKey(key, "victim@example.com"):             true,
		appointment.SuppressionKey(key, "jordan.rivera@gmail.com"):        true,
		appointment.KeyedHash(key, "suppression", "sam+news@example.org"): true,
	}}
	tests := []struct {
		addr string
		sent bool
	}{
		{"victim@example.com", false},
		{"victim+x@example.com", false},
		{"Victim+clinic@Example.com", false},
		{"jordanrivera@gmail.com", false},
		{"J.O.R.D.A.N.Rivera+0@googlemail.com", false},
		{"sam+news@example.org", false},
		{"vic.tim@example.com", true},
		{"victim@example.net", true},
		{"sam@example.org", true},
	}
	for i, tt := range tests {
		f := newFixture()
		f.h.CheckSuppressions(list, key)
		id := string(rune('a' + i))
		r := appointment.Request{ID: id, Reference: "REF-" + id, Email: tt.addr, FirstName: "Pat"}
		if !f.h.Deliver(context.Background(), appointment.Change{Event: appointment.ChangeCreated, After: &r}) {
			t.Fatalf("%s: delivery not settled", tt.addr)
		}
		patient := f.deliveries.state(id, email.Patient)
		if sent := patient.State == appointment.DeliverySent; sent != tt.sent {
			t.Errorf("%s: confirmation %+v, want sent %v", tt.addr, patient, tt.sent)
		}
		if !tt.sent && patient.Reason != appointment.ReasonComplaint {
			t.Errorf("%s: confirmation failed with %q, want %q", tt.addr, patient.Reason, appointment.ReasonComplaint)
		}
		if d := f.deliveries.state(id, email.FrontDesk); d.State != appointment.DeliverySent {
			t.Errorf("%s: the front desk's email %+v, want sent", tt.addr, d)
		}
	}
}

// TestDeskCopyIgnoresThePatientsComplaint: a patient whose mailbox
// complained gets no booking email, but the front desk's copy of the
// invitation still goes, since it is not addressed to the patient.
func TestDeskCopyIgnoresThePatientsComplaint(t *testing.T) {
	key := []byte("suppression-test-key")
	list := &memorySuppressions{keys: map[string]bool{appointment.SuppressionKey(key, "victim@example.com"): true}}
	f := newFixture()
	f.h.CheckSuppressions(list, key)
	before := appointment.Request{ID: "a", Reference: "REF-a", Email: "victim@example.com", FirstName: "Pat", Status: appointment.StatusReceived}
	after, _, err := before.Apply(appointment.Command{Action: appointment.ActionSchedule, Audience: appointment.AudienceFrontDesk,
		Booking: &appointment.Booking{Start: f.clock.Add(72 * time.Hour), Length: time.Hour}}, f.clock)
	if err != nil {
		t.Fatal(err)
	}
	if !f.h.Deliver(context.Background(), appointment.Change{Event: appointment.ChangeModified, Before: &before, After: &after}) {
		t.Fatal("delivery not settled")
	}
	if d := f.deliveries.state("a", appointment.TransitionEmail(appointment.EmailBooking, 0)); d.State != appointment.DeliveryFailed || d.Reason != appointment.ReasonComplaint {
		t.Errorf("booking %+v, want failed for the complaint", d)
	}
	if d := f.deliveries.state("a", appointment.TransitionEmail(appointment.EmailDeskInvite, 0)); d.State != appointment.DeliverySent {
		t.Errorf("the front desk's copy %+v, want sent", d)
	}
}
