package clinic

import (
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/i18n"
)

func TestDefaultProfile(t *testing.T) {
	p, err := Default()
	if err != nil {
		t.Fatalf("Default() error = %v", err)
	}
	var ids []string
	for _, s := range p.Services {
		ids = append(ids, s.ID)
	}
	if got, want := strings.Join(ids, ","), "evaluation,dry-needling,physical-therapy,manual-therapy,sports-performance"; got != want {
		t.Errorf("service IDs = %s, want %s", got, want)
	}
	if got := len(p.Locations); got != 1 {
		t.Errorf("locations = %d, want 1", got)
	}
	if got, want := p.Zone().String(), "America/Denver"; got != want {
		t.Errorf("Zone() = %s, want %s", got, want)
	}
	for _, s := range p.Services {
		if len(s.WhatToExpect) == 0 {
			t.Errorf("service %s has no whatToExpect text", s.ID)
		}
	}
	// The reminder before each appointment lists what to bring.
	if len(p.WhatToBring) == 0 {
		t.Error("the default profile has no whatToBring list")
	}
	for _, addr := range []string{p.Email, p.Website} {
		if !strings.Contains(addr, "example.com") {
			t.Errorf("default contact detail %q is not an obviously example one", addr)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	valid := string(defaultProfile)
	tests := []struct {
		name, from, to, want string
	}{
		{"unknown field", `"name":`, `"nmae": "x", "name":`, "unknown field"},
		{"bad zone", `"America/Denver"`, `"Mars/Olympus"`, "timeZone"},
		{"bad region", `"defaultRegion": "US"`, `"defaultRegion": "usa"`, "defaultRegion"},
		{"duplicate service", `"id": "manual-therapy"`, `"id": "evaluation"`, "services[3]"},
		{"bad service id", `"id": "sports-performance"`, `"id": "Sports Performance"`, "services[4]"},
		{"bad hours", `"opens": "08:00", "closes": "12:00"`, `"opens": "12:00", "closes": "08:00"`, "hours[2]"},
		{"bad colour", `"#0f4c5c"`, `"teal"`, "brandColor"},
		{"http website", `"https://www.example.com"`, `"http://www.example.com"`, "website"},
		{"blank thing to bring", `"Comfortable clothes you can move in"`, `"  "`, "whatToBring[0]"},
		{"thing to bring on two lines", `"A photo ID and your insurance card"`, `"A photo ID\nand your insurance card"`, "whatToBring[1]"},
		{"bad front desk", `"label": "Ascent Total Performance",`, `"label": "Ascent Total Performance", "frontDeskEmail": "desk@",`, "frontDeskEmail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.Replace(valid, tt.from, tt.to, 1)
			if data == valid {
				t.Fatalf("test edit %q did not apply", tt.from)
			}
			_, err := Parse([]byte(data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse() error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestServiceLength(t *testing.T) {
	p, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := p.Service("evaluation"); s.Length() != time.Hour {
		t.Errorf("evaluation lasts %v, want 1h", s.Length())
	}
	if got := (Service{}).Length(); got != DefaultAppointmentMinutes*time.Minute {
		t.Errorf("a service without minutes lasts %v", got)
	}
	bad := *p
	bad.Services = append([]Service(nil), p.Services...)
	bad.Services[0].Minutes = 2
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "minutes") {
		t.Errorf("Validate() with 2 minutes = %v", err)
	}
}

// TestValidateMessages pins the whole text Validate reports, every
// problem in the order the profile's fields come, so that a front desk
// editing profile.json reads the same list whatever shape the checks take.
func TestValidateMessages(t *testing.T) {
	p, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		profile Profile
		want    []string
	}{
		{
			name: "every field missing",
			want: []string{
				"name is required",
				"phone is required",
				`email "" is not an address`,
				`website "" is not an absolute https URL`,
				"address is required",
				`timeZone "" is not an IANA time zone`,
				`defaultRegion "" is not a region code such as US`,
				`brandColor "" is not a #rrggbb colour`,
				"replyWithinBusinessHours must be at least 1",
				"at least one service is required",
				"at least one location is required",
			},
		},
		{
			name: "every entry wrong",
			profile: Profile{
				Name:          " ",
				Phone:         "\t",
				Email:         "desk@",
				Website:       "https:///no-host",
				Address:       "\n",
				TimeZone:      "Mars/Olympus",
				DefaultRegion: "usa",
				BrandColor:    "#0f4c5",
				Hours: []Hours{
					{Days: []string{"mon", "funday"}, Opens: "08:00", Closes: "17:00"},
					{Days: []string{"sat"}, Opens: "12:00", Closes: "08:00"},
					{Days: []string{"sun"}, Opens: "8:00", Closes: "12:00"},
					{Days: []string{"tue"}, Opens: "09:00", Closes: "09:00"},
				},
				ReplyWithinBusinessHours: -1,
				WhatToBring:              []string{"Photo ID", "", "Insurance\r\ncard", "\t"},
				Services: []Service{
					{ID: "evaluation", Label: "Evaluation"},
					{ID: "evaluation", Label: " ", Minutes: 4},
					{ID: "Sports Performance", Label: "Sports", Minutes: 481},
					{ID: "main", Label: "Main", Minutes: 480},
				},
				Locations: []Location{
					{ID: "main", Label: "Main"},
					{ID: "main", Label: "", FrontDeskEmail: "desk@"},
					{ID: "-annex", Label: "Annex", FrontDeskEmail: "annex@example.com"},
				},
			},
			want: []string{
				"name is required",
				"phone is required",
				`email "desk@" is not an address`,
				`website "https:///no-host" is not an absolute https URL`,
				"address is required",
				`timeZone "Mars/Olympus" is not an IANA time zone`,
				`defaultRegion "usa" is not a region code such as US`,
				`brandColor "#0f4c5" is not a #rrggbb colour`,
				`hours[0]: day "funday" is not one of mon, tue, wed, thu, fri, sat, sun`,
				`hours[1]: opens "12:00" and closes "08:00" must be HH:MM with opens first`,
				`hours[2]: opens "8:00" and closes "12:00" must be HH:MM with opens first`,
				`hours[3]: opens "09:00" and closes "09:00" must be HH:MM with opens first`,
				"replyWithinBusinessHours must be at least 1",
				"whatToBring[1] must be one line of text",
				"whatToBring[2] must be one line of text",
				"whatToBring[3] must be one line of text",
				`services[1]: id "evaluation" must be unique, lower case with dashes`,
				"services[1]: label is required",
				"services[1]: minutes must be from 5 to 480, or left out",
				`services[2]: id "Sports Performance" must be unique, lower case with dashes`,
				"services[2]: minutes must be from 5 to 480, or left out",
				`locations[1]: id "main" must be unique, lower case with dashes`,
				"locations[1]: label is required",
				`locations[1]: frontDeskEmail "desk@" is not an address`,
				`locations[2]: id "-annex" must be unique, lower case with dashes`,
			},
		},
		{
			name:    "a phone written for show that is another number",
			profile: withPhoneText(p, "(303) 555-0188"),
			want:    []string{`phoneText "(303) 555-0188" must be the phone "+1 303-555-0187" written nationally, with the same last digits`},
		},
		{
			name:    "a phone written for show on two lines",
			profile: withPhoneText(p, "(303)\n555-0187"),
			want:    []string{`phoneText "(303)\n555-0187" must be the phone "+1 303-555-0187" written nationally, with the same last digits`},
		},
		{
			name:    "a phone written for show too short to be one",
			profile: withPhoneText(p, "0187"),
			want:    []string{`phoneText "0187" must be the phone "+1 303-555-0187" written nationally, with the same last digits`},
		},
		{
			name:    "a language patients are not spoken to in",
			profile: withLanguage(p, "fr"),
			want:    []string{`language "fr" is not en or es`},
		},
		{
			name:    "a language in capitals",
			profile: withLanguage(p, "ES"),
			want:    []string{`language "ES" is not en or es`},
		},
		{
			name:    "an http website",
			profile: withWebsite(p, "http://www.example.com"),
			want:    []string{`website "http://www.example.com" is not an absolute https URL`},
		},
		{
			name:    "a website that does not parse",
			profile: withWebsite(p, "https://www.example.com/%zz"),
			want:    []string{`website "https://www.example.com/%zz" is not an absolute https URL`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.profile.Validate()
			if err == nil {
				t.Fatal("Validate() = nil")
			}
			if got, want := err.Error(), "invalid clinic profile: "+strings.Join(tt.want, "\n"); got != want {
				t.Errorf("Validate() =\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// withWebsite returns a copy of p with another website.
func withWebsite(p *Profile, website string) Profile {
	q := *p
	q.Website = website
	return q
}

// TestValidateSetsZone checks that a valid profile keeps its zone for
// Zone, and that a service and a location may share an ID: the form sends
// them in separate fields.
func TestValidateSetsZone(t *testing.T) {
	p, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	q := *p
	q.TimeZone = "Asia/Kolkata"
	q.Locations = []Location{{ID: q.Services[0].ID, Label: "Main"}}
	if err := q.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	if got, want := q.Zone().String(), "Asia/Kolkata"; got != want {
		t.Errorf("Zone() = %s, want %s", got, want)
	}
}

func withPhoneText(p *Profile, text string) Profile {
	c := *p
	c.PhoneText = text
	return c
}

func withLanguage(p *Profile, l i18n.Language) Profile {
	c := *p
	c.Language = l
	return c
}

// TestLanguage: the default profile speaks English, and a profile that
// names no language speaks English too.
func TestLanguage(t *testing.T) {
	p, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if p.Language != i18n.English {
		t.Errorf("the default profile's language is %q, want en", p.Language)
	}
	c := *p
	c.Language = ""
	if err := c.Validate(); err != nil || c.Language != i18n.English {
		t.Errorf("a profile without a language: %v, language %q; want valid and English", err, c.Language)
	}
	c.Language, c.Translations = i18n.Spanish, nil
	if err := c.Validate(); err != nil || c.Language != i18n.Spanish {
		t.Errorf("a Spanish-speaking profile: %v, language %q", err, c.Language)
	}
}

// TestTranslations: the default profile has every patient-facing text in
// Spanish, which In gives a patient reading Spanish; a translation that
// lacks a service's texts, or is in the clinic's own language, is refused.
func TestTranslations(t *testing.T) {
	p, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Languages(); !slices.Equal(got, []i18n.Language{i18n.English, i18n.Spanish}) {
		t.Errorf("Languages() = %v, want en and es", got)
	}
	es := p.In(i18n.Spanish)
	if es.EmergencyNotice == p.EmergencyNotice || es.Services[0].Label != "Evaluación de fisioterapia" || len(es.WhatToBring) != len(p.WhatToBring) || es.WhatToBring[0] == p.WhatToBring[0] {
		t.Errorf("In(es) = %+v", es)
	}
	for i, s := range es.Services {
		if s.ID != p.Services[i].ID || s.Minutes != p.Services[i].Minutes || len(s.WhatToExpect) != len(p.Services[i].WhatToExpect) {
			t.Errorf("In(es) changed service %d beyond its texts: %+v", i, s)
		}
	}
	if es.Locations[0].Label != p.Locations[0].Label || es.Locations[0].Address != p.Locations[0].Address {
		t.Errorf("In(es) location = %+v", es.Locations[0])
	}
	if p.In(i18n.English) != p || p.In("") != p {
		t.Error("In(the clinic's language) is not the profile itself")
	}
	if p.Services[0].Label != "Physical therapy evaluation" {
		t.Errorf("In changed the profile: %+v", p.Services[0])
	}

	missing := *p
	missing.Translations = map[i18n.Language]Texts{i18n.Spanish: p.Translations[i18n.Spanish]}
	missing.Translations[i18n.Spanish] = Texts{EmergencyNotice: "Aviso.", WhatToBring: p.Translations[i18n.Spanish].WhatToBring}
	err = missing.Validate()
	if err == nil || !strings.Contains(err.Error(), "translations.es.services.evaluation needs a label") {
		t.Errorf("a translation without services: %v", err)
	}
	own := *p
	own.Translations = map[i18n.Language]Texts{i18n.English: p.Translations[i18n.Spanish]}
	if err := own.Validate(); err == nil || !strings.Contains(err.Error(), "translations.en") {
		t.Errorf("a translation into the clinic's own language: %v", err)
	}
}
