package template

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/local/dynamostreams"
)

// feedbackResources returns the translated template's resources, and the
// rule that invokes FeedbackFunction.
func feedbackRule(t *testing.T) (map[string]any, map[string]any) {
	t.Helper()
	resources, _ := translatedTemplate(t)["Resources"].(map[string]any)
	var rules []map[string]any
	for _, r := range resources {
		r, _ := r.(map[string]any)
		if resourceType(r) != "AWS::Events::Rule" {
			continue
		}
		for _, target := range leaves(dig(r, "Properties")["Targets"]) {
			if reflect.DeepEqual(target.(map[string]any)["Arn"], getAtt("FeedbackFunction", "Arn")) {
				rules = append(rules, r)
			}
		}
	}
	if len(rules) != 1 {
		t.Fatalf("%d rules invoke FeedbackFunction, want 1", len(rules))
	}
	return resources, rules[0]
}

// TestFeedbackEvents: SES publishes the configuration set's Delivery,
// Bounce and Complaint events to the default EventBridge bus, and the rule
// passes FeedbackFunction those of this stack's configuration set and no
// others: each sample event in infra/events matches it, the same events of
// another configuration set do not, nor do SES's other events.
func TestFeedbackEvents(t *testing.T) {
	resources, rule := feedbackRule(t)

	dest, _ := resources["EmailFeedbackDestination"].(map[string]any)
	if resourceType(dest) != "AWS::SES::ConfigurationSetEventDestination" {
		t.Fatal("no EmailFeedbackDestination")
	}
	props := dig(dest, "Properties")
	if !reflect.DeepEqual(props["ConfigurationSetName"], ref("EmailConfigurationSet")) {
		t.Errorf("the events are those of %s, want EmailConfigurationSet's", compact(props["ConfigurationSetName"]))
	}
	ed := dig(dest, "Properties", "EventDestination")
	var types []string
	for _, v := range leaves(ed["MatchingEventTypes"]) {
		types = append(types, fmt.Sprint(v))
	}
	slices.Sort(types)
	if !slices.Equal(types, []string{"bounce", "complaint", "delivery"}) || ed["Enabled"] != true {
		t.Errorf("the destination publishes %v (enabled %v), want bounce, complaint and delivery", types, ed["Enabled"])
	}
	bus := dig(ed, "EventBridgeDestination")["EventBusArn"]
	if !strings.HasSuffix(compact(bus), `:event-bus/default"}`) {
		t.Errorf("events go to %s, want the default bus (the only one SES publishes to)", compact(bus))
	}

	// The rule's pattern, with the configuration set's name in place of
	// its reference, against the samples.
	pattern := dig(rule, "Properties")["EventPattern"]
	raw, err := json.Marshal(pattern)
	if err != nil {
		t.Fatal(err)
	}
	const configSet = "clinic-appointments-EmailConfigurationSet"
	text := strings.Replace(string(raw), compact(ref("EmailConfigurationSet")), `"`+configSet+`"`, 1)
	if text == string(raw) {
		t.Fatalf("the rule's pattern %s does not name EmailConfigurationSet", raw)
	}
	filter, err := dynamostreams.NewFilter(text)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"feedback-bounce.json", "feedback-complaint.json", "feedback-delivery.json"} {
		sample, err := os.ReadFile(filepath.Join("..", "..", "infra", "events", name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(sample), configSet) {
			t.Fatalf("%s is not about %s", name, configSet)
		}
		for _, tt := range []struct {
			what  string
			event string
			want  bool
		}{
			{"as it is", string(sample), true},
			{"of another stack", strings.ReplaceAll(string(sample), configSet, "staging-EmailConfigurationSet"), false},
			{"an open", strings.Replace(string(sample), `"detail-type": "Email`, `"detail-type": "Email Opened", "x": "`, 1), false},
			{"from elsewhere", strings.Replace(string(sample), `"source": "aws.ses"`, `"source": "clinic.forged"`, 1), false},
		} {
			got, err := filter.MatchesJSON([]byte(tt.event))
			if err != nil {
				t.Fatalf("%s %s: %v", name, tt.what, err)
			}
			if got != tt.want {
				t.Errorf("%s %s: the rule matches %v, want %v", name, tt.what, got, tt.want)
			}
		}
	}
}

// TestFeedbackNothingLost: an event FeedbackFunction could not take is
// kept: EventBridge retries the invocation for a day and Lambda the
// function's failures twice, and both then leave the event in
// FeedbackDeadLetterQueue, whose alarm says so.
func TestFeedbackNothingLost(t *testing.T) {
	resources, rule := feedbackRule(t)
	var target map[string]any
	for _, tg := range leaves(dig(rule, "Properties")["Targets"]) {
		target = tg.(map[string]any)
	}
	queue := getAtt("FeedbackDeadLetterQueue", "Arn")
	if got := dig(target, "DeadLetterConfig")["Arn"]; !reflect.DeepEqual(got, queue) {
		t.Errorf("the rule's dead-letter queue is %s, want FeedbackDeadLetterQueue", compact(got))
	}
	if got := dig(target, "RetryPolicy")["MaximumEventAgeInSeconds"]; fmt.Sprint(got) != "86400" {
		t.Errorf("the rule retries for %v seconds, want a day", got)
	}
	var invokeConfig map[string]any
	for _, r := range resources {
		r, _ := r.(map[string]any)
		if resourceType(r) == "AWS::Lambda::EventInvokeConfig" && reflect.DeepEqual(dig(r, "Properties")["FunctionName"], ref("FeedbackFunction")) {
			invokeConfig = r
		}
	}
	if got := dig(invokeConfig, "Properties", "DestinationConfig", "OnFailure")["Destination"]; !reflect.DeepEqual(got, queue) {
		t.Errorf("the function's failures go to %s, want FeedbackDeadLetterQueue", compact(got))
	}
	policy := findQueuePolicy(t, resources, "FeedbackDeadLetterQueue")
	statements := leaves(dig(policy, "Properties", "PolicyDocument")["Statement"])
	if len(statements) != 1 || compact(dig(statements[0].(map[string]any), "Principal")) != `{"Service":"events.amazonaws.com"}` ||
		!strings.Contains(compact(statements[0]), compact(getAtt(ruleID(t, resources, rule), "Arn"))) {
		t.Errorf("the queue's policy %s does not let the rule alone send to it", compact(statements))
	}
	alarm := dig(resources["FeedbackDeadLetterAlarm"].(map[string]any), "Properties")
	if compact(alarm["Dimensions"]) != compact([]any{map[string]any{"Name": "QueueName", "Value": getAtt("FeedbackDeadLetterQueue", "QueueName")}}) {
		t.Errorf("FeedbackDeadLetterAlarm watches %s", compact(alarm["Dimensions"]))
	}
}

