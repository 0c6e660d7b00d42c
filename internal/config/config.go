// Package config is every setting the functions and the local server read
// from their environment, each with its default and its check, read once
// in main into a typed value per function. Nothing else reads the
// environment, apart from internal/awsenv, which reads the AWS SDK's own
// variables (AWS_REGION, the credentials, AWS_ENDPOINT_URL).
//
// A setting is a field, so a misspelt one does not compile. A limit is an
// appointment.Limit: a variable set to 0 turns it off, and it is read as
// appointment.NoLimit, so "off" is a value written here, never a zero that
// a missing or misspelt setting leaves behind.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"example.com/appointments/internal/appointment"
)

// DefaultMetricsNamespace is the CloudWatch namespace of the metrics when
// METRICS_NAMESPACE is not set; the template's alarms watch it.
const DefaultMetricsNamespace = "ClinicAppointments"

// Metrics say where a function's metric data points go.
type Metrics struct {
	// Namespace is METRICS_NAMESPACE, by default DefaultMetricsNamespace.
	Namespace string
	// Stack is STACK_NAME, the value of every data point's Stack
	// dimension, which the alarms select on.
	Stack string
	// LogLevel is AWS_LAMBDA_LOG_LEVEL, the level Lambda filters the
	// function's log at, which the metric lines must pass.
	LogLevel string
}

// Limits are the submit function's limits on how often one client and
// one address may submit.
type Limits struct {
	// Accepted is RATE_LIMIT_PER_HOUR: requests stored per client (source
	// IP) per hour, by default 10.
	Accepted appointment.Limit
	// Attempts is ATTEMPTS_PER_HOUR: requests of any kind, valid or not,
	// per client per hour, by default 60.
	Attempts appointment.Limit
	// PerAddress is REQUESTS_PER_EMAIL_PER_DAY: requests stored per
	// patient address per day, by default 3.
	PerAddress appointment.Limit
}

// Check reports a limit that is neither on nor turned off explicitly, such
// as one a Limits literal left out.
func (l Limits) Check() error {
	for _, c := range []struct {
		name  string
		limit appointment.Limit
	}{{"accepted requests", l.Accepted}, {"attempts", l.Attempts}, {"requests per address", l.PerAddress}} {
		if err := c.limit.Check(); err != nil {
			return fmt.Errorf("limit on %s: %w", c.name, err)
		}
	}
	return nil
}

// Email says who sends the emails, who receives them at the clinic, how
// their links are made and how they are sent.
type Email struct {
	// Sender is SENDER_EMAIL, the verified sender's bare address.
	Sender string
	// FrontDesk is FRONT_DESK_EMAIL, the front desk's addresses, separated
	// by commas.
	FrontDesk []string
	// StaffDetail is STAFF_EMAIL_DETAIL, StaffDetailFull (the default) or
	// StaffDetailMinimal.
	StaffDetail string
	Links       Links
	// ConfigurationSet is CONFIGURATION_SET_NAME, the SES configuration
	// set every email is sent through.
	ConfigurationSet string
}

// The values of STAFF_EMAIL_DETAIL: how much of the patient the front
// desk's emails carry (email.StaffDetail).
const (
	StaffDetailFull    = "full"
	StaffDetailMinimal = "minimal"
)

// Links say how the emails' action links are made.
type Links struct {
	// KeySecretARN is ACTION_LINK_KEY_SECRET_ARN, the secret holding the
	// key links are signed with. Empty, the emails carry no links.
	KeySecretARN string
	// BaseURL is MANAGE_BASE_URL, the API's absolute URL, which every
	// link starts with.
	BaseURL string
}

// Submit is the SubmitFunction's configuration.
type Submit struct {
	// Table is TABLE_NAME, required.
	Table string
	// RetentionDays is RETENTION_DAYS, how long a request is kept, by
	// default 365.
	RetentionDays int
	Limits        Limits
	// AllowedOrigins is ALLOWED_ORIGINS, the website origins, separated
	// by commas, that may post the form; httpapi checks each.
	AllowedOrigins []string
	// ThankYouURL is THANK_YOU_URL, where plain form posts go.
	ThankYouURL string
	// HashingKeySecretARN is HASHING_KEY_SECRET_ARN. Empty, as under sam
	// local, the function makes a key of its own, and the limits hold per
	// instance.
	HashingKeySecretARN string
	// TurnstileSecretARN is TURNSTILE_SECRET_ARN; empty, tokens are not
	// checked.
	TurnstileSecretARN string
	Metrics            Metrics
}

