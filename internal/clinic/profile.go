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
	// Email is the clinic's public contact address.
	Email string `json:"email"`
	// Website is the clinic's home page, an absolute https URL.
	Website string `json:"website"`
	// Address is the clinic's postal address on one line.
	Address string `json:"address"`
	// TimeZone is an IANA zone name such as America/Denver.
	TimeZone string `json:"timeZone"`
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
