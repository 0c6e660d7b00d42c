package template

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/testing/samtemplate"
)

// The IAM audit reads the CloudFormation template AWS deploys, not
// template.yaml itself (samtemplate.Translate): the SAM transform adds
// roles, managed policies and statements for functions and their events
// that the source never shows. AWSLambdaDynamoDBExecutionRole, which reads
// every stream in the account, is one of them.

// translations holds, for each set of parameter values, a function that
// runs the SAM translator on template.yaml once per test binary.
var translations sync.Map // compact(params) -> func() (map[string]any, error)

// translatedTemplate is template.yaml as the SAM translator makes it, with
// no parameter values given.
func translatedTemplate(t *testing.T) map[string]any {
	t.Helper()
	return translatedTemplateWith(t, nil)
}

// translatedTemplateWith is template.yaml as the SAM translator makes it
// for a stack deployed with the parameter values params. Callers must not
// change it: tests asking for the same values share it.
func translatedTemplateWith(t *testing.T, params map[string]string) map[string]any {
	t.Helper()
	if testing.Short() {
		t.Skip("translates the template with the SAM translator (Python); runs without -short (make test)")
	}
	once, _ := translations.LoadOrStore(compact(params), sync.OnceValues(func() (map[string]any, error) {
		return samtemplate.Translate(filepath.Join("..", "..", "template.yaml"), params)
	}))
	tmpl, err := once.(func() (map[string]any, error))()
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// guardedServices are the services whose actions no policy may grant on
// every resource: the patients' data (dynamodb), email sent in the clinic's
// name (ses), queues and topics (sqs, sns), and keys, parameters and secrets
// (kms, ssm, secretsmanager).
var guardedServices = []string{"dynamodb", "ses", "sqs", "sns", "kms", "ssm", "secretsmanager"}

// unscopedReads are the actions of guarded services that IAM defines on no
// resource, so that they can be allowed only on "*", and that read nothing
// but the account's own settings: they may be granted on Resource "*".
// Each is named in full; a wildcard that covers one covers others too.
var unscopedReads = []string{
	// The account's sending quota, which NotifyFunction paces its sends to.
	"ses:getsendquota",
}

// basicExecutionRole and xrayWriteOnly match the two AWS managed policies a
// role may attach. AWSLambdaBasicExecutionRole grants CloudWatch Logs
// writes only; AWSXrayWriteOnlyAccess, which SAM attaches to the roles it
// generates for functions with active tracing, grants X-Ray trace writes
// and sampling reads only. Every other AWS managed policy a function might
// get, such as AWSLambdaDynamoDBExecutionRole,
// AWSLambdaSQSQueueExecutionRole or the FullAccess ones, grants guarded
// actions on "*", and its text is not in the template for the audit to
// read.
var (
	basicExecutionRole = regexp.MustCompile(`^arn:(aws[a-z-]*|\$\{AWS::Partition\}):iam::aws:policy/service-role/AWSLambdaBasicExecutionRole$`)
	xrayWriteOnly      = regexp.MustCompile(`^arn:(aws[a-z-]*|\$\{AWS::Partition\}):iam::aws:policy/AWSXrayWriteOnlyAccess$`)
)

// awsManagedPolicyAllowed reports whether arn is one of the AWS managed
// policies a role may attach.
func awsManagedPolicyAllowed(arn string) bool {
	return basicExecutionRole.MatchString(arn) || xrayWriteOnly.MatchString(arn)
}

// iamAudit is what auditIAM found in a translated template.
type iamAudit struct {
	// problems are the grants on every resource and the managed policies
	// attached, one line each.
	problems []string
	// roles are the logical IDs of the roles audited.
	roles []string
}

// auditIAM walks every IAM role, user, group and policy in a CloudFormation
// template and reports each statement that allows a guarded action on every
// resource and each managed policy attached other than
// AWSLambdaBasicExecutionRole.
func auditIAM(tmpl map[string]any) iamAudit {
	var a iamAudit
	resources, _ := tmpl["Resources"].(map[string]any)
	ownPolicies := map[string]bool{}
	for id, r := range resources {
		if resourceType(r) == "AWS::IAM::ManagedPolicy" {
			ownPolicies[id] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		props, _ := resources[id].(map[string]any)["Properties"].(map[string]any)
		switch typ := resourceType(resources[id]); typ {
		case "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group":
			if typ == "AWS::IAM::Role" {
				a.roles = append(a.roles, id)
			}
			for i, p := range leaves(props["Policies"]) {
				p, _ := p.(map[string]any)
				name := fmt.Sprintf("%s policy %v", id, p["PolicyName"])
				if p["PolicyName"] == nil {
					name = fmt.Sprintf("%s policy %d", id, i)
				}
				a.problems = append(a.problems, auditDocument(name, p["PolicyDocument"])...)
			}
			for _, arn := range leaves(props["ManagedPolicyArns"]) {
				if !allowedManagedPolicy(arn, ownPolicies) {
					a.problems = append(a.problems, fmt.Sprintf("%s attaches managed policy %s; only AWSLambdaBasicExecutionRole, AWSXrayWriteOnlyAccess or a policy declared in the template may be attached", id, compact(arn)))
				}
			}
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy", "AWS::IAM::GroupPolicy":
			a.problems = append(a.problems, auditDocument(id, props["PolicyDocument"])...)
		}
	}
	return a
}

// auditDocument reports the statements of a policy document that allow a
// guarded action on every resource, other than one of unscopedReads.
func auditDocument(name string, doc any) []string {
	d, _ := doc.(map[string]any)
	var problems []string
	for i, st := range leaves(d["Statement"]) {
		st, ok := st.(map[string]any)
		if !ok {
			continue
		}
		where := fmt.Sprintf("%s statement %d", name, i)
		if sid, ok := st["Sid"].(string); ok {
			where = fmt.Sprintf("%s statement %s", name, sid)
		}
		// Only a literal Deny is left alone: an Effect computed by an
		// intrinsic function may well be Allow.
		if st["Effect"] == "Deny" {
			continue
		}
		var everywhere string
		switch {
		case st["NotResource"] != nil:
			everywhere = "every resource but " + compact(st["NotResource"])
		case slices.Contains(leaves(st["Resource"]), any("*")):
			everywhere = `Resource "*"`
		default:
			continue
		}
		// NotAction allows every action it does not name, guarded ones
		// included as far as this audit can tell.
		if st["NotAction"] != nil {
			problems = append(problems, fmt.Sprintf("%s allows every action but %s on %s", where, compact(st["NotAction"]), everywhere))
			continue
		}
		for _, action := range leaves(st["Action"]) {
			action, _ := action.(string)
			if slices.Contains(unscopedReads, strings.ToLower(action)) {
				continue
			}
			if service, ok := guardedService(action); ok {
				problems = append(problems, fmt.Sprintf("%s allows %s (%s) on %s", where, action, service, everywhere))
			}
		}
	}
	return problems
}

// guardedService reports the first guarded service an IAM action pattern
// such as "dynamodb:GetItem", "DynamoDB:*" or "*" covers. IAM matches
// service prefixes without regard to case and with * and ? wildcards.
func guardedService(action string) (string, bool) {
	prefix, _, found := strings.Cut(strings.ToLower(action), ":")
	if !found && prefix != "*" {
		return "", false
	}
	for _, s := range guardedServices {
		if ok, _ := path.Match(prefix, s); ok {
			return s, true
		}
	}
	return "", false
}

// allowedManagedPolicy reports whether arn, an entry of ManagedPolicyArns,
// is AWSLambdaBasicExecutionRole, AWSXrayWriteOnlyAccess or a Ref to a
// managed policy the template declares, whose document the audit reads.
func allowedManagedPolicy(arn any, ownPolicies map[string]bool) bool {
	switch v := arn.(type) {
	case string:
		return awsManagedPolicyAllowed(v)
	case map[string]any:
		if len(v) != 1 {
			return false
		}
		if s, ok := v["Fn::Sub"].(string); ok {
			return awsManagedPolicyAllowed(s)
		}
		if ref, ok := v["Ref"].(string); ok {
			return ownPolicies[ref]
		}
	}
	return false
}

// leaves returns the values a template value can stand for: the items of a
// list, the branches of Fn::If (either may be deployed), each in turn, and
// any other value as itself. AWS::NoValue stands for nothing.
func leaves(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		var out []any
		for _, item := range v {
			out = append(out, leaves(item)...)
		}
		return out
	case map[string]any:
		if branches, ok := v["Fn::If"].([]any); ok && len(v) == 1 && len(branches) == 3 {
			return append(leaves(branches[1]), leaves(branches[2])...)
		}
		if v["Ref"] == "AWS::NoValue" && len(v) == 1 {
			return nil
		}
	}
	return []any{v}
}

func resourceType(r any) string {
	m, _ := r.(map[string]any)
	typ, _ := m["Type"].(string)
	return typ
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// TestIAMGrantsNothingOnEveryResource is the IAM audit of the deployed
// template: no role or policy may allow a DynamoDB, SES, SQS, SNS, KMS, SSM
// or Secrets Manager action on Resource "*" (but for the account-level reads
// in unscopedReads), nor attach a managed policy
// other than AWSLambdaBasicExecutionRole and AWSXrayWriteOnlyAccess. Every function's role must be one
// the template declares, so that none escapes the audit.
func TestIAMGrantsNothingOnEveryResource(t *testing.T) {
	tmpl := translatedTemplate(t)
	a := auditIAM(tmpl)
	for _, p := range a.problems {
		t.Error(p)
	}

	resources, _ := tmpl["Resources"].(map[string]any)
	functions := 0
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		if resourceType(resources[id]) != "AWS::Lambda::Function" {
			continue
		}
		functions++
		props, _ := resources[id].(map[string]any)["Properties"].(map[string]any)
		ref, _ := props["Role"].(map[string]any)
		role, _ := ref["Fn::GetAtt"].([]any)
		if len(role) != 2 || role[1] != "Arn" || !slices.Contains(a.roles, fmt.Sprint(role[0])) {
			t.Errorf("%s runs with role %s, not one the template declares", id, compact(props["Role"]))
		}
	}
	if functions == 0 {
		t.Error("the translated template has no functions; the audit read the wrong thing")
	}
}

// TestNotifyFunctionRole: the role NotifyFunction runs with, declared in the
// template so that SAM attaches no managed policy, still grants what Lambda
// needs to run the function from the stream. The emulator-based tests do
// not check IAM, and a missing stream permission fails only at deployment,
// when Lambda creates the event source mapping.
func TestNotifyFunctionRole(t *testing.T) {
	tmpl := translatedTemplate(t)
	role, _ := tmpl["Resources"].(map[string]any)["NotifyFunctionRole"].(map[string]any)
	props, _ := role["Properties"].(map[string]any)
	if role == nil || resourceType(role) != "AWS::IAM::Role" {
		t.Fatal("the translated template has no role NotifyFunctionRole")
	}
	if arns := leaves(props["ManagedPolicyArns"]); len(arns) != 0 {
		t.Errorf("NotifyFunctionRole attaches managed policies %s, want none", compact(arns))
	}
	granted := grants(props)

	tests := []struct {
		action   string
		resource any
	}{
		{"dynamodb:DescribeStream", getAtt("RequestsTable", "StreamArn")},
		{"dynamodb:GetRecords", getAtt("RequestsTable", "StreamArn")},
		{"dynamodb:GetShardIterator", getAtt("RequestsTable", "StreamArn")},
		{"dynamodb:ListStreams", map[string]any{"Fn::Sub": "${RequestsTable.Arn}/stream/*"}},
		{"sqs:SendMessage", getAtt("NotifyDeadLetterQueue", "Arn")},
		{"logs:CreateLogStream", getAtt("NotifyFunctionLogGroup", "Arn")},
		{"logs:PutLogEvents", getAtt("NotifyFunctionLogGroup", "Arn")},
		{"dynamodb:GetItem", getAtt("RequestsTable", "Arn")},
		{"dynamodb:UpdateItem", getAtt("RequestsTable", "Arn")},
		// To sign the action links in the emails with ManageFunction's key.
		{"secretsmanager:GetSecretValue", ref("ActionLinkKeySecret")},
		// Active tracing: Lambda writes the function's segments with its
		// role, which SAM does not extend when the template gives one.
		// X-Ray's actions name no resource.
		{"xray:PutTraceSegments", "*"},
		{"xray:PutTelemetryRecords", "*"},
		// The account's maximum send rate, which the function paces its
		// sends to. GetSendQuota names no resource.
		{"ses:GetSendQuota", "*"},
	}
	for _, tt := range tests {
		got := granted[tt.action]
		if !slices.ContainsFunc(got, func(r any) bool { return reflect.DeepEqual(r, tt.resource) }) {
			t.Errorf("%s allowed on %s, want on %s", tt.action, compact(got), compact(tt.resource))
		}
	}
	// The link key, and the hashing key that suppressed addresses are
	// found under; no other secret.
	if got, want := granted["secretsmanager:GetSecretValue"], []any{ref("ActionLinkKeySecret"), ref("HashingKeySecret")}; !reflect.DeepEqual(got, want) {
		t.Errorf("secretsmanager:GetSecretValue allowed on %s, want only on %s", compact(got), compact(want))
	}
	// Of X-Ray, only writing traces.
	for action := range granted {
		if service, _, _ := strings.Cut(action, ":"); service == "xray" && action != "xray:PutTraceSegments" && action != "xray:PutTelemetryRecords" {
			t.Errorf("NotifyFunctionRole allows %s, want only the two trace writes of X-Ray", action)
		}
	}
}

// TestManageFunctionRole: ManageFunction, which anyone holding a link can
// call, may read and update single items of RequestsTable and read the link
// key, and nothing else: no PutItem or DeleteItem, no index, stream, SES or
// other secret. The role is the one SAM generates from the function's
// Policies, with only AWSLambdaBasicExecutionRole attached for its logs and
// AWSXrayWriteOnlyAccess for its traces.
func TestManageFunctionRole(t *testing.T) {
	tmpl := translatedTemplate(t)
	resources, _ := tmpl["Resources"].(map[string]any)
	fn, _ := resources["ManageFunction"].(map[string]any)
	if resourceType(fn) != "AWS::Lambda::Function" {
		t.Fatal("the translated template has no function ManageFunction")
	}
	roleRef, _ := dig(fn, "Properties", "Role")["Fn::GetAtt"].([]any)
	if len(roleRef) != 2 {
		t.Fatalf("ManageFunction's role is %s, not a role of the template", compact(dig(fn, "Properties")["Role"]))
	}
	role, _ := resources[fmt.Sprint(roleRef[0])].(map[string]any)
	if resourceType(role) != "AWS::IAM::Role" {
		t.Fatalf("ManageFunction runs with %v, which is not a role of the template", roleRef[0])
	}
	props, _ := role["Properties"].(map[string]any)
	for _, arn := range leaves(props["ManagedPolicyArns"]) {
		if s, _ := arn.(string); !awsManagedPolicyAllowed(s) {
			t.Errorf("ManageFunction's role attaches %s, want only AWSLambdaBasicExecutionRole and AWSXrayWriteOnlyAccess", compact(arn))
		}
	}

	want := map[string][]any{
		"dynamodb:GetItem":              {getAtt("RequestsTable", "Arn")},
		"dynamodb:UpdateItem":           {getAtt("RequestsTable", "Arn")},
		"secretsmanager:GetSecretValue": {ref("ActionLinkKeySecret")},
	}
	if got := grants(props); !reflect.DeepEqual(got, want) {
		t.Errorf("ManageFunction's role allows %s, want exactly %s", compact(got), compact(want))
	}
	// Of the table, request items only, named as the DynamoDB adapter
	// keys them.
	conditions := conditionsByAction(props)
	onRequests := map[string]any{"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": []any{dynamo.RequestPrefix + "*"}}}
	for _, action := range []string{"dynamodb:GetItem", "dynamodb:UpdateItem"} {
		if got := conditions[action]; !reflect.DeepEqual(got, onRequests) {
			t.Errorf("%s is allowed on the condition %s, want %s", action, compact(got), compact(onRequests))
		}
	}
}

