package appointment

import "strings"

// NormalizeLines makes every line break "\n" and trims space, including
// blank lines, from either end. The reason field is stored this way, and
// an email renders any text through it again, so that a stray carriage
// return cannot split a line in one part of a message and not the other.
func NormalizeLines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimSpace(s)
}

// IsE164 reports whether phone is written as E.164 writes a number: a plus
// sign, then a country code and number of at most 15 digits in all, the
// form in which a request stores its patient's number.
func IsE164(phone string) bool {
	if len(phone) < 3 || len(phone) > 16 || phone[0] != '+' || phone[1] == '0' {
		return false
	}
	for _, r := range phone[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// DialString keeps what a phone dials of a number as written: its digits,
// and a plus sign when it comes first. It is the number of a tel: link.
func DialString(phone string) string {
	var b strings.Builder
	for _, r := range phone {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && b.Len() == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}
