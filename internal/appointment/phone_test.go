package appointment

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/libphonenumber"
	"github.com/nyaruka/phonenumbers"
)

// numberTypes are the kinds of number libphonenumber gives an example of,
// with whether a patient may leave one as their call-back number: every
// kind the clinic can call at an ordinary rate, and none that charges it
// more (premium rate) or splits the charge (shared cost).
var numberTypes = []struct {
	kind    phonenumbers.PhoneNumberType
	name    string
	allowed bool
}{
	{phonenumbers.FIXED_LINE, "fixed line", true},
	{phonenumbers.MOBILE, "mobile", true},
	{phonenumbers.TOLL_FREE, "toll free", true},
	{phonenumbers.VOIP, "VoIP", true},
	{phonenumbers.PERSONAL_NUMBER, "personal number", true},
	{phonenumbers.PAGER, "pager", true},
	{phonenumbers.UAN, "UAN", true},
	{phonenumbers.VOICEMAIL, "voicemail", true},
	{phonenumbers.PREMIUM_RATE, "premium rate", false},
	{phonenumbers.SHARED_COST, "shared cost", false},
}

// TestValidatePhoneEveryRegionAndType submits the example number of every
// kind in every region libphonenumber knows, as a patient abroad types it
// (international form) and as a patient at home types it (national form,
// with the clinic's default region set to that region). Callable kinds are
// stored in E.164; premium-rate and shared-cost numbers are refused with
// not_allowed, in every region.
func TestValidatePhoneEveryRegionAndType(t *testing.T) {
	base := profile(t)
	var regions []string
	for r := range phonenumbers.GetSupportedRegions() {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	if len(regions) < 240 {
		t.Fatalf("the library supports %d regions; expected every region", len(regions))
	}
	accepted, refused, unreadable := 0, 0, 0
	for _, region := range regions {
		home := *base
		home.DefaultRegion = region
		for _, nt := range numberTypes {
			n := phonenumbers.GetExampleNumberForType(region, nt.kind)
			if n == nil {
				continue
			}
			e164 := phonenumbers.Format(n, phonenumbers.E164)
			for _, typed := range []struct {
				form    string
				profile *clinic.Profile
				input   string
			}{
				{"international", base, phonenumbers.Format(n, phonenumbers.INTERNATIONAL)},
				{"national", &home, phonenumbers.Format(n, phonenumbers.NATIONAL)},
			} {
				name := fmt.Sprintf("%s %s %s %q", region, nt.name, typed.form, typed.input)
				if !readsBack(typed.input, typed.profile.DefaultRegion, e164) {
					// A few national display forms are not dialling
					// forms (Argentina's mobile "15" infix): the library
					// itself reads them as another number, so no
					// validator built on it could accept them.
					t.Logf("%s: the library does not read its own national form back", name)
					unreadable++
					continue
				}
				r, err := with(validForm(), FieldPhone, typed.input).Validate(typed.profile, libphonenumber.Reader{})
				if !nt.allowed {
					var ve *ValidationError
					if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Code != CodeNotAllowed {
						t.Errorf("%s: error %v, want phone not_allowed", name, err)
					}
					refused++
					continue
				}
				if err != nil {
					t.Errorf("%s: error %v, want it accepted", name, err)
					continue
				}
				if r.Phone != e164 {
					t.Errorf("%s: stored %q, want %q", name, r.Phone, e164)
				}
				accepted++
			}
		}
	}
	// Every region has at least a fixed-line or mobile example, and
	// premium-rate examples exist in well over a hundred regions, so a
	// corpus much smaller than this means the examples went missing.
	t.Logf("%d inputs accepted, %d refused, %d not read back by the library", accepted, refused, unreadable)
	if unreadable > 5 {
		t.Errorf("%d example numbers are not read back by the library", unreadable)
	}
	if accepted < 2*400 || refused < 2*100 {
		t.Errorf("accepted %d and refused %d inputs: the examples no longer cover the regions", accepted, refused)
	}
}

// readsBack reports whether the library reads input, typed in region, as
// the valid number e164.
func readsBack(input, region, e164 string) bool {
	n, err := phonenumbers.Parse(input, region)
	return err == nil && phonenumbers.IsValidNumber(n) && phonenumbers.Format(n, phonenumbers.E164) == e164
}
