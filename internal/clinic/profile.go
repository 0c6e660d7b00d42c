// Package clinic describes the clinic that receives appointment requests: its
// name and contact details, opening hours, services and locations.
//
// The profile is one JSON file embedded at build time (profile.json beside
// this file). A clinic adapting the project edits that file and rebuilds; the
// functions load and validate it once at start-up, so a mistake in it stops a
// deployment instead of surfacing in a patient's email.
package clinic

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	// The Lambda runtime image carries no zoneinfo database, so the time
	// zone named by the profile must be resolvable from the binary itself.
	_ "time/tzdata"

	"example.com/appointments/internal/i18n"
)

//go:embed profile.json
var defaultProfile []byte

// Profile is the clinic as patients and the front desk know it.
type Profile struct {
	// Name is the clinic's full name, as it appears in emails and pages.
	Name string `json:"name"`
	// ShortName is an abbreviation used where space is short.
	ShortName string `json:"shortName"`
	// Phone is the number patients call, in any dialable form.
	Phone string `json:"phone"`
	// PhoneText is Phone as patients read it, in the national format of
	// DefaultRegion, the form the emails show: the action pages show it,
	// since ManageFunction does not link the phone library that formats
	// it for the emails. Empty, they show Phone as written. Its digits
	// must be Phone's last digits; the email package's tests check that
	// the default profile's is the emails' form.
	PhoneText string `json:"phoneText,omitempty"`
	// Email is the clinic's public contact address.
	Email string `json:"email"`
	// Website is the clinic's home page, an absolute https URL.
	Website string `json:"website"`
	// Address is the clinic's postal address on one line.
	Address string `json:"address"`
	// TimeZone is an IANA zone name such as America/Denver.
	TimeZone string `json:"timeZone"`
	// Language is the clinic's language: the front desk's emails and pages
	// are in it, and a patient who does not choose one is spoken to in it.
	// Left out, it is English.
	Language i18n.Language `json:"language,omitempty"`
	// DefaultRegion is the ISO 3166 region used to read phone numbers typed
	// without a country code, such as US.
	DefaultRegion string `json:"defaultRegion"`
	// BrandColor is the accent colour of pages and emails, as #rrggbb.
	BrandColor string `json:"brandColor"`
	// Hours are the front desk's opening hours.
	Hours []Hours `json:"hours"`
	// ReplyWithinBusinessHours is how many business hours the front desk
	// takes at most to answer a request.
	ReplyWithinBusinessHours int `json:"replyWithinBusinessHours"`
	// EmergencyNotice tells patients that the form is not for emergencies.
	EmergencyNotice string `json:"emergencyNotice"`
	// WhatToBring are the things patients bring to every appointment, one
	// short line each, which the reminder before an appointment lists;
	// when left out, the reminder has no such list.
	WhatToBring []string `json:"whatToBring,omitempty"`
	// Services are what patients can ask for, in the order the form lists them.
	Services []Service `json:"services"`
	// Locations are the clinic's sites; with more than one, patients choose.
	Locations []Location `json:"locations"`
	// Translations hold the patient-facing texts above in each language
	// other than the clinic's, by language: a patient who reads it is
	// shown these (In). Every such language has every text.
	Translations map[i18n.Language]Texts `json:"translations,omitempty"`

	zone *time.Location
}

// Hours is one opening-hours rule: the days it applies to and the times, in
// the clinic's time zone, as HH:MM.
type Hours struct {
	Days   []string `json:"days"`
	Opens  string   `json:"opens"`
	Closes string   `json:"closes"`
}

// Service is a kind of appointment the clinic offers.
type Service struct {
	// ID is the value the form sends, lower case with dashes.
	ID string `json:"id"`
	// Label is the service's name as patients read it.
	Label string `json:"label"`
	// WhatToExpect are short paragraphs telling the patient how to prepare
	// and what the visit is like.
	WhatToExpect []string `json:"whatToExpect"`
	// Minutes is how long an appointment for the service usually lasts: the
	// length the front desk's schedule page starts from. When left out, it
	// is DefaultAppointmentMinutes.
	Minutes int `json:"minutes,omitempty"`
}

