// Package appointment is the appointment request a patient sends from the
// clinic's website: its fields, how a submission is validated and normalised,
// and the outcomes of storing it.
package appointment

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"example.com/appointments/internal/i18n"
)

// Status is where a request stands with the front desk.
type Status string

// Request is a validated, normalised appointment request.
type Request struct {
	ID        string
	Reference string

	FirstName string
	LastName  string
	// Email is one bare address, as the patient typed it.
	Email string
	// Phone is in E.164 form; PhoneExtension holds an extension typed after it.
	Phone          string
	PhoneExtension string
	// PhoneText is the number, with its extension, as the front desk reads
	// it (in the clinic region's national form when the number is in that
	// region), written at submission by a PhoneFormatter; empty for
	// requests stored before, which show Phone instead. It is kept because
	// the action pages' function does not link the phone library.
	PhoneText string
	Service   string
	Location  string
	// PreferredDays and PreferredTimes are in calendar order, without repeats.
	PreferredDays  []string
	PreferredTimes []string
	// NewPatient is nil when the patient did not say.
	NewPatient    *bool
	ContactMethod string
	// Reason may span several lines, separated by "\n".
	Reason string
	// Language is the language the patient chose, in which every email
	// and page to the patient is written; empty for requests stored
	// before requests had one, which are in the clinic's language.
	Language i18n.Language

	Status    Status
	CreatedAt time.Time
	// Booking is the appointment made for the request, if any; History
	// lists the changes of its status, oldest first.
	Booking *Booking
	History []Transition

	// Deliveries are the states of the request's emails, by kind, as far
	// as they have been recorded.
	Deliveries map[EmailKind]Delivery
}

// Receipt is what the patient is told about a stored request.
type Receipt struct {
	ID        string
	Reference string
	// Replayed is true when the receipt belongs to an earlier, identical
	// submission rather than the one just made.
	Replayed bool
	// Decoy is true when the submission was caught by the honeypot: nothing
	// was stored, and the receipt, derived from the submission, is to be
	// answered as a real one, so that a bot cannot tell it was caught.
	Decoy bool
}

// Dedupe carries what identifies a submission as a repeat of an earlier one.
type Dedupe struct {
	// IdempotencyKey is the client's Idempotency-Key header, or empty.
	IdempotencyKey string
	// Fingerprint is the request's Fingerprint.
	Fingerprint string
}

// Errors a store reports for outcomes the patient must hear about.
var (
	// ErrIdempotencyKeyReused means the key was used before with a different request.
	ErrIdempotencyKeyReused = errors.New("idempotency key reused with a different request")
	// ErrUnavailable means storage failed even after retries; nothing was stored.
	ErrUnavailable = errors.New("storage unavailable")
	// ErrNotFound means there is no request with the ID asked for.
	ErrNotFound = errors.New("appointment request not found")
	// ErrLeaseLost means a sender no longer holds the lease on an email: it
	// ran out and another sender took the email over.
	ErrLeaseLost = errors.New("email lease no longer held")
)

// Fingerprint identifies what was asked for, independent of how it was sent,
// so that an accidental second submission can be recognised. It covers every
// field the patient typed or chose.
func (r *Request) Fingerprint() string {
	newPatient := "unknown"
	if r.NewPatient != nil {
		newPatient = map[bool]string{true: "yes", false: "no"}[*r.NewPatient]
	}
	parts := []string{
		r.FirstName, r.LastName, CanonicalAddress(r.Email), r.Phone, r.PhoneExtension,
		r.Service, r.Location,
		strings.Join(r.PreferredDays, ","), strings.Join(r.PreferredTimes, ","),
		newPatient, r.ContactMethod, r.Reason,
	}
	if r.Language != "" && r.Language != i18n.English {
		// Only another language adds a part, so that the fingerprints
		// of English requests are those made before requests had a
		// language, and a repeat sent across the change is still one.
		parts = append(parts, "language="+string(r.Language))
	}
	h := sha256.New()
	for _, p := range parts {
		// A length prefix keeps "ab"+"c" and "a"+"bc" apart.
		h.Write([]byte{byte(len(p) >> 8), byte(len(p))})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Spend is one count a submission makes against a limit: the counter named
// Name, in the window of length Window that starts at WindowStart, which
// may reach Max and no further.
type Spend struct {
	Name        string
	WindowStart time.Time
	Window      time.Duration
	Max         int
}
