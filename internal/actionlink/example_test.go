package actionlink_test

import (
	"errors"
	"fmt"
	"time"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
)

func Example() {
	// In the functions the secret comes from Secrets Manager, read once
	// at start.
	links, err := actionlink.New([]byte("an example secret of at least 32 bytes"))
	if err != nil {
		panic(err)
	}
	sent := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

	// The email of a new request carries a link to mark it contacted.
	a := appointment.ActionContact
	token := links.Sign(actionlink.Claims{
		RequestID: "k7qzm2xv4hn5rt3w6yjbp2dcfa",
		Action:    a,
		Audience:  a.Audience(),
		Expires:   actionlink.Expiry(a, sent),
	})
	fmt.Println(len(token), "characters")

	// The front desk opens /manage/contact/{token} the next day.
	c, err := links.Verify(token, appointment.ActionContact, sent.Add(24*time.Hour))
	fmt.Println(c.RequestID, c.Action, c.Audience, c.Expires, err)

	// The same token under another action's path is refused.
	_, err = links.Verify(token, appointment.ActionDecline, sent)
	fmt.Println(errors.Is(err, actionlink.ErrWrongAction))

	// After the expiry the claims still come back, to say when it was.
	c, err = links.Verify(token, appointment.ActionContact, sent.Add(60*24*time.Hour))
	fmt.Println(errors.Is(err, actionlink.ErrExpired), c.Expires)

	// Output:
	// 71 characters
	// k7qzm2xv4hn5rt3w6yjbp2dcfa contact frontDesk 2026-04-01 09:00:00 +0000 UTC <nil>
	// true
	// true 2026-04-01 09:00:00 +0000 UTC
}