// grants lists, for each action a role's inline policies allow, the
// resources it is allowed on.
func grants(roleProps map[string]any) map[string][]any {
	granted := map[string][]any{}
	for _, p := range leaves(roleProps["Policies"]) {
		doc, _ := p.(map[string]any)["PolicyDocument"].(map[string]any)
		for _, st := range leaves(doc["Statement"]) {
			st, _ := st.(map[string]any)
			if st["Effect"] != "Allow" {
				continue
			}
			for _, action := range leaves(st["Action"]) {
				a := fmt.Sprint(action)
				granted[a] = append(granted[a], leaves(st["Resource"])...)
			}
		}
	}
	return granted
}

func getAtt(id, attr string) any { return map[string]any{"Fn::GetAtt": []any{id, attr}} }

func ref(id string) any { return map[string]any{"Ref": id} }

// TestAuditIAM checks the audit itself on small templates.
func TestAuditIAM(t *testing.T) {
	role := func(statement string) string {
		return `{"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyName": "P",
			"PolicyDocument": {"Statement": [` + statement + `]}}]}}}}`
	}
	tests := []struct {
		name     string
		template string
		want     []string // a substring of each problem, in order
	}{
		{"scoped", role(`{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": {"Fn::GetAtt": ["T", "Arn"]}}`), nil},
		{"scoped list", role(`{"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": ["arn:aws:sqs:us-east-1:1:q"]}`), nil},
		{"other service on everything", role(`{"Effect": "Allow", "Action": ["logs:CreateLogGroup", "xray:PutTraceSegments", "cloudwatch:PutMetricData"], "Resource": "*"}`), nil},
		{"denied on everything", role(`{"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"}`), nil},
		{"stream read on everything", role(`{"Sid": "S", "Effect": "Allow", "Action": ["dynamodb:GetRecords", "logs:PutLogEvents"], "Resource": "*"}`),
			[]string{`R policy P statement S allows dynamodb:GetRecords (dynamodb) on Resource "*"`}},
		{"star in a list", role(`{"Effect": "Allow", "Action": "ses:SendRawEmail", "Resource": ["arn:aws:ses:us-east-1:1:identity/x", "*"]}`),
			[]string{"statement 0 allows ses:SendRawEmail (ses)"}},
		{"sending quota on everything", role(`{"Effect": "Allow", "Action": ["ses:GetSendQuota", "SES:getsendquota"], "Resource": "*"}`), nil},
		{"wildcard covering the sending quota", role(`{"Effect": "Allow", "Action": ["ses:GetSend*", "ses:Get*"], "Resource": "*"}`),
			[]string{"allows ses:GetSend* (ses)", "allows ses:Get* (ses)"}},
		{"star in a condition's branch", role(`{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
			"Resource": {"Fn::If": ["C", [{"Ref": "S"}], ["*"]]}}`), []string{"secretsmanager:GetSecretValue"}},
		{"every action", role(`{"Effect": "Allow", "Action": "*", "Resource": "*"}`), []string{"allows * (dynamodb)"}},
		{"service wildcard and case", role(`{"Effect": "Allow", "Action": ["SNS:Publish", "k?s:Decrypt", "s*:GetParameter"], "Resource": "*"}`),
			[]string{"SNS:Publish (sns)", "k?s:Decrypt (kms)", "s*:GetParameter (ses)"}},
		{"not action", role(`{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}`), []string{`allows every action but "iam:*"`}},
		{"not resource", role(`{"Effect": "Allow", "Action": "sqs:SendMessage", "NotResource": "arn:aws:sqs:us-east-1:1:q"}`),
			[]string{"sqs:SendMessage (sqs) on every resource but"}},
		{"basic execution role", `{"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": [
			"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
			{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}]}}}}`, nil},
		{"X-Ray write-only access", `{"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": [
			"arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
			{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSXrayWriteOnlyAccess"}]}}}}`, nil},
		{"managed policies", `{"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": [
			"arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole",
			"arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
			"arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess",
			"arn:aws:iam::aws:policy/AmazonSESFullAccess",
			"arn:aws:iam::aws:policy/ReadOnlyAccess",
			"arn:aws:iam::aws:policy/AWSXrayFullAccess",
			"arn:aws:iam::123456789012:policy/Elsewhere"]}}}}`,
			[]string{"AWSLambdaDynamoDBExecutionRole", "AWSLambdaSQSQueueExecutionRole", "AmazonDynamoDBFullAccess", "AmazonSESFullAccess", "ReadOnlyAccess", "AWSXrayFullAccess", "Elsewhere"}},
		{"declared managed policy", `{"Resources": {
			"R": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": [{"Ref": "M"}]}},
			"M": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement":
				{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}}}}}}`,
			[]string{"M statement 0 allows kms:Decrypt (kms)"}},
		{"standalone policy", `{"Resources": {"P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [
			{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"}]}}}}}`, []string{"P statement 0 allows ssm:GetParameter"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tmpl map[string]any
			if err := json.Unmarshal([]byte(tt.template), &tmpl); err != nil {
				t.Fatal(err)
			}
			got := auditIAM(tmpl).problems
			if len(got) != len(tt.want) {
				t.Fatalf("problems = %q, want %d: %q", got, len(tt.want), tt.want)
			}
			for i := range got {
				if !strings.Contains(got[i], tt.want[i]) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}
