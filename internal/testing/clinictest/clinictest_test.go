package clinictest

import (
	"testing"

	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
)

// TestSpanish: the Spanish-speaking clinic is the default one with its
// languages swapped, each text in the language it is read in.
func TestSpanish(t *testing.T) {
	p := Spanish(t)
	d, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	if p.Language != i18n.Spanish {
		t.Errorf("language %q, want es", p.Language)
	}
	if got, want := p.EmergencyNotice, d.Translations[i18n.Spanish].EmergencyNotice; got != want {
		t.Errorf("emergency notice %q, want the Spanish %q", got, want)
	}
	en := p.In(i18n.English)
	if en.EmergencyNotice != d.EmergencyNotice || en.Services[0].Label != d.Services[0].Label {
		t.Errorf("read in English: %q, %q; want the default's %q, %q", en.EmergencyNotice, en.Services[0].Label, d.EmergencyNotice, d.Services[0].Label)
	}
	if got := p.Languages(); len(got) != 2 || got[0] != i18n.Spanish || got[1] != i18n.English {
		t.Errorf("languages %v, want [es en]", got)
	}
}
