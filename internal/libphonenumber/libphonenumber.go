// Package libphonenumber reads and formats phone numbers with
// github.com/nyaruka/phonenumbers, the Go edition of Google's
// libphonenumber.
//
// The library decodes all of its metadata (every region's numbering plan)
// when a program starts, whether or not it reads a number: about 20 ms and
// 5 MB of a cold start on this project's functions (docs/performance.md).
// So only the programs that read or show a patient's number import this
// package: SubmitFunction, which validates the number typed into the form,
// and the functions that compose emails showing it. The domain
// (internal/appointment) reads numbers through an interface of its own and
// the clinic profile checks only the shape of its region code, so that
// ManageFunction and FeedbackFunction, which do neither, start without the
// library.
package libphonenumber

import (
	"errors"
	"fmt"

	"github.com/nyaruka/phonenumbers"
)

// ErrNotANumber is returned for input that is not a number anyone can dial.
var ErrNotANumber = errors.New("not a dialable phone number")

// Reader reads the phone numbers patients type. Its zero value is ready to
// use; it satisfies appointment.PhoneReader.
type Reader struct{}

// ReadPhone reads typed as a phone number, in region's national form when
// it has no country code. It returns the number in E.164, any extension
// apart, and whether the number costs its caller more than an ordinary call
// (premium rate or shared cost). A number the library does not hold valid
// (wrong length, unassigned range) is ErrNotANumber.
func (Reader) ReadPhone(typed, region string) (e164, extension string, costly bool, err error) {
	n, err := phonenumbers.Parse(typed, region)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", "", false, ErrNotANumber
	}
	switch phonenumbers.GetNumberType(n) {
	case phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST:
		costly = true
	}
	return phonenumbers.Format(n, phonenumbers.E164), n.GetExtension(), costly, nil
}

// CheckRegion returns an error unless the library knows region, an
// ISO 3166 code such as US, so that a clinic profile with a region the
// library cannot read numbers in stops a function at start rather than
// refusing every patient's number.
func CheckRegion(region string) error {
	if !phonenumbers.GetSupportedRegions()[region] {
		return fmt.Errorf("defaultRegion %q is not a region whose phone numbers can be read, such as US", region)
	}
	return nil
}

// FormatPhone returns the text Format gives number, for
// appointment.PhoneFormatter.
func (Reader) FormatPhone(number, extension, region string) (string, bool) {
	text, _, ok := Format(number, extension, region)
	return text, ok
}

// Format returns number, in E.164 or as a person wrote it, as someone in
// region reads and dials it: the text in the national form when the number
// is in region and in the international form otherwise, with extension
// after it, and the E.164 form for a tel: link. ok is false when the
// library cannot read number as a possible one.
func Format(number, extension, region string) (text, e164 string, ok bool) {
	n, err := phonenumbers.Parse(number, region)
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return "", "", false
	}
	if extension != "" {
		n.Extension = &extension
	}
	format := phonenumbers.INTERNATIONAL
	if phonenumbers.GetRegionCodeForNumber(n) == region {
		format = phonenumbers.NATIONAL
	}
	return phonenumbers.Format(n, format), phonenumbers.Format(n, phonenumbers.E164), true
}
