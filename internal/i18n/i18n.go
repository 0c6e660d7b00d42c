// Package i18n is the languages patients are spoken to in: which there
// are, the catalogs of the words they read in each, and dates and times
// written as each language writes them.
//
// The words come from catalogs of golang.org/x/text/message, keyed by
// message IDs; the English and the Spanish catalog hold the same keys, and
// a test fails when either lacks one. The module already depends on
// golang.org/x/text, whose language tags and matching this builds on, so
// the catalogs add no dependency.
package i18n

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Language is a language patients are spoken to in, by its ISO 639-1
// code, as the form sends it and a request stores it.
type Language string

// The languages patients are spoken to in.
const (
	English Language = "en"
	Spanish Language = "es"
)

// Languages lists every language, the clinic's usual first.
var Languages = []Language{English, Spanish}

// Parse reads a language code as the form sends it: "en" or "es", in any
// case, with spaces around it. ok is false for any other.
func Parse(s string) (l Language, ok bool) {
	l = Language(strings.ToLower(strings.TrimSpace(s)))
	switch l {
	case English, Spanish:
		return l, true
	}
	return "", false
}

// Or returns l, or fallback when l is empty: a request stored before
// requests had a language is in the clinic's.
func (l Language) Or(fallback Language) Language {
	if l == "" {
		return fallback
	}
	return l
}

// Tag is the language's BCP 47 tag, as a Content-Language header and an
// HTML lang attribute write it.
func (l Language) Tag() language.Tag {
	if l == Spanish {
		return language.Spanish
	}
	return language.English
}

// printers are built on first use, not as the program starts: compiling
// the catalogs takes a few milliseconds and thousands of allocations, which
// a function's cold start should not pay before it has anything to say, and
// a function that never writes a message (FeedbackFunction) never pays.
var printers = sync.OnceValue(func() map[Language]*message.Printer {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for l, msgs := range catalogs {
		for key, msg := range msgs {
			if err := b.SetString(l.Tag(), key, msg); err != nil {
				panic(fmt.Sprintf("catalog %s, %s: %v", l, key, err))
			}
		}
	}
	out := map[Language]*message.Printer{}
	for _, l := range Languages {
		out[l] = message.NewPrinter(l.Tag(), message.Catalog(b))
	}
	return out
})

// Sprintf returns the message key in language l, with args put in as its
// catalog entry says (fmt's verbs).
func (l Language) Sprintf(key string, args ...any) string {
	p, ok := printers()[l]
	if !ok {
		p = printers()[English]
	}
	return p.Sprintf(key, args...)
}

// HTML returns the message key in language l, with args, as the text of
// an HTML element: escaped as html/template escapes text, but for the
// apostrophe, which is safe there and which a sentence such as "the
// patient's name" keeps as written rather than as &#39;.
func (l Language) HTML(key string, args ...any) template.HTML {
	return template.HTML(strings.ReplaceAll(template.HTMLEscapeString(l.Sprintf(key, args...)), "&#39;", "'"))
}

// Plural is the form a count of n takes in the catalog's keys, in both
// languages: "one" for 1, "other" for any other number, as in
// "email.length.hour.one" and "email.length.hour.other".
func Plural(n int) string {
	if n == 1 {
		return "one"
	}
	return "other"
}

// Name is the language's name as a reader of language in reads it:
// "Spanish" for the front desk of an English-speaking clinic, "español"
// for a Spanish-speaking reader.
func (l Language) Name(in Language) string {
	return in.Sprintf("language." + string(l.Or(English)))
}

// Weekday is the day's name in l: "Wednesday", "miércoles" (Spanish writes
// it in lower case within a sentence).
func (l Language) Weekday(d time.Weekday) string {
	return l.Sprintf(fmt.Sprintf("weekday.%d", int(d)))
}

// Month is the month's name in l: "December", "diciembre".
func (l Language) Month(m time.Month) string {
	return l.Sprintf(fmt.Sprintf("month.%d", int(m)))
}

// Date writes the day of t, in t's location, as l writes a date in a
// sentence: "Wednesday, December 9, 2026", "miércoles, 9 de diciembre de
// 2026".
func (l Language) Date(t time.Time) string {
	// The year is text: the printer would write 2026 as a number of its
	// language, "2,026" or "2.026".
	return l.Sprintf("date.long", l.Weekday(t.Weekday()), l.Month(t.Month()), t.Day(), strconv.Itoa(t.Year()))
}

// Clock writes the time of day of t, in t's location, on the twelve-hour
// clock as l writes it: "9:30 AM", "9:30 a. m.".
func (l Language) Clock(t time.Time) string {
	h := t.Hour() % 12
	if h == 0 {
		h = 12
	}
	half := "clock.am"
	if t.Hour() >= 12 {
		half = "clock.pm"
	}
	return l.Sprintf("clock.time", h, t.Minute(), l.Sprintf(half))
}

// Keys lists the keys of l's catalog.
func Keys(l Language) []string {
	keys := make([]string, 0, len(catalogs[l]))
	for k := range catalogs[l] {
		keys = append(keys, k)
	}
	return keys
}
