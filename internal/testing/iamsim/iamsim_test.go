package iamsim

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	sesapi "github.com/aws/aws-sdk-go-v2/service/ses"
	sestypes "github.com/aws/aws-sdk-go-v2/service/ses/types"
)

// answering is an AWS API that answers every call with an empty success,
// which is all the recorder's tests need of one.
var answering = roundTripper(func(req *http.Request) (*http.Response, error) {
	body := "{}"
	contentType := "application/x-amz-json-1.0"
	if strings.Contains(req.Header.Get("Content-Type"), "x-www-form-urlencoded") {
		contentType = "text/xml"
		body = `<SendRawEmailResponse><SendRawEmailResult><MessageId>m</MessageId></SendRawEmailResult></SendRawEmailResponse>`
		if form, _ := io.ReadAll(req.Body); strings.Contains(string(form), "Action=GetSendQuota") {
			body = `<GetSendQuotaResponse><GetSendQuotaResult><MaxSendRate>1</MaxSendRate></GetSendQuotaResult></GetSendQuotaResponse>`
		}
	}
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {contentType}},
		Body:       io.NopCloser(strings.NewReader(body)),
		Request:    req,
	}, nil
})

func config(transport http.RoundTripper) aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://127.0.0.1:1"),
		HTTPClient:   &http.Client{Transport: transport},
	}
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func leading(keys ...string) map[string][]string {
	return map[string][]string{"dynamodb:LeadingKeys": keys}
}

const table = "arn:aws:dynamodb:us-east-1:123456789012:table/requests"

