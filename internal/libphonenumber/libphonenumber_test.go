package libphonenumber

import (
	"errors"
	"testing"
)

func TestReadPhone(t *testing.T) {
	tests := []struct {
		typed, region   string
		e164, extension string
		costly          bool
		err             error
	}{
		{"(303) 555-0142", "US", "+13035550142", "", false, nil},
		{"303-555-0142 ext. 12", "US", "+13035550142", "12", false, nil},
		{"+44 20 7183 8750", "US", "+442071838750", "", false, nil},
		{"020 7183 8750", "GB", "+442071838750", "", false, nil},
		{"+1 900 654 3210", "US", "+19006543210", "", true, nil},
		{"+49 180 1 234567", "US", "+491801234567", "", true, nil},
		{"12", "US", "", "", false, ErrNotANumber},
		{"call me", "US", "", "", false, ErrNotANumber},
		{"(303) 555-0142", "ZZ", "", "", false, ErrNotANumber},
	}
	for _, tt := range tests {
		e164, ext, costly, err := Reader{}.ReadPhone(tt.typed, tt.region)
		if e164 != tt.e164 || ext != tt.extension || costly != tt.costly || !errors.Is(err, tt.err) {
			t.Errorf("ReadPhone(%q, %s) = %q, %q, %v, %v; want %q, %q, %v, %v",
				tt.typed, tt.region, e164, ext, costly, err, tt.e164, tt.extension, tt.costly, tt.err)
		}
	}
}

func TestCheckRegion(t *testing.T) {
	for _, region := range []string{"US", "GB", "MX", "DE"} {
		if err := CheckRegion(region); err != nil {
			t.Errorf("CheckRegion(%s): %v", region, err)
		}
	}
	for _, region := range []string{"XX", "ZZ", "us", "", "USA"} {
		if err := CheckRegion(region); err == nil {
			t.Errorf("CheckRegion(%q) accepted it", region)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		number, extension, region string
		text, e164                string
		ok                        bool
	}{
		// The clinic's own region reads its numbers nationally.
		{"+13035550142", "", "US", "(303) 555-0142", "+13035550142", true},
		{"+13035550142", "12", "US", "(303) 555-0142 ext. 12", "+13035550142", true},
		// A number from abroad is shown as it is dialled from the clinic.
		{"+442071838750", "", "US", "+44 20 7183 8750", "+442071838750", true},
		// A profile's number as a person wrote it.
		{"+1 303-555-0187", "", "US", "(303) 555-0187", "+13035550187", true},
		{"555", "", "US", "", "", false},
	}
	for _, tt := range tests {
		text, e164, ok := Format(tt.number, tt.extension, tt.region)
		if text != tt.text || e164 != tt.e164 || ok != tt.ok {
			t.Errorf("Format(%q, %q, %s) = %q, %q, %v; want %q, %q, %v", tt.number, tt.extension, tt.region, text, e164, ok, tt.text, tt.e164, tt.ok)
		}
		if text, ok := (Reader{}).FormatPhone(tt.number, tt.extension, tt.region); text != tt.text || ok != tt.ok {
			t.Errorf("FormatPhone(%q, %q, %s) = %q, %v; want %q, %v", tt.number, tt.extension, tt.region, text, ok, tt.text, tt.ok)
		}
	}
}
