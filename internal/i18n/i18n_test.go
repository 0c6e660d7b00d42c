package i18n

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCatalogsHaveTheSameKeys: every message exists in every language, so
// that no patient reads a key or falls back to another language.
func TestCatalogsHaveTheSameKeys(t *testing.T) {
	english := Keys(English)
	slices.Sort(english)
	for _, l := range Languages {
		keys := Keys(l)
		slices.Sort(keys)
		for _, k := range english {
			if _, ok := catalogs[l][k]; !ok {
				t.Errorf("the %s catalog lacks %q", l, k)
			}
		}
		for _, k := range keys {
			if _, ok := catalogs[English][k]; !ok {
				t.Errorf("the %s catalog has %q, which English lacks", l, k)
			}
		}
		for _, k := range keys {
			if strings.TrimSpace(catalogs[l][k]) == "" {
				t.Errorf("the %s catalog's %q is blank", l, k)
			}
		}
	}
}

// messageArgs are example arguments of the messages that take some, by
// key; each section's test file adds its own.
var messageArgs = map[string][]any{
	"date.long":  {"Wednesday", "December", 9, "2026"},
	"clock.time": {9, 30, "AM"},
}

// TestEveryMessageFormats: each message takes the arguments its English
// takes, in every language: a verb without its argument, or an argument
// the message does not use, shows as fmt's %!(…) in what a patient reads.
func TestEveryMessageFormats(t *testing.T) {
	for _, l := range Languages {
		for _, k := range Keys(l) {
			a, ok := messageArgs[k]
			if !ok {
				a, ok = emailArgs[k]
			}
			if !ok {
				a = sampleArgs(catalogs[English][k])
			}
			if got := l.Sprintf(k, a...); strings.Contains(got, "%!") {
				t.Errorf("%s %q = %q", l, k, got)
			}
		}
	}
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Language
		ok   bool
	}{
		{"en", English, true},
		{"es", Spanish, true},
		{" ES ", Spanish, true},
		{"", "", false},
		{"es-MX", "", false},
		{"fr", "", false},
		{"english", "", false},
	} {
		if got, ok := Parse(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("Parse(%q) = %q, %t; want %q, %t", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestDatesAndTimes: each language writes a date and a time of day its
// own way, in the time's own zone.
func TestDatesAndTimes(t *testing.T) {
	denver, err := time.LoadLocation("America/Denver")
	if err != nil {
		t.Fatal(err)
	}
	morning := time.Date(2026, 12, 9, 9, 30, 0, 0, denver)
	for _, tt := range []struct {
		l          Language
		t          time.Time
		date, time string
	}{
		{English, morning, "Wednesday, December 9, 2026", "9:30 AM"},
		{Spanish, morning, "miércoles, 9 de diciembre de 2026", "9:30 a. m."},
		{English, time.Date(2026, 3, 1, 0, 5, 0, 0, denver), "Sunday, March 1, 2026", "12:05 AM"},
		{Spanish, time.Date(2026, 3, 1, 0, 5, 0, 0, denver), "domingo, 1 de marzo de 2026", "12:05 a. m."},
		{Spanish, time.Date(2026, 7, 4, 12, 0, 0, 0, denver), "sábado, 4 de julio de 2026", "12:00 p. m."},
		{Spanish, time.Date(2026, 7, 4, 18, 45, 0, 0, denver), "sábado, 4 de julio de 2026", "6:45 p. m."},
	} {
		if got := tt.l.Date(tt.t); got != tt.date {
			t.Errorf("%s Date(%v) = %q, want %q", tt.l, tt.t, got, tt.date)
		}
		if got := tt.l.Clock(tt.t); got != tt.time {
			t.Errorf("%s Clock(%v) = %q, want %q", tt.l, tt.t, got, tt.time)
		}
	}
}

// TestName: a language is named as its reader reads it.
func TestName(t *testing.T) {
	for _, tt := range []struct {
		l, in Language
		want  string
	}{
		{Spanish, English, "Spanish"},
		{English, English, "English"},
		{Spanish, Spanish, "español"},
		{English, Spanish, "inglés"},
		{"", English, "English"},
	} {
		if got := tt.l.Name(tt.in); got != tt.want {
			t.Errorf("%q.Name(%s) = %q, want %q", tt.l, tt.in, got, tt.want)
		}
	}
}

func TestTag(t *testing.T) {
	if got := Spanish.Tag().String(); got != "es" {
		t.Errorf("Spanish.Tag() = %s", got)
	}
	if got := English.Tag().String(); got != "en" {
		t.Errorf("English.Tag() = %s", got)
	}
}

// fmtVerb is one verb of a message: its flags, width and argument index
// as written ("[2]", ".0[5]"), and its letter.
type fmtVerb struct {
	spec   string
	letter byte
}

// scanVerbs lists the fmt verbs of a message in their order; "%%" is none.
func scanVerbs(msg string) []fmtVerb {
	var out []fmtVerb
	for i := 0; i < len(msg); i++ {
		if msg[i] != '%' {
			continue
		}
		j := i + 1
		for j < len(msg) && strings.IndexByte("0123456789[].+-# ", msg[j]) >= 0 {
			j++
		}
		if j < len(msg) && msg[j] != '%' {
			out = append(out, fmtVerb{msg[i+1 : j], msg[j]})
		}
		i = j
	}
	return out
}

// verbs lists the fmt verbs of a message, without their argument
// indexes, sorted: what arguments it takes, whatever their order.
func verbs(msg string) []string {
	var out []string
	for _, v := range scanVerbs(msg) {
		spec := v.spec
		if k := strings.IndexByte(spec, ']'); k >= 0 {
			spec = spec[k+1:]
		}
		out = append(out, spec+string(v.letter))
	}
	slices.Sort(out)
	return out
}

// TestTranslationsTakeTheSameArguments: each translation takes the verbs
// its English takes, so that no argument goes missing or turns up twice.
func TestTranslationsTakeTheSameArguments(t *testing.T) {
	for _, l := range Languages {
		for _, k := range Keys(l) {
			if got, want := verbs(catalogs[l][k]), verbs(catalogs[English][k]); !slices.Equal(got, want) {
				t.Errorf("%s %q takes %v, English takes %v", l, k, got, want)
			}
		}
	}
}

// sampleArgs returns arguments for the verbs of an English message, by
// their position: 1 for %d, a word for any other. A verb without its
// argument, or one of the wrong kind, in a translation still shows as
// fmt's %!(…).
func sampleArgs(msg string) []any {
	var out []any
	next := 0
	for _, v := range scanVerbs(msg) {
		n := next
		if open := strings.IndexByte(v.spec, '['); open >= 0 {
			if end := strings.IndexByte(v.spec, ']'); end > open {
				if i, err := strconv.Atoi(v.spec[open+1 : end]); err == nil {
					n = i - 1
				}
			}
		}
		next = n + 1
		for len(out) <= n {
			out = append(out, nil)
		}
		if v.letter == 'd' {
			out[n] = 1
		} else {
			out[n] = "word"
		}
	}
	return out
}

// TestHTML: a message as an element's text is escaped, arguments and all,
// but keeps its apostrophes as written.
func TestHTML(t *testing.T) {
	got := English.HTML("desk.email.minimal.contact")
	if want := "The patient's name and contact details are left out of this email."; string(got) != want {
		t.Errorf("HTML = %q, want %q", got, want)
	}
	if got := English.HTML("desk.page.did.message", `<b>"Tom & Jerry's"</b>`); strings.Contains(string(got), "<b>") || !strings.Contains(string(got), "&lt;b&gt;&#34;Tom &amp; Jerry's&#34;") {
		t.Errorf("HTML with an argument = %q", got)
	}
}

// TestPlural: one is singular; none and many are not.
func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "other", 1: "one", 2: "other", 21: "other"} {
		if got := Plural(n); got != want {
			t.Errorf("Plural(%d) = %q, want %q", n, got, want)
		}
	}
}
