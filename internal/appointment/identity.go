package appointment

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// How long repeats of a submission are recognised.
const (
	// IdempotencyWindow is how long an Idempotency-Key replays its first
	// answer.
	IdempotencyWindow = 24 * time.Hour
	// DedupeWindow is how long the same request sent again without a key
	// (a double click) gets the first request's answer.
	DedupeWindow = 10 * time.Minute
)

// idAlphabet is RFC 4648's base32 alphabet in lower case, the alphabet of
// crypto/rand.Text.
const idAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

// idLength gives an ID 130 bits, like crypto/rand.Text.
const idLength = 26

// NewID returns a random, URL-safe request ID.
func NewID() string {
	id, err := NewIDFrom(rand.Reader)
	if err != nil {
		// crypto/rand.Reader never fails on the platforms Go supports.
		panic(err)
	}
	return id
}

// NewIDFrom returns an ID drawn from src: each symbol from its own byte,
// so that IDs drawn from a keyed hash cannot be told from random ones.
func NewIDFrom(src io.Reader) (string, error) {
	b := make([]byte, idLength)
	if _, err := io.ReadFull(src, b); err != nil {
		return "", fmt.Errorf("draw ID: %w", err)
	}
	for i := range b {
		b[i] = idAlphabet[b[i]%32]
	}
	return string(b), nil
}

// referenceAlphabet leaves out letters and digits that sound or look alike
// (0/O, 1/I/L, U/V), so a reference survives being read over the phone.
const referenceAlphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ"

// NewReference returns a short code a person can read over the phone, such
// as "K7M2-Q9XD".
func NewReference() string {
	ref, err := NewReferenceFrom(rand.Reader)
	if err != nil {
		panic(err)
	}
	return ref
}

// ParseReference checks that s is a reference as NewReference makes them:
// two groups of four symbols of the reference alphabet, joined by a hyphen.
// Anything else, which could disturb a subject line or put someone else's
// words on the clinic's page, is refused.
func ParseReference(s string) (string, error) {
	const n = 8
	if len(s) != n+1 || s[n/2] != '-' {
		return "", fmt.Errorf("reference is not two groups of %d symbols", n/2)
	}
	for i := 0; i < len(s); i++ {
		if i != n/2 && strings.IndexByte(referenceAlphabet, s[i]) < 0 {
			return "", errors.New("reference has a symbol outside its alphabet")
		}
	}
	return s, nil
}

// NewReferenceFrom returns a reference drawn from src.
func NewReferenceFrom(src io.Reader) (string, error) {
	const n = 8
	var b strings.Builder
	buf := make([]byte, 1)
	for drawn := 0; drawn < n; {
		if _, err := io.ReadFull(src, buf); err != nil {
			return "", fmt.Errorf("draw reference: %w", err)
		}
		// Rejection sampling keeps every symbol equally likely.
		if int(buf[0]) >= 256/len(referenceAlphabet)*len(referenceAlphabet) {
			continue
		}
		if drawn == n/2 {
			b.WriteByte('-')
		}
		b.WriteByte(referenceAlphabet[int(buf[0])%len(referenceAlphabet)])
		drawn++
	}
	return b.String(), nil
}
