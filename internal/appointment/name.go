package appointment

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits on a first name used in a greeting.
const (
	maxGreetingNameLength = 30 // characters, as typed
	maxGreetingNameWords  = 2
)

// greetingNameLetters is the most letters a greeting name may have, by
// the script it is written in. Letters are counted and combining marks
// are not, since many scripts write most vowels as marks. Words alone do
// not bound a name: Chinese, Japanese, Thai, Lao, Khmer and Burmese are
// written without spaces between words, so a whole sentence in them is
// one word, and any script can be typed without its spaces. Each limit is
// what real given names in the script need, and no more:
//
//   - Chinese, Japanese and Korean given names are one to four
//     characters (a Japanese name written in kana, or in kanji and kana
//     together, too).
//   - The Indic scripts write vowels after a consonant as marks, and the
//     scripts of Southeast Asia also fit a name in ten letters.
//   - Arabic and Hebrew leave short vowels unwritten; "فاطمة الزهراء" is
//     twelve letters.
//   - Alphabets that write every vowel as a letter and separate words
//     with spaces are bounded by the length and the words alone.
//
// A script that is not listed gets otherScriptNameLetters.
var greetingNameLetters = map[*unicode.RangeTable]int{
	unicode.Han:      4,
	unicode.Hiragana: 4,
	unicode.Katakana: 4,
	unicode.Hangul:   4,

	unicode.Devanagari: 10,
	unicode.Bengali:    10,
	unicode.Gurmukhi:   10,
	unicode.Gujarati:   10,
	unicode.Oriya:      10,
	unicode.Tamil:      10,
	unicode.Telugu:     10,
	unicode.Kannada:    10,
	unicode.Malayalam:  10,
	unicode.Sinhala:    10,
	unicode.Thai:       10,
	unicode.Lao:        10,
	unicode.Khmer:      10,
	unicode.Myanmar:    10,

	unicode.Arabic: 14,
	unicode.Hebrew: 14,
	unicode.Syriac: 14,
	unicode.Thaana: 14,

	unicode.Latin:    maxGreetingNameLength,
	unicode.Greek:    maxGreetingNameLength,
	unicode.Cyrillic: maxGreetingNameLength,
	unicode.Armenian: maxGreetingNameLength,
	unicode.Georgian: maxGreetingNameLength,
}

// otherScriptNameLetters is the limit for a script greetingNameLetters
// does not list: the tight limit of the scripts written without spaces,
// so that no script is left without one.
const otherScriptNameLetters = 10

// greetingNameScripts are the scripts that one name may combine: Japanese
// names mix kanji with kana, and Korean names may be written in hanja.
// Latin is in none of them, although a domain name may mix it with these
// scripts: a name does not, and "请加微信kefuvip领取退款" does.
var greetingNameScripts = [][]*unicode.RangeTable{
	{unicode.Han, unicode.Hiragana, unicode.Katakana},
	{unicode.Han, unicode.Hangul},
}

// hanNumerals are the Han characters that write numbers: the digits, in
// their everyday and their financial forms, and the powers of ten. Unicode
// counts them as letters, so the rules for words let them through, and
// many names hold one, as 一郎, 七海 and 千尋 do; two in a row write a
// number, as 四零零八 does.
const hanNumerals = "〇零一二三四五六七八九十百千万萬亿億两兩壹贰貳叁參肆伍陆陸柒捌玖拾佰仟廿卅"