// TestRecorder: each call the SDK makes is recorded as the authorizations
// IAM makes for it.
func TestRecorder(t *testing.T) {
	ctx := context.Background()
	key := func(pk string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"pk": s(pk), "sk": s("X")}
	}
	secretARN := "arn:aws:secretsmanager:us-east-1:123456789012:secret:hashing-key-AbCdEf"
	tests := []struct {
		name string
		call func(aws.Config) error
		want []Call
	}{
		{"get item", func(c aws.Config) error {
			_, err := dynamodb.NewFromConfig(c).GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("requests"), Key: key("REQ#1")})
			return err
		}, []Call{{Operation: "dynamodb:GetItem", Action: "dynamodb:GetItem", Resource: table, Context: leading("REQ#1")}}},
		{"put item", func(c aws.Config) error {
			_, err := dynamodb.NewFromConfig(c).PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("requests"), Item: key("IDEM#2")})
			return err
		}, []Call{{Operation: "dynamodb:PutItem", Action: "dynamodb:PutItem", Resource: table, Context: leading("IDEM#2")}}},
		{"update and delete", func(c aws.Config) error {
			db := dynamodb.NewFromConfig(c)
			if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("requests"), Key: key("RATE#a#1")}); err != nil {
				return err
			}
			_, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("requests"), Key: key("DEDUPE#f")})
			return err
		}, []Call{
			{Operation: "dynamodb:UpdateItem", Action: "dynamodb:UpdateItem", Resource: table, Context: leading("RATE#a#1")},
			{Operation: "dynamodb:DeleteItem", Action: "dynamodb:DeleteItem", Resource: table, Context: leading("DEDUPE#f")},
		}},
		{"transaction, item by item", func(c aws.Config) error {
			_, err := dynamodb.NewFromConfig(c).TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Update: &types.Update{TableName: aws.String("requests"), Key: key("RATE#client#x#1"), UpdateExpression: aws.String("ADD n :one")}},
				{Put: &types.Put{TableName: aws.String("requests"), Item: key("DEDUPE#f")}},
				{Delete: &types.Delete{TableName: aws.String("requests"), Key: key("IDEM#k")}},
				{ConditionCheck: &types.ConditionCheck{TableName: aws.String("other"), Key: key("REQ#9"), ConditionExpression: aws.String("attribute_exists(pk)")}},
			}})
			return err
		}, []Call{
			{Operation: "dynamodb:TransactWriteItems", Action: "dynamodb:UpdateItem", Resource: table, Context: leading("RATE#client#x#1")},
			{Operation: "dynamodb:TransactWriteItems", Action: "dynamodb:PutItem", Resource: table, Context: leading("DEDUPE#f")},
			{Operation: "dynamodb:TransactWriteItems", Action: "dynamodb:DeleteItem", Resource: table, Context: leading("IDEM#k")},
			{Operation: "dynamodb:TransactWriteItems", Action: "dynamodb:ConditionCheckItem", Resource: "arn:aws:dynamodb:us-east-1:123456789012:table/other", Context: leading("REQ#9")},
		}},
		{"query of an index", func(c aws.Config) error {
			_, err := dynamodb.NewFromConfig(c).Query(ctx, &dynamodb.QueryInput{
				TableName: aws.String("requests"), IndexName: aws.String("ByStatus"),
				KeyConditionExpression:    aws.String("createdAt > :t AND #status = :status"),
				ExpressionAttributeNames:  map[string]string{"#status": "status"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":status": s("received"), ":t": s("2026")},
			})
			return err
		}, []Call{{Operation: "dynamodb:Query", Action: "dynamodb:Query", Resource: table + "/index/ByStatus", Context: leading("received")}}},
		{"secret by ARN", func(c aws.Config) error {
			_, err := secretsmanager.NewFromConfig(c).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretARN)})
			return err
		}, []Call{{Operation: "secretsmanager:GetSecretValue", Action: "secretsmanager:GetSecretValue", Resource: secretARN}}},
		{"secret by name", func(c aws.Config) error {
			_, err := secretsmanager.NewFromConfig(c).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("hashing-key")})
			return err
		}, []Call{{Operation: "secretsmanager:GetSecretValue", Action: "secretsmanager:GetSecretValue", Resource: "hashing-key", Problem: "the secret is named, not given by ARN"}}},
		{"sending quota", func(c aws.Config) error {
			_, err := sesapi.NewFromConfig(c).GetSendQuota(ctx, &sesapi.GetSendQuotaInput{})
			return err
		}, []Call{{Operation: "ses:GetSendQuota", Action: "ses:GetSendQuota", Resource: "*"}}},
		{"raw email", func(c aws.Config) error {
			_, err := sesapi.NewFromConfig(c).SendRawEmail(ctx, &sesapi.SendRawEmailInput{
				Source:               aws.String("appointments@example.com"),
				Destinations:         []string{"patient@example.org"},
				ConfigurationSetName: aws.String("clinic"),
				RawMessage:           &sestypes.RawMessage{Data: []byte("From: appointments@example.com\r\n\r\nHello")},
			})
			return err
		}, []Call{
			{Operation: "ses:SendRawEmail", Action: "ses:SendRawEmail", Resource: "arn:aws:ses:us-east-1:123456789012:identity/appointments@example.com", Context: map[string][]string{"ses:FromAddress": {"appointments@example.com"}}},
			{Operation: "ses:SendRawEmail", Action: "ses:SendRawEmail", Resource: "arn:aws:ses:us-east-1:123456789012:identity/example.com", Context: map[string][]string{"ses:FromAddress": {"appointments@example.com"}}},
			{Operation: "ses:SendRawEmail", Action: "ses:SendRawEmail", Resource: "arn:aws:ses:us-east-1:123456789012:identity/patient@example.org", Context: map[string][]string{"ses:FromAddress": {"appointments@example.com"}}},
			{Operation: "ses:SendRawEmail", Action: "ses:SendRawEmail", Resource: "arn:aws:ses:us-east-1:123456789012:configuration-set/clinic", Context: map[string][]string{"ses:FromAddress": {"appointments@example.com"}}},
		}},
		{"raw email from its header", func(c aws.Config) error {
			_, err := sesapi.NewFromConfig(c).SendRawEmail(ctx, &sesapi.SendRawEmailInput{
				RawMessage: &sestypes.RawMessage{Data: []byte("From: Clinic <desk@example.com>\r\nTo: a@example.org\r\n\r\nHello")},
			})
			return err
		}, []Call{
			{Operation: "ses:SendRawEmail", Action: "ses:SendRawEmail", Resource: "arn:aws:ses:us-east-1:123456789012:identity/desk@example.com", Context: map[string][]string{"ses:FromAddress": {"desk@example.com"}}},
			{Operation: "ses:SendRawEmail", Action: "ses:SendRawEmail", Resource: "arn:aws:ses:us-east-1:123456789012:identity/example.com", Context: map[string][]string{"ses:FromAddress": {"desk@example.com"}}},
		}},
		{"a DynamoDB call the recorder does not read", func(c aws.Config) error {
			_, err := dynamodb.NewFromConfig(c).Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("requests")})
			return err
		}, []Call{{Operation: "dynamodb:Scan", Action: "dynamodb:Scan", Resource: "?", Problem: "a DynamoDB operation the recorder does not read"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, transport := NewTransport(t, answering)
			if err := tt.call(config(transport)); err != nil {
				t.Fatal(err)
			}
			if got := r.Calls(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("recorded\n%s\nwant\n%s", callLines(got), callLines(tt.want))
			}
		})
	}

	// An unsigned request names no service or Region.
	r, transport := NewTransport(t, answering)
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/", strings.NewReader("{}"))
	if _, err := transport.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if got := r.Calls(); len(got) != 1 || got[0].Problem == "" {
		t.Errorf("an unsigned request was recorded as %s", callLines(got))
	}
}

