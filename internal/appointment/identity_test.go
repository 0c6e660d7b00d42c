package appointment

import "testing"

func TestParseReference(t *testing.T) {
	for range 50 {
		if ref := NewReference(); func() error { _, err := ParseReference(ref); return err }() != nil {
			t.Fatalf("ParseReference(%q) refused a new reference", ref)
		}
	}
	for _, s := range []string{"", "K7M2Q9XD", "K7M2-Q9X", "k7m2-q9xd", "K7M2-Q9X0", "K7M2\r\n-Q9X", "K7M2-Q9XD-AAAA", "<b>K7M-Q9XD"} {
		if _, err := ParseReference(s); err == nil {
			t.Errorf("ParseReference(%q) accepted", s)
		}
	}
}
