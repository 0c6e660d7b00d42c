package actionlink

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
)

var (
	testKey  = []byte("0123456789abcdef0123456789abcdef")
	otherKey = []byte("fedcba9876543210fedcba9876543210")
	// t0 is a whole second, as a token keeps it.
	t0 = time.Date(2026, time.March, 14, 9, 30, 0, 0, time.UTC)
	// testID holds both ends of both ranges of the ID alphabet.
	testID = "qrstuvwxyz234567abcdefghij"
)

func newSigner(t testing.TB, key []byte) *Signer {
	t.Helper()
	s, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// claimsFor are the claims of a link for a, sent at t0.
func claimsFor(a appointment.Action) Claims {
	return Claims{RequestID: testID, Action: a, Audience: a.Audience(), Expires: Expiry(a, t0)}
}

func sameClaims(a, b Claims) bool {
	return a.RequestID == b.RequestID && a.Action == b.Action && a.Audience == b.Audience && a.Expires.Equal(b.Expires)
}

func TestNewRefusesShortKeys(t *testing.T) {
	tests := []struct {
		name string
		key  []byte
		ok   bool
	}{
		{"nil", nil, false},
		{"empty", []byte{}, false},
		{"31 bytes", make([]byte, 31), false},
		{"32 bytes", make([]byte, 32), true},
		{"64 bytes", make([]byte, 64), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.key)
			if (err == nil) != tt.ok || (s != nil) != tt.ok {
				t.Errorf("New(%d bytes) = %v, %v; want ok %v", len(tt.key), s, err, tt.ok)
			}
		})
	}
}

// TestNewDoesNotKeepSecret: the signer holds a derived key, so changing the
// caller's slice afterwards changes nothing.
func TestNewDoesNotKeepSecret(t *testing.T) {
	secret := append([]byte(nil), testKey...)
	s := newSigner(t, secret)
	token := s.Sign(claimsFor(appointment.ActionContact))
	for i := range secret {
		secret[i] = 0
	}
	if got := s.Sign(claimsFor(appointment.ActionContact)); got != token {
		t.Errorf("token changed with the caller's secret: %s, was %s", got, token)
	}
}

