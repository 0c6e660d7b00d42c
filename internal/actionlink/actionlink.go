// Package actionlink signs and verifies the tokens carried by the action
// links in emails: the front desk's "mark contacted", "schedule",
// "reschedule" and "decline", and the patient's "cancel". A link is
// /manage/{action}/{token}, served by the ManageFunction (internal/manage).
//
// Threat model. A link is a bearer token: whoever holds it may take its
// action, with no account and no password, and emails get forwarded,
// archived, scanned and previewed. So a token is bound by an HMAC-SHA256
// tag to one request ID, one action, the audience that action belongs to,
// and an expiry; changing any of them, or guessing a token for another
// request, needs the key. The key is derived with HKDF from a secret kept
// in Secrets Manager, so the same secret can key other things without the
// link key being reused for them.
//
// What the token does not do, on purpose:
//   - It does not make a GET act. Mail scanners and link previews follow
//     links, so the handler shows a page on GET and acts only on the form's
//     POST.
//   - It does not stop replay by itself. A token stays valid until it
//     expires; what stops an action being taken twice is the request: its
//     state (a request cannot be contacted twice, or cancelled once
//     declined), and the record of the link each change was made with
//     (Claims.Link), which stops a link whose action the state would allow
//     again, a reschedule's, from acting twice. The handler checks both
//     when it applies the action.
//   - It does not hide anything. The payload is signed, not encrypted: the
//     request ID, action and expiry can be read by anyone with the link, and
//     none of them is personal data.
package actionlink

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"example.com/appointments/internal/appointment"
)

// How long a link works after it is sent, by audience.
const (
	// FrontDeskValidity is generous for a front desk that acts within
	// days, leaving room for holidays and a backlog.
	FrontDeskValidity = 30 * 24 * time.Hour
	// PatientValidity is longer because a patient may cancel any time up to
	// the appointment, which can be weeks after the request.
	PatientValidity = 90 * 24 * time.Hour
)

// Errors of Verify, distinct so that a page can say what is wrong.
var (
	// ErrInvalid means the token is malformed, was altered, was signed
	// with another key, or is of a version this code does not read.
	ErrInvalid = errors.New("actionlink: invalid link")
	// ErrWrongAction means the token is genuine but for another action
	// than the one the link's path names.
	ErrWrongAction = errors.New("actionlink: link is for another action")
	// ErrExpired means the token is genuine but past its expiry; Verify
	// returns its claims too, so that the page can say when it expired.
	ErrExpired = errors.New("actionlink: link has expired")
)

// Claims are what a token asserts.
type Claims struct {
	// RequestID is the request the action applies to.
	RequestID string
	// Action is what the link does.
	Action appointment.Action
	// Audience is who the link was sent to; it is always the action's
	// audience.
	Audience appointment.Audience
	// Expires is the last instant the link works, kept to the second.
	Expires time.Time
	// Link names this one link, so that the change it makes can be
	// recorded against it and the link refused after
	// (appointment.Command.Link): a digest of the token, from which the
	// token cannot be rebuilt, so that the record is not itself a link.
	// Verify sets it; Sign ignores it.
	Link string
}

// MinKeyLength is the shortest secret New accepts: 256 bits, the strength
// of the HMAC-SHA256 key derived from it.
const MinKeyLength = 32

// hkdfInfo separates the link key from any other key derived from the same
// secret; a new token format that must not accept old tokens changes it.
const hkdfInfo = "appointments action links v1"

// Signer signs and verifies tokens with one key. It is safe for concurrent
// use.
type Signer struct {
	key []byte
}

// New returns a Signer whose MAC key is derived from secret, which must be
// at least MinKeyLength bytes of high-entropy secret. The secret itself is
// not kept.
func New(secret []byte) (*Signer, error) {
	if len(secret) < MinKeyLength {
		return nil, fmt.Errorf("actionlink: key is %d bytes, want at least %d", len(secret), MinKeyLength)
	}
	// No salt, which RFC 5869 allows: the secret is generated at random,
	// and a salt would be one more value to store and keep with it. The
	// info string is what separates this key from others derived from the
	// same secret.
	key, err := hkdf.Key(sha256.New, secret, nil, hkdfInfo, sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("actionlink: derive key: %w", err)
	}
	return &Signer{key: key}, nil
}

