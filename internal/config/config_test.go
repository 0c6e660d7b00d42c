package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
)

// env is an environment: getenv of a map.
type env map[string]string

func (e env) get(name string) string { return e[name] }

// with returns a copy of e with name set to value.
func (e env) with(name, value string) env {
	c := env{}
	for k, v := range e {
		c[k] = v
	}
	c[name] = value
	return c
}

// reader reads one function's configuration, as any.
type readerFunc func(getenv func(string) string) (any, error)

func reads[C any](read func(func(string) string) (C, error)) readerFunc {
	return func(getenv func(string) string) (any, error) { return read(getenv) }
}

var (
	readSubmit   = reads(ReadSubmit)
	readNotify   = reads(ReadNotify)
	readRemind   = reads(ReadRemind)
	readDigest   = reads(ReadDigest)
	readManage   = reads(ReadManage)
	readFeedback = reads(ReadFeedback)
	readLocal    = reads(ReadLocal)
)

// required is what each function needs set to start.
var (
	submitEnv   = env{"TABLE_NAME": "requests"}
	notifyEnv   = env{"TABLE_NAME": "requests"}
	remindEnv   = env{"TABLE_NAME": "requests"}
	digestEnv   = env{"TABLE_NAME": "requests"}
	manageEnv   = env{"TABLE_NAME": "requests", "ACTION_LINK_KEY_SECRET_ARN": "arn:links", "RESCHEDULES_PER_DAY": "5"}
	feedbackEnv = env{"TABLE_NAME": "requests", "HASHING_KEY_SECRET_ARN": "arn:hashing"}
)