func callLines(calls []Call) string {
	lines := make([]string, len(calls))
	for i, c := range calls {
		lines[i] = "  " + c.String()
	}
	return strings.Join(lines, "\n")
}

// The names the deny table binds, as the functions' tests do: the table,
// the secrets and the sender.
const (
	tableName     = "requests"
	sender        = "appointments@example.com"
	hashingKey    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:hashing-key-AbCdEf"
	linkKey       = "arn:aws:secretsmanager:us-east-1:123456789012:secret:action-link-key-GhIjKl"
	configuration = "appointments"
)

var stackBinding = Binding{
	"RequestsTable":         tableName,
	"HashingKeySecret":      hashingKey,
	"ActionLinkKeySecret":   linkKey,
	"SenderEmail":           sender,
	"EmailConfigurationSet": configuration,
}

func itemCall(action, pk string) Call {
	return Call{Action: "dynamodb:" + action, Resource: table, Context: leading(pk)}
}

func secret(arn string) Call {
	return Call{Action: "secretsmanager:GetSecretValue", Resource: arn}
}

func send(from, identity string) Call {
	return Call{Action: "ses:SendRawEmail", Resource: "arn:aws:ses:us-east-1:123456789012:identity/" + identity, Context: map[string][]string{"ses:FromAddress": {from}}}
}

