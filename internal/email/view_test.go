package email

import (
	"strings"
	"testing"

	"example.com/appointments/internal/i18n"
)

func TestPreferredWhen(t *testing.T) {
	tests := []struct {
		days, times []string
		want        string
	}{
		{nil, nil, "Any day, any time"},
		{[]string{"mon", "wed"}, []string{"morning"}, "Monday or Wednesday, in the morning"},
		{[]string{"tue"}, nil, "Tuesday, any time"},
		{nil, []string{"evening"}, "Any day, in the evening"},
		{[]string{"mon", "wed", "fri"}, []string{"morning", "afternoon"}, "Monday, Wednesday or Friday, in the morning or afternoon"},
		{[]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, []string{"morning", "afternoon", "evening"}, "Any day, any time"},
		// Out of order or unknown values cannot come from validation; they
		// are put in calendar order or left out.
		{[]string{"fri", "mon", "someday"}, []string{"night"}, "Monday or Friday, any time"},
	}
	for _, tt := range tests {
		if got := preferredWhen(i18n.English, tt.days, tt.times); got != tt.want {
			t.Errorf("preferredWhen(%q, %q) = %q, want %q", tt.days, tt.times, got, tt.want)
		}
	}
}

// TestPreferredWhenInSpanish: the same choices in Spanish words, with
// the times of day as Spanish says them ("por la mañana").
func TestPreferredWhenInSpanish(t *testing.T) {
	tests := []struct {
		days, times []string
		want        string
	}{
		{nil, nil, "Cualquier día, a cualquier hora"},
		{[]string{"sat"}, []string{"morning", "afternoon"}, "Sábado, por la mañana o por la tarde"},
		{[]string{"mon", "wed", "fri"}, []string{"evening"}, "Lunes, miércoles o viernes, por la noche"},
		{nil, []string{"morning"}, "Cualquier día, por la mañana"},
	}
	for _, tt := range tests {
		if got := preferredWhen(i18n.Spanish, tt.days, tt.times); got != tt.want {
			t.Errorf("preferredWhen(es, %q, %q) = %q, want %q", tt.days, tt.times, got, tt.want)
		}
	}
}

// TestDisplayPatientPhone: a patient's stored number, with its extension.
func TestDisplayPatientPhone(t *testing.T) {
	tests := []struct {
		e164, ext, region string
		wantText          string
		wantDial          string
	}{
		{"+13035550123", "", "US", "(303) 555-0123", "+13035550123"},
		{"+13035550123", "204", "US", "(303) 555-0123 ext. 204", "+13035550123;ext=204"},
		{"+442071838750", "", "US", "+44 20 7183 8750", "+442071838750"},
		{"+442071838750", "", "GB", "020 7183 8750", "+442071838750"},
		{"+14165550123", "", "US", "+1 416-555-0123", "+14165550123"},
		{"+13035550123", "2;x", "US", "(303) 555-0123 ext. 2", "+13035550123;ext=2"},
	}
	for _, tt := range tests {
		text, dial := DisplayPhone(tt.e164, tt.ext, tt.region)
		if text != tt.wantText || dial != tt.wantDial {
			t.Errorf("DisplayPhone(%q, %q, %q) = %q, %q; want %q, %q", tt.e164, tt.ext, tt.region, text, dial, tt.wantText, tt.wantDial)
		}
	}
}

// TestDisplayClinicPhone: the clinic's number as its profile writes it,
// and one the library cannot read.
func TestDisplayClinicPhone(t *testing.T) {
	tests := []struct {
		phone, region      string
		wantText, wantDial string
	}{
		{"+1 303-555-0187", "US", "(303) 555-0187", "+13035550187"},
		{"303.555.0187", "US", "(303) 555-0187", "+13035550187"},
		{"not a number 12", "US", "not a number 12", "12"},
	}
	for _, tt := range tests {
		text, dial := DisplayPhone(tt.phone, "", tt.region)
		if text != tt.wantText || dial != tt.wantDial {
			t.Errorf("DisplayPhone(%q, \"\", %q) = %q, %q; want %q, %q", tt.phone, tt.region, text, dial, tt.wantText, tt.wantDial)
		}
	}
}

// TestProfilePhoneTextIsTheEmailsForm: the clinic's number as the action
// pages show it (the profile's phoneText, since ManageFunction does not
// link the phone library) is the form the emails show, so that pages and
// emails write it one way.
func TestProfilePhoneTextIsTheEmailsForm(t *testing.T) {
	p := defaultProfile(t)
	if text, _ := DisplayPhone(p.Phone, "", p.DefaultRegion); p.PhoneText != text {
		t.Errorf("the profile's phoneText is %q, the emails show %q: write %q in profile.json", p.PhoneText, text, text)
	}
}

