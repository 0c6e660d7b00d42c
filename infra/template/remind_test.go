package template

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/config"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/testing/iamsim"
)

// TestRemindFunction: RemindFunction runs as the other functions do (the
// runtime, architecture and logging of Globals, a log group of its own
// kept for LogRetentionInDays), with time for a sweep, and reserves no
// concurrency, as none of the others does: two sweeps that overlap are
// kept from sending a reminder twice by its claim, not by Lambda.
func TestRemindFunction(t *testing.T) {
	tmpl := translatedTemplate(t)
	resources, _ := tmpl["Resources"].(map[string]any)
	fn, _ := resources["RemindFunction"].(map[string]any)
	if resourceType(fn) != "AWS::Lambda::Function" {
		t.Fatal("the translated template has no function RemindFunction")
	}
	props := dig(fn, "Properties")
	digest := dig(resources["DigestFunction"].(map[string]any), "Properties")
	for _, key := range []string{"Runtime", "Architectures", "Handler", "MemorySize", "TracingConfig"} {
		if got, want := props[key], digest[key]; want == nil || !reflect.DeepEqual(got, want) {
			t.Errorf("RemindFunction's %s = %s, want DigestFunction's %s", key, compact(got), compact(want))
		}
	}
	if got := props["Timeout"]; got != float64(60) {
		t.Errorf("Timeout = %s, want 60", compact(got))
	}
	for id, r := range resources {
		if _, ok := dig(r.(map[string]any), "Properties")["ReservedConcurrentExecutions"]; ok {
			t.Errorf("%s reserves concurrency; no function does", id)
		}
	}
	logging := dig(props, "LoggingConfig")
	if got, want := logging["LogGroup"], ref("RemindFunctionLogGroup"); !reflect.DeepEqual(got, want) {
		t.Errorf("RemindFunction logs to %s, want %s", compact(got), compact(want))
	}
	if got, want := logging, dig(digest, "LoggingConfig"); got["LogFormat"] != want["LogFormat"] || !reflect.DeepEqual(got["ApplicationLogLevel"], want["ApplicationLogLevel"]) {
		t.Errorf("RemindFunction's LoggingConfig = %s, want DigestFunction's format and level %s", compact(got), compact(want))
	}
	group := dig(resources["RemindFunctionLogGroup"].(map[string]any), "Properties")
	if got, want := group["RetentionInDays"], ref("LogRetentionInDays"); !reflect.DeepEqual(got, want) {
		t.Errorf("RemindFunctionLogGroup keeps logs for %s, want %s", compact(got), compact(want))
	}
	if got, want := group["LogGroupName"], map[string]any{"Fn::Sub": "/aws/lambda/${AWS::StackName}-remind"}; !reflect.DeepEqual(got, want) {
		t.Errorf("RemindFunctionLogGroup is named %s, want %s", compact(got), compact(want))
	}
	env := dig(props, "Environment", "Variables")
	if got, want := env["REMINDER_HOURS_BEFORE"], ref("ReminderHoursBefore"); !reflect.DeepEqual(got, want) {
		t.Errorf("REMINDER_HOURS_BEFORE = %s, want %s", compact(got), compact(want))
	}
}

// TestReminderHoursBeforeIsWhatConfigTakes: the parameter's default is
// the domain's, and its bounds are the ones config.ReadRemind accepts, so
// that CloudFormation refuses before deployment what the function would
// refuse when it starts: 0 (off) to 168 hours.
func TestReminderHoursBeforeIsWhatConfigTakes(t *testing.T) {
	var params map[string]struct {
		Type     string `yaml:"Type"`
		Default  string `yaml:"Default"`
		MinValue string `yaml:"MinValue"`
		MaxValue string `yaml:"MaxValue"`
	}
	if err := templateSection(t, "Parameters").Decode(&params); err != nil {
		t.Fatal(err)
	}
	p, ok := params["ReminderHoursBefore"]
	if !ok {
		t.Fatal("template.yaml has no parameter ReminderHoursBefore")
	}
	if p.Type != "Number" {
		t.Errorf("ReminderHoursBefore is a %s, want a Number", p.Type)
	}
	if got, want := p.Default, strconv.Itoa(appointment.DefaultReminderHoursBefore); got != want {
		t.Errorf("ReminderHoursBefore defaults to %q, want %q", got, want)
	}
	read := func(hours string) error {
		env := map[string]string{"TABLE_NAME": "t", "SENDER_EMAIL": "appointments@example.com", "FRONT_DESK_EMAIL": "frontdesk@example.com", "REMINDER_HOURS_BEFORE": hours}
		_, err := config.ReadRemind(func(k string) string { return env[k] })
		return err
	}
	min, errMin := strconv.Atoi(p.MinValue)
	max, errMax := strconv.Atoi(p.MaxValue)
	if errMin != nil || errMax != nil {
		t.Fatalf("ReminderHoursBefore's bounds are %q to %q, want whole numbers", p.MinValue, p.MaxValue)
	}
	for _, tt := range []struct {
		hours int
		ok    bool
	}{{min, true}, {max, true}, {max + 1, false}} {
		if err := read(strconv.Itoa(tt.hours)); (err == nil) != tt.ok {
			t.Errorf("config.ReadRemind with REMINDER_HOURS_BEFORE=%d: %v, want accepted %t", tt.hours, err, tt.ok)
		}
	}
	if min != 0 {
		t.Errorf("ReminderHoursBefore's MinValue = %d, want 0, which turns reminders off", min)
	}
}