// Notify is the NotifyFunction's configuration.
type Notify struct {
	// Table is TABLE_NAME, required.
	Table string
	Email Email
	// Confirmations is CONFIRMATIONS_PER_HOUR, the cap on emails to
	// patients across the stack, by default 200 an hour.
	Confirmations appointment.Limit
	// HashingKeySecretARN is HASHING_KEY_SECRET_ARN, the key suppressed
	// addresses are found under. Empty, suppressions are not checked.
	HashingKeySecretARN string
	Metrics             Metrics
}

// Remind is the RemindFunction's configuration: NotifyFunction's, with
// which it sends the reminders under the same claims, cap and
// suppressions, and how long before an appointment the patient is
// reminded.
type Remind struct {
	Notify
	// Before is REMINDER_HOURS_BEFORE in hours, by default
	// appointment.DefaultReminderHoursBefore; 0 turns reminders off.
	Before time.Duration
}

// On reports whether patients are reminded at all.
func (r Remind) On() bool { return r.Before > 0 }

// Digest is the DigestFunction's configuration.
type Digest struct {
	// Table is TABLE_NAME, required.
	Table   string
	Email   Email
	Metrics Metrics
}

// Manage is the ManageFunction's configuration.
type Manage struct {
	// Table is TABLE_NAME, required.
	Table string
	// LinkKeySecretARN is ACTION_LINK_KEY_SECRET_ARN, required: a link is
	// signed by another function and may be opened on any instance of
	// this one, so a key of this instance's own would make every link
	// look forged.
	LinkKeySecretARN string
	// ReschedulesPerDay is RESCHEDULES_PER_DAY, required and at least 1,
	// so that a misspelt or missing setting stops the function rather
	// than lifting the limit: each reschedule emails the patient.
	ReschedulesPerDay int
}

// Feedback is the FeedbackFunction's configuration.
type Feedback struct {
	// Table is TABLE_NAME, required.
	Table string
	// HashingKeySecretARN is HASHING_KEY_SECRET_ARN, required: suppression
	// records are found by a keyed hash of the address, and under a key of
	// its own NotifyFunction would never find them.
	HashingKeySecretARN string
	Metrics             Metrics
}

// ReadSubmit reads the SubmitFunction's configuration through getenv.
func ReadSubmit(getenv func(string) string) (Submit, error) {
	r := reader{getenv: getenv}
	c := Submit{
		Table:         r.table(),
		RetentionDays: r.wholeNumber("RETENTION_DAYS", 365),
		Limits: Limits{
			Accepted:   r.limit("RATE_LIMIT_PER_HOUR", 10, appointment.PerHour),
			Attempts:   r.limit("ATTEMPTS_PER_HOUR", 60, appointment.PerHour),
			PerAddress: r.limit("REQUESTS_PER_EMAIL_PER_DAY", 3, appointment.PerDay),
		},
		AllowedOrigins:      r.list("ALLOWED_ORIGINS"),
		ThankYouURL:         r.text("THANK_YOU_URL"),
		HashingKeySecretARN: r.text("HASHING_KEY_SECRET_ARN"),
		TurnstileSecretARN:  r.text("TURNSTILE_SECRET_ARN"),
		Metrics:             r.metrics(),
	}
	return c, r.err()
}

// ReadNotify reads the NotifyFunction's configuration through getenv.
func ReadNotify(getenv func(string) string) (Notify, error) {
	r := reader{getenv: getenv}
	c := Notify{
		Table:               r.table(),
		Email:               r.email(),
		Confirmations:       r.limit("CONFIRMATIONS_PER_HOUR", 200, appointment.PerHour),
		HashingKeySecretARN: r.text("HASHING_KEY_SECRET_ARN"),
		Metrics:             r.metrics(),
	}
	return c, r.err()
}

