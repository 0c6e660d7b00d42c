package clinic

import (
	"strings"
	"testing"
	"time"
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
