// Package template checks template.yaml, the stack's one definition: its
// table, roles, alarms, routes and functions' environments, and that the
// documentation names what it declares. It holds tests only; it reads the
// template through internal/testing/samtemplate.
package template

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/testing/samtemplate"
)

func readTemplate(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRequestsTableOfTemplate: the table template.yaml declares, the one
// definition local tools and tests create too, has the keys, index and
// stream that the DynamoDB adapter and the notify function rely on.
func TestRequestsTableOfTemplate(t *testing.T) {
	got, err := samtemplate.RequestsTable(readTemplate(t), "appointments-test")
	if err != nil {
		t.Fatal(err)
	}
	// The index holds only what the digest shows of a request
	// (TestDigestFromTheStatusIndex), and the emails' delivery records for
	// the local server's requests page.
	byStatus := dynamo.IndexByStatus + " status:HASH,createdAt:RANGE INCLUDE[emails firstName history id language lastName location phone phoneExtension reference service]"
	// The reminders' sweep reads the booked requests by the start of
	// their appointments; the index holds what the reminder shows and
	// what decides it, and what the composer checks of every request
	// (the phone and the time it arrived), and not the patient's reason
	// or preferences (TestReminderFromTheAppointmentIndex).
	byAppointment := dynamo.IndexByAppointment + " status:HASH,appointmentAt:RANGE INCLUDE[booking createdAt email emails firstName history id language lastName location phone reference service]"
	want := samtemplate.TableShape{
		Name:        "appointments-test",
		BillingMode: "PAY_PER_REQUEST",
		Keys:        "pk:HASH,sk:RANGE",
		Attributes:  []string{"appointmentAt:S", "createdAt:S", "pk:S", "sk:S", "status:S"},
		Indexes:     []string{byAppointment, byStatus},
		Stream:      "true NEW_AND_OLD_IMAGES",
	}
	if g := samtemplate.ShapeOf(got); !reflect.DeepEqual(g, want) {
		t.Errorf("template.yaml's RequestsTable = %+v, want %+v", g, want)
	}
	if got.ProvisionedThroughput != nil {
		t.Errorf("ProvisionedThroughput = %v, want none for an on-demand table", got.ProvisionedThroughput)
	}
}

// with returns a copy of env with extra's entries added.
func with(env, extra map[string]string) map[string]string {
	out := maps.Clone(env)
	maps.Copy(out, extra)
	return out
}

// TestFunctionEnvironmentOfTemplate resolves the real functions'
// environments. It checks the variables the functions rely on rather than
// the whole set, so that adding a variable to the template does not break it.
func TestFunctionEnvironmentOfTemplate(t *testing.T) {
	// NotifyFunction's environment, which RemindFunction, sending through
	// the same handler, has too.
	notifyRefs := map[string]string{"RequestsTable": "appointments-local", "EmailConfigurationSet": "appointments-local",
		"ActionLinkKeySecret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:links",
		"HashingKeySecret":    "arn:aws:secretsmanager:us-east-1:123456789012:secret:hashing"}
	notifyEnv := map[string]string{
		"TABLE_NAME":                 "appointments-local",
		"SENDER_EMAIL":               "appointments@example.com",
		"FRONT_DESK_EMAIL":           "frontdesk@example.com",
		"STAFF_EMAIL_DETAIL":         "full",
		"CONFIGURATION_SET_NAME":     "appointments-local",
		"CONFIRMATIONS_PER_HOUR":     "200",
		"HASHING_KEY_SECRET_ARN":     "arn:aws:secretsmanager:us-east-1:123456789012:secret:hashing",
		"METRICS_NAMESPACE":          "ClinicAppointments",
		"STACK_NAME":                 samtemplate.LocalStackName,
		"ACTION_LINK_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:links",
		"AWS_ENDPOINT_URL":           "",
	}
	tests := []struct {
		function string
		params   map[string]string
		refs     map[string]string
		want     map[string]string
		// unresolved are the variables whose values are computed on
		// deployment (!Sub, !If), which FunctionEnvironment leaves out.
		unresolved []string
	}{
		{
			function: "SubmitFunction",
			params:   map[string]string{"AllowedOrigins": "https://www.example.com", "ThankYouUrl": "https://www.example.com/thanks"},
			refs:     map[string]string{"RequestsTable": "appointments-local", "HashingKeySecret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:key"},
			want: map[string]string{
				"TABLE_NAME":                 "appointments-local",
				"ALLOWED_ORIGINS":            "https://www.example.com",
				"THANK_YOU_URL":              "https://www.example.com/thanks",
				"RETENTION_DAYS":             "365",
				"RATE_LIMIT_PER_HOUR":        "10",
				"ATTEMPTS_PER_HOUR":          "60",
				"REQUESTS_PER_EMAIL_PER_DAY": "3",
				"HASHING_KEY_SECRET_ARN":     "arn:aws:secretsmanager:us-east-1:123456789012:secret:key",
				"TURNSTILE_SECRET_ARN":       "",
				"METRICS_NAMESPACE":          "ClinicAppointments",
				// The metrics' Stack dimension: sam local's name for a
				// stack, unless the caller names one.
				"STACK_NAME":       samtemplate.LocalStackName,
				"AWS_ENDPOINT_URL": "",
			},
		},
		{
			function: "SubmitFunction",
			// A given value wins over the default, and over refs.
			params: map[string]string{"AllowedOrigins": "https://a.example", "ThankYouUrl": "https://a.example/t", "RetentionDays": "30", "RequestsTable": "from-params"},
			refs:   map[string]string{"RequestsTable": "from-refs", "HashingKeySecret": "key", "AWS::StackName": "clinic-staging"},
			want:   map[string]string{"TABLE_NAME": "from-params", "RETENTION_DAYS": "30", "STACK_NAME": "clinic-staging"},
		},
		{
			function: "NotifyFunction",
			params:   map[string]string{"SenderEmail": "appointments@example.com", "FrontDeskEmail": "frontdesk@example.com"},
			refs:     notifyRefs,
			want:     notifyEnv,
			// The API's address, or the clinic's own domain;
			// TestManageBaseURLIsTheAPIs checks it.
			unresolved: []string{"MANAGE_BASE_URL"},
		},
		{
			function: "DigestFunction",
			params:   map[string]string{"SenderEmail": "appointments@example.com", "FrontDeskEmail": "frontdesk@example.com"},
			refs: map[string]string{"RequestsTable": "appointments-local", "EmailConfigurationSet": "appointments-local",
				"ActionLinkKeySecret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:links"},
			want: map[string]string{
				"TABLE_NAME":                 "appointments-local",
				"SENDER_EMAIL":               "appointments@example.com",
				"FRONT_DESK_EMAIL":           "frontdesk@example.com",
				"STAFF_EMAIL_DETAIL":         "full",
				"CONFIGURATION_SET_NAME":     "appointments-local",
				"METRICS_NAMESPACE":          "ClinicAppointments",
				"STACK_NAME":                 samtemplate.LocalStackName,
				"ACTION_LINK_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:links",
				"AWS_ENDPOINT_URL":           "",
			},
			unresolved: []string{"MANAGE_BASE_URL"},
		},
		{
			function: "RemindFunction",
			params:   map[string]string{"SenderEmail": "appointments@example.com", "FrontDeskEmail": "frontdesk@example.com"},
			refs:     notifyRefs,
			// NotifyFunction's settings, with which it sends, and the
			// reminder time.
			want:       with(notifyEnv, map[string]string{"REMINDER_HOURS_BEFORE": "24"}),
			unresolved: []string{"MANAGE_BASE_URL"},
		},
		{
			function: "RemindFunction",
			params:   map[string]string{"SenderEmail": "appointments@example.com", "FrontDeskEmail": "frontdesk@example.com", "ReminderHoursBefore": "0"},
			refs: map[string]string{"RequestsTable": "appointments-local", "EmailConfigurationSet": "appointments-local",
				"ActionLinkKeySecret": "links", "HashingKeySecret": "hashing"},
			want:       map[string]string{"REMINDER_HOURS_BEFORE": "0"},
			unresolved: []string{"MANAGE_BASE_URL"},
		},
		{
			function: "ManageFunction",
			refs:     map[string]string{"RequestsTable": "appointments-local", "ActionLinkKeySecret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:links"},
			want: map[string]string{
				"TABLE_NAME":                 "appointments-local",
				"ACTION_LINK_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:links",
				"RESCHEDULES_PER_DAY":        "5",
				"AWS_ENDPOINT_URL":           "",
			},
		},
		{
			function: "ManageFunction",
			params:   map[string]string{"ReschedulesPerDay": "3"},
			refs:     map[string]string{"RequestsTable": "appointments-local", "ActionLinkKeySecret": "links"},
			want:     map[string]string{"RESCHEDULES_PER_DAY": "3"},
		},
	}
	template := readTemplate(t)
	for _, tt := range tests {
		t.Run(tt.function, func(t *testing.T) {
			got, err := samtemplate.FunctionEnvironment(template, tt.function, tt.params, tt.refs)
			var unresolved *samtemplate.UnresolvedError
			switch {
			case errors.As(err, &unresolved):
				var names []string
				for _, u := range unresolved.Variables {
					names = append(names, u.Variable)
				}
				if !slices.Equal(names, tt.unresolved) {
					t.Fatal(err)
				}
			case err != nil:
				t.Fatal(err)
			case len(tt.unresolved) > 0:
				t.Errorf("%v resolved, want them left to deployment", tt.unresolved)
			}
			for k, want := range tt.want {
				if v, ok := got[k]; !ok || v != want {
					t.Errorf("%s = %q (set: %t), want %q", k, v, ok, want)
				}
			}
		})
	}
}

func TestFunctionEnvironmentUnresolved(t *testing.T) {
	got, err := samtemplate.FunctionEnvironment(readTemplate(t), "SubmitFunction", nil, nil)
	var unresolved *samtemplate.UnresolvedError
	if !errors.As(err, &unresolved) {
		t.Fatalf("FunctionEnvironment() error = %v, want an *UnresolvedError", err)
	}
	want := []samtemplate.Unresolved{
		{Variable: "ALLOWED_ORIGINS", Ref: "AllowedOrigins", Parameter: true},
		{Variable: "HASHING_KEY_SECRET_ARN", Ref: "HashingKeySecret"},
		{Variable: "TABLE_NAME", Ref: "RequestsTable"},
		{Variable: "THANK_YOU_URL", Ref: "ThankYouUrl", Parameter: true},
	}
	var short []samtemplate.Unresolved
	for _, u := range unresolved.Variables {
		if u.Reason == "" {
			t.Errorf("%s: no reason", u.Variable)
		}
		u.Reason = ""
		short = append(short, u)
	}
	if !reflect.DeepEqual(short, want) {
		t.Errorf("unresolved = %+v, want %+v", short, want)
	}
	for _, name := range []string{"AllowedOrigins", "RequestsTable", "ThankYouUrl"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
	// What could be resolved is still returned.
	if got["RETENTION_DAYS"] != "365" {
		t.Errorf("RETENTION_DAYS = %q with the error, want the default 365", got["RETENTION_DAYS"])
	}
}
