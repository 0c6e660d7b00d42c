package appointment_test

import (
	"errors"
	"fmt"
	"log"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/libphonenumber"
)

func ExampleForm_Validate() {
	profile, err := clinic.Default()
	if err != nil {
		log.Fatal(err)
	}
	form := appointment.Form{
		"firstName": {"Jordan"},
		"lastName":  {"Rivera"},
		"email":     {"jordan@bücher.de"},
		"phone":     {"(303) 555-0142"},
		"service":   {"dry-needling"},
		"consent":   {"on"},
	}
	r, err := form.Validate(profile, libphonenumber.Reader{})
	if err != nil {
		log.Fatal(err)
	}
	sent, _ := appointment.SESAddress(r.Email)
	fmt.Println(r.Phone, r.Location, sent)

	form["phone"] = []string{"+1 900 654 3210"}
	form["email"] = []string{"тест@example.com"}
	_, err = form.Validate(profile, libphonenumber.Reader{})
	var ve *appointment.ValidationError
	if errors.As(err, &ve) {
		for _, fe := range ve.Errors {
			fmt.Println(fe.Field, fe.Code)
		}
	}
	// Output:
	// +13035550142 main jordan@xn--bcher-kva.de
	// email invalid
	// phone not_allowed
}
