package submitfn

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/config"
)

// TestNewRefusesUnsetLimit: a limit the configuration leaves out stops the
// function rather than turning the limit off; off is NoLimit, written.
func TestNewRefusesUnsetLimit(t *testing.T) {
	profile, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := Adapters{Key: []byte(strings.Repeat("k", 32))}
	base := config.Submit{AllowedOrigins: []string{"https://www.example.com"}, ThankYouURL: "https://www.example.com/thanks"}
	tests := []struct {
		name   string
		limits config.Limits
		ok     bool
	}{
		{"all on", config.Limits{Accepted: appointment.PerHour(10), Attempts: appointment.PerHour(60), PerAddress: appointment.PerDay(3)}, true},
		{"attempts off", config.Limits{Accepted: appointment.PerHour(10), Attempts: appointment.NoLimit, PerAddress: appointment.PerDay(3)}, true},
		{"attempts left out", config.Limits{Accepted: appointment.PerHour(10), PerAddress: appointment.PerDay(3)}, false},
		{"none given", config.Limits{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			c.Limits = tt.limits
			_, err := New(c, a, profile, log, nil)
			if got := err == nil; got != tt.ok {
				t.Errorf("New() error = %v, want ok %t", err, tt.ok)
			}
		})
	}
}
