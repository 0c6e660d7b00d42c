package appointment

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// ReasonComplaint is recorded as the failure reason of a patient email not
// sent because its address complained about an earlier one.
const ReasonComplaint = "suppressed: the address marked an earlier email as spam"

// ReasonHourlyCap is recorded as the failure reason of a patient email not
// sent because the stack sent as many emails to patients that hour as
// its cap (ConfirmationsPerHour) allows.
const ReasonHourlyCap = "suppressed: hourly cap"

// SuppressionKey names the suppression record of a patient's address: a
// keyed hash of its canonical form, so that the record holds no address,
// outlives no request in readable form, and no one without the key can
// test a guess. The same address, however typed, gets the same key.
func SuppressionKey(key []byte, addr string) string {
	return KeyedHash(key, "suppression", CanonicalAddress(addr))
}

// KeyedHash returns HMAC-SHA256 of value for the given purpose under key,
// truncated to 128 bits, in hex: how the stack names records after a
// client's address or a patient's email without holding either, so that
// no one without the key can test a guess. The purpose keeps the hashes
// of one value for different uses apart.
func KeyedHash(key []byte, purpose, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil)[:16])
}
