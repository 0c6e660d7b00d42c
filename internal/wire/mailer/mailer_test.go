package mailer

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/config"
)

// TestNew: the cap on confirmations is either set or turned off as
// written; one left out stops the function. Without a hashing key the
// handler warns that it cannot check complaints.
func TestNew(t *testing.T) {
	profile, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	mail := config.Email{Sender: "appointments@example.com", FrontDesk: []string{"frontdesk@example.com"}, StaffDetail: config.StaffDetailFull}
	tests := []struct {
		name string
		cap  appointment.Limit
		ok   bool
	}{
		{"capped", appointment.PerHour(200), true},
		{"off", appointment.NoLimit, true},
		{"left out", appointment.Limit{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			_, err := New(config.Notify{Email: mail, Confirmations: tt.cap}, Adapters{}, profile, slog.New(slog.NewTextHandler(&log, nil)), nil)
			if got := err == nil; got != tt.ok {
				t.Fatalf("New() error = %v, want ok %t", err, tt.ok)
			}
			if tt.ok && !strings.Contains(log.String(), "without checking for complaints") {
				t.Errorf("no warning about suppressions in %q", log.String())
			}
		})
	}
	// Bad email settings are the composer's to refuse.
	if _, err := New(config.Notify{Confirmations: appointment.NoLimit}, Adapters{}, profile, slog.New(slog.NewTextHandler(io.Discard, nil)), nil); err == nil {
		t.Error("New() accepted email settings without a sender")
	}
}