// TestRolesAllowOnlyTheirCalls: a call of each kind each function makes is
// allowed by its role, and deliberately wrong calls are denied: another
// table, another key prefix, another secret, another action, SES from
// another address.
func TestRolesAllowOnlyTheirCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("translates the template with the SAM translator and simulates IAM with Node.js; runs without -short (make test)")
	}
	otherTable := Call{Action: "dynamodb:GetItem", Resource: "arn:aws:dynamodb:us-east-1:123456789012:table/other", Context: leading("REQ#1")}
	otherKey := "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-Zz9Yy8"
	tests := []struct {
		function       string
		allowed, wrong []Call
	}{
		{
			function: "SubmitFunction",
			allowed: []Call{
				itemCall("PutItem", "REQ#r6zxzmmvycimokgxeyepwm2yge"), itemCall("PutItem", "IDEM#0a1b"), itemCall("PutItem", "DEDUPE#0a1b"),
				itemCall("GetItem", "IDEM#0a1b"), itemCall("GetItem", "DEDUPE#0a1b"), itemCall("UpdateItem", "RATE#client#0a1b#1700000000"),
				itemCall("UpdateItem", "IDEM#0a1b"), itemCall("DeleteItem", "IDEM#0a1b"), itemCall("DeleteItem", "DEDUPE#0a1b"),
				secret(hashingKey),
			},
			wrong: []Call{
				otherTable,
				itemCall("DeleteItem", "REQ#r6zxzmmvycimokgxeyepwm2yge"),
				itemCall("UpdateItem", "REQ#r6zxzmmvycimokgxeyepwm2yge"),
				itemCall("PutItem", "SUPPRESS#0a1b"),
				itemCall("DeleteItem", "SUPPRESS#0a1b"),
				itemCall("GetItem", "SUPPRESS#0a1b"),
				itemCall("PutItem", "RATE#client#0a1b#1700000000"),
				itemCall("Query", "received"),
				secret(linkKey), secret(otherKey),
				send(sender, sender),
			},
		},
		{
			function: "ManageFunction",
			allowed:  []Call{itemCall("GetItem", "REQ#r6zxzmmvycimokgxeyepwm2yge"), itemCall("UpdateItem", "REQ#r6zxzmmvycimokgxeyepwm2yge"), secret(linkKey)},
			wrong: []Call{
				otherTable,
				itemCall("UpdateItem", "RATE#client#0a1b#1700000000"),
				itemCall("UpdateItem", "SUPPRESS#0a1b"),
				itemCall("GetItem", "IDEM#0a1b"),
				itemCall("PutItem", "REQ#r6zxzmmvycimokgxeyepwm2yge"),
				itemCall("DeleteItem", "REQ#r6zxzmmvycimokgxeyepwm2yge"),
				secret(hashingKey), secret(otherKey),
				send(sender, sender),
			},
		},
		{
			function: "NotifyFunction",
			allowed: []Call{
				itemCall("GetItem", "REQ#r6zxzmmvycimokgxeyepwm2yge"), itemCall("UpdateItem", "REQ#r6zxzmmvycimokgxeyepwm2yge"),
				itemCall("GetItem", "SUPPRESS#0a1b"), secret(linkKey), secret(hashingKey),
				send(sender, sender), send(sender, "example.com"),
				{Action: "ses:SendRawEmail", Resource: "arn:aws:ses:us-east-1:123456789012:configuration-set/" + configuration, Context: map[string][]string{"ses:FromAddress": {sender}}},
				{Action: "ses:GetSendQuota", Resource: "*"},
			},
			wrong: []Call{
				otherTable,
				itemCall("DeleteItem", "REQ#r6zxzmmvycimokgxeyepwm2yge"),
				itemCall("PutItem", "SUPPRESS#0a1b"),
				secret(otherKey),
				send("frontdesk@example.com", "example.com"),
				send("attacker@example.net", "example.net"),
				{Action: "ses:SendRawEmail", Resource: "arn:aws:ses:us-east-1:123456789012:configuration-set/other", Context: map[string][]string{"ses:FromAddress": {sender}}},
				{Action: "ses:SendRawEmail", Resource: "arn:aws:ses:us-west-2:123456789012:identity/" + sender, Context: map[string][]string{"ses:FromAddress": {sender}}},
			},
		},
		{
			function: "DigestFunction",
			allowed: []Call{
				{Action: "dynamodb:Query", Resource: table + "/index/ByStatus", Context: leading("received")},
				itemCall("UpdateItem", "RATE#digest#1700000000"), secret(linkKey), send(sender, sender),
			},
			wrong: []Call{
				{Action: "dynamodb:Query", Resource: table, Context: leading("REQ#r6zxzmmvycimokgxeyepwm2yge")},
				itemCall("UpdateItem", "REQ#r6zxzmmvycimokgxeyepwm2yge"),
				itemCall("UpdateItem", "RATE#client#0a1b#1700000000"),
				itemCall("GetItem", "REQ#r6zxzmmvycimokgxeyepwm2yge"),
				secret(hashingKey),
				send("attacker@example.net", "example.net"),
			},
		},
		{
			function: "FeedbackFunction",
			allowed:  []Call{itemCall("UpdateItem", "REQ#r6zxzmmvycimokgxeyepwm2yge"), itemCall("PutItem", "SUPPRESS#0a1b"), secret(hashingKey)},
			wrong: []Call{
				otherTable,
				itemCall("PutItem", "REQ#r6zxzmmvycimokgxeyepwm2yge"),
				itemCall("UpdateItem", "SUPPRESS#0a1b"),
				itemCall("UpdateItem", "RATE#client#0a1b#1700000000"),
				itemCall("GetItem", "REQ#r6zxzmmvycimokgxeyepwm2yge"),
				secret(linkKey),
				send(sender, sender),
			},
		},
	}
	tmpl := Template(t)
	for _, tt := range tests {
		t.Run(tt.function, func(t *testing.T) {
			role, err := RoleOf(tmpl, tt.function, stackBinding)
			if err != nil {
				t.Fatal(err)
			}
			calls := append(slices.Clone(tt.allowed), tt.wrong...)
			requests := make([]Request, len(calls))
			for i, c := range calls {
				requests[i] = Request{Principal: "arn:aws:iam::123456789012:role/" + role.ID, Action: c.Action, Resource: c.Resource, Context: c.Context, Policies: role.Policies}
			}
			decisions, err := Simulate(requests)
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range decisions {
				want := "Allowed"
				if i >= len(tt.allowed) {
					want = "ImplicitlyDenied"
				}
				if d.Result != want || len(d.IgnoredContextKeys) > 0 {
					t.Errorf("%s: %s is %s (ignoring %v), want %s", role.ID, calls[i], d, d.IgnoredContextKeys, want)
				}
			}
		})
	}
}