// TestRemindSchedule: EventBridge Scheduler runs the sweep every five
// minutes, at the time itself, with the sample event's input, through a
// role that Scheduler of this account alone may assume, for a schedule
// group of the stack that holds this schedule alone, and that may invoke
// RemindFunction only. Neither the hand-over nor a failed sweep is retried
// past the next sweep: the next sweep is the retry.
func TestRemindSchedule(t *testing.T) {
	tmpl := translatedTemplate(t)
	resources, _ := tmpl["Resources"].(map[string]any)
	props := dig(scheduleOf(t, resources, "RemindFunction"), "Properties")
	for key, want := range map[string]any{
		"ScheduleExpression": "rate(5 minutes)",
		"FlexibleTimeWindow": map[string]any{"Mode": "OFF"},
		"State":              "ENABLED",
	} {
		if got := props[key]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %s, want %s", key, compact(got), compact(want))
		}
	}
	target := dig(props, "Target")
	retry := dig(target, "RetryPolicy")
	if age, _ := retry["MaximumEventAgeInSeconds"].(float64); age == 0 || age >= 300 {
		t.Errorf("the schedule's RetryPolicy = %s, want its retries over before the next sweep, five minutes on", compact(retry))
	}
	checkScheduleInput(t, target, "remind-schedule.json")
	checkScheduleRole(t, resources, props, "RemindFunction")

	// Lambda does not retry a failed sweep, and drops an invocation that
	// waited until the next sweep was due.
	config := invokeConfigOf(t, resources, "RemindFunction")
	retries, ok := config["MaximumRetryAttempts"].(float64)
	age, _ := config["MaximumEventAgeInSeconds"].(float64)
	if !ok || retries != 0 || age == 0 || age >= 300 {
		t.Errorf("RemindFunction's asynchronous retries: %s, want none, and no invocation older than a sweep's interval", compact(config))
	}
}