// TestDefaults: with only what is required set, every other setting takes
// its default.
func TestDefaults(t *testing.T) {
	metrics := Metrics{Namespace: "ClinicAppointments"}
	email := Email{StaffDetail: StaffDetailFull}
	tests := []struct {
		name string
		read readerFunc
		env  env
		want any
	}{
		{"submit", readSubmit, submitEnv, Submit{
			Table: "requests", RetentionDays: 365,
			Limits:  Limits{Accepted: appointment.PerHour(10), Attempts: appointment.PerHour(60), PerAddress: appointment.PerDay(3)},
			Metrics: metrics,
		}},
		{"notify", readNotify, notifyEnv, Notify{Table: "requests", Email: email, Confirmations: appointment.PerHour(200), Metrics: metrics}},
		{"remind", readRemind, remindEnv, Remind{Notify: Notify{Table: "requests", Email: email, Confirmations: appointment.PerHour(200), Metrics: metrics}, Before: 24 * time.Hour}},
		{"digest", readDigest, digestEnv, Digest{Table: "requests", Email: email, Metrics: metrics}},
		{"manage", readManage, manageEnv, Manage{Table: "requests", LinkKeySecretARN: "arn:links", ReschedulesPerDay: 5}},
		{"feedback", readFeedback, feedbackEnv, Feedback{Table: "requests", HashingKeySecretARN: "arn:hashing", Metrics: metrics}},
		{"local", readLocal, env{}, Local{Port: "3000", Email: email, Table: "appointments-local"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.read(tt.env.get)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestParse: each variable, set, lands in its field as the value it says.
func TestParse(t *testing.T) {
	tests := []struct {
		read        readerFunc
		env         env
		name, value string
		field       func(any) any
		want        any
	}{
		{readSubmit, submitEnv, "TABLE_NAME", " other ", func(c any) any { return c.(Submit).Table }, "other"},
		{readSubmit, submitEnv, "RETENTION_DAYS", "30", func(c any) any { return c.(Submit).RetentionDays }, 30},
		{readSubmit, submitEnv, "RATE_LIMIT_PER_HOUR", "4", func(c any) any { return c.(Submit).Limits.Accepted }, appointment.PerHour(4)},
		{readSubmit, submitEnv, "RATE_LIMIT_PER_HOUR", "0", func(c any) any { return c.(Submit).Limits.Accepted }, appointment.NoLimit},
		{readSubmit, submitEnv, "ATTEMPTS_PER_HOUR", "7", func(c any) any { return c.(Submit).Limits.Attempts }, appointment.PerHour(7)},
		{readSubmit, submitEnv, "ATTEMPTS_PER_HOUR", "0", func(c any) any { return c.(Submit).Limits.Attempts }, appointment.NoLimit},
		{readSubmit, submitEnv, "REQUESTS_PER_EMAIL_PER_DAY", "2", func(c any) any { return c.(Submit).Limits.PerAddress }, appointment.PerDay(2)},
		{readSubmit, submitEnv, "REQUESTS_PER_EMAIL_PER_DAY", "0", func(c any) any { return c.(Submit).Limits.PerAddress }, appointment.NoLimit},
		{readSubmit, submitEnv, "ALLOWED_ORIGINS", " https://a.example.com, https://b.example.com ,,", func(c any) any { return c.(Submit).AllowedOrigins }, []string{"https://a.example.com", "https://b.example.com"}},
		{readSubmit, submitEnv, "THANK_YOU_URL", "https://www.example.com/thanks", func(c any) any { return c.(Submit).ThankYouURL }, "https://www.example.com/thanks"},
		{readSubmit, submitEnv, "HASHING_KEY_SECRET_ARN", "arn:h", func(c any) any { return c.(Submit).HashingKeySecretARN }, "arn:h"},
		{readSubmit, submitEnv, "TURNSTILE_SECRET_ARN", "arn:t", func(c any) any { return c.(Submit).TurnstileSecretARN }, "arn:t"},
		{readSubmit, submitEnv, "METRICS_NAMESPACE", "Clinic", func(c any) any { return c.(Submit).Metrics.Namespace }, "Clinic"},
		{readSubmit, submitEnv, "STACK_NAME", "clinic-prod", func(c any) any { return c.(Submit).Metrics.Stack }, "clinic-prod"},
		{readSubmit, submitEnv, "AWS_LAMBDA_LOG_LEVEL", "WARN", func(c any) any { return c.(Submit).Metrics.LogLevel }, "WARN"},

		{readNotify, notifyEnv, "SENDER_EMAIL", " requests@example.com ", func(c any) any { return c.(Notify).Email.Sender }, "requests@example.com"},
		{readNotify, notifyEnv, "FRONT_DESK_EMAIL", "desk@example.com, owner@example.com", func(c any) any { return c.(Notify).Email.FrontDesk }, []string{"desk@example.com", "owner@example.com"}},
		{readNotify, notifyEnv, "STAFF_EMAIL_DETAIL", " minimal ", func(c any) any { return c.(Notify).Email.StaffDetail }, StaffDetailMinimal},
		{readNotify, notifyEnv, "STAFF_EMAIL_DETAIL", "full", func(c any) any { return c.(Notify).Email.StaffDetail }, StaffDetailFull},
		{readNotify, notifyEnv.with("ACTION_LINK_KEY_SECRET_ARN", "arn:l"), "MANAGE_BASE_URL", "https://api.example.com", func(c any) any { return c.(Notify).Email.Links }, Links{KeySecretARN: "arn:l", BaseURL: "https://api.example.com"}},
		{readNotify, notifyEnv, "CONFIGURATION_SET_NAME", "set", func(c any) any { return c.(Notify).Email.ConfigurationSet }, "set"},
		{readNotify, notifyEnv, "CONFIRMATIONS_PER_HOUR", "50", func(c any) any { return c.(Notify).Confirmations }, appointment.PerHour(50)},
		{readNotify, notifyEnv, "CONFIRMATIONS_PER_HOUR", "0", func(c any) any { return c.(Notify).Confirmations }, appointment.NoLimit},
		{readNotify, notifyEnv, "HASHING_KEY_SECRET_ARN", "arn:h", func(c any) any { return c.(Notify).HashingKeySecretARN }, "arn:h"},
		{readNotify, notifyEnv, "STACK_NAME", "clinic-prod", func(c any) any { return c.(Notify).Metrics.Stack }, "clinic-prod"},

		{readRemind, remindEnv, "REMINDER_HOURS_BEFORE", "48", func(c any) any { return c.(Remind).Before }, 48 * time.Hour},
		{readRemind, remindEnv, "REMINDER_HOURS_BEFORE", "168", func(c any) any { return c.(Remind).Before }, 168 * time.Hour},
		{readRemind, remindEnv, "REMINDER_HOURS_BEFORE", "0", func(c any) any { return c.(Remind).On() }, false},
		{readRemind, remindEnv, "CONFIRMATIONS_PER_HOUR", "50", func(c any) any { return c.(Remind).Confirmations }, appointment.PerHour(50)},
		{readRemind, remindEnv, "HASHING_KEY_SECRET_ARN", "arn:h", func(c any) any { return c.(Remind).HashingKeySecretARN }, "arn:h"},

		{readDigest, digestEnv, "SENDER_EMAIL", "requests@example.com", func(c any) any { return c.(Digest).Email.Sender }, "requests@example.com"},
		{readDigest, digestEnv.with("MANAGE_BASE_URL", "http://localhost:3000"), "ACTION_LINK_KEY_SECRET_ARN", "arn:l", func(c any) any { return c.(Digest).Email.Links }, Links{KeySecretARN: "arn:l", BaseURL: "http://localhost:3000"}},
		{readDigest, digestEnv, "CONFIGURATION_SET_NAME", "set", func(c any) any { return c.(Digest).Email.ConfigurationSet }, "set"},
		{readDigest, digestEnv, "METRICS_NAMESPACE", "Clinic", func(c any) any { return c.(Digest).Metrics.Namespace }, "Clinic"},

		{readManage, manageEnv, "RESCHEDULES_PER_DAY", "1", func(c any) any { return c.(Manage).ReschedulesPerDay }, 1},
		{readManage, manageEnv, "ACTION_LINK_KEY_SECRET_ARN", "arn:other", func(c any) any { return c.(Manage).LinkKeySecretARN }, "arn:other"},

		{readFeedback, feedbackEnv, "HASHING_KEY_SECRET_ARN", "arn:other", func(c any) any { return c.(Feedback).HashingKeySecretARN }, "arn:other"},
		{readFeedback, feedbackEnv, "AWS_LAMBDA_LOG_LEVEL", "ERROR", func(c any) any { return c.(Feedback).Metrics.LogLevel }, "ERROR"},

		{readLocal, env{}, "PORT", "8080", func(c any) any { return c.(Local).Port }, "8080"},
		{readLocal, env{}, "ALLOWED_ORIGINS", "https://www.example.com", func(c any) any { return c.(Local).AllowedOrigins }, []string{"https://www.example.com"}},
		{readLocal, env{}, "SENDER_EMAIL", "me@example.com", func(c any) any { return c.(Local).Email.Sender }, "me@example.com"},
		{readLocal, env{}, "FRONT_DESK_EMAIL", "a@example.com,b@example.com", func(c any) any { return c.(Local).Email.FrontDesk }, []string{"a@example.com", "b@example.com"}},
		{readLocal, env{}, "TURNSTILE_SITE_KEY", "1x00000000000000000000AA", func(c any) any { return c.(Local).TurnstileSiteKey }, "1x00000000000000000000AA"},
		{readLocal, env{}, "TURNSTILE_SECRET", "s3cret", func(c any) any { return c.(Local).TurnstileSecret }, "s3cret"},
		{readLocal, env{}, "AWS_ENDPOINT_URL", "http://127.0.0.1:5000", func(c any) any { return c.(Local).EndpointURL }, "http://127.0.0.1:5000"},
		{readLocal, env{}, "TABLE_NAME", "mine", func(c any) any { return c.(Local).Table }, "mine"},
		{readLocal, env{}, "CONFIGURATION_SET_NAME", "set", func(c any) any { return c.(Local).Email.ConfigurationSet }, "set"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			c, err := tt.read(tt.env.with(tt.name, tt.value).get)
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.field(c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestErrors: a missing required setting or a value that is not what the
// setting takes stops the function with an error naming the setting.
func TestErrors(t *testing.T) {
	tests := []struct {
		read        readerFunc
		env         env
		name, value string
	}{
		{readSubmit, submitEnv, "TABLE_NAME", ""},
		{readSubmit, submitEnv, "RETENTION_DAYS", "a year"},
		{readSubmit, submitEnv, "RETENTION_DAYS", "-1"},
		{readSubmit, submitEnv, "RATE_LIMIT_PER_HOUR", "-1"},
		{readSubmit, submitEnv, "ATTEMPTS_PER_HOUR", "many"},
		{readSubmit, submitEnv, "REQUESTS_PER_EMAIL_PER_DAY", "-3"},
		{readSubmit, submitEnv, "REQUESTS_PER_EMAIL_PER_DAY", "2.5"},
		{readNotify, notifyEnv, "TABLE_NAME", ""},
		{readNotify, notifyEnv, "CONFIRMATIONS_PER_HOUR", "lots"},
		{readNotify, notifyEnv, "STAFF_EMAIL_DETAIL", "none"},
		{readNotify, notifyEnv, "STAFF_EMAIL_DETAIL", "Minimal"},
		{readNotify, notifyEnv, "STAFF_EMAIL_DETAIL", "full,minimal"},
		// A key without the API's address cannot make links.
		{readNotify, notifyEnv.with("ACTION_LINK_KEY_SECRET_ARN", "arn:l"), "MANAGE_BASE_URL", ""},
		{readNotify, notifyEnv.with("ACTION_LINK_KEY_SECRET_ARN", "arn:l"), "MANAGE_BASE_URL", "api.example.com"},
		{readNotify, notifyEnv.with("ACTION_LINK_KEY_SECRET_ARN", "arn:l"), "MANAGE_BASE_URL", "ftp://api.example.com"},
		{readRemind, remindEnv, "TABLE_NAME", ""},
		{readRemind, remindEnv, "REMINDER_HOURS_BEFORE", "a day"},
		{readRemind, remindEnv, "REMINDER_HOURS_BEFORE", "-1"},
		{readRemind, remindEnv, "REMINDER_HOURS_BEFORE", "169"},
		{readRemind, remindEnv, "STAFF_EMAIL_DETAIL", "none"},
		{readDigest, digestEnv, "TABLE_NAME", ""},
		{readDigest, digestEnv, "STAFF_EMAIL_DETAIL", "none"},
		{readDigest, digestEnv.with("ACTION_LINK_KEY_SECRET_ARN", "arn:l"), "MANAGE_BASE_URL", ""},
		{readManage, manageEnv, "TABLE_NAME", ""},
		{readManage, manageEnv, "ACTION_LINK_KEY_SECRET_ARN", ""},
		// A limit that is no limit is refused as a missing one is.
		{readManage, manageEnv, "RESCHEDULES_PER_DAY", ""},
		{readManage, manageEnv, "RESCHEDULES_PER_DAY", "0"},
		{readManage, manageEnv, "RESCHEDULES_PER_DAY", "-1"},
		{readManage, manageEnv, "RESCHEDULES_PER_DAY", "five"},
		{readManage, manageEnv, "RESCHEDULES_PER_DAY", "5.5"},
		{readFeedback, feedbackEnv, "TABLE_NAME", ""},
		{readFeedback, feedbackEnv, "HASHING_KEY_SECRET_ARN", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			_, err := tt.read(tt.env.with(tt.name, tt.value).get)
			if err == nil || !strings.Contains(err.Error(), tt.name) {
				t.Errorf("error %v, want one naming %s", err, tt.name)
			}
		})
	}
}

// TestErrorsTogether: every mistake is reported at once, so that a
// deployer fixes them in one go.
func TestErrorsTogether(t *testing.T) {
	_, err := ReadSubmit(env{"RETENTION_DAYS": "x", "ATTEMPTS_PER_HOUR": "y"}.get)
	for _, name := range []string{"TABLE_NAME", "RETENTION_DAYS", "ATTEMPTS_PER_HOUR"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v, want one naming %s", err, name)
		}
	}
}

// TestLimitsCheck: a limit left out of a Limits literal is reported, not
// taken as off; NoLimit is off as written.
func TestLimitsCheck(t *testing.T) {
	on := Limits{Accepted: appointment.PerHour(1), Attempts: appointment.NoLimit, PerAddress: appointment.PerDay(1)}
	if err := on.Check(); err != nil {
		t.Errorf("Check() = %v for limits all set", err)
	}
	for _, l := range []Limits{
		{Attempts: appointment.NoLimit, PerAddress: appointment.PerDay(1)},
		{Accepted: appointment.PerHour(1), PerAddress: appointment.PerDay(1)},
		{Accepted: appointment.PerHour(1), Attempts: appointment.NoLimit},
	} {
		if err := l.Check(); err == nil {
			t.Errorf("Check() accepted %+v, which leaves a limit unset", l)
		}
	}
}