// GreetingName returns the first name to greet the patient with, trimmed
// and with its words separated by single spaces, and whether the name
// looks like a given name at all.
//
// The form accepts any text as a first name, and the confirmation goes to
// whatever address was typed beside it, so a greeting that repeated the
// name as typed would let a stranger make the clinic send a message of
// theirs ("Hi Claim your refund at scam.example,") from its own domain. A
// name is used only when it is written like one, in every script:
//
//   - at most two words of letters and combining marks, joined within a
//     word by one hyphen and apostrophes (' or ’), with a period only
//     right after a one-letter initial, as in "J. R." or "Mary J.";
//   - no more letters than real given names have in its script (see
//     greetingNameLetters): one to four for Chinese, Japanese and Korean;
//   - in one script, or in kanji with kana or hanja with Hangul, as names
//     are written: not Latin with Cyrillic, the mark of a look-alike, nor
//     Latin with Chinese;
//   - no numerals: digits of every script are not letters, and no two Han
//     numerals stand in a row;
//   - no capital inside a word but after a short prefix, as in "McKay",
//     "MacKenzie" or "DeShawn", so that "RefundApprovedToday" is not one
//     word.
//
// That leaves out symbols, emoji and anything like a domain, a web address
// or an email address, and bounds what a stranger can say to the length
// of a name: a phrase that short, such as "Call now", cannot be told from
// a name by its shape. Anything else gets a neutral greeting.
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
		if !isGivenNameWord(w) || !hasNameCapitals(w) {
			return "", false
		}
	}
	limit, ok := nameLetterLimit(s)
	if !ok || countLetters(s) > limit || hasHanNumber(s) {
		return "", false
	}
	return strings.Join(words, " "), true
}

// isGivenNameWord reports whether w is one word of a given name: letters
// and combining marks, starting with a letter, where a hyphen or an
// apostrophe stands between two letters, there is at most one hyphen, and
// a period may only end an initial of one letter.
func isGivenNameWord(w string) bool {
	letters, hyphens := 0, 0
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
			// Names join two parts with a hyphen, as Jean-Luc does; a
			// third part makes a phrase such as "Refund-Approved-Today".
			if r == '-' {
				if hyphens++; hyphens > 1 {
					return false
				}
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

// hasNameCapitals reports whether the capitals of w are where a name has
// them. Each part of w between hyphens and apostrophes is in capitals
// throughout, or starts with a capital or not, and may have one more
// capital after a prefix of two or three letters, as in McKay, MacKenzie,
// DeShawn or LaToya. Letters without case, such as the Hawaiian ʻokina,
// do not count.
func hasNameCapitals(w string) bool {
	for part := range strings.FieldsFuncSeq(w, func(r rune) bool { return r == '-' || r == '\'' || r == '\u2019' }) {
		cased, lower := 0, 0
		var inner []int // where capitals after the first cased letter are
		for _, r := range part {
			isUpper := unicode.IsUpper(r) || unicode.IsTitle(r)
			if !isUpper && !unicode.IsLower(r) {
				continue
			}
			if isUpper && cased > 0 {
				inner = append(inner, cased)
			}
			if !isUpper {
				lower++
			}
			cased++
		}
		if lower == 0 || len(inner) == 0 {
			continue
		}
		if len(inner) > 1 || inner[0] < 2 || inner[0] > 3 {
			return false
		}
	}
	return true
}

// nameLetterLimit returns the most letters a name written like s may
// have, and false when s mixes scripts as no name does, or has no letter
// of any script.
func nameLetterLimit(s string) (int, bool) {
	scripts := scriptsOf(s)
	if len(scripts) == 0 {
		return 0, false
	}
	if len(scripts) > 1 && !slices.ContainsFunc(greetingNameScripts, func(set []*unicode.RangeTable) bool { return allIn(scripts, set) }) {
		return 0, false
	}
	// A name in two scripts has the tighter limit of the two.
	limit := maxGreetingNameLength
	for _, t := range scripts {
		n, ok := greetingNameLetters[t]
		if !ok {
			n = otherScriptNameLetters
		}
		limit = min(limit, n)
	}
	return limit, true
}

// countLetters counts the letters of s once composed, so that a Hangul
// syllable typed as its separate jamo counts as the one character it is.
func countLetters(s string) int {
	n := 0
	for _, r := range norm.NFC.String(s) {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// hasHanNumber reports whether two Han numerals stand in a row in s.
func hasHanNumber(s string) bool {
	previous := false
	for _, r := range s {
		numeral := strings.ContainsRune(hanNumerals, r)
		if numeral && previous {
			return true
		}
		previous = numeral
	}
	return false
}