func TestRoundTripEveryAction(t *testing.T) {
	s := newSigner(t, testKey)
	for _, a := range appointment.Actions {
		t.Run(string(a), func(t *testing.T) {
			want := claimsFor(a)
			token := s.Sign(want)
			got, err := s.Verify(token, a, t0)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !sameClaims(got, want) {
				t.Errorf("Verify = %+v, want %+v", got, want)
			}
			if got.Expires.Location() != time.UTC {
				t.Errorf("Expires in %v, want UTC", got.Expires.Location())
			}
			if again := s.Sign(got); again != token {
				t.Errorf("signing the verified claims gives %s, want %s", again, token)
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	tests := []struct {
		action appointment.Action
		want   time.Duration
	}{
		{appointment.ActionContact, FrontDeskValidity},
		{appointment.ActionSchedule, FrontDeskValidity},
		{appointment.ActionReschedule, FrontDeskValidity},
		{appointment.ActionDecline, FrontDeskValidity},
		{appointment.ActionCancel, PatientValidity},
		{appointment.ActionCancelBooking, FrontDeskValidity},
		{appointment.ActionAttended, FrontDeskValidity},
		{appointment.ActionNoShow, FrontDeskValidity},
	}
	if len(tests) != len(appointment.Actions) {
		t.Fatalf("the table has %d actions, appointment.Actions %d", len(tests), len(appointment.Actions))
	}
	denver, err := time.LoadLocation("America/Denver")
	if err != nil {
		denver = time.FixedZone("MST", -7*3600)
	}
	for _, tt := range tests {
		t.Run(string(tt.action), func(t *testing.T) {
			if got := Expiry(tt.action, t0); !got.Equal(t0.Add(tt.want)) {
				t.Errorf("Expiry(%s, t0) = %v, want t0 + %v", tt.action, got, tt.want)
			}
			// A token keeps whole seconds, so Expiry rounds down to
			// the second, to the same instant whatever the zone.
			now := t0.Add(999 * time.Millisecond).In(denver)
			got := Expiry(tt.action, now)
			if !got.Equal(t0.Add(tt.want)) || got.Location() != time.UTC {
				t.Errorf("Expiry(%s, %v) = %v, want %v in UTC", tt.action, now, got, t0.Add(tt.want))
			}
		})
	}
}

// TestRequestPath: a link sent for a request follows the request's rule
// (appointment.Request.LinkExpiry): the front desk's links of a booked
// appointment last until a week after it, even when that is further off
// than FrontDeskValidity, and every other link lasts its audience's
// validity.
func TestRequestPath(t *testing.T) {
	s := newSigner(t, testKey)
	far := &appointment.Booking{Start: t0.Add(200 * 24 * time.Hour), Length: time.Hour}
	near := &appointment.Booking{Start: t0.Add(2 * 24 * time.Hour), Length: time.Hour}
	tests := []struct {
		name   string
		r      appointment.Request
		action appointment.Action
		want   time.Time
	}{
		{"open, front desk", appointment.Request{ID: testID, Status: appointment.StatusReceived}, appointment.ActionSchedule, t0.Add(FrontDeskValidity)},
		{"open, patient", appointment.Request{ID: testID, Status: appointment.StatusReceived}, appointment.ActionCancel, t0.Add(PatientValidity)},
		{"booked far ahead, front desk", appointment.Request{ID: testID, Status: appointment.StatusScheduled, Booking: far}, appointment.ActionAttended, far.End().Add(appointment.LinksAfterAppointment)},
		{"booked soon, front desk", appointment.Request{ID: testID, Status: appointment.StatusScheduled, Booking: near}, appointment.ActionCancelBooking, near.End().Add(appointment.LinksAfterAppointment)},
		{"booked, patient", appointment.Request{ID: testID, Status: appointment.StatusScheduled, Booking: far}, appointment.ActionCancel, t0.Add(PatientValidity)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := s.RequestPath(tt.r, tt.action, t0)
			prefix := PathPrefix + string(tt.action) + "/"
			if !strings.HasPrefix(path, prefix) {
				t.Fatalf("RequestPath = %q, want it under %q", path, prefix)
			}
			c, err := s.Verify(strings.TrimPrefix(path, prefix), tt.action, t0)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Expires.Equal(tt.want) {
				t.Errorf("expires %v, want %v", c.Expires, tt.want)
			}
		})
	}
}

// TestTamperEveryByte: changing any bit, or all bits, of any byte of the
// decoded token makes it invalid.
func TestTamperEveryByte(t *testing.T) {
	s := newSigner(t, testKey)
	for _, a := range []appointment.Action{appointment.ActionSchedule, appointment.ActionCancel} {
		token := s.Sign(claimsFor(a))
		raw, err := encoding.DecodeString(token)
		if err != nil || len(raw) != payloadLen {
			t.Fatalf("decode %q: %d bytes, %v", token, len(raw), err)
		}
		for i := range raw {
			for _, mask := range []byte{0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff} {
				b := append([]byte(nil), raw...)
				b[i] ^= mask
				tampered := encoding.EncodeToString(b)
				c, err := s.Verify(tampered, a, t0)
				if !errors.Is(err, ErrInvalid) || c != (Claims{}) {
					t.Errorf("%s: byte %d ^ %#02x: Verify = %+v, %v; want ErrInvalid", a, i, mask, c, err)
				}
			}
		}
	}
}

func TestOtherKeyInvalid(t *testing.T) {
	s := newSigner(t, testKey)
	other := newSigner(t, otherKey)
	for _, a := range appointment.Actions {
		if _, err := s.Verify(other.Sign(claimsFor(a)), a, t0); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: token of another key: %v, want ErrInvalid", a, err)
		}
	}
	// A tag made with the secret itself rather than the key derived from
	// it is refused too: the secret is never the MAC key.
	token := s.Sign(claimsFor(appointment.ActionContact))
	raw, _ := encoding.DecodeString(token)
	m := hmac.New(sha256.New, testKey)
	m.Write(raw[:bodyLen])
	copy(raw[bodyLen:], m.Sum(nil))
	if _, err := s.Verify(encoding.EncodeToString(raw), appointment.ActionContact, t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("token tagged with the raw secret: %v, want ErrInvalid", err)
	}
}

// TestMalformed: whatever arrives in the path is refused as invalid, without
// a panic.
func TestMalformed(t *testing.T) {
	s := newSigner(t, testKey)
	token := s.Sign(claimsFor(appointment.ActionContact))
	// The last character carries two unused bits; setting one gives a
	// string a lax decoder would read as the same token.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, token[len(token)-1])
	loose := token[:len(token)-1] + string(alphabet[last^1])
	tests := []struct{ name, token string }{
		{"empty", ""},
		{"one character", "A"},
		{"truncated by one", token[:len(token)-1]},
		{"truncated by half", token[:len(token)/2]},
		{"one character more", token + "A"},
		{"twice", token + token},
		{"padded", token + "="},
		{"padding inside", token[:len(token)-1] + "="},
		{"standard alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(token[:35]) + "+/" + token[37:]},
		{"line break inside", token[:30] + "\n" + token[30:len(token)-1]},
		{"carriage return inside", token[:30] + "\r" + token[30:len(token)-1]},
		{"space inside", token[:30] + " " + token[31:]},
		{"percent-encoded", strings.Replace(token, token[:1], "%41", 1)[:len(token)]},
		{"unused bits set", loose},
		{"non-ASCII", strings.Repeat("é", len(token)/2) + "A"},
		{"invalid UTF-8", strings.Repeat("\xff", len(token))},
		{"NUL bytes", strings.Repeat("\x00", len(token))},
		{"all A", strings.Repeat("A", len(token))},
		{"all _", strings.Repeat("_", len(token))},
		{"garbage", "not-a-token"},
		{"huge", strings.Repeat(token, 10000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.token == token {
				t.Fatal("the case is the genuine token")
			}
			c, err := s.Verify(tt.token, appointment.ActionContact, t0)
			if !errors.Is(err, ErrInvalid) || c != (Claims{}) {
				t.Errorf("Verify(%q) = %+v, %v; want ErrInvalid", tt.token, c, err)
			}
		})
	}
}

// forge returns a token with a genuine tag over the body the edit makes of
// a genuine one, as only a bug in Sign or a later format could: the fields
// are still checked after the tag.
func forge(s *Signer, a appointment.Action, edit func(body []byte)) string {
	raw, _ := encoding.DecodeString(s.Sign(claimsFor(a)))
	edit(raw[:bodyLen])
	copy(raw[bodyLen:], s.tag(raw[:bodyLen]))
	return encoding.EncodeToString(raw)
}

func TestSignedFieldsChecked(t *testing.T) {
	s := newSigner(t, testKey)
	tests := []struct {
		name   string
		action appointment.Action
		edit   func(body []byte)
	}{
		{"version 0", appointment.ActionContact, func(b []byte) { b[offVersion] = 0 }},
		{"version 2", appointment.ActionContact, func(b []byte) { b[offVersion] = 2 }},
		{"action code 0", appointment.ActionContact, func(b []byte) { b[offAction] = 0 }},
		{"action code 9", appointment.ActionContact, func(b []byte) { b[offAction] = 9 }},
		{"action code 255", appointment.ActionContact, func(b []byte) { b[offAction] = 255 }},
		{"audience code 0", appointment.ActionContact, func(b []byte) { b[offAudience] = 0 }},
		{"audience code 3", appointment.ActionContact, func(b []byte) { b[offAudience] = 3 }},
		{"front desk action for the patient", appointment.ActionDecline, func(b []byte) {
			b[offAudience] = audienceCodes[appointment.AudiencePatient]
		}},
		{"patient action for the front desk", appointment.ActionCancel, func(b []byte) {
			b[offAudience] = audienceCodes[appointment.AudienceFrontDesk]
		}},
		{"upper-case ID", appointment.ActionContact, func(b []byte) { b[offID] = 'A' }},
		{"ID with 0", appointment.ActionContact, func(b []byte) { b[offID+5] = '0' }},
		{"ID with 1", appointment.ActionContact, func(b []byte) { b[offID+5] = '1' }},
		{"ID with 8", appointment.ActionContact, func(b []byte) { b[offID+5] = '8' }},
		{"ID with NUL", appointment.ActionContact, func(b []byte) { b[bodyLen-1] = 0 }},
		{"ID with slash", appointment.ActionContact, func(b []byte) { b[offID+10] = '/' }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := forge(s, tt.action, tt.edit)
			c, err := s.Verify(token, tt.action, t0)
			if !errors.Is(err, ErrInvalid) || c != (Claims{}) {
				t.Errorf("Verify = %+v, %v; want ErrInvalid", c, err)
			}
		})
	}
	// The forging itself is sound: an edit that keeps the fields valid
	// verifies.
	later := forge(s, appointment.ActionContact, func(b []byte) {
		binary.BigEndian.PutUint64(b[offExpires:], uint64(t0.Add(time.Hour).Unix()))
	})
	if c, err := s.Verify(later, appointment.ActionContact, t0); err != nil || !c.Expires.Equal(t0.Add(time.Hour)) {
		t.Errorf("re-tagged token with a valid expiry: %+v, %v", c, err)
	}
}

func TestWrongAction(t *testing.T) {
	s := newSigner(t, testKey)
	for _, signed := range appointment.Actions {
		token := s.Sign(claimsFor(signed))
		asks := append(append([]appointment.Action(nil), appointment.Actions...), "delete", "")
		for _, asked := range asks {
			if asked == signed {
				continue
			}
			c, err := s.Verify(token, asked, t0)
			if !errors.Is(err, ErrWrongAction) || c != (Claims{}) {
				t.Errorf("token for %s on a %q link: %+v, %v; want ErrWrongAction", signed, asked, c, err)
			}
			// The wrong action is reported over the expiry.
			if _, err := s.Verify(token, asked, t0.Add(2*PatientValidity)); !errors.Is(err, ErrWrongAction) {
				t.Errorf("expired token for %s on a %q link: %v; want ErrWrongAction", signed, asked, err)
			}
		}
	}
}

func TestExpiryBoundary(t *testing.T) {
	s := newSigner(t, testKey)
	for _, a := range appointment.Actions {
		t.Run(string(a), func(t *testing.T) {
			want := claimsFor(a)
			token := s.Sign(want)
			tests := []struct {
				name    string
				now     time.Time
				expired bool
			}{
				{"long before it was signed", t0.Add(-365 * 24 * time.Hour), false},
				{"when signed", t0, false},
				{"a second before expiry", want.Expires.Add(-time.Second), false},
				{"a nanosecond before expiry", want.Expires.Add(-time.Nanosecond), false},
				{"exactly at expiry", want.Expires, false},
				{"exactly at expiry in another zone", want.Expires.In(time.FixedZone("UTC+5", 5*3600)), false},
				{"a nanosecond after expiry", want.Expires.Add(time.Nanosecond), true},
				{"a second after expiry", want.Expires.Add(time.Second), true},
				{"a year after expiry", want.Expires.Add(365 * 24 * time.Hour), true},
			}
			for _, tt := range tests {
				c, err := s.Verify(token, a, tt.now)
				if tt.expired {
					if !errors.Is(err, ErrExpired) {
						t.Errorf("%s: %v, want ErrExpired", tt.name, err)
					}
				} else if err != nil {
					t.Errorf("%s: %v, want nil", tt.name, err)
				}
				// Expired or not, the claims come back for the page.
				if !sameClaims(c, want) {
					t.Errorf("%s: claims %+v, want %+v", tt.name, c, want)
				}
			}
		})
	}
}

// TestErrorsDistinct: a page tells the three apart with errors.Is.
func TestErrorsDistinct(t *testing.T) {
	errs := []error{ErrInvalid, ErrWrongAction, ErrExpired}
	for i, a := range errs {
		for j, b := range errs {
			if (i == j) != errors.Is(a, b) {
				t.Errorf("errors.Is(%v, %v) = %v", a, b, errors.Is(a, b))
			}
		}
	}
}

func TestSignPanicsOnClaimsThatCannotVerify(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Claims)
	}{
		{"unknown action", func(c *Claims) { c.Action = "delete" }},
		{"no action", func(c *Claims) { c.Action = "" }},
		{"no audience", func(c *Claims) { c.Audience = "" }},
		{"other audience", func(c *Claims) { c.Audience = appointment.AudiencePatient }},
		{"unknown audience", func(c *Claims) { c.Audience = "admin" }},
		{"no ID", func(c *Claims) { c.RequestID = "" }},
		{"short ID", func(c *Claims) { c.RequestID = testID[1:] }},
		{"long ID", func(c *Claims) { c.RequestID = testID + "a" }},
		{"upper-case ID", func(c *Claims) { c.RequestID = strings.ToUpper(testID) }},
		{"ID with 0", func(c *Claims) { c.RequestID = "0" + testID[1:] }},
	}
	s := newSigner(t, testKey)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := claimsFor(appointment.ActionContact)
			tt.edit(&c)
			defer func() {
				if recover() == nil {
					t.Errorf("Sign(%+v) did not panic", c)
				}
			}()
			s.Sign(c)
		})
	}
}

