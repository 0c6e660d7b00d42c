package email

import (
	"strings"
	"testing"

	"example.com/appointments/internal/appointment"
)

// TestComposeBounceNotice: the notice that a confirmation bounced goes to
// the request's front desk, names the request by its reference, tells them
// to call and gives the number to call, with the links to act; no reply
// goes to the address that bounced.
func TestComposeBounceNotice(t *testing.T) {
	c := newTestComposer(t, defaultProfile(t))
	r := completeRequest()
	msg, err := c.Compose(appointment.EmailBounceNotice, r)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "bouncenotice.html", msg.HTML)
	checkGolden(t, "bouncenotice.txt", msg.Text)
	if strings.Join(msg.To, ",") != strings.Join(testFrontDesk, ",") {
		t.Errorf("To = %v, want the front desk %v", msg.To, testFrontDesk)
	}
	if !strings.Contains(msg.Subject, r.Reference) || !strings.Contains(msg.Subject, "bounced") {
		t.Errorf("Subject = %q", msg.Subject)
	}
	for _, want := range []string{"bounced: call them", "(303) 555-0123", r.Reference, testLinks(r.ID, appointment.ActionContact)} {
		if !strings.Contains(msg.Text, want) || !strings.Contains(msg.HTML, want) {
			t.Errorf("the notice does not say %q", want)
		}
	}
	if strings.Contains(string(msg.Raw), "Reply-To") {
		t.Error("the notice has a Reply-To: a reply would go to the address that bounced")
	}
	// A bounce notice is about no transition: one in the history is not
	// needed, and the kind is not taken for one.
	if _, _, ok := appointment.EmailBounceNotice.Transition(); ok {
		t.Error("the bounce notice reads as a transition's email")
	}
}