// TestRemindFunctionRole: the role SAM generates from RemindFunction's
// Policies, with only AWSLambdaBasicExecutionRole and
// AWSXrayWriteOnlyAccess attached, grants the calls a sweep makes and no
// more: read the ByAppointment index; read, claim and record request
// items; count the patient emails of the hour; read suppression records;
// read the link and hashing keys; send as SenderEmail through the
// configuration set; read the sending quota. The grants are then
// simulated with the IAM policy evaluator, calls the function makes
// against calls it must not be able to make.
func TestRemindFunctionRole(t *testing.T) {
	tmpl := translatedTemplate(t)
	resources, _ := tmpl["Resources"].(map[string]any)
	fn, _ := resources["RemindFunction"].(map[string]any)
	if resourceType(fn) != "AWS::Lambda::Function" {
		t.Fatal("the translated template has no function RemindFunction")
	}
	roleRef, _ := dig(fn, "Properties", "Role")["Fn::GetAtt"].([]any)
	if len(roleRef) != 2 {
		t.Fatalf("RemindFunction's role is %s, not a role of the template", compact(dig(fn, "Properties")["Role"]))
	}
	role, _ := resources[fmt.Sprint(roleRef[0])].(map[string]any)
	if resourceType(role) != "AWS::IAM::Role" {
		t.Fatalf("RemindFunction runs with %v, which is not a role of the template", roleRef[0])
	}
	props, _ := role["Properties"].(map[string]any)
	for _, arn := range leaves(props["ManagedPolicyArns"]) {
		if s, _ := arn.(string); !awsManagedPolicyAllowed(s) {
			t.Errorf("RemindFunction's role attaches %s, want only AWSLambdaBasicExecutionRole and AWSXrayWriteOnlyAccess", compact(arn))
		}
	}
	table := getAtt("RequestsTable", "Arn")
	want := map[string][]any{
		"dynamodb:Query":                {map[string]any{"Fn::Sub": "${RequestsTable.Arn}/index/" + dynamo.IndexByAppointment}},
		"dynamodb:GetItem":              {table, table},
		"dynamodb:UpdateItem":           {table, table},
		"secretsmanager:GetSecretValue": {ref("ActionLinkKeySecret"), ref("HashingKeySecret")},
		"ses:SendRawEmail": {
			map[string]any{"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"},
			map[string]any{"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/${EmailConfigurationSet}"},
		},
		"ses:GetSendQuota": {"*"},
	}
	if got := grants(props); !reflect.DeepEqual(got, want) {
		t.Errorf("RemindFunction's role allows %s, want exactly %s", compact(got), compact(want))
	}

	const (
		tableName  = "requests"
		sender     = "appointments@example.com"
		confSet    = "appointments"
		linkKey    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:links-Aa1Bb2"
		hashingKey = "arn:aws:secretsmanager:us-east-1:123456789012:secret:hashing-Cc3Dd4"
		otherKey   = "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-Zz9Yy8"
	)
	tableARN := "arn:aws:dynamodb:us-east-1:123456789012:table/" + tableName
	const request = dynamo.RequestPrefix + "r6zxzmmvycimokgxeyepwm2yge"
	item := func(action, pk string) iamsim.Call {
		return iamsim.Call{Action: "dynamodb:" + action, Resource: tableARN, Context: map[string][]string{"dynamodb:LeadingKeys": {pk}}}
	}
	send := func(from, resource string) iamsim.Call {
		return iamsim.Call{Action: "ses:SendRawEmail", Resource: "arn:aws:ses:us-east-1:123456789012:" + resource, Context: map[string][]string{"ses:FromAddress": {from}}}
	}
	scheduled := string(appointment.StatusScheduled)
	allowed := []iamsim.Call{
		{Action: "dynamodb:Query", Resource: tableARN + "/index/" + dynamo.IndexByAppointment, Context: map[string][]string{"dynamodb:LeadingKeys": {scheduled}}},
		item("GetItem", request),
		item("UpdateItem", request),
		// The cap's counter, as notify.Handler names it.
		item("UpdateItem", dynamo.CounterPrefix("confirmations")+"1700000000"),
		item("GetItem", dynamo.SuppressionPrefix+"0a1b"),
		{Action: "secretsmanager:GetSecretValue", Resource: linkKey},
		{Action: "secretsmanager:GetSecretValue", Resource: hashingKey},
		send(sender, "identity/"+sender),
		send(sender, "identity/example.com"),
		send(sender, "configuration-set/"+confSet),
		{Action: "ses:GetSendQuota", Resource: "*"},
	}
	denied := []iamsim.Call{
		// Another index, the table itself, or the whole table.
		{Action: "dynamodb:Query", Resource: tableARN + "/index/" + dynamo.IndexByStatus, Context: map[string][]string{"dynamodb:LeadingKeys": {"received"}}},
		{Action: "dynamodb:Query", Resource: tableARN, Context: map[string][]string{"dynamodb:LeadingKeys": {request}}},
		{Action: "dynamodb:Scan", Resource: tableARN},
		{Action: "dynamodb:Scan", Resource: tableARN + "/index/" + dynamo.IndexByAppointment},
		// Another table.
		{Action: "dynamodb:GetItem", Resource: "arn:aws:dynamodb:us-east-1:123456789012:table/other", Context: map[string][]string{"dynamodb:LeadingKeys": {request}}},
		// Writing anything but a request's email records and the cap.
		item("PutItem", request),
		item("DeleteItem", request),
		item("UpdateItem", dynamo.CounterPrefix("digest")+"1700000000"),
		item("UpdateItem", dynamo.CounterPrefix("client")+"0a1b#1700000000"),
		item("UpdateItem", dynamo.SuppressionPrefix+"0a1b"),
		item("PutItem", dynamo.SuppressionPrefix+"0a1b"),
		item("DeleteItem", dynamo.SuppressionPrefix+"0a1b"),
		// Reading the submit path's claims.
		item("GetItem", "IDEM#0a1b"),
		item("GetItem", "DEDUPE#0a1b"),
		{Action: "secretsmanager:GetSecretValue", Resource: otherKey},
		// Sending as anyone but the sender, or through another
		// configuration set.
		send("frontdesk@example.com", "identity/example.com"),
		send("attacker@example.net", "identity/example.net"),
		send(sender, "configuration-set/other"),
		{Action: "ses:SendEmail", Resource: "arn:aws:ses:us-east-1:123456789012:identity/" + sender, Context: map[string][]string{"ses:FromAddress": {sender}}},
	}
	r, err := iamsim.RoleOf(tmpl, "RemindFunction", iamsim.Binding{
		"RequestsTable": tableName, "ActionLinkKeySecret": linkKey, "HashingKeySecret": hashingKey,
		"SenderEmail": sender, "EmailConfigurationSet": confSet,
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := append(slices.Clone(allowed), denied...)
	requests := make([]iamsim.Request, len(calls))
	for i, c := range calls {
		requests[i] = iamsim.Request{Principal: "arn:aws:iam::123456789012:role/" + r.ID, Action: c.Action, Resource: c.Resource, Context: c.Context, Policies: r.Policies}
	}
	decisions, err := iamsim.Simulate(requests)
	if err != nil {
		t.Fatalf("%v (%s)", err, iamsim.InstallHint)
	}
	for i, d := range decisions {
		want := "Allowed"
		if i >= len(allowed) {
			want = "ImplicitlyDenied"
		}
		if d.Result != want || len(d.IgnoredContextKeys) > 0 {
			t.Errorf("%s: %s is %s (ignoring %v), want %s", r.ID, calls[i], d, d.IgnoredContextKeys, want)
		}
	}
}
