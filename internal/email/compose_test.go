package email

import (
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"example.com/appointments/internal/appointment"
)

// boundaryPattern matches the random MIME boundaries.
var boundaryPattern = regexp.MustCompile(`[0-9a-f]{60}`)

// sameBoundaries names a message's boundaries by their order, so that two
// messages can be compared whole.
func sameBoundaries(raw []byte) string {
	names := map[string]string{}
	return boundaryPattern.ReplaceAllStringFunc(string(raw), func(b string) string {
		if _, ok := names[b]; !ok {
			names[b] = "BOUNDARY" + strconv.Itoa(len(names))
		}
		return names[b]
	})
}

// arbitraryText is text as a patient or the front desk might type it, and
// worse: markup, entities, quotes, line ends of every kind, long words,
// non-ASCII, invalid UTF-8, NUL and the characters that CSS and URLs
// treat specially.
func arbitraryText(r *rand.Rand) string {
	pieces := []string{
		"a", "Zoë", "=", " ", "  ", "\t", "\n", "\r\n", "\r", "<b>", "</p>", "&amp;", "&", "\"", "'", "+", "\x00", "\xff", "é",
		"日本語", "😀", "=?utf-8?q?x?=", "http://x.example/?a=1&b=2", "javascript:alert(1)", "word", strings.Repeat("x", 80),
		strings.Repeat("é", 40), ".", "\u202e", "--", "\\", "\\22", "url(", "expression(", "{{", "}}", "%41", "%", "\u00a0", " \n", "#",
	}
	var b strings.Builder
	for range r.IntN(30) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// TestComposeConcurrently: a composer is used by concurrent requests; the
// templates, which html/template escapes on their first use, are shared
// by them.
func TestComposeConcurrently(t *testing.T) {
	c := newTestComposer(t, defaultProfile(t))
	kinds := []Kind{Patient, FrontDesk, appointment.EmailBounceNotice}
	requests := []appointment.Request{completeRequest(), minimalRequest(), notANameRequest()}
	want := map[string]Message{}
	for _, r := range requests {
		for _, kind := range kinds {
			want[r.ID+string(kind)] = compose(t, c, kind, r)
		}
	}
	// A new composer, with templates of its own that have not run yet.
	c = newTestComposer(t, defaultProfile(t))
	fresh, err := parseAll()
	if err != nil {
		t.Fatal(err)
	}
	c.html, c.text = fresh.html, fresh.text
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 20 {
				r := requests[(i+j)%len(requests)]
				kind := kinds[j%len(kinds)]
				got, err := c.Compose(kind, r)
				if err != nil {
					t.Error(err)
					return
				}
				w := want[r.ID+string(kind)]
				if got.Text != w.Text || got.HTML != w.HTML || sameBoundaries(got.Raw) != sameBoundaries(w.Raw) {
					t.Errorf("%s email about %s composed concurrently differs", kind, r.ID)
				}
			}
		})
	}
	wg.Wait()
}