// The token, before base64url without padding, is
//
//	version   1 byte
//	expires   8 bytes, Unix seconds, big-endian two's complement
//	audience  1 byte, audienceCodes
//	action    1 byte, actionCodes
//	requestID 26 bytes, the ID's own characters
//	tag       16 bytes, HMAC-SHA256 of all of the above, truncated
//
// 53 bytes, 71 characters. Every field has a fixed size, so no length
// needs to be encoded and there is one encoding per claims: any token
// Verify accepts is exactly what Sign makes of its claims.
const (
	version = 1

	offVersion  = 0
	offExpires  = offVersion + 1
	offAudience = offExpires + 8
	offAction   = offAudience + 1
	offID       = offAction + 1
	bodyLen     = offID + idLength

	// tagLen truncates the HMAC-SHA256 tag to 128 bits. A forger must
	// guess a tag online, one HTTP request per guess, with a chance of
	// 2^-128 each; truncating to half the output is allowed by RFC 2104
	// (section 5) and NIST SP 800-107, and collisions do not matter as
	// only the server signs. The full 32 bytes would add 22 characters
	// to every link in every email for no practical gain.
	tagLen = 16

	payloadLen = bodyLen + tagLen
)

// tokenLength is the length of every token in characters: payloadLen
// bytes at 6 bits a character, rounded up.
const tokenLength = (payloadLen*8 + 5) / 6

// encoding is URL-safe, and strict so that the unused bits of the last
// character must be zero: otherwise several strings would decode to the
// same token.
var encoding = base64.RawURLEncoding.Strict()

// idLength and the alphabet of validID are those of appointment.NewID:
// 26 symbols of lower-case RFC 4648 base32.
const idLength = 26