// ReadRemind reads the RemindFunction's configuration through getenv.
func ReadRemind(getenv func(string) string) (Remind, error) {
	n, err := ReadNotify(getenv)
	r := reader{getenv: getenv}
	hours := r.wholeNumber("REMINDER_HOURS_BEFORE", appointment.DefaultReminderHoursBefore)
	if hours > maxReminderHours {
		r.fail("REMINDER_HOURS_BEFORE must be at most %d (a week), not %d", maxReminderHours, hours)
	}
	return Remind{Notify: n, Before: time.Duration(hours) * time.Hour}, errors.Join(err, r.err())
}

// maxReminderHours bounds how far ahead a reminder may go: a week, beyond
// which a reminder reminds of nothing near.
const maxReminderHours = 7 * 24

// ReadDigest reads the DigestFunction's configuration through getenv.
func ReadDigest(getenv func(string) string) (Digest, error) {
	r := reader{getenv: getenv}
	c := Digest{Table: r.table(), Email: r.email(), Metrics: r.metrics()}
	return c, r.err()
}

// ReadManage reads the ManageFunction's configuration through getenv.
func ReadManage(getenv func(string) string) (Manage, error) {
	r := reader{getenv: getenv}
	c := Manage{
		Table:             r.table(),
		LinkKeySecretARN:  r.required("ACTION_LINK_KEY_SECRET_ARN", "a link signed by one instance must verify on every other, so the key must come from that shared secret; a key of this instance's own would make every link invalid"),
		ReschedulesPerDay: r.atLeastOne("RESCHEDULES_PER_DAY"),
	}
	return c, r.err()
}

// ReadFeedback reads the FeedbackFunction's configuration through getenv.
func ReadFeedback(getenv func(string) string) (Feedback, error) {
	r := reader{getenv: getenv}
	c := Feedback{
		Table:               r.table(),
		HashingKeySecretARN: r.required("HASHING_KEY_SECRET_ARN", "suppression records are found by a keyed hash of the address, and NotifyFunction hashes with the stack's key"),
		Metrics:             r.metrics(),
	}
	return c, r.err()
}

// reader reads settings through getenv and gathers every mistake, so that
// a function that cannot start says all that is wrong at once.
type reader struct {
	getenv func(string) string
	errs   []error
}

func (r *reader) err() error { return errors.Join(r.errs...) }

func (r *reader) fail(format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf(format, args...))
}

// text reads a setting as written, without surrounding spaces.
func (r *reader) text(name string) string { return strings.TrimSpace(r.getenv(name)) }

// textOr reads a setting, or returns fallback when it is empty.
func (r *reader) textOr(name, fallback string) string {
	if s := r.text(name); s != "" {
		return s
	}
	return fallback
}

// required reads a setting that must be set, saying why when it is not.
func (r *reader) required(name, why string) string {
	s := r.text(name)
	if s == "" {
		r.fail("%s is not set: %s", name, why)
	}
	return s
}

func (r *reader) table() string {
	return r.required("TABLE_NAME", "it names the RequestsTable")
}

// list reads a setting of several values separated by commas, dropping
// spaces and empty entries; nil when there are none.
func (r *reader) list(name string) []string {
	values := strings.FieldsFunc(r.getenv(name), func(c rune) bool { return c == ',' || unicode.IsSpace(c) })
	if len(values) == 0 {
		return nil
	}
	return values
}

// wholeNumber reads a whole number that is zero or more, or returns
// fallback when the setting is empty.
func (r *reader) wholeNumber(name string, fallback int) int {
	s := r.text(name)
	if s == "" {
		return fallback
	}
	n, ok := parseWholeNumber(s)
	if !ok {
		r.fail("%s must be a whole number, not %q", name, s)
	}
	return n
}

// atLeastOne reads a required whole number of at least 1.
func (r *reader) atLeastOne(name string) int {
	s := r.text(name)
	n, ok := parseWholeNumber(s)
	if !ok || n < 1 {
		r.fail("%s must be a whole number of at least 1, not %q", name, s)
		return 0
	}
	return n
}

