package httpapi

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/libphonenumber"
)

// FuzzDecode feeds arbitrary bodies through decoding and validation. Nothing
// may panic, and whatever is accepted must be safe to put in an email: no
// control character in any single-line field, and in the reason none but
// line feeds. Seeds live in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	p, err := clinic.Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Add("application/json", []byte(validJSON))
	f.Add("application/x-www-form-urlencoded", []byte(validValues().Encode()))
	f.Fuzz(func(t *testing.T, contentType string, b []byte) {
		mt, params, err := mediaType(contentType)
		if err != nil {
			return
		}
		if len(b) > MaxBodyBytes {
			return
		}
		form, fieldErrs, err := decode(mt, params, b)
		if mt == mediaJSON {
			sameAsReference(t, b, form, fieldErrs, err)
		}
		if err != nil {
			return
		}
		r, err := form.Validate(p, libphonenumber.Reader{})
		if err != nil {
			return
		}
		single := []string{r.FirstName, r.LastName, r.Email, r.Phone, r.PhoneExtension, r.Service, r.Location, r.ContactMethod}
		single = append(single, r.PreferredDays...)
		single = append(single, r.PreferredTimes...)
		for _, s := range single {
			if strings.IndexFunc(s, unicode.IsControl) >= 0 {
				t.Fatalf("accepted control character in %q", s)
			}
			if strings.IndexFunc(s, func(c rune) bool { return unicode.Is(unicode.Cf, c) || c == utf8.RuneError }) >= 0 {
				t.Fatalf("accepted an invisible or unreadable character in %+q", s)
			}
		}
		if _, err := appointment.SESAddress(r.Email); err != nil {
			t.Fatalf("accepted email %+q that SES cannot take: %v", r.Email, err)
		}
		if strings.IndexFunc(r.Reason, func(c rune) bool { return c != '\n' && unicode.IsControl(c) }) >= 0 {
			t.Fatalf("accepted control character in reason %q", r.Reason)
		}
		if r.Email != "" && strings.ContainsAny(r.Email, ",;<> ") {
			t.Fatalf("accepted email %q that is not one bare address", r.Email)
		}
		if _, ok := p.Service(r.Service); !ok {
			t.Fatalf("accepted unknown service %q", r.Service)
		}
		if !strings.HasPrefix(r.Phone, "+") {
			t.Fatalf("phone %q is not E.164", r.Phone)
		}
	})
}

// sameAsReference fails unless decodeJSON answered b exactly as
// referenceDecodeJSON does.
func sameAsReference(t *testing.T, b []byte, form appointment.Form, fieldErrs []appointment.FieldError, err error) {
	t.Helper()
	wantForm, wantErrs, wantErr := referenceDecodeJSON(b)
	if fmt.Sprint(err) != fmt.Sprint(wantErr) {
		t.Fatalf("%q: error %v, reference %v", b, err, wantErr)
	}
	if !reflect.DeepEqual(form, wantForm) && !(len(form) == 0 && len(wantForm) == 0) {
		t.Fatalf("%q: form %#v, reference %#v", b, form, wantForm)
	}
	if !reflect.DeepEqual(fieldErrs, wantErrs) && !(len(fieldErrs) == 0 && len(wantErrs) == 0) {
		t.Fatalf("%q: field errors %#v, reference %#v", b, fieldErrs, wantErrs)
	}
}
