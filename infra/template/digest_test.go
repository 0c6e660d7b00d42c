package template

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"

	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/digest"
	"example.com/appointments/internal/dynamo"
)

// TestDigestFunctionRole: DigestFunction may query the status index,
// update its own per-day counters and nothing else of the table, read the
// link key and send as SenderEmail; it cannot read, write or delete a
// request, scan the table or read another secret. The role is the one SAM
// generates from the function's Policies, with only
// AWSLambdaBasicExecutionRole attached for its logs and
// AWSXrayWriteOnlyAccess for its traces.
func TestDigestFunctionRole(t *testing.T) {
	tmpl := translatedTemplate(t)
	resources, _ := tmpl["Resources"].(map[string]any)
	fn, _ := resources["DigestFunction"].(map[string]any)
	if resourceType(fn) != "AWS::Lambda::Function" {
		t.Fatal("the translated template has no function DigestFunction")
	}
	roleRef, _ := dig(fn, "Properties", "Role")["Fn::GetAtt"].([]any)
	if len(roleRef) != 2 {
		t.Fatalf("DigestFunction's role is %s, not a role of the template", compact(dig(fn, "Properties")["Role"]))
	}
	role, _ := resources[fmt.Sprint(roleRef[0])].(map[string]any)
	if resourceType(role) != "AWS::IAM::Role" {
		t.Fatalf("DigestFunction runs with %v, which is not a role of the template", roleRef[0])
	}
	props, _ := role["Properties"].(map[string]any)
	for _, arn := range leaves(props["ManagedPolicyArns"]) {
		if s, _ := arn.(string); !awsManagedPolicyAllowed(s) {
			t.Errorf("DigestFunction's role attaches %s, want only AWSLambdaBasicExecutionRole and AWSXrayWriteOnlyAccess", compact(arn))
		}
	}

	want := map[string][]any{
		"dynamodb:Query":                {map[string]any{"Fn::Sub": "${RequestsTable.Arn}/index/" + dynamo.IndexByStatus}},
		"dynamodb:UpdateItem":           {getAtt("RequestsTable", "Arn")},
		"secretsmanager:GetSecretValue": {ref("ActionLinkKeySecret")},
		"ses:SendRawEmail": {
			map[string]any{"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"},
			map[string]any{"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/${EmailConfigurationSet}"},
		},
	}
	if got := grants(props); !reflect.DeepEqual(got, want) {
		t.Errorf("DigestFunction's role allows %s, want exactly %s", compact(got), compact(want))
	}

	// The conditions that narrow two of those grants: the counter items
	// only, named as the DynamoDB adapter keys the digest's counter, and
	// sending only as the sender, as NotifyFunction does.
	conditions := conditionsByAction(props)
	wantConditions := map[string]any{
		"dynamodb:UpdateItem": map[string]any{"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": []any{dynamo.CounterPrefix(digest.CounterName) + "*"}}},
		"ses:SendRawEmail":    map[string]any{"StringEquals": map[string]any{"ses:FromAddress": ref("SenderEmail")}},
	}
	for action, want := range wantConditions {
		if got := conditions[action]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s is allowed on the condition %s, want %s", action, compact(got), compact(want))
		}
	}
	notify, _ := resources["NotifyFunctionRole"].(map[string]any)
	for _, p := range leaves(dig(notify, "Properties")["Policies"]) {
		doc, _ := p.(map[string]any)["PolicyDocument"].(map[string]any)
		for _, st := range leaves(doc["Statement"]) {
			st, _ := st.(map[string]any)
			if st["Sid"] == "SendAsSender" && !reflect.DeepEqual(st["Condition"], wantConditions["ses:SendRawEmail"]) {
				t.Errorf("NotifyFunction sends on the condition %s, DigestFunction on %s; want the same", compact(st["Condition"]), compact(wantConditions["ses:SendRawEmail"]))
			}
		}
	}
}