var urlSafe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// TestTokenShape: tokens go in URLs in emails, as they are, and short.
func TestTokenShape(t *testing.T) {
	if got := base64.RawURLEncoding.EncodedLen(payloadLen); got != tokenLength {
		t.Fatalf("tokenLength = %d, want %d", tokenLength, got)
	}
	if tokenLength > 120 {
		t.Errorf("tokens are %d characters, want at most 120", tokenLength)
	}
	s := newSigner(t, testKey)
	seen := map[string]bool{}
	for range 200 {
		id := appointment.NewID()
		for _, a := range appointment.Actions {
			c := Claims{RequestID: id, Action: a, Audience: a.Audience(), Expires: Expiry(a, t0)}
			token := s.Sign(c)
			if len(token) != tokenLength || !urlSafe.MatchString(token) {
				t.Fatalf("token %q: %d characters, want %d of A-Za-z0-9-_", token, len(token), tokenLength)
			}
			if seen[token] {
				t.Fatalf("token %q made twice", token)
			}
			seen[token] = true
			if got, err := s.Verify(token, a, t0); err != nil || !sameClaims(got, c) {
				t.Fatalf("Verify(%q) = %+v, %v; want %+v", token, got, err, c)
			}
		}
	}
}

// FuzzVerify: Verify never panics, says only what it documents, and
// whatever it accepts is exactly what Sign makes of the claims it returns.
func FuzzVerify(f *testing.F) {
	s := newSigner(f, testKey)
	for i, a := range appointment.Actions {
		f.Add(s.Sign(claimsFor(a)), byte(i))
		f.Add(s.Sign(claimsFor(a)), byte(i+1))
		expired := claimsFor(a)
		expired.Expires = t0.Add(-time.Second)
		f.Add(s.Sign(expired), byte(i))
	}
	for _, junk := range []string{"", "A", "not-a-token", strings.Repeat("A", tokenLength), strings.Repeat("_", tokenLength+1)} {
		f.Add(junk, byte(0))
	}
	f.Fuzz(func(t *testing.T, token string, which byte) {
		a := appointment.Actions[int(which)%len(appointment.Actions)]
		c, err := s.Verify(token, a, t0)
		switch {
		case err == nil, errors.Is(err, ErrExpired):
			if c.Action != a || c.Audience != a.Audience() || !validID(c.RequestID) {
				t.Fatalf("Verify(%q, %s) accepted claims %+v", token, a, c)
			}
			if expired := t0.After(c.Expires); expired != (err != nil) {
				t.Fatalf("Verify(%q) at %v: expires %v, error %v", token, t0, c.Expires, err)
			}
			if again := s.Sign(c); again != token {
				t.Fatalf("Verify(%q) accepted a token that re-signs to %q", token, again)
			}
		case errors.Is(err, ErrInvalid), errors.Is(err, ErrWrongAction):
			if c != (Claims{}) {
				t.Fatalf("Verify(%q) = %+v with %v; want zero claims", token, c, err)
			}
		default:
			t.Fatalf("Verify(%q): undocumented error %v", token, err)
		}
	})
}

