package email_test

import (
	"fmt"
	"log"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/email"
)

func ExampleComposer_Compose() {
	profile, err := clinic.Default()
	if err != nil {
		log.Fatal(err)
	}
	composer, err := email.NewComposer(profile, email.Settings{
		Sender:    "appointments@example.com",
		FrontDesk: []string{"frontdesk@example.com"},
	})
	if err != nil {
		log.Fatal(err)
	}
	request := appointment.Request{
		Reference: "K7M2-Q9XD",
		FirstName: "Jordan",
		LastName:  "Rivera",
		Email:     "jordan@example.com",
		Phone:     "+13035550123",
		Service:   "dry-needling",
		Location:  "main",
		CreatedAt: time.Date(2026, 11, 27, 16, 30, 0, 0, time.UTC),
	}
	for _, kind := range []email.Kind{email.Patient, email.FrontDesk} {
		msg, err := composer.Compose(kind, request)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s to %v: %s\n", msg.Kind, msg.To, msg.Subject)
	}
	// Output:
	// patient to [jordan@example.com]: We received your appointment request
	// frontDesk to [frontdesk@example.com]: New appointment request K7M2-Q9XD: Dry needling, Ascent Total Performance
}
