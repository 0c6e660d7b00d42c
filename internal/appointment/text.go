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