// TestDigestSchedule: EventBridge Scheduler invokes DigestFunction on the
// DigestSchedule parameter's expression in ClinicTimeZone, at the time
// itself, with the sample event's input, through a role that Scheduler of
// this account alone may assume, for the stack's own schedule group only,
// and that may invoke that function only.
// Lambda retries a failed run a bounded number of times.
func TestDigestSchedule(t *testing.T) {
	tmpl := translatedTemplate(t)
	resources, _ := tmpl["Resources"].(map[string]any)
	props := dig(scheduleOf(t, resources, "DigestFunction"), "Properties")
	for key, want := range map[string]any{
		"ScheduleExpression":         ref("DigestSchedule"),
		"ScheduleExpressionTimezone": ref("ClinicTimeZone"),
		"FlexibleTimeWindow":         map[string]any{"Mode": "OFF"},
		"State":                      "ENABLED",
	} {
		if got := props[key]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %s, want %s", key, compact(got), compact(want))
		}
	}
	target := dig(props, "Target")
	if got, want := target["Arn"], getAtt("DigestFunction", "Arn"); !reflect.DeepEqual(got, want) {
		t.Errorf("the schedule targets %s, want %s", compact(got), compact(want))
	}
	retry := dig(target, "RetryPolicy")
	if n, _ := retry["MaximumRetryAttempts"].(float64); n < 1 || retry["MaximumEventAgeInSeconds"] == nil {
		t.Errorf("RetryPolicy = %s, want retries within a bounded age", compact(retry))
	}
	checkScheduleInput(t, target, "digest-schedule.json")
	checkScheduleRole(t, resources, props, "DigestFunction")

	// Scheduler invokes Lambda asynchronously: the function's own failures
	// are retried by Lambda, as its invoke configuration says.
	config := invokeConfigOf(t, resources, "DigestFunction")
	if n, _ := config["MaximumRetryAttempts"].(float64); n < 1 || config["MaximumEventAgeInSeconds"] == nil {
		t.Errorf("DigestFunction's asynchronous retries: %s, want at least one, within a bounded age", compact(config))
	}
}

// scheduleOf returns the one schedule of the translated template that
// invokes function, failing the test unless there is exactly one.
func scheduleOf(t *testing.T, resources map[string]any, function string) map[string]any {
	t.Helper()
	var found []string
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		r, _ := resources[id].(map[string]any)
		if resourceType(r) == "AWS::Scheduler::Schedule" && reflect.DeepEqual(dig(r, "Properties", "Target")["Arn"], getAtt(function, "Arn")) {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		t.Fatalf("schedules invoking %s: %v, want one", function, found)
	}
	s, _ := resources[found[0]].(map[string]any)
	return s
}

// checkScheduleInput checks that a schedule's target hands its function
// the sample event infra/events/<sample>, which make invoke and the
// emulator's tests use.
func checkScheduleInput(t *testing.T, target map[string]any, sample string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "infra", "events", sample))
	if err != nil {
		t.Fatal(err)
	}
	var input, event any
	if err := json.Unmarshal([]byte(fmt.Sprint(target["Input"])), &input); err != nil {
		t.Fatalf("the schedule's Input %v is not JSON: %v", target["Input"], err)
	}
	if err := json.Unmarshal(b, &event); err != nil || !reflect.DeepEqual(input, event) {
		t.Errorf("the schedule's Input %v differs from infra/events/%s %s (%v)", target["Input"], sample, b, err)
	}
}