func validID(id string) bool {
	if len(id) != idLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// The codes of the actions and audiences in a token. They are part of the
// format: never renumber them, and give a new action a new code.
var (
	actionCodes = map[appointment.Action]byte{
		appointment.ActionContact:       1,
		appointment.ActionSchedule:      2,
		appointment.ActionReschedule:    3,
		appointment.ActionDecline:       4,
		appointment.ActionCancel:        5,
		appointment.ActionCancelBooking: 6,
		appointment.ActionAttended:      7,
		appointment.ActionNoShow:        8,
	}
	audienceCodes = map[appointment.Audience]byte{
		appointment.AudienceFrontDesk: 1,
		appointment.AudiencePatient:   2,
	}
	actionsByCode   = invert(actionCodes)
	audiencesByCode = invert(audienceCodes)
)

func invert[K comparable](m map[K]byte) map[byte]K {
	r := make(map[byte]K, len(m))
	for k, v := range m {
		r[v] = k
	}
	return r
}

// Expiry returns when a link for action a sent at now stops working: the
// validity of the action's audience later, rounded down to the second as a
// token keeps it.
func Expiry(a appointment.Action, now time.Time) time.Time {
	v := FrontDeskValidity
	if a.Audience() == appointment.AudiencePatient {
		v = PatientValidity
	}
	return now.Add(v).Truncate(time.Second).UTC()
}

// Sign returns the token for c, URL-safe as it is. The expiry is kept to
// the second, rounded down.
//
// Sign panics if c could never verify: an action without a code here, an
// audience other than the action's, or a request ID not of the form
// appointment.NewID makes. Claims come from code, not from users, so that
// is a bug, and a link that can only fail must not be mailed.
func (s *Signer) Sign(c Claims) string {
	action, ok := actionCodes[c.Action]
	if !ok {
		panic(fmt.Sprintf("actionlink: cannot sign unknown action %q", c.Action))
	}
	if c.Audience != c.Action.Audience() {
		panic(fmt.Sprintf("actionlink: cannot sign action %q for audience %q", c.Action, c.Audience))
	}
	if !validID(c.RequestID) {
		panic(fmt.Sprintf("actionlink: cannot sign request ID %q", c.RequestID))
	}
	var p [payloadLen]byte
	p[offVersion] = version
	binary.BigEndian.PutUint64(p[offExpires:], uint64(c.Expires.Unix()))
	p[offAudience] = audienceCodes[c.Audience]
	p[offAction] = action
	copy(p[offID:bodyLen], c.RequestID)
	copy(p[bodyLen:], s.tag(p[:bodyLen]))
	return encoding.EncodeToString(p[:])
}

// tag is the truncated HMAC-SHA256 of body.
func (s *Signer) tag(body []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(body)
	return m.Sum(nil)[:tagLen]
}

// Verify checks token for a link whose path names action, at now. It
// returns the claims and nil for a token that may be acted on; otherwise
// an error that is ErrInvalid, ErrWrongAction or ErrExpired, in that order
// of precedence. With ErrExpired it returns the claims too; with the
// others, zero Claims. A token is good through the second of its expiry.
//
// Verify trusts nothing in the token before its tag checks out, and does
// not panic on any input.
func (s *Signer) Verify(token string, action appointment.Action, now time.Time) (Claims, error) {
	// Every token has the same length, which also bounds the work done
	// for an arbitrary string from a URL.
	if len(token) != tokenLength {
		return Claims{}, ErrInvalid
	}
	var p [payloadLen]byte
	// The decoder skips CR and LF, so a token with one decodes short; the
	// count catches that, keeping one string per token.
	n, err := encoding.Decode(p[:], []byte(token))
	if err != nil || n != payloadLen {
		return Claims{}, ErrInvalid
	}
	if !hmac.Equal(s.tag(p[:bodyLen]), p[bodyLen:]) {
		return Claims{}, ErrInvalid
	}
	// The fields are ours from here on; they are still checked, so that a
	// token from a future format, or a bug in Sign, is refused rather than
	// misread.
	if p[offVersion] != version {
		return Claims{}, ErrInvalid
	}
	a, ok := actionsByCode[p[offAction]]
	if !ok {
		return Claims{}, ErrInvalid
	}
	aud, ok := audiencesByCode[p[offAudience]]
	if !ok || aud != a.Audience() {
		return Claims{}, ErrInvalid
	}
	id := string(p[offID:bodyLen])
	if !validID(id) {
		return Claims{}, ErrInvalid
	}
	if a != action {
		return Claims{}, ErrWrongAction
	}
	c := Claims{
		RequestID: id,
		Action:    a,
		Audience:  aud,
		Expires:   time.Unix(int64(binary.BigEndian.Uint64(p[offExpires:])), 0).UTC(),
		Link:      linkName(token),
	}
	if now.After(c.Expires) {
		return c, ErrExpired
	}
	return c, nil
}

// linkName is the name of the link with token: 128 bits of its SHA-256,
// base64url. Every token has one encoding (see encoding), so one link has
// one name.
func linkName(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// PathPrefix is where the action pages live, under the API's base URL.
const PathPrefix = "/manage/"

// Path returns the path of the link for one action on a request,
// /manage/{action}/{token}, signed until the action's expiry from now. The
// emails put it after the API's base URL; the pages link to each other
// with it.
func (s *Signer) Path(id string, a appointment.Action, now time.Time) string {
	token := s.Sign(Claims{RequestID: id, Action: a, Audience: a.Audience(), Expires: Expiry(a, now)})
	return PathPrefix + string(a) + "/" + token
}

// RequestPath returns the path of the link for one action on r, sent at
// now: signed until the action's expiry from now, except where the
// request's own rule says otherwise (appointment.Request.LinkExpiry), as
// for the front desk's links of a booked appointment, which last until a
// week after it however far ahead it lies.
func (s *Signer) RequestPath(r appointment.Request, a appointment.Action, now time.Time) string {
	expires := r.LinkExpiry(a, Expiry(a, now)).Truncate(time.Second)
	token := s.Sign(Claims{RequestID: r.ID, Action: a, Audience: a.Audience(), Expires: expires})
	return PathPrefix + string(a) + "/" + token
}

// URLs returns what makes the emails' action links (email.Settings.Links):
// base, the API's absolute URL, followed by the path signed from the time
// of each call. Every function that mails links makes them this way, so
// that ManageFunction, holding the same key, accepts them all.
func (s *Signer) URLs(base string) func(id string, a appointment.Action) string {
	base = strings.TrimSuffix(base, "/")
	return func(id string, a appointment.Action) string {
		return base + s.Path(id, a, time.Now())
	}
}