// Texts are the profile's patient-facing texts in one language.
type Texts struct {
	EmergencyNotice string   `json:"emergencyNotice"`
	WhatToBring     []string `json:"whatToBring,omitempty"`
	// Services and Locations hold each service's and location's texts by
	// its ID; the other fields of theirs are the same in every language.
	// Every service needs its texts; a location left out keeps its label,
	// most often the clinic's name.
	Services  map[string]ServiceText `json:"services"`
	Locations map[string]string      `json:"locations"`
}

// ServiceText is a service's name and what to expect, in one language.
type ServiceText struct {
	Label        string   `json:"label"`
	WhatToExpect []string `json:"whatToExpect"`
}

// In returns the profile as a patient who reads l reads it: its services'
// and locations' labels, what to expect, the emergency notice and what to
// bring in l. The clinic's language, an empty one and a language the
// profile has no texts in (see Languages) return the profile itself.
func (p *Profile) In(l i18n.Language) *Profile {
	t, ok := p.Translations[l]
	if !ok || l == p.Language {
		return p
	}
	c := *p
	c.EmergencyNotice = t.EmergencyNotice
	c.WhatToBring = t.WhatToBring
	c.Services = make([]Service, len(p.Services))
	for i, s := range p.Services {
		st := t.Services[s.ID]
		s.Label, s.WhatToExpect = st.Label, st.WhatToExpect
		c.Services[i] = s
	}
	c.Locations = make([]Location, len(p.Locations))
	for i, loc := range p.Locations {
		// A location is most often named for the clinic, the same in
		// every language; one without a translation keeps its label.
		if label := t.Locations[loc.ID]; label != "" {
			loc.Label = label
		}
		c.Locations[i] = loc
	}
	return &c
}

// DefaultAppointmentMinutes is the length of an appointment for a service
// whose profile does not say.
const DefaultAppointmentMinutes = 45

// Length is how long an appointment for the service usually lasts.
func (s Service) Length() time.Duration {
	if s.Minutes == 0 {
		return DefaultAppointmentMinutes * time.Minute
	}
	return time.Duration(s.Minutes) * time.Minute
}

// Location is one of the clinic's sites.
type Location struct {
	ID      string `json:"id"`
	Label   string `json:"label"`
	Address string `json:"address"`
	// FrontDeskEmail, when set, receives the notifications for requests at
	// this location instead of the clinic-wide front desk.
	FrontDeskEmail string `json:"frontDeskEmail,omitempty"`
}

// Weekdays are the day IDs the form and the profile use, Monday first.
var Weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

var (
	idPattern    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	colorPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	// regionPattern is an ISO 3166-1 alpha-2 code, as libphonenumber names
	// regions.
	regionPattern = regexp.MustCompile(`^[A-Z]{2}$`)
	clockPattern  = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
)

// Default returns the profile embedded in the binary.
func Default() (*Profile, error) {
	return Parse(defaultProfile)
}

