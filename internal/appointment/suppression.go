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

// SuppressionKey names the suppression record of a patient's mailbox: a
// keyed hash of its Mailbox, so that the record holds no address, outlives
// no request in readable form, and no one without the key can test a
// guess. Every address that reaches the same mailbox, however typed, gets
// the same key.
func SuppressionKey(key []byte, addr string) string {
	return KeyedHash(key, "suppression", Mailbox(addr))
}

// SuppressionKeys returns the keys under which a suppression of addr may
// be recorded, SuppressionKey's first. Suppressions were once recorded
// under the key of the address as typed (its CanonicalAddress), +tags and
// dots kept; a complaint is a standing record, so where that key differs
// from the mailbox's, it is looked up too.
func SuppressionKeys(key []byte, addr string) []string {
	keys := []string{SuppressionKey(key, addr)}
	if typed := CanonicalAddress(addr); typed != Mailbox(addr) {
		keys = append(keys, KeyedHash(key, "suppression", typed))
	}
	return keys
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