// TestCheckFailsOnBrokenPolicy: with a permission taken out of the
// template, a call the function makes is denied, so Check would fail.
func TestCheckFailsOnBrokenPolicy(t *testing.T) {
	if testing.Short() {
		t.Skip("translates the template with the SAM translator and simulates IAM with Node.js; runs without -short (make test)")
	}
	// A deep copy, since Template's is shared.
	var tmpl map[string]any
	b, _ := json.Marshal(Template(t))
	if err := json.Unmarshal(b, &tmpl); err != nil {
		t.Fatal(err)
	}
	role, err := RoleOf(tmpl, "ManageFunction", stackBinding)
	if err != nil {
		t.Fatal(err)
	}
	// ManageFunction's generated role: drop the statement that grants
	// the table's items.
	removed := 0
	for _, p := range leaves(dig(tmpl, "Resources", role.ID, "Properties", "Policies")) {
		doc, _ := dig(p, "PolicyDocument").(map[string]any)
		var kept []any
		for _, st := range leaves(doc["Statement"]) {
			if dig(st, "Sid") == "RequestsTableItems" {
				removed++
				continue
			}
			kept = append(kept, st)
		}
		doc["Statement"] = kept
	}
	if removed != 1 {
		t.Fatalf("removed %d statements RequestsTableItems from %s, want 1", removed, role.ID)
	}
	broken, err := RoleOf(tmpl, "ManageFunction", stackBinding)
	if err != nil {
		t.Fatal(err)
	}
	get := itemCall("GetItem", "REQ#r6zxzmmvycimokgxeyepwm2yge")
	decisions, err := Simulate([]Request{
		{Principal: "arn:aws:iam::123456789012:role/" + role.ID, Action: get.Action, Resource: get.Resource, Context: get.Context, Policies: role.Policies},
		{Principal: "arn:aws:iam::123456789012:role/" + role.ID, Action: get.Action, Resource: get.Resource, Context: get.Context, Policies: broken.Policies},
	})
	if err != nil {
		t.Fatal(err)
	}
	if decisions[0].Result != "Allowed" || decisions[1].Result != "ImplicitlyDenied" {
		t.Errorf("GetItem with the template's role: %s, without its statement: %s; want Allowed, then ImplicitlyDenied", decisions[0], decisions[1])
	}
}