// checkScheduleRole checks the group and the role of the schedule with
// properties props, which invokes function: the group is one of the
// template's and holds no other schedule, since Scheduler names the group,
// not the schedule, as the source its role trusts; the role may be assumed
// by Scheduler of this account for that group only, may invoke function
// and nothing else, and attaches no managed policy.
func checkScheduleRole(t *testing.T, resources, props map[string]any, function string) {
	t.Helper()
	group, _ := props["GroupName"].(map[string]any)["Ref"].(string)
	if g, _ := resources[group].(map[string]any); resourceType(g) != "AWS::Scheduler::ScheduleGroup" {
		t.Fatalf("the schedule is in the group %s, want a schedule group of the template", compact(props["GroupName"]))
	}
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		r, _ := resources[id].(map[string]any)
		if resourceType(r) == "AWS::Scheduler::Schedule" && !reflect.DeepEqual(dig(r, "Properties", "Target")["Arn"], getAtt(function, "Arn")) &&
			reflect.DeepEqual(dig(r, "Properties")["GroupName"], ref(group)) {
			t.Errorf("%s shares %s's schedule group %s, whose role would then run it too", id, function, group)
		}
	}
	target := dig(props, "Target")
	roleRef, _ := target["RoleArn"].(map[string]any)["Fn::GetAtt"].([]any)
	if len(roleRef) != 2 {
		t.Fatalf("the schedule's role is %s, not a role of the template", compact(target["RoleArn"]))
	}
	role, _ := resources[fmt.Sprint(roleRef[0])].(map[string]any)
	statements := leaves(dig(role, "Properties", "AssumeRolePolicyDocument")["Statement"])
	if len(statements) != 1 {
		t.Fatalf("the schedule's role trusts %s, want one statement", compact(statements))
	}
	st, _ := statements[0].(map[string]any)
	if got := leaves(dig(st, "Principal")["Service"]); len(got) != 1 || got[0] != "scheduler.amazonaws.com" {
		t.Errorf("the schedule's role may be assumed by %s, want scheduler.amazonaws.com only", compact(st["Principal"]))
	}
	if got, want := st["Condition"], map[string]any{"StringEquals": map[string]any{
		"aws:SourceAccount": ref("AWS::AccountId"),
		"aws:SourceArn":     getAtt(group, "Arn"),
	}}; !reflect.DeepEqual(got, want) {
		t.Errorf("the schedule's role is trusted on the condition %s, want %s", compact(got), compact(want))
	}
	if got, want := grants(dig(role, "Properties")), map[string][]any{"lambda:InvokeFunction": {getAtt(function, "Arn")}}; !reflect.DeepEqual(got, want) {
		t.Errorf("the schedule's role allows %s, want exactly %s", compact(got), compact(want))
	}
	if arns := leaves(dig(role, "Properties")["ManagedPolicyArns"]); len(arns) != 0 {
		t.Errorf("the schedule's role attaches %s, want nothing", compact(arns))
	}
}

// invokeConfigOf returns the properties of function's one event invoke
// configuration, which says how Lambda retries its asynchronous
// invocations.
func invokeConfigOf(t *testing.T, resources map[string]any, function string) map[string]any {
	t.Helper()
	var configs []map[string]any
	for _, r := range resources {
		if resourceType(r) == "AWS::Lambda::EventInvokeConfig" && reflect.DeepEqual(dig(r.(map[string]any), "Properties")["FunctionName"], ref(function)) {
			configs = append(configs, dig(r.(map[string]any), "Properties"))
		}
	}
	if len(configs) != 1 {
		t.Fatalf("%s has %d event invoke configurations, want 1", function, len(configs))
	}
	return configs[0]
}

// TestClinicTimeZoneIsTheProfiles: the schedule's zone, ClinicTimeZone,
// defaults to the embedded clinic profile's, in which the digest counts
// its days and shows every time; and the default schedule is weekday
// mornings at 8:00.
func TestClinicTimeZoneIsTheProfiles(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal(readTemplate(t), &doc); err != nil {
		t.Fatal(err)
	}
	defaults := map[string]string{}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "Parameters" {
			continue
		}
		params := root.Content[i+1]
		for j := 0; j+1 < len(params.Content); j += 2 {
			p := params.Content[j+1]
			for k := 0; k+1 < len(p.Content); k += 2 {
				if p.Content[k].Value == "Default" {
					defaults[params.Content[j].Value] = p.Content[k+1].Value
				}
			}
		}
	}
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	if got := defaults["ClinicTimeZone"]; got != p.TimeZone {
		t.Errorf("ClinicTimeZone defaults to %q, want the clinic profile's time zone %q", got, p.TimeZone)
	}
	if got, want := defaults["DigestSchedule"], "cron(0 8 ? * MON-FRI *)"; got != want {
		t.Errorf("DigestSchedule defaults to %q, want %q", got, want)
	}
}