// Parse reads a profile from JSON and validates it. Unknown fields are
// refused so that a misspelt setting is noticed rather than ignored.
func Parse(data []byte) (*Profile, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Profile
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("read clinic profile: %w", err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Validate reports every problem with the profile at once, in the order
// of its fields, so that whoever edits profile.json fixes it in one go.
func (p *Profile) Validate() error {
	var ps problems
	p.checkContact(&ps)
	p.checkLocale(&ps)
	if !colorPattern.MatchString(p.BrandColor) {
		ps.add("brandColor %q is not a #rrggbb colour", p.BrandColor)
	}
	p.checkHours(&ps)
	p.checkWhatToBring(&ps)
	checkChoices(&ps, "services", "service", p.Services)
	checkChoices(&ps, "locations", "location", p.Locations)
	p.checkTranslations(&ps)
	if err := errors.Join(ps...); err != nil {
		return fmt.Errorf("invalid clinic profile: %w", err)
	}
	return nil
}

// problems collects what is wrong with a profile, so that Validate can
// report all of it rather than the first.
type problems []error

func (ps *problems) add(format string, args ...any) {
	*ps = append(*ps, fmt.Errorf(format, args...))
}

// checkContact checks what patients reach the clinic by: every detail is
// printed in emails and pages, so none may be blank, and the address and
// website must be ones a mail client and a browser can open.
func (p *Profile) checkContact(ps *problems) {
	if strings.TrimSpace(p.Name) == "" {
		ps.add("name is required")
	}
	if strings.TrimSpace(p.Phone) == "" {
		ps.add("phone is required")
	}
	if p.PhoneText != "" && !samePhone(p.PhoneText, p.Phone) {
		ps.add("phoneText %q must be the phone %q written nationally, with the same last digits", p.PhoneText, p.Phone)
	}
	if _, err := mail.ParseAddress(p.Email); err != nil {
		ps.add("email %q is not an address", p.Email)
	}
	if u, err := url.Parse(p.Website); err != nil || u.Scheme != "https" || u.Host == "" {
		ps.add("website %q is not an absolute https URL", p.Website)
	}
	if strings.TrimSpace(p.Address) == "" {
		ps.add("address is required")
	}
}

// checkLocale checks how the clinic's times and phone numbers are read,
// and keeps the time zone it names for Zone.
func (p *Profile) checkLocale(ps *problems) {
	zone, err := time.LoadLocation(p.TimeZone)
	if err != nil || p.TimeZone == "" {
		ps.add("timeZone %q is not an IANA time zone", p.TimeZone)
	}
	p.zone = zone
	// Only the shape is checked here: the functions that read phone
	// numbers check that the phone library knows the region when they
	// start (libphonenumber.CheckRegion), and the others do without the
	// library's start-up cost.
	if !regionPattern.MatchString(p.DefaultRegion) {
		ps.add("defaultRegion %q is not a region code such as US", p.DefaultRegion)
	}
	if p.Language == "" {
		p.Language = i18n.English
	} else if l, ok := i18n.Parse(string(p.Language)); ok && l == p.Language {
		p.Language = l
	} else {
		ps.add("language %q is not en or es", p.Language)
	}
}

// checkHours checks the opening hours and the reply promise counted in
// them: each rule names known days and opens before it closes.
func (p *Profile) checkHours(ps *problems) {
	for i, h := range p.Hours {
		for _, d := range h.Days {
			if !slices.Contains(Weekdays, d) {
				ps.add("hours[%d]: day %q is not one of %s", i, d, strings.Join(Weekdays, ", "))
			}
		}
		if !clockPattern.MatchString(h.Opens) || !clockPattern.MatchString(h.Closes) || h.Opens >= h.Closes {
			ps.add("hours[%d]: opens %q and closes %q must be HH:MM with opens first", i, h.Opens, h.Closes)
		}
	}
	if p.ReplyWithinBusinessHours < 1 {
		ps.add("replyWithinBusinessHours must be at least 1")
	}
}

// checkWhatToBring checks the list the reminder shows: each entry is one
// line, since the plain-text email lists one per line, and none is blank.
func (p *Profile) checkWhatToBring(ps *problems) {
	for i, s := range p.WhatToBring {
		if strings.TrimSpace(s) == "" || strings.ContainsFunc(s, unicode.IsControl) {
			ps.add("whatToBring[%d] must be one line of text", i)
		}
	}
}

// checkChoices checks a list the form offers, services or locations: at
// least one entry, each with an ID the form can send that picks out one
// entry of its list and a label the patient can read, and then what is
// particular to the entry.
func checkChoices[T choice](ps *problems, list, noun string, entries []T) {
	if len(entries) == 0 {
		ps.add("at least one %s is required", noun)
	}
	seen := map[string]bool{}
	for i, e := range entries {
		id, label := e.choice()
		if !idPattern.MatchString(id) || seen[id] {
			ps.add("%s[%d]: id %q must be unique, lower case with dashes", list, i, id)
		}
		seen[id] = true
		if strings.TrimSpace(label) == "" {
			ps.add("%s[%d]: label is required", list, i)
		}
		e.check(ps, i)
	}
}

// choice is an entry of a list the form offers.
type choice interface {
	// choice returns what the form sends and what the patient reads.
	choice() (id, label string)
	// check adds the problems of the entry's own settings, the i-th of
	// its list.
	check(ps *problems, i int)
}

func (s Service) choice() (id, label string) { return s.ID, s.Label }

// check asks for a usual length the schedule page can start from.
func (s Service) check(ps *problems, i int) {
	if s.Minutes != 0 && (s.Minutes < 5 || s.Minutes > 480) {
		ps.add("services[%d]: minutes must be from 5 to 480, or left out", i)
	}
}

func (l Location) choice() (id, label string) { return l.ID, l.Label }

// check asks that a front desk address of the location's own be one mail
// can reach.
func (l Location) check(ps *problems, i int) {
	if l.FrontDeskEmail != "" {
		if _, err := mail.ParseAddress(l.FrontDeskEmail); err != nil {
			ps.add("locations[%d]: frontDeskEmail %q is not an address", i, l.FrontDeskEmail)
		}
	}
}

// Zone returns the clinic's time zone.
func (p *Profile) Zone() *time.Location {
	if p.zone == nil {
		return time.UTC
	}
	return p.zone
}

// Service returns the service with the given ID.
func (p *Profile) Service(id string) (Service, bool) {
	i := slices.IndexFunc(p.Services, func(s Service) bool { return s.ID == id })
	if i < 0 {
		return Service{}, false
	}
	return p.Services[i], true
}

// Location returns the location with the given ID.
func (p *Profile) Location(id string) (Location, bool) {
	i := slices.IndexFunc(p.Locations, func(l Location) bool { return l.ID == id })
	if i < 0 {
		return Location{}, false
	}
	return p.Locations[i], true
}

// ShownPhone is the clinic's number as pages show it: PhoneText, the form
// the emails show, or Phone as written when the profile has none.
func (p *Profile) ShownPhone() string {
	if p.PhoneText != "" {
		return p.PhoneText
	}
	return p.Phone
}

// samePhone reports whether text, one line, writes the number phone ends
// with: its digits, at least seven of them, are phone's last digits, as a
// national form leaves out the country code.
func samePhone(text, phone string) bool {
	if strings.ContainsAny(text, "\r\n") {
		return false
	}
	digits := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	}
	t := digits(text)
	return len(t) >= 7 && strings.HasSuffix(digits(phone), t)
}

// checkTranslations checks that each language the profile has texts in
// is one patients may choose, other than the clinic's, and has every
// patient-facing text: a patient reading Spanish must not meet an English
// service name.
func (p *Profile) checkTranslations(ps *problems) {
	for _, l := range slices.Sorted(maps.Keys(p.Translations)) {
		t := p.Translations[l]
		if !slices.Contains(i18n.Languages, l) || l == p.Language {
			ps.add("translations.%s: %q is not a language other than the clinic's that patients may choose", l, l)
			continue
		}
		if strings.TrimSpace(t.EmergencyNotice) == "" {
			ps.add("translations.%s.emergencyNotice is required", l)
		}
		if len(t.WhatToBring) != len(p.WhatToBring) {
			ps.add("translations.%s.whatToBring must have %d entries, as whatToBring has", l, len(p.WhatToBring))
		}
		for i, w := range t.WhatToBring {
			if strings.TrimSpace(w) == "" || strings.ContainsAny(w, "\r\n") {
				ps.add("translations.%s.whatToBring[%d] must be one line of text", l, i)
			}
		}
		for _, s := range p.Services {
			st := t.Services[s.ID]
			if strings.TrimSpace(st.Label) == "" || len(st.WhatToExpect) != len(s.WhatToExpect) {
				ps.add("translations.%s.services.%s needs a label and %d paragraphs of whatToExpect", l, s.ID, len(s.WhatToExpect))
			}
		}
	}
}

// Languages lists the languages patients may read the profile in: the
// clinic's, then each it has texts in, in the order of i18n.Languages.
func (p *Profile) Languages() []i18n.Language {
	out := []i18n.Language{p.Language}
	for _, l := range i18n.Languages {
		if _, ok := p.Translations[l]; ok && l != p.Language {
			out = append(out, l)
		}
	}
	return out
}
