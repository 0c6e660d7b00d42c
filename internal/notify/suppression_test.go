package notify

import (
	"context"
	"sync"
	"testing"

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