// TestSchedulerTrust: only EventBridge Scheduler may assume the role each
// schedule (the digest's, the reminders' sweep) runs with, and only for a
// schedule in that schedule's own group of the stack: not for a schedule
// of another group of the account, of another account, or of none named.
func TestSchedulerTrust(t *testing.T) {
	if testing.Short() {
		t.Skip("translates the template with the SAM translator and simulates IAM with Node.js; runs without -short (make test)")
	}
	tmpl := Template(t)
	resources, _ := dig(tmpl, "Resources").(map[string]any)
	var schedules []string
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		if dig(resources[id], "Type") == "AWS::Scheduler::Schedule" {
			schedules = append(schedules, id)
		}
	}
	if len(schedules) < 2 {
		t.Fatalf("the template's schedules are %v, want the digest's and the reminders'", schedules)
	}
	for _, id := range schedules {
		t.Run(id, func(t *testing.T) {
			target, _ := dig(resources[id], "Properties", "Target").(map[string]any)
			group, other, b := "default", "default-copy", Binding{}
			if ref, ok := dig(resources[id], "Properties", "GroupName", "Ref").(string); ok {
				group, other = "appointments-"+strings.ToLower(ref), "default"
				b[ref] = group
			}
			roleID, _ := dig(target, "RoleArn", "Fn::GetAtt").([]any)
			if len(roleID) != 2 {
				t.Fatalf("the schedule's role is %v, not a role of the template", dig(target, "RoleArn"))
			}
			role, err := RoleByID(tmpl, roleID[0].(string), b)
			if err != nil {
				t.Fatal(err)
			}
			groupARN := func(account, name string) string {
				return "arn:aws:scheduler:us-east-1:" + account + ":schedule-group/" + name
			}
			tests := []struct {
				name, principal string
				context         map[string][]string
				want            string
			}{
				{"the schedule's own group", "scheduler.amazonaws.com",
					map[string][]string{"aws:SourceAccount": {AccountID}, "aws:SourceArn": {groupARN(AccountID, group)}}, "Allowed"},
				{"another group of the account", "scheduler.amazonaws.com",
					map[string][]string{"aws:SourceAccount": {AccountID}, "aws:SourceArn": {groupARN(AccountID, other)}}, "ImplicitlyDenied"},
				{"a group of another account", "scheduler.amazonaws.com",
					map[string][]string{"aws:SourceAccount": {"210987654321"}, "aws:SourceArn": {groupARN("210987654321", group)}}, "ImplicitlyDenied"},
				{"no source named", "scheduler.amazonaws.com",
					map[string][]string{"aws:SourceAccount": {AccountID}}, "ImplicitlyDenied"},
				{"another service", "events.amazonaws.com",
					map[string][]string{"aws:SourceAccount": {AccountID}, "aws:SourceArn": {groupARN(AccountID, group)}}, "ImplicitlyDenied"},
			}
			requests := make([]Request, len(tests))
			for i, tt := range tests {
				requests[i] = Request{
					Principal: tt.principal, Action: "sts:AssumeRole", Resource: "arn:aws:iam::123456789012:role/" + role.ID,
					Context: tt.context, ResourcePolicy: role.Trust,
				}
			}
			decisions, err := Simulate(requests)
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range decisions {
				if d.Result != tests[i].want {
					t.Errorf("%s: %s assuming %s is %s, want %s", tests[i].name, tests[i].principal, role.ID, d, tests[i].want)
				}
			}
		})
	}
}
