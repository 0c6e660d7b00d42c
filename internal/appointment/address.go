package appointment

import (
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// maxLocalPartLength is the longest part before the @ that RFC 5321
// allows, in octets. Servers that would deliver the email may refuse a
// longer one, so the patient is told at once rather than never hearing
// back.
const maxLocalPartLength = 64

// maxSentAddressLength is the longest address RFC 5321 lets a server
// accept, in octets, counted in the form that is sent: a domain in
// Punycode can be several times longer than the same domain as typed.
const maxSentAddressLength = 254

// addressError says why an email address cannot be used: a field error
// code and a message for the patient, and a reason for programs and logs
// that does not repeat the address, since logs carry no patient details.
type addressError struct {
	code   string
	key    string // the message's key in internal/i18n's catalog
	args   []string
	reason string
}

func (e *addressError) Error() string { return "email address " + e.reason }

var (
	errNotOneAddress = &addressError{
		code:   CodeInvalid,
		key:    "form.email.not_one",
		reason: "is not one bare address",
	}
	errLocalNotASCII = &addressError{
		code:   CodeInvalid,
		key:    "form.email.local_not_ascii",
		reason: "has a non-ASCII local part",
	}
	errLocalTooLong = &addressError{
		code:   CodeTooLong,
		key:    "form.email.local_too_long",
		args:   []string{strconv.Itoa(maxLocalPartLength)},
		reason: "has a local part over 64 octets",
	}
	errMixedScripts = &addressError{
		code:   CodeInvalid,
		key:    "form.email.mixed_scripts",
		reason: "has a domain label that mixes scripts",
	}
	errBadDomain = &addressError{
		code:   CodeInvalid,
		key:    "form.email.bad_domain",
		reason: "has a domain that IDNA registration rules refuse",
	}
	errSentTooLong = &addressError{
		code:   CodeTooLong,
		key:    "form.email.sent_too_long",
		args:   []string{strconv.Itoa(maxSentAddressLength)},
		reason: "is over 254 octets when sent",
	}
)

// SESAddress returns addr in the form Amazon SES sends to: 7-bit ASCII,
// with the local part unchanged and the domain lower-cased and in
// Punycode (the xn-- form). Every address that leaves the system is
// converted with it, while the address as the patient typed it is kept for
// people to read. It fails when addr is not one bare address the clinic
// could send to, by the same rule as Form.Validate; the error does not
// repeat the address.
func SESAddress(addr string) (string, error) {
	local, domain, problem := splitAddress(addr)
	if problem != nil {
		return "", problem
	}
	return local + "@" + domain, nil
}

// CanonicalAddress returns the address as typed in one spelling: the whole
// address lower-cased, with the domain in Punycode, so that bücher.de and
// xn--bcher-kva.de are one domain. The local part is lower-cased here
// only, never for sending: RFC 5321 lets a server tell case apart, but
// nearly every mailbox provider treats it as insignificant. Dots and +tags
// are kept, since they are part of what was typed; which addresses reach
// one mailbox is Mailbox's question.
//
// An address that SESAddress refuses is returned trimmed and lower-cased,
// so that it still stands for itself.
func CanonicalAddress(addr string) string {
	local, domain, problem := splitAddress(addr)
	if problem != nil {
		return strings.ToLower(strings.TrimSpace(addr))
	}
	return strings.ToLower(local) + "@" + domain
}

// gmailDomains are the domains at which Gmail delivers, as one: it ignores
// dots in the part before the @, and googlemail.com reaches the same
// mailbox as gmail.com.
var gmailDomains = []string{"gmail.com", "googlemail.com"}

// Mailbox returns what stands for the mailbox addr is delivered to: the
// name every per-address count and every suppression is kept under, so
// that a sender cannot multiply the per-address limit, or step around a
// complaint, by spelling one mailbox many ways. It is CanonicalAddress
// without a +tag (everything from the first + to the @) and, at Gmail,
// without dots and with gmail.com as the domain.
//
// A tag is dropped at every domain: most providers deliver a tagged
// address to the untagged mailbox, and where a + is part of a real
// mailbox's name, the false merge errs on the side of mailing less (the
// two share one limit, and a complaint from one stops emails to the
// other). Dots are dropped only where the provider is known to ignore
// them, since elsewhere they name other mailboxes.
//
// The result is a name, not an address to send to: emails still go to the
// address as typed. An address that SESAddress refuses stands for itself,
// as in CanonicalAddress.
func Mailbox(addr string) string {
	local, domain, problem := splitAddress(addr)
	if problem != nil {
		return CanonicalAddress(addr)
	}
	local, _, _ = strings.Cut(strings.ToLower(local), "+")
	if slices.Contains(gmailDomains, domain) {
		local = strings.ReplaceAll(local, ".", "")
		domain = gmailDomains[0]
	}
	return local + "@" + domain
}

// splitAddress checks addr and returns its local part unchanged and its
// domain as SES takes it, or why it cannot be used.
func splitAddress(addr string) (local, domain string, problem *addressError) {
	if !isBareAddress(addr) {
		return "", "", errNotOneAddress
	}
	at := strings.LastIndexByte(addr, '@')
	local = addr[:at]
	if !isASCII(local) {
		// SMTPUTF8 would carry such an address, but SES does not offer it.
		return "", "", errLocalNotASCII
	}
	if len(local) > maxLocalPartLength {
		return "", "", errLocalTooLong
	}
	domain, problem = asciiDomain(addr[at+1:])
	if problem != nil {
		return "", "", problem
	}
	if len(local)+1+len(domain) > maxSentAddressLength {
		return "", "", errSentTooLong
	}
	return local, domain, nil
}

// isBareAddress accepts exactly one plain address: no display name, no
// angle brackets, no list, no comments and no quoted local part, so that the
// address later used as a Reply-To can only ever be the patient's own.
func isBareAddress(s string) bool {
	if strings.ContainsAny(s, " \t\"<>(),;:\\[]") {
		return false
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	// A domain without a dot is a typo on a public form, not a mailbox the
	// clinic can reach.
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// asciiDomain returns the domain lower-cased and in Punycode. The
// registration profile is the strict one, for names as they are
// registered: it refuses what a lenient lookup would quietly map, such as
// full-width letters, so that what the patient typed and where the email
// goes cannot differ. Case and composition are the two differences it
// would refuse that are harmless, so they are removed first: a keyboard
// may well produce BÜCHER, or ü as u followed by a combining diaeresis.
func asciiDomain(domain string) (string, *addressError) {
	domain = norm.NFC.String(strings.ToLower(domain))
	ascii, err := idna.Registration.ToASCII(domain)
	if err != nil {
		return "", errBadDomain
	}
	// Scripts are checked on the Unicode form, so that a label typed in
	// Punycode is held to the same rule as the one it stands for.
	unicodeForm, err := idna.Registration.ToUnicode(ascii)
	if err != nil {
		return "", errBadDomain
	}
	for label := range strings.SplitSeq(unicodeForm, ".") {
		if !isSingleScript(label) {
			return "", errMixedScripts
		}
	}
	return ascii, nil
}

// scriptSets are the combinations of scripts that Unicode's "highly
// restrictive" level (UTS #39, section 5.2) allows in one identifier, as
// the Japanese, Chinese and Korean writing systems combine them. Any other
// mix, such as Latin with Cyrillic, is how a look-alike of a real name is
// made.
var scriptSets = [][]*unicode.RangeTable{
	{unicode.Latin, unicode.Han, unicode.Hiragana, unicode.Katakana},
	{unicode.Latin, unicode.Han, unicode.Bopomofo},
	{unicode.Latin, unicode.Han, unicode.Hangul},
}

// scriptsOf returns the scripts s is written in, each once, in the order
// they first appear. Characters of the Common and Inherited scripts, such
// as digits, the hyphen and most combining accents, go with any script and
// are not counted.
func scriptsOf(s string) []*unicode.RangeTable {
	var scripts []*unicode.RangeTable
	for _, r := range s {
		t := scriptOf(r)
		if t == nil || t == unicode.Common || t == unicode.Inherited {
			continue
		}
		if !slices.Contains(scripts, t) {
			scripts = append(scripts, t)
		}
	}
	return scripts
}

// isSingleScript reports whether s is written in one script, or in one of
// the combinations in scriptSets. Characters of the Common and Inherited
// scripts, such as digits, the hyphen and most combining accents, go with
// any script and do not count.
func isSingleScript(s string) bool {
	scripts := scriptsOf(s)
	if len(scripts) <= 1 {
		return true
	}
	for _, set := range scriptSets {
		if allIn(scripts, set) {
			return true
		}
	}
	return false
}

// scriptOf returns the table of r's script in unicode.Scripts, or nil for
// a code point no script claims.
func scriptOf(r rune) *unicode.RangeTable {
	// Common and Latin first: they hold nearly every character a domain
	// has, and the scripts do not overlap, so the order changes nothing
	// else.
	for _, t := range []*unicode.RangeTable{unicode.Common, unicode.Latin, unicode.Inherited} {
		if unicode.Is(t, r) {
			return t
		}
	}
	for _, t := range unicode.Scripts {
		if unicode.Is(t, r) {
			return t
		}
	}
	return nil
}

func allIn(tables, set []*unicode.RangeTable) bool {
	for _, t := range tables {
		if !slices.Contains(set, t) {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