// parseWholeNumber reads a whole number that is zero or more, in decimal
// digits; every number of the configuration is read by it.
func parseWholeNumber(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// limit reads a limit as its maximum in the window per gives, by default
// fallback; 0 turns the limit off, which it says as appointment.NoLimit.
func (r *reader) limit(name string, fallback int, per func(int) appointment.Limit) appointment.Limit {
	n := r.wholeNumber(name, fallback)
	if n == 0 {
		return appointment.NoLimit
	}
	return per(n)
}

func (r *reader) metrics() Metrics {
	return Metrics{
		Namespace: r.textOr("METRICS_NAMESPACE", DefaultMetricsNamespace),
		Stack:     r.text("STACK_NAME"),
		LogLevel:  r.text("AWS_LAMBDA_LOG_LEVEL"),
	}
}

func (r *reader) email() Email {
	e := Email{
		Sender:           r.text("SENDER_EMAIL"),
		FrontDesk:        r.list("FRONT_DESK_EMAIL"),
		StaffDetail:      r.textOr("STAFF_EMAIL_DETAIL", StaffDetailFull),
		Links:            r.links(),
		ConfigurationSet: r.text("CONFIGURATION_SET_NAME"),
	}
	if e.StaffDetail != StaffDetailFull && e.StaffDetail != StaffDetailMinimal {
		r.fail("STAFF_EMAIL_DETAIL must be %q or %q, not %q", StaffDetailFull, StaffDetailMinimal, e.StaffDetail)
	}
	return e
}

func (r *reader) links() Links {
	l := Links{KeySecretARN: r.text("ACTION_LINK_KEY_SECRET_ARN"), BaseURL: r.text("MANAGE_BASE_URL")}
	// Without a key there are no links, and no address to start them with.
	if l.KeySecretARN != "" {
		u, err := url.Parse(l.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			r.fail("MANAGE_BASE_URL must be the API's absolute URL, not %q", l.BaseURL)
		}
	}
	return l
}

// Local is the local development server's configuration (cmd/local). Its
// limits are the devserver's own, looser than the stack's, and not read.
type Local struct {
	// Port is PORT, by default 3000.
	Port string
	// AllowedOrigins is ALLOWED_ORIGINS: website origins, besides the
	// server's own, that may post the form.
	AllowedOrigins []string
	// Email is SENDER_EMAIL, FRONT_DESK_EMAIL and, with an emulator,
	// CONFIGURATION_SET_NAME; the server has example addresses of its own
	// for those not set, and makes its own links.
	Email Email
	// TurnstileSiteKey is TURNSTILE_SITE_KEY, which shows the widget on
	// the demo form; TurnstileSecret is TURNSTILE_SECRET, with which the
	// API checks each token.
	TurnstileSiteKey, TurnstileSecret string
	// EndpointURL is AWS_ENDPOINT_URL: when set, the server uses DynamoDB
	// and SES at that emulator instead of its embedded store.
	EndpointURL string
	// Table is TABLE_NAME, the emulator's table, by default
	// appointments-local.
	Table string
}

// ReadLocal reads the local server's configuration through getenv.
func ReadLocal(getenv func(string) string) (Local, error) {
	r := reader{getenv: getenv}
	c := Local{
		Port:           r.textOr("PORT", "3000"),
		AllowedOrigins: r.list("ALLOWED_ORIGINS"),
		Email: Email{
			Sender:           r.text("SENDER_EMAIL"),
			FrontDesk:        r.list("FRONT_DESK_EMAIL"),
			StaffDetail:      StaffDetailFull,
			ConfigurationSet: r.text("CONFIGURATION_SET_NAME"),
		},
		TurnstileSiteKey: r.text("TURNSTILE_SITE_KEY"),
		TurnstileSecret:  r.text("TURNSTILE_SECRET"),
		EndpointURL:      r.text("AWS_ENDPOINT_URL"),
		Table:            r.textOr("TABLE_NAME", "appointments-local"),
	}
	return c, r.err()
}
