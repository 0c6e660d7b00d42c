package appointment

import (
	"strings"
	"testing"

	"example.com/appointments/internal/i18n"
)

// TestEveryChoiceHasWords: every preferred time and way of being
// contacted that the form accepts has its words in each language's
// catalog ("form.choice.<kind>.<id>"), which the form, the front desk's
// emails and its pages name it by.
func TestEveryChoiceHasWords(t *testing.T) {
	for prefix, values := range map[string][]string{"form.choice.time.": Times, "form.choice.contact.": ContactMethods} {
		for _, v := range values {
			for _, l := range i18n.Languages {
				if got := l.Sprintf(prefix + v); got == "" || strings.HasPrefix(got, "form.choice.") {
					t.Errorf("%s: %s%s has no words (%q)", l, prefix, v, got)
				}
			}
		}
	}
}
