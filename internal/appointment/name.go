package appointment

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on a first name used in a greeting.
const (
	maxGreetingNameLength = 30
	maxGreetingNameWords  = 3
)

// GreetingName returns the first name to greet the patient with, trimmed
// and with its words separated by single spaces, and whether the name
// looks like a given name at all.
//
// The form accepts any text as a first name, and the confirmation goes to
// whatever address was typed beside it, so a greeting that repeated the
// name as typed would let a stranger make the clinic send a message of
// theirs ("Hi Claim your refund at scam.example,") from its own domain. A
// name is used only when it is written like one: at most three words of
// letters and combining marks, joined within a word by single hyphens or
// apostrophes (' or ’), with a period only right after a one-letter
// initial, as in "J. R." or "Mary J.". That leaves out digits, symbols,
// emoji and anything like a domain, a web address or an email address,
// and so does a mix of alphabets such as Latin with Cyrillic, the mark of
// a look-alike. Anything else gets a neutral greeting.
func GreetingName(firstName string) (string, bool) {
	s := strings.TrimSpace(firstName)
	if n := utf8.RuneCountInString(s); n < 1 || n > maxGreetingNameLength {
		return "", false
	}
	// "www" and "http" are written with letters alone, so the rules for
	// words below cannot tell them from a name.
	lower := strings.ToLower(s)
	if strings.Contains(lower, "http") || strings.Contains(lower, "www") {
		return "", false
	}
	// Words are separated by spaces, including the ideographic space of
	// Chinese and Japanese keyboards; any other white space, such as a
	// line break, is no part of a name.
	words := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\u3000' })
	if len(words) > maxGreetingNameWords {
		return "", false
	}
	for _, w := range words {
		if !isGivenNameWord(w) {
			return "", false
		}
	}
	if !isSingleScript(s) {
		return "", false
	}
	return strings.Join(words, " "), true
}

// isGivenNameWord reports whether w is one word of a given name: letters
// and combining marks, starting with a letter, where a hyphen or an
// apostrophe stands between two letters, and a period may only end an
// initial of one letter.
func isGivenNameWord(w string) bool {
	letters := 0
	// joined is true right after a hyphen or an apostrophe, when a letter
	// must come next.
	joined := false
	for i, r := range w {
		switch {
		case unicode.IsLetter(r):
			letters++
			joined = false
		case unicode.IsMark(r):
			// A combining mark belongs to the letter before it.
			if letters == 0 || joined {
				return false
			}
		case r == '-' || r == '\'' || r == '\u2019':
			if letters == 0 || joined {
				return false
			}
			joined = true
		case r == '.':
			// A period ends the word, which is a single letter: "J." but
			// not "Mr.Smith", "scam.io" or "a.b".
			return i == len(w)-1 && letters == 1 && !joined
		default:
			return false
		}
	}
	return letters > 0 && !joined
}