func TestComposeHTMLHasNoUnsafeMarkup(t *testing.T) {
	c := newTestComposer(t, defaultProfile(t))
	for _, kind := range []Kind{Patient, FrontDesk} {
		msg, err := c.Compose(kind, completeRequest())
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"ZgotmplZ", "<img", "<script", "src=", "url(", "@import", "http://", "<link", "<form"} {
			if strings.Contains(msg.HTML, bad) {
				t.Errorf("%s HTML contains %q", kind, bad)
			}
		}
		for _, good := range []string{`lang="en"`, "<title>", `<meta name="color-scheme" content="light dark">`, `<meta name="supported-color-schemes" content="light dark">`, "prefers-color-scheme: dark", "max-width:600px"} {
			if !strings.Contains(msg.HTML, good) {
				t.Errorf("%s HTML lacks %q", kind, good)
			}
		}
	}
}

// TestPatientGreeting checks that the confirmation greets by name only
// when the first name is a plausible given name: the greeting is the one
// place where text a stranger typed reaches the patient's inbox.
func TestPatientGreeting(t *testing.T) {
	c := newTestComposer(t, defaultProfile(t))
	tests := []struct {
		firstName string
		want      string
	}{
		{"Jordan", "Hi Jordan,"},
		{"  Zoë ", "Hi Zoë,"},
		{"Mary J.", "Hi Mary J.,"},
		{"देवी", "Hi देवी,"},
		{"Claim refund at scam.io", "Hello,"},
		{"scam.io", "Hello,"},
		{"Call 555-0100", "Hello,"},
		{"win $100", "Hello,"},
		{"bit.ly/x", "Hello,"},
		{"退款请拨打四零零八二零零三三", "Hello,"},
		{"Refund Approved Today", "Hello,"},
		{"李娜", "Hi 李娜,"},
	}
	for _, tt := range tests {
		t.Run(tt.firstName, func(t *testing.T) {
			r := completeRequest()
			r.FirstName = tt.firstName
			msg, err := c.Compose(Patient, r)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(msg.Text, "\n"+tt.want+"\n") {
				t.Errorf("patient text does not greet with %q", tt.want)
			}
			if !strings.Contains(msg.HTML, ">"+htmlEscape(tt.want)+"<") {
				t.Errorf("patient HTML does not greet with %q", tt.want)
			}
		})
	}
}

// TestGreetingInEveryPatientEmail checks that the booking, moved, declined
// and cancelled emails greet as the confirmation does: a stranger's
// sentence typed as a first name reaches none of them, and a name reaches
// all of them.
func TestGreetingInEveryPatientEmail(t *testing.T) {
	tests := []struct {
		firstName string
		want      string
	}{
		{"退款请拨打四零零八二零零三三", "Hello,"},       // "for a refund dial 400-820-0033"
		{"请加微信kefuvip领取退款", "Hello,"},      // "add WeChat kefuvip to get a refund"
		{"คุณได้รับเงินคืนแล้ว", "Hello,"}, // "you have received your refund"
		{"Refund Approved Today", "Hello,"},
		{"RefundApprovedToday", "Hello,"},
		{"李娜", "Hi 李娜,"},
		{"Siobhán", "Hi Siobhán,"},
	}
	seen := map[string]bool{}
	for _, tc := range transitionCases(t) {
		if !tc.toPatient {
			continue
		}
		seen[tc.name] = true
		for _, tt := range tests {
			t.Run(tc.name+"/"+tt.firstName, func(t *testing.T) {
				r := tc.request
				r.FirstName = tt.firstName
				m, err := tc.composer(t).Compose(tc.kind, r)
				if err != nil {
					t.Fatal(err)
				}
				want := tt.want
				if r.Language == i18n.Spanish {
					want = spanishGreeting(want)
				}
				if !strings.Contains(m.Text, "\n"+want+"\n") || !strings.Contains(m.HTML, ">"+htmlEscape(want)+"<") {
					t.Errorf("does not greet with %q", want)
				}
				if tt.want == "Hello," && (strings.Contains(m.Text, tt.firstName) || strings.Contains(m.HTML, htmlEscape(tt.firstName))) {
					t.Errorf("carries the first name %q", tt.firstName)
				}
			})
		}
	}
	for _, name := range []string{"booking-complete", "booking-moved", "declined-complete", "cancelled-complete"} {
		if !seen[name] {
			t.Errorf("no case %s among the patient's emails", name)
		}
	}
}

// spanishGreeting is the Spanish of an English greeting: "Hello," is
// "Hola:", "Hi Ana," is "Hola, Ana:".
func spanishGreeting(en string) string {
	if name, ok := strings.CutPrefix(en, "Hi "); ok {
		return "Hola, " + strings.TrimSuffix(name, ",") + ":"
	}
	return "Hola:"
}
