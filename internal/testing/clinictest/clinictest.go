// Package clinictest gives tests the clinic profiles they compose emails
// and pages for: the default clinic as a Spanish-speaking clinic would
// describe itself.
package clinictest

import (
	"maps"
	"testing"

	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
)

// Spanish returns the default profile as a clinic whose language is
// Spanish would write it: its Spanish texts are its own, its English ones
// a translation, and its front desk reads Spanish. The test fails if the
// default profile cannot be read so, or the result is not a valid profile.
func Spanish(t testing.TB) *clinic.Profile {
	t.Helper()
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	es, ok := p.Translations[i18n.Spanish]
	if !ok {
		t.Fatal("the default profile has no Spanish texts")
	}
	en := clinic.Texts{
		EmergencyNotice: p.EmergencyNotice,
		WhatToBring:     p.WhatToBring,
		Services:        map[string]clinic.ServiceText{},
		Locations:       map[string]string{},
	}
	for _, s := range p.Services {
		en.Services[s.ID] = clinic.ServiceText{Label: s.Label, WhatToExpect: s.WhatToExpect}
	}
	for _, l := range p.Locations {
		if _, ok := es.Locations[l.ID]; ok {
			en.Locations[l.ID] = l.Label
		}
	}
	c := *p.In(i18n.Spanish)
	c.Language = i18n.Spanish
	c.Translations = maps.Clone(p.Translations)
	delete(c.Translations, i18n.Spanish)
	c.Translations[i18n.English] = en
	if err := c.Validate(); err != nil {
		t.Fatalf("the Spanish-speaking profile: %v", err)
	}
	return &c
}
