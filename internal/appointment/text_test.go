package appointment

import "testing"

func TestNormalizeLines(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\r\nb\rc\nd", "a\nb\nc\nd"},
		{"\r\n\n  Tight shoulder.\r\n\r\n", "Tight shoulder."},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeLines(tt.in); got != tt.want {
			t.Errorf("NormalizeLines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDialString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"(303) 555-0123", "3035550123"},
		{"+1 303-555-0123", "+13035550123"},
		{"303 + 555", "303555"},
		{"ext. 12", "12"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := DialString(tt.in); got != tt.want {
			t.Errorf("DialString(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsE164(t *testing.T) {
	tests := []struct {
		phone string
		want  bool
	}{
		{"+13035550142", true},
		{"+442071838750", true},
		{"+12", true},
		{"+123456789012345", true},
		{"+1234567890123456", false}, // 16 digits
		{"+1", false},
		{"+03035550142", false},
		{"13035550142", false},
		{"+1 303 555 0142", false},
		{"+1303555014２", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsE164(tt.phone); got != tt.want {
			t.Errorf("IsE164(%q) = %v, want %v", tt.phone, got, tt.want)
		}
	}
}
