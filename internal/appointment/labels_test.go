package appointment

import (
	"testing"

	"example.com/appointments/internal/clinic"
)

func TestEveryChoiceHasALabel(t *testing.T) {
	for _, tt := range []struct {
		values []string
		label  func(string) string
	}{
		{clinic.Weekdays, DayLabel},
		{Times, TimeLabel},
		{ContactMethods, ContactMethodLabel},
	} {
		for _, v := range tt.values {
			if got := tt.label(v); got == v || got == "" {
				t.Errorf("choice %q has no label", v)
			}
		}
	}
	if got := DayLabel("wed"); got != "Wednesday" {
		t.Errorf("DayLabel(wed) = %q", got)
	}
}
