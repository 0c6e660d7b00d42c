package settings

import (
	"slices"
	"strings"
	"testing"
)

func TestList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a@example.com", []string{"a@example.com"}},
		{" a@example.com, b@example.com ,,", []string{"a@example.com", "b@example.com"}},
	}
	for _, tt := range tests {
		if got := List(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("List(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCount(t *testing.T) {
	if n, err := Count("X", "", 7); n != 7 || err != nil {
		t.Errorf("empty = %d, %v", n, err)
	}
	if n, err := Count("X", "0", 7); n != 0 || err != nil {
		t.Errorf("zero = %d, %v", n, err)
	}
	for _, bad := range []string{"-1", "ten", "1.5"} {
		if _, err := Count("X", bad, 7); err == nil || !strings.Contains(err.Error(), "X") {
			t.Errorf("Count(%q) error = %v", bad, err)
		}
	}
}
