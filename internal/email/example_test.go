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

// The emails of a change of status are named by the transition's place in
// the request's history.
func ExampleComposer_Compose_booking() {
	profile, err := clinic.Default()
	if err != nil {
		log.Fatal(err)
	}
	composer, err := email.NewComposer(profile, email.Settings{
		Sender:    "appointments@example.com",
		FrontDesk: []string{"frontdesk@example.com"},
		Links: func(id string, a appointment.Action) string {
			return "https://api.example.com/manage/" + string(a) + "/" + id
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	request := appointment.Request{
		ID:        "req1",
		Reference: "K7M2-Q9XD",
		FirstName: "Jordan",
		LastName:  "Rivera",
		Email:     "jordan@example.com",
		Phone:     "+13035550123",
		Service:   "dry-needling",
		Location:  "main",
		Status:    appointment.StatusReceived,
		CreatedAt: time.Date(2026, 11, 27, 16, 30, 0, 0, time.UTC),
	}
	request, _, err = request.Apply(appointment.Command{
		Action:   appointment.ActionSchedule,
		Audience: appointment.AudienceFrontDesk,
		Booking:  &appointment.Booking{Start: time.Date(2026, 12, 2, 9, 30, 0, 0, profile.Zone()), Length: 30 * time.Minute},
	}, time.Date(2026, 11, 27, 17, 0, 0, 0, time.UTC))
	if err != nil {
		log.Fatal(err)
	}
	msg, err := composer.Compose(appointment.TransitionEmail(appointment.EmailBooking, 0), request)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s to %v: %s (invitation attached: %t)\n", msg.Kind, msg.To, msg.Subject, msg.Calendar != nil)
	// Output:
	// booking-0 to [jordan@example.com]: Your appointment is booked: Wednesday, December 2 at 9:30 AM (invitation attached: true)
}