func TestPath(t *testing.T) {
	s, err := New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 16, 30, 0, 0, time.UTC)
	p := s.Path("abcdefghijklmnopqrstuvwxyz", appointment.ActionCancel, now)
	token, ok := strings.CutPrefix(p, "/manage/cancel/")
	if !ok {
		t.Fatalf("Path() = %q", p)
	}
	c, err := s.Verify(token, appointment.ActionCancel, now)
	if err != nil || c.Audience != appointment.AudiencePatient || !c.Expires.Equal(Expiry(appointment.ActionCancel, now)) {
		t.Errorf("the path's token = %+v, %v", c, err)
	}
}

// TestLinkNamesOneLink: Verify names each link by a digest of its token:
// the same token always gets the same name, another token for the same
// claims but a second's expiry gets another, and the name holds nothing of
// the token, so that recording it does not record a link.
func TestLinkNamesOneLink(t *testing.T) {
	s := newSigner(t, testKey)
	c := claimsFor(appointment.ActionReschedule)
	token := s.Sign(c)
	c.Expires = c.Expires.Add(time.Second)
	other := s.Sign(c)
	names := map[string]string{}
	for _, tok := range []string{token, token, other} {
		got, err := s.Verify(tok, appointment.ActionReschedule, t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Link) != 22 || strings.Contains(tok, got.Link) {
			t.Errorf("Verify(%q).Link = %q, want 22 characters not taken from the token", tok, got.Link)
		}
		if prev, seen := names[tok]; seen && prev != got.Link {
			t.Errorf("one token named %q, then %q", prev, got.Link)
		}
		names[tok] = got.Link
	}
	if names[token] == names[other] {
		t.Errorf("two tokens share the name %q", names[token])
	}
}

// TestURLs: a link starts with the API's address, whether or not it ends
// with a slash, and its token verifies for the request and the action.
func TestURLs(t *testing.T) {
	s := newSigner(t, testKey)
	for _, base := range []string{"https://api.example.com", "https://api.example.com/"} {
		u := s.URLs(base)(testID, appointment.ActionSchedule)
		token, ok := strings.CutPrefix(u, "https://api.example.com/manage/schedule/")
		if !ok {
			t.Fatalf("URLs(%q) made %q, want the API's schedule page", base, u)
		}
		if c, err := s.Verify(token, appointment.ActionSchedule, time.Now()); err != nil || c.RequestID != testID {
			t.Errorf("URLs(%q): the token = %+v, %v", base, c, err)
		}
	}
}
