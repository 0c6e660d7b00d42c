package appointment

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// ReasonComplaint is recorded as the failure reason of a patient email not
// sent because its address complained about an earlier one.
const ReasonComplaint = "suppressed: the address marked an earlier email as spam"

// SuppressionKey names the suppression record of a patient's address: a
// keyed hash of its canonical form, so that the record holds no address,
// outlives no request in readable form, and no one without the key can
// test a guess. The same address, however typed, gets the same key.
func SuppressionKey(key []byte, addr string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("suppression\x00"))
	m.Write([]byte(CanonicalAddress(addr)))
	return hex.EncodeToString(m.Sum(nil)[:16])
}
