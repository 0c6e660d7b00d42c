package appointment

import (
	"strings"
	"testing"
)

func TestSESAddressAndCanonicalAddress(t *testing.T) {
	tests := []struct {
		in        string
		wantSES   string
		wantCanon string
	}{
		{"jordan@example.com", "jordan@example.com", "jordan@example.com"},
		{"Jordan.Rivera@Example.COM", "Jordan.Rivera@example.com", "jordan.rivera@example.com"},
		// Dots and +tags name other mailboxes at many providers, so they
		// are kept for counting too.
		{"jordan.rivera+clinic@example.com", "jordan.rivera+clinic@example.com", "jordan.rivera+clinic@example.com"},
		{"jordan@bücher.de", "jordan@xn--bcher-kva.de", "jordan@xn--bcher-kva.de"},
		{"Jordan@BÜCHER.de", "Jordan@xn--bcher-kva.de", "jordan@xn--bcher-kva.de"},
		{"jordan@bu\u0308cher.de", "jordan@xn--bcher-kva.de", "jordan@xn--bcher-kva.de"},
		{"jordan@xn--bcher-kva.de", "jordan@xn--bcher-kva.de", "jordan@xn--bcher-kva.de"},
		{"jordan@XN--BCHER-KVA.DE", "jordan@xn--bcher-kva.de", "jordan@xn--bcher-kva.de"},
		{"taro@例え.jp", "taro@xn--r8jz45g.jp", "taro@xn--r8jz45g.jp"},
		{"anna@пример.рф", "anna@xn--e1afmkfd.xn--p1ai", "anna@xn--e1afmkfd.xn--p1ai"},
	}
	for _, tt := range tests {
		got, err := SESAddress(tt.in)
		if err != nil || got != tt.wantSES {
			t.Errorf("SESAddress(%+q) = %q, %v; want %q", tt.in, got, err, tt.wantSES)
		}
		if !isASCII(got) {
			t.Errorf("SESAddress(%+q) = %q, not ASCII", tt.in, got)
		}
		if got := CanonicalAddress(tt.in); got != tt.wantCanon {
			t.Errorf("CanonicalAddress(%+q) = %q, want %q", tt.in, got, tt.wantCanon)
		}
	}
}

func TestSESAddressRefuses(t *testing.T) {
	tests := []struct {
		in   string
		want *addressError
	}{
		{"", errNotOneAddress},
		{"jordan", errNotOneAddress},
		{"Jordan <jordan@example.com>", errNotOneAddress},
		{" jordan@example.com", errNotOneAddress},
		{"a@example.com,b@example.com", errNotOneAddress},
		{"jordan@example.com\r\nBcc: x@example.com", errNotOneAddress},
		{"jordan@localhost", errNotOneAddress},
		{"тест@example.com", errLocalNotASCII},
		{"j\u043erdan@example.com", errLocalNotASCII},
		{strings.Repeat("a", 65) + "@example.com", errLocalTooLong},
		{"jordan@ex\u0430mple.com", errMixedScripts},
		{"jordan@xn--exmple-4nf.com", errMixedScripts},
		{"jordan@paypal.ex\u0430mple.com", errMixedScripts},
		{"jordan@ex_ample.com", errBadDomain},
		{"jordan@xn--zz.com", errBadDomain},
		{"jordan@ｅｘａｍｐｌｅ.com", errBadDomain},
		{strings.Repeat("a", 64) + "@" + strings.Repeat(devanagariLabel+".", 5) + "in", errSentTooLong},
	}
	for _, tt := range tests {
		got, err := SESAddress(tt.in)
		if err != tt.want {
			t.Errorf("SESAddress(%+q) = %q, %v; want error %v", tt.in, got, err, tt.want)
		}
		if err != nil && tt.in != "" && strings.Contains(err.Error(), tt.in) {
			t.Errorf("SESAddress(%+q) error %q repeats the address", tt.in, err)
		}
	}
}

func TestCanonicalAddressOfRefusedAddress(t *testing.T) {
	for in, want := range map[string]string{
		" Jordan <Jordan@Example.com> ": "jordan <jordan@example.com>",
		"ТЕСТ@Example.com":              "тест@example.com",
	} {
		if got := CanonicalAddress(in); got != want {
			t.Errorf("CanonicalAddress(%+q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsSingleScript(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"example", true},
		{"example-24", true},
		{"bücher", true},
		{"пример", true},
		{"παράδειγμα", true},
		{"例え", true},
		{"ドメイン例え", true},
		{"abc中文ㄅ", true},
		{"abc한국中文", true},
		{"abcカタカナひらがな漢字", true},
		{"123", true},
		{"", true},
		{"ex\u0430mple", false},
		{"ex\u03b1mple", false},
		{"\u043f\u0440\u0438mer", false},
		{"한국ひら", false},
		{"ㄅ한국", false},
		{"ㄅカタカナ", false},
		{"abcدرس", false},
	}
	for _, tt := range tests {
		if got := isSingleScript(tt.in); got != tt.want {
			t.Errorf("isSingleScript(%+q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// FuzzSESAddress checks what must hold for any text offered as an
// address: what SESAddress gives is ASCII and is its own SES form, so
// converting twice changes nothing, and CanonicalAddress is that form in
// lower case.
func FuzzSESAddress(f *testing.F) {
	for _, s := range []string{
		"jordan@example.com", "Jordan@BÜCHER.de", "jordan@xn--bcher-kva.de", "taro@例え.jp",
		"jordan@ex\u0430mple.com", "тест@example.com", "a@b", "Jordan <jordan@example.com>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := SESAddress(s)
		if err != nil {
			return
		}
		if !isASCII(got) {
			t.Errorf("SESAddress(%+q) = %q, not ASCII", s, got)
		}
		if again, err := SESAddress(got); err != nil || again != got {
			t.Errorf("SESAddress(%q) = %q, %v; want it unchanged", got, again, err)
		}
		if canon := CanonicalAddress(s); canon != strings.ToLower(got) {
			t.Errorf("CanonicalAddress(%+q) = %q, want %q", s, canon, strings.ToLower(got))
		}
	})
}
