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
		// Dots and +tags are part of the address as typed; which mailbox
		// they reach is Mailbox's question.
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

// TestMailbox: the addresses a provider delivers to one mailbox have one
// Mailbox, so that a sender cannot multiply a per-address limit, or step
// around a complaint, by spelling the address another way.
func TestMailbox(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"victim@example.com", "victim@example.com"},
		{"Victim@Example.COM", "victim@example.com"},
		// A +tag is dropped at every domain; dots only where the provider
		// ignores them.
		{"victim+0@example.com", "victim@example.com"},
		{"victim+x+y@example.com", "victim@example.com"},
		{"VICTIM+Clinic@example.com", "victim@example.com"},
		{"v.ictim@example.com", "v.ictim@example.com"},
		{"v.ictim+x@example.com", "v.ictim@example.com"},
		{"+news@example.com", "@example.com"},
		{"victim@gmail.com", "victim@gmail.com"},
		{"v.ictim@gmail.com", "victim@gmail.com"},
		{"V.I.C.T.I.M+spam@GMail.com", "victim@gmail.com"},
		{"v.ictim+0@googlemail.com", "victim@gmail.com"},
		{"victim@googlemail.com", "victim@gmail.com"},
		// Only those two domains: a subdomain or a look-alike is another
		// provider.
		{"v.ictim@mail.gmail.com", "v.ictim@mail.gmail.com"},
		{"v.ictim@gmail.co", "v.ictim@gmail.co"},
		{"v.ictim+x@notgmail.com", "v.ictim@notgmail.com"},
		{"jordan+a@bücher.de", "jordan@xn--bcher-kva.de"},
		{"Jordan@XN--BCHER-KVA.DE", "jordan@xn--bcher-kva.de"},
		// An address that cannot be sent to stands for itself, as in
		// CanonicalAddress.
		{" J.ordan+X <j.ordan+x@gmail.com> ", "j.ordan+x <j.ordan+x@gmail.com>"},
	}
	for _, tt := range tests {
		if got := Mailbox(tt.in); got != tt.want {
			t.Errorf("Mailbox(%+q) = %q, want %q", tt.in, got, tt.want)
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
// converting twice changes nothing, CanonicalAddress is that form in
// lower case, and its Mailbox is the address's own, has no +tag and stays
// as it is when asked again.
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
		m := Mailbox(s)
		if again := Mailbox(m); again != m {
			t.Errorf("Mailbox(%q) = %q, want it unchanged", m, again)
		}
		if local, _, _ := strings.Cut(m, "@"); strings.Contains(local, "+") || m != Mailbox(got) {
			t.Errorf("Mailbox(%+q) = %q, Mailbox(%q) = %q", s, m, got, Mailbox(got))
		}
	})
}
