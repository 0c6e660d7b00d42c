package appointment

import (
	"testing"
	"time"
)

func TestLimit(t *testing.T) {
	tests := []struct {
		name    string
		l       Limit
		wantOn  bool
		wantErr bool
	}{
		{"per hour", PerHour(10), true, false},
		{"per day", PerDay(3), true, false},
		{"turned off", NoLimit, false, false},
		{"never set", Limit{}, false, true},
		{"no window", Limit{Max: 3}, false, true},
		{"no maximum", Limit{Window: time.Hour}, false, true},
	}
	for _, tt := range tests {
		if got := tt.l.On(); got != tt.wantOn {
			t.Errorf("%s: On() = %v, want %v", tt.name, got, tt.wantOn)
		}
		if err := tt.l.Check(); (err != nil) != tt.wantErr {
			t.Errorf("%s: Check() = %v, want error %v", tt.name, err, tt.wantErr)
		}
	}
}