func findQueuePolicy(t *testing.T, resources map[string]any, queue string) map[string]any {
	t.Helper()
	for _, r := range resources {
		r, _ := r.(map[string]any)
		if resourceType(r) == "AWS::SQS::QueuePolicy" && strings.Contains(compact(dig(r, "Properties")["Queues"]), `"`+queue+`"`) {
			return r
		}
	}
	t.Fatalf("no policy on %s", queue)
	return nil
}

func ruleID(t *testing.T, resources map[string]any, rule map[string]any) string {
	t.Helper()
	for id, r := range resources {
		if reflect.DeepEqual(r, rule) {
			return id
		}
	}
	t.Fatal("the rule has no logical ID")
	return ""
}

// TestFeedbackFunctionRole: FeedbackFunction may update requests, create
// suppression records and read the hashing key, and nothing else: it
// cannot read a request, write any other item, or send email. NotifyFunction
// reads the same key, so that it finds the suppression records.
func TestFeedbackFunctionRole(t *testing.T) {
	resources, _ := translatedTemplate(t)["Resources"].(map[string]any)
	fn, _ := resources["FeedbackFunction"].(map[string]any)
	roleRef, _ := dig(fn, "Properties", "Role")["Fn::GetAtt"].([]any)
	if len(roleRef) != 2 {
		t.Fatalf("FeedbackFunction's role is %s", compact(dig(fn, "Properties")["Role"]))
	}
	role, _ := resources[fmt.Sprint(roleRef[0])].(map[string]any)
	props, _ := role["Properties"].(map[string]any)
	for _, arn := range leaves(props["ManagedPolicyArns"]) {
		if s, _ := arn.(string); !awsManagedPolicyAllowed(s) {
			t.Errorf("FeedbackFunction's role attaches %s", compact(arn))
		}
	}
	want := map[string][]any{
		"dynamodb:UpdateItem":           {getAtt("RequestsTable", "Arn")},
		"dynamodb:PutItem":              {getAtt("RequestsTable", "Arn")},
		"secretsmanager:GetSecretValue": {ref("HashingKeySecret")},
		"sqs:SendMessage":               {getAtt("FeedbackDeadLetterQueue", "Arn")},
	}
	if got := grants(props); !reflect.DeepEqual(got, want) {
		t.Errorf("FeedbackFunction's role allows %s, want exactly %s", compact(got), compact(want))
	}
	conditions := conditionsByAction(props)
	leading := func(prefix string) any {
		return map[string]any{"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": []any{prefix + "*"}}}
	}
	if got := conditions["dynamodb:UpdateItem"]; !reflect.DeepEqual(got, leading(dynamo.RequestPrefix)) {
		t.Errorf("UpdateItem on the condition %s, want request items only", compact(got))
	}
	if got := conditions["dynamodb:PutItem"]; !reflect.DeepEqual(got, leading(dynamo.SuppressionPrefix)) {
		t.Errorf("PutItem on the condition %s, want suppression records only", compact(got))
	}

	// The same key in both functions.
	for _, name := range []string{"FeedbackFunction", "NotifyFunction"} {
		env := dig(resources[name].(map[string]any), "Properties", "Environment", "Variables")
		if !reflect.DeepEqual(env["HASHING_KEY_SECRET_ARN"], ref("HashingKeySecret")) {
			t.Errorf("%s's HASHING_KEY_SECRET_ARN is %s, want HashingKeySecret", name, compact(env["HASHING_KEY_SECRET_ARN"]))
		}
	}
	notifyGrants := grants(dig(resources["NotifyFunctionRole"].(map[string]any), "Properties"))
	if !slices.ContainsFunc(notifyGrants["secretsmanager:GetSecretValue"], func(v any) bool { return reflect.DeepEqual(v, ref("HashingKeySecret")) }) {
		t.Errorf("NotifyFunction cannot read HashingKeySecret: %s", compact(notifyGrants["secretsmanager:GetSecretValue"]))
	}
}

// conditionsByAction returns the condition each action of a role's
// inline policies is allowed on.
func conditionsByAction(roleProps map[string]any) map[string]any {
	conditions := map[string]any{}
	for _, p := range leaves(roleProps["Policies"]) {
		doc, _ := p.(map[string]any)["PolicyDocument"].(map[string]any)
		for _, st := range leaves(doc["Statement"]) {
			st, _ := st.(map[string]any)
			for _, a := range leaves(st["Action"]) {
				conditions[fmt.Sprint(a)] = st["Condition"]
			}
		}
	}
	return conditions
}
